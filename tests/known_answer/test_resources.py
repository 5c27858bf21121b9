"""Durations and renewable resources in relief scenarios (issue 5), solved by hand.

Three phases. Two dismantlement steps D1, D2 each take two phases and tie up
2 of the 2 inspection teams while under way, so they cannot overlap: one runs
in phases 1-2 and the other would need phases 3-4, beyond the horizon. With
both mandatory by phase 3 the scenario is infeasible; with 3 teams it is not.
A freeze F (1 phase, 1 team) fits beside neither step (2 + 1 > 2) but can
run alone in phase 3 after D1 (done in phase 2).
"""

from __future__ import annotations

import copy

import pytest

from solver import BACKENDS, FORMULATIONS, Status, solve, verify_plan
from solver.plan import Schedule
from solver.scenario import scenario_from_dict

BASE = {
    "name": "inspectors",
    "phases": 3,
    "parameters": {"reciprocity": 0.0},
    "instruments": [{"id": "exec", "kind": "executive"}],
    "measures": [{"id": "R", "value": 10, "reversibility": 1.0, "instrument": "exec"}],
    "resources": [{"id": "teams", "capacity": 2}],
    "milestones": [
        {
            "id": "D1",
            "value": 4,
            "cost": 5,
            "reversibility": 0.1,
            "detection": 0.5,
            "duration": 2,
            "uses": {"teams": 2},
            "mandatory_by": 3,
        },
        {
            "id": "F",
            "value": 1,
            "cost": 1,
            "reversibility": 0.9,
            "detection": 0.9,
            "uses": {"teams": 1},
            "mandatory_by": 3,
        },
    ],
}


@pytest.mark.parametrize("formulation", FORMULATIONS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_freeze_waits_for_the_teams(formulation, backend):
    s = scenario_from_dict(BASE)
    plan = solve(s, formulation=formulation, backend=backend)
    assert plan.status is Status.OPTIMAL
    d1, f = plan.schedule.milestones["D1"], plan.schedule.milestones["F"]
    # D1 occupies phases d1-1..d1; F (one phase) must not share a phase with it.
    assert f not in (d1 - 1, d1)
    assert verify_plan(s, plan).ok


def test_two_long_steps_do_not_fit():
    doc = copy.deepcopy(BASE)
    d2 = dict(doc["milestones"][0], id="D2")
    doc["milestones"] = [doc["milestones"][0], d2]
    plan = solve(scenario_from_dict(doc))
    assert plan.status is Status.INFEASIBLE
    # A smallest relaxation: one capacity row or one deadline.
    assert len(plan.explanation) == 1
    assert "resource teams" in plan.explanation[0] or "mandatory_by" in plan.explanation[0]
    doc["resources"][0]["capacity"] = 4
    assert solve(scenario_from_dict(doc)).status is Status.OPTIMAL


def test_verifier_names_the_overloaded_resource():
    s = scenario_from_dict(BASE)
    bad = Schedule(measures={"R": 1}, milestones={"D1": 2, "F": 2})
    v = verify_plan(s, bad)
    assert "resource: teams needs 3 in phase 2 (D1, F), capacity 2" in v.violations


def test_unknown_resource_is_refused():
    doc = copy.deepcopy(BASE)
    doc["milestones"][1]["uses"] = {"team": 1}
    with pytest.raises(ValueError, match=r"uses is 'team'; it names no resource"):
        scenario_from_dict(doc, source="x.toml")
