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
``docs/formulation.md``).  **Leaving** at the end of phase ``k`` ends its
funding and its enforcement and costs it ``actors.exit_cost`` once (USD m:
reputation, the partners' response).  A deal a member walks out of breaks:
the target reverses openly what it can (as after the 2002 and 2019
breakdowns), so the member keeps only the steps' irreversible part:
``V^leave_{a,k} = G_k sum_d w_{a,d} (1 - s_{d,k}) z[d,k] - X_a``, with
``s_{d,k}`` the restorable share (capped by superseding steps).  Its margin
is ``V^stay - V^leave``.

**Not enforcing** (staying in the deal but letting the measures it enforces
lapse) saves the enforcement costs still to come and, once seen, costs the
same ``X_a``: its margin is ``E_{a,k} = X_a - sum_{t>k} W^C[k,t] sum_m e_{a,m}
(1 - y[m,t])`` (defined while anything is left to enforce).  A member that
would not enforce after some phase takes its share ``sigma_{a,m}``
(``measures.enforced_by``) of each measure's pressure with it: the target
already has that share, so granting the measure, and snapping it back, is
worth ``(1 - sum_a sigma_{a,m}) v_m`` to it (:func:`enforced_scenario`).

A member *stays* in phase ``k`` when both margins are non-negative
(:func:`solver.tolerances.incentive_compatible`); its best deviation is the
smaller.  Every margin is linear in the plan's state, so the same rows go into
the MIP (:mod:`solver.formulation.rows.coalition`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from solver.payoffs import Coefficients, aggregates
from solver.scenario_types import Scenario
from solver.tolerances import incentive_compatible

__all__ = [
    "ActorPayoffs",
    "ActorValues",
    "actor_payoffs",
    "coalition_values",
    "enforced_scenario",
    "timing_fixes",
]


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
        The smaller of the two: against the best deviation.
    deviation : tuple of str
        ``"leave"`` or ``"stop_enforcing"`` per phase (the one that binds).
    stays : tuple of bool
        Whether staying (and enforcing) is a best response in each phase.
    exit_cost : float
        ``X_a`` (USD m).
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

    @property
    def enforcement_threshold(self) -> float | None:
        """The smallest exit cost at which the member enforces in every phase (USD m).

        ``max_k`` of the enforcement still to come (``X - E_{a,k}``); ``None``
        when it has nothing to enforce.
        """
        finite = self.enforce_margin[np.isfinite(self.enforce_margin)]
        return None if finite.size == 0 else float((self.exit_cost - finite).max())

    @property
    def enforces(self) -> bool:
        """Whether the member enforces in every phase."""
        return all(
            incentive_compatible(float(st), float(st - e)) if np.isfinite(e) else True
            for st, e in zip(self.stay, self.enforce_margin, strict=True)
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
            "deviation", "side_payment"}``; ``side_payment`` is the USD m a
            year from the next phase on that would make staying pay (0 when it
            already does).
        """
        out = []
        for k in range(len(self.margin)):
            gap = max(0.0, -float(self.margin[k]))
            out.append(
                {
                    "actor": self.actor,
                    "phase": k + 1,
                    "margin": float(f"{self.margin[k]:.9g}"),
                    "stays": self.stays[k],
                    "stay_value": float(f"{self.stay[k]:.9g}"),
                    "leave_value": float(f"{self.leave[k]:.9g}"),
                    "deviation": self.deviation[k],
                    "side_payment": float(f"{gap / annuity[k]:.9g}") if gap else 0.0,
                }
            )
        return out


def coalition_values(
    s: Scenario, co: Coefficients, y: np.ndarray, z: np.ndarray
) -> list[ActorValues]:
    """Each judged member's stay and leave values along the plan ``(y, z)``.

    Parameters
    ----------
    s : Scenario
        The scenario.
    co : Coefficients
        Its coefficients (the timeline, ``ends_with``, restorable shares).
    y, z : numpy.ndarray
        The plan's state matrices.

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
    tl = co.timeline
    out = []
    for p in actor_payoffs(s):
        flow = p.step_value @ z - p.funding @ held - p.enforcing @ (1.0 - y)
        paid = p.once @ np.diff(np.concatenate([np.zeros((len(co.v), 1)), y], axis=1), axis=1)
        stay = tl.comply.R @ flow - tl.comply.O @ paid
        kept = (p.step_value[:, None] * (1.0 - agg.share) * z).sum(axis=0)
        leave = tl.annuity * kept - p.exit_cost
        leave_margin = stay - leave
        to_enforce = p.enforcing @ (1.0 - y)
        saved = tl.comply.R @ to_enforce
        enforce_margin = np.where(saved > 0.0, p.exit_cost - saved, np.inf)
        margin = np.minimum(leave_margin, enforce_margin)
        deviation = tuple(
            "stop_enforcing" if e < lv else "leave"
            for e, lv in zip(enforce_margin, leave_margin, strict=True)
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
            )
        )
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
    from solver.payoffs import coefficients, phase_values
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
