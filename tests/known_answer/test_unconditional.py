"""Known answers for unconditional relief (issue 17: aid the optimiser should leave out).

Two phases of one year, discount 0.5 a phase (``beta = 0.5`` a year); the last
phase repeats forever, so the value of 1 USD m/yr from the end of either phase
on is ``G_1 = G_2 = 1`` and 1 USD m/yr held throughout is worth ``w_1 + w_2 =
0.5 + 0.5 = 1`` USD m of transformation at the start. Two steps, M1 in phase 1
and M2 in phase 2 (cost 10 each, restorable share 0.5, detected for certain);
relief P (20 a year, phase 1) and A (40 a year, phase 2), fully re-imposable
with credibility 1; reciprocity 1 (held relief covers the steps: 20 >= 10,
60 >= 20). Per phase, comply against the best deviation:

* without aid: phase 1 ``V^C = G (R_2 - C_2) = 40`` against the stall
  ``G (R_1 - C_1) = 10``: ``L_1 = 30``; phase 2 ``V^C = 40`` against the open
  reversal ``G (R_2 - Q_2 - C_2 + B_2) = 60 - 60 - 20 + 10 = -10``: ``L_2 = 50``;
* with the unconditional aid F (10 a year from phase 1, kept whatever the
  target does): every value gains ``10 G = 10``, comply (50, 50) and the best
  deviation (20, 0): ``L = (30, 50)`` again, and ``T = -10 x 1 = -10``;
* the same aid as *conditional* relief (reversibility 1, any phase), granted
  in phase 2: the stall of phase 1 forgoes it and the reversal of phase 2 loses
  it, ``L = (40, 60)``: that is the leverage the old model's food aid bought
  (finding C10(g) of the default model), and ``T = -10 w_2 = -5``.
"""

from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
import pytest

from solver import check, load_scenario, solve, verify_plan
from solver.backends import run_backend
from solver.formulation import step
from solver.formulation.common import BuildOptions
from solver.frontier import trade_off
from solver.pipeline import fix_schedule
from solver.plan import Schedule
from solver.robust.types import type_scenario
from solver.scenario import ScenarioError, scenario_from_dict
from solver.scenario_types import canonical_json
from solver.shipped import default_scenario_path
from solver.timeline import Timeline
from solver.transformation import transformation_value
from tests.conftest import ROOT

AID = {
    "name": "unconditional aid",
    "phases": 2,
    "parameters": {"discount": 0.5, "reciprocity": 1.0},
    "instruments": [{"id": "exec", "kind": "executive", "credibility": 1.0}],
    "measures": [
        {"id": "P", "value": 20, "reversibility": 1.0, "instrument": "exec",
         "phase_window": [1, 1], "mandatory_by": 1},
        {"id": "A", "value": 40, "reversibility": 1.0, "instrument": "exec",
         "phase_window": [2, 2], "mandatory_by": 2},
        {"id": "F", "value": 10, "reversibility": 0.0, "instrument": "exec",
         "transformation": -1.0, "unconditional": True},
    ],
    "milestones": [
        {"id": "M1", "value": 1, "cost": 10, "reversibility": 0.5, "detection": 1.0,
         "phase_window": [1, 1], "mandatory_by": 1},
        {"id": "M2", "value": 1, "cost": 10, "reversibility": 0.5, "detection": 1.0,
         "phase_window": [2, 2], "mandatory_by": 2},
    ],
}  # fmt: skip

STEPS = {"M1": 1, "M2": 2}


def _conditional() -> dict:
    doc = copy.deepcopy(AID)
    doc["measures"][2].update(reversibility=1.0, unconditional=False)
    return doc


def _plan(aid: int | None) -> Schedule:
    return Schedule({"P": 1, "A": 2, "F": aid}, dict(STEPS))


def test_unconditional_aid_adds_no_leverage_by_hand():
    s = scenario_from_dict(AID)
    without, given = _plan(None).values(s), _plan(1).values(s)
    assert without.leverage == pytest.approx([30.0, 50.0])
    assert given.leverage == pytest.approx([30.0, 50.0])
    # it enters both sides alike: every value gains 10 G = 10 USD m
    assert without.comply_value == pytest.approx([40.0, 40.0])
    assert given.comply_value == pytest.approx([50.0, 50.0])
    assert without.deviate_value == pytest.approx([10.0, -10.0])
    assert given.deviate_value == pytest.approx([20.0, 0.0])
    assert transformation_value(s, _plan(1)) == pytest.approx(-10.0)
    assert verify_plan(s, _plan(1)).ok


def test_the_same_aid_as_conditional_relief_buys_leverage_by_hand():
    s = scenario_from_dict(_conditional())
    assert _plan(2).values(s).leverage == pytest.approx([40.0, 60.0])
    plan = solve(s)
    assert plan.schedule.measures["F"] == 2 and plan.objective == pytest.approx(40.0)
    assert transformation_value(s, _plan(2)) == pytest.approx(-5.0)


def test_the_game_check_sees_no_difference():
    s = scenario_from_dict(AID)
    a, b = check(s, _plan(None)), check(s, _plan(1))
    assert [p.ic_margin for p in a.phases] == pytest.approx([p.ic_margin for p in b.phases])
    assert a.target_compatible and b.target_compatible


@pytest.mark.parametrize(
    ("years", "beta"), [((2.5,) * 4, 0.9146), ((1.0, 3.0, 0.5, 2.0), 0.8), ((0.1,) * 3, 0.5)]
)
def test_a_flow_held_in_every_phase_is_worth_g_k_in_every_option(years, beta):
    # docs/formulation.md, "Unconditional relief": every option's weights on R_t add up to G_k
    tl = Timeline(years, beta)
    g = tl.comply.R.sum(axis=1)
    options = [tl.stall, tl.overt] + [tl.covert(pi) for pi in (0.0, 0.1, 0.5, 0.95, 1.0)]
    for w in options:
        np.testing.assert_allclose(w.R.sum(axis=1), g, rtol=1e-12)
    np.testing.assert_allclose(g[-1], years[-1] * beta ** years[-1] / (1 - beta ** years[-1]))


@pytest.mark.parametrize("aid", [None, 1])
def test_the_mip_rows_give_the_same_leverage(aid):
    s = scenario_from_dict(AID)
    built = step.build(s, BuildOptions(objective="maxmin"))
    sol = run_backend(fix_schedule(built, _plan(aid)), "highs")
    assert sol.x[built.vars.leverage] == pytest.approx([30.0, 50.0])


@pytest.mark.parametrize("formulation", ["step", "pulse", "aggregated"])
def test_every_formulation_leaves_it_out(formulation):
    plan = solve(scenario_from_dict(AID), formulation=formulation)
    assert plan.schedule.measures["F"] is None and plan.objective == pytest.approx(30.0)


def test_an_unconditional_measure_is_given_in_phase_1_or_not_at_all():
    s = scenario_from_dict(AID)
    assert s.measure_window(s.measure("F")) == (1, 1)
    late = verify_plan(s, _plan(2))
    assert late.violations == ("window: F granted in phase 2, outside [1, 1]",)


def test_leverage_and_the_frontier_leave_it_out():
    s = scenario_from_dict(AID)
    # leverage alone is indifferent (no leverage either way); the tie-break drops the relief
    assert solve(s).schedule.measures["F"] is None
    assert solve(s, objective="transformation").schedule.measures["F"] is None
    f = trade_off(s, points=3)
    assert [p.schedule.measures["F"] for p in f.points] == [None, None, None]
    assert [p.min_leverage for p in f.points] == pytest.approx([30.0] * 3)
    assert [p.transformation for p in f.points] == pytest.approx([0.0] * 3)
    assert all(p.verified for p in f.points)
    # as conditional relief the leverage end takes it: the trade-off the flag removes
    g = trade_off(scenario_from_dict(_conditional()), points=3)
    assert [p.schedule.measures["F"] for p in g.points] == [None, 2, 2]
    assert [p.min_leverage for p in g.points] == pytest.approx([30.0, 40.0, 40.0])
    assert g.message.endswith("; 2 distinct plans")


def test_unconditional_aid_pays_for_no_step():
    # without P, phase 1 holds only the aid; participation needs 10 a year of relief for steps
    doc = copy.deepcopy(AID)
    del doc["measures"][0]
    s = scenario_from_dict(doc)
    got = verify_plan(s, Schedule({"A": 2, "F": 1}, dict(STEPS))).violations
    assert got == ("participation: phase 1 relief held 0 USD m/yr < 1 x step cost 10",)
    assert solve(s).status.value == "infeasible"
    doc["measures"][1]["unconditional"] = False
    doc["measures"][1]["reversibility"] = 1.0
    assert solve(scenario_from_dict(doc)).schedule.measures["F"] == 1  # as relief for steps


def test_the_relief_pace_and_the_balance_do_not_count_it():
    doc = copy.deepcopy(AID)
    doc["parameters"] |= {"min_relief": [25, 0], "irreversibility_ratio": 0.0}
    s = scenario_from_dict(doc)
    got = verify_plan(s, _plan(1)).violations
    assert got == ("relief: phase 1 grants 20 USD m/yr, minimum 25",)  # F's 10 not counted
    assert solve(s).status.value == "infeasible"
    doc["parameters"]["min_relief"] = [0, 0]
    assert verify_plan(scenario_from_dict(doc), _plan(1)).ok  # irreversible, yet outside rho


def test_default_model_food_aid_adds_no_leverage():
    s = load_scenario(default_scenario_path())
    r26 = s.measure("R26")
    assert r26.unconditional and r26.reversibility == 0.0 and r26.transformation == -1.0
    plan = solve(s, ranges=False)
    assert plan.schedule.measures["R26"] is None
    m = dict(plan.schedule.measures, R26=1)
    given = Schedule(m, dict(plan.schedule.milestones))
    assert verify_plan(s, given).ok
    np.testing.assert_allclose(
        given.values(s).leverage, plan.schedule.values(s).leverage, rtol=1e-12
    )
    lost = transformation_value(s, plan.schedule) - transformation_value(s, given)
    assert lost == pytest.approx(325 * 10.0)  # 325 a year, worth 10 years at the start


def test_default_model_frontier_never_grants_the_food_aid():
    s = load_scenario(default_scenario_path())
    f = trade_off(s)
    assert len(f.points) == 7 and f.status.value == "optimal"
    assert [p.schedule.measures["R26"] for p in f.points] == [None] * 7
    assert all(p.verified and p.target_compatible for p in f.points)
    # with the aid unconditional the two goals do not pull apart on the default model
    assert "one plan has both the largest smallest leverage and the largest" in f.message


def test_a_scenario_without_the_flag_keeps_its_digest():
    s = scenario_from_dict(_conditional())
    assert '"unconditional":' not in canonical_json(s)
    assert '"unconditional": true' in canonical_json(scenario_from_dict(AID))


# --- refused combinations -----------------------------------------------------

WHY = "an unconditional measure is given from phase 1 and kept whatever the target does"


def _refused(change) -> list[str]:
    doc = copy.deepcopy(AID)
    doc["actors"] = [
        {"id": "free", "name": "consents without conditions"},
        {"id": "picky", "consent_requires": ["M1"]},
    ]
    change(doc, doc["measures"][2])
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(doc, source="aid.toml")
    return err.value.problems


@pytest.mark.parametrize(
    ("change", "field", "value", "rule"),
    [
        (lambda d, m: m.update(reversibility=0.8), "reversibility", "0.8",
         "no snapback claws it back; set reversibility = 0"),
        (lambda d, m: m.update(phase_window=[2, 2]), "phase_window", "[2, 2]",
         "relief promised for a later phase is lost by a deviation before it"),
        (lambda d, m: m.update(mandatory_by=2), "mandatory_by", "2",
         "in phase 1 or not at all"),
        (lambda d, m: m.update(snapback_instrument="exec"), "snapback_instrument", "'exec'",
         "nothing snaps it back"),
        (lambda d, m: m.update(ends_with="M2"), "ends_with", "'M2'",
         "would stop if the target complies and run on if it stalls"),
        (lambda d, m: m.update(requires_milestones=["M1"]), "requires_milestones", "['M1']",
         "not conditioned on its steps"),
        (lambda d, m: m.update(after_milestones=["M1"]), "after_milestones", "['M1']",
         "not conditioned on its steps"),
        (lambda d, m: m.update(after_measures=["P"]), "after_measures", "['P']",
         "cannot come strictly after another measure"),
        (lambda d, m: m.update(requires_measures=["P"]), "requires_measures", "['P']",
         "it can require only unconditional measures, and P is not"),
        (lambda d, m: m.update(consent=["free", "picky"]), "consent", "['free', 'picky']",
         "picky consents only after M1 (consent_requires)"),
        (lambda d, m: (m.update(bundle="b"), d["measures"][0].update(bundle="b")), "bundle",
         "'b'", "every measure of it must be unconditional, and P is not"),
    ],
)  # fmt: skip
def test_bad_combinations_are_refused(change, field, value, rule):
    problems = _refused(change)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"aid.toml: measures[2] (F).{field} is {value}; {WHY}")
    assert rule in problems[0]


def test_good_combinations_are_accepted():
    doc = copy.deepcopy(AID)
    doc["actors"] = [{"id": "free"}]
    doc["measures"][2] |= {"consent": ["free"], "mandatory_by": 1, "phase_window": [1, 1]}
    doc["measures"].append(
        {"id": "G", "value": 5, "reversibility": 0.0, "instrument": "exec",
         "unconditional": True, "kind": "transfer", "requires_measures": ["F"]}
    )  # fmt: skip
    doc["measures"][0]["after_measures"] = ["F"]  # relief for steps may follow the aid
    s = scenario_from_dict(doc)
    assert s.measure("G").unconditional and s.measure_window(s.measure("G")) == (1, 1)


def test_a_target_type_cannot_make_it_reversible():
    # named, the override is refused; a wildcard sets every other measure and leaves it at 0
    doc = copy.deepcopy(AID)
    doc["target_types"] = [
        {"id": "t", "prior": 1.0, "overrides": {"measures.F.reversibility": 0.5}}
    ]
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(doc, source="aid.toml")
    (problem,) = err.value.problems
    assert problem.startswith(
        "aid.toml: target_types[0] (t).overrides.measures.F.reversibility is 0.5"
    )
    assert "measure 'F' is unconditional, so its reversibility is 0 by definition" in problem
    doc["target_types"] = [
        {"id": "t", "prior": 1.0, "overrides": {"measures.*.reversibility": 0.5}}
    ]
    s = scenario_from_dict(doc, source="aid.toml")
    typed = type_scenario(s, s.target_types[0])
    assert {m.id: m.reversibility for m in typed.measures} == {"P": 0.5, "A": 0.5, "F": 0.0}


def test_relief_validate_refuses_a_bad_combination_with_exit_2(tmp_path):
    path = tmp_path / "aid.toml"
    path.write_text(
        (ROOT / "models" / "dprk_minimal.toml").read_text()
        + '\n[[measures]]\nid = "AID"\nvalue = 10\nreversibility = 0.5\n'
        'instrument = "{inst}"\nunconditional = true\n'.replace(
            "{inst}", load_scenario(ROOT / "models" / "dprk_minimal.toml").instruments[0].id
        )
    )
    r = subprocess.run(
        [sys.executable, "-m", "solver.cli", "validate", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert f"{path}: measures[" in r.stderr
    assert "(AID).reversibility is 0.5; " + WHY in r.stderr
