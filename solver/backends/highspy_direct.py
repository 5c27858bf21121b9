"""HiGHS through ``highspy.Highs`` directly, with an optional MIP start.

Unlike :mod:`solver.backends.highs_scipy`, this adapter hands HiGHS the column-wise
matrix itself (``passModel``), can pass a feasible starting solution
(``setSolution``), and reads the dual bound and node count from ``getInfo``.
"""

from __future__ import annotations

import dataclasses
import math
import time

import highspy
import numpy as np

from solver.backends.base import Solution, Status, quiet_stdout
from solver.model import LinearModel
from solver.tolerances import FEAS_TOL, MIP_REL_GAP

__all__ = ["HighsSession", "map_status", "quiet_stdout", "solve_highspy"]

_MS = highspy.HighsModelStatus

# HighsModelStatus -> (Status, whether a limit was hit).  A limit with an incumbent
# becomes Status.FEASIBLE, without one Status.TIME_LIMIT (see map_status).
_HIGHS_STATUS: dict[highspy.HighsModelStatus, tuple[Status, bool]] = {
    _MS.kNotset: (Status.ERROR, False),
    _MS.kLoadError: (Status.ERROR, False),
    _MS.kModelError: (Status.ERROR, False),
    _MS.kPresolveError: (Status.ERROR, False),
    _MS.kSolveError: (Status.ERROR, False),
    _MS.kPostsolveError: (Status.ERROR, False),
    _MS.kModelEmpty: (Status.OPTIMAL, False),
    _MS.kOptimal: (Status.OPTIMAL, False),
    _MS.kInfeasible: (Status.INFEASIBLE, False),
    _MS.kUnboundedOrInfeasible: (Status.INFEASIBLE, False),
    _MS.kUnbounded: (Status.UNBOUNDED, False),
    _MS.kObjectiveBound: (Status.TIME_LIMIT, True),
    _MS.kObjectiveTarget: (Status.TIME_LIMIT, True),
    _MS.kTimeLimit: (Status.TIME_LIMIT, True),
    _MS.kIterationLimit: (Status.TIME_LIMIT, True),
    _MS.kUnknown: (Status.ERROR, False),
    _MS.kSolutionLimit: (Status.TIME_LIMIT, True),
    _MS.kInterrupt: (Status.TIME_LIMIT, True),
    _MS.kMemoryLimit: (Status.ERROR, False),
}


def map_status(model_status: highspy.HighsModelStatus, has_x: bool) -> Status:
    """Map a ``HighsModelStatus`` to :class:`Status` through one table.

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
        missing from the table.

    Examples
    --------
    >>> map_status(highspy.HighsModelStatus.kTimeLimit, True).value
    'feasible'
    >>> map_status(highspy.HighsModelStatus.kTimeLimit, False).value
    'time_limit'
    """
    status, limit = _HIGHS_STATUS.get(model_status, (Status.ERROR, False))
    if limit and has_x:
        return Status.FEASIBLE
    return status


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

    Returns
    -------
    Solution
        The mapped result (``bound`` is ``mip_dual_bound``, ``nodes`` is
        ``mip_node_count``); never raises for solver trouble.
    """
    t0 = time.perf_counter()
    sol = _solve_once(model, time_limit, start, presolve)
    if start is not None and "mismatch" in sol.message:
        # HiGHS 1.16 can return the postsolved MIP start while reporting the objective
        # of a better solution it found in the presolved space (seen on PSPLIB
        # j302_2: start 53, reported and proven 51).  Solve again without the start.
        left = None if time_limit is None else max(0.1, time_limit - sol.seconds)
        retry = _solve_once(model, left, None, presolve)
        sol = dataclasses.replace(retry, message=f"{retry.message}; re-solved without the "
                                  f"MIP start after: {sol.message}")  # fmt: skip
    return dataclasses.replace(sol, seconds=time.perf_counter() - t0)


def _solve_once(
    model: LinearModel, time_limit: float | None, start: np.ndarray | None, presolve: bool
) -> Solution:
    h = _new_highs(time_limit, presolve)
    t0 = time.perf_counter()
    h.passModel(_to_lp(model))
    if start is not None:
        _set_start(h, np.asarray(start, dtype=float))
    h.run()
    return _read(h, model, time.perf_counter() - t0)


def _read(h: highspy.Highs, model: LinearModel, seconds: float) -> Solution:
    """Map the state of ``h`` after ``run`` to a :class:`Solution` (with the objective guard)."""
    raw = h.getModelStatus()
    info = h.getInfo()
    has_x = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
    status = map_status(raw, has_x)
    x = np.asarray(h.getSolution().col_value, dtype=float) if status.has_solution else None
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


class HighsSession:
    """One ``highspy.Highs`` re-solving models that share a sparsity pattern.

    Made for sensitivity sweeps: the column-wise structure (column starts, row
    indices and the permutation from the model's coefficient order) is
    computed once from ``pattern``; each :meth:`solve` passes only new
    numbers.  HiGHS runs single-threaded (sweeps parallelise across
    processes) with presolve off (see :func:`solve_highspy`) and without the
    feasibility-jump heuristic, which costs more than it saves on small
    sequencing models (the root LP already finds their optimum).

    Parameters
    ----------
    pattern : LinearModel
        Any model with the shared pattern (e.g. a template's).
    time_limit : float, optional
        Wall-clock limit per solve, in seconds.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> from solver.formulation import step
    >>> m = step.build(load_scenario(default_scenario_path())).model
    >>> sess = HighsSession(m)
    >>> sess.solve(m).status.value
    'optimal'
    """

    def __init__(self, pattern: LinearModel, *, time_limit: float | None = None) -> None:
        rows = np.asarray(pattern._rows, dtype=np.int64)
        cols = np.asarray(pattern._cols, dtype=np.int64)
        self._order = np.lexsort((rows, cols))
        self._index = rows[self._order].astype(np.int32)
        counts = np.bincount(cols, minlength=pattern.num_vars)
        self._start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        self._shape = (pattern.num_rows, pattern.num_vars, len(rows))
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        self._integrality = [kinds[int(k)] for k in pattern.integer]
        self._mip = any(pattern.integer)
        with quiet_stdout():
            self._h = highspy.Highs()
        for key, value in (
            ("output_flag", False),
            ("presolve", "off"),
            ("threads", 1),
            ("mip_rel_gap", MIP_REL_GAP),
            ("mip_heuristic_run_feasibility_jump", False),
        ):
            self._h.setOptionValue(key, value)
        if time_limit is not None:
            self._h.setOptionValue("time_limit", float(time_limit))

    def solve(self, model: LinearModel) -> Solution:
        """Solve ``model``, which must have the session's pattern.

        Parameters
        ----------
        model : LinearModel
            The model (same rows, columns and nonzero positions as ``pattern``).

        Returns
        -------
        Solution
            As :func:`solve_highspy` returns it.

        Raises
        ------
        ValueError
            If the model's shape differs from the pattern's.
        """
        if (model.num_rows, model.num_vars, len(model._vals)) != self._shape:
            raise ValueError("the model's shape differs from the session's pattern")
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = model.num_vars
        lp.num_row_ = model.num_rows
        lp.col_cost_ = np.asarray(model.obj, dtype=float)
        lp.col_lower_ = np.maximum(np.asarray(model.lb, dtype=float), -inf)
        lp.col_upper_ = np.minimum(np.asarray(model.ub, dtype=float), inf)
        lp.row_lower_ = np.maximum(np.asarray(model.row_lb, dtype=float), -inf)
        lp.row_upper_ = np.minimum(np.asarray(model.row_ub, dtype=float), inf)
        lp.offset_ = model.obj_constant
        lp.sense_ = highspy.ObjSense.kMaximize if model.maximize else highspy.ObjSense.kMinimize
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = self._start
        lp.a_matrix_.index_ = self._index
        lp.a_matrix_.value_ = np.asarray(model._vals, dtype=float)[self._order]
        lp.integrality_ = self._integrality
        t0 = time.perf_counter()
        self._h.passModel(lp)
        self._h.run()
        return _read(self._h, model, time.perf_counter() - t0)
