"""Named numerical tolerances used throughout the package.

Every comparison of floating-point quantities (constraint checks, payoff
comparisons, integrality) goes through one of these constants so that the
verifier, the game module and the tests agree on what "equal" means.
"""

from __future__ import annotations

FEAS_TOL: float = 1e-6
"""Absolute-plus-relative feasibility tolerance for linear constraints."""

INT_TOL: float = 1e-5
"""Distance from an integer below which a MIP value is rounded."""

IC_TOL: float = 1e-7
"""Tolerance on incentive-compatibility margins (payoff units, USD m)."""

MIP_REL_GAP: float = 1e-6
"""Relative MIP gap requested from every backend, so backends agree."""


def feasible_leq(lhs: float, rhs: float, tol: float = FEAS_TOL) -> bool:
    """Return whether ``lhs <= rhs`` holds up to a scaled tolerance.

    Parameters
    ----------
    lhs, rhs : float
        The two sides of the inequality.
    tol : float, optional
        Absolute tolerance, scaled by ``max(1, |rhs|)``.

    Returns
    -------
    bool
        ``True`` when ``lhs <= rhs + tol * max(1, |rhs|)``.

    Examples
    --------
    >>> feasible_leq(1.0 + 1e-9, 1.0)
    True
    >>> feasible_leq(1.1, 1.0)
    False
    """
    return lhs <= rhs + tol * max(1.0, abs(rhs))
