"""Leximin over the phases' leverage (issue 11, item 6): every phase decided, not just one.

The hand-solved scenario (``tests/unit/leximin_cases.py``, ``THREE_PHASES``):
three phases of a year at ``beta = 0.5`` a year, so ``G_k = 1``, a payment one
phase ahead counts 1/2 and the tail after phase 3 counts as phase 3 once more;
credibility 1; steps irreversible (``b = 0``) and detected at once (``p = 1``).
M1 (cost 5) is due in phase 1 and M2 (cost 10) comes in phase 3, so
``C = (5, 5, 15)``.  A (60 a year, fully reversible) must come by phase 3;
B (30, half reversible) and C (10, fully reversible) can only come in phase
1, or never.  With ``F_t = R_t - C_t`` and ``Q_t`` the clawback
(``docs/formulation.md``, payoffs):

* comply: ``V^C_1 = F_2/2 + F_3/2``, ``V^C_2 = V^C_3 = F_3``;
* stall (M2 is still to come in phases 1 and 2): ``V^S_k = F_k``;
* overt (nothing is restorable): ``V^O_k = R_k - Q_k - C_k``;
* covert (detection 1 a year: caught at once, after the next phase's relief
  came): ``V^cov_k = R_{k+1} - Q_{k+1} - C_{k+1}`` for ``k < 3`` and
  ``R_3 - Q_3 - C_3`` for ``k = 3``.

A in phase 3 (earlier, the target would stall with A's relief in hand; the
enumeration below checks every plan).  B and C come in phase 1 or never, so
``R_2 = R_1`` and the stall binds in phases 1 and 2 whatever they do:
``L_1 = (F_2 + F_3)/2 - F_1 = (F_3 - F_1)/2 = (60 - 10)/2 = 25`` and
``L_2 = F_3 - F_2 = 50``.  In phase 3 the reversal binds (covert and overt are
the same there, nothing being restorable): ``L_3 = F_3 - (R_3 - Q_3 - 15) = Q_3``:

* P (B and C in phase 1): ``R = (40, 40, 100)``, ``Q_3 = 85``: ``L = (25, 50, 85)``
  (check: ``V^C_2 = 85``, stall 35, covert ``100 - 85 - 15 = 0``, overt 10);
* B alone: ``Q_3 = 75``, ``L = (25, 50, 75)``;
* C alone: ``R = (10, 10, 70)``, ``Q_3 = 70``, ``L = (25, 50, 70)``;
* neither is no plan: participation (reciprocity 0.5) needs relief of 2.5 in phase 1.

All three reach the largest smallest leverage, 25, and the same second one, 50:
max-min leaves phase 3 open (70 to 85).  The model's own objective, ``Lmin``
plus the tie-breaks (less and later relief), picks C alone (``L_3 = 70``; B is
worth more than C); leximin compares down to the third smallest and grants
both: P.  The ``maxmin`` rule adds ``0.01 x mean``: ``25 + 0.01 * 160/3`` for P
against ``25 + 0.01 * 145/3``, 0.2 % apart, so within 1 % of its optimum B and C
may come in phase 1 or never; under leximin the next best's three smallest sum
to 150 < 0.99 * 160, and both are forced in phase 1.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from solver import BACKENDS, MODELS_DIR, Status, evaluate, load_scenario, pipeline, solve
from solver import leximin as lx
from solver.backends import run_backend
from solver.formulation import step
from solver.formulation.common import BuildOptions
from solver.formulation.rows.objective import MEAN_TERM
from solver.game import check
from solver.model import LinearModel
from solver.pipeline import FORMULATIONS
from solver.scenario import scenario_from_dict
from solver.verify import verify_plan
from tests.conftest import SMALL
from tests.unit.leximin_cases import enumerate_plans, leximin_best, three_phases

SHIPPED = sorted(p for p in MODELS_DIR.glob("*.toml") if not p.name.endswith("_sensitivity.toml"))
P = {"A": 3, "B": 1, "C": 1}


@pytest.fixture(scope="module")
def hand():
    return three_phases()


@pytest.fixture(scope="module")
def plans(hand):
    return enumerate_plans(hand)


def test_hand_scenario_max_min_leaves_phase_3_open(plans):
    best = max(lev.min() for _, lev in plans)
    assert best == pytest.approx(25.0)
    tied = {
        (sch.measures["B"], sch.measures["C"]): lev for sch, lev in plans if lev.min() >= 25 - 1e-9
    }
    assert {k: v.tolist() for k, v in tied.items()} == {
        (1, 1): pytest.approx([25.0, 50.0, 85.0]),
        (1, None): pytest.approx([25.0, 50.0, 75.0]),
        (None, 1): pytest.approx([25.0, 50.0, 70.0]),
    }
    assert all(sch.measures["A"] == 3 for sch, lev in plans if lev.min() >= 25 - 1e-9)
    assert leximin_best(plans) == pytest.approx([25.0, 50.0, 85.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_leximin_fixes_phase_3_on_every_backend(hand, backend):
    plan = solve(hand, backend=backend)
    assert plan.status is Status.OPTIMAL, plan.message
    assert dict(plan.schedule.measures) == P
    assert dict(plan.schedule.milestones) == {"M1": 1, "M2": 3}
    assert plan.objective == pytest.approx(25.0)
    assert plan.levels == pytest.approx((25.0, 50.0, 85.0))
    assert plan.gap is None or plan.gap < 1e-5
    assert verify_plan(hand, plan).ok


def test_the_first_level_alone_leaves_it_to_the_tie_breaks(hand):
    request = pipeline.check_args(hand)
    built = pipeline.build(hand, request)
    one = pipeline.read_out(built, pipeline.run(built.model, request), request, 0.0)
    assert one.objective == pytest.approx(25.0)
    assert dict(one.schedule.measures) == {"A": 3, "B": None, "C": 1}  # less relief
    assert one.schedule.values(hand).leverage[2] == pytest.approx(70.0)


def test_maxmin_leaves_b_and_c_free_and_leximin_forces_them(hand):
    lex = solve(hand, ranges=True)
    mm = solve(hand, objective="maxmin", ranges=True)
    assert mm.status is Status.OPTIMAL and mm.levels == ()
    assert mm.objective == pytest.approx(25 + 0.01 * 160 / 3, abs=0.02)  # plus tiny tie-breaks
    assert (lex.phase_range["B"], lex.phase_range["C"]) == ((1, 1), (1, 1))
    assert (mm.phase_range["B"], mm.phase_range["C"]) == ((1, None), (1, None))


@pytest.mark.parametrize("formulation", FORMULATIONS)
def test_every_formulation_reaches_the_same_levels(formulation):
    for s in (three_phases(), load_scenario(SMALL)):
        ref = solve(s)
        plan = solve(s, formulation=formulation)
        assert plan.status is Status.OPTIMAL, plan.message
        assert plan.levels == pytest.approx(ref.levels, rel=1e-6, abs=1e-6)
        assert verify_plan(s, plan).ok


@pytest.mark.parametrize("backend", BACKENDS)
def test_backends_agree_on_the_default_levels(backend):
    s = load_scenario(MODELS_DIR / "dprk_2018.toml")
    ref = solve(s)
    plan = solve(s, backend=backend)
    assert plan.status is Status.OPTIMAL, plan.message
    assert plan.levels == pytest.approx(ref.levels, rel=1e-5)
    assert verify_plan(s, plan).ok


def test_leximin_matches_the_enumeration_with_a_fourth_measure():
    s = three_phases(D={"value": 4, "reversibility": 1.0})
    plans = enumerate_plans(s)
    plan = solve(s)
    assert plan.levels == pytest.approx(tuple(leximin_best(plans)), abs=1e-6)


@pytest.mark.parametrize("path", [SMALL, *SHIPPED], ids=lambda p: p.stem)
def test_leximin_is_never_worse_than_maxmin_at_the_first_level(path):
    s = load_scenario(path)
    lex, mm = solve(s), solve(s, objective="maxmin")
    assert lex.status is mm.status is Status.OPTIMAL
    mm_min = float(np.min(mm.schedule.values(s).leverage))
    assert lex.objective >= mm_min - 1e-6 * max(1.0, abs(mm_min))
    assert lex.objective == pytest.approx(lex.levels[0])


def _toy(values):
    m = LinearModel("toy")
    lev = np.array([m.add_var(f"L[{k}]", lb=v, ub=v) for k, v in enumerate(values, 1)])
    return m, lev


@pytest.mark.parametrize("backend", BACKENDS)
def test_level_columns_are_the_sums_of_the_smallest(backend):
    m, lev = _toy([3.0, -1.0, 2.0, 2.0])
    cols = lx.add_levels(m, lev)
    run_ = lx.solve_levels(m, cols, None, lambda mm, t, x0: run_backend(mm, backend))
    assert run_.status is Status.OPTIMAL and run_.solves == 4
    assert run_.values == pytest.approx(lx.level_values([3.0, -1.0, 2.0, 2.0]).tolist())
    assert run_.values == pytest.approx([-1.0, 1.0, 3.0, 6.0])


def _fake(stop_at: int, backend: str = "highs"):
    """A level solver whose ``stop_at``-th call ends at a (simulated) time limit."""
    calls = []

    def solve_(m, limit, start):
        calls.append(limit)
        sol = run_backend(m, backend, time_limit=limit)
        if len(calls) == stop_at:
            return replace(sol, status=Status.FEASIBLE, message="time limit (simulated)")
        return sol

    return solve_, calls


def test_a_level_at_the_time_limit_gives_a_feasible_plan(hand, monkeypatch):
    solve_, calls = _fake(2)
    monkeypatch.setattr(pipeline, "level_solver", lambda backend: solve_)
    plan = solve(hand, time_limit=30)
    assert plan.status is Status.FEASIBLE
    assert "level 2 of 3 stopped before optimality" in plan.message
    assert len(calls) == 2 and all(0 < t <= 30 for t in calls)  # one budget for the sequence
    assert verify_plan(hand, plan).ok and plan.objective == pytest.approx(25.0)


class _Clock:
    """A stand-in for the ``time`` module whose clock advances ``step`` seconds per reading."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def perf_counter(self) -> float:
        self.now += self.step
        return self.now


def test_no_time_left_before_a_level_stops_the_sequence(hand, monkeypatch):
    b = step.build(hand, BuildOptions())
    m = b.model.copy()
    cols = lx.add_levels(m, b.vars.leverage)
    limits = []

    def solve_(mm, limit, start):
        limits.append(limit)
        return run_backend(mm, "highs")

    # start at 0.6 s, deadline 1.6 s: level 1 starts at 1.2 s (0.4 s left), level 2 at 1.8 s
    monkeypatch.setattr(lx, "time", _Clock(0.6))
    run_ = lx.solve_levels(m, cols, None, solve_, time_limit=1.0)
    assert run_.status is Status.FEASIBLE
    assert run_.message.startswith("leximin: time limit reached before level 2 of 3")
    assert len(run_.values) == 1 and limits == [pytest.approx(0.4)]
    assert run_.solution.x is not None  # level 1's plan is kept


def test_level_1_without_a_plan_is_the_result():
    doc = {
        "name": "tight",
        "phases": 2,
        "parameters": {"discount": 0.5, "reciprocity": 3.0},
        "instruments": [{"id": "exec", "kind": "executive", "credibility": 1.0}],
        "measures": [{"id": "R", "value": 20, "reversibility": 1.0, "instrument": "exec"}],
        "milestones": [
            {"id": "M", "value": 1, "cost": 10, "reversibility": 0.0, "detection": 1.0,
             "mandatory_by": 2}
        ],
    }  # fmt: skip
    plan = solve(scenario_from_dict(doc))
    assert plan.status is Status.INFEASIBLE and plan.schedule is None
    assert plan.explanation  # the elastic analysis ran, as for one solve


def test_require_ic_runs_the_loop_through_the_levels(small_doc):
    small_doc["actors"][1]["snapback_cost"] = 0  # the UNSC snapback is credible
    s = scenario_from_dict(small_doc)
    plan = solve(s, require_ic=True, ranges=True)
    assert plan.status is Status.OPTIMAL, plan.message
    assert plan.levels[0] >= -1e-6
    assert check(s, plan).incentive_compatible
    assert plan.explanation == ("round 1: the subgame-perfect check passes every phase",)
    assert plan.phase_range is not None


def test_evaluate_and_one_solve_report_the_smallest_leverage():
    s = load_scenario(MODELS_DIR / "dprk_2018.toml")
    plan = solve(s)
    ev = evaluate(s, plan.schedule)
    assert ev.objective == pytest.approx(plan.objective, rel=1e-7)
    assert ev.levels == pytest.approx(plan.levels, rel=1e-9)
    # one solve of the model's own objective (the sweep engine's): the first level alone
    request = pipeline.check_args(s)
    built = pipeline.build(s, request)
    one = pipeline.read_out(built, pipeline.run(built.model, request), request, 0.0)
    assert one.objective == pytest.approx(plan.objective, rel=1e-6)
    assert one.gap is not None and one.gap < 1e-5


def test_maxmin_is_built_as_the_leverage_model_with_the_mean_term():
    s = three_phases()
    o = BuildOptions(objective="maxmin")
    assert o.objective == "maxmin" and "maxmin" in MEAN_TERM
    lev, mm = step.build(s, BuildOptions()), step.build(s, o)
    assert mm.vars.leverage is not None and lev.model.num_vars == mm.model.num_vars
    c_lev, c_mm = np.asarray(lev.model.obj), np.asarray(mm.model.obj)
    assert np.all(c_lev[lev.vars.leverage] == 0.0)  # leverage: Lmin only (level 1)
    assert c_mm[mm.vars.leverage] == pytest.approx(np.full(3, 0.01 / 3))
    assert c_lev[lev.vars.lmin] == c_mm[mm.vars.lmin] == 1.0


def test_tiebreak_objective_drops_the_leverage_terms():
    b = step.build(three_phases(), BuildOptions())
    c = lx.tiebreak_objective(b, b.model.num_vars + 5)
    assert c[b.vars.lmin] == 0.0 and not np.any(c[b.vars.leverage])
    assert np.any(c[b.vars.z]) and np.all(c[b.model.num_vars :] == 0.0)


def test_a_numerically_infeasible_level_is_solved_again_with_looser_floors(hand):
    b = step.build(hand, BuildOptions())
    m = b.model.copy()
    cols = lx.add_levels(m, b.vars.leverage)
    calls = []

    def solve_(mm, limit, start):
        calls.append(1)
        sol = run_backend(mm, "highs")
        if len(calls) == 2:  # level 2's first attempt: a (wrong) infeasible verdict
            return replace(sol, status=Status.INFEASIBLE, x=None, objective=None)
        return sol

    run_ = lx.solve_levels(m, cols, lx.tiebreak_objective(b, m.num_vars), solve_)
    assert run_.status is Status.OPTIMAL and run_.solves == 5  # 3 levels + retry + tie-breaks
    assert "levels held to 1e-05 of their value" in run_.message
    assert run_.values == pytest.approx([25.0, 75.0, 160.0], abs=1e-3)


# Found by tests/property/test_random_scenarios.py: every leverage is 0, the floors are
# -1e-6, and HiGHS through scipy called level 4 infeasible (highspy and CBC did not).
ALL_ZERO = {
    "name": "random",
    "phases": 4,
    "parameters": {"discount": 0.5, "reciprocity": 0.0, "irreversibility_ratio": 0.5},
    "actors": [{"id": "us"}],
    "instruments": [
        {"id": "unsc", "kind": "unsc_resolution", "capacity": 1, "credibility": 0.0},
        {"id": "exec", "kind": "executive", "veto_players": ["us"]},
        {"id": "snap", "kind": "reverse_veto", "credibility": [0.0, 0.0, 0.0, 0.0]},
    ],
    "measures": [
        {"id": "R0", "value": 0, "reversibility": 0.0, "instrument": "unsc", "kind": "transfer",
         "snapback_instrument": "snap", "bundle": "b"}
    ],
    "milestones": [
        {"id": "M0", "value": 0, "cost": 0, "reversibility": 0.0, "detection": 0.0,
         "mandatory_by": 4}
    ],
    "resources": [{"id": "inspectors", "capacity": 1}],
}  # fmt: skip


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_all_zero_leverage_vector_solves_on_every_backend(backend):
    s = scenario_from_dict(ALL_ZERO)
    plan = solve(s, backend=backend, explain=False)
    assert plan.status is Status.OPTIMAL, plan.message
    assert plan.levels == pytest.approx((0.0, 0.0, 0.0, 0.0), abs=1e-6)
    assert verify_plan(s, plan).ok
