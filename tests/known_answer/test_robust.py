"""A two-world case where the robust plan is neither world's optimum (issue 14).

Two phases of one year, discount 0.5 a year (so ``V^C_1 = V^C_2 = F_2``, the
flow of phase 2, and ``G_1 = G_2 = 1``; see ``test_tiny.py``), reciprocity 1.
Measures A (fully credible snapback) and B; milestone M (mandatory by phase 2,
irreversible) and an optional N (cost at least 5, never worth doing here).

=============  =============  =============
               world 1        world 2
=============  =============  =============
A value, r     20, 0.5        5, 0.5
B value, r     5, 0           10, 1
M cost, p      20, 0.5        10, 1
N cost         20             5
=============  =============  =============

World 1 is the scenario as written.

* World 1's optimum grants A and does M in phase 1 (L = 5.19, 5.19: a secret
  reversal of M, detected at 0.5 a year, is the binding deviation).  In world
  2 the same plan breaks participation: A brings 5 USD m/yr against M's cost
  of 10.
* World 2's optimum grants B in phase 1 with M, and A in phase 2 (L = 12.5,
  12.5: ``F_2 = 15 - 10 = 5`` against an open reversal's ``R - Q - C = 15 -
  12.5 - 10 = -7.5``).  In world 1 it breaks participation in phase 1: B
  brings 5 against M's 20.
* Granting A and B together with M covers the cost in both worlds (25 >= 20,
  15 >= 10), in phase 1 or in phase 2.  All in phase 2: phase 1 has nothing
  done, a stall is worth ``G (R_1 - C_1) = 0`` against ``V^C_1 = F_2 = 5`` in
  both worlds (L_1 = 5), and phase 2 has the two optima's phase-2 margins
  (5.19 and 12.5).

So the plans that work in both worlds are exactly {A, B, M in phase 1} and
{A, B, M in phase 2}; the robust (chance) solve must return one of them, and
the enumeration of all 54 plans with the exact engine confirms the hand
reasoning.
"""

from __future__ import annotations

import numpy as np
import pytest

from solver import solve
from solver.plan import Schedule
from solver.robust.batch import Worlds, evaluate_exact
from solver.robust.saa import solve_robust
from solver.scenario import scenario_from_dict
from solver.sensitivity import apply_sample

DOC = {
    "name": "two-worlds",
    "phases": 2,
    "parameters": {"discount": 0.5, "reciprocity": 1.0},
    "instruments": [{"id": "exec", "kind": "executive", "credibility": 1.0}],
    "measures": [
        {"id": "A", "value": 20, "reversibility": 0.5, "instrument": "exec"},
        {"id": "B", "value": 5, "reversibility": 0.0, "instrument": "exec"},
    ],
    "milestones": [
        {"id": "M", "value": 1, "cost": 20, "reversibility": 0.0, "detection": 0.5,
         "mandatory_by": 2},
        {"id": "N", "value": 1, "cost": 20, "reversibility": 0.0, "detection": 0.5},
    ],
}  # fmt: skip
PATHS = (
    "measures.A.value",
    "measures.B.value",
    "measures.B.reversibility",
    "milestones.M.detection",
    "milestones.M.cost",
    "milestones.N.cost",
)
WORLDS = Worlds(PATHS, np.array([[20, 5, 0, 0.5, 20, 20], [5, 10, 1, 1.0, 10, 5]], dtype=float))


def _key(sch: Schedule) -> tuple:
    return tuple(sorted({**sch.measures, **sch.milestones}.items()))


def _plan(a: int | None, b: int | None, m: int, n: int | None = None) -> tuple:
    return _key(Schedule(measures={"A": a, "B": b}, milestones={"M": m, "N": n}))


def test_each_worlds_optimum_fails_in_the_other_world() -> None:
    s = scenario_from_dict(DOC)
    expected = [_plan(1, None, 1), _plan(2, 1, 1)]
    levels = [(5.191, 5.191), (12.5, 12.5)]
    for i in range(2):
        plan = solve(apply_sample(s, WORLDS.sample(i)), require_ic="both")
        assert plan.schedule is not None and _key(plan.schedule) == expected[i]
        assert [p["leverage"] for p in plan.phases()] == pytest.approx(levels[i], abs=1e-3)
        r = evaluate_exact(s, plan.schedule, WORLDS)
        assert r.works.tolist() == [i == 0, i == 1]
        assert r.family_fails["participation"].tolist() == [i == 1, i == 0]


def test_robust_plan_works_in_both_worlds_and_is_neither_optimum() -> None:
    s = scenario_from_dict(DOC)
    res = solve_robust(s, WORLDS, criterion="chance")
    assert res.status == "optimal" and res.objective == pytest.approx(1.0)
    assert res.schedule is not None
    got = _key(res.schedule)
    assert got in {_plan(1, 1, 1), _plan(2, 2, 2)}
    assert got not in {_plan(1, None, 1), _plan(2, 1, 1)}
    r = evaluate_exact(s, res.schedule, WORLDS)
    assert r.works.all()
    if got == _plan(2, 2, 2):
        np.testing.assert_allclose(r.target_margin, [[5.0, 5.191], [5.0, 12.5]], atol=1e-3)


def test_enumeration_agrees_with_the_hand_reasoning() -> None:
    s = scenario_from_dict(DOC)
    both = set()
    for a in (None, 1, 2):
        for b in (None, 1, 2):
            for m in (1, 2):
                for n in (None, 1, 2):
                    sch = Schedule(measures={"A": a, "B": b}, milestones={"M": m, "N": n})
                    if evaluate_exact(s, sch, WORLDS).works.all():
                        both.add(_key(sch))
    assert both == {_plan(1, 1, 1), _plan(2, 2, 2)}


# --- the candidate pool, the scenario as written soft, merging and screening ---------------

BOTH_PHASE_2 = Schedule(measures={"A": 2, "B": 2}, milestones={"M": 2, "N": None})
OPTIMA = [
    Schedule(measures={"A": 1, "B": None}, milestones={"M": 1, "N": None}),
    Schedule(measures={"A": 2, "B": 1}, milestones={"M": 1, "N": None}),
]


def test_pool_incumbent_is_the_best_pool_plan_that_works_as_written() -> None:
    s = scenario_from_dict(DOC)
    pool = [("world 1", OPTIMA[0]), ("world 2", OPTIMA[1]), ("both", BOTH_PHASE_2)]
    res = solve_robust(s, WORLDS, pool=pool, pool_worlds=0)
    shares = {p["source"]: p["in_sample"] for p in res.pool}
    # each world's optimum works in its own world only; {A, B, M} in phase 2 in both
    assert shares == {"world 1": 0.5, "world 2": 0.5, "both": 1.0}
    assert res.incumbent is not None and res.incumbent["source"] == "both"
    assert res.incumbent["objective"] == pytest.approx(1.0)
    assert res.in_sample == pytest.approx(1.0) and res.objective == pytest.approx(1.0)
    # without the plan for both worlds, the best that fits world 1 (as written) is its optimum:
    # world 2's optimum breaks participation there, so it cannot start the MIP
    res = solve_robust(s, WORLDS, pool=pool[:2], pool_worlds=0)
    assert res.incumbent is not None and res.incumbent["source"] == "world 1"
    assert res.incumbent["objective"] == pytest.approx(0.5)
    assert res.in_sample == pytest.approx(1.0)  # the MIP still finds the plan for both


def test_as_written_soft_drops_the_analysts_own_numbers() -> None:
    """M costs 30 as written: no plan covers it (A and B bring 25), so no plan works there.

    Held hard, the robust solve has no plan; soft, the two sampled worlds are as before (they
    set M's cost to 20 and 10) and the plans that work in both are the hand-derived ones.
    """
    doc = {**DOC, "milestones": [dict(DOC["milestones"][0], cost=30), DOC["milestones"][1]]}
    s = scenario_from_dict(doc)
    hard = solve_robust(s, WORLDS)
    assert hard.status == "infeasible" and hard.schedule is None
    soft = solve_robust(s, WORLDS, nominal="soft")
    assert soft.status == "optimal" and soft.objective == pytest.approx(1.0)
    assert soft.schedule is not None
    assert _key(soft.schedule) in {_plan(1, 1, 1), _plan(2, 2, 2)}
    assert evaluate_exact(s, soft.schedule, WORLDS).works.all()


def test_identical_worlds_are_merged_and_unreachable_worlds_screened_out() -> None:
    s = scenario_from_dict(DOC)
    # world 2 twice, and a world where M costs 100: more than all the relief on the menu
    values = np.vstack([WORLDS.values, WORLDS.values[1], [20, 5, 0, 0.5, 100, 20]])
    worlds = Worlds(PATHS, values)
    res = solve_robust(s, worlds, screen=True)
    assert res.merged == 1 and res.screened_out == 1
    assert res.ceiling == pytest.approx(0.75)  # some plan works in three of the four
    assert res.objective == pytest.approx(0.75) and res.in_sample == pytest.approx(0.75)
    assert res.schedule is not None and _key(res.schedule) in {_plan(1, 1, 1), _plan(2, 2, 2)}
    plain = solve_robust(s, worlds, merge=False, pool_worlds=0)
    assert plain.merged == 0 and plain.objective == pytest.approx(0.75)
    assert plain.binaries == res.binaries + 2  # one world block merged, one screened out
