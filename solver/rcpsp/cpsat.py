"""Makespan minimization with OR-tools CP-SAT: an interval model of the RCPSP.

Each job with a positive duration is an interval variable ``[S_j, S_j + d_j)``;
each renewable resource is one cumulative constraint over the intervals of
the jobs that use it; precedence arcs are linear constraints on the starts.
Around that core (``docs/rcpsp.md``, "CP-SAT engine"):

* **domains** from the critical-path passes: ``S_j in [ES_j, UB - q_j]`` with
  ``UB`` the makespan of the heuristic schedule (:mod:`solver.rcpsp.sgs`) and
  ``q_j`` the longest path from ``j``'s start to the end, and the makespan in
  ``[LB, UB]`` with ``LB`` the critical-path / energy bound;
* **precedence closure**: ``S_j >= S_i + l_ij`` for every pair joined by a
  path of two or more arcs, ``l_ij`` the longest such path (redundant, but it
  gives the linear relaxation and the no-good learning the transitive arcs);
* **the makespan interval**: ``[C, UB)`` with demand ``R_r`` in every
  cumulative, so that no job can run after the makespan ``C`` (the redundant
  interval the public CP models add, which lets the cumulative reasoning push
  on the makespan directly);
* **the heuristic schedule as a hint** (CP-SAT starts its search from it).

:func:`solve_rcpsp_cpsat` returns an :class:`~solver.rcpsp.solve.RCPSPResult`
like the MIP engine, with the schedule re-checked by
:func:`~solver.rcpsp.solve.verify_schedule` and CP-SAT's best objective bound
as the lower bound.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Any

from solver.backends import Status
from solver.rcpsp.psplib import RCPSPInstance
from solver.rcpsp.sgs import (
    earliest_starts,
    heuristic_schedule,
    latest_starts,
    lower_bound,
    topological_order,
)
from solver.rcpsp.solve import RCPSPResult, verify_schedule

__all__ = [
    "CPSAT_HEURISTIC_SHARE",
    "CPModel",
    "build_cpsat_model",
    "default_workers",
    "longest_paths",
    "solve_rcpsp_cpsat",
]

CPSAT_HEURISTIC_SHARE = 0.02
"""Share of the time limit the heuristic (the hint and the horizon) may use."""


def default_workers() -> int:
    """The number of CPU cores this process may run on (CP-SAT's default workers).

    Returns
    -------
    int
        ``len(os.sched_getaffinity(0))`` where the platform has it, else
        ``os.cpu_count()``, at least 1.

    Examples
    --------
    >>> default_workers() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on every platform
        return max(1, os.cpu_count() or 1)


def longest_paths(inst: RCPSPInstance) -> dict[tuple[int, int], int]:
    """Longest-path distance ``l_ij`` (sum of durations) for every pair ``i -> ... -> j``.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.

    Returns
    -------
    dict
        ``(i, j) -> l_ij`` for every ordered pair joined by a path of
        precedence arcs: ``S_j >= S_i + l_ij`` in every feasible schedule.

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 2, 3, 0), ((1,), (2,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> longest_paths(inst)[(0, 3)], longest_paths(inst)[(1, 3)]
    (5, 5)
    """
    order = topological_order(inst)
    dist: dict[tuple[int, int], int] = {}
    for i in inst.jobs:
        best = {i: 0}
        for u in order:  # relax in topological order from i
            if u not in best:
                continue
            for v in inst.successors[u]:
                cand = best[u] + inst.durations[u]
                if cand > best.get(v, -1):
                    best[v] = cand
        for j, dij in best.items():
            if j != i:
                dist[(i, j)] = dij
    return dist


@dataclass
class CPModel:
    """A built CP-SAT model of an instance and the variables to read back.

    Attributes
    ----------
    model : ortools.sat.python.cp_model.CpModel
        The model (minimize the makespan).
    starts : list
        The start variable of every job.
    makespan : ortools.sat.python.cp_model.IntVar
        The makespan variable ``C``.
    horizon : int
        ``UB``: every start lies in ``[ES_j, UB - q_j]``.
    lower : int
        The makespan's lower bound in the model.
    closure_rows : int
        Number of precedence-closure constraints added.
    """

    model: Any
    starts: list[Any]
    makespan: Any
    horizon: int
    lower: int
    closure_rows: int


def build_cpsat_model(
    inst: RCPSPInstance,
    horizon: int,
    *,
    lower: int | None = None,
    hint: tuple[int, ...] | None = None,
    closure: bool = True,
    makespan_interval: bool = True,
) -> CPModel:
    """Write ``inst`` as a CP-SAT interval model with makespan at most ``horizon``.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    horizon : int
        ``UB``, the makespan of a known schedule (every domain is derived from it).
    lower : int, optional
        Lower bound of the makespan variable (default :func:`solver.rcpsp.sgs.lower_bound`).
    hint : tuple of int, optional
        A feasible schedule handed to CP-SAT as its solution hint.
    closure : bool, optional
        Add the precedence-closure constraints.
    makespan_interval : bool, optional
        Add the interval ``[C, UB)`` with full demand to every cumulative.

    Returns
    -------
    CPModel
        The model and its variables.

    Raises
    ------
    ValueError
        If ``horizon`` is below the critical-path length (no schedule fits).
    """
    from ortools.sat.python import cp_model

    lb = lower_bound(inst) if lower is None else lower
    if horizon < lb:
        raise ValueError(f"horizon {horizon} is below the lower bound {lb}")
    es = earliest_starts(inst)
    ls = latest_starts(inst, horizon)
    m = cp_model.CpModel()
    m.name = inst.name
    starts = [m.new_int_var(es[j], ls[j], f"S{j + 1}") for j in inst.jobs]
    sink = inst.n_jobs - 1
    low = max(lb, es[sink])
    makespan = m.new_int_var(low, horizon, "C")
    intervals = [
        m.new_fixed_size_interval_var(starts[j], inst.durations[j], f"I{j + 1}")
        if inst.durations[j] > 0
        else None
        for j in inst.jobs
    ]
    for i, j in inst.arcs:
        m.add(starts[j] >= starts[i] + inst.durations[i])
    for j in inst.jobs:  # the makespan ends every job (the sink included)
        if not inst.successors[j]:
            m.add(makespan >= starts[j] + inst.durations[j])
    rows = 0
    if closure:
        direct = set(inst.arcs)
        for (i, j), dist in longest_paths(inst).items():
            if (i, j) not in direct and dist > 0:
                m.add(starts[j] >= starts[i] + dist)
                rows += 1
    tail = None
    if makespan_interval:
        size = m.new_int_var(0, horizon - low, "UB-C")
        tail = m.new_interval_var(makespan, size, horizon, "tail")
    for r, cap in enumerate(inst.capacities):
        used = [j for j in inst.jobs if intervals[j] is not None and inst.demands[j][r] > 0]
        if not used:
            continue
        ivs: list[Any] = [intervals[j] for j in used]
        dem = [inst.demands[j][r] for j in used]
        if tail is not None:
            ivs.append(tail)
            dem.append(cap)
        m.add_cumulative(ivs, dem, cap)
    m.minimize(makespan)
    if hint is not None:
        for j in inst.jobs:
            m.add_hint(starts[j], hint[j])
        m.add_hint(makespan, max(s + d for s, d in zip(hint, inst.durations, strict=True)))
    return CPModel(m, starts, makespan, horizon, lb, rows)


@dataclass
class _Best:
    """Mutable state of one :func:`solve_rcpsp_cpsat` call: best schedule, proven bound."""

    inst: RCPSPInstance
    schedule: tuple[int, ...]
    upper: int
    lower: int
    nodes: int = 0
    error: str = ""
    proof: str = ""
    bound_source: str = "the critical-path / energy bound"

    def offer(self, cand: tuple[int, ...]) -> None:
        """Keep ``cand`` if it is feasible (:func:`verify_schedule`) and shorter."""
        check = verify_schedule(self.inst, cand)
        if not check.ok:
            self.error = f"CP-SAT schedule rejected: {check.violations[0]}"
            return
        ms = max(s + d for s, d in zip(cand, self.inst.durations, strict=True))
        if ms < self.upper:
            self.schedule, self.upper = cand, ms
            if self.upper <= self.lower and not self.proof:
                self.proof = f"{self.bound_source}, met by a CP-SAT schedule"

    def raise_lower(self, value: int, why: str) -> None:
        """Record a proven bound (and what proved it when it closes the gap)."""
        if value > self.lower:
            self.lower = value
            self.bound_source = why
            if self.lower >= self.upper and not self.proof:
                self.proof = why


def _cp_solve(
    cpm: CPModel, best: _Best, *, workers: int, seed: int, limit: float | None, what: str
) -> str:
    """Run CP-SAT on ``cpm`` and fold its answer into ``best``; return the status name.

    ``cpm`` must admit every schedule of makespan at most ``cpm.horizon``
    (its domains come from sound bounds at that horizon), so that its
    optimum, its infeasibility and its objective bound are global facts
    about the instance whenever ``best.upper <= cpm.horizon + 1``.
    """
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # bounded memory: CP-SAT stops with its best answer instead of growing without limit
    solver.parameters.max_memory_in_mb = 4000
    if limit is not None:
        solver.parameters.max_time_in_seconds = max(0.01, limit)
    raw = solver.solve(cpm.model)
    best.nodes += int(solver.num_branches)
    if raw in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        best.offer(tuple(int(solver.value(v)) for v in cpm.starts))
    if raw == cp_model.OPTIMAL and not best.error:
        best.raise_lower(round(solver.objective_value), f"CP-SAT ({what})")
    elif raw == cp_model.INFEASIBLE:
        best.raise_lower(cpm.horizon + 1, f"CP-SAT infeasibility ({what})")
    elif raw == cp_model.FEASIBLE and math.isfinite(solver.best_objective_bound):
        best.raise_lower(math.ceil(solver.best_objective_bound - 1e-9), f"CP-SAT bound ({what})")
    return str(solver.status_name(raw))


CPSAT_BOUND_SHARE = 0.05
"""Share of the time limit for the propagation and preemptive-LP lower bounds."""

CPSAT_FIRST_SHARE = 0.15
"""Share of the time left for the first CP-SAT run (horizon ``UB``): enough for the
instances CP-SAT proves at once; the rest goes to proving ``UB - 1`` infeasible
(LP shaving, then CP-SAT on the shaved windows), where a hard instance's proof
is found.  With 0.5, PSPLIB j3029_6 (optimum 92) stayed at 82..92 after 60 s on
2 workers: the first run stopped at 30 s, before the 33 s CP-SAT needs there
alone, and the second run started again from nothing; with 0.15 and
:data:`CPSAT_SHAVE_SHARE` 0.25 it is proven in 46 s and j3029_3 in 19 s
instead of 41 s (``docs/rcpsp.md``)."""

CPSAT_SHAVE_SHARE = 0.25
"""Share of the time left that LP shaving at ``UB - 1`` may use (the rest goes to
CP-SAT on the shaved windows)."""


def solve_rcpsp_cpsat(
    instance: RCPSPInstance,
    *,
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int | None = 0,
    closure: bool = True,
    makespan_interval: bool = True,
    aids: bool = True,
) -> RCPSPResult:
    """Minimize the makespan of ``instance`` with CP-SAT (and the project's sound bounds).

    1. Heuristic schedule (:data:`CPSAT_HEURISTIC_SHARE` of the time): the
       horizon ``UB`` and CP-SAT's hint.
    2. With ``aids``: the destructive propagation bound and the preemptive
       LP bound (:func:`~solver.rcpsp.preemptive.preemptive_lower_bound`,
       :data:`CPSAT_BOUND_SHARE`) as the makespan's lower bound.
    3. CP-SAT on :func:`build_cpsat_model` at horizon ``UB`` (without a
       time limit: to the end; with one: :data:`CPSAT_FIRST_SHARE` of it
       when ``aids``, else all of it).
    4. With ``aids``, while unproven: ``T = UB - 1`` is attacked by LP
       shaving (:func:`~solver.rcpsp.preemptive.lp_shave`; a refutation
       proves ``UB`` optimal), then CP-SAT on the model at horizon ``T``
       restricted to the shaved windows (which hold every schedule ending
       by ``T``): infeasible proves ``UB``; a schedule lowers ``UB`` and the
       loop goes on.

    Parameters
    ----------
    instance : RCPSPInstance
        The instance.
    time_limit : float, optional
        Wall-clock limit for the whole call, in seconds; without one CP-SAT
        runs to a proof.
    workers : int, optional
        CP-SAT search workers (default :func:`default_workers`, the cores).
    seed : int or None, optional
        Seed of the heuristic and of CP-SAT (``random_seed``).  With more
        than one worker CP-SAT's path (not its proven optimum) may vary
        from run to run.
    closure, makespan_interval : bool, optional
        The redundant constraints of :func:`build_cpsat_model`.
    aids : bool, optional
        Use the propagation / preemptive-LP bounds and the shaving step
        (``False``: CP-SAT alone on the interval model, for comparison).

    Returns
    -------
    RCPSPResult
        ``OPTIMAL`` when the makespan is proven (the message says by what);
        ``FEASIBLE`` at the time limit (the best schedule, CP-SAT's or the
        heuristic's, and the best proven bound); ``ERROR`` when CP-SAT returns
        a schedule that :func:`~solver.rcpsp.solve.verify_schedule` rejects or
        a bound above a verified makespan.  ``formulation`` is
        ``"interval"``, ``backend`` ``"cpsat"``, ``nodes`` CP-SAT's branches,
        ``root_lp_bound`` ``None``.

    Raises
    ------
    ValueError
        For ``workers < 1`` or a time limit that is not positive.

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> res = solve_rcpsp_cpsat(inst, workers=1)
    >>> res.status.value, res.makespan, res.lower_bound
    ('optimal', 5, 5)
    """
    from solver.rcpsp.preemptive import FeasibleSets, lp_shave, preemptive_lower_bound
    from solver.rcpsp.propagate import destructive_lower_bound, propagate

    t0 = time.perf_counter()
    n_workers = default_workers() if workers is None else workers
    if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
        raise ValueError(f"workers is {workers!r}; it must be a positive integer")
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
        raise ValueError(f"time_limit is {time_limit!r}; it must be positive (seconds)")
    cp_seed = 0 if seed is None else int(seed)
    limit = math.inf if time_limit is None else time_limit
    deadline = t0 + limit

    def left() -> float:
        return deadline - time.perf_counter()

    share = None if time_limit is None else CPSAT_HEURISTIC_SHARE * time_limit
    first = heuristic_schedule(instance, seed=seed, sample_limit=share)
    best = _Best(instance, first.starts, first.makespan, lower_bound(instance))
    if best.lower >= best.upper:
        best.proof = "the critical-path / energy bound"
    sets = None
    if aids and best.lower < best.upper:
        lb, _ = destructive_lower_bound(
            instance, best.upper, time_limit=min(CPSAT_BOUND_SHARE * limit, 1e9)
        )
        best.raise_lower(lb, "propagation")
        sets = FeasibleSets(instance)
        budget = max(0.0, min(CPSAT_BOUND_SHARE * limit, left()))
        plb = preemptive_lower_bound(instance, best.lower, best.upper, sets=sets,
                                     time_limit=budget)  # fmt: skip
        best.raise_lower(plb, "the preemptive LP bound")
    statuses: list[str] = []
    if best.lower < best.upper and left() > 0:
        cpm = build_cpsat_model(instance, best.upper, lower=best.lower, hint=best.schedule,
                                closure=closure, makespan_interval=makespan_interval)  # fmt: skip
        slot = None if time_limit is None else left() * (CPSAT_FIRST_SHARE if aids else 1.0)
        statuses.append(_cp_solve(cpm, best, workers=n_workers, seed=cp_seed, limit=slot,
                                  what=f"horizon {cpm.horizon}"))  # fmt: skip
    while aids and best.lower < best.upper and not best.error and left() > 0.05:
        horizon = best.upper - 1
        w = propagate(instance, horizon)
        if w is not None:
            budget = max(0.0, CPSAT_SHAVE_SHARE * left())
            w = lp_shave(instance, w, sets=sets, time_limit=budget)
        if w is None:
            best.raise_lower(horizon + 1, f"LP shaving at {horizon}")
            break
        cpm = build_cpsat_model(instance, horizon, lower=best.lower, closure=closure,
                                makespan_interval=makespan_interval)  # fmt: skip
        for j, v in enumerate(cpm.starts):
            cpm.model.add(v >= w.es[j])
            cpm.model.add(v <= w.ls[j])
        before = (best.lower, best.upper)
        name = _cp_solve(cpm, best, workers=n_workers, seed=cp_seed,
                         limit=None if time_limit is None else left(),
                         what=f"shaved windows at {horizon}")  # fmt: skip
        statuses.append(name)
        if (best.lower, best.upper) == before:
            break  # the time ran out without news
    if best.lower > best.upper and not best.error:
        best.error = f"bound {best.lower} above a verified makespan {best.upper}"
    if best.error:
        status = Status.ERROR
    elif best.lower >= best.upper:
        status = Status.OPTIMAL
    else:
        status = Status.FEASIBLE
    runs = ", ".join(statuses) if statuses else "none"
    message = f"CP-SAT runs: {runs}; {n_workers} workers"
    if status is Status.OPTIMAL:
        message += f"; proof: {best.proof}"
    elif status is Status.FEASIBLE:
        message += "; time limit reached"
    if best.error:
        message += f"; {best.error}"
    return RCPSPResult(
        status=status,
        makespan=best.upper,
        lower_bound=best.lower if best.error else min(best.lower, best.upper),
        seconds=time.perf_counter() - t0,
        root_lp_bound=None,
        schedule=best.schedule,
        heuristic_makespan=first.makespan,
        formulation="interval",
        backend="cpsat",
        nodes=best.nodes,
        message=message,
        engine="cpsat",
        workers=n_workers,
    )
