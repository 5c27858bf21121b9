"""Leximin over the phases' leverage: the sequential method of Ogryczak and Śliwiński.

The ``leverage`` objective ranks plans by their leverage vector
``(L_1, ..., L_K)`` sorted ascending, compared lexicographically: first the
smallest leverage, then the second smallest, and so on (``docs/formulation.md``,
Objectives).  Sorting is not linear, but the *sum of the j smallest* values is
(Ogryczak and Śliwiński 2006, "On direct methods for lexicographic min-max
optimization"):

    S_j = max_{r_j, d_j}  j r_j - sum_k d_jk   s.t.  d_jk >= r_j - L_k,  d_jk >= 0,

and the lexicographic maximum of the sorted vector is the lexicographic maximum
of ``(S_1, ..., S_K)``.  :func:`add_levels` writes these columns and rows into a
model; :func:`solve_levels` maximises ``S_1``, fixes it at its optimum (less
:data:`LEVEL_TOL` of its magnitude), maximises ``S_2``, and so on, then runs the
deterministic tie-breaks with every level fixed.  Every level is one exact MIP
solve of the same model with a different objective and one more column bound,
so it works for every backend and formulation (the ``L_k`` columns are mapped
by every builder).

The ``L_k`` columns are upper bounds on the true leverage (each deviation row
bounds them), and ``S_j`` only grows with each ``L_k``; so ``S_j >= v`` in the
model holds exactly when the plan's own sum of its ``j`` smallest leverages is
at least ``v``.  The same rows, with every level's floor lowered to 1 %, define
the plans the phase ranges range over (:mod:`solver.ranges`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from solver.backends.base import Solution, Status
from solver.formulation.common import Built
from solver.model import INF, LinearModel

__all__ = [
    "LEVEL_TOL",
    "LevelColumns",
    "LevelRun",
    "LevelSolver",
    "add_levels",
    "level_floor",
    "level_values",
    "solve_levels",
    "tiebreak_objective",
]

LEVEL_TOL = 1e-6
"""Relative tolerance with which a solved level is fixed before the next one:
``S_j >= S_j* - LEVEL_TOL * max(1, |S_j*|)`` (the backends' own gap, so that a
level proven optimal to within it never makes the next level infeasible)."""

LevelSolver = Callable[[LinearModel, "float | None", "np.ndarray | None"], Solution]
"""``solve(model, time_limit, start) -> Solution``: one MIP solve (``start``: a
feasible value of every column, which a backend may use or ignore)."""


@dataclass(frozen=True)
class LevelColumns:
    """The columns :func:`add_levels` adds (indices into the model).

    Attributes
    ----------
    r : numpy.ndarray
        ``r_j`` (free), ``j = 1..K``: the threshold of level ``j``.
    d : numpy.ndarray
        ``d_jk >= 0``, shape ``(K, K)``: how far ``L_k`` falls below ``r_j``.
    s : numpy.ndarray
        ``S_j`` (free): ``j r_j - sum_k d_jk``, at most the sum of the ``j``
        smallest ``L_k`` (equal when maximised).
    """

    r: np.ndarray
    d: np.ndarray
    s: np.ndarray


def add_levels(model: LinearModel, leverage: np.ndarray | Sequence[int]) -> LevelColumns:
    """Add the level columns and rows of the sum of the ``j`` smallest ``L_k`` to ``model``.

    Per level ``j`` (group ``"leximin"``): ``d_jk - r_j + L_k >= 0`` for every
    phase ``k``, and ``j r_j - sum_k d_jk - S_j = 0``.  The model is changed in
    place (pass a :meth:`~solver.model.LinearModel.copy` to keep the original).

    Parameters
    ----------
    model : LinearModel
        A model with the leverage columns.
    leverage : array_like of int
        The ``L_k`` columns, phase order.

    Returns
    -------
    LevelColumns
        The new columns.

    Examples
    --------
    >>> m = LinearModel("toy")
    >>> lev = [m.add_var(f"L[{k}]", lb=v, ub=v) for k, v in enumerate((3.0, 1.0, 2.0), 1)]
    >>> cols = add_levels(m, lev)
    >>> m.num_vars, m.num_rows, cols.s.tolist()
    (18, 12, [15, 16, 17])
    """
    lev = [int(c) for c in np.asarray(leverage).ravel()]
    kk = len(lev)
    r = np.array([model.add_var(f"lex_r[{j}]", lb=-INF) for j in range(1, kk + 1)], dtype=int)
    d = np.array(
        [[model.add_var(f"lex_d[{j},{k}]") for k in range(1, kk + 1)] for j in range(1, kk + 1)],
        dtype=int,
    ).reshape(kk, kk)
    s = np.array([model.add_var(f"lex_S[{j}]", lb=-INF) for j in range(1, kk + 1)], dtype=int)
    for j in range(kk):
        for k in range(kk):
            model.add_row(
                f"leximin: d[{j + 1},{k + 1}] >= r[{j + 1}] - L[{k + 1}]",
                {int(d[j, k]): 1.0, int(r[j]): -1.0, lev[k]: 1.0},
                lb=0.0,
                group="leximin",
            )
        coefs = {int(r[j]): float(j + 1), int(s[j]): -1.0}
        coefs |= {int(c): -1.0 for c in d[j]}
        model.add_row(
            f"leximin: S[{j + 1}] = sum of the {j + 1} smallest leverages",
            coefs,
            lb=0.0,
            ub=0.0,
            group="leximin",
        )
    return LevelColumns(r=r, d=d, s=s)


def level_values(leverage: np.ndarray | Sequence[float]) -> np.ndarray:
    """``S_j`` of a leverage vector: the sums of its ``j`` smallest entries.

    Parameters
    ----------
    leverage : array_like of float
        ``L_k`` per phase.

    Returns
    -------
    numpy.ndarray
        ``S_1 <= ... `` cumulative sums of the sorted values (``S_1`` is the minimum).

    Examples
    --------
    >>> level_values([3.0, 1.0, 2.0]).tolist()
    [1.0, 3.0, 6.0]
    """
    return np.cumsum(np.sort(np.asarray(leverage, dtype=float)))


def level_floor(value: float, tol: float) -> float:
    """The floor a level is held at: ``value - tol * max(1, |value|)``.

    Parameters
    ----------
    value : float
        The level's optimum.
    tol : float
        Relative tolerance (:data:`LEVEL_TOL` between levels, 0.01 for phase ranges).

    Returns
    -------
    float
        The lower bound on ``S_j``.

    Examples
    --------
    >>> level_floor(200.0, 0.01), level_floor(-200.0, 0.01), level_floor(0.5, 0.01)
    (198.0, -202.0, 0.49)
    """
    return float(value) - tol * max(1.0, abs(float(value)))


def tiebreak_objective(built: Built, n: int) -> np.ndarray:
    """The deterministic tie-break terms of ``built``'s objective, for a model of ``n`` columns.

    The model of a lexicographic objective carries ``Lmin`` plus the
    tie-breaks (``docs/formulation.md``); with the leverage columns zeroed,
    what is left is the tie-breaks alone (earlier steps, less and later
    relief), in whatever encoding the formulation uses.

    Parameters
    ----------
    built : Built
        The built model.
    n : int
        Columns of the (augmented) model the vector is for (``>=`` the built model's).

    Returns
    -------
    numpy.ndarray
        Objective coefficients, zero on every column the builder did not weigh.
    """
    c = np.zeros(n)
    c[: built.model.num_vars] = built.model.obj
    if built.vars.leverage is not None:
        c[np.asarray(built.vars.leverage, dtype=int)] = 0.0
    if built.vars.lmin is not None:
        c[built.vars.lmin] = 0.0
    return c


@dataclass(frozen=True)
class LevelRun:
    """What :func:`solve_levels` found.

    Attributes
    ----------
    solution : Solution
        The last solution with a schedule (the tie-break stage's when every
        stage solved), or level 1's result when level 1 found none.
    values : tuple of float
        The optimum ``S_j*`` of every level solved, in order.
    bound : float or None
        Level 1's proven bound on ``S_1`` (the smallest leverage).
    status : Status
        ``OPTIMAL`` when every level and the tie-break stage were solved to
        optimality; ``FEASIBLE`` when a later stage stopped (time limit or
        trouble) after level 1 found a plan; level 1's status otherwise.
    message : str
        What happened, stage by stage when something stopped.
    seconds : float
        Time in the backend, all stages.
    solves : int
        Backend calls.
    nodes : int or None
        Branch-and-bound nodes summed over the stages that report them.
    """

    solution: Solution
    values: tuple[float, ...]
    bound: float | None
    status: Status
    message: str
    seconds: float
    solves: int
    nodes: int | None


def _objective(n: int, col: int) -> list[float]:
    c = [0.0] * n
    c[col] = 1.0
    return c


def solve_levels(
    model: LinearModel,
    cols: LevelColumns,
    tiebreak: np.ndarray | None,
    solve: LevelSolver,
    *,
    time_limit: float | None = None,
) -> LevelRun:
    """Maximise ``S_1``, fix it, maximise ``S_2``, ..., then the tie-breaks (sequential leximin).

    Level ``j`` is fixed at ``S_j >= level_floor(S_j*, LEVEL_TOL)`` (a bound on
    the ``S_j`` column) before level ``j + 1`` is solved; the previous
    solution stays feasible and is offered to ``solve`` as a start.
    ``model`` is changed in place (objective and the ``S_j`` bounds).

    Parameters
    ----------
    model : LinearModel
        A model with the columns of :func:`add_levels`.
    cols : LevelColumns
        Those columns.
    tiebreak : numpy.ndarray or None
        Objective of the last stage (``None`` or all zeros: no such stage).
    solve : callable
        ``solve(model, time_limit, start) -> Solution`` (:data:`LevelSolver`).
    time_limit : float, optional
        Seconds for the whole sequence; each stage gets what is left.  A
        stage that runs out returns its incumbent (or the previous stage's
        solution) as a ``FEASIBLE`` run.

    Returns
    -------
    LevelRun
        The final solution and what each level reached.
    """
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + time_limit
    n, kk = model.num_vars, len(cols.s)
    stages: list[tuple[str, list[float]]] = [
        (f"level {j + 1} of {kk}", _objective(n, int(cols.s[j]))) for j in range(kk)
    ]
    if tiebreak is not None and np.any(tiebreak):
        stages.append(("the tie-break stage", [float(v) for v in tiebreak]))
    values: list[float] = []
    best: Solution | None = None
    bound: float | None = None
    seconds, solves, nodes = 0.0, 0, None
    status, note, tol = Status.OPTIMAL, "", LEVEL_TOL
    tiebreak_note = ""
    for i, (name, obj) in enumerate(stages):
        model.obj = obj
        while True:
            left = None if deadline is None else deadline - time.perf_counter()
            if left is not None and left <= 0:
                if best is not None:
                    status, note = Status.FEASIBLE, f"time limit reached before {name}"
                    break
                left = 1e-3  # level 1 always runs (and reports its own time limit)
            sol = solve(model, left, None if best is None else best.x)
            seconds += sol.seconds
            solves += 1
            if sol.nodes is not None:
                nodes = (nodes or 0) + sol.nodes
            if best is None or sol.status is not Status.INFEASIBLE or tol >= LEVEL_TOL * 100:
                break
            # The previous plan meets every floor, so "infeasible" is the backend's
            # numerics (seen with floors of -1e-6 on an all-zero leverage vector):
            # loosen every floor tenfold and solve the stage again (twice at most).
            tol *= 10
            model.set_bounds(cols.s[: len(values)], lb=[level_floor(v, tol) for v in values])
        if status is not Status.OPTIMAL:
            break
        if i == 0:
            bound = sol.bound
        if sol.x is None or not sol.status.has_solution:
            if best is None:  # level 1 found nothing: its result is the answer
                return LevelRun(sol, (), sol.bound, sol.status, sol.message, seconds, 1, nodes)
            if i >= kk:  # every level is proven; only the cosmetic tie-breaks failed
                tiebreak_note = f"; the tie-break stage found no solution ({sol.message})"
                break
            status, note = Status.FEASIBLE, f"{name} found no solution ({sol.message})"
            break
        best = sol
        if i < kk:
            value = float(sol.x[int(cols.s[i])])
            values.append(value)
            model.set_bounds([int(cols.s[i])], lb=level_floor(value, tol))
        if sol.status is not Status.OPTIMAL:
            status, note = Status.FEASIBLE, f"{name} stopped before optimality ({sol.message})"
            break
    assert best is not None
    loosened = (
        ""
        if tol == LEVEL_TOL
        else f"; levels held to {tol:g} of their value after a numerically infeasible stage"
    )
    if status is Status.OPTIMAL:
        message = (
            f"leximin: {kk} levels and the tie-breaks solved to optimality{loosened} "
            f"({best.message})"
            if not tiebreak_note
            else f"leximin: {kk} levels solved to optimality{loosened}{tiebreak_note}"
        )
    else:
        message = (
            f"leximin: {note}; the plan is the best found with {len(values)} of {kk} levels "
            f"fixed (only the levels before that stage are proven optimal){loosened}"
        )
    return LevelRun(best, tuple(values), bound, status, message, seconds, solves, nodes)
