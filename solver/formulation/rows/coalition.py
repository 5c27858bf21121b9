"""Two-sided incentive rows: every coalition member stays, and enforces, in every phase.

The margins of :mod:`solver.coalition`, written on the state columns (they
are linear in them): for actor ``a`` and deciding phase ``k``

* staying beats leaving:
  ``sum_t W^C[k,t] (w_a . z_t - c_a . h_t + e_a . y_t) - sum_t W^O[k,t] o_a .
  (y_t - y_{t-1}) - G_k (w_a - rho_a) . z_k >= sum_t W^C[k,t] sum_m e_{a,m} - X_a``
  (``o_a`` the one-off payments for transfers it funds), with ``rho_a = w_a b - w_a cap`` the
  restorable part of its step values (``B_t``'s construction with ``w`` for
  ``c``);
* enforcing beats not enforcing (only for a member with enforcement costs):
  ``sum_t W^C[k,t] e_a . y_t >= sum_t W^C[k,t] sum_m e_{a,m} - X_a``.

Group ``"coalition"``; added when the build asks for two-sided incentive
compatibility (``BuildOptions.two_sided``, ``relief solve --both-sides``).
"""

from __future__ import annotations

import numpy as np

from solver.coalition import actor_payoffs
from solver.formulation.rows.base import RowCollector
from solver.model import INF, RowBlock
from solver.payoffs import Coefficients
from solver.scenario import Scenario

__all__ = ["coalition_block"]


def coalition_block(
    s: Scenario,
    co: Coefficients,
    y: np.ndarray,
    held: np.ndarray,
    z: np.ndarray,
    *,
    names: bool,
) -> RowBlock:
    """Rows keeping every coalition member in the deal (see the module docstring).

    Parameters
    ----------
    s : Scenario
        The scenario (actors' step values and exit costs, measures' funding
        and enforcement costs).
    co : Coefficients
        Its coefficients (timeline, restorable shares and caps).
    y, held, z : numpy.ndarray
        Column indices of ``y[m, k]``, the held relief ``h[m, k]`` and ``z[d, k]``.
    names : bool
        Whether to name the rows.

    Returns
    -------
    RowBlock
        Group ``"coalition"``: one leave row per member with payoffs and phase,
        and one enforcement row per member with enforcement costs and phase.
    """
    rows = RowCollector(names)
    tl = co.timeline
    w_c = tl.comply.R  # (K, K): weight of phase t's flow at the end of phase k
    w_o = np.concatenate([tl.comply.O, np.zeros((s.phases, 1))], axis=1)  # once, + t = K + 1
    kk = s.phases
    for p in actor_payoffs(s):
        restorable = p.step_value * co.b - p.step_value @ co.cap if len(co.c) else np.zeros(0)
        enforce_total = float(p.enforcing.sum())
        for k in range(kk):
            cols = [z.ravel(), held.ravel(), y.ravel()]
            zc = w_c[k][None, :] * p.step_value[:, None]  # (n_d, K)
            zc[:, k] -= tl.annuity[k] * (p.step_value - restorable)
            hc = -w_c[k][None, :] * p.funding[:, None]
            yc = w_c[k][None, :] * p.enforcing[:, None]
            # a transfer paid once in the phase it is granted: on y_t, W^O[k,t] - W^O[k,t+1]
            pay = -(w_o[k, :-1] - w_o[k, 1:])[None, :] * p.once[:, None]
            rhs = float(w_c[k].sum()) * enforce_total - p.exit_cost
            # a transfer's held column is its y column: merge repeated columns
            idx, inv = np.unique(np.concatenate(cols), return_inverse=True)
            coef = np.bincount(
                inv,
                np.concatenate([zc.ravel(), hc.ravel(), (yc + pay).ravel()]),
                minlength=len(idx),
            )
            rows.add(
                idx,
                coef,
                rhs,
                INF,
                f"coalition: {p.actor} stays in the deal after phase {k + 1}" if names else "",
            )
            if enforce_total > 0.0:
                rows.add(
                    y.ravel(),
                    yc.ravel(),
                    rhs,
                    INF,
                    f"coalition: {p.actor} enforces after phase {k + 1}" if names else "",
                )
    return rows.block("coalition")
