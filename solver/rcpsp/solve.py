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

from solver.backends import REGISTRY, Solution, Status, run_backend
from solver.backends.highspy_direct import solve_highspy
from solver.rcpsp.formulations import (
    RCPSP_FORMULATIONS,
    TimeIndexedModel,
    build_rcpsp_model,
    lp_relaxation,
    rcpsp_root_lp_bound,
)
from solver.rcpsp.preemptive import FeasibleSets, lp_shave, preemptive_lower_bound
from solver.rcpsp.propagate import Windows, destructive_lower_bound, propagate
from solver.rcpsp.psplib import RCPSPInstance
from solver.rcpsp.sgs import heuristic_schedule
from solver.tolerances import INT_TOL
from solver.verify import Verification

__all__ = ["BACKENDS", "ENGINES", "RCPSPResult", "solve_rcpsp", "verify_schedule"]

BACKENDS: tuple[str, ...] = tuple(REGISTRY)
"""Backends :func:`solve_rcpsp` accepts: every one in :data:`solver.backends.REGISTRY`;
only ``"highspy"`` receives the MIP start."""

ENGINES: tuple[str, ...] = ("mip", "cpsat")
"""Engines :func:`solve_rcpsp` accepts: ``"mip"`` (the time-indexed formulations
and a MIP backend) and ``"cpsat"`` (the interval model of :mod:`solver.rcpsp.cpsat`)."""


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
        Branch-and-bound nodes, when the backend reports them (CP-SAT: its branches).
    message : str
        The backend's message, with its raw status.
    engine : str
        One of :data:`ENGINES`.
    workers : int or None
        CP-SAT's search workers (``None`` for the MIP engine).
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
    engine: str = "mip"
    workers: int | None = None

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
            root LP bound, engine, formulation, backend, workers, nodes, the
            message and the schedule.
        """
        return {
            "status": self.status.value,
            "makespan": self.makespan,
            "lower_bound": self.lower_bound,
            "seconds": round(self.seconds, 3),
            "root_lp_bound": self.root_lp_bound,
            "engine": self.engine,
            "formulation": self.formulation,
            "backend": self.backend,
            "workers": self.workers,
            "nodes": self.nodes,
            "message": self.message,
            "schedule": list(self.schedule),
        }


def verify_schedule(inst: RCPSPInstance, starts: Sequence[int]) -> Verification:
    """Check ``starts`` against the instance itself (not against any model).

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    starts : sequence of int
        Start period of every job.

    Returns
    -------
    Verification
        The same type as :func:`solver.verify.verify_plan` returns: ``ok`` is
        ``True`` when the schedule is feasible, and ``violations`` has one
        message per violation, naming jobs by their 1-based PSPLIB number.

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> verify_schedule(inst, [0, 0, 2, 5])
    Verification(ok=True, violations=())
    >>> verify_schedule(inst, [0, 0, 1, 3]).violations
    ('resource R1 in period 1: use 2 > capacity 1 (jobs 2, 3)', \
'precedence 3 -> 4: job 4 starts at 3 before job 3 finishes at 4')
    """
    problems = _schedule_problems(inst, starts)
    return Verification(ok=not problems, violations=tuple(problems))


def _schedule_problems(inst: RCPSPInstance, starts: Sequence[int]) -> list[str]:
    """The violation messages of :func:`verify_schedule` (empty when feasible)."""
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
    tim: TimeIndexedModel,
    backend: str,
    time_limit: float | None,
    start: Sequence[int] | None,
    deadline: float | None = None,
) -> Solution:
    """Solve ``tim`` with ``backend`` (``start`` and the ``deadline`` guard: highspy only)."""
    if tim.model.num_vars == 0:  # every window is a single period
        value = tim.model.obj_constant
        return Solution(
            Status.OPTIMAL, "no free columns", np.zeros(0), value, value, 0, 0.0, backend
        )
    if backend == "highspy":
        x0 = None if start is None else tim.encode(start)
        return solve_highspy(tim.model, time_limit=time_limit, start=x0, deadline=deadline)
    return run_backend(tim.model, backend, time_limit=time_limit)


def _fits(tim: TimeIndexedModel, starts: Sequence[int]) -> bool:
    """Whether every start lies inside its window of ``tim``."""
    return all(a <= s <= b for a, s, b in zip(tim.es, starts, tim.ls, strict=True))


def _makespan(inst: RCPSPInstance, starts: Sequence[int]) -> int:
    return max(s + d for s, d in zip(starts, inst.durations, strict=True))


@dataclass
class _Search:
    """Mutable state of one :func:`solve_rcpsp` call: best schedule and proven bound."""

    inst: RCPSPInstance
    formulation: str
    backend: str
    deadline: float
    schedule: tuple[int, ...]
    upper: int
    lower: int
    nodes: int | None = None
    message: str = ""
    error: bool = False

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def windows(self, horizon: int) -> Windows | None:
        """Propagated windows at ``horizon``; ``None`` (and a raised bound) if refuted."""
        w = propagate(self.inst, horizon)
        if w is None:
            self.lower = max(self.lower, horizon + 1)
        return w

    def model(self, horizon: int, w: Windows) -> TimeIndexedModel:
        """The model at ``horizon`` on windows ``w``."""
        return build_rcpsp_model(
            self.inst, horizon=horizon, formulation=self.formulation, windows=(w.es, w.ls)
        )

    def lp_refutes(self, horizon: int) -> bool:
        """Whether propagation or the LP relaxation at ``horizon`` proves it infeasible."""
        w = self.windows(horizon)
        if w is None:
            return True
        left = self.left()
        if left <= 0:
            return False
        status, _ = lp_relaxation(self.model(horizon, w), time_limit=left)
        if status == "infeasible":
            self.lower = max(self.lower, horizon + 1)
            return True
        return False

    def lp_destructive(self, until: float) -> None:
        """Binary search for the smallest horizon the LP relaxation does not refute."""
        lo, hi = self.lower, self.upper
        while lo < hi and time.perf_counter() < until:
            mid = (lo + hi) // 2
            if self.lp_refutes(mid):
                lo = mid + 1
            else:
                hi = mid
        self.lower = max(self.lower, lo)

    def accept(self, tim: TimeIndexedModel, sol: Solution) -> None:
        """Take a backend's answer on ``tim`` into the schedule and the bound.

        A backend's ``OPTIMAL`` is never trusted on its own: the status of the
        call comes from comparing the schedule with the proven bound.  An
        ``INFEASIBLE`` answer proves that no schedule ends by ``tim.horizon``:
        the model admits every such schedule (its windows come from sound
        propagation at that horizon).
        """
        self.nodes = sol.nodes if self.nodes is None else self.nodes + (sol.nodes or 0)
        self.message = sol.message
        if sol.status.has_solution and sol.x is not None:
            cand = tim.decode(sol.x)
            check = verify_schedule(self.inst, cand)
            if not check.ok:
                self.error = True
                self.message = f"{sol.message}; MIP schedule rejected: {check.violations[0]}"
                return
            if _makespan(self.inst, cand) < self.upper:
                self.schedule, self.upper = cand, _makespan(self.inst, cand)
        if sol.status is Status.INFEASIBLE:
            self.lower = max(self.lower, tim.horizon + 1)
        elif sol.status.has_solution and sol.bound is not None and math.isfinite(sol.bound):
            self.lower = max(self.lower, math.ceil(sol.bound - INT_TOL))
        elif sol.status in (Status.ERROR, Status.UNBOUNDED):
            self.error = True


STRATEGY = "descend"
"""How :func:`solve_rcpsp` uses the MIP (see ``docs/rcpsp.md``): ``"descend"``
(model at horizon ``UB - 1``, minimize), ``"incumbent"`` (model at ``UB`` with the
best schedule as MIP start) or ``"ascend"`` (feasibility models at ``LB, LB + 1, ...``)."""

HEURISTIC_SHARE = 0.08
"""Share of the time limit the heuristic may use."""

HEURISTIC_STALL = 0.03
"""Share of the time limit after which a genetic algorithm without progress stops."""

LP_SHARE = 0.05
"""Share of the time limit the LP-based destructive bound may use."""

PREEMPTIVE_SHARE = 0.05
"""Share of the time limit for the destructive bound of the preemptive feasible-set LP."""

SHAVE_SHARE = 0.4
"""Share of the time limit for shaving the windows of each MIP model (with the
preemptive LP as the test; at most :data:`SHAVE_LEFT` of the time left)."""

SHAVE_LEFT = 0.6
"""Share of the time left that shaving one MIP model's windows may use."""


def solve_rcpsp(
    instance: RCPSPInstance,
    *,
    formulation: str = "step",
    backend: str = "highs",
    time_limit: float | None = None,
    root_lp: bool = True,
    seed: int | None = 0,
    engine: str = "mip",
    workers: int | None = None,
) -> RCPSPResult:
    """Minimize the makespan of ``instance``.

    Parameters
    ----------
    instance : RCPSPInstance
        The instance.
    formulation : {"step", "pulse", "aggregated"}, optional
        Time-indexed formulation (see :mod:`solver.rcpsp.formulations`).
    backend : {"highs", "highspy", "cbc", "pulp-highs"}, optional
        MIP backend; ``"highspy"`` also receives the heuristic schedule as MIP
        start whenever it fits the model's windows.
    time_limit : float, optional
        Wall-clock limit for the whole call, in seconds (the heuristic gets
        :data:`HEURISTIC_SHARE` of it).
    root_lp : bool, optional
        Whether to solve the LP relaxation for :attr:`RCPSPResult.root_lp_bound`.
    seed : int or None, optional
        Seed of the heuristic's randomized passes (and of CP-SAT).
    engine : {"mip", "cpsat"}, optional
        ``"cpsat"`` solves the interval model of :mod:`solver.rcpsp.cpsat`
        instead (``formulation``, ``backend`` and ``root_lp`` then do not apply).
    workers : int, optional
        CP-SAT's search workers (default: the machine's cores); only with
        ``engine="cpsat"``.

    Returns
    -------
    RCPSPResult
        Always returned; a failed or interrupted MIP still yields the heuristic schedule.

    Raises
    ------
    ValueError
        For an unknown engine, formulation or backend, or ``workers`` without CP-SAT.

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> res = solve_rcpsp(inst)
    >>> res.status.value, res.makespan, res.lower_bound
    ('optimal', 5, 5)
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "cpsat":
        from solver.rcpsp.cpsat import solve_rcpsp_cpsat

        return solve_rcpsp_cpsat(instance, time_limit=time_limit, workers=workers, seed=seed)
    if workers is not None:
        raise ValueError("workers applies to the CP-SAT engine only (engine='cpsat')")
    t0 = time.perf_counter()
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if formulation not in RCPSP_FORMULATIONS:
        raise ValueError(
            f"unknown formulation {formulation!r}; choose one of {', '.join(RCPSP_FORMULATIONS)}"
        )
    limit = math.inf if time_limit is None else time_limit
    first = heuristic_schedule(
        instance, seed=seed, sample_limit=None if time_limit is None else HEURISTIC_SHARE * limit
    )
    lb, _ = destructive_lower_bound(instance, first.makespan)
    st = _Search(instance, formulation, backend, t0 + limit, first.starts, first.makespan, lb)
    sets = FeasibleSets(instance)
    st.lower = preemptive_lower_bound(
        instance, st.lower, st.upper, sets=sets, time_limit=min(PREEMPTIVE_SHARE * limit,
                                                                max(0.0, st.left()))
    )  # fmt: skip
    st.lp_destructive(time.perf_counter() + min(LP_SHARE * min(limit, 1e9), max(0.0, st.left())))
    heur = first
    if st.lower < st.upper and time_limit is not None:
        heur = heuristic_schedule(
            instance,
            seed=seed,
            target=st.lower,
            time_limit=max(0.0, min(HEURISTIC_SHARE * limit, st.left())),
            stall=HEURISTIC_STALL * limit,
        )
        if heur.makespan < st.upper:
            st.schedule, st.upper = heur.starts, heur.makespan
        else:
            heur = first
    root = None
    if root_lp and st.left() > 0:
        w = propagate(instance, st.upper)
        wins = None if w is None else (w.es, w.ls)  # None would be a propagation bug
        tim = build_rcpsp_model(instance, horizon=st.upper, formulation=formulation, windows=wins)
        root = (
            rcpsp_root_lp_bound(tim)
            if time_limit is None
            else lp_relaxation(tim, time_limit=max(0.05, st.left()))[1]
        )
        if math.isfinite(root):
            st.lower = max(st.lower, math.ceil(root - INT_TOL))
    while st.lower < st.upper and not st.error and st.left() > 0.05:
        horizon = {"ascend": st.lower, "descend": st.upper - 1}.get(STRATEGY, st.upper)
        w = st.windows(horizon)
        if w is not None and SHAVE_SHARE > 0:
            budget = min(SHAVE_SHARE * limit, max(0.0, SHAVE_LEFT * st.left()))
            w = lp_shave(instance, w, sets=sets, time_limit=budget)
            if w is None:
                st.lower = max(st.lower, horizon + 1)
        if w is None:
            continue
        tim = st.model(horizon, w)
        if STRATEGY == "ascend":
            tim.model.obj = [0.0] * tim.model.num_vars  # any schedule ending by T will do
        start = st.schedule if _fits(tim, st.schedule) else None
        before = (st.lower, st.upper)
        if time_limit is None:
            sol = _run(tim, backend, None, start)
        else:
            sol = _run(tim, backend, max(0.05, st.left() - 0.2), start, st.deadline - 0.1)
        st.accept(tim, sol)
        if sol.status not in (Status.OPTIMAL, Status.INFEASIBLE) and not (
            sol.status.has_solution and STRATEGY == "ascend"
        ):
            break  # time limit: keep what is proven
        if (st.lower, st.upper) == before and STRATEGY != "ascend":
            break  # an answer that moved neither bound (a gap tolerance): do not loop
        if STRATEGY == "ascend" and sol.status.has_solution:
            st.lower = max(st.lower, min(st.upper, horizon))
    if st.lower > st.upper:  # would mean an unsound refutation: never hide it
        status = Status.ERROR
        st.message += f"; lower bound {st.lower} above a verified makespan {st.upper}"
    elif st.lower == st.upper:
        status = Status.OPTIMAL
    elif st.error:
        status = Status.ERROR
    else:
        status = Status.FEASIBLE
    return RCPSPResult(
        status=status,
        makespan=st.upper,
        lower_bound=st.lower,
        seconds=time.perf_counter() - t0,
        root_lp_bound=root,
        schedule=st.schedule,
        heuristic_makespan=heur.makespan,
        formulation=formulation,
        backend=backend,
        nodes=st.nodes,
        message=st.message or "bounds met without a MIP",
    )
