"""MIP backends: each turns a :class:`~solver.model.LinearModel` into a ``Solution``."""

from __future__ import annotations

from solver.backends.base import Solution, Status
from solver.backends.highs_scipy import solve_highs
from solver.model import LinearModel

BACKENDS: tuple[str, ...] = ("highs", "highspy", "cbc", "pulp-highs")
"""Backend names accepted by :func:`run_backend`."""


def run_backend(model: LinearModel, backend: str, *, time_limit: float | None = None) -> Solution:
    """Solve ``model`` with the named backend.

    Parameters
    ----------
    model : LinearModel
        Model to solve.
    backend : {"highs", "highspy", "cbc", "pulp-highs"}
        ``"highs"`` is HiGHS via :func:`scipy.optimize.milp`; ``"highspy"``
        is HiGHS through its own Python API; ``"cbc"`` is PuLP's bundled CBC;
        ``"pulp-highs"`` is PuLP driving highspy.
    time_limit : float, optional
        Wall-clock limit in seconds.

    Returns
    -------
    Solution
        The backend's mapped result.

    Raises
    ------
    ValueError
        For an unknown backend name.
    """
    if backend == "highs":
        return solve_highs(model, time_limit=time_limit)
    if backend == "highspy":
        from solver.backends.highspy_direct import solve_highspy

        return solve_highspy(model, time_limit=time_limit)
    if backend in ("cbc", "pulp-highs"):
        from solver.backends.pulp_backend import solve_pulp  # PuLP imports slowly: load on use

        return solve_pulp(model, engine=backend, time_limit=time_limit)
    raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def pulp_highs_available() -> bool:
    """Return whether PuLP can drive HiGHS (needs the ``highspy`` package)."""
    from solver.backends.pulp_backend import pulp_highs_available as available

    return available()


__all__ = ["BACKENDS", "Solution", "Status", "pulp_highs_available", "run_backend"]
