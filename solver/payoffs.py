"""The target's payoffs along a schedule: flows, continuation values, leverage.

These are the definitions of ``docs/formulation.md`` section "Payoffs",
evaluated for a fixed schedule.  The MIP encodes the same quantities as linear
rows; the verifier and the game module call these functions, so all three
agree by construction.

Timing: at the end of phase ``k`` the target has taken the steps done by ``k``
and holds the relief granted by ``k``.  Complying, it receives the flows
``F_{k+1}, ..., F_K`` and then ``F_K`` in every later period.

Backsliding is *selective*: the target chooses which done steps to reverse.
Reversing a set ``S`` restores share ``b_d`` of each step's cost and is
detected with probability ``max_{d in S} p_d`` (the most visible reversal);
once detected, each measure is re-imposed with probability ``q_m``, clawing
back share ``r_m``, and no further relief comes.  For a given detection level
``pi`` the best set reverses every done step with ``p_d <= pi``, so the
target's options are one *deviation class* per distinct ``p_d`` among its
done steps; it takes the best one.  The flow ``F^D_k`` of that class repeats
forever.  With no step done, backsliding means keeping the relief granted so
far (nothing to reverse, nothing to detect).

Flows are annual values times ``parameters.phase_years`` (years per phase), so
continuation values and leverage are in USD m.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.scenario import Scenario


@dataclass(frozen=True)
class Coefficients:
    """Scenario data as arrays in a fixed (file) order.

    Attributes
    ----------
    v, r, q : numpy.ndarray
        Per measure: value (USD m/yr), reversibility, nominal snapback
        credibility of its instrument.
    u, c, b, p : numpy.ndarray
        Per milestone: coalition value, cost to the target (USD m/yr),
        reversibility, detection probability.
    delta : float
        Discount factor per phase.
    phases : int
        Number of phases ``K``.
    years : float
        Years per phase: flows per phase are ``years`` times annual values.
    """

    v: np.ndarray
    r: np.ndarray
    q: np.ndarray
    u: np.ndarray
    c: np.ndarray
    b: np.ndarray
    p: np.ndarray
    delta: float
    phases: int
    years: float = 1.0

    @property
    def annuity(self) -> float:
        """``years * delta / (1 - delta)``: value of one USD m/yr from the next phase on."""
        return self.years * self.delta / (1.0 - self.delta)


def coefficients(
    scenario: Scenario, *, credibility: dict[str, float] | None = None
) -> Coefficients:
    """Extract the payoff coefficients of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    credibility : dict, optional
        Instrument id -> credibility replacing the nominal ``credibility``
        (the game module passes subgame-perfect values here).

    Returns
    -------
    Coefficients
        Arrays in the scenario's measure and milestone order.
    """
    cred = {i.id: i.credibility for i in scenario.instruments}
    if credibility:
        cred.update(credibility)
    ms, ds = scenario.measures, scenario.milestones
    return Coefficients(
        v=np.array([m.value for m in ms], dtype=float),
        r=np.array([m.reversibility for m in ms], dtype=float),
        q=np.array([cred.get(m.instrument, 1.0) for m in ms], dtype=float),
        u=np.array([d.value for d in ds], dtype=float),
        c=np.array([d.cost for d in ds], dtype=float),
        b=np.array([d.reversibility for d in ds], dtype=float),
        p=np.array([d.detection for d in ds], dtype=float),
        delta=scenario.parameters.discount,
        phases=scenario.phases,
        years=scenario.parameters.phase_years,
    )


def state_matrices(
    measure_phase: list[int | None], milestone_phase: list[int | None], phases: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``Y[m, k]`` and ``Z[d, k]`` (k = 1..K in columns 0..K-1).

    Parameters
    ----------
    measure_phase, milestone_phase : list of int or None
        Phase of each measure / milestone (``None``: never).
    phases : int
        Number of phases ``K``.

    Returns
    -------
    tuple of numpy.ndarray
        ``Y`` and ``Z``; ``Y[m, k] = 1`` when measure ``m`` is granted by the
        end of phase ``k``.

    Examples
    --------
    >>> y, z = state_matrices([2, None], [1], 3)
    >>> y.tolist(), z.tolist()
    ([[0.0, 1.0, 1.0], [0.0, 0.0, 0.0]], [[1.0, 1.0, 1.0]])
    """
    ks = np.arange(1, phases + 1)
    y = np.array([(ks >= g) if g is not None else np.zeros(phases, bool) for g in measure_phase])
    z = np.array([(ks >= g) if g is not None else np.zeros(phases, bool) for g in milestone_phase])
    return y.reshape(len(measure_phase), phases).astype(float), z.reshape(
        len(milestone_phase), phases
    ).astype(float)


def deviation_classes(p: np.ndarray, done: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """The target's backsliding options given the steps ``done`` (a boolean mask).

    Parameters
    ----------
    p : numpy.ndarray
        Detection probability of each milestone.
    done : numpy.ndarray
        Which milestones are done.

    Returns
    -------
    list of (float, numpy.ndarray)
        One ``(pi, reversed_mask)`` per distinct detection level ``pi`` among
        the done steps, in increasing ``pi``: reverse every done step with
        ``p_d <= pi``.  ``[(0.0, no step)]`` when nothing is done.

    Examples
    --------
    >>> cls = deviation_classes(np.array([0.9, 0.2, 0.5]), np.array([True, True, False]))
    >>> [(pi, m.tolist()) for pi, m in cls]
    [(0.2, [False, True, False]), (0.9, [True, True, False])]
    """
    levels = np.unique(p[done])
    if levels.size == 0:
        return [(0.0, np.zeros_like(done, dtype=bool))]
    return [(float(pi), done & (p <= pi)) for pi in levels]


def best_deviation(
    co: Coefficients, done: np.ndarray, base_flow: float, clawback: float
) -> tuple[float, float, np.ndarray]:
    """The deviation class with the highest flow for the target.

    Parameters
    ----------
    co : Coefficients
        Scenario coefficients (``p``, ``c``, ``b``).
    done : numpy.ndarray
        Boolean mask of done milestones.
    base_flow : float
        ``R_k - C_k``: the flow if nothing were reversed and nothing clawed back.
    clawback : float
        Expected clawback once detected, ``sum_m v_m q_m r_m y[m,k]`` (USD m/yr).

    Returns
    -------
    tuple
        ``(F^D, pi, reversed_mask)``: the best deviation flow (USD m/yr), its
        detection probability and the steps it reverses.  Ties go to the
        lower detection level.
    """
    best: tuple[float, float, np.ndarray] | None = None
    for pi, rev in deviation_classes(co.p, done):
        restored = float(co.c[rev] @ co.b[rev]) if rev.any() else 0.0
        flow = base_flow - pi * clawback + restored
        if best is None or flow > best[0] + 1e-12:
            best = (flow, pi, rev)
    assert best is not None  # deviation_classes is never empty
    return best


@dataclass(frozen=True)
class PhaseValues:
    """Per-phase payoff quantities of a schedule (arrays of length ``K``).

    Attributes
    ----------
    relief, cost : numpy.ndarray
        ``R_k = sum v_m y[m,k]`` and ``C_k = sum c_d z[d,k]`` (USD m/yr).
    flow, deviation_flow : numpy.ndarray
        ``F_k = R_k - C_k`` and the best deviation's ``F^D_k`` (USD m/yr).
    detection : numpy.ndarray
        Detection probability of the best deviation.
    reversed : tuple of numpy.ndarray
        Per phase, the mask of steps the best deviation reverses.
    comply_value, deviate_value : numpy.ndarray
        ``V^C_k`` and ``V^D_k`` (USD m, discounted).
    leverage : numpy.ndarray
        ``L_k = V^C_k - V^D_k``.
    """

    relief: np.ndarray
    cost: np.ndarray
    flow: np.ndarray
    deviation_flow: np.ndarray
    detection: np.ndarray
    reversed: tuple[np.ndarray, ...]
    comply_value: np.ndarray
    deviate_value: np.ndarray
    leverage: np.ndarray


def continuation_weights(delta: float, phases: int) -> np.ndarray:
    """Matrix ``W`` with ``V^C_k = years * sum_t W[k, t] F_t`` (0-based ``k, t``).

    ``W[k, t] = delta^(t-k)`` for ``k < t < K-1``, and the last phase also
    carries the perpetuity ``delta^(K-k) / (1 - delta)``.

    Parameters
    ----------
    delta : float
        Discount factor per phase.
    phases : int
        Number of phases ``K``.

    Returns
    -------
    numpy.ndarray
        ``(K, K)`` weights.

    Examples
    --------
    >>> continuation_weights(0.5, 2).round(3).tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    w = np.zeros((phases, phases))
    for k in range(phases):
        for t in range(k + 1, phases):
            w[k, t] = delta ** (t - k)
        w[k, phases - 1] += delta ** (phases - k) / (1.0 - delta)
    return w


def phase_values(co: Coefficients, y: np.ndarray, z: np.ndarray) -> PhaseValues:
    """Evaluate every payoff quantity of the schedule ``(y, z)``.

    Parameters
    ----------
    co : Coefficients
        Scenario coefficients.
    y, z : numpy.ndarray
        State matrices from :func:`state_matrices`.

    Returns
    -------
    PhaseValues
        Flows, the best deviation, continuation values and leverage per phase.
    """
    k_all = co.phases
    relief = co.v @ y if y.size else np.zeros(k_all)
    cost = co.c @ z if z.size else np.zeros(k_all)
    claw = (co.v * co.q * co.r) @ y if y.size else np.zeros(k_all)
    flow = relief - cost
    dev = np.zeros(k_all)
    det = np.zeros(k_all)
    rev = []
    for k in range(k_all):
        done = z[:, k] > 0.5 if z.size else np.zeros(0, dtype=bool)
        dev[k], det[k], mask = best_deviation(co, done, float(flow[k]), float(claw[k]))
        rev.append(mask)
    vc = co.years * (continuation_weights(co.delta, k_all) @ flow)
    vd = co.annuity * dev
    return PhaseValues(relief, cost, flow, dev, det, tuple(rev), vc, vd, vc - vd)
