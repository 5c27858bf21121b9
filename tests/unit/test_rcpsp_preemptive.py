"""Soundness and strength of the preemptive feasible-set LP refutation.

As in ``test_rcpsp_propagate.py``, small random instances are solved by brute
force, so the tests know every schedule of makespan at most ``T``: a refuted
horizon must have none, shaved windows must keep all of them, and the lower
bound must never pass the optimum.
"""

from __future__ import annotations

import itertools

import pytest

from solver.rcpsp import RCPSPInstance, heuristic_schedule, read_sm
from solver.rcpsp.preemptive import (
    FeasibleSets,
    lp_shave,
    preemptive_lower_bound,
    preemptive_refutes,
)
from solver.rcpsp.propagate import Windows, destructive_lower_bound, propagate
from solver.rcpsp.sgs import lower_bound
from tests.unit.test_rcpsp_propagate import (
    J30,
    all_schedules,
    brute_optimum,
    needs_j30,
    random_instance,
)

SEEDS = range(60)


def _inside(w: Windows, starts: tuple[int, ...]) -> bool:
    return all(a <= s <= b for a, s, b in zip(w.es, starts, w.ls, strict=True))


def _brute_maximal_sets(inst: RCPSPInstance, cands: list[int], forced: list[int]) -> set[int]:
    """Maximal feasible subsets of ``cands`` containing ``forced``, by trying every subset."""
    reach = {(i, j) for i in inst.jobs for j in inst.successors[i]}
    changed = True
    while changed:  # transitive closure
        extra = {(i, k) for (i, j) in reach for (j2, k) in reach if j == j2} - reach
        reach |= extra
        changed = bool(extra)

    def feasible(sub: tuple[int, ...]) -> bool:
        if any((a, b) in reach for a in sub for b in sub):
            return False
        return all(sum(inst.demands[j][r] for j in sub) <= c for r, c in enumerate(inst.capacities))

    subs = [
        set(s)
        for n in range(len(cands) + 1)
        for s in itertools.combinations(cands, n)
        if set(forced) <= set(s) and feasible(s)
    ]
    maximal = [s for s in subs if not any(s < t for t in subs)]
    return {sum(1 << j for j in s) for s in maximal}


@pytest.mark.parametrize("seed", range(20))
def test_maximal_sets_match_brute_force(seed: int) -> None:
    inst = random_instance(seed, n_real=7)
    real = [j for j in inst.jobs if inst.durations[j] > 0]
    sets = FeasibleSets(inst)
    for forced in ([], real[:1], real[1:3]):
        expected = _brute_maximal_sets(inst, real, forced)
        got = sets.maximal(sum(1 << j for j in real), sum(1 << j for j in forced))
        if not expected:
            assert got is None
        else:
            assert got is not None and sorted(got) == sorted(expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_lp_refutes_only_infeasible_horizons_and_shaving_keeps_every_schedule(
    seed: int,
) -> None:
    inst = random_instance(seed, n_real=6)
    opt = brute_optimum(inst)
    sets = FeasibleSets(inst)
    for horizon in range(lower_bound(inst), opt + 3):
        w = propagate(inst, horizon)
        scheds = all_schedules(inst, horizon)
        if w is None:
            continue
        if preemptive_refutes(inst, w, sets=sets):
            assert scheds == [], f"T={horizon} refuted but {scheds[0]} ends by it"
        shaved = lp_shave(inst, w, sets=sets)
        if shaved is None:
            assert scheds == [], f"T={horizon} shaved away but {scheds[0]} ends by it"
            continue
        for s in scheds:
            assert _inside(shaved, s), f"T={horizon}: {s} cut off by {shaved.es} {shaved.ls}"
    lb = preemptive_lower_bound(inst, lower_bound(inst), heuristic_schedule(inst).makespan)
    assert lb <= opt


def test_lp_refutes_more_than_propagation() -> None:
    # over the random instances, the LP (and LP shaving) refute horizons propagation keeps
    stronger = shaved = 0
    for seed in SEEDS:
        inst = random_instance(seed, n_real=6)
        ub = heuristic_schedule(inst).makespan
        _, w = destructive_lower_bound(inst, ub)
        if w is None:
            continue
        stronger += preemptive_refutes(inst, w)
        shaved += lp_shave(inst, w) is None
    assert stronger > 0
    assert shaved >= stronger


def test_too_many_sets_gives_up_instead_of_refuting() -> None:
    two = RCPSPInstance(
        "two", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()), ((0,), (1,), (1,), (0,)), (1,)
    )
    w = Windows(4, (0, 0, 0, 3), (0, 2, 1, 4))  # windows a sound propagation would refute
    assert preemptive_refutes(two, w)
    assert not preemptive_refutes(two, w, sets=FeasibleSets(two, max_sets=1))
    with pytest.raises(OverflowError, match="more than 1 maximal feasible sets"):
        FeasibleSets(two, max_sets=1).maximal(0b110, 0)


@needs_j30
@pytest.mark.parametrize(
    ("name", "optimum"), [("j3013_1.sm", 58), ("j309_2.sm", 92), ("j3041_10.sm", 99)]
)
def test_lp_bound_never_exceeds_the_published_optimum(name: str, optimum: int) -> None:
    inst = read_sm(J30 / name)
    sched = heuristic_schedule(inst)
    sets = FeasibleSets(inst)
    lb = preemptive_lower_bound(inst, lower_bound(inst), sched.makespan, sets=sets)
    assert lb <= optimum
    w = propagate(inst, sched.makespan)
    assert w is not None
    shaved = lp_shave(inst, w, sets=sets, time_limit=5.0)
    assert shaved is not None and _inside(shaved, sched.starts)


@needs_j30
def test_lp_shaving_proves_a_hard_j30_optimum() -> None:
    # j3025_2: published optimum 75; propagation and the time-indexed LP stop at 69..71
    inst = read_sm(J30 / "j3025_2.sm")
    w = propagate(inst, 74)
    assert w is not None
    assert lp_shave(inst, w) is None
