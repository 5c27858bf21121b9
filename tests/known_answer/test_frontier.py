"""Known answers for the second goal: transformation and the frontier (issue 17).

The two-measure case below is on the smallest-leverage axis; CHOICE, further
down, is on the total-leverage axis.

One phase of one year, discount 0.5 (beta = 0.5 a year; the last phase repeats
forever, so G_1 = 0.5 / (1 - 0.5) = 1 and 1 USD m/yr is worth
``w_1 = beta a (1 + tau) = 0.5 * 1 * 2 = 1`` USD m at the start). One nuclear
step M (cost 10, restorable share b = 0.5, detected for certain, mandatory in
phase 1) and relief through one instrument of credibility 1 that can grant one
measure a phase (capacity 1), so a plan holds exactly one measure; reciprocity
1 (relief >= 10 a year) rules out holding none.

With one phase there is no stall; the open reversal gives
``L = V^C - V^O = G (Q - B) = q r v - c b`` (a secret one, detected at once,
is the same), and the transformation value is ``T = w_1 t v = t v``:

* A (v = 20, r = 1, t = 0):    L = 20 - 5 = 15, T = 0;
* B (v = 20, r = 0.5, t = 0.5): L = 10 - 5 = 5,  T = 10.

The frontier runs from the transformation end (B: L = 5, T = 10) to the
leverage end (A: L = 15, T = 0); every floor above 5 needs A.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from solver import load_scenario, solve, verify_plan
from solver.backends import run_backend
from solver.formulation import step
from solver.formulation.common import BuildOptions
from solver.formulation.rows.objective import transformation_vector
from solver.frontier import parse_goals, place, trade_off
from solver.payoffs import coefficients
from solver.pipeline import fix_schedule
from solver.plan import Schedule
from solver.scenario import scenario_from_dict
from solver.shipped import default_scenario_path
from solver.transformation import transformation_value

TWO = {
    "name": "two measures",
    "phases": 1,
    "parameters": {"discount": 0.5, "reciprocity": 1.0},
    "instruments": [{"id": "exec", "kind": "executive", "credibility": 1.0, "capacity": 1}],
    "measures": [
        {"id": "A", "value": 20, "reversibility": 1.0, "instrument": "exec"},
        {"id": "B", "value": 20, "reversibility": 0.5, "instrument": "exec",
         "transformation": 0.5},
    ],
    "milestones": [
        {"id": "M", "value": 1, "cost": 10, "reversibility": 0.5, "detection": 1.0,
         "mandatory_by": 1}
    ],
}  # fmt: skip


def _points(f):
    return [
        (p.epsilon, p.min_leverage, p.transformation, p.schedule.measures["A"],
         p.schedule.measures["B"])
        for p in f.points
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (2, [(5.0, 5.0, 10.0, None, 1), (15.0, 15.0, 0.0, 1, None)]),
        (3, [(5.0, 5.0, 10.0, None, 1), (10.0, 15.0, 0.0, 1, None), (15.0, 15.0, 0.0, 1, None)]),
        (
            5,
            [
                (5.0, 5.0, 10.0, None, 1),
                (7.5, 15.0, 0.0, 1, None),
                (10.0, 15.0, 0.0, 1, None),
                (12.5, 15.0, 0.0, 1, None),
                (15.0, 15.0, 0.0, 1, None),
            ],
        ),
    ],
)
def test_two_measures_frontier_has_the_hand_derived_points(n, expected):
    f = trade_off(scenario_from_dict(TWO), points=n)
    assert f.status.value == "optimal"
    got = _points(f)
    assert [g[3:] for g in got] == [e[3:] for e in expected]
    assert np.array([g[:3] for g in got]) == pytest.approx(np.array([e[:3] for e in expected]))
    assert all(p.verified and p.incentive_compatible for p in f.points)


def test_the_ends_of_the_frontier_are_the_single_goal_optima():
    s = scenario_from_dict(TWO)
    assert solve(s, objective="leverage").schedule.measures == {"A": 1, "B": None}
    assert solve(s, objective="transformation").schedule.measures == {"A": None, "B": 1}


# Food aid F (v = 10, r = 1, t = -1): L = 10 - 5 = 5, T = -10.  A' (v = 20,
# r = 0.5, t = 0) gives the same L = 5 with T = 0, and B as above L = 5,
# T = 10.  The leverage optimum ties at L = 5 between all three, and its
# tie-break (less relief) picks F, the cheapest; every frontier point weighs
# transformation, and F is dominated there.
FOOD = copy.deepcopy(TWO)
FOOD["measures"] = [
    {"id": "A", "value": 20, "reversibility": 0.5, "instrument": "exec"},
    {"id": "F", "value": 10, "reversibility": 1.0, "instrument": "exec", "transformation": -1.0},
    {"id": "B", "value": 20, "reversibility": 0.5, "instrument": "exec", "transformation": 0.5},
]


def test_leverage_alone_would_grant_the_food_aid():
    plan = solve(scenario_from_dict(FOOD))
    assert plan.schedule.measures == {"A": None, "F": 1, "B": None}
    assert plan.objective == pytest.approx(5.0)


@pytest.mark.parametrize("n", [2, 3, 6])
def test_negative_transformation_is_never_granted_on_the_frontier(n):
    s = scenario_from_dict(FOOD)
    f = trade_off(s, points=n)
    assert len(f.points) == n
    assert all(p.schedule.measures["F"] is None for p in f.points)
    assert {p.schedule.measures["B"] for p in f.points} == {1}
    assert [p.transformation for p in f.points] == pytest.approx([10.0] * n)


def test_the_transformation_objective_leaves_out_the_food_aid():
    plan = solve(scenario_from_dict(FOOD), objective="transformation")
    assert plan.schedule.measures["F"] is None


# Two phases.  A reform step W (wages paid directly; cost 4, all of it reaching
# the workers: t = 1, so 4 a year of transformation) can only be done in phase
# 2, and relief K (Kaesong, v = 30, t = 0.5) requires it.  K is worth more to
# the second goal than anything else, so the transformation end grants it, in
# phase 2 with W, never before.
GATE = {
    "name": "reform gate",
    "phases": 2,
    "parameters": {"discount": 0.5, "reciprocity": 1.0},
    "instruments": [{"id": "exec", "kind": "executive", "credibility": 1.0}],
    "measures": [
        {"id": "R", "value": 20, "reversibility": 1.0, "instrument": "exec"},
        {"id": "K", "value": 30, "reversibility": 0.5, "instrument": "exec",
         "transformation": 0.5, "requires_milestones": ["W"]},
    ],
    "milestones": [
        {"id": "M", "value": 1, "cost": 10, "reversibility": 0.5, "detection": 1.0,
         "mandatory_by": 1},
        {"id": "W", "value": 1, "cost": 4, "reversibility": 0.5, "detection": 1.0,
         "phase_window": [2, 2], "transformation": 1.0},
    ],
}  # fmt: skip


def test_a_reform_milestone_gates_the_relief_conditioned_on_it():
    s = scenario_from_dict(GATE)
    f = trade_off(s, points=4)
    ends = f.points[0].schedule
    assert ends.measures["K"] == 2 and ends.milestones["W"] == 2
    for p in f.points:
        k, w = p.schedule.measures["K"], p.schedule.milestones["W"]
        assert k is None or (w is not None and w <= k)
        assert p.verified
    early = Schedule({"R": 1, "K": 1}, {"M": 1, "W": 2})
    assert any("K" in v and "W" in v for v in verify_plan(s, early).violations)
    no_reform = Schedule({"R": 1, "K": 2}, {"M": 1, "W": None})
    assert not verify_plan(s, no_reform).ok


def test_the_mip_term_equals_the_recomputed_value():
    # every measure and step with a share, a transfer among them (R23)
    s = load_scenario(default_scenario_path())
    s = dataclasses.replace(
        s,
        measures=tuple(
            dataclasses.replace(m, transformation=0.5 if i % 2 else -0.25)
            for i, m in enumerate(s.measures)
        ),
        milestones=tuple(dataclasses.replace(d, transformation=0.3) for d in s.milestones),
    )
    plan = solve(s, ranges=False)
    built = step.build(s, BuildOptions(objective="maxmin"))
    sol = run_backend(fix_schedule(built, plan.schedule), "highs")
    tra = transformation_vector(built.model.num_vars, s, built.vars, coefficients(s))
    assert float(tra @ sol.x) == pytest.approx(transformation_value(s, plan.schedule), rel=1e-9)
    assert transformation_value(s, plan.schedule) != 0.0


def test_place_puts_a_plan_on_the_axes():
    s = scenario_from_dict(TWO)
    p = place(s, Schedule({"A": None, "B": 1}, {"M": 1}), "B only")
    assert (p.min_leverage, p.transformation) == pytest.approx((5.0, 10.0))
    assert p.verified and p.incentive_compatible and p.to_dict()["label"] == "B only"


# The total-leverage axis (``--frontier leverage_total,transformation``).
#
# Two phases of one year, discount 0.5 (beta = 0.5 a year, tau = 1, so
# G_1 = G_2 = 1 and V^C_1 = V^C_2 = R_2 - C_2 with no transfers). Phase 1: step
# M1 (cost 10, b = 0.5, detected for certain) and relief A (v = 20, r = 1);
# phase 2: step M2 (the same) and, the instrument granting one measure a
# phase, either Y (v = 20, r = 1, t = 0) or Z (v = 20, r = 0.5, t = 0.5).
# Aggregates: R_1 = 20, R_2 = 40, Q_1 = 20, C_1 = 10, C_2 = 20, B_1 = 5,
# B_2 = 10, and Q_2 = 40 (Y) or 30 (Z).
#
# * Phase 1 (M2 still to come, so a stall is possible):
#   stall  V^C_1 - G_1 (R_1 - C_1)                 = 20 - 10        = 10;
#   overt  V^C_1 - G_1 (R_1 - Q_1 - C_1 + B_1)     = 20 - (-5)      = 25;
#   covert (pi = 1, caught as phase 2 begins)  V^C_1 - G_1 P_2 = Q_2 - B_2
#                                                  = 30 (Y), 20 (Z);
#   so L_1 = 10 for both: the stall binds, and it does not see phase 2's
#   reversibility.
# * Phase 2 (the last; covert at pi = 1 equals overt): L_2 = Q_2 - B_2
#   = 30 (Y), 20 (Z).
# * T = 0.5 X_1 + 0.25 (1 + tau) X_2 = 0.5 X_2, X_2 = t v = 10 for Z: T = 5 (Z), 0 (Y).
#
# Y: L = (10, 30), smallest 10, total 40, T = 0.
# Z: L = (10, 20), smallest 10, total 30, T = 5.
# (Neither, the other choice the rows allow: L_1 = stall = 0 - 10 = -10.)
#
# The smallest leverage is 10 either way, so the smallest-leverage frontier is
# one plan (Z: it wins the second stage on T) at every floor 10. On the total
# axis the ends are Y (40, T = 0) and Z (30, T = 5); a floor in (30, 40] needs Y.
# What transformation costs here is phase 2's leverage: 10 USD m for T = 5.
CHOICE = {
    "name": "a choice in phase 2",
    "phases": 2,
    "parameters": {"discount": 0.5, "reciprocity": 1.0},
    "instruments": [{"id": "exec", "kind": "executive", "credibility": 1.0, "capacity": 1}],
    "measures": [
        {"id": "A", "value": 20, "reversibility": 1.0, "instrument": "exec",
         "phase_window": [1, 1], "mandatory_by": 1},
        {"id": "Y", "value": 20, "reversibility": 1.0, "instrument": "exec",
         "phase_window": [2, 2]},
        {"id": "Z", "value": 20, "reversibility": 0.5, "instrument": "exec",
         "phase_window": [2, 2], "transformation": 0.5},
    ],
    "milestones": [
        {"id": "M1", "value": 1, "cost": 10, "reversibility": 0.5, "detection": 1.0,
         "mandatory_by": 1},
        {"id": "M2", "value": 1, "cost": 10, "reversibility": 0.5, "detection": 1.0,
         "phase_window": [2, 2], "mandatory_by": 2},
    ],
}  # fmt: skip

Y_PLAN = {"A": 1, "Y": 2, "Z": None}
Z_PLAN = {"A": 1, "Y": None, "Z": 2}


def _total_points(f):
    return [
        (p.epsilon, p.min_leverage, p.total_leverage, p.transformation, *p.leverage)
        for p in f.points
    ]


def test_the_hand_derived_leverage_vectors():
    s = scenario_from_dict(CHOICE)
    steps = {"M1": 1, "M2": 2}
    got = [tuple(Schedule(m, steps).values(s).leverage) for m in (Y_PLAN, Z_PLAN)]
    assert np.array(got) == pytest.approx(np.array([(10.0, 30.0), (10.0, 20.0)]))
    none = Schedule({"A": 1, "Y": None, "Z": None}, steps).values(s).leverage
    assert tuple(none) == pytest.approx((-10.0, 10.0))


@pytest.mark.parametrize("n", [2, 3, 5])
def test_the_smallest_leverage_frontier_is_one_plan(n):
    f = trade_off(scenario_from_dict(CHOICE), points=n)
    assert f.axis == "leverage"
    assert [p.schedule.measures for p in f.points] == [Z_PLAN] * n
    assert np.array(_total_points(f)) == pytest.approx(
        np.array([(10.0, 10.0, 30.0, 5.0, 10.0, 20.0)] * n)
    )
    assert "no trade-off on these axes" in f.message


@pytest.mark.parametrize(
    ("n", "plans", "expected"),
    [
        (2, [Z_PLAN, Y_PLAN], [(30.0, 10.0, 30.0, 5.0, 10.0, 20.0),
                               (40.0, 10.0, 40.0, 0.0, 10.0, 30.0)]),
        (3, [Z_PLAN, Y_PLAN, Y_PLAN], [(30.0, 10.0, 30.0, 5.0, 10.0, 20.0),
                                       (35.0, 10.0, 40.0, 0.0, 10.0, 30.0),
                                       (40.0, 10.0, 40.0, 0.0, 10.0, 30.0)]),
    ],
)  # fmt: skip
def test_the_total_leverage_frontier_has_the_hand_derived_points(n, plans, expected):
    f = trade_off(scenario_from_dict(CHOICE), points=n, axis="leverage_total")
    assert f.status.value == "optimal" and f.axis == "leverage_total"
    assert [p.schedule.measures for p in f.points] == plans
    assert np.array(_total_points(f)) == pytest.approx(np.array(expected))
    assert all(p.verified and p.target_compatible and p.incentive_compatible for p in f.points)
    assert "2 distinct plans" in f.message
    doc = f.to_list()
    assert {d["axis"] for d in doc} == {"leverage_total"}
    got = np.array([(d["min_leverage"], d["total_leverage"], *d["leverage"]) for d in doc])
    assert got == pytest.approx(np.array([(e[1], e[2], *e[4:]) for e in expected]))


def test_holding_the_smallest_leverage_keeps_the_hand_derived_points():
    # both plans have the best smallest leverage (10), so holding it changes nothing
    f = trade_off(scenario_from_dict(CHOICE), points=2, axis="leverage_total", hold_smallest=True)
    assert [p.schedule.measures for p in f.points] == [Z_PLAN, Y_PLAN]
    assert "the smallest leverage held at its best 10.0 USD m" in f.message


def test_default_model_total_axis_shows_a_trade_off_the_smallest_hides():
    s = load_scenario(default_scenario_path())
    small = trade_off(s, points=2)
    total = trade_off(s, points=3, axis="leverage_total")
    held = trade_off(s, points=3, axis="leverage_total", hold_smallest=True)
    for f in (total, held):
        assert all(p.verified and p.target_compatible for p in f.points)
        assert all(p.schedule.measures["R26"] is None for p in f.points)
        tot = [p.total_leverage for p in f.points]
        tra = [p.transformation for p in f.points]
        assert tot[0] < tot[-1] and tra[0] > tra[-1]  # a trade-off, both ways
        for p in f.points:  # recomputed from the schedule
            assert p.total_leverage == pytest.approx(sum(p.leverage))
            assert p.min_leverage == pytest.approx(min(p.leverage))
    # the transformation end has the smallest-leverage frontier's largest T
    assert total.points[0].transformation == pytest.approx(small.points[0].transformation)
    assert held.points[0].transformation == pytest.approx(small.points[0].transformation)
    best = small.points[-1].min_leverage
    assert all(p.min_leverage >= best - 1e-6 * best for p in held.points)
    # the held curve lies within the unheld one on the total axis
    assert held.points[-1].total_leverage <= total.points[-1].total_leverage + 1e-6


def test_bad_arguments_are_refused():
    s = scenario_from_dict(TWO)
    with pytest.raises(ValueError, match="points is 1; a frontier needs at least 2"):
        trade_off(s, points=1)
    with pytest.raises(ValueError, match=r"--frontier is 'leverage'; the frontier is between"):
        parse_goals("leverage")
    with pytest.raises(ValueError, match=r"'leverage_total'; the frontier is between"):
        parse_goals("leverage_total")
    assert parse_goals("transformation,leverage_total") == ("leverage_total", "transformation")
    with pytest.raises(ValueError, match="axis is 'total'; the leverage measure is one of"):
        trade_off(s, axis="total")
    with pytest.raises(ValueError, match="hold_smallest is set on the 'leverage' axis"):
        trade_off(s, hold_smallest=True)
