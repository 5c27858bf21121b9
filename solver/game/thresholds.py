"""Thresholds at which a phase's verdict flips, vectorised over parameter samples.

The margin is linear in the detection probability ``p`` and in a common
snapback credibility ``q``, so those thresholds are closed-form roots of
``a + b t = 0``.  It is a rational function of the discount factor, so that
threshold comes from a grid scan for sign changes followed by bisection.

Textbook checks (repeated prisoner's dilemma, grim trigger; Friedman 1971):
comply iff ``delta >= (T - R) / (T - P)``; when a defection is detected (and
punished) only with probability ``p`` and undetected defection keeps the
cooperative state, ``delta* = (T - R) / ((T - R) + p (R - P))``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from solver.game.tolerances import BISECT_TOL

DISCOUNT_GRID = np.linspace(0.0025, 0.9975, 200)
"""Discount factors scanned for sign changes before bisection."""

GRID_CHUNK = 32
"""Grid points evaluated per call of the margin function (bounds memory)."""


def linear_root(a: ArrayLike, b: ArrayLike, *, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """Root ``t = -a / b`` of ``a + b t`` where it lies in ``[lo, hi]``, else nan.

    Parameters
    ----------
    a, b : array_like
        Intercept and slope (broadcast together).
    lo, hi : float, optional
        Admissible range of the root.

    Returns
    -------
    numpy.ndarray
        The roots, nan where ``b = 0`` or the root is out of range.

    Examples
    --------
    >>> linear_root([-1.0, 1.0, -1.0], [4.0, 4.0, 0.0]).tolist()
    [0.25, nan, nan]
    """
    a_, b_ = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(b_ != 0.0, -a_ / np.where(b_ != 0.0, b_, 1.0), np.nan)
    return np.where((t >= lo) & (t <= hi), t, np.nan)


def grim_trigger_threshold(
    T: ArrayLike, R: ArrayLike, P: ArrayLike, p: ArrayLike = 1.0
) -> np.ndarray:
    """Closed-form critical discount ``(T - R) / ((T - R) + p (R - P))``.

    Parameters
    ----------
    T, R, P : array_like
        Temptation, reward and punishment payoffs (``T > R > P``).
    p : array_like, optional
        Probability that a defection is detected and punished.

    Returns
    -------
    numpy.ndarray
        ``delta*``: cooperation is an equilibrium iff ``delta >= delta*``.

    Examples
    --------
    >>> float(grim_trigger_threshold(5, 3, 1))
    0.5
    >>> float(grim_trigger_threshold(5, 3, 1, p=0.5))
    0.6666666666666666
    """
    t, r, pp, det = (np.asarray(x, float) for x in (T, R, P, p))
    return (t - r) / ((t - r) + det * (r - pp))


def grim_trigger_margin(
    T: ArrayLike, R: ArrayLike, P: ArrayLike, delta: ArrayLike, p: ArrayLike = 1.0
) -> np.ndarray:
    """Value of cooperating forever minus deviating once under grim trigger.

    Cooperating: ``R / (1 - delta)``.  Deviating: ``T`` now, then with
    probability ``p`` the punishment ``P`` forever, else cooperation resumes:
    ``T + delta (p P + (1 - p) R) / (1 - delta)``.

    Parameters
    ----------
    T, R, P : array_like
        Temptation, reward and punishment payoffs.
    delta : array_like
        Discount factor(s) in ``(0, 1)``.
    p : array_like, optional
        Detection probability.

    Returns
    -------
    numpy.ndarray
        The margin; non-negative exactly when cooperating is optimal.
    """
    t, r, pp, d, det = (np.asarray(x, float) for x in (T, R, P, delta, p))
    return r / (1 - d) - (t + d * (det * pp + (1 - det) * r) / (1 - d))


def bisect_roots(
    f: Callable[[np.ndarray], np.ndarray],
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    tol: float = BISECT_TOL,
) -> np.ndarray:
    """Vectorised bracketing root finder (Illinois false position) on ``[lo, hi]``.

    The Illinois variant of regula falsi (Dowell and Jarratt 1971) keeps a
    sign-changing bracket like bisection, so it cannot fail, but converges
    superlinearly; elements stop once their bracket is narrower than ``tol``
    or ``f`` vanishes.  A step that would not shrink the bracket by half
    falls back to the midpoint every third iteration, so the worst case is
    bisection's.

    Parameters
    ----------
    f : callable
        Elementwise function whose root is sought.
    lo, hi : numpy.ndarray
        Bracket ends, ``f(lo)`` and ``f(hi)`` of opposite signs.
    tol : float, optional
        Final bracket width.

    Returns
    -------
    numpy.ndarray
        The roots (within ``tol``).

    Examples
    --------
    >>> r = bisect_roots(lambda x: x**2 - 2.0, np.array([0.0]), np.array([2.0]))
    >>> bool(abs(r[0] - 2**0.5) < 1e-9)
    True
    """
    a, b = lo.astype(float).copy(), hi.astype(float).copy()
    fa, fb = f(a), f(b)
    side = np.zeros(a.shape)
    root = 0.5 * (a + b)
    for it in range(200):
        done = (np.abs(b - a) < tol) | (fa == 0) | (fb == 0)
        if np.all(done):
            break
        denom = np.where(fb != fa, fb - fa, 1.0)
        c = np.where(fb != fa, (a * fb - b * fa) / denom, 0.5 * (a + b))
        if it % 3 == 2:
            c = 0.5 * (a + b)
        c = np.where(done, root, np.clip(c, np.minimum(a, b), np.maximum(a, b)))
        fc = f(c)
        left = np.sign(fc) == np.sign(fa)  # c replaces a
        fb = np.where(left & (side == 1), 0.5 * fb, fb)
        fa = np.where(~left & (side == -1), 0.5 * fa, fa)
        a, fa = np.where(left, c, a), np.where(left, fc, fa)
        b, fb = np.where(left, b, c), np.where(left, fb, fc)
        side = np.where(left, 1.0, -1.0)
        root = np.where(fa == 0, a, np.where(fb == 0, b, 0.5 * (a + b)))
    return np.where(fa == 0, a, np.where(fb == 0, b, 0.5 * (a + b)))


def nearest_sign_change(
    values: np.ndarray, grid: np.ndarray, at: np.ndarray, at_value: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Bracket of the sign change nearest ``at``, scanning outwards from it.

    A value of exactly 0 counts as non-negative (the verdict is ``>= 0``).
    Going up (down) from ``at``, the first grid point whose sign differs
    from ``at_value``'s closes the bracket; its neighbour towards ``at``
    (or ``at`` itself) opens it.  The nearer of the two brackets wins.

    Parameters
    ----------
    values : numpy.ndarray
        Function values on ``grid``, shape ``(G,) + at.shape``.
    grid : numpy.ndarray
        Sorted points, shape ``(G,)``.
    at : numpy.ndarray
        Reference points.
    at_value : numpy.ndarray
        Function values at ``at``.

    Returns
    -------
    lo, hi : numpy.ndarray
        The bracket ends (nan where no sign change was found).
    """
    g = len(grid)
    idx = np.arange(g).reshape((g,) + (1,) * at.ndim)
    i0 = np.searchsorted(grid, at)
    differs = (values >= 0.0) != (at_value >= 0.0)
    up = differs & (idx >= i0)
    down = differs & (idx < i0)
    has_up, has_down = up.any(axis=0), down.any(axis=0)
    j_up = np.argmax(up, axis=0)
    j_down = g - 1 - np.argmax(down[::-1], axis=0)
    up_lo = np.where(j_up == i0, at, grid[np.maximum(j_up - 1, 0)])
    up_hi = grid[j_up]
    dn_lo = grid[j_down]
    dn_hi = np.where(j_down == i0 - 1, at, grid[np.minimum(j_down + 1, g - 1)])
    use_up = has_up & (~has_down | (up_hi - at <= at - dn_lo))
    lo = np.where(use_up, up_lo, np.where(has_down, dn_lo, np.nan))
    hi = np.where(use_up, up_hi, np.where(has_down, dn_hi, np.nan))
    return lo, hi


def critical_discount(
    margin: Callable[[np.ndarray], np.ndarray],
    delta: ArrayLike,
    *,
    grid: np.ndarray = DISCOUNT_GRID,
) -> np.ndarray:
    """Discount factor nearest ``delta`` at which ``margin`` changes sign.

    Parameters
    ----------
    margin : callable
        Maps an array of discount factors to margins elementwise; it is
        called with arrays of the shape ``S`` of ``delta`` and with grid
        points of shape ``(G,) + (1,) * len(S)``, which it must broadcast
        to ``(G,) + S``.
    delta : array_like
        Current discount factor(s), shape ``S``.
    grid : numpy.ndarray, optional
        Sorted points in ``(0, 1)`` scanned for sign changes; roots closer
        together than the grid spacing can be missed.

    Returns
    -------
    numpy.ndarray
        Shape ``S``; nan where the sign never changes on the grid.

    Examples
    --------
    >>> d = critical_discount(lambda d: grim_trigger_margin(5, 3, 1, d), np.array([0.9]))
    >>> bool(abs(d[0] - 0.5) < 1e-8)
    True
    """
    at = np.asarray(delta, float)
    pts = grid.reshape((-1,) + (1,) * at.ndim)
    chunks = [pts[i : i + GRID_CHUNK] for i in range(0, len(grid), GRID_CHUNK)]
    vals = np.concatenate([np.broadcast_to(margin(c), (len(c), *at.shape)) for c in chunks])
    lo, hi = nearest_sign_change(vals, grid, at, margin(at))
    ok = np.isfinite(lo)
    safe_lo, safe_hi = np.where(ok, lo, 0.25), np.where(ok, hi, 0.75)
    root = bisect_roots(margin, safe_lo, safe_hi)
    return np.where(ok, root, np.nan)
