"""The per-phase extensive-form game and its backward-induction solution.

At the end of phase ``k`` the target moves: *comply* (value ``V^C_k``) or
*backslide*.  After backsliding, nature detects it with probability ``p_k``;
then, for every instrument ``i`` through which relief was granted, the actors
it needs choose *snapback* or *sustain*.  Snapback re-imposes each of the
instrument's measures with probability ``q_i`` (the nominal credibility),
clawing back share ``r_m`` of its value for good.  The target's payoffs are
those of :mod:`solver.payoffs`:

``V^D_k(s) = delta / (1 - delta) * (R_k - p_k * sum_i s_i q_i W_ik - K_k)``

with ``R_k = sum_m v_m y[m,k]``, ``W_ik = sum_{m in i} v_m r_m y[m,k]``,
``K_k = sum_d c_d (1 - b_d) z[d,k]`` and ``s_i`` in {0, 1} the coalition's
choice.  The coalition's leaf payoffs are the value of the steps still in
place (``U_k = sum_d u_d z[d,k]`` after compliance, ``U^D_k = sum_d u_d
(1 - b_d) z[d,k]`` after backsliding) plus, per instrument that snaps back,
the pivotal actor's net gain (:mod:`solver.game.credibility`).  Backward
induction: each instrument snaps back iff its pivotal gain is non-negative
(or it is a commitment); the target then complies iff
``V^C_k >= V^D_k(s*)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.game.credibility import Credibility
from solver.game.tolerances import DECISION_TOL
from solver.payoffs import Coefficients, continuation_weights, detection_by_phase
from solver.tolerances import feasible_leq


@dataclass(frozen=True)
class PhaseGame:
    """The stage game at the end of one phase.

    Attributes
    ----------
    phase : int
        ``k`` (1-based).
    delta : float
        Target's discount factor.
    detection : float
        ``p_k``.
    comply_value : float
        ``V^C_k`` (USD m).
    relief, kept_cost : float
        ``R_k`` and ``K_k`` (USD m per period).
    clawback : dict of str to float
        ``W_ik`` per instrument with relief granted by ``k`` (USD m/yr).
    nominal : dict of str to float
        ``q_i`` per instrument in ``clawback``.
    coalition_gain : dict of str to float
        Pivotal net gain per instrument (USD m).
    committed : dict of str to bool
        Instruments whose credibility is set by override.
    steps_value, steps_kept : float
        ``U_k`` and ``U^D_k`` (coalition value units).
    """

    phase: int
    delta: float
    detection: float
    comply_value: float
    relief: float
    kept_cost: float
    clawback: dict[str, float]
    nominal: dict[str, float]
    coalition_gain: dict[str, float]
    committed: dict[str, bool]
    steps_value: float
    steps_kept: float

    @property
    def annuity(self) -> float:
        """``delta / (1 - delta)``: value of one USD m per period from next period on."""
        return self.delta / (1.0 - self.delta)

    def deviate_value(self, snapback: dict[str, bool] | None = None) -> float:
        """``V^D_k`` when the instruments in ``snapback`` (default: SPE choice) snap back."""
        s = self.coalition_choice() if snapback is None else snapback
        claw = sum(self.nominal[i] * w for i, w in self.clawback.items() if s.get(i, False))
        return self.annuity * (self.relief - self.detection * claw - self.kept_cost)

    def coalition_choice(self) -> dict[str, bool]:
        """Backward induction at the detection node: snapback iff credible."""
        return {
            i: self.committed.get(i, False) or self.coalition_gain[i] >= -DECISION_TOL
            for i in self.clawback
        }

    def effective_clawback(self) -> float:
        """``Q_k = sum_i s*_i q_i W_ik``: expected clawback per period if detected."""
        s = self.coalition_choice()
        return sum(self.nominal[i] * w for i, w in self.clawback.items() if s[i])

    def margin(self) -> float:
        """Subgame-perfect margin ``V^C_k - V^D_k(s*)`` (USD m)."""
        return self.comply_value - self.deviate_value()


@dataclass(frozen=True)
class _Arrays:
    flow: np.ndarray
    relief: np.ndarray
    kept: np.ndarray
    detection: np.ndarray
    steps: np.ndarray
    steps_kept: np.ndarray


def _arrays(co: Coefficients, y: np.ndarray, z: np.ndarray) -> _Arrays:
    k = co.phases
    relief = co.v @ y if y.size else np.zeros(k)
    cost = co.c @ z if z.size else np.zeros(k)
    kept = (co.c * (1.0 - co.b)) @ z if z.size else np.zeros(k)
    steps = co.u @ z if z.size else np.zeros(k)
    steps_kept = (co.u * (1.0 - co.b)) @ z if z.size else np.zeros(k)
    return _Arrays(relief - cost, relief, kept, detection_by_phase(co, z), steps, steps_kept)


def phase_games(
    co: Coefficients,
    y: np.ndarray,
    z: np.ndarray,
    instruments: list[str],
    cred: dict[str, Credibility],
) -> list[PhaseGame]:
    """Build the stage game of every phase of a schedule.

    Parameters
    ----------
    co : Coefficients
        Scenario coefficients (``co.q`` is ignored; ``cred`` supplies ``q``).
    y, z : numpy.ndarray
        State matrices of the schedule.
    instruments : list of str
        Instrument id of each measure, in ``co`` order.
    cred : dict
        :class:`~solver.game.credibility.Credibility` per instrument id;
        an id missing here is a commitment with credibility 1 (as in
        :func:`solver.payoffs.coefficients`).

    Returns
    -------
    list of PhaseGame
        One per phase.
    """
    ar = _arrays(co, y, z)
    vc = continuation_weights(co.delta, co.phases) @ ar.flow
    games = []
    for k in range(co.phases):
        claw: dict[str, float] = {}
        for m, inst in enumerate(instruments):
            if y[m, k] > 0:
                claw[inst] = claw.get(inst, 0.0) + float(co.v[m] * co.r[m])
        games.append(
            PhaseGame(
                phase=k + 1,
                delta=co.delta,
                detection=float(ar.detection[k]),
                comply_value=float(vc[k]),
                relief=float(ar.relief[k]),
                kept_cost=float(ar.kept[k]),
                clawback=claw,
                nominal={i: cred[i].nominal if i in cred else 1.0 for i in claw},
                coalition_gain={i: cred[i].pivotal_gain if i in cred else 0.0 for i in claw},
                committed={i: cred[i].committed if i in cred else True for i in claw},
                steps_value=float(ar.steps[k]),
                steps_kept=float(ar.steps_kept[k]),
            )
        )
    return games


def chain_phases(games: list[PhaseGame], flow: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Backward induction over phases with the target's optimal continuation.

    ``C_K = delta/(1-delta) F_K`` and ``C_k = delta (F_{k+1} + max(C_{k+1},
    V^D_{k+1}))``: the value of complying at ``k`` when the target plays
    its subgame-perfect strategy afterwards.  When every phase is incentive
    compatible ``C_k = V^C_k`` (one-shot deviation principle).

    Returns
    -------
    comply : numpy.ndarray
        ``C_k`` per phase.
    actions : list of str
        ``"comply"`` or ``"backslide"``: the target's SPE move per phase.
    """
    n = len(games)
    comply = np.zeros(n)
    actions = [""] * n
    for k in range(n - 1, -1, -1):
        d = games[k].delta
        if k == n - 1:
            comply[k] = d / (1.0 - d) * flow[k]
        else:
            best_next = max(comply[k + 1], games[k + 1].deviate_value())
            comply[k] = d * (flow[k + 1] + best_next)
        ok = feasible_leq(games[k].deviate_value(), comply[k])
        actions[k] = "comply" if ok else "backslide"
    return comply, actions
