"""The target's payoffs along a schedule: flows, continuation values, leverage.

These are the definitions of ``docs/formulation.md`` section "Payoffs",
evaluated for a fixed schedule.  The MIP encodes the same quantities as linear
rows; the verifier and the game module call these functions, so all three
agree by construction.

Timing: at the end of phase ``k`` the target has taken the steps done by ``k``
and holds the relief granted by ``k``.  Complying, it receives the flows
``F_{k+1}, ..., F_K`` and then ``F_K`` in every later period.  Backsliding,
it restores share ``b_d`` of each step, is detected with probability ``p_k``,
each measure is then re-imposed with probability ``q_m`` clawing back share
``r_m``, and no further relief comes; the flow ``F^D_k`` repeats forever.
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


def detection_by_phase(co: Coefficients, z: np.ndarray) -> np.ndarray:
    """``p_k = max_d p_d z[d, k]``: backsliding is caught at least as surely as its most
    visible reversal (0 when no step is done)."""
    if z.shape[0] == 0:
        return np.zeros(co.phases)
    return np.max(co.p[:, None] * z, axis=0)


@dataclass(frozen=True)
class PhaseValues:
    """Per-phase payoff quantities of a schedule (arrays of length ``K``).

    Attributes
    ----------
    relief, cost : numpy.ndarray
        ``R_k = sum v_m y[m,k]`` and ``C_k = sum c_d z[d,k]`` (USD m/yr).
    flow, deviation_flow : numpy.ndarray
        ``F_k`` and ``F^D_k`` (USD m per period).
    detection : numpy.ndarray
        ``p_k``.
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
    comply_value: np.ndarray
    deviate_value: np.ndarray
    leverage: np.ndarray


def continuation_weights(delta: float, phases: int) -> np.ndarray:
    """Matrix ``W`` with ``V^C_k = sum_t W[k, t] F_t`` (0-based ``k, t``).

    ``W[k, t] = delta^(t-k)`` for ``k < t < K-1``, and the last phase also
    carries the perpetuity ``delta^(K-k) / (1 - delta)``.

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
        Flows, continuation values and leverage per phase.
    """
    relief = co.v @ y if y.size else np.zeros(co.phases)
    cost = co.c @ z if z.size else np.zeros(co.phases)
    p_k = detection_by_phase(co, z)
    claw = (co.v * co.q * co.r) @ y if y.size else np.zeros(co.phases)
    kept_cost = (co.c * (1.0 - co.b)) @ z if z.size else np.zeros(co.phases)
    flow = relief - cost
    dev_flow = relief - p_k * claw - kept_cost
    vc = continuation_weights(co.delta, co.phases) @ flow
    vd = co.delta / (1.0 - co.delta) * dev_flow
    return PhaseValues(relief, cost, flow, dev_flow, p_k, vc, vd, vc - vd)
