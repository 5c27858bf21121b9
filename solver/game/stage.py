"""The per-phase extensive-form game and its backward-induction solution.

At the end of phase ``k`` the target moves: *comply* (value ``V^C_k``) or
deviate through one of its options (:mod:`solver.payoffs`): *stall*, or an
an *overt* reversal of everything (seen at once), or a *covert* reversal of
one detection class (detected phase by phase with the class's hazard); once a
reversal is seen, for every instrument through which relief is snapped back,
the actors it needs choose *snapback* or *sustain*.  A
snapback re-imposes each of the instrument's measures with its nominal
credibility ``q``, clawing back share ``r`` for good.

Every option's value is linear in the coalition's choices ``s_i`` in
{0, 1}: ``V^D(s) = base - sum_i s_i loss_i``, where ``base`` is the value
if nothing is ever snapped back and ``loss_i`` what instrument ``i``'s
snapback costs the target in expectation (both from the same
:class:`~solver.timeline.Weights` as the MIP: ``loss_i = sum_t W_Q[k, t]
Q_{i,t}``).  The coalition's leaf payoffs are the value of the steps still
in place (``U_k = sum_d u_d z[d,k]`` after compliance, minus ``u_d`` times
the restorable share of each reversed step after a reversal) plus, per
instrument that snaps back, the pivotal actor's net gain
(:mod:`solver.credibility`).  Backward induction: each instrument snaps
back iff its pivotal gain is non-negative (or it is a commitment); the
target then takes its best option against those choices, and complies iff
``V^C_k >= V^D_k(s*)`` (:func:`solver.tolerances.incentive_compatible`).
With ``s*`` the values equal :func:`solver.payoffs.phase_values` with the
effective credibility, so the game and the MIP agree by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from solver.credibility import Credibility
from solver.game.tolerances import DECISION_TOL
from solver.payoffs import Aggregates, Coefficients, aggregates, deviation_classes, stall_open
from solver.timeline import Weights, phase_hazard
from solver.tolerances import incentive_compatible


@dataclass(frozen=True)
class Option:
    """One deviation open to the target at the end of a phase.

    Attributes
    ----------
    kind : {"stall", "overt", "covert"}
        The deviation.
    detection : float
        Detection probability per year of what it reverses (0 for a stall).
    detection_next : float
        Probability it is detected within the next phase.
    reverses : tuple of bool
        Per milestone, whether it is reversed.
    base : float
        Its value if no instrument ever snaps back (USD m).
    loss : dict of str to float
        Per instrument, what that instrument's snapback costs the target in
        expectation (USD m, nominal credibility).
    restored_value : float
        Coalition value of the reversed steps (score times restorable share).
    """

    kind: str
    detection: float
    detection_next: float
    reverses: tuple[bool, ...]
    base: float
    loss: dict[str, float]
    restored_value: float

    def value(self, snapback: dict[str, bool]) -> float:
        """``base - sum_i s_i loss_i`` against the coalition's choices (USD m)."""
        return self.base - sum(w for i, w in self.loss.items() if snapback.get(i, False))


@dataclass(frozen=True)
class PhaseGame:
    """The stage game at the end of one phase.

    Attributes
    ----------
    phase : int
        ``k`` (1-based).
    comply_value : float
        ``V^C_k`` (USD m).
    options : tuple of Option
        The target's deviations (a stall first).
    nominal : dict of str to float
        Nominal credibility this phase of each instrument with relief to snap back.
    coalition_gain : dict of str to float
        Pivotal net gain per instrument (USD m).
    committed : dict of str to bool
        Instruments whose credibility is set by override.
    steps_value : float
        ``U_k`` (coalition value units).
    annuity : float
        ``G_k``: value of 1 USD m/yr from the end of phase ``k`` on (years).
    delta : float
        Discount factor over the next phase.
    """

    phase: int
    comply_value: float
    options: tuple[Option, ...]
    nominal: dict[str, float]
    coalition_gain: dict[str, float]
    committed: dict[str, bool]
    steps_value: float
    annuity: float
    delta: float

    @property
    def instruments(self) -> tuple[str, ...]:
        """Instruments whose snapback matters in this phase."""
        return tuple(self.nominal)

    @cached_property
    def _spe_choice(self) -> dict[str, bool]:
        return {
            i: self.committed.get(i, False) or self.coalition_gain[i] >= -DECISION_TOL
            for i in self.nominal
        }

    def coalition_choice(self) -> dict[str, bool]:
        """Backward induction at the detection node: snapback iff credible."""
        return dict(self._spe_choice)

    def best_option(self, snapback: dict[str, bool] | None = None) -> Option:
        """The target's best option against ``snapback`` (default: the SPE choice).

        Ties go to the earlier option (stall, then overt, then covert; lower
        detection first).
        """
        choice = self._spe_choice if snapback is None else snapback
        best, top = self.options[0], self.options[0].value(choice)
        for o in self.options[1:]:
            value = o.value(choice)
            if value > top + 1e-12 * max(1.0, abs(top)):
                best, top = o, value
        return best

    def deviate_value(self, snapback: dict[str, bool] | None = None) -> float:
        """``V^D_k`` when the instruments in ``snapback`` (default: SPE choice) snap back."""
        choice = self._spe_choice if snapback is None else snapback
        return self.best_option(choice).value(choice)

    @property
    def detection(self) -> float:
        """Detection per year of the target's best deviation (SPE snapbacks)."""
        return self.best_option().detection

    @property
    def steps_kept(self) -> float:
        """``U^D_k``: coalition value of the steps left after the best deviation."""
        return self.steps_value - self.best_option().restored_value

    def margin(self) -> float:
        """Subgame-perfect margin ``V^C_k - V^D_k(s*)`` (USD m)."""
        return self.comply_value - self.deviate_value()


def clawback_by_instrument(
    co: Coefficients, agg: Aggregates, snap: list[str]
) -> dict[str, np.ndarray]:
    """``Q_{i,t}``: expected clawback per phase of each snapback instrument's measures.

    Parameters
    ----------
    co : Coefficients
        Coefficients with the *nominal* credibility of each instrument.
    agg : Aggregates
        The schedule's aggregates (for which flows are active).
    snap : list of str
        Snapback instrument of each measure.

    Returns
    -------
    dict of str to numpy.ndarray
        Instrument id -> ``(K,)`` clawback (USD m/yr); only instruments with
        a flow in force at some phase.
    """
    out: dict[str, np.ndarray] = {}
    per = (co.v * co.r)[:, None] * co.q * agg.active
    for m, inst in enumerate(snap):
        if agg.active[m].any():
            out[inst] = out.get(inst, np.zeros(co.phases)) + per[m]
    return out


def _weights(co: Coefficients, kind: str, pi: float) -> Weights:
    tl = co.timeline
    return tl.stall if kind == "stall" else tl.overt if kind == "overt" else tl.covert(pi)


def _options(
    co: Coefficients, agg: Aggregates, z: np.ndarray, k: int
) -> list[tuple[str, float, np.ndarray]]:
    """``(kind, pi, reversed_mask)`` of every deviation at node ``k``, in
    :func:`solver.payoffs.class_values`' order (without evaluating them)."""
    n_d = len(co.c)
    out: list[tuple[str, float, np.ndarray]] = []
    if stall_open(z, k):
        out.append(("stall", 0.0, np.zeros(n_d, dtype=bool)))
    done = z[:, k] > 0.5 if z.size else np.zeros(0, dtype=bool)
    if done.any():
        out.append(("overt", 1.0, done))
        out.extend(("covert", pi, rev) for pi, rev in deviation_classes(agg.detection[:, k], done))
    return out


def phase_games(
    co: Coefficients,
    y: np.ndarray,
    z: np.ndarray,
    snap: list[str],
    cred: dict[str, Credibility],
) -> list[PhaseGame]:
    """Build the stage game of every phase of a schedule.

    Parameters
    ----------
    co : Coefficients
        Coefficients with *nominal* credibility (``coefficients(s, nominal=True)``).
    y, z : numpy.ndarray
        State matrices of the schedule.
    snap : list of str
        Snapback instrument id of each measure, in ``co`` order.
    cred : dict
        :class:`~solver.credibility.Credibility` per instrument id; an id
        missing here is a commitment with credibility 1 (as in
        :func:`solver.payoffs.coefficients`).

    Returns
    -------
    list of PhaseGame
        One per phase.
    """
    agg = aggregates(co, y, z)
    tl = co.timeline
    vc = tl.comply.value(agg.relief, agg.cost, agg.transfers, agg.clawback, agg.restorable)
    steps = co.u @ z if z.size else np.zeros(co.phases)
    by_inst = clawback_by_instrument(co, agg, snap)
    no_claw = np.zeros(co.phases)
    years = [*tl.years[1:], tl.years[-1]]
    games = []
    bases: dict[tuple[str, float], np.ndarray] = {}  # each weight set evaluated once
    for k in range(co.phases):
        options = []
        for kind, pi, mask in _options(co, agg, z, k):
            w = _weights(co, kind, pi)
            restored = float(co.c[mask] @ agg.share[mask, k]) if mask.any() else 0.0
            if (kind, pi) not in bases:
                bases[kind, pi] = w.value(
                    agg.relief, agg.cost, agg.transfers, no_claw, agg.restorable
                )
            base = bases[kind, pi]
            base_k = float(base[k] + w.rho[k] * restored)
            loss = {i: float(w.Q[k] @ q) for i, q in by_inst.items() if w.Q[k] @ q != 0}
            options.append(
                Option(
                    kind=kind,
                    detection=pi,
                    detection_next=phase_hazard(pi, years[k])
                    if kind == "covert"
                    else (1.0 if kind == "overt" else 0.0),
                    reverses=tuple(bool(x) for x in mask),
                    base=base_k,
                    loss=loss,
                    restored_value=float(co.u[mask] @ agg.share[mask, k]),
                )
            )
        if not options:  # nothing done and nothing left to refuse
            none = tuple(False for _ in range(len(co.c)))
            options.append(Option("none", 0.0, 0.0, none, float(vc[k]), {}, 0.0))
        instruments = sorted({i for o in options for i in o.loss})
        games.append(
            PhaseGame(
                phase=k + 1,
                comply_value=float(vc[k]),
                options=tuple(options),
                nominal={i: cred[i].nominal_at(k + 1) if i in cred else 1.0 for i in instruments},
                coalition_gain={i: cred[i].pivotal_gain if i in cred else 0.0 for i in instruments},
                committed={i: cred[i].committed if i in cred else True for i in instruments},
                steps_value=float(steps[k]),
                annuity=float(tl.annuity[k]),
                delta=float(tl.beta ** years[k]),
            )
        )
    return games


def chain_phases(
    games: list[PhaseGame], co: Coefficients, y: np.ndarray, z: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Backward induction over phases with the target's optimal continuation.

    ``C_K = V^C_K`` and ``C_k = D[k, k+1] (a_{k+1} F_{k+1} + O_{k+1} +
    max(C_{k+1}, V^D_{k+1}))``: the value of complying at ``k`` when the
    target plays its subgame-perfect strategy afterwards.  When every phase
    is incentive compatible ``C_k = V^C_k`` (one-shot deviation principle).

    Parameters
    ----------
    games : list of PhaseGame
        The stage games.
    co : Coefficients
        Coefficients (the timeline and flows).
    y, z : numpy.ndarray
        The schedule's state matrices.

    Returns
    -------
    comply : numpy.ndarray
        ``C_k`` per phase.
    actions : list of str
        ``"comply"`` or ``"backslide"``: the target's SPE move per phase.
    """
    agg = aggregates(co, y, z)
    tl = co.timeline
    flow = agg.relief - agg.cost
    n = len(games)
    comply = np.zeros(n)
    actions = [""] * n
    for k in range(n - 1, -1, -1):
        if k == n - 1:
            comply[k] = games[k].comply_value
        else:
            best_next = max(comply[k + 1], games[k + 1].deviate_value())
            d = tl.discount[k + 1, k + 2]
            comply[k] = d * (tl.years[k + 1] * flow[k + 1] + agg.transfers[k + 1] + best_next)
        ok = incentive_compatible(float(comply[k]), games[k].deviate_value())
        actions[k] = "comply" if ok else "backslide"
    return comply, actions
