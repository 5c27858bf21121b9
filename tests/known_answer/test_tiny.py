"""Hand-solved tiny scenarios (issue 2, re-derived for the stall / overt / covert model).

Two phases of one year, discount 0.5 (so beta = 0.5 a year and G_1 = G_2 = 1),
one milestone M (cost 10, irreversible b = 0, detected for certain within a
year: h = 1, mandatory by phase 2) and one measure R (value 20, fully
reversible r = 1, credibility 1), reciprocity 1.  V^C_1 = 0.5 F_2 + 0.5 F_2 = F_2
and V^C_2 = F_2.

* M@1, R@1: F = (10, 10), V^C = (10, 10).  Overt: G (R - Q - C + 0) = -10,
  margin 20.  Covert (restores nothing; detection 1 a year is a Poisson clock
  that rings at once, so it is caught at the start of the next phase, after that
  phase's relief: V = G_k P with the punished flow P = 20 - 20 - 10 + 0 = -10):
  margin 20 in both phases; no stall once M is done.  L = (20, 20).
* M@2, R@2: phase 1 has nothing done, but M comes later, so a stall is open:
  V^S_1 = G_1 (R_1 - C_1) = 0, margin 10; phase 2 as above.  L = (10, 20).
* M@2, R@1: a stall keeps R for nothing: V^S_1 = 20 > V^C_1 = 10, L_1 = -10.
* M@1, R@2: participation fails in phase 1 (relief 0 < cost 10).

The maximum of min_k L_k is 20, reached only by the first plan.
"""

from __future__ import annotations

import pytest

from solver import BACKENDS, solve, verify_plan
from solver.scenario import scenario_from_dict as scenario_from_dict_for_tests

TINY = {
    "name": "tiny",
    "phases": 2,
    "parameters": {"discount": 0.5, "reciprocity": 1.0},
    "instruments": [{"id": "exec", "kind": "executive", "credibility": 1.0}],
    "measures": [{"id": "R", "value": 20, "reversibility": 1.0, "instrument": "exec"}],
    "milestones": [
        {
            "id": "M",
            "value": 1,
            "cost": 10,
            "reversibility": 0.0,
            "detection": 1.0,
            "mandatory_by": 2,
        }
    ],
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_tiny_leverage_optimum(backend):
    s = scenario_from_dict_for_tests(TINY)
    plan = solve(s, backend=backend)
    assert plan.status.value == "optimal"
    placed = (plan.schedule.measures["R"], plan.schedule.milestones["M"])
    assert placed == (1, 1)
    assert [p["leverage"] for p in plan.phases()] == pytest.approx([20.0, 20.0])
    assert verify_plan(s, plan).ok


def test_tiny_speed_objective_does_the_step_first():
    # speed maximises discounted coalition value: M in phase 1; participation
    # then forces R in phase 1 as well.
    s = scenario_from_dict_for_tests(TINY)
    plan = solve(s, objective="speed")
    assert plan.schedule.milestones == {"M": 1}
    assert plan.schedule.measures == {"R": 1}


def test_tiny_reciprocity_makes_it_infeasible_with_explanation():
    doc = {**TINY, "parameters": {"discount": 0.5, "reciprocity": 3.0}}
    plan = solve(scenario_from_dict_for_tests(doc))
    assert plan.status.value == "infeasible"
    assert plan.schedule is None
    # Relaxing either one participation row or the mandatory deadline restores
    # feasibility; both are smallest sets of size one.
    assert len(plan.explanation) == 1
    assert "participation" in plan.explanation[0] or "mandatory" in plan.explanation[0]


def test_chain_explanation_names_the_chain():
    doc = {
        "name": "chain",
        "phases": 3,
        "instruments": [{"id": "exec", "kind": "executive"}],
        "measures": [{"id": "R", "value": 1, "reversibility": 1.0, "instrument": "exec"}],
        "milestones": [
            {"id": "M01", "value": 1, "cost": 0, "reversibility": 0, "detection": 0},
            {
                "id": "M03",
                "value": 1,
                "cost": 0,
                "reversibility": 0,
                "detection": 0,
                "after": ["M01"],
            },
            {
                "id": "M05",
                "value": 1,
                "cost": 0,
                "reversibility": 0,
                "detection": 0,
                "after": ["M03"],
            },
            {
                "id": "M08",
                "value": 1,
                "cost": 0,
                "reversibility": 0,
                "detection": 0,
                "after": ["M05"],
                "mandatory_by": 3,
            },
        ],
    }
    plan = solve(scenario_from_dict_for_tests(doc))
    assert plan.status.value == "infeasible"
    assert plan.explanation == (
        "milestone M08 cannot be finished by phase 3: its prerequisite chain "
        "M01 -> M03 -> M05 -> M08 needs 4 phases",
    )
