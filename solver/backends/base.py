"""Common types for MIP backends: the status enum and the raw solution."""

from __future__ import annotations

import contextlib
import enum
import os
import sys
from collections.abc import Iterator
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
        """Relative gap ``|bound - objective| / max(1, |objective|)``."""
        if self.objective is None or self.bound is None:
            return None
        return abs(self.bound - self.objective) / max(1.0, abs(self.objective))


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
