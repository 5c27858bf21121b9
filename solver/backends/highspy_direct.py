"""HiGHS through ``highspy.Highs`` directly, with an optional MIP start.

Unlike :mod:`solver.backends.highs_scipy`, this adapter hands HiGHS the column-wise
matrix itself (``passModel``), can pass a feasible starting solution
(``setSolution``), and reads the dual bound and node count from ``getInfo``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping, Sequence

import highspy
import numpy as np

from solver.backends.base import (
    Solution,
    Status,
    StatusTable,
    error_solution,
    model_trouble,
    quiet_stdout,
    resolve_status,
)
from solver.model import LinearModel
from solver.tolerances import FEAS_TOL, MIP_REL_GAP

__all__ = ["STATUS_TABLE", "HighsSession", "map_status", "quiet_stdout", "solve_highspy"]

_MS = highspy.HighsModelStatus

# HighsModelStatus -> Status; every limit (time, iterations, solutions, objective bound or
# target, interrupt) is TIME_LIMIT, FEASIBLE with an incumbent (resolve_status).
STATUS_TABLE: StatusTable = {
    _MS.kNotset: Status.ERROR,
    _MS.kLoadError: Status.ERROR,
    _MS.kModelError: Status.ERROR,
    _MS.kPresolveError: Status.ERROR,
    _MS.kSolveError: Status.ERROR,
    _MS.kPostsolveError: Status.ERROR,
    _MS.kModelEmpty: Status.OPTIMAL,
    _MS.kOptimal: Status.OPTIMAL,
    _MS.kInfeasible: Status.INFEASIBLE,
    _MS.kUnboundedOrInfeasible: Status.INFEASIBLE,
    _MS.kUnbounded: Status.UNBOUNDED,
    _MS.kObjectiveBound: Status.TIME_LIMIT,
    _MS.kObjectiveTarget: Status.TIME_LIMIT,
    _MS.kTimeLimit: Status.TIME_LIMIT,
    _MS.kIterationLimit: Status.TIME_LIMIT,
    _MS.kUnknown: Status.ERROR,
    _MS.kSolutionLimit: Status.TIME_LIMIT,
    _MS.kInterrupt: Status.TIME_LIMIT,
    _MS.kMemoryLimit: Status.ERROR,
}
if hasattr(_MS, "kHighsInterrupt"):  # newer highspy: HiGHS stopped itself, not at a limit
    STATUS_TABLE = {**STATUS_TABLE, _MS.kHighsInterrupt: Status.ERROR}


def map_status(model_status: highspy.HighsModelStatus, has_x: bool) -> Status:
    """Map a ``HighsModelStatus`` to :class:`Status` through :data:`STATUS_TABLE`.

    Parameters
    ----------
    model_status : highspy.HighsModelStatus
        ``Highs.getModelStatus()``.
    has_x : bool
        Whether HiGHS holds a feasible primal solution (an incumbent).

    Returns
    -------
    Status
        ``FEASIBLE`` for a limit hit with an incumbent; ``ERROR`` for statuses
        missing from the table (see :func:`solver.backends.base.resolve_status`).

    Examples
    --------
    >>> map_status(highspy.HighsModelStatus.kTimeLimit, True).value
    'feasible'
    >>> map_status(highspy.HighsModelStatus.kTimeLimit, False).value
    'time_limit'
    """
    return resolve_status(STATUS_TABLE, model_status, has_x)


def _to_lp(model: LinearModel) -> highspy.HighsLp:
    a = model.arrays()
    csc = model.matrix().tocsc()
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = model.num_vars
    lp.num_row_ = model.num_rows
    lp.col_cost_ = a["c"]
    lp.col_lower_ = np.maximum(a["lb"], -inf)
    lp.col_upper_ = np.minimum(a["ub"], inf)
    lp.row_lower_ = np.maximum(a["row_lb"], -inf)
    lp.row_upper_ = np.minimum(a["row_ub"], inf)
    lp.offset_ = model.obj_constant
    lp.sense_ = highspy.ObjSense.kMaximize if model.maximize else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr
    lp.a_matrix_.index_ = csc.indices
    lp.a_matrix_.value_ = csc.data
    kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
    lp.integrality_ = [kinds[int(k)] for k in a["integrality"]]
    return lp


def _new_highs(time_limit: float | None, presolve: bool = False) -> highspy.Highs:
    with quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "on" if presolve else "off")
    h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    return h


def _set_start(h: highspy.Highs, start: np.ndarray) -> None:
    sol = highspy.HighsSolution()
    sol.col_value = [float(v) for v in start]
    sol.value_valid = True
    h.setSolution(sol)


def solve_highspy(
    model: LinearModel,
    *,
    time_limit: float | None = None,
    start: np.ndarray | None = None,
    presolve: bool = False,
    deadline: float | None = None,
) -> Solution:
    """Solve ``model`` with ``highspy.Highs``, optionally from a MIP start.

    Parameters
    ----------
    model : LinearModel
        The model to solve.
    time_limit : float, optional
        Wall-clock limit in seconds.
    start : numpy.ndarray, optional
        A (preferably feasible) value for every column, passed with
        ``setSolution``; HiGHS uses it as its first incumbent if it is feasible.
    presolve : bool, optional
        HiGHS presolve, off by default: with highspy 1.16 it returned wrong
        "optimal" answers on time-indexed RCPSP models (PSPLIB j3037_5: 82
        proven "optimal", true optimum 80; scipy's HiGHS, CBC and presolve-off
        highspy all give 80).
    deadline : float, optional
        A :func:`time.perf_counter` instant after which HiGHS's interrupt
        callbacks (MIP, simplex, interior point) stop the solve, as a guard
        beside ``time_limit``; an interrupted solve maps to ``TIME_LIMIT`` (or
        ``FEASIBLE`` with an incumbent).  HiGHS polls these callbacks between
        phases, so the stop is prompt only as far as HiGHS checks them.

    Returns
    -------
    Solution
        The mapped result (``bound`` is ``mip_dual_bound``, ``nodes`` is
        ``mip_node_count``); never raises for solver trouble.
    """
    trouble = model_trouble(model)
    if trouble is not None:
        return error_solution("highspy", f"HiGHS via highspy: model error: {trouble}")
    t0 = time.perf_counter()
    sol = _solve_once(model, time_limit, start, presolve, deadline)
    if start is not None and "mismatch" in sol.message:
        # HiGHS 1.16 can return the postsolved MIP start while reporting the objective
        # of a better solution it found in the presolved space (seen on PSPLIB
        # j302_2: start 53, reported and proven 51).  Solve again without the start.
        left = None if time_limit is None else max(0.1, time_limit - sol.seconds)
        retry = _solve_once(model, left, None, presolve, deadline)
        sol = dataclasses.replace(retry, message=f"{retry.message}; re-solved without the "
                                  f"MIP start after: {sol.message}")  # fmt: skip
    return dataclasses.replace(sol, seconds=time.perf_counter() - t0)


def _solve_once(
    model: LinearModel,
    time_limit: float | None,
    start: np.ndarray | None,
    presolve: bool,
    deadline: float | None = None,
) -> Solution:
    h = _new_highs(time_limit, presolve)
    t0 = time.perf_counter()
    if h.passModel(_to_lp(model)) == highspy.HighsStatus.kError:
        return _refused(model, time.perf_counter() - t0)
    if start is not None:
        _set_start(h, np.asarray(start, dtype=float))
    if deadline is not None:
        _interrupt_at(h, deadline)
    with quiet_stdout():  # HiGHS prints stray debug lines from C (breaking --json)
        h.run()
    return _read(h, model, time.perf_counter() - t0)


def _refused(model: LinearModel, seconds: float) -> Solution:
    """HiGHS refused the model in ``passModel`` (it would then solve an empty one)."""
    return error_solution(
        "highspy",
        f"HiGHS via highspy: model error: passModel refused the {model.num_rows} x "
        f"{model.num_vars} model (HighsStatus.kError)",
        seconds,
    )


def _interrupt_at(h: highspy.Highs, deadline: float) -> None:
    """Subscribe interrupt callbacks that stop ``h`` once ``deadline`` has passed."""

    def stop(event: highspy.HighsCallbackEvent) -> None:
        if time.perf_counter() > deadline:
            event.interrupt()

    h.cbMipInterrupt.subscribe(stop)
    h.cbSimplexInterrupt.subscribe(stop)
    h.cbIpmInterrupt.subscribe(stop)


def _read(
    h: highspy.Highs,
    model: LinearModel,
    seconds: float,
    expand: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Solution:
    """Map the state of ``h`` after ``run`` to a :class:`Solution` (with the objective guard).

    ``expand`` maps HiGHS's column values to ``model``'s (when HiGHS solved a
    reduced model).
    """
    raw = h.getModelStatus()
    info = h.getInfo()
    has_x = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
    status = map_status(raw, has_x)
    x = np.asarray(h.getSolution().col_value, dtype=float) if status.has_solution else None
    if x is not None and expand is not None:
        x = expand(x)
    objective = None if x is None else model.objective_value(x)
    message = f"HiGHS via highspy: {h.modelStatusToString(raw)} ({raw.name})"
    reported = float(info.objective_function_value)
    if objective is not None and abs(objective - reported) > FEAS_TOL * max(1.0, abs(reported)):
        # never claim optimality for a solution whose value is not the proven one
        status = Status.FEASIBLE
        message += (
            f"; objective mismatch: HiGHS reports {reported:g}, its solution is {objective:g}"
        )
    bound: float | None = float(info.mip_dual_bound) if any(model.integer) else None
    if bound is None or not math.isfinite(bound):
        bound = objective if status is Status.OPTIMAL else None
    nodes = int(info.mip_node_count) if info.mip_node_count >= 0 else None
    return Solution(status, message, x, objective, bound, nodes, seconds, "highspy")


SMALL_SESSION_COLUMNS = 2000
"""Up to this many columns (after the fixings) a :class:`HighsSession` also
turns off HiGHS's primal heuristics and symmetry detection
(``_SMALL_MIP_OPTIONS``): the default model's sweep variants are solved at the
root node, where these cost about 1 ms of a 5 ms solve; on 300 sampled
variants the optimum was the same with and without them
(``benchmarks/README.md``)."""

_SMALL_MIP_OPTIONS: list[tuple[str, bool | float | str]] = [
    ("mip_heuristic_effort", 0.0),
    ("mip_heuristic_run_rins", False),
    ("mip_heuristic_run_rens", False),
    ("mip_heuristic_run_root_reduced_cost", False),
    ("mip_detect_symmetry", False),
]


class HighsSession:
    """One ``highspy.Highs`` re-solving models that share a sparsity pattern.

    Made for sensitivity sweeps: the column-wise structure (column starts, row
    indices and the permutation from the model's coefficient order) is
    computed once from ``pattern``; each :meth:`solve` passes only new
    numbers.  Columns in ``fixed`` (values implied by the structure alone, see
    :func:`solver.presolve.implied_fixings`) are left out of what
    HiGHS sees, their contribution moved into the row bounds and the
    objective offset, and rows in ``drop_rows`` (redundant in every model of
    the pattern) are left out too.  Columns in ``merge`` (equal to another
    column in every feasible solution, see
    :func:`solver.presolve.implied_equalities`) share their
    representative's HiGHS column: coefficients in a row add up, costs add up
    and bounds intersect.  Solutions are mapped back to every column.
    HiGHS runs single-threaded (sweeps parallelise across processes) and
    without the feasibility-jump heuristic, which costs more than it saves on
    small sequencing models.  HiGHS presolve is an option (off by default, as
    in :func:`solve_highspy`); the sweep's :class:`~solver.resolver.Resolver`
    turns it on for relief models, where it solves each leximin level about
    2.5 times faster with the same answers (``benchmarks/README.md``; checked
    against presolve off in ``tests/unit/test_resolver.py``).

    Parameters
    ----------
    pattern : LinearModel
        Any model with the shared pattern (e.g. a template's).
    fixed : Mapping[int, float], optional
        Column index -> value every model of the pattern forces.
    drop_rows : sequence of bool, optional
        Per row, whether it can never bind in any model of the pattern (see
        :func:`solver.presolve.redundant_rows`); default: none.
    merge : Mapping[int, int], optional
        Column index -> the column it always equals (a representative that is
        neither fixed nor merged itself); default: none.
    time_limit : float, optional
        Wall-clock limit per solve, in seconds.
    presolve : bool, optional
        HiGHS presolve (default off).

    Raises
    ------
    ValueError
        If ``merge`` maps a fixed column, or to a fixed or merged one.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> from solver.formulation import step
    >>> m = step.build(load_scenario(default_scenario_path())).model
    >>> sess = HighsSession(m)
    >>> sess.solve(m).status.value
    'optimal'
    """

    def __init__(
        self,
        pattern: LinearModel,
        *,
        fixed: Mapping[int, float] | None = None,
        drop_rows: Sequence[bool] | np.ndarray | None = None,
        merge: Mapping[int, int] | None = None,
        time_limit: float | None = None,
        presolve: bool = False,
    ) -> None:
        n, m_rows = pattern.num_vars, pattern.num_rows
        rows, cols, _ = pattern.coo()
        fixed = dict(fixed or {})
        merge = dict(merge or {})
        if set(merge) & set(fixed) or set(merge.values()) & (set(merge) | set(fixed)):
            raise ValueError("merged columns must map to kept, unfixed representatives")
        self._fixed_cols = np.array(sorted(fixed), dtype=np.int64)
        self._fixed_vals = np.array([fixed[j] for j in self._fixed_cols.tolist()], dtype=float)
        is_fixed = np.zeros(n, dtype=bool)
        is_fixed[self._fixed_cols] = True
        is_merged = np.zeros(n, dtype=bool)
        is_merged[list(merge)] = True
        self._keep = np.nonzero(~is_fixed & ~is_merged)[0]
        new_col = np.full(n, -1, dtype=np.int64)
        new_col[self._keep] = np.arange(len(self._keep))
        for j, rep in merge.items():
            new_col[j] = new_col[rep]
        self._live_cols = np.nonzero(~is_fixed)[0]  # every column HiGHS's columns stand for
        self._col_of = new_col[self._live_cols]
        live = ~is_fixed[cols]
        drop = np.zeros(m_rows, dtype=bool) if drop_rows is None else np.asarray(drop_rows)
        self._row_keep = np.nonzero(~drop)[0]
        new_row = np.full(m_rows, -1, dtype=np.int64)
        new_row[self._row_keep] = np.arange(len(self._row_keep))
        # nonzeros HiGHS sees: merged columns add up in one slot, in column-wise order
        self._nz = np.nonzero(live & ~drop[rows])[0]
        nr = len(self._row_keep)
        slot_key = new_col[cols[self._nz]] * nr + new_row[rows[self._nz]]
        keys, self._slot = np.unique(slot_key, return_inverse=True)
        self._index = (keys % nr).astype(np.int32)
        counts = np.bincount(keys // nr, minlength=len(self._keep))
        self._start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        # nonzeros on fixed columns shift their row's bounds by coefficient * value
        fz = np.nonzero(~live)[0]
        self._shift_nz, self._shift_row = fz, rows[fz]
        self._shift_val = self._fixed_vals[np.searchsorted(self._fixed_cols, cols[fz])]
        self._shape = (m_rows, n, len(rows))
        self._lp: highspy.HighsLp | None = None  # the last model passed, reused by refills
        self._bounds_version: int | None = None  # LinearModel.bounds_version of its bounds
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        self._integrality = [kinds[int(pattern.integer[j])] for j in self._keep.tolist()]
        with quiet_stdout():
            self._h = highspy.Highs()
        options: list[tuple[str, bool | float | str]] = [
            ("output_flag", False),
            ("presolve", "on" if presolve else "off"),
            ("threads", 1),
            ("mip_rel_gap", MIP_REL_GAP),
            ("mip_heuristic_run_feasibility_jump", False),
        ]
        if len(self._keep) <= SMALL_SESSION_COLUMNS:
            options += _SMALL_MIP_OPTIONS
        for key, value in options:
            self._h.setOptionValue(key, value)
        if time_limit is not None:
            self._h.setOptionValue("time_limit", float(time_limit))

    @property
    def size(self) -> tuple[int, int]:
        """``(rows, columns)`` HiGHS sees after the fixings."""
        return len(self._row_keep), len(self._keep)

    def _expand(self, x: np.ndarray) -> np.ndarray:
        full = np.zeros(self._shape[1])
        full[self._live_cols] = x[self._col_of]
        full[self._fixed_cols] = self._fixed_vals
        return full

    def solve(self, model: LinearModel) -> Solution:
        """Solve ``model``, which must have the session's pattern.

        Parameters
        ----------
        model : LinearModel
            The model (same rows, columns and nonzero positions as ``pattern``).

        Returns
        -------
        Solution
            As :func:`solve_highspy` returns it, with values for every column
            of ``model``.

        Raises
        ------
        ValueError
            If the model's shape differs from the pattern's.
        """
        if (model.num_rows, model.num_vars, model.num_nonzeros) != self._shape:
            raise ValueError("the model's shape differs from the session's pattern")
        inf = highspy.kHighsInf
        vals = model.nonzero_values()
        cost = np.asarray(model.obj, dtype=float)
        shift = np.bincount(
            self._shift_row, vals[self._shift_nz] * self._shift_val, minlength=self._shape[0]
        )[self._row_keep]
        lp = self._lp
        if lp is None or model.bounds_version != self._bounds_version:
            # first model, or column bounds other than the previous model's (a refill
            # keeps them): set everything that only depends on the pattern and bounds
            nk, live, col_of = len(self._keep), self._live_cols, self._col_of
            lower = np.full(nk, -inf)
            upper = np.full(nk, inf)
            np.maximum.at(lower, col_of, np.asarray(model.lb, dtype=float)[live])
            np.minimum.at(upper, col_of, np.asarray(model.ub, dtype=float)[live])
            lp = highspy.HighsLp()
            lp.num_col_ = nk
            lp.num_row_ = len(self._row_keep)
            lp.col_lower_ = lower
            lp.col_upper_ = upper
            lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
            lp.a_matrix_.start_ = self._start
            lp.a_matrix_.index_ = self._index
            lp.integrality_ = self._integrality
            self._lp, self._bounds_version = lp, model.bounds_version
        lp.col_cost_ = np.asarray(
            np.bincount(self._col_of, cost[self._live_cols], minlength=lp.num_col_), dtype=float
        )
        lp.row_lower_ = np.maximum(np.asarray(model.row_lb)[self._row_keep] - shift, -inf)
        lp.row_upper_ = np.minimum(np.asarray(model.row_ub)[self._row_keep] - shift, inf)
        lp.offset_ = model.obj_constant + float(cost[self._fixed_cols] @ self._fixed_vals)
        lp.sense_ = highspy.ObjSense.kMaximize if model.maximize else highspy.ObjSense.kMinimize
        lp.a_matrix_.value_ = np.asarray(
            np.bincount(self._slot, vals[self._nz], minlength=len(self._index)), dtype=float
        )
        trouble = model_trouble(model)
        if trouble is not None:
            return error_solution("highspy", f"HiGHS via highspy: model error: {trouble}")
        t0 = time.perf_counter()
        if self._h.passModel(lp) == highspy.HighsStatus.kError:
            return _refused(model, time.perf_counter() - t0)
        with quiet_stdout():  # stray debug lines from C would reach stdout
            ran = self._h.run()
        if ran == highspy.HighsStatus.kError and (
            self._h.getModelStatus() == highspy.HighsModelStatus.kNotset
        ):
            # HiGHS's thread pool is per process; an earlier instance started it with
            # more threads than this session's one, and HiGHS refuses to run.  Restart it.
            highspy.Highs.resetGlobalScheduler(True)
            with quiet_stdout():
                self._h.run()
        return _read(self._h, model, time.perf_counter() - t0, self._expand)
