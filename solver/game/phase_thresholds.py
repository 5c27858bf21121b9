"""Per-phase thresholds of a plan: critical detection, credibility and discount.

Each threshold is found on the exact payoff model (:func:`solver.payoffs.phase_values`),
holding the plan and everything else fixed, so it can never disagree with the
margin the check reports:

* **critical detection** ``p*``: one detection probability (per year) for
  every step, verification raises included, at which the phase's margin
  changes sign;
* **critical credibility** ``q*``: one common snapback credibility for every
  granted measure at which it changes sign;
* **critical discount** ``beta*``: the target's annual discount factor,
  nearest the scenario's, at which it changes sign.

A threshold is ``nan`` where the margin keeps its sign over the whole range.
Detection and credibility are bracketed on ``[0, 1]``; the discount on a grid
in ``(0, 1)``; roots come from :func:`solver.game.thresholds.bisect_roots`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from solver.game.thresholds import bisect_roots, critical_discount
from solver.payoffs import Coefficients, phase_values
from solver.timeline import Timeline

__all__ = ["phase_thresholds"]

_TOL = 1e-7


def _margins(
    make: Callable[[float], Coefficients], y: np.ndarray, z: np.ndarray, kk: int
) -> Callable[[np.ndarray], np.ndarray]:
    """Elementwise margin: ``f(x)[..., k]`` is phase ``k``'s leverage at parameter ``x[..., k]``."""
    cache: dict[float, np.ndarray] = {}

    def at(x: float) -> np.ndarray:
        if x not in cache:
            cache[x] = phase_values(make(x), y, z).leverage
        return cache[x]

    def f(xs: np.ndarray) -> np.ndarray:
        full = np.broadcast_to(np.asarray(xs, float), np.broadcast_shapes(np.shape(xs), (kk,)))
        flat = full.reshape(-1, kk)
        out = np.array([[at(float(x))[k] for k, x in enumerate(row)] for row in flat])
        return out.reshape(full.shape)

    return f


def _unit_root(f: Callable[[np.ndarray], np.ndarray], kk: int) -> np.ndarray:
    lo, hi = np.zeros(kk), np.ones(kk)
    f0, f1 = f(lo), f(hi)
    flips = (f0 >= 0) != (f1 >= 0)
    if not flips.any():
        return np.full(kk, np.nan)
    root = bisect_roots(f, np.where(flips, lo, 0.0), np.where(flips, hi, 1.0), tol=_TOL)
    return np.where(flips, root, np.nan)


def phase_thresholds(co: Coefficients, y: np.ndarray, z: np.ndarray) -> dict[str, np.ndarray]:
    """Critical detection, credibility and discount of every phase of a schedule.

    Parameters
    ----------
    co : Coefficients
        Scenario coefficients (effective credibility).
    y, z : numpy.ndarray
        The schedule's state matrices.

    Returns
    -------
    dict of str to numpy.ndarray
        ``"critical_detection"``, ``"critical_credibility"`` and
        ``"critical_discount"`` (per year), each ``(K,)`` with nan where the
        margin does not change sign.
    """
    kk = co.phases
    tl = co.timeline
    det = _margins(
        lambda x: replace(co, p=np.full_like(co.p, x), raises=np.zeros_like(co.raises)), y, z, kk
    )
    cred = _margins(lambda x: replace(co, q=np.full_like(co.q, x)), y, z, kk)
    disc = _margins(lambda x: replace(co, timeline=Timeline(tl.years, x)), y, z, kk)
    return {
        "critical_detection": _unit_root(det, kk),
        "critical_credibility": _unit_root(cred, kk),
        "critical_discount": critical_discount(disc, np.full(kk, tl.beta)),
    }
