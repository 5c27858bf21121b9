"""Two-sided incentive rows: no coalition member gains by leaving, whatever the target does.

One row per member that funds relief or enforces a measure, and per deciding
phase ``k``: the member's exit cost covers the funding and the enforcement
still to come,

``sum_t W^C[k,t] (c_a . h_t - e_a . y_t) + sum_t W^O[k,t] o_a . (y_t - y_{t-1})
<= X_a - sum_t W^C[k,t] sum_m e_{a,m}``

(``F_{a,k} + E^+_{a,k} <= X_a``; ``c_a`` its funding of the held relief
``h``, ``o_a`` what it pays once for a transfer it funds in the phase it is
granted, ``e_a`` its enforcement costs, USD m).  Its slack is the leave
margin of :mod:`solver.coalition` when the target keeps complying without
the member (:attr:`solver.coalition.ActorValues.bound`).

This is a sufficient condition for the exact test, which uses the target's
actual response (not linear in the plan).  Every margin of the member is at
least the row's slack, whatever the target then does:

* leaving, the target defecting after node ``j >= k``: ``V^stay_{a,k} -
  V^leave_{a,k}(j) = X_a - F_{a,k} - E^+_{a,k} + sum_{t>j} W^C[k,t] (w_a . z_t
  - kept_j)``, and ``w_a . z_t >= kept_j`` for ``t > j`` (step values are
  non-negative, steps stay done, ``kept`` is their irreversible part), so
  these rows are implied (``j = k`` is the former leave row);
* not enforcing: ``E_{a,k} = X_a - E^+_{a,k}``, larger by ``F_{a,k} >= 0``;
* stopping paying, the target complying: ``X_a - F_{a,k}``, larger by
  ``E^+_{a,k} >= 0``; the target defecting after ``j``: ``X_a - F_{a,k} +
  sum_{t>j} W^C[k,t] (w_a . z_t - kept_j - e_a . (1 - y_t))``, again at
  least the slack.

So the former enforcement and renege rows are implied too and are not
added, and a member that neither funds nor enforces needs no row (its slack
is ``X_a >= 0``).  See ``docs/formulation.md``, constraints 14 and 15.

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
        The scenario (actors' exit costs, measures' funding and enforcement
        costs).
    co : Coefficients
        Its coefficients (the timeline).
    y, held, z : numpy.ndarray
        Column indices of ``y[m, k]``, the held relief ``h[m, k]`` and ``z[d, k]``.
    names : bool
        Whether to name the rows.

    Returns
    -------
    RowBlock
        Group ``"coalition"``: one row per member that funds or enforces and
        per phase.
    """
    rows = RowCollector(names)
    tl = co.timeline
    w_c = tl.comply.R  # (K, K): weight of phase t's flow at the end of phase k
    w_o = np.concatenate([tl.comply.O, np.zeros((s.phases, 1))], axis=1)  # once, + t = K + 1
    for p in actor_payoffs(s):
        enforce_total = float(p.enforcing.sum())
        if not p.funds and enforce_total <= 0.0:
            continue
        for k in range(s.phases):
            hc = -w_c[k][None, :] * p.funding[:, None]
            yc = w_c[k][None, :] * p.enforcing[:, None]
            # a transfer paid once in the phase it is granted: on y_t, W^O[k,t] - W^O[k,t+1]
            pay = -(w_o[k, :-1] - w_o[k, 1:])[None, :] * p.once[:, None]
            # a transfer's held column is its y column: merge repeated columns
            idx, inv = np.unique(np.concatenate([held.ravel(), y.ravel()]), return_inverse=True)
            coef = np.bincount(
                inv, np.concatenate([hc.ravel(), (yc + pay).ravel()]), minlength=len(idx)
            )
            rows.add(
                idx,
                coef,
                float(w_c[k].sum()) * enforce_total - p.exit_cost,
                INF,
                f"coalition: {p.actor} stays in the deal after phase {k + 1}" if names else "",
            )
    return rows.block("coalition")
