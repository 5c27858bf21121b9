"""Common types for MIP backends: the status enum, the status rule and the raw solution."""

from __future__ import annotations

import contextlib
import enum
import os
import sys
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np


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
