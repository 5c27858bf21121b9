"""PuLP backends: its bundled CBC, and HiGHS through highspy when installed.

PuLP reports a time-limited incumbent as ``status=1`` with ``sol_status=2``,
so the mapping below reads ``sol_status`` first.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pulp

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
from solver.tolerances import MIP_REL_GAP

# LpProblem.status values that settle the outcome whatever sol_status says
_DECISIVE: dict[int, Status] = {
    pulp.LpStatusInfeasible: Status.INFEASIBLE,
    pulp.LpStatusUnbounded: Status.UNBOUNDED,
}

# pulp.constants.LpSolution* (LpProblem.sol_status) -> Status.  An integer-feasible
# solution and "no solution found" both mean a limit was hit, FEASIBLE with the
# incumbent and TIME_LIMIT without (resolve_status).
STATUS_TABLE: StatusTable = {
    pulp.LpSolutionOptimal: Status.OPTIMAL,
    pulp.LpSolutionIntegerFeasible: Status.TIME_LIMIT,
    pulp.LpSolutionInfeasible: Status.INFEASIBLE,
    pulp.LpSolutionUnbounded: Status.UNBOUNDED,
    pulp.LpSolutionNoSolutionFound: Status.TIME_LIMIT,
}


def map_status(status: int, sol_status: int) -> Status:
    """Map PuLP's ``(status, sol_status)`` pair to :class:`Status`.

    ``status`` decides infeasible and unbounded outcomes; otherwise
    ``sol_status`` goes through :data:`STATUS_TABLE` and
    :func:`solver.backends.base.resolve_status` (the incumbent is an
    integer-feasible ``sol_status``); a limit without an incumbent on an
    undefined ``status`` is an error.

    Parameters
    ----------
    status : int
        ``LpProblem.status``.
    sol_status : int
        ``LpProblem.sol_status``.

    Returns
    -------
    Status
        The mapped status.

    Examples
    --------
    >>> map_status(1, 2).value
    'feasible'
    >>> map_status(-1, -1).value
    'infeasible'
    """
    if status in _DECISIVE:
        return _DECISIVE[status]
    incumbent = sol_status == pulp.LpSolutionIntegerFeasible
    mapped = resolve_status(STATUS_TABLE, sol_status, incumbent)
    if mapped is Status.TIME_LIMIT and status == pulp.LpStatusUndefined:
        return Status.ERROR
    return mapped


def to_pulp(model: LinearModel) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """Translate ``model`` into a :class:`pulp.LpProblem`.

    Parameters
    ----------
    model : LinearModel
        Source model.

    Returns
    -------
    tuple
        The problem and its variables, in column order.
    """
    sense = pulp.LpMaximize if model.maximize else pulp.LpMinimize
    prob = pulp.LpProblem(model.name.replace(" ", "_"), sense)
    xs = []
    for j, _name in enumerate(model.var_names):
        lb = model.lb[j] if math.isfinite(model.lb[j]) else None
        ub = model.ub[j] if math.isfinite(model.ub[j]) else None
        cat = pulp.LpInteger if model.integer[j] else pulp.LpContinuous
        xs.append(pulp.LpVariable(f"x{j}", lowBound=lb, upBound=ub, cat=cat))
    prob += pulp.LpAffineExpression(
        [(xs[j], c) for j, c in enumerate(model.obj) if c != 0.0], model.obj_constant
    )
    a = model.matrix().tocsr()
    for r in range(model.num_rows):
        lo, hi = a.indptr[r], a.indptr[r + 1]
        expr = pulp.LpAffineExpression(
            [(xs[int(j)], float(v)) for j, v in zip(a.indices[lo:hi], a.data[lo:hi], strict=True)]
        )
        rl, ru = model.row_lb[r], model.row_ub[r]
        if rl == ru:
            prob += expr == ru, f"r{r}"
            continue
        if math.isfinite(ru):
            prob += expr <= ru, f"r{r}u"
        if math.isfinite(rl):
            prob += expr >= rl, f"r{r}l"
    return prob, xs


def _make_solver(engine: str, time_limit: float | None) -> Any:
    if engine == "cbc":
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=MIP_REL_GAP)
    if engine == "pulp-highs":
        return pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=MIP_REL_GAP)
    raise ValueError(f"unknown PuLP engine {engine!r}")


def pulp_highs_available() -> bool:
    """Return whether PuLP can drive HiGHS (needs the ``highspy`` package)."""
    return bool(pulp.HiGHS(msg=False).available())


def solve_pulp(
    model: LinearModel, *, engine: str = "cbc", time_limit: float | None = None
) -> Solution:
    """Solve ``model`` through PuLP with CBC (``"cbc"``) or HiGHS (``"pulp-highs"``).

    Parameters
    ----------
    model : LinearModel
        The model to solve.
    engine : {"cbc", "pulp-highs"}
        Which solver PuLP drives.
    time_limit : float, optional
        Wall-clock limit in seconds.

    Returns
    -------
    Solution
        The mapped result; never raises for solver trouble.
    """
    trouble = model_trouble(model)
    if trouble is not None:
        return error_solution(engine, f"PuLP {engine}: model error: {trouble}")
    prob, xs = to_pulp(model)
    solver = _make_solver(engine, time_limit)
    t0 = time.perf_counter()
    try:
        with quiet_stdout():
            prob.solve(solver)
    except pulp.PulpSolverError as exc:
        return error_solution(engine, f"PuLP {engine}: {exc}", time.perf_counter() - t0)
    except (IndexError, ValueError, ArithmeticError) as exc:
        # PuLP's HiGHS interface reads back an empty solution after HiGHS refuses a model
        return error_solution(
            engine,
            f"PuLP {engine}: the solver failed ({type(exc).__name__}: {exc})",
            time.perf_counter() - t0,
        )
    seconds = time.perf_counter() - t0
    status = map_status(prob.status, prob.sol_status)
    x = None
    objective = None
    if status.has_solution:
        x = np.array([v.value() if v.value() is not None else 0.0 for v in xs], dtype=float)
        objective = model.objective_value(x)
    bound = objective if status is Status.OPTIMAL else None
    raw = f"{pulp.LpStatus.get(prob.status)}/sol_status {prob.sol_status}"
    return Solution(status, f"PuLP {engine}: {raw}", x, objective, bound, None, seconds, engine)
