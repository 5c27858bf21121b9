"""Common types for MIP backends: the status enum, the status rule and the raw solution."""

from __future__ import annotations

import contextlib
import enum
import os
import sys
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from solver.model import LinearModel


class Status(enum.Enum):
    """Outcome of a solve, shared by every backend.

    ``FEASIBLE`` is a time-limited (or otherwise interrupted) incumbent;
    ``TIME_LIMIT`` means the limit was hit with no incumbent at all.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        """Whether a primal solution comes with this status."""
        return self in (Status.OPTIMAL, Status.FEASIBLE)


StatusTable = Mapping[Hashable, Status]
"""A backend's raw status -> :class:`Status`, where ``TIME_LIMIT`` stands for
every limit (time, iterations, nodes, solutions, objective target, interrupt)
before :func:`resolve_status` applies the incumbent rule."""


def resolve_status(table: StatusTable, raw: Hashable, has_incumbent: bool) -> Status:
    """Map a backend's raw status through its table, with the one incumbent rule.

    A limit hit with an incumbent is ``FEASIBLE``; without one it is
    ``TIME_LIMIT``.  Every backend maps its statuses through this function.

    Parameters
    ----------
    table : Mapping
        The backend's table (a limit maps to ``Status.TIME_LIMIT``).
    raw : Hashable
        The backend's raw status.
    has_incumbent : bool
        Whether the backend holds a feasible primal solution.

    Returns
    -------
    Status
        The table's entry, ``FEASIBLE`` for a limit with an incumbent, and
        ``ERROR`` for a raw status missing from the table.

    Examples
    --------
    >>> table = {"done": Status.OPTIMAL, "clock": Status.TIME_LIMIT}
    >>> [resolve_status(table, "clock", x).value for x in (True, False)]
    ['feasible', 'time_limit']
    >>> resolve_status(table, "done", True).value, resolve_status(table, "?", True).value
    ('optimal', 'error')
    """
    status = table.get(raw, Status.ERROR)
    if status is Status.TIME_LIMIT and has_incumbent:
        return Status.FEASIBLE
    return status


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """Relative gap ``|bound - objective| / max(1, |objective|)`` between a value and its bound.

    Parameters
    ----------
    objective : float or None
        Objective value of the incumbent.
    bound : float or None
        Best proven bound.

    Returns
    -------
    float or None
        The gap; ``None`` when either number is missing.

    Examples
    --------
    >>> relative_gap(200.0, 201.0), relative_gap(0.5, 0.75), relative_gap(None, 1.0)
    (0.005, 0.25, None)
    """
    if objective is None or bound is None:
        return None
    return abs(bound - objective) / max(1.0, abs(objective))


@dataclass(frozen=True)
class Solution:
    """What a backend returns for a :class:`~solver.model.LinearModel`.

    Attributes
    ----------
    status : Status
        Mapped status.
    message : str
        Human-readable message including the backend's raw status.
    x : numpy.ndarray or None
        Primal values (``None`` without a solution).
    objective : float or None
        Objective value of ``x`` in the model's own sense.
    bound : float or None
        Best proven bound on the objective.
    nodes : int or None
        Branch-and-bound nodes, when the backend reports them.
    seconds : float
        Wall-clock time spent inside the backend's solve call.
    backend : str
        Backend name (``"highs"``, ``"cbc"``, ``"pulp-highs"``, ...).
    """

    status: Status
    message: str
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    nodes: int | None
    seconds: float
    backend: str

    @property
    def gap(self) -> float | None:
        """Relative gap ``|bound - objective| / max(1, |objective|)`` (:func:`relative_gap`)."""
        return relative_gap(self.objective, self.bound)


LARGE_COEFFICIENT = 1e15
"""Largest coefficient magnitude handed to a backend (HiGHS's ``large_matrix_value``):
beyond it HiGHS reports a model error and CBC answers wrongly (infeasible)."""


def model_trouble(model: LinearModel) -> str | None:
    """Say what makes ``model`` unsolvable by any backend, or return ``None``.

    HiGHS silently solves a model with a NaN coefficient (and calls it
    optimal), refuses infinite ones as a model error that SciPy reports as
    infeasible, and CBC reads a coefficient of ``1e308`` as an infeasible
    model; so every backend checks its model with this first and returns an
    ``ERROR`` solution naming the first bad number.

    Parameters
    ----------
    model : LinearModel
        The model about to be solved.

    Returns
    -------
    str or None
        ``"<where> is <value>; <rule>"`` for the first offending number, or
        ``None`` when every coefficient, cost and bound is usable.

    Examples
    --------
    >>> from solver.model import LinearModel
    >>> m = LinearModel("toy")
    >>> x = m.add_var("x", ub=1.0, obj=1.0)
    >>> _ = m.add_row("cap", {x: float("nan")}, ub=1.0)
    >>> model_trouble(m)
    "coefficient of column 'x' in row 'cap' is nan; every coefficient must be a finite number"
    >>> model_trouble(LinearModel("empty")) is None
    True
    """
    vals = model.nonzero_values()
    finite = np.isfinite(vals)
    big = np.abs(np.where(finite, vals, 0.0)) > LARGE_COEFFICIENT
    for mask, rule in (
        (~finite, "every coefficient must be a finite number"),
        (big, f"a coefficient's magnitude must be at most {LARGE_COEFFICIENT:g}"),
    ):
        if mask.any():
            i = int(np.argmax(mask))
            rows, cols, _ = model.coo()
            where = (
                f"coefficient of column {model.var_names[cols[i]]!r} "
                f"in row {model.row_names[rows[i]]!r}"
            )
            return f"{where} is {float(vals[i])!r}; {rule}"
    c = np.asarray(model.obj, dtype=float)
    bad = ~np.isfinite(c) | (np.abs(np.nan_to_num(c)) > LARGE_COEFFICIENT)
    if bad.any():
        j = int(np.argmax(bad))
        return (
            f"objective coefficient of column {model.var_names[j]!r} is {float(c[j])!r}; "
            f"it must be a finite number of magnitude at most {LARGE_COEFFICIENT:g}"
        )
    if not np.isfinite(model.obj_constant):
        return f"objective constant is {model.obj_constant!r}; it must be a finite number"
    for what, names, lo, hi in (
        ("column", model.var_names, model.lb, model.ub),
        ("row", model.row_names, model.row_lb, model.row_ub),
    ):
        lo_a, hi_a = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
        bad = np.isnan(lo_a) | np.isnan(hi_a) | (lo_a == np.inf) | (hi_a == -np.inf)
        if bad.any():
            j = int(np.argmax(bad))
            return (
                f"bounds of {what} {names[j]!r} are [{float(lo_a[j])!r}, {float(hi_a[j])!r}]; "
                "a lower bound must be a number or -inf, an upper bound a number or +inf"
            )
    return None


def error_solution(backend: str, message: str, seconds: float = 0.0) -> Solution:
    """A :class:`Solution` with status ``ERROR``, no values and the given message.

    Parameters
    ----------
    backend : str
        Backend name.
    message : str
        What went wrong, prefixed by the backend's own label.
    seconds : float, optional
        Time spent before the error.

    Returns
    -------
    Solution
        ``Status.ERROR`` without ``x``, objective, bound or nodes.

    Examples
    --------
    >>> error_solution("highs", "HiGHS via scipy: model error").status.value
    'error'
    """
    return Solution(Status.ERROR, message, None, None, None, None, seconds, backend)


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1: HiGHS and CBC print banners from native code."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
