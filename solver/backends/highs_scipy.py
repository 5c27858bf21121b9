"""HiGHS through :func:`scipy.optimize.milp` (the default backend)."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

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

# scipy.optimize.milp status codes -> Status (scipy docs, OptimizeResult.status); code 1
# is "iteration or time limit reached", FEASIBLE with an incumbent (resolve_status).
STATUS_TABLE: StatusTable = {
    0: Status.OPTIMAL,
    1: Status.TIME_LIMIT,
    2: Status.INFEASIBLE,
    3: Status.UNBOUNDED,
    4: Status.ERROR,
}


def map_status(code: int, has_x: bool, message: str = "") -> Status:
    """Map a ``scipy.optimize.milp`` status code to :class:`Status`.

    SciPy reports HiGHS's "Model error" (a model HiGHS cannot read, such as
    an infinite coefficient) as status 2, "infeasible"; with ``message``
    given, that case is ``ERROR``.

    Parameters
    ----------
    code : int
        ``OptimizeResult.status``.
    has_x : bool
        Whether a primal solution was returned (a time-limited incumbent).
    message : str, optional
        ``OptimizeResult.message``.

    Returns
    -------
    Status
        ``FEASIBLE`` for a limit hit with an incumbent, else the entry of
        :data:`STATUS_TABLE` (see :func:`solver.backends.base.resolve_status`).

    Examples
    --------
    >>> map_status(1, True).value
    'feasible'
    >>> map_status(7, False).value
    'error'
    >>> map_status(2, False, "(HiGHS Status 2: Model error)").value
    'error'
    """
    if code == 2 and "Model error" in message:
        return Status.ERROR
    return resolve_status(STATUS_TABLE, code, has_x)


def solve_highs(model: LinearModel, *, time_limit: float | None = None) -> Solution:
    """Solve ``model`` with HiGHS through :func:`scipy.optimize.milp`.

    Parameters
    ----------
    model : LinearModel
        The model to solve.
    time_limit : float, optional
        Wall-clock limit in seconds.

    Returns
    -------
    Solution
        The mapped result; never raises for solver trouble.
    """
    trouble = model_trouble(model)
    if trouble is not None:
        return error_solution("highs", f"HiGHS via scipy: model error: {trouble}")
    a = model.arrays()
    sign = -1.0 if model.maximize else 1.0
    options: dict[str, object] = {"mip_rel_gap": MIP_REL_GAP, "disp": False}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    constraints = []
    if model.num_rows:
        constraints.append(LinearConstraint(model.matrix(), a["row_lb"], a["row_ub"]))
    t0 = time.perf_counter()

    def run(opts: dict[str, object]) -> Any:
        with quiet_stdout():  # HiGHS prints stray debug lines from C (breaking --json)
            return milp(
                sign * a["c"],
                integrality=a["integrality"],
                bounds=Bounds(a["lb"], a["ub"]),
                constraints=constraints,
                options=opts,
            )

    try:
        res = run(options)
    except ValueError as exc:  # scipy's own input checks
        return error_solution("highs", f"HiGHS via scipy: {exc}", time.perf_counter() - t0)
    note = ""
    if (int(res.status) == 4 and "Solve error" in str(res.message)) or (
        int(res.status) == 2 and options.get("presolve", True)
    ):
        # SciPy's HiGHS can fail inside its presolve on models the others solve
        # (seen on a random leximin level: presolve off solves it to the same
        # optimum as highspy and CBC), or call such a model infeasible (a leximin
        # level whose floors the previous plan meets, all levels 0); try once
        # more without presolve and say so.
        left = None if time_limit is None else time_limit - (time.perf_counter() - t0)
        if left is None or left > 0:
            retry_opts = {**options, "presolve": False}
            if left is not None:
                retry_opts["time_limit"] = left
            note = f"; re-solved with presolve off after: {res.message}"
            res = run(retry_opts)
    seconds = time.perf_counter() - t0
    x = None if res.x is None else np.asarray(res.x, dtype=float)
    status = map_status(int(res.status), x is not None, str(res.message))
    objective = None if x is None else model.objective_value(x)
    bound = getattr(res, "mip_dual_bound", None)
    if bound is not None and math.isfinite(bound):
        bound = sign * float(bound) + model.obj_constant
    else:
        bound = objective if status is Status.OPTIMAL else None
    nodes = getattr(res, "mip_node_count", None)
    return Solution(
        status=status,
        message=f"HiGHS via scipy: {res.message} (scipy status {res.status}){note}",
        x=x,
        objective=objective,
        bound=bound,
        nodes=None if nodes is None else int(nodes),
        seconds=seconds,
        backend="highs",
    )
