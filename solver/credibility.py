"""Snapback credibility derived from the payoffs of the actors an instrument needs.

After detected backsliding each instrument's snapback is a decision of the
actors it depends on.  Actor ``a`` deciding for instrument ``i`` nets

``g[a, i] = snapback_gain[a] - snapback_cost[a] - coordination_cost[i]``

from snapping back (sustaining relief nets 0; the value of the steps already
lost is the same either way and cancels).  Who decides, by instrument kind:

========================  =========================================  ===========
kind                      deciding actors                            rule
========================  =========================================  ===========
``unsc_resolution``       permanent members among ``veto_players``   all (veto)
                          (all permanent members if none listed)
``reverse_veto``          ``veto_players`` (all actors if none)      any one
``sunset``                ``veto_players`` (all actors if none)      any one
``board_vote``            ``veto_players``                           majority
other kinds               ``veto_players``                           all
========================  =========================================  ===========

The *pivotal gain* is the minimum of ``g`` under "all", the maximum under
"any one", and the ``floor(n/2)+1``-th largest under "majority"; with nobody
to decide it is ``-coordination_cost``.  The snapback is credible (subgame
perfect) when the pivotal gain is ``>= -DECISION_TOL``, and the effective
credibility is then the nominal ``credibility`` (one number, or one per phase),
else 0.  An instrument with ``credibility_override = true`` is a commitment:
its ``credibility`` is used as given.

This is the one judge of credibility: the payoffs (:mod:`solver.payoffs`), and
through them the MIP, the verifier and the game check, all use the effective
value, so ``solve``, ``solve --plan`` and ``check`` agree on every margin.  It
lives outside :mod:`solver.game` because the core payoff model needs it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from solver.scenario_types import Actor, Instrument, Scenario
from solver.tolerances import DECISION_TOL

ANY_ONE = ("reverse_veto", "sunset")
MAJORITY = ("board_vote",)


@dataclass(frozen=True)
class Credibility:
    """How credible one instrument's snapback is, and why.

    Attributes
    ----------
    instrument : str
        Instrument id.
    rule : str
        ``"all"``, ``"any"`` or ``"majority"`` of the deciding actors.
    gains : dict of str to float
        Net gain ``g[a, i]`` of each deciding actor (USD m).
    pivotal : str or None
        The actor whose gain decides (``None``: nobody decides).
    pivotal_gain : float
        The deciding gain (USD m); credible when ``>= -DECISION_TOL``.
    nominal : float or tuple of float
        The instrument's ``credibility`` (one per phase when it is a list).
    committed : bool
        ``credibility_override``: the nominal value is used as given.
    """

    instrument: str
    rule: str
    gains: dict[str, float]
    pivotal: str | None
    pivotal_gain: float
    nominal: float | tuple[float, ...]
    committed: bool

    @property
    def credible(self) -> bool:
        """Whether the snapback is carried out in the subgame-perfect equilibrium."""
        return self.committed or self.pivotal_gain >= -DECISION_TOL

    @property
    def effective(self) -> float | tuple[float, ...]:
        """The credibility ``q`` the game uses: nominal if credible, else 0 (same shape)."""
        if self.credible:
            return self.nominal
        return tuple(0.0 for _ in self.nominal) if isinstance(self.nominal, tuple) else 0.0

    def effective_at(self, phase: int) -> float:
        """Effective credibility in ``phase`` (1-based; the last phase's value after it).

        Parameters
        ----------
        phase : int
            Phase number.

        Returns
        -------
        float
            ``q`` used for snapbacks decided in that phase.
        """
        return _at(self.effective, phase)

    def nominal_at(self, phase: int) -> float:
        """Nominal credibility in ``phase`` (1-based; the last phase's value after it).

        Parameters
        ----------
        phase : int
            Phase number.

        Returns
        -------
        float
            The instrument's ``credibility`` for that phase.
        """
        return _at(self.nominal, phase)

    def reason(self) -> str:
        """One line explaining the verdict."""
        if self.committed:
            q = format_credibility(self.nominal)
            return f"{self.instrument}: credibility {q} set by override"
        who = self.pivotal or "no actor"
        verdict = "credible" if self.credible else "not credible"
        return (
            f"{self.instrument}: {verdict}; {self.rule} of "
            f"{', '.join(self.gains) or 'nobody'} must snap back, pivotal {who} "
            f"nets {self.pivotal_gain + 0.0:+.6g}"
        )


def _at(q: float | tuple[float, ...], phase: int) -> float:
    return float(q[min(phase, len(q)) - 1]) if isinstance(q, tuple) else float(q)


def format_credibility(q: float | tuple[float, ...]) -> str:
    """One credibility, or one per phase, as text (``0.9`` or ``[0.9, 0.9, 0]``).

    Parameters
    ----------
    q : float or tuple of float
        A nominal or effective credibility.

    Returns
    -------
    str
        The number, or the list in brackets.

    Examples
    --------
    >>> format_credibility(0.9), format_credibility((0.9, 0.0))
    ('0.9', '[0.9, 0]')
    """
    return "[" + ", ".join(f"{x:g}" for x in q) + "]" if isinstance(q, tuple) else f"{q:g}"


def net_gain(actor: Actor, instrument: Instrument) -> float:
    """``snapback_gain - snapback_cost - coordination_cost`` for one actor (USD m).

    Examples
    --------
    >>> net_gain(Actor("cn", snapback_gain=1.0, snapback_cost=3.0),
    ...          Instrument("unsc", "unsc_resolution", coordination_cost=0.5))
    -2.5
    """
    return actor.snapback_gain - actor.snapback_cost - instrument.coordination_cost


def deciders(scenario: Scenario, instrument: Instrument) -> tuple[tuple[Actor, ...], str]:
    """The actors deciding ``instrument``'s snapback and the rule they decide by."""
    listed = tuple(scenario.actor(a) for a in instrument.veto_players)
    if instrument.kind == "unsc_resolution":
        perms = tuple(a for a in listed if a.permanent_member)
        if not perms:
            perms = tuple(a for a in scenario.actors if a.permanent_member)
        return (perms or listed), "all"
    if instrument.kind in ANY_ONE:
        return (listed or scenario.actors), "any"
    if instrument.kind in MAJORITY:
        return listed, "majority"
    return listed, "all"


def _pivot(gains: dict[str, float], rule: str) -> tuple[str | None, float]:
    if not gains:
        return None, 0.0
    ranked = sorted(gains.items(), key=lambda kv: kv[1], reverse=True)
    if rule == "any":
        return ranked[0]
    if rule == "majority":
        return ranked[len(ranked) // 2]
    return ranked[-1]


def snapback_credibility(scenario: Scenario, instrument: Instrument) -> Credibility:
    """Derive the subgame-perfect credibility of one instrument's snapback.

    Parameters
    ----------
    scenario : Scenario
        Supplies the actors' ``snapback_gain`` and ``snapback_cost``.
    instrument : Instrument
        The instrument.

    Returns
    -------
    Credibility
        Rule, gains, pivotal actor and the effective credibility.
    """
    actors, rule = deciders(scenario, instrument)
    gains = {a.id: net_gain(a, instrument) for a in actors}
    pivotal, gain = _pivot(gains, rule)
    if pivotal is None:
        gain = -instrument.coordination_cost
    return Credibility(
        instrument=instrument.id,
        rule=rule,
        gains=gains,
        pivotal=pivotal,
        pivotal_gain=gain,
        nominal=instrument.credibility,
        committed=instrument.credibility_override,
    )


def after_leaving(
    scenario: Scenario, instrument: Instrument, actor: str, gone: frozenset[str] = frozenset()
) -> Credibility | None:
    """The credibility of ``instrument``'s snapback once ``actor`` has left the deal.

    A member outside the deal takes no part in a snapback: under the "all"
    rule (a veto, or every listed actor needed) the snapback is then not
    credible; under "any" and "majority" the actor is dropped from the
    deciders and the pivotal gain is the others' (with nobody left,
    ``-coordination_cost``).  A commitment (``credibility_override``) stays
    as it is.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    instrument : Instrument
        The instrument.
    actor : str
        The leaving actor's id.
    gone : frozenset of str, optional
        Actors that have left before it (chained play): they take no part
        either, and if one of them was needed under "all" the snapback is
        already not credible.

    Returns
    -------
    Credibility or None
        The verdict without ``actor`` (under "all", ``pivotal`` is the leaver
        and ``pivotal_gain`` is ``-inf``); ``None`` when nothing changes (the
        actor does not decide the instrument, or it is a commitment).

    Examples
    --------
    >>> s = Scenario("x", 1, (), (), actors=(Actor("us", snapback_gain=5.0),
    ...                                      Actor("uk", snapback_gain=1.0)))
    >>> after_leaving(s, Instrument("r", "reverse_veto", veto_players=("us", "uk")),
    ...               "us").pivotal_gain
    1.0
    >>> after_leaving(s, Instrument("e", "executive", veto_players=("us", "uk")), "us").credible
    False
    """
    actors, rule = deciders(scenario, instrument)
    if instrument.credibility_override or actor not in {a.id for a in actors}:
        return None
    out = gone | {actor}
    gains = {a.id: net_gain(a, instrument) for a in actors if a.id not in out}
    if rule == "all":
        pivotal: str | None = actor
        gain = -math.inf
    else:
        pivotal, gain = _pivot(gains, rule)
        if pivotal is None:
            gain = -instrument.coordination_cost
    return Credibility(
        instrument=instrument.id,
        rule=rule,
        gains=gains,
        pivotal=pivotal,
        pivotal_gain=gain,
        nominal=instrument.credibility,
        committed=False,
    )


def credibility_table(scenario: Scenario) -> dict[str, Credibility]:
    """:func:`snapback_credibility` for every instrument, keyed by id."""
    return {i.id: snapback_credibility(scenario, i) for i in scenario.instruments}
