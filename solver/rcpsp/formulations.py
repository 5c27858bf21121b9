"""Time-indexed MILP formulations of makespan minimization for the RCPSP.

Time runs in integer periods ``0 .. T`` where the horizon ``T`` is the makespan
of a heuristic schedule.  Each job ``j`` may only start inside its window
``[ES_j, LS_j]`` from the critical-path passes (``LS_j = T - q_j`` with ``q_j``
the longest path from ``j``'s start to the end).  Three formulations:

``"step"``
    ``x[j,t] = 1`` if job ``j`` is finished by ``t`` (monotone in ``t``);
    precedence ``x[j,t] <= x[i,t-d_j]`` for every arc and period (the
    disaggregated form of Christofides, Alvarez-Valdes and Tamarit 1987 written
    in cumulative "step" variables as in Artigues 2017).
``"pulse"``
    ``s[j,t] = 1`` if job ``j`` starts at ``t`` (Pritsker, Watters and Wolfe
    1969); precedence disaggregated per period as cumulative sums of pulses.
``"aggregated"``
    The pulse variables with one precedence row per arc on the start times,
    ``sum_t t s[j,t] - sum_t t s[i,t] >= d_i``: the weak form.

All three share the per-period resource rows and give the same optimum;
``docs/rcpsp.md`` writes out the equations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from solver.model import LinearModel
from solver.rcpsp.cliques import conflict_cliques
from solver.rcpsp.psplib import RCPSPInstance
from solver.rcpsp.sgs import earliest_starts, latest_starts

__all__ = [
    "RCPSP_FORMULATIONS",
    "TimeIndexedModel",
    "build_rcpsp_model",
    "lp_relaxation",
    "rcpsp_root_lp_bound",
]

RCPSP_FORMULATIONS: tuple[str, ...] = ("step", "pulse", "aggregated")
"""Formulation names accepted by :func:`build_rcpsp_model`."""


Expr = tuple[dict[int, float], float]
"""A linear expression: column coefficients and a constant."""


@dataclass(frozen=True)
class TimeIndexedModel:
    """A built time-indexed model and what is needed to map schedules to columns.

    Attributes
    ----------
    model : LinearModel
        The MILP (minimize the sink's start, i.e. the makespan).
    formulation : str
        One of :data:`RCPSP_FORMULATIONS`.
    instance : RCPSPInstance
        The instance it was built from.
    horizon : int
        The makespan bound ``T`` the windows were computed from.
    es, ls : tuple of int
        Start windows ``[ES_j, LS_j]``.
    cols : tuple of tuple of int
        Column indices of each job: for ``"step"`` the variables ``x[j,t]``,
        ``t = ES_j+d_j .. LS_j+d_j-1``; otherwise ``s[j,t]``, ``t = ES_j .. LS_j``.
    """

    model: LinearModel
    formulation: str
    instance: RCPSPInstance
    horizon: int
    es: tuple[int, ...]
    ls: tuple[int, ...]
    cols: tuple[tuple[int, ...], ...]

    def decode(self, x: np.ndarray) -> tuple[int, ...]:
        """Start time of every job from a (near-)integral solution vector.

        Parameters
        ----------
        x : numpy.ndarray
            Column values (rounded to the nearest integer here).

        Returns
        -------
        tuple of int
            Start period of every job.
        """
        starts = []
        for j, cols in enumerate(self.cols):
            vals = np.rint(np.asarray(x)[list(cols)]) if cols else np.zeros(0)
            if self.formulation == "step":
                finish = self.ls[j] + self.instance.durations[j] - int(vals.sum())
                starts.append(finish - self.instance.durations[j])
            else:
                starts.append(self.es[j] + (int(np.argmax(vals)) if cols else 0))
        return tuple(starts)

    def encode(self, starts: Sequence[int]) -> np.ndarray:
        """Column values representing the schedule ``starts``.

        Parameters
        ----------
        starts : sequence of int
            Start period of every job, inside its window ``[ES_j, LS_j]``.

        Returns
        -------
        numpy.ndarray
            A 0/1 vector (a MIP start when the schedule is feasible).

        Raises
        ------
        ValueError
            If a start lies outside its window.
        """
        x = np.zeros(self.model.num_vars)
        for j, cols in enumerate(self.cols):
            if not self.es[j] <= starts[j] <= self.ls[j]:
                raise ValueError(
                    f"job {j + 1} starts at {starts[j]}, outside [{self.es[j]}, {self.ls[j]}]"
                )
            if self.formulation == "step":
                first = self.es[j] + self.instance.durations[j]
                finish = starts[j] + self.instance.durations[j]
                for k, c in enumerate(cols):
                    x[c] = 1.0 if first + k >= finish else 0.0
            elif cols:
                x[cols[starts[j] - self.es[j]]] = 1.0
        return x


class _Builder:
    """Shared state while building one model."""

    def __init__(
        self,
        inst: RCPSPInstance,
        formulation: str,
        horizon: int,
        windows: tuple[Sequence[int], Sequence[int]] | None = None,
    ) -> None:
        self.inst = inst
        self.formulation = formulation
        self.horizon = horizon
        if windows is None:
            self.es = earliest_starts(inst)
            self.ls = latest_starts(inst, horizon)
        else:
            self.es, self.ls = list(windows[0]), list(windows[1])
        if inst.durations[0] == 0 and not inst.predecessors[0]:
            self.ls[0] = 0  # a dummy source can always start at 0
        self.model = LinearModel(f"rcpsp-{formulation}-{inst.name}", maximize=False)
        self.cols: list[tuple[int, ...]] = []

    def add_columns(self) -> None:
        """One binary per job and period of its window."""
        for j in self.inst.jobs:
            d, lo, hi = self.inst.durations[j], self.es[j], self.ls[j]
            if self.formulation == "step":
                names = [f"x[{j},{t}]" for t in range(lo + d, hi + d)]
            else:
                names = [f"s[{j},{t}]" for t in range(lo, hi + 1)]
            self.cols.append(tuple(self.model.add_var(n, ub=1.0, integer=True) for n in names))

    def done_by(self, j: int, t: int) -> Expr:
        """``x[j,t]`` (step) or the number of pulses in ``[ES_j, t-d_j]`` (pulse)."""
        d, lo, hi = self.inst.durations[j], self.es[j], self.ls[j]
        if t - d < lo:
            return {}, 0.0
        if t - d >= hi:
            return {}, 1.0
        if self.formulation == "step":
            return {self.cols[j][t - d - lo]: 1.0}, 0.0
        return {c: 1.0 for c in self.cols[j][: t - d - lo + 1]}, 0.0

    def add_row(
        self, name: str, expr: Expr, *, lb: float = -np.inf, ub: float = np.inf, group: str
    ) -> None:
        """Add ``lb <= expr <= ub``; skip rows without columns that hold anyway."""
        coefs, const = expr
        if not coefs and lb - 1e-9 <= const <= ub + 1e-9:
            return
        self.model.add_row(name, coefs, lb=lb - const, ub=ub - const, group=group)


def _combine(*terms: tuple[float, Expr]) -> Expr:
    coefs: dict[int, float] = {}
    const = 0.0
    for w, (c, k) in terms:
        const += w * k
        for col, v in c.items():
            coefs[col] = coefs.get(col, 0.0) + w * v
    return coefs, const


def _assignment_and_objective(b: _Builder) -> None:
    inst, sink = b.inst, b.inst.n_jobs - 1
    if b.formulation == "step":
        for j, cols in enumerate(b.cols):
            for k in range(len(cols) - 1):
                b.add_row(
                    f"mono[{j},{k}]",
                    ({cols[k]: 1.0, cols[k + 1]: -1.0}, 0.0),
                    ub=0.0,
                    group="monotone",
                )
        b.model.obj_constant = float(b.ls[sink] + inst.durations[sink])
        for c in b.cols[sink]:
            b.model.obj[c] = -1.0
        return
    for j, cols in enumerate(b.cols):
        b.add_row(f"once[{j}]", ({c: 1.0 for c in cols}, 0.0), lb=1.0, ub=1.0, group="assignment")
    for k, c in enumerate(b.cols[sink]):
        b.model.obj[c] = float(b.es[sink] + k)


def _start_expr(b: _Builder, j: int) -> Expr:
    return {c: float(b.es[j] + k) for k, c in enumerate(b.cols[j])}, 0.0


def _precedence(b: _Builder) -> None:
    inst = b.inst
    for i, j in inst.arcs:
        di, dj = inst.durations[i], inst.durations[j]
        if b.formulation == "aggregated":
            expr = _combine((1.0, _start_expr(b, j)), (-1.0, _start_expr(b, i)))
            b.add_row(f"prec[{i},{j}]", expr, lb=float(di), group="precedence")
            continue
        # j done by t  =>  i done by t - d_j (both sides as "done-by" expressions)
        for t in range(b.es[j] + dj, b.ls[j] + dj):
            expr = _combine((1.0, b.done_by(j, t)), (-1.0, b.done_by(i, t - dj)))
            b.add_row(f"prec[{i},{j},{t}]", expr, ub=0.0, group="precedence")


def _running(b: _Builder, j: int, t: int) -> Expr:
    """1 if job ``j`` runs in period ``t``: done by ``t + d_j`` but not by ``t``."""
    return _combine((1.0, b.done_by(j, t + b.inst.durations[j])), (-1.0, b.done_by(j, t)))


def _resources(b: _Builder) -> None:
    inst = b.inst
    for r, cap in enumerate(inst.capacities):
        users = [j for j in inst.jobs if inst.demands[j][r] > 0 and inst.durations[j] > 0]
        for t in range(b.horizon):
            terms = []
            for j in users:
                if b.es[j] <= t < b.ls[j] + inst.durations[j]:
                    terms.append((float(inst.demands[j][r]), _running(b, j, t)))
            if terms:
                b.add_row(f"cap[{r},{t}]", _combine(*terms), ub=float(cap), group="resource")


def _cliques(b: _Builder) -> None:
    inst = b.inst
    for k, clique in enumerate(conflict_cliques(inst)):
        for t in range(b.horizon):
            terms = [
                (1.0, _running(b, j, t))
                for j in clique
                if b.es[j] <= t < b.ls[j] + inst.durations[j]
            ]
            if len(terms) >= 2:
                b.add_row(f"clique[{k},{t}]", _combine(*terms), ub=1.0, group="clique")


def build_rcpsp_model(
    inst: RCPSPInstance,
    *,
    horizon: int,
    formulation: str = "step",
    cliques: bool = True,
    windows: tuple[Sequence[int], Sequence[int]] | None = None,
) -> TimeIndexedModel:
    """Build the time-indexed makespan model of ``inst``.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    horizon : int
        Upper bound on the makespan (e.g. a heuristic schedule's); windows and
        periods are cut to it, so a schedule of this length must exist.
    formulation : {"step", "pulse", "aggregated"}
        Which formulation (see the module docstring).
    cliques : bool, optional
        Add ``sum_{j in C} running_j(t) <= 1`` for every clique ``C`` of
        :func:`solver.rcpsp.cliques.conflict_cliques` and period ``t`` (valid inequalities, same in
        every formulation; they raise the LP bound a lot on tight instances).
    windows : tuple of (sequence of int, sequence of int), optional
        Start windows ``(ES, LS)`` to use instead of the critical-path ones, e.g.
        from :func:`solver.rcpsp.propagate.propagate` at the same horizon.  They
        must contain the start of every schedule the model should admit, be
        precedence-consistent (``ES_j >= ES_i + d_i``, ``LS_i <= LS_j - d_i``) and
        satisfy ``LS_{n-1} <= horizon``.

    Returns
    -------
    TimeIndexedModel
        The model (objective: the makespan) and the column map.

    Raises
    ------
    ValueError
        For an unknown formulation or a horizon below the critical path.

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> tim = build_rcpsp_model(inst, horizon=5, formulation="pulse")
    >>> tim.model.num_vars, tim.decode(tim.encode((0, 0, 2, 5)))
    (11, (0, 0, 2, 5))
    """
    if formulation not in RCPSP_FORMULATIONS:
        raise ValueError(
            f"unknown formulation {formulation!r}; choose one of {', '.join(RCPSP_FORMULATIONS)}"
        )
    b = _Builder(inst, formulation, horizon, windows)
    if min(b.ls[j] - b.es[j] for j in inst.jobs) < 0:
        if windows is None:
            raise ValueError(f"horizon {horizon} is below the critical path length {b.es[-1]}")
        raise ValueError(f"the windows given for horizon {horizon} include an empty one")
    b.add_columns()
    _assignment_and_objective(b)
    _precedence(b)
    _resources(b)
    if cliques:
        _cliques(b)
    return TimeIndexedModel(
        b.model, formulation, inst, horizon, tuple(b.es), tuple(b.ls), tuple(b.cols)
    )


def rcpsp_root_lp_bound(tim: TimeIndexedModel) -> float:
    """Optimal value of the LP relaxation (integrality dropped, no cuts).

    Solved with :func:`scipy.optimize.linprog` and HiGHS's interior-point method
    (these time-indexed LPs are highly degenerate; IPM is several times faster
    than simplex on them).

    Parameters
    ----------
    tim : TimeIndexedModel
        A built model.

    Returns
    -------
    float
        The LP relaxation's minimum makespan (``nan`` if HiGHS fails or the
        relaxation is infeasible).
    """
    return lp_relaxation(tim)[1]


def lp_relaxation(
    tim: TimeIndexedModel, *, method: str = "highs-ipm", time_limit: float | None = None
) -> tuple[str, float]:
    """Solve the LP relaxation and say whether it is feasible.

    Parameters
    ----------
    tim : TimeIndexedModel
        A built model.
    method : str, optional
        :func:`scipy.optimize.linprog` method (``"highs-ipm"``, ``"highs-ds"``, ...).
    time_limit : float, optional
        Seconds for HiGHS (an interrupted solve counts as ``"error"``).

    Returns
    -------
    tuple of (str, float)
        ``("optimal", value)``, ``("infeasible", nan)`` when HiGHS proves the
        relaxation infeasible, or ``("error", nan)`` for anything else.
    """
    m = tim.model
    if m.num_vars == 0:
        return "optimal", m.obj_constant
    a = m.arrays()
    mat = m.matrix()
    rl, ru = a["row_lb"], a["row_ub"]
    eq = rl == ru
    up = np.isfinite(ru) & ~eq
    lo = np.isfinite(rl) & ~eq
    res = linprog(
        a["c"],
        A_ub=sp.vstack([mat[up], -mat[lo]]).tocsr() if (up | lo).any() else None,
        b_ub=np.concatenate([ru[up], -rl[lo]]) if (up | lo).any() else None,
        A_eq=mat[eq] if eq.any() else None,
        b_eq=ru[eq] if eq.any() else None,
        bounds=np.column_stack([a["lb"], a["ub"]]),
        method=method,
        options={} if time_limit is None else {"time_limit": float(time_limit)},
    )
    if res.status == 0:
        return "optimal", float(res.fun) + m.obj_constant
    if res.status == 2:
        return "infeasible", float("nan")
    return "error", float("nan")
