"""The per-phase extensive-form game and its backward-induction solution.

At the end of phase ``k`` the target moves: *comply* (value ``V^C_k``) or
*backslide* through one of its deviation classes (:mod:`solver.payoffs`:
reverse every done step with ``p_d <= pi``, detected with probability
``pi``).  After backsliding, nature detects it with probability ``pi``;
then, for every instrument ``i`` through which relief was granted, the actors
it needs choose *snapback* or *sustain*.  Snapback re-imposes each of the
instrument's measures with probability ``q_i`` (the nominal credibility),
clawing back share ``r_m`` of its value for good.  The target's payoffs are
those of :mod:`solver.payoffs`:

``V^D_k(s) = a * max_pi (R_k - pi * sum_i s_i q_i W_ik - K_k(pi))``

with ``a = years * delta / (1 - delta)``, ``R_k = sum_m v_m y[m,k]``,
``W_ik = sum_{m in i} v_m r_m y[m,k]``, ``K_k(pi) = C_k - sum_{d done, p_d <= pi}
c_d b_d`` (the cost the target keeps bearing) and ``s_i`` in {0, 1} the coalition's
choice.  The coalition's leaf payoffs are the value of the steps still in
place (``U_k = sum_d u_d z[d,k]`` after compliance, ``U^D_k = U_k - sum_{d
reversed} u_d b_d`` after backsliding) plus, per instrument that snaps back,
the pivotal actor's net gain (:mod:`solver.game.credibility`).  Backward
induction: each instrument snaps back iff its pivotal gain is non-negative
(or it is a commitment); the target then complies iff
``V^C_k >= V^D_k(s*)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from solver.game.credibility import Credibility
from solver.game.tolerances import DECISION_TOL
from solver.payoffs import Coefficients, continuation_weights, deviation_classes
from solver.tolerances import incentive_compatible


@dataclass(frozen=True)
class PhaseGame:
    """The stage game at the end of one phase.

    Attributes
    ----------
    phase : int
        ``k`` (1-based).
    delta : float
        Target's discount factor.
    comply_value : float
        ``V^C_k`` (USD m).
    relief, cost : float
        ``R_k`` and ``C_k`` (USD m per year).
    options : tuple of (float, float, float)
        The target's deviation classes: ``(pi, restored cost c.b, restored
        coalition value u.b)`` of the steps each reverses.
    clawback : dict of str to float
        ``W_ik`` per instrument with relief granted by ``k`` (USD m/yr).
    nominal : dict of str to float
        ``q_i`` per instrument in ``clawback``.
    coalition_gain : dict of str to float
        Pivotal net gain per instrument (USD m).
    committed : dict of str to bool
        Instruments whose credibility is set by override.
    steps_value : float
        ``U_k`` (coalition value units).
    years : float
        Years per phase (flows per phase are ``years`` times annual values).
    """

    phase: int
    delta: float
    comply_value: float
    relief: float
    cost: float
    options: tuple[tuple[float, float, float], ...]
    clawback: dict[str, float]
    nominal: dict[str, float]
    coalition_gain: dict[str, float]
    committed: dict[str, bool]
    steps_value: float
    years: float = 1.0

    @property
    def annuity(self) -> float:
        """``years * delta / (1 - delta)``: value of one USD m/yr from the next phase on."""
        return self.years * self.delta / (1.0 - self.delta)

    def _claw(self, snapback: dict[str, bool]) -> float:
        return sum(self.nominal[i] * w for i, w in self.clawback.items() if snapback.get(i, False))

    def best_option(self, snapback: dict[str, bool] | None = None) -> tuple[float, float, float]:
        """The target's best deviation class against ``snapback`` (default: SPE choice)."""
        if snapback is None:
            return self._spe_best
        return self._best_against(self._claw(snapback))

    def _best_against(self, claw: float) -> tuple[float, float, float]:
        return max(self.options, key=lambda o: (o[1] - o[0] * claw, -o[0]))

    @cached_property
    def _spe_choice(self) -> dict[str, bool]:
        return {
            i: self.committed.get(i, False) or self.coalition_gain[i] >= -DECISION_TOL
            for i in self.clawback
        }

    @cached_property
    def _spe_claw(self) -> float:
        return self._claw(self._spe_choice)

    @cached_property
    def _spe_best(self) -> tuple[float, float, float]:
        return self._best_against(self._spe_claw)

    @property
    def detection(self) -> float:
        """Detection probability of the target's best deviation (SPE snapbacks)."""
        return self.best_option()[0]

    @property
    def kept_cost(self) -> float:
        """``K_k``: step cost the target still bears after its best deviation."""
        return self.cost - self.best_option()[1]

    @property
    def steps_kept(self) -> float:
        """``U^D_k``: coalition value of the steps left after the best deviation."""
        return self.steps_value - self.best_option()[2]

    def deviate_value(self, snapback: dict[str, bool] | None = None) -> float:
        """``V^D_k`` when the instruments in ``snapback`` (default: SPE choice) snap back."""
        if snapback is None:
            (pi, restored, _), claw = self._spe_best, self._spe_claw
        else:
            claw = self._claw(snapback)
            pi, restored, _ = self._best_against(claw)
        return self.annuity * (self.relief - pi * claw - (self.cost - restored))

    def coalition_choice(self) -> dict[str, bool]:
        """Backward induction at the detection node: snapback iff credible."""
        return dict(self._spe_choice)

    def effective_clawback(self) -> float:
        """``Q_k = sum_i s*_i q_i W_ik``: expected clawback per period if detected."""
        return self._spe_claw

    def margin(self) -> float:
        """Subgame-perfect margin ``V^C_k - V^D_k(s*)`` (USD m)."""
        return self.comply_value - self.deviate_value()


def _options(co: Coefficients, done: np.ndarray) -> tuple[tuple[float, float, float], ...]:
    """Deviation classes of one phase as ``(pi, restored cost, restored value)``."""
    return tuple(
        (pi, float(co.c[rev] @ co.b[rev]), float(co.u[rev] @ co.b[rev]))
        for pi, rev in deviation_classes(co.p, done)
    )


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
    relief = co.v @ y if y.size else np.zeros(co.phases)
    cost = co.c @ z if z.size else np.zeros(co.phases)
    steps = co.u @ z if z.size else np.zeros(co.phases)
    vc = co.years * (continuation_weights(co.delta, co.phases) @ (relief - cost))
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
                comply_value=float(vc[k]),
                relief=float(relief[k]),
                cost=float(cost[k]),
                options=_options(co, z[:, k] > 0.5 if z.size else np.zeros(0, dtype=bool)),
                clawback=claw,
                nominal={i: cred[i].nominal if i in cred else 1.0 for i in claw},
                coalition_gain={i: cred[i].pivotal_gain if i in cred else 0.0 for i in claw},
                committed={i: cred[i].committed if i in cred else True for i in claw},
                steps_value=float(steps[k]),
                years=co.years,
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
        d, yrs = games[k].delta, games[k].years
        if k == n - 1:
            comply[k] = yrs * d / (1.0 - d) * flow[k]
        else:
            best_next = max(comply[k + 1], games[k + 1].deviate_value())
            comply[k] = d * (yrs * flow[k + 1] + best_next)
        ok = incentive_compatible(float(comply[k]), games[k].deviate_value())
        actions[k] = "comply" if ok else "backslide"
    return comply, actions
