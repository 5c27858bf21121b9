"""Serial schedule generation, forward-backward improvement and simple bounds.

The serial schedule-generation scheme (SGS) takes jobs one at a time, in a
precedence-feasible order, and starts each at the earliest period at which its
predecessors are finished and its demands fit under every capacity for its
whole duration (Kelley 1963; Kolisch 1996).  The order comes from a priority
rule: latest finish time (LFT) first, then randomized regret-based sampling.
Each schedule is improved by forward-backward justification (Valls, Ballestin
and Quintanilla 2005): right-justify all jobs against the makespan, then
left-justify them again, until the makespan stops shrinking.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from solver.rcpsp.psplib import RCPSPInstance

__all__ = [
    "RCPSPSchedule",
    "critical_path_bound",
    "earliest_starts",
    "heuristic_schedule",
    "justify",
    "latest_starts",
    "lower_bound",
    "priority_order",
    "resource_bound",
    "serial_sgs",
    "tails",
    "topological_order",
]

Seed = int | np.random.Generator | None


@dataclass(frozen=True)
class RCPSPSchedule:
    """A feasible schedule: start period of each job and the makespan.

    (Not :class:`solver.plan.Schedule`, which assigns relief measures and
    milestones to phases.)
    """

    starts: tuple[int, ...]
    makespan: int


def _rng(seed: Seed) -> np.random.Generator:
    """Normalise ``seed`` to a generator (``None`` means unseeded)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def topological_order(inst: RCPSPInstance) -> list[int]:
    """Return the jobs in an order where every job comes after its predecessors.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.

    Returns
    -------
    list of int
        A topological order (ties broken by job index).

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 1, 0), ((1,), (2,), ()), ((0,), (1,), (0,)), (1,))
    >>> topological_order(inst)
    [0, 1, 2]
    """
    return priority_order(inst, list(inst.jobs))


def earliest_starts(inst: RCPSPInstance) -> list[int]:
    """Earliest start of each job ignoring resources (forward critical-path pass).

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.

    Returns
    -------
    list of int
        ``ES_j`` for every job.
    """
    es = [0] * inst.n_jobs
    for i in topological_order(inst):
        for j in inst.successors[i]:
            es[j] = max(es[j], es[i] + inst.durations[i])
    return es


def tails(inst: RCPSPInstance) -> list[int]:
    """Longest path from each job's start to the project's end, the job included.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.

    Returns
    -------
    list of int
        ``q_j`` for every job; ``q`` of the source is the critical-path length.
    """
    q = list(inst.durations)
    for i in reversed(topological_order(inst)):
        for j in inst.successors[i]:
            q[i] = max(q[i], inst.durations[i] + q[j])
    return q


def latest_starts(inst: RCPSPInstance, horizon: int) -> list[int]:
    """Latest start of each job for a project that must end by ``horizon``.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    horizon : int
        Deadline for the sink's start.

    Returns
    -------
    list of int
        ``LS_j = horizon - q_j`` (see :func:`tails`).
    """
    return [horizon - q for q in tails(inst)]


def critical_path_bound(inst: RCPSPInstance) -> int:
    """Length of the longest path through the precedence network.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.

    Returns
    -------
    int
        A lower bound on the makespan.
    """
    return max(tails(inst))


def resource_bound(inst: RCPSPInstance) -> int:
    """Energy bound: ``max_r ceil(sum_j d_j k_jr / R_r)``.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.

    Returns
    -------
    int
        A lower bound on the makespan.
    """
    best = 0
    for r, cap in enumerate(inst.capacities):
        work = sum(d * dem[r] for d, dem in zip(inst.durations, inst.demands, strict=True))
        if cap > 0:
            best = max(best, math.ceil(work / cap))
    return best


def lower_bound(inst: RCPSPInstance) -> int:
    """The better of :func:`critical_path_bound` and :func:`resource_bound`.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.

    Returns
    -------
    int
        A lower bound on the makespan.

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> critical_path_bound(inst), resource_bound(inst), lower_bound(inst)
    (3, 5, 5)
    """
    return max(critical_path_bound(inst), resource_bound(inst))


def priority_order(
    inst: RCPSPInstance,
    key: Sequence[float],
    *,
    rng: np.random.Generator | None = None,
) -> list[int]:
    """Build a precedence-feasible job order, preferring small ``key`` values.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    key : sequence of float
        Priority of each job (smaller first).
    rng : numpy.random.Generator, optional
        With a generator, an eligible job is drawn with probability proportional
        to ``(max_key - key_j + 1)**2`` (regret-based biased sampling); without
        one, the eligible job with the smallest key (ties: smallest index) wins.

    Returns
    -------
    list of int
        Every job once, each after all its predecessors.
    """
    missing = [len(p) for p in inst.predecessors]
    eligible = [j for j in inst.jobs if missing[j] == 0]
    order: list[int] = []
    while eligible:
        if rng is None:
            pick = min(range(len(eligible)), key=lambda k: (key[eligible[k]], eligible[k]))
        else:
            worst = max(key[j] for j in eligible)
            weights = np.array([(worst - key[j] + 1.0) ** 2 for j in eligible])
            pick = int(rng.choice(len(eligible), p=weights / weights.sum()))
        j = eligible.pop(pick)
        order.append(j)
        for s in inst.successors[j]:
            missing[s] -= 1
            if missing[s] == 0:
                eligible.append(s)
    return order


def serial_sgs(inst: RCPSPInstance, order: Sequence[int]) -> RCPSPSchedule:
    """Schedule jobs in ``order`` (precedence-feasible), each as early as possible.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    order : sequence of int
        An activity list: every job once, after its predecessors.

    Returns
    -------
    RCPSPSchedule
        A precedence- and resource-feasible schedule.
    """
    horizon = sum(inst.durations) + 1
    free = [[cap] * horizon for cap in inst.capacities]
    starts = [0] * inst.n_jobs
    finish = [0] * inst.n_jobs
    for j in order:
        d, dem = inst.durations[j], inst.demands[j]
        t = max((finish[p] for p in inst.predecessors[j]), default=0)
        used = [r for r, q in enumerate(dem) if q > 0]
        tau = t
        while tau < t + d:
            if all(free[r][tau] >= dem[r] for r in used):
                tau += 1
            else:
                t = tau = tau + 1
        for r in used:
            row = free[r]
            for u in range(t, t + d):
                row[u] -= dem[r]
        starts[j], finish[j] = t, t + d
    return RCPSPSchedule(tuple(starts), max(finish))


def _reverse(inst: RCPSPInstance) -> RCPSPInstance:
    """The instance with every precedence arc turned around."""
    return RCPSPInstance(
        inst.name, inst.durations, inst.predecessors, inst.demands, inst.capacities
    )


def justify(
    inst: RCPSPInstance, sched: RCPSPSchedule, *, rev: RCPSPInstance | None = None
) -> RCPSPSchedule:
    """Forward-backward improvement until the makespan stops shrinking.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    sched : RCPSPSchedule
        A feasible schedule.
    rev : RCPSPInstance, optional
        ``inst`` with reversed arcs (computed when omitted).

    Returns
    -------
    RCPSPSchedule
        A left-justified feasible schedule no longer than ``sched``.
    """
    rev = _reverse(inst) if rev is None else rev
    best = sched
    while True:
        fin = [s + d for s, d in zip(best.starts, inst.durations, strict=True)]
        back = serial_sgs(rev, priority_order(rev, [-f for f in fin]))
        right = [back.makespan - s - d for s, d in zip(back.starts, inst.durations, strict=True)]
        fwd = serial_sgs(inst, priority_order(inst, right))
        if fwd.makespan >= best.makespan:
            return best
        best = fwd


def _activity_list(inst: RCPSPInstance, sched: RCPSPSchedule, rank: Sequence[int]) -> list[int]:
    """Jobs by start time (ties by topological rank): a precedence-feasible list."""
    return sorted(inst.jobs, key=lambda j: (sched.starts[j], rank[j]))


def _crossover(mother: Sequence[int], father: Sequence[int], rng: np.random.Generator) -> list[int]:
    """Two-point crossover of activity lists (Hartmann 1998); precedence-feasible."""
    n = len(mother)
    q1, q2 = sorted(int(v) for v in rng.integers(0, n + 1, size=2))
    head = list(mother[:q1])
    taken = set(head)
    middle = [j for j in father if j not in taken][: q2 - q1]
    taken.update(middle)
    return head + middle + [j for j in mother if j not in taken]


def _mutate(
    inst: RCPSPInstance, order: list[int], rng: np.random.Generator, rate: float
) -> list[int]:
    """Swap neighbours that are not precedence-related, each with probability ``rate``."""
    out = list(order)
    for k in range(len(out) - 1):
        if rng.random() < rate and out[k + 1] not in inst.successors[out[k]]:
            out[k], out[k + 1] = out[k + 1], out[k]
    return out


def heuristic_schedule(
    inst: RCPSPInstance,
    *,
    iterations: int = 200,
    seed: Seed = 0,
    time_limit: float | None = None,
    target: int | None = None,
    population: int = 40,
    stall: float | None = None,
    sample_limit: float | None = None,
) -> RCPSPSchedule:
    """Best schedule from priority rules, sampling and a genetic algorithm, all justified.

    First the deterministic LFT schedule, then regret-based biased random
    sampling on LFT priorities (each schedule improved by :func:`justify`).
    With a ``time_limit``, the best ``population`` of those seed an
    activity-list genetic algorithm (two-point crossover, neighbour-swap
    mutation, serial SGS decoding and justification; the population keeps the
    best distinct makespans) until the time runs out.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    iterations : int, optional
        Number of randomized sampling passes after the deterministic LFT pass.
    seed : int, numpy.random.Generator or None, optional
        Seed for the sampling (``None``: unseeded).  With a fixed seed the
        result depends only on how many generations fit in ``time_limit``.
    time_limit : float, optional
        Seconds for the sampling and the genetic algorithm; without it only the
        sampling passes run.
    target : int, optional
        Stop as soon as a schedule this short is found (default
        :func:`lower_bound`).
    population : int, optional
        Population size of the genetic algorithm.
    stall : float, optional
        Also stop the genetic algorithm after this many seconds without a
        shorter schedule (the rest of ``time_limit`` is left unused).
    sample_limit : float, optional
        Seconds for the sampling passes alone (they also stop at
        ``time_limit``), so that a time-limited caller can bound them without
        starting the genetic algorithm.

    Returns
    -------
    RCPSPSchedule
        The shortest schedule found.

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> heuristic_schedule(inst).makespan
    5
    """
    rng = _rng(seed)
    rev = _reverse(inst)
    lft = [
        h + d for h, d in zip(latest_starts(inst, sum(inst.durations)), inst.durations, strict=True)
    ]
    best = justify(inst, serial_sgs(inst, priority_order(inst, lft)), rev=rev)
    goal = lower_bound(inst) if target is None else target
    deadline = math.inf if time_limit is None else time.perf_counter() + time_limit
    sampling = (
        deadline if sample_limit is None else min(deadline, time.perf_counter() + sample_limit)
    )
    rank = {j: k for k, j in enumerate(topological_order(inst))}
    rank_list = [rank[j] for j in inst.jobs]
    pool: list[RCPSPSchedule] = [best]
    for _ in range(iterations):
        if best.makespan <= goal or time.perf_counter() > sampling:
            break
        cand = justify(inst, serial_sgs(inst, priority_order(inst, lft, rng=rng)), rev=rev)
        pool.append(cand)
        if cand.makespan < best.makespan:
            best = cand
    if time_limit is None or best.makespan <= goal:
        return best
    pool.sort(key=lambda s: s.makespan)
    pop = [(s.makespan, _activity_list(inst, s, rank_list)) for s in pool[:population]]
    patience = math.inf if stall is None else stall
    improved = time.perf_counter()
    while best.makespan > goal and time.perf_counter() < min(deadline, improved + patience):
        k = len(pop)
        children = []
        for _ in range(k):
            a, b = rng.integers(0, k, size=2), rng.integers(0, k, size=2)
            mother = pop[min(int(a[0]), int(a[1]))][1]  # pop sorted: smaller index is better
            father = pop[min(int(b[0]), int(b[1]))][1]
            child = _mutate(inst, _crossover(mother, father, rng), rng, 0.05)
            sched = justify(inst, serial_sgs(inst, child), rev=rev)
            if sched.makespan < best.makespan:
                best = sched
                improved = time.perf_counter()
            children.append((sched.makespan, _activity_list(inst, sched, rank_list)))
            if best.makespan <= goal or time.perf_counter() > deadline:
                break
        merged = sorted(pop + children, key=lambda p: p[0])
        seen: set[tuple[int, ...]] = set()
        pop = []
        for ms, order in merged:
            key = tuple(order)
            if key not in seen:
                seen.add(key)
                pop.append((ms, order))
            if len(pop) == population:
                break
    return best
