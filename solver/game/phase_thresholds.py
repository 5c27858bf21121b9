"""Per-phase thresholds of a plan: critical detection, credibility and discount.

For phase ``k`` with everything else fixed the subgame-perfect margin is

``M_k = V^C_k(delta) - delta/(1-delta) (R_k - p_k Q_k - K_k)``

where ``Q_k = sum_m q_m v_m r_m y[m,k]`` uses the effective credibilities.

* critical detection: ``M_k`` is linear in ``p_k``; root ``p*`` in ``[0, 1]``.
* critical credibility: replacing every ``q_m`` by one common ``q`` makes
  ``M_k`` linear in ``q``; root ``q*`` in ``[0, 1]``.
* critical discount: ``M_k`` is rational in ``delta``; the sign change
  nearest the scenario's ``delta`` is bracketed on a grid and bisected.

All functions take arrays with a trailing phase axis ``K`` and any leading
sample axes, so 10,000 parameter samples are one call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.game.thresholds import critical_discount, linear_root


@dataclass(frozen=True)
class PhaseTerms:
    """Arrays (shape ``(..., K)``) that determine every phase's margin.

    Attributes
    ----------
    flow : numpy.ndarray
        ``F_k`` (USD m per period).
    relief, kept_cost : numpy.ndarray
        ``R_k`` and ``K_k``.
    clawback : numpy.ndarray
        ``sum_m q_m v_m r_m y[m,k]`` with effective ``q``.
    clawback_full : numpy.ndarray
        ``sum_m v_m r_m y[m,k]`` (every ``q`` = 1).
    detection : numpy.ndarray
        ``p_k``.
    delta : numpy.ndarray
        Discount factor, shape ``(...)`` (one per sample).
    years : float
        Years per phase (scales margins, not thresholds).
    """

    flow: np.ndarray
    relief: np.ndarray
    kept_cost: np.ndarray
    clawback: np.ndarray
    clawback_full: np.ndarray
    detection: np.ndarray
    delta: np.ndarray
    years: float = 1.0


def comply_values(flow: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """``V^C_k`` for every phase, with ``delta`` broadcast against ``flow``.

    ``V^C_k = sum_{t=k+1}^{K} delta^(t-k) F_t + delta^(K-k+1)/(1-delta) F_K``
    (1-based; :func:`solver.payoffs.continuation_weights`), evaluated per
    element by the recursion ``W_K = delta/(1-delta) F_K``,
    ``W_{t-1} = delta (F_t + W_t)`` with each phase's own ``delta``, so
    ``delta`` may differ per phase and carry extra leading axes.

    Examples
    --------
    >>> comply_values(np.array([1.0, 2.0]), np.array([0.5])).tolist()
    [2.0, 2.0]
    """
    shape = np.broadcast_shapes(np.shape(flow), np.shape(delta))
    k = shape[-1]
    d = np.broadcast_to(delta, shape)
    f = np.broadcast_to(flow, shape)
    w = d / (1.0 - d) * f[..., -1:]
    cols = np.arange(k)
    for t in range(k - 1, 0, -1):
        w = np.where(cols <= t - 1, d * (f[..., t : t + 1] + w), w)
    return w


def margin_at(terms: PhaseTerms, delta: np.ndarray) -> np.ndarray:
    """Subgame-perfect margin of every phase at discount ``delta`` (shape ``(..., K)``)."""
    dev = terms.relief - terms.detection * terms.clawback - terms.kept_cost
    return terms.years * (comply_values(terms.flow, delta) - delta / (1.0 - delta) * dev)


def _margin_fn(terms: PhaseTerms) -> Callable[[np.ndarray], np.ndarray]:
    return lambda d: margin_at(terms, d)


def phase_thresholds(terms: PhaseTerms) -> dict[str, np.ndarray]:
    """Critical detection, credibility and discount of every phase (nan: none).

    Parameters
    ----------
    terms : PhaseTerms
        Margins' ingredients; leading axes are samples.

    Returns
    -------
    dict of str to numpy.ndarray
        ``"margin"``, ``"critical_detection"``, ``"critical_credibility"``,
        ``"critical_discount"``, each shaped like ``terms.flow``.
    """
    d = np.asarray(terms.delta, float)[..., None]
    ann = d / (1.0 - d)
    vc = comply_values(terms.flow, d)
    base = vc - ann * (terms.relief - terms.kept_cost)  # margin at p = 0 (or q = 0)
    margin = base + ann * terms.detection * terms.clawback
    p_star = linear_root(base, ann * terms.clawback)
    q_star = linear_root(base, ann * terms.detection * terms.clawback_full)
    d_star = critical_discount(_margin_fn(terms), np.broadcast_to(d, terms.flow.shape))
    return {
        "margin": terms.years * margin,
        "critical_detection": p_star,
        "critical_credibility": q_star,
        "critical_discount": d_star,
    }
