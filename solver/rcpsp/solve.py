"""Makespan minimization for an RCPSP instance, and an independent schedule check.

:func:`solve_rcpsp` is the facade: heuristic schedule (upper bound, horizon and
MIP start) -> time-indexed model -> backend -> decoded, verified schedule.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from solver.backends import Solution, Status, run_backend
from solver.backends.highspy_direct import solve_highspy
from solver.rcpsp.formulations import TimeIndexedModel, build_model, root_lp_bound
from solver.rcpsp.psplib import RCPSPInstance
from solver.rcpsp.sgs import heuristic_schedule, lower_bound
from solver.tolerances import INT_TOL

__all__ = ["BACKENDS", "RCPSPResult", "solve_rcpsp", "verify_schedule"]

BACKENDS: tuple[str, ...] = ("highs", "highspy", "cbc", "pulp-highs")
"""Backends :func:`solve_rcpsp` accepts; only ``"highspy"`` receives the MIP start."""


@dataclass(frozen=True)
class RCPSPResult:
    """Outcome of :func:`solve_rcpsp`.

    Attributes
    ----------
    status : Status
        ``OPTIMAL`` when ``makespan == lower_bound`` is proven; ``FEASIBLE``
        when only the schedule is known good; ``ERROR`` when the backend failed
        or returned a schedule that :func:`verify_schedule` rejects.
    makespan : int
        Length of ``schedule`` (the heuristic's when the MIP found nothing better).
    lower_bound : int
        Best proven lower bound: the MIP's dual bound rounded up, or the
        critical-path / resource bound, whichever is larger.
    seconds : float
        Wall-clock time of the whole call (heuristic, build, LP, MIP).
    root_lp_bound : float or None
        Optimal value of the formulation's LP relaxation (``None`` if not computed).
    schedule : tuple of int
        Start period of every job (0-based job order of the instance).
    heuristic_makespan : int
        Makespan of the heuristic schedule (the model's horizon).
    formulation, backend : str
        What was used.
    nodes : int or None
        Branch-and-bound nodes, when the backend reports them.
    message : str
        The backend's message, with its raw status.
    """

    status: Status
    makespan: int
    lower_bound: int
    seconds: float
    root_lp_bound: float | None
    schedule: tuple[int, ...]
    heuristic_makespan: int
    formulation: str
    backend: str
    nodes: int | None
    message: str

    @property
    def gap(self) -> float:
        """Relative gap ``(makespan - lower_bound) / max(1, makespan)``."""
        return (self.makespan - self.lower_bound) / max(1, self.makespan)

    def to_dict(self) -> dict[str, object]:
        """The JSON document of the ``relief rcpsp --json`` command.

        Returns
        -------
        dict
            ``status``, ``makespan``, ``lower_bound``, ``seconds`` first, then the
            root LP bound, formulation, backend, nodes and the schedule.
        """
        return {
            "status": self.status.value,
            "makespan": self.makespan,
            "lower_bound": self.lower_bound,
            "seconds": round(self.seconds, 3),
            "root_lp_bound": self.root_lp_bound,
            "formulation": self.formulation,
            "backend": self.backend,
            "nodes": self.nodes,
            "schedule": list(self.schedule),
        }


def verify_schedule(inst: RCPSPInstance, starts: Sequence[int]) -> list[str]:
    """Check ``starts`` against the instance itself (not against any model).

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    starts : sequence of int
        Start period of every job.

    Returns
    -------
    list of str
        One message per violation, naming jobs by their 1-based PSPLIB number;
        empty when the schedule is feasible.

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> verify_schedule(inst, [0, 0, 2, 5])
    []
    >>> verify_schedule(inst, [0, 0, 1, 3])
    ['resource R1 in period 1: use 2 > capacity 1 (jobs 2, 3)', \
'precedence 3 -> 4: job 4 starts at 3 before job 3 finishes at 4']
    """
    if len(starts) != inst.n_jobs:
        return [f"schedule has {len(starts)} start times for {inst.n_jobs} jobs"]
    bad = [
        f"job {j + 1} starts at {s!r}, not a period >= 0"
        for j, s in enumerate(starts)
        if not isinstance(s, int) or s < 0
    ]
    if bad:
        return bad
    problems: list[str] = []
    finish = [s + d for s, d in zip(starts, inst.durations, strict=True)]
    for r, cap in enumerate(inst.capacities):
        for t in range(max(finish, default=0)):
            running = [j for j in inst.jobs if starts[j] <= t < finish[j] and inst.demands[j][r]]
            use = sum(inst.demands[j][r] for j in running)
            if use > cap:
                who = ", ".join(str(j + 1) for j in running)
                problems.append(
                    f"resource R{r + 1} in period {t}: use {use} > capacity {cap} (jobs {who})"
                )
    for i, j in inst.arcs:
        if starts[j] < finish[i]:
            problems.append(
                f"precedence {i + 1} -> {j + 1}: job {j + 1} starts at {starts[j]} "
                f"before job {i + 1} finishes at {finish[i]}"
            )
    return problems


def _run(
    tim: TimeIndexedModel, backend: str, time_limit: float | None, start: Sequence[int]
) -> Solution:
    if tim.model.num_vars == 0:  # every window is a single period: the heuristic's starts
        value = tim.model.obj_constant
        return Solution(
            Status.OPTIMAL, "no free columns", np.zeros(0), value, value, 0, 0.0, backend
        )
    if backend == "highspy":
        return solve_highspy(tim.model, time_limit=time_limit, start=tim.encode(start))
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    return run_backend(tim.model, backend, time_limit=time_limit)


def _combine(
    tim: TimeIndexedModel, sol: Solution, heuristic: tuple[int, ...]
) -> tuple[Status, tuple[int, ...], int, str]:
    """Pick the schedule, the lower bound and the status from a backend's answer."""
    inst = tim.instance
    lb = lower_bound(inst)
    if sol.bound is not None and math.isfinite(sol.bound):
        lb = max(lb, math.ceil(sol.bound - INT_TOL))
    schedule, message = heuristic, sol.message
    if sol.status.has_solution and sol.x is not None:
        cand = tim.decode(sol.x)
        problems = verify_schedule(inst, cand)
        if problems:
            return Status.ERROR, heuristic, lb, f"{message}; MIP schedule rejected: {problems[0]}"
        if _makespan(inst, cand) <= _makespan(inst, heuristic):
            schedule = cand
    makespan = _makespan(inst, schedule)
    if lb >= makespan:  # a backend's OPTIMAL alone is not trusted: its bound must agree
        return Status.OPTIMAL, schedule, makespan, message
    if sol.status is Status.OPTIMAL:
        return Status.FEASIBLE, schedule, lb, f"{message}; makespan {makespan} is above bound {lb}"
    if sol.status in (Status.ERROR, Status.INFEASIBLE, Status.UNBOUNDED):
        return Status.ERROR, schedule, lb, f"{message}; the heuristic schedule proves feasibility"
    return Status.FEASIBLE, schedule, lb, message


def _makespan(inst: RCPSPInstance, starts: Sequence[int]) -> int:
    return max(s + d for s, d in zip(starts, inst.durations, strict=True))


def solve_rcpsp(
    instance: RCPSPInstance,
    *,
    formulation: str = "step",
    backend: str = "highs",
    time_limit: float | None = None,
    root_lp: bool = True,
    seed: int | None = 0,
) -> RCPSPResult:
    """Minimize the makespan of ``instance``.

    Parameters
    ----------
    instance : RCPSPInstance
        The instance.
    formulation : {"step", "pulse", "aggregated"}, optional
        Time-indexed formulation (see :mod:`solver.rcpsp.formulations`).
    backend : {"highs", "highspy", "cbc", "pulp-highs"}, optional
        MIP backend; ``"highspy"`` also receives the heuristic schedule as MIP start.
    time_limit : float, optional
        Wall-clock limit for the whole call, in seconds (the heuristic's
        randomized passes get at most a tenth of it).
    root_lp : bool, optional
        Whether to solve the LP relaxation for :attr:`RCPSPResult.root_lp_bound`.
    seed : int or None, optional
        Seed of the heuristic's randomized passes.

    Returns
    -------
    RCPSPResult
        Always returned; a failed or interrupted MIP still yields the heuristic schedule.

    Raises
    ------
    ValueError
        For an unknown formulation or backend.

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> res = solve_rcpsp(inst)
    >>> res.status.value, res.makespan, res.lower_bound
    ('optimal', 5, 5)
    """
    t0 = time.perf_counter()
    heur_limit = None if time_limit is None else 0.1 * time_limit
    heur = heuristic_schedule(instance, seed=seed, time_limit=heur_limit)
    tim = build_model(instance, horizon=heur.makespan, formulation=formulation)
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    root = root_lp_bound(tim) if root_lp else None
    left = None if time_limit is None else max(0.1, time_limit - (time.perf_counter() - t0))
    sol = _run(tim, backend, left, heur.starts)
    status, schedule, lb, message = _combine(tim, sol, heur.starts)
    return RCPSPResult(
        status=status,
        makespan=_makespan(instance, schedule),
        lower_bound=lb,
        seconds=time.perf_counter() - t0,
        root_lp_bound=root,
        schedule=schedule,
        heuristic_makespan=heur.makespan,
        formulation=formulation,
        backend=backend,
        nodes=sol.nodes,
        message=message,
    )
