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
  ``sum_t W^C[k,t] e_a . y_t >= sum_t W^C[k,t] sum_m e_{a,m} - X_a``;
* paying beats stopping paying (only for a member that funds relief), with
  the target assumed to keep complying: ``sum_t W^C[k,t] c_a . h_t + sum_t
  W^O[k,t] o_a . (y_t - y_{t-1}) <= X_a`` (the funding it would save, ``F_{a,k}``);
  and, for a member that also enforces, with the target assumed to defect
  after any later phase ``j > k`` instead: ``V^stay_{a,k} >= V^ren_{a,k}(j)``,
  i.e. ``sum_{t>k} (W^C[k,t] - U^j[k,t]) (w_a . z_t + e_a . y_t) - sum_t
  W^C[k,t] c_a . h_t - sum_t W^O[k,t] o_a . (y_t - y_{t-1}) - D[k,j] G_j (w_a -
  rho_a) . z_j >= sum_{t>k} (W^C[k,t] - U^j[k,t]) sum_m e_{a,m} - X_a`` with
  ``U^j[k,t] = D[k,t] a_t`` for ``k < t <= j`` (0 after ``j``).

The renege rows are a sufficient condition, not the exact test of
:mod:`solver.coalition` (which uses the target's actual response): together
they say staying beats stopping paying whatever the target then does.  For
a member without enforcement costs the defect rows are implied (``V^stay -
V^ren(j) = X_a - F_{a,k} + sum_{t>j} W^C[k,t] (w_a . z_t - kept_j)`` and
step values are non-negative), so they are added only where enforcement
costs make them bind (``docs/formulation.md``, constraint 15).

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
        one enforcement row per member with enforcement costs and phase, and
        for a member that funds relief one renege row per phase (plus, if it
        also enforces, one per later phase ``j`` where the target might defect).
    """
    rows = RowCollector(names)
    tl = co.timeline
    w_c = tl.comply.R  # (K, K): weight of phase t's flow at the end of phase k
    w_o = np.concatenate([tl.comply.O, np.zeros((s.phases, 1))], axis=1)  # once, + t = K + 1
    kk = s.phases
    years = np.asarray(tl.years, dtype=float)
    dm = tl.discount[1:, 1:]  # D between the ends of phases k and t (0-based)
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
            if not p.funds:
                continue
            # stopping paying, the target keeping to the plan: F_{a,k} <= X_a
            idx, inv = np.unique(np.concatenate(cols[1:]), return_inverse=True)
            coef = np.bincount(inv, np.concatenate([hc.ravel(), pay.ravel()]), minlength=len(idx))
            rows.add(
                idx,
                coef,
                -p.exit_cost,
                INF,
                f"coalition: {p.actor} keeps paying after phase {k + 1}" if names else "",
            )
            if enforce_total <= 0.0:
                continue
            for j in range(k + 1, kk):
                # stopping paying, the target defecting after phase j instead
                until = np.zeros(kk)
                until[k + 1 : j + 1] = dm[k, k + 1 : j + 1] * years[k + 1 : j + 1]
                rest = w_c[k] - until
                zj = rest[None, :] * p.step_value[:, None]
                zj[:, j] -= dm[k, j] * tl.annuity[j] * (p.step_value - restorable)
                yj = rest[None, :] * p.enforcing[:, None] + pay
                idx, inv = np.unique(np.concatenate(cols), return_inverse=True)
                coef = np.bincount(
                    inv,
                    np.concatenate([zj.ravel(), hc.ravel(), yj.ravel()]),
                    minlength=len(idx),
                )
                rows.add(
                    idx,
                    coef,
                    float(rest.sum()) * enforce_total - p.exit_cost,
                    INF,
                    f"coalition: {p.actor} keeps paying after phase {k + 1} if the target "
                    f"defects after phase {j + 1}"
                    if names
                    else "",
                )
    return rows.block("coalition")
