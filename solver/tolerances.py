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

IC_TOL: float = 1e-6
"""Relative tolerance of the incentive-compatibility predicate
(:func:`incentive_compatible`): a deviation is no better than complying when
its value exceeds the compliance value by at most ``IC_TOL * max(1, |comply|)``
(USD m; the values are discounted sums of hundreds to tens of thousands)."""

DECISION_TOL: float = 1e-9
"""An actor prefers snapback when its net gain is ``>= -DECISION_TOL`` (USD m)."""

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


def incentive_compatible(comply_value: float, deviate_value: float) -> bool:
    """The one incentive-compatibility predicate: complying is at least as good as deviating.

    The verifier (``L_k >= 0``), the game check and sensitivity sweeps all
    decide through this function, so they cannot disagree on a plan.

    Parameters
    ----------
    comply_value : float
        Discounted value of complying from this phase on (USD m).
    deviate_value : float
        Discounted value of the best deviation (USD m).

    Returns
    -------
    bool
        ``deviate <= comply + IC_TOL * max(1, |comply|)``.

    Examples
    --------
    >>> incentive_compatible(1000.0, 1000.0 + 1e-4)
    True
    >>> incentive_compatible(1000.0, 1000.1)
    False
    """
    return feasible_leq(deviate_value, comply_value, IC_TOL)


def ic_margin(comply_value: float, deviate_value: float) -> float:
    """The reported incentive margin: ``comply - deviate``, clipped at 0 inside the tolerance.

    Its sign is the verdict of :func:`incentive_compatible` (``>= 0`` exactly
    when compatible), so a stored margin can be judged without its inputs.

    Parameters
    ----------
    comply_value, deviate_value : float
        As in :func:`incentive_compatible`.

    Returns
    -------
    float
        ``max(comply - deviate, 0)`` when compatible, else ``comply - deviate`` (< 0).

    Examples
    --------
    >>> ic_margin(1000.0, 1000.0 + 1e-4)
    0.0
    >>> ic_margin(1000.0, 990.0)
    10.0
    """
    raw = comply_value - deviate_value
    return max(raw, 0.0) if incentive_compatible(comply_value, deviate_value) else raw


def margin_holds(margin: float) -> bool:
    """Whether a margin reported by :func:`ic_margin` means "compatible" (it is ``>= 0``).

    Parameters
    ----------
    margin : float
        A margin from :func:`ic_margin` (NaN: no plan, not compatible).

    Returns
    -------
    bool
        ``margin >= 0``.
    """
    return margin >= 0.0
