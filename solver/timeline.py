"""Time, discounting and the weights of every payoff: the linear maps of ``docs/formulation.md``.

Phase ``t`` lasts ``a_t`` years (``parameters.phase_years``) and ends at
``T_t = a_1 + ... + a_t``; the target discounts by ``beta`` per year.  A
phase's flows (USD m/yr, so ``a_t`` times them in USD m) and its one-off
transfers (USD m) are counted at the end of the phase, so their value at
the end of phase ``k`` is discounted by ``beta^(T_t - T_k)``.  After the last
phase ``K`` the state of phase ``K`` repeats in periods of ``a_K`` years.

Every continuation value is a linear map of five per-phase aggregates of a
plan (:mod:`solver.payoffs`): relief flows ``R_t`` (USD m/yr), transfers
``O_t`` (USD m), step costs ``C_t`` (USD m/yr), the expected clawback ``Q_t``
of a snapback (USD m/yr) and the restorable step cost ``B_t`` (USD m/yr),
plus the restored cost ``rho`` of the steps a deviation reverses:

``V_k = sum_t (W_R[k,t] R_t - W_C[k,t] C_t + W_O[k,t] O_t - W_Q[k,t] Q_t
+ W_B[k,t] B_t) + w_rho[k] rho_k``.

The weights depend only on the phase lengths, ``beta`` and (for deviations)
the detection probability of what is reversed, never on the plan, so the
same :class:`Weights` are evaluated for a fixed plan (:mod:`solver.payoffs`),
written as MIP rows (:mod:`solver.formulation.rows.leverage`) and judged by
the game (:mod:`solver.game`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = ["Timeline", "Weights", "covert_weights", "phase_hazard", "undetected_share"]


def phase_hazard(annual: float, years: float) -> float:
    """Probability that a reversal is detected within a phase of ``years`` years.

    Parameters
    ----------
    annual : float
        Detection probability per year ``p`` (a constant hazard).
    years : float
        Phase length.

    Returns
    -------
    float
        ``1 - (1 - p)^years``.

    Examples
    --------
    >>> round(phase_hazard(0.2, 2.5), 4)
    0.4276
    >>> phase_hazard(1.0, 0.1)
    1.0
    """
    if annual >= 1.0:
        return 1.0
    return -math.expm1(years * math.log1p(-annual))  # 1 - (1 - p)^a without cancellation


@dataclass(frozen=True)
class Weights:
    """Coefficients of one continuation value on the plan's per-phase aggregates.

    Rows are the deciding phase ``k`` (0-based: the end of phase ``k + 1``),
    columns the phase ``t`` whose aggregate is weighted.  See the module
    docstring for the value they define.

    Attributes
    ----------
    R, C, O, Q, B : numpy.ndarray
        ``(K, K)`` weights of relief flows, step costs, transfers, expected
        clawback and restorable cost.
    rho : numpy.ndarray
        ``(K,)`` weight of the restored cost of the reversed steps.
    """

    R: np.ndarray
    C: np.ndarray
    O: np.ndarray  # noqa: E741  (the transfers' letter in the docs)
    Q: np.ndarray
    B: np.ndarray
    rho: np.ndarray

    def value(
        self,
        relief: np.ndarray,
        cost: np.ndarray,
        transfers: np.ndarray,
        clawback: np.ndarray,
        restorable: np.ndarray,
        restored: np.ndarray | float = 0.0,
    ) -> np.ndarray:
        """Evaluate the value at every deciding phase.

        Parameters
        ----------
        relief, cost, transfers, clawback, restorable : numpy.ndarray
            The aggregates ``R, C, O, Q, B`` per phase.
        restored : numpy.ndarray or float, optional
            ``rho_k`` per deciding phase.

        Returns
        -------
        numpy.ndarray
            ``V_k`` (USD m) per phase.
        """
        return (
            self.R @ relief
            - self.C @ cost
            + self.O @ transfers
            - self.Q @ clawback
            + self.B @ restorable
            + self.rho * restored
        )


@dataclass(frozen=True)
class Timeline:
    """Phase lengths and the target's annual discount factor.

    Parameters
    ----------
    years : tuple of float
        ``a_1..a_K`` (years per phase).
    beta : float
        Discount factor per year, in (0, 1).

    Examples
    --------
    Equal phases reproduce the per-phase discount ``delta = beta^a``:

    >>> tl = Timeline((2.0, 2.0), 0.9)
    >>> bool(abs(tl.annuity[-1] - 2.0 * 0.81 / (1 - 0.81)) < 1e-12)
    True
    """

    years: tuple[float, ...]
    beta: float

    @property
    def phases(self) -> int:
        """``K``."""
        return len(self.years)

    @cached_property
    def ends(self) -> np.ndarray:
        """``T_0..T_K``: the end of each phase in years (``T_0 = 0``)."""
        return np.concatenate([[0.0], np.cumsum(self.years)])

    @cached_property
    def discount(self) -> np.ndarray:
        """``D[k, t] = beta^(T_t - T_k)`` for ``0 <= k <= t <= K`` (zero below the diagonal)."""
        t = self.ends
        gap = t[None, :] - t[:, None]
        return np.where(gap >= 0, self.beta ** np.maximum(gap, 0.0), 0.0)

    @property
    def tail(self) -> float:
        """``beta^a_K / (1 - beta^a_K)``: periods after ``K`` per unit of phase-``K`` value."""
        d = self.beta ** self.years[-1]
        return d / (1.0 - d)

    @cached_property
    def annuity(self) -> np.ndarray:
        """``G_k``: value at the end of phase ``k`` of 1 USD m/yr from then on, forever (years)."""
        kk, a, dm = self.phases, np.asarray(self.years), self.discount
        g = np.zeros(kk)
        for k in range(1, kk + 1):
            g[k - 1] = float(dm[k, k + 1 :] @ a[k:]) + dm[k, kk] * a[-1] * self.tail
        return g

    @cached_property
    def comply(self) -> Weights:
        """``V^C_k``: the plan's flows and transfers from phase ``k + 1`` on (the tail after K)."""
        kk, a, dm = self.phases, np.asarray(self.years), self.discount
        w_flow, w_once = np.zeros((kk, kk)), np.zeros((kk, kk))
        for k in range(1, kk + 1):
            for t in range(k + 1, kk + 1):
                w_flow[k - 1, t - 1] = dm[k, t] * a[t - 1]
                w_once[k - 1, t - 1] = dm[k, t]
            w_flow[k - 1, kk - 1] += dm[k, kk] * a[-1] * self.tail
        zero = np.zeros((kk, kk))
        return Weights(w_flow, w_flow.copy(), w_once, zero, zero.copy(), np.zeros(kk))

    @cached_property
    def stall(self) -> Weights:
        """``V^S_k = G_k (R_k - C_k)``: keep what is done and held, refuse the next steps."""
        g = np.diag(self.annuity)
        zero = np.zeros_like(g)
        return Weights(g, g.copy(), zero, zero.copy(), zero.copy(), np.zeros(self.phases))

    @cached_property
    def overt(self) -> Weights:
        """``V^O_k = G_k (R_k - Q_k - C_k + B_k)``: reverse everything openly, lose all new relief.

        An open reversal is seen at once, so every credible snapback claws
        back (``Q_k``) and, having nothing left to hide, the target restores
        every restorable step (``B_k``).
        """
        g = np.diag(self.annuity)
        zero = np.zeros_like(g)
        return Weights(g, g.copy(), zero, g.copy(), g.copy(), np.zeros(self.phases))

    def covert(self, annual: float) -> Weights:
        """``V^cov_k(pi)`` (cached per timeline and detection level; see :func:`covert_weights`)."""
        return covert_weights(self, float(annual))


def undetected_share(annual: float, years: float) -> float:
    """Expected share of a phase a secret reversal spends undetected.

    Detection is a Poisson process of rate ``lambda = -ln(1 - p)`` per year
    (so a year passes undetected with probability ``1 - p``); the expected
    undetected time in a phase of ``a`` years is ``E[min(tau, a)] = h / lambda``
    with ``h = 1 - e^(-lambda a)``, a share ``u = h / (lambda a)`` of the phase.

    Parameters
    ----------
    annual : float
        Detection probability per year ``p`` in [0, 1].
    years : float
        Phase length ``a > 0``.

    Returns
    -------
    float
        ``u`` in [0, 1]: 1 when ``p = 0``, 0 when ``p = 1``.

    Examples
    --------
    >>> undetected_share(0.0, 3.0)
    1.0
    >>> undetected_share(1.0, 3.0)
    0.0
    >>> round(undetected_share(0.5, 1.0), 4)  # (1/2) / ln 2
    0.7213
    """
    if annual <= 0.0:
        return 1.0
    if annual >= 1.0:
        return 0.0
    rate = -math.log1p(-annual)
    return phase_hazard(annual, years) / (rate * years)


@functools.lru_cache(maxsize=4096)
def covert_weights(tl: Timeline, annual: float) -> Weights:
    """``V^cov_k(pi)``: reverse in secret, keep collecting until caught (closed form).

    Detection arrives at a constant rate ``lambda = -ln(1 - pi)`` per year,
    so within phase ``t`` it comes with probability ``h_t = 1 - (1 - pi)^a_t``
    and the target spends the expected share ``u_t = h_t / (lambda a_t)`` of
    the phase undetected (:func:`undetected_share`).  While undetected it
    receives the plan's relief (and that share of the phase's transfers,
    delivered over the phase) and bears the cost of the steps it still
    visibly keeps (``C_t - rho_k``); once caught, snapbacks claw back
    ``Q_t``, no new relief comes and it restores every restorable step
    (``B_t``), for the rest of the phase and forever after::

        V^cov_k = sum_{t>k} D[k,t] s_t (u_t (a_t (R_t - C_t + rho_k) + O_t)
                  + ((1 - u_t) a_t + h_t G_t) P_t) + tail,
        P_t = R_t - Q_t - C_t + B_t,

    with survival ``s_{k+1} = 1``, ``s_{t+1} = s_t (1 - h_t)``, and the tail
    after ``K`` a geometric series with ratio ``beta^a_K (1 - h_K)``.

    Parameters
    ----------
    tl : Timeline
        Phase lengths and discount.
    annual : float
        The reversed class's detection probability per year.

    Returns
    -------
    Weights
        The covert deviation's weights.
    """
    kk, a, dm, g = tl.phases, np.asarray(tl.years), tl.discount, tl.annuity
    w = {x: np.zeros((kk, kk)) for x in "RCOQB"}
    rho = np.zeros(kk)

    def add(k: int, t: int, weight: float, hazard: float, share: float) -> None:
        # undetected flows (share of the phase) + punished flows (rest of the
        # phase, and forever after if caught in it): R and C weigh both.
        punished = weight * ((1.0 - share) * a[t - 1] + hazard * g[t - 1])
        w["R"][k - 1, t - 1] += weight * share * a[t - 1] + punished
        w["C"][k - 1, t - 1] += weight * share * a[t - 1] + punished
        w["Q"][k - 1, t - 1] += punished
        w["B"][k - 1, t - 1] += punished
        rho[k - 1] += weight * share * a[t - 1]

    for k in range(1, kk + 1):
        s = 1.0
        for t in range(k + 1, kk + 1):
            h, u = phase_hazard(annual, a[t - 1]), undetected_share(annual, a[t - 1])
            add(k, t, dm[k, t] * s, h, u)
            w["O"][k - 1, t - 1] += dm[k, t] * s * u
            s *= 1.0 - h
        h, u = phase_hazard(annual, a[-1]), undetected_share(annual, a[-1])
        d = tl.beta ** a[-1]
        add(k, kk, dm[k, kk] * s * d / (1.0 - d * (1.0 - h)), h, u)
    return Weights(w["R"], w["C"], w["O"], w["Q"], w["B"], rho)
