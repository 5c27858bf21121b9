"""MIP backends: each turns a :class:`~solver.model.LinearModel` into a ``Solution``.

:data:`REGISTRY` is the one list of backends: every name maps to the module
and function that solve with it, imported on first use (PuLP and highspy load
slowly).  :data:`BACKENDS` and :func:`run_backend` are derived from it, and so
is every command-line ``--backend`` choice.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from solver.backends.base import Solution, Status
from solver.model import LinearModel

SolveFunction = Callable[..., Solution]
"""``solve(model, *, time_limit=None) -> Solution``."""


@dataclass(frozen=True)
class BackendEntry:
    """Where a backend lives: a module imported on use, its solve function and options.

    Attributes
    ----------
    module : str
        Dotted module name.
    function : str
        Name of the module's ``solve(model, *, time_limit=None, **options)``.
    description : str
        One line for documentation and ``--help``.
    options : Mapping
        Keyword arguments fixed for this backend (e.g. PuLP's ``engine``).
    """

    module: str
    function: str
    description: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def load(self) -> SolveFunction:
        """Import the module and return the solve function with the options bound.

        Returns
        -------
        callable
            ``solve(model, *, time_limit=None) -> Solution``.
        """
        fn = getattr(importlib.import_module(self.module), self.function)
        return functools.partial(fn, **self.options) if self.options else fn


REGISTRY: Mapping[str, BackendEntry] = MappingProxyType(
    {
        "highs": BackendEntry(
            "solver.backends.highs_scipy", "solve_highs", "HiGHS via scipy.optimize.milp"
        ),
        "highspy": BackendEntry(
            "solver.backends.highspy_direct", "solve_highspy", "HiGHS through its own Python API"
        ),
        "cbc": BackendEntry(
            "solver.backends.pulp_backend", "solve_pulp", "PuLP's bundled CBC", {"engine": "cbc"}
        ),
        "pulp-highs": BackendEntry(
            "solver.backends.pulp_backend",
            "solve_pulp",
            "PuLP driving highspy",
            {"engine": "pulp-highs"},
        ),
    }
)
"""Backend name -> :class:`BackendEntry`, in the order the names are offered."""

BACKENDS: tuple[str, ...] = tuple(REGISTRY)
"""Backend names accepted by :func:`run_backend` (the keys of :data:`REGISTRY`)."""


def solver_for(backend: str) -> SolveFunction:
    """Return the solve function of the named backend (imported on first use).

    Parameters
    ----------
    backend : str
        A name in :data:`BACKENDS`.

    Returns
    -------
    callable
        ``solve(model, *, time_limit=None) -> Solution``.

    Raises
    ------
    ValueError
        For an unknown backend name; the message lists the known ones.

    Examples
    --------
    >>> solver_for("highs").__name__
    'solve_highs'
    """
    entry = REGISTRY.get(backend)
    if entry is None:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    return entry.load()


def run_backend(model: LinearModel, backend: str, *, time_limit: float | None = None) -> Solution:
    """Solve ``model`` with the named backend.

    Parameters
    ----------
    model : LinearModel
        Model to solve.
    backend : {"highs", "highspy", "cbc", "pulp-highs"}
        A name in :data:`REGISTRY`: ``"highs"`` is HiGHS via
        :func:`scipy.optimize.milp`; ``"highspy"`` is HiGHS through its own
        Python API; ``"cbc"`` is PuLP's bundled CBC; ``"pulp-highs"`` is PuLP
        driving highspy.
    time_limit : float, optional
        Wall-clock limit in seconds.  For a large model
        (:func:`solver.backends.guard.needs_guard`) the call runs in a child
        process that is killed shortly after the limit, because not every
        backend stops in time on such models (:mod:`solver.backends.guard`).

    Returns
    -------
    Solution
        The backend's mapped result.

    Raises
    ------
    ValueError
        For an unknown backend name.
    """
    solve = solver_for(backend)
    if time_limit is not None:
        from solver.backends.guard import needs_guard, solve_guarded

        if needs_guard(model, time_limit, backend):
            return solve_guarded(solve, model, time_limit, backend=backend)
    return solve(model, time_limit=time_limit)


def pulp_highs_available() -> bool:
    """Return whether PuLP can drive HiGHS (needs the ``highspy`` package).

    Returns
    -------
    bool
        Whether the ``"pulp-highs"`` backend can run.
    """
    from solver.backends.pulp_backend import pulp_highs_available as available

    return available()


__all__ = [
    "BACKENDS",
    "REGISTRY",
    "BackendEntry",
    "Solution",
    "Status",
    "pulp_highs_available",
    "run_backend",
    "solver_for",
]
