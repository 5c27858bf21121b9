"""The coalition's side of a plan: each member's value of staying in the deal, and of leaving.

Every amount is in USD m (flows in USD m a year), discounted with the target's
timeline (the same phase lengths and annual discount, :mod:`solver.timeline`).
Actor ``a`` gains, in every year of phase ``t``,

``pi_{a,t} = sum_d w_{a,d} z[d,t] - sum_m c_{a,m} h[m,t] - sum_m e_{a,m} (1 - y[m,t])``

* ``w_{a,d}``: what the target's step ``d`` is worth to it while in place
  (``actors.step_values``, else ``actors.value_share`` per point of the step's
  score ``u_d``; USD m/yr);
* ``c_{a,m}``: what it pays for the relief it funds while that relief is held
  (``measures.actor_costs``, USD m/yr); for a one-off transfer the field is
  its annual equivalent (as the cohesion rows read it), and the member pays
  the transfer once, ``c beta / (1 - beta)`` USD m, in the phase it is
  granted (the compliance weights of a transfer, ``W^O``);
* ``e_{a,m}``: what enforcing the measure costs it while the measure is not
  lifted (``measures.enforcement_costs``: forgone trade, China's border
  trade; USD m/yr).

**Staying** from the end of phase ``k`` on, with the plan carried out, is worth
``V^stay_{a,k} = sum_{t>k} W^C[k,t] pi_{a,t}`` (the compliance weights of
``docs/formulation.md``).  **Leaving** at the end of phase ``k`` costs it
``actors.exit_cost`` once (USD m: reputation, the partners' response), and
the deal goes on without it, instrument by instrument: from phase ``k + 1``
on the relief it funds ends (as when it stops paying, below) and so does the
relief granted through an instrument it alone decides
(:func:`solver.credibility.deciders`); its share of each measure's pressure
(``measures.enforced_by``) leaves the target's game; each snapback it takes
part in is judged without it (:func:`solver.credibility.after_leaving`: not
credible under "all", the others' pivotal gain under "any" and "majority";
a commitment stays).  The target answers by its margins recomputed so, at
every node from ``k`` on.  If it keeps complying, the member free-rides:
``V^leave_{a,k} = sum_{t>k} W^C[k,t] w_a . z_t - X_a`` (step values, no
funding, no enforcement), a margin of ``X_a - F_{a,k} - E^+_{a,k}`` (the
funding and the enforcement still to come, below).  If it defects at the
first failing node ``j``, it reverses openly what it can (as after the 2002
and 2019 breakdowns): the member gets its step values in phases ``k+1..j``
and only the irreversible part from then on, ``V^leave_{a,k} = sum_{k<t<=j}
D[k,t] a_t w_a . z_t + D[k,j] G_j sum_d w_{a,d} (1 - s_{d,j}) z[d,j] - X_a``
(``s_{d,j}`` the restorable share, capped by superseding steps; ``j = k`` is
the former rule's value, the deal breaking at once).  Its margin is
``V^stay - V^leave``.

**Not enforcing** (staying in the deal but letting the measures it enforces
lapse) saves the enforcement costs still to come and, once seen, costs the
same ``X_a``: its margin is ``E_{a,k} = X_a - sum_{t>k} W^C[k,t] sum_m e_{a,m}
(1 - y[m,t])`` (defined while anything is left to enforce).  A member that
would not enforce after some phase takes its share ``sigma_{a,m}``
(``measures.enforced_by``) of each measure's pressure with it: the target
already has that share, so granting the measure, and snapping it back, is
worth ``(1 - sum_a sigma_{a,m}) v_m`` to it (:func:`enforced_scenario`).

**Stopping paying** (free-riding: staying in the deal but no longer funding
the relief it pays for) is defined while the member still has funding to
come after ``k``: flows it funds held in a later phase, and one-off transfers
it funds granted later (a transfer already paid is sunk).  The funding it
saves is ``F_{a,k} = sum_{t>k} W^C[k,t] sum_m c_{a,m} h[m,t] + sum_{t>k}
W^O[k,t] o_a . (y_t - y_{t-1})`` (USD m).  Rule: the relief a member funds
ends with its funding, from phase ``k + 1`` on (a flow is no longer in
force, a transfer it would pay is not paid); the other members' relief and
every snapback stay as they are.  The target then plays its best response:
its margins are recomputed on the plan with those measures withdrawn
(:func:`solver.payoffs.phase_values` with ``ended``, the effective snapback
credibility, every member enforcing), at every node from the end of phase
``k`` on (its own move at ``k`` comes after the members', so it already
sees the funding gone).

* If the target stays compatible at every node ``j >= k``, it keeps
  complying, and reneging is worth ``V^stay_{a,k} + F_{a,k} - X_a``: the
  margin is ``P_{a,k} = X_a - F_{a,k}``, linear in the plan.
* Otherwise the target defects at the first such node ``j`` and reverses
  openly what it can (as it may after a member leaves): the member gets its step
  values less its enforcement costs in phases ``k+1..j`` (paying nothing)
  and the irreversible part from then on, ``V^ren_{a,k} = sum_{k<t<=j}
  D[k,t] a_t (w_a . z_t - e_a . (1 - y_t)) + D[k,j] G_j sum_d w_{a,d} (1 -
  s_{d,j}) z[d,j] - X_a`` (``D`` the discount between phase ends, ``a_t``
  the phase lengths; ``j = k``: it reverses at once), and the margin is
  ``P_{a,k} = V^stay_{a,k} - V^ren_{a,k}``.

A member *stays* in phase ``k`` when all three margins are non-negative
(:func:`solver.tolerances.incentive_compatible`); its binding deviation is the
smallest (``"stop_enforcing"``, ``"stop_paying"``, ``"leave"``; ties in that
order, the narrower deviation first).  Every margin is ``X_a`` plus a term
independent of it, so each deviation has a threshold exit cost at which it
stops tempting (:attr:`ActorValues.enforcement_threshold`,
:attr:`ActorValues.renege_threshold`).  The leave margin with the target
complying, ``X_a - F_{a,k} - E^+_{a,k}``, is linear in the plan's state and
never above any of the three margins, whatever the target does; it is the
MIP's one row per member and phase (:mod:`solver.formulation.rows.coalition`),
a sufficient condition (:attr:`ActorValues.bound`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from solver.credibility import after_leaving, deciders
from solver.payoffs import Coefficients, aggregates, coefficients, phase_values, target_holds
from solver.scenario_types import Scenario
from solver.tolerances import incentive_compatible

__all__ = [
    "DEVIATION_NAMES",
    "ActorPayoffs",
    "ActorValues",
    "Withdrawn",
    "actor_payoffs",
    "coalition_values",
    "completion_fix",
    "enforced_scenario",
    "instrument_fixes",
    "paid_on_completion",
    "timing_fixes",
    "unravel",
]

DEVIATION_NAMES = {
    "stop_enforcing": "stop enforcing",
    "stop_paying": "stop paying",
    "leave": "leave",
}
"""A member's deviations: the identifier (JSON) and its name in text, in tie-break order.

The narrower deviations come first: a member that gains no more by leaving
than by stopping enforcing or paying is reported as doing the narrower thing
(leaving ends its funding and its enforcement too, so it often ties)."""


@dataclass(frozen=True)
class ActorPayoffs:
    """One coalition member's payoff data, in scenario order.

    Attributes
    ----------
    actor : str
        Actor id.
    step_value : numpy.ndarray
        ``w_{a,d}`` per milestone (USD m/yr while the step is in place).
    funding : numpy.ndarray
        ``c_{a,m}`` per flow (USD m/yr while the relief is held; 0 for transfers).
    once : numpy.ndarray
        Per transfer, what the member pays once when it is granted (USD m; 0
        for flows).
    enforcing : numpy.ndarray
        ``e_{a,m}`` per measure (USD m/yr while the measure is not lifted).
    exit_cost : float
        ``X_a`` (USD m, once).
    """

    actor: str
    step_value: np.ndarray
    funding: np.ndarray
    once: np.ndarray
    enforcing: np.ndarray
    exit_cost: float

    @property
    def funds(self) -> bool:
        """Whether the member pays for any relief (so it can stop paying)."""
        return bool(np.any(self.funding) or np.any(self.once))

    @property
    def active(self) -> bool:
        """Whether any payoff is set (a member with none is not judged)."""
        return bool(
            self.exit_cost
            or np.any(self.step_value)
            or np.any(self.funding)
            or np.any(self.once)
            or np.any(self.enforcing)
        )


def actor_payoffs(s: Scenario) -> list[ActorPayoffs]:
    """Return the payoff data of every actor that has any.

    Parameters
    ----------
    s : Scenario
        The scenario.

    Returns
    -------
    list of ActorPayoffs
        In actor order; actors without step values, costs or an exit cost are
        left out (their stay and leave values are both zero).
    """
    out = []
    beta = s.annual_discount()
    transfer = np.array([m.once for m in s.measures], dtype=bool)
    for a in s.actors:
        w = np.array(
            [a.step_values.get(d.id, a.value_share * d.value) for d in s.milestones], dtype=float
        )
        c = np.array([m.actor_costs.get(a.id, 0.0) for m in s.measures], dtype=float)
        e = np.array([m.enforcement_costs.get(a.id, 0.0) for m in s.measures], dtype=float)
        once = np.where(transfer, c * beta / (1.0 - beta), 0.0)
        p = ActorPayoffs(a.id, w, np.where(transfer, 0.0, c), once, e, float(a.exit_cost))
        if p.active:
            out.append(p)
    return out


@dataclass(frozen=True)
class ActorValues:
    """One member's values along a plan, per phase (arrays of length ``K``).

    Attributes
    ----------
    actor : str
        Actor id.
    flow : numpy.ndarray
        ``pi_{a,t}`` (USD m/yr).
    stay, leave : numpy.ndarray
        ``V^stay_{a,k}`` and ``V^leave_{a,k}`` (USD m).
    leave_margin : numpy.ndarray
        ``V^stay - V^leave``.
    enforce_margin : numpy.ndarray
        ``E_{a,k}`` (``inf`` where nothing is left to enforce).
    margin : numpy.ndarray
        The smallest of the three: against the best deviation.
    deviation : tuple of str
        ``"leave"``, ``"stop_enforcing"`` or ``"stop_paying"`` per phase (the
        one that binds; :data:`DEVIATION_NAMES` gives the words).
    stays : tuple of bool
        Whether staying (enforcing and paying) is a best response in each phase.
    exit_cost : float
        ``X_a`` (USD m).
    renege_margin : numpy.ndarray
        ``P_{a,k}``, staying against stopping paying with the target's best
        response (``inf`` where no funding is left to stop).
    saved : numpy.ndarray
        ``F_{a,k}``: the funding still to come, discounted (USD m).
    renege_defects : tuple of int or None
        Per phase, the phase after which the target would defect if the
        member stopped paying then (``None``: it keeps complying, or there is
        nothing to stop).
    bound : numpy.ndarray
        What the MIP's coalition row guarantees: ``X_a - F_{a,k} - E^+_{a,k}``,
        the exit cost less the funding and the enforcement still to come
        (USD m).  It is the leave margin when the target keeps complying
        without the member, and never above the leave, enforcement or renege
        margin whatever the target does, so a plan with ``bound >= 0`` passes
        the exact test.
    leave_defects : tuple of int or None
        Per phase, the phase after which the target would defect if the
        member left then (``None``: it keeps complying without it).
    """

    actor: str
    flow: np.ndarray
    stay: np.ndarray
    leave: np.ndarray
    leave_margin: np.ndarray
    enforce_margin: np.ndarray
    margin: np.ndarray
    deviation: tuple[str, ...]
    stays: tuple[bool, ...]
    exit_cost: float = 0.0
    renege_margin: np.ndarray = field(default_factory=lambda: np.zeros(0))
    saved: np.ndarray = field(default_factory=lambda: np.zeros(0))
    renege_defects: tuple[int | None, ...] = ()
    bound: np.ndarray = field(default_factory=lambda: np.zeros(0))
    leave_defects: tuple[int | None, ...] = ()

    @property
    def enforcement_threshold(self) -> float | None:
        """The smallest exit cost at which the member enforces in every phase (USD m).

        ``max_k`` of the enforcement still to come (``X - E_{a,k}``); ``None``
        when it has nothing to enforce.
        """
        finite = self.enforce_margin[np.isfinite(self.enforce_margin)]
        return None if finite.size == 0 else float((self.exit_cost - finite).max())

    @property
    def renege_threshold(self) -> float | None:
        """The smallest exit cost at which the member keeps paying in every phase (USD m).

        ``max(0, max_k (X - P_{a,k}))``: the target's response to a renege
        does not depend on ``X``, so each margin moves one for one with it
        (0 when the target's response alone deters it).  ``None`` when the
        member funds nothing still to come.
        """
        finite = self.renege_margin[np.isfinite(self.renege_margin)]
        return None if finite.size == 0 else max(0.0, float((self.exit_cost - finite).max()))

    @property
    def enforces(self) -> bool:
        """Whether the member enforces in every phase."""
        return all(
            incentive_compatible(float(st), float(st - e)) if np.isfinite(e) else True
            for st, e in zip(self.stay, self.enforce_margin, strict=True)
        )

    @property
    def pays(self) -> tuple[bool, ...]:
        """Per phase, whether the member keeps paying (its renege margin holds)."""
        return tuple(
            incentive_compatible(float(st), float(st - p)) if np.isfinite(p) else True
            for st, p in zip(self.stay, self.renege_margin, strict=True)
        )

    def records(self, annuity: np.ndarray) -> list[dict[str, Any]]:
        """JSON-ready per-phase records (``relief check --json``'s ``coalition`` list).

        Parameters
        ----------
        annuity : numpy.ndarray
            ``G_k`` per phase, to state the side payment that closes a gap.

        Returns
        -------
        list of dict
            ``{"actor", "phase", "margin", "stays", "stay_value", "leave_value",
            "deviation", "deviation_name", "renege_margin", "renege_target_defects",
            "leave_target_defects", "side_payment"}``; ``deviation`` is the binding deviation's
            identifier and ``deviation_name`` its words ("leave", "stop
            enforcing", "stop paying"); ``renege_margin`` is ``null`` where the
            member has no funding left to stop, ``renege_target_defects`` the
            phase after which the target would defect if it stopped paying
            (``null``: the target keeps complying), ``leave_target_defects`` the
            same if it left; ``side_payment`` is the USD
            m a year from the next phase on that would make staying pay (0
            when it already does).
        """
        out = []
        for k in range(len(self.margin)):
            gap = max(0.0, -float(self.margin[k]))
            ren = float(self.renege_margin[k]) if len(self.renege_margin) else np.inf
            out.append(
                {
                    "actor": self.actor,
                    "phase": k + 1,
                    "margin": float(f"{self.margin[k]:.9g}"),
                    "stays": self.stays[k],
                    "stay_value": float(f"{self.stay[k]:.9g}"),
                    "leave_value": float(f"{self.leave[k]:.9g}"),
                    "deviation": self.deviation[k],
                    "deviation_name": DEVIATION_NAMES[self.deviation[k]],
                    "renege_margin": float(f"{ren:.9g}") if np.isfinite(ren) else None,
                    "renege_target_defects": (
                        self.renege_defects[k] if self.renege_defects else None
                    ),
                    "leave_target_defects": (self.leave_defects[k] if self.leave_defects else None),
                    "side_payment": float(f"{gap / annuity[k]:.9g}") if gap else 0.0,
                }
            )
        return out


@dataclass(frozen=True)
class Withdrawn:
    """The deal after some members' withdrawals (chained play, :func:`unravel`).

    Attributes
    ----------
    ended : numpy.ndarray
        Per measure, whether a withdrawal ended it (what a member that
        stopped paying or left funded, what a leaver alone decided).
    v : numpy.ndarray
        Per measure, its value to the target (USD m/yr; once for transfers)
        without the pressure the members that stopped enforcing or left
        carried (``(1 - sum sigma) v``).
    q : numpy.ndarray
        ``(n_m, K)`` snapback credibility without the leavers
        (:func:`solver.credibility.after_leaving`).
    actors : frozenset of str
        Every member that withdrew (not judged again).
    left : frozenset of str
        Those that left the deal (no longer deciders of anything).
    """

    ended: np.ndarray
    v: np.ndarray
    q: np.ndarray
    actors: frozenset[str] = frozenset()
    left: frozenset[str] = frozenset()


def withdraw(
    s: Scenario, target: Coefficients, prior: Withdrawn | None, actor: str, deviation: str
) -> Withdrawn:
    """The deal once ``actor`` makes ``deviation`` after the withdrawals ``prior``.

    Parameters
    ----------
    s : Scenario
        The scenario.
    target : Coefficients
        The target's coefficients with nobody withdrawn (effective credibility).
    prior : Withdrawn or None
        The withdrawals before it.
    actor : str
        The member.
    deviation : {"stop_enforcing", "stop_paying", "leave"}
        What it does (the effects of :func:`coalition_values`' deviations).

    Returns
    -------
    Withdrawn
        The deal after it.
    """
    if prior is None:
        prior = Withdrawn(np.zeros(len(target.v), dtype=bool), target.v, target.q)
    (p,) = [x for x in actor_payoffs(s) if x.actor == actor]
    ended, v, q = prior.ended.copy(), prior.v, prior.q
    if deviation in ("stop_paying", "leave"):
        ended |= (p.funding + p.once) > 0.0
    if deviation in ("stop_enforcing", "leave"):
        sigma = np.array([m.enforced_by.get(actor, 0.0) for m in s.measures], dtype=float)
        v = v * np.maximum(0.0, 1.0 - sigma)
    left = prior.left
    if deviation == "leave":
        resp = _Responses(s, target, target.v[:0], target.v[:0], [], prior)
        e2, _, q = resp._leave(p)
        ended |= e2
        left = left | {actor}
    return Withdrawn(ended, v, q, prior.actors | {actor}, left)


def coalition_values(
    s: Scenario,
    co: Coefficients,
    y: np.ndarray,
    z: np.ndarray,
    *,
    target: Coefficients | None = None,
    prior: Withdrawn | None = None,
) -> list[ActorValues]:
    """Each judged member's stay, leave, enforcement and renege values along the plan ``(y, z)``.

    Parameters
    ----------
    s : Scenario
        The scenario.
    co : Coefficients
        Its coefficients (the timeline, ``ends_with``, restorable shares).
    y, z : numpy.ndarray
        The plan's state matrices.
    target : Coefficients, optional
        The coefficients the target's response to a member's leaving or
        reneging is judged with (default: ``coefficients(s)``, the effective
        snapback credibility).
    prior : Withdrawn, optional
        Withdrawals already made (chained play, :func:`unravel`): their
        measures are withdrawn, their pressure and snapback roles gone, for
        every member's values and the target's answers; the members that
        withdrew are not judged again.  Only the nodes from the last
        withdrawal on mean anything then.

    Returns
    -------
    list of ActorValues
        One per actor with payoff data (:func:`actor_payoffs`).

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path, solve
    >>> from solver.payoffs import coefficients
    >>> s = load_scenario(default_scenario_path())
    >>> y, z = solve(s).schedule.matrices(s)
    >>> [v.actor for v in coalition_values(s, coefficients(s), y, z)][:3]
    ['us_exec', 'us_congress', 'rok']
    """
    kk = s.phases
    y = y.reshape(len(co.v), kk)
    z = z.reshape(len(co.c), kk)
    agg = aggregates(co, y, z)
    held = np.where(co.once[:, None], y, agg.active)
    paid_now = np.diff(np.concatenate([np.zeros((len(co.v), 1)), y], axis=1), axis=1)
    if prior is not None:  # what the earlier withdrawals ended is neither held nor paid
        keep = 1.0 - prior.ended.astype(float)[:, None]
        held, paid_now = held * keep, paid_now * keep
    tl = co.timeline
    payoffs = [p for p in actor_payoffs(s) if prior is None or p.actor not in prior.actors]
    if payoffs and target is None:
        target = coefficients(s)
    responses = _Responses(s, target, y, z, payoffs, prior) if target is not None else None
    out = []
    for p in payoffs:
        assert responses is not None
        flow = p.step_value @ z - p.funding @ held - p.enforcing @ (1.0 - y)
        paid = p.once @ paid_now
        stay = tl.comply.R @ flow - tl.comply.O @ paid
        kept = (p.step_value[:, None] * (1.0 - agg.share) * z).sum(axis=0)
        to_enforce = p.enforcing @ (1.0 - y)
        enforced = tl.comply.R @ to_enforce
        enforce_margin = np.where(enforced > 0.0, p.exit_cost - enforced, np.inf)
        saved = tl.comply.R @ (p.funding @ held) + tl.comply.O @ paid
        # leaving: its relief ends, its enforcement and its part in the snapbacks go,
        # and the target answers (first failing node j >= k, or None: it keeps complying)
        gone = responses.leave(p)
        free = tl.comply.R @ (p.step_value @ z) - p.exit_cost  # the others' relief goes on
        broke_free = _broken_values(tl, p.step_value @ z, kept) - p.exit_cost
        bound = p.exit_cost - saved - enforced  # the leave margin if the target complies
        leave = np.empty(kk)
        leave_margin = np.empty(kk)
        leave_defects: list[int | None] = [None] * kk
        for k in range(kk):
            j = gone(k)
            leave[k] = free[k] if j is None else broke_free[k, j]
            leave_margin[k] = bound[k] if j is None else stay[k] - leave[k]
            leave_defects[k] = None if j is None else j + 1
        renege = np.full(kk, np.inf)
        defects: list[int | None] = [None] * kk
        if p.funds:
            # V^ren(k, j): the target defects after phase j >= k (j = k: today's leave value)
            gain = p.step_value @ z - p.enforcing @ (1.0 - y)
            broke = _broken_values(tl, gain, kept) - p.exit_cost
            walk = responses.renege(p)
            for k in range(kk):
                if saved[k] <= 0.0:
                    continue
                j = walk(k)
                if j is None:
                    renege[k] = p.exit_cost - saved[k]
                else:
                    renege[k] = stay[k] - broke[k, j]
                    defects[k] = j + 1
        margins = (enforce_margin, renege, leave_margin)  # DEVIATION_NAMES' order
        margin = np.minimum.reduce(margins)
        deviation = tuple(
            tuple(DEVIATION_NAMES)[int(np.argmin([m[k] for m in margins]))] for k in range(kk)
        )
        stays = tuple(
            incentive_compatible(float(st), float(st - m))
            for st, m in zip(stay, margin, strict=True)
        )
        out.append(
            ActorValues(
                p.actor,
                flow,
                stay,
                leave,
                leave_margin,
                enforce_margin,
                margin,
                deviation,
                stays,
                p.exit_cost,
                renege,
                saved,
                tuple(defects),
                bound,
                tuple(leave_defects),
            )
        )
    return out


class _Responses:
    """The target's answer to each member's leaving or reneging, per node.

    The target's values at node ``j`` read the plan's aggregates of phases
    ``j`` on only, so a member's withdrawal from phase ``k + 1`` on is judged
    at every node ``j >= k`` by one evaluation with the withdrawal in every
    phase.  Every withdrawal of every member is one variant of the plan, and
    all of them are judged in one vectorised evaluation
    (:func:`solver.payoffs.target_holds`); identical variants (a member whose
    leaving changes nothing in the target's game) are judged once.
    """

    def __init__(
        self,
        s: Scenario,
        target: Coefficients,
        y: np.ndarray,
        z: np.ndarray,
        payoffs: list[Any],
        prior: Withdrawn | None = None,
    ) -> None:
        self.gone: frozenset[str] = frozenset()
        self.before = np.zeros(len(target.v), dtype=bool)
        if prior is not None:  # judge every answer on the deal as the earlier moves left it
            target = replace(target, v=prior.v, q=prior.q)
            self.gone, self.before = prior.left, prior.ended
        self.s, self.target = s, target
        self.decide = {
            i.id: tuple(a.id for a in deciders(s, i)[0] if a.id not in self.gone)
            for i in s.instruments
        }
        variants = {}
        for p in payoffs:
            variants[("renege", p.actor)] = self._renege(p)
            variants[("leave", p.actor)] = self._leave(p)
        keys, rows = list(variants), []
        seen: dict[tuple[bytes, bytes, bytes], int] = {}
        for key in keys:
            ended, v, q = variants[key]
            sig = (ended.tobytes(), v.tobytes(), q.tobytes())
            rows.append(seen.setdefault(sig, len(seen)))
        uniq = list(
            {
                seen[(e.tobytes(), v.tobytes(), q.tobytes())]: (e, v, q)
                for e, v, q in variants.values()
            }.values()
        )
        if uniq:
            good = target_holds(
                target,
                y,
                z,
                np.array([u[0] for u in uniq]),
                np.array([u[1] for u in uniq]),
                np.array([u[2] for u in uniq]),
            )
        else:
            good = np.zeros((0, target.phases), dtype=bool)
        self.good = {key: good[r] for key, r in zip(keys, rows, strict=True)}

    @staticmethod
    def _first(good: np.ndarray) -> Any:
        def first(k: int) -> int | None:
            bad = np.flatnonzero(~good[k:])
            return int(k + bad[0]) if bad.size else None

        return first

    def _renege(self, p: ActorPayoffs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ended = ((p.funding + p.once) > 0.0) | self.before
        return ended, self.target.v, self.target.q

    def _leave(self, p: ActorPayoffs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s, a = self.s, p.actor
        alone = np.array([self.decide[m.instrument] == (a,) for m in s.measures], dtype=bool)
        ended = ((p.funding + p.once) > 0.0) | alone | self.before
        sigma = np.array([m.enforced_by.get(a, 0.0) for m in s.measures], dtype=float)
        v = self.target.v * np.maximum(0.0, 1.0 - sigma) if sigma.any() else self.target.v
        q = self.target.q
        kk = q.shape[1]
        rows: dict[str, list[float]] = {}  # each instrument's credibility without it
        for inst in s.instruments:
            c = after_leaving(s, inst, a, self.gone) if a in self.decide[inst.id] else None
            if c is not None:
                rows[inst.id] = [c.effective_at(k) for k in range(1, kk + 1)]
        for i, m in enumerate(s.measures):
            if m.snapback in rows:
                if q is self.target.q:
                    q = q.copy()
                q[i] = rows[m.snapback]
        return ended, v, q

    def renege(self, p: ActorPayoffs) -> Any:
        """``k -> j``: the first node ``j >= k`` failing once ``p``'s funded relief ends."""
        return self._first(self.good[("renege", p.actor)])

    def leave(self, p: ActorPayoffs) -> Any:
        """``k -> j``: the first node ``j >= k`` failing once ``p`` leaves (``None``: none).

        Its relief ends (what it funds, what is granted through instruments it
        alone decides), its share of each measure's pressure goes, and each
        snapback it takes part in is judged without it
        (:func:`solver.credibility.after_leaving`).
        """
        return self._first(self.good[("leave", p.actor)])


def _broken_values(tl: Any, gain: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """``B[k, j]``: at the end of phase ``k``, the member's value if the deal breaks after ``j``.

    It collects ``gain_t`` (USD m/yr: step values less enforcement, no
    funding) in phases ``k+1..j`` and the irreversible part ``kept_j`` from
    then on: ``sum_{k<t<=j} D[k,t] a_t gain_t + D[k,j] G_j kept_j`` for ``j >=
    k`` (0-based; ``-inf`` below the diagonal).
    """
    kk = tl.phases
    a = np.asarray(tl.years, dtype=float)
    dm = tl.discount[1:, 1:]  # D between the ends of phases k and t (0-based)
    out = np.full((kk, kk), -np.inf)
    for k in range(kk):
        acc = 0.0
        for j in range(k, kk):
            if j > k:
                acc += dm[k, j] * a[j] * gain[j]
            out[k, j] = acc + dm[k, j] * tl.annuity[j] * kept[j]
    return out


def enforced_scenario(s: Scenario, values: list[ActorValues]) -> Scenario:
    """The scenario as the target sees it when some members would not enforce.

    Parameters
    ----------
    s : Scenario
        The scenario.
    values : list of ActorValues
        The members' values along the plan (:func:`coalition_values`).

    Returns
    -------
    Scenario
        ``s`` itself when every member enforces; else a copy in which each
        measure's ``value`` is scaled by ``1 - sum sigma_{a,m}`` over the
        members that would not enforce (the pressure they carried is gone).
    """
    lapsed = {v.actor for v in values if not v.enforces}
    if not lapsed:
        return s
    measures = []
    for m in s.measures:
        lost = sum(share for a, share in m.enforced_by.items() if a in lapsed)
        measures.append(replace(m, value=m.value * max(0.0, 1.0 - lost)) if lost else m)
    return replace(s, measures=tuple(measures))


def timing_fixes(s: Scenario, schedule: Any, actor: str, *, limit: int = 3) -> list[dict[str, Any]]:
    """Moves of one measure that keep ``actor`` in the deal in every phase.

    For every measure the member funds or enforces, each other phase (or
    never granting it) is tried on a copy of the plan; a move is kept when the
    member then stays in every phase and the plan still meets every constraint
    it met before (a row already broken may change its amount).  Moves that
    keep the target compatible come first, then those leaving the target's
    weakest margin highest.

    Parameters
    ----------
    s : Scenario
        The scenario.
    schedule : Schedule
        The plan.
    actor : str
        The member that would defect.
    limit : int, optional
        How many moves to return.

    Returns
    -------
    list of dict
        ``{"measure", "from", "to", "member_margin", "target_compatible",
        "target_weakest"}`` (phases, ``None`` for never; margins in USD m).
    """
    from solver.plan import Schedule
    from solver.verify import verify_plan

    co = coefficients(s)
    met = _broken(verify_plan(s, schedule, require_ic=False).violations)
    found = []
    for m in s.measures:
        if m.actor_costs.get(actor, 0.0) <= 0.0 and m.enforcement_costs.get(actor, 0.0) <= 0.0:
            continue
        now = schedule.measures.get(m.id)
        for k in [*range(1, s.phases + 1), None]:
            if k == now:
                continue
            alt = Schedule(measures={**schedule.measures, m.id: k}, milestones=schedule.milestones)
            if not _broken(verify_plan(s, alt, require_ic=False).violations) <= met:
                continue
            y, z = alt.matrices(s)
            values = coalition_values(s, co, y, z)
            mine = next(v for v in values if v.actor == actor)
            if not all(mine.stays):
                continue
            pv = phase_values(coefficients(enforced_scenario(s, values)), y, z)
            lev, comply = pv.leverage, pv.comply_value
            found.append(
                {
                    "measure": m.id,
                    "from": now,
                    "to": k,
                    "member_margin": float(f"{mine.margin.min():.9g}"),
                    "target_compatible": all(
                        incentive_compatible(float(c), float(c - m))
                        for c, m in zip(comply, lev, strict=True)
                    ),
                    "target_weakest": float(f"{lev.min():.9g}"),
                }
            )
    found.sort(key=lambda f: (not f["target_compatible"], -f["target_weakest"]))
    return found[:limit]


def _broken(violations: tuple[str, ...] | list[str]) -> set[str]:
    """The constraints a verifier report names, without their amounts.

    A message starts ``"<family>: phase <k> ..."`` or ``"<family>: <item> ..."``;
    its first three words name the row.
    """
    return {" ".join(v.split()[:3]) for v in violations}


def paid_on_completion(s: Scenario, actor: str) -> tuple[Scenario, dict[str, float]]:
    """The scenario with every flow ``actor`` funds paid as one transfer when granted.

    Paying on completion (Admati and Perry 1991, "Joint projects without
    commitment", *Review of Economic Studies* 58(2)): a contribution made in
    full at the moment the relief is delivered is sunk from then on, so the
    donor has nothing left to withhold.  Each flow the member funds (``c_{a,m}
    > 0``, not ending with an event, whose value would depend on the plan)
    becomes a transfer worth the flow's perpetual value, ``v beta / (1 -
    beta)`` USD m (the model's own annual equivalence, ``docs/formulation.md``),
    with reversibility 0 (a payment cannot be clawed back); its
    ``actor_costs`` stay the annual equivalent, so the member pays ``c beta /
    (1 - beta)`` once, in the phase it is granted.

    Parameters
    ----------
    s : Scenario
        The scenario.
    actor : str
        The funding member.

    Returns
    -------
    tuple of (Scenario, dict)
        The variant, and per converted measure its transfer value (USD m once);
        the scenario itself and ``{}`` when nothing converts.
    """
    beta = s.annual_discount()
    converted: dict[str, float] = {}
    measures = []
    for m in s.measures:
        if not m.once and m.ends_with is None and m.actor_costs.get(actor, 0.0) > 0.0:
            value = m.value * beta / (1.0 - beta)
            converted[m.id] = value
            measures.append(replace(m, kind="transfer", value=value, reversibility=0.0))
        else:
            measures.append(m)
    if not converted:
        return s, {}
    return replace(s, measures=tuple(measures)), converted


def completion_fix(s: Scenario, schedule: Any, actor: str) -> dict[str, Any] | None:
    """What paying on completion does for a member tempted to stop paying.

    The same plan is judged on :func:`paid_on_completion`'s variant.

    Parameters
    ----------
    s : Scenario
        The scenario.
    schedule : Schedule
        The plan.
    actor : str
        The member.

    Returns
    -------
    dict or None
        ``{"actor", "transfers" (measure -> USD m once), "pays" (it keeps
        paying in every phase), "stops_paying_after" (phases where it still
        would), "renege_threshold" (USD m, the exit cost it would still need;
        ``None``: nothing left to withhold), "stays", "target_compatible",
        "target_weakest"}``; ``None`` when the member funds no flow to convert.
    """
    alt, converted = paid_on_completion(s, actor)
    if not converted:
        return None
    y, z = schedule.matrices(alt)
    co = coefficients(alt)
    mine = next(v for v in coalition_values(alt, co, y, z, target=co) if v.actor == actor)
    pv = phase_values(co, y, z)
    need = mine.renege_threshold
    return {
        "actor": actor,
        "transfers": {m: float(f"{v:.9g}") for m, v in converted.items()},
        "pays": all(mine.pays),
        "stops_paying_after": [k + 1 for k, ok in enumerate(mine.pays) if not ok],
        "renege_threshold": None if need is None else float(f"{need:.9g}"),
        "stays": all(mine.stays),
        "target_compatible": all(
            incentive_compatible(float(c), float(c - m))
            for c, m in zip(pv.comply_value, pv.leverage, strict=True)
        ),
        "target_weakest": float(f"{pv.leverage.min():.9g}"),
    }


def instrument_fixes(
    s: Scenario, schedule: Any, actor: str, *, limit: int = 3
) -> list[dict[str, Any]]:
    """Other instruments, or another funder, that keep ``actor`` in the deal in every phase.

    A member is tempted by what its withdrawal takes away from the deal and
    what it saves: the relief it funds, the relief granted through an
    instrument it alone decides, the snapbacks it takes part in.  For every
    measure it funds or whose granting or snapback instrument it decides,
    each change below is tried on a copy of the scenario (the plan
    unchanged):

    * ``"instrument"``: grant the measure through another instrument of the
      scenario (its snapback follows unless set apart);
    * ``"snapback"``: re-impose it through another instrument;
    * ``"funder"``: another member pays for it (the same ``actor_costs``).

    Only what can help is tried: instrument and snapback changes when the
    member's binding deviation is to leave (they change what its leaving
    takes away), another funder when it is to stop paying (whatever the
    instrument, the relief it funds ends with its funding).
    A change is kept when the member then stays in every phase, every member
    that stayed before still does, and the plan still meets every constraint
    it met before (as :func:`timing_fixes`).  Changes that keep the target
    compatible come first, then those leaving its weakest margin highest.
    They are what-ifs for the analyst, who judges whether the instrument can
    carry the measure (the deciders are given).

    Parameters
    ----------
    s : Scenario
        The scenario.
    schedule : Schedule
        The plan.
    actor : str
        The member that would defect.
    limit : int, optional
        How many changes to return.

    Returns
    -------
    list of dict
        ``{"measure", "change" ("instrument", "snapback" or "funder"),
        "from", "to", "deciders" (of the new instrument; for a funder, the
        new funder), "member_margin", "target_compatible", "target_weakest"}``
        (margins in USD m).
    """
    from solver.verify import verify_plan

    met = _broken(verify_plan(s, schedule, require_ic=False).violations)
    y, z = schedule.matrices(s)
    values0 = coalition_values(s, coefficients(s), y, z)
    before = {v.actor: all(v.stays) for v in values0}
    decide = {i.id: tuple(a.id for a in deciders(s, i)[0]) for i in s.instruments}
    members = [p.actor for p in actor_payoffs(s)]
    mine0 = next((v for v in values0 if v.actor == actor), None)
    # what tempts it decides what can help: an instrument only changes what its
    # leaving takes away; stopping paying ends the relief it funds whatever the
    # instrument, so only another funder helps there; nothing here helps a member
    # tempted to stop enforcing
    binding = (
        set()
        if mine0 is None
        else {d for d, ok in zip(mine0.deviation, mine0.stays, strict=True) if not ok}
    )
    found: list[dict[str, Any]] = []
    for n, m in enumerate(s.measures):
        funds = m.actor_costs.get(actor, 0.0) > 0.0
        if not (
            funds or actor in decide.get(m.instrument, ()) or actor in decide.get(m.snapback, ())
        ):
            continue
        variants: list[tuple[str, str, str, Any]] = []
        for inst in s.instruments if "leave" in binding else ():
            if inst.id != m.instrument:
                variants.append(
                    ("instrument", m.instrument, inst.id, replace(m, instrument=inst.id))
                )
            if inst.id != m.snapback and actor not in decide[inst.id]:
                variants.append(
                    ("snapback", m.snapback, inst.id, replace(m, snapback_instrument=inst.id))
                )
        if funds and "stop_paying" in binding:
            for other in members:
                if other != actor:
                    costs = {k: c for k, c in m.actor_costs.items() if k != actor}
                    costs[other] = costs.get(other, 0.0) + m.actor_costs[actor]
                    variants.append(("funder", actor, other, replace(m, actor_costs=costs)))
        for change, was, to, alt_m in variants:
            alt = replace(s, measures=(*s.measures[:n], alt_m, *s.measures[n + 1 :]))
            ya, za = schedule.matrices(alt)
            values = coalition_values(alt, coefficients(alt), ya, za)
            stays = {v.actor: all(v.stays) for v in values}
            if (
                not stays.get(actor, True)
                or (change == "funder" and not stays.get(to, True))
                or any(ok and not stays.get(a, True) for a, ok in before.items())
            ):
                continue
            if not _broken(verify_plan(alt, schedule, require_ic=False).violations) <= met:
                continue
            mine = next((v for v in values if v.actor == actor), None)
            pv = phase_values(coefficients(enforced_scenario(alt, values)), ya, za)
            found.append(
                {
                    "measure": m.id,
                    "change": change,
                    "from": was,
                    "to": to,
                    "deciders": [to] if change == "funder" else list(decide[to]),
                    "member_margin": None if mine is None else float(f"{mine.margin.min():.9g}"),
                    "target_compatible": all(
                        incentive_compatible(float(c), float(c - x))
                        for c, x in zip(pv.comply_value, pv.leverage, strict=True)
                    ),
                    "target_weakest": float(f"{pv.leverage.min():.9g}"),
                }
            )
    found.sort(key=lambda f: (not f["target_compatible"], -f["target_weakest"]))
    return found[:limit]


def unravel(
    s: Scenario, co: Coefficients, y: np.ndarray, z: np.ndarray, target: Coefficients
) -> list[dict[str, Any]]:
    """Chained play: who withdraws after the first member does, and whether the target follows.

    The first member to defect (earliest node, then the largest shortfall)
    makes its binding deviation; every remaining member is then judged again
    on the deal it leaves (:func:`coalition_values` with ``prior``: the
    relief it ended, the pressure and the snapback roles it took with it),
    at that node and after, and so is the target (its margins recomputed,
    every remaining member enforcing).  At a node the members move first.
    The next withdrawal is the earliest of those, and so on, until nobody
    else withdraws or the target defects (the deal then breaks).

    Parameters
    ----------
    s : Scenario
        The scenario.
    co : Coefficients
        Its coefficients (nominal credibility: the members' values).
    y, z : numpy.ndarray
        The plan's state matrices.
    target : Coefficients
        The target's coefficients (effective credibility).

    Returns
    -------
    list of dict
        One ``{"phase", "actor", "deviation", "deviation_name", "margin"}``
        per withdrawal in order (``margin`` in USD m, the member's shortfall
        as a negative number), then, if the target defects, ``{"phase",
        "actor": "target", "deviation": its kind ("stall", "overt",
        "covert"), "deviation_name", "margin"}``; empty when every member stays.
    """
    kk = s.phases
    y = y.reshape(len(co.v), kk)
    z = z.reshape(len(co.c), kk)
    prior: Withdrawn | None = None
    node = 0
    events: list[dict[str, Any]] = []
    while True:
        values = coalition_values(s, co, y, z, target=target, prior=prior)
        tempted = [
            (k, float(v.margin[k]), v.actor, v.deviation[k])
            for v in values
            for k in range(node, kk)
            if not v.stays[k]
        ]
        if not tempted and prior is None:
            return events
        if prior is None:
            good = target_holds(
                target, y, z, np.zeros((1, len(co.v)), bool), target.v[None], target.q[None]
            )[0]
        else:
            good = target_holds(target, y, z, prior.ended[None], prior.v[None], prior.q[None])[0]
        bad = [j for j in range(node, kk) if not good[j]]
        first = min(tempted) if tempted else None
        if first is not None and (not bad or first[0] <= bad[0]):
            k, margin, actor, how = first
            events.append(
                {
                    "phase": k + 1,
                    "actor": actor,
                    "deviation": how,
                    "deviation_name": DEVIATION_NAMES[how],
                    "margin": float(f"{margin:.9g}"),
                }
            )
            prior = withdraw(s, target, prior, actor, how)
            node = k
            continue
        if bad:
            j = bad[0]
            ended = None if prior is None else np.repeat(prior.ended[:, None], kk, axis=1)
            co_t = target if prior is None else replace(target, v=prior.v, q=prior.q)
            pv = phase_values(co_t, y, z, ended)
            events.append(
                {
                    "phase": j + 1,
                    "actor": "target",
                    "deviation": pv.deviation[j],
                    "deviation_name": pv.deviation[j],
                    "margin": float(f"{pv.leverage[j]:.9g}"),
                }
            )
        return events
