"""Generated scenario families: deterministic, feasible, solvable (issue 2, used by issue 5)."""

from __future__ import annotations

import pytest

from solver import Status, solve, verify_plan
from solver.generate import generate
from solver.seeds import as_generator


def test_same_seed_same_scenario():
    assert generate(40, 5, seed=3).digest() == generate(40, 5, seed=3).digest()
    assert generate(40, 5, seed=3).digest() != generate(40, 5, seed=4).digest()


@pytest.mark.parametrize("seed", range(6))
def test_generated_scenarios_are_feasible_and_verify(seed):
    s = generate(30, 4, seed=seed)
    plan = solve(s)
    assert plan.status is Status.OPTIMAL, plan.explanation
    assert verify_plan(s, plan).ok


def test_time_limit_is_a_result_not_a_crash():
    s = generate(400, 8, seed=11)
    plan = solve(s, time_limit=0.05)
    assert plan.status in (Status.FEASIBLE, Status.TIME_LIMIT, Status.OPTIMAL)
    if plan.status is Status.FEASIBLE:
        assert plan.schedule is not None and verify_plan(s, plan).ok
        assert plan.bound is not None and plan.gap is not None
    if plan.status is Status.TIME_LIMIT:
        assert plan.schedule is None and "time limit" in plan.message


def test_seed_zero_is_seeded():
    a, b = as_generator(0), as_generator(0)
    assert a.random() == b.random()
    with pytest.raises(TypeError, match="seed is 'x'"):
        as_generator("x")  # type: ignore[arg-type]
