"""What would fix a failing phase: levers and how much margin each buys.

Every figure is recomputed on the exact payoff model (:mod:`solver.payoffs`,
:mod:`solver.game.stage`), so a lever's margin is what the check would report
after the change, for the phase in question:

* make a non-credible snapback credible (e.g. a reverse-veto clause): the
  target's best deviation, re-evaluated with that instrument snapping back;
* raise detection to the critical ``p*`` or credibility to ``q*``; a
  discount factor above ``beta*``;
* defer measures granted in phase ``k`` to ``k + 1``: the target no longer
  holds them when tempted and still expects them (earlier phases lose some
  comply value);
* promise ``x`` USD m/yr more relief from phase ``k + 1`` on, with ``x`` the
  deficit over the net weight of a future flow on the margin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from solver.credibility import Credibility
from solver.game.stage import PhaseGame
from solver.payoffs import Coefficients, coefficients, phase_values
from solver.plan import Schedule
from solver.scenario import Scenario

if TYPE_CHECKING:
    from solver.game.check import PhaseCheck


def _credibility_fixes(
    rec: PhaseCheck, g: PhaseGame, cred: dict[str, Credibility], deficit: float
) -> list[str]:
    out = []
    choice = g.coalition_choice()
    now = g.deviate_value(choice)
    for i in rec.non_credible:
        gain = now - g.deviate_value({**choice, i: True})
        if gain <= 0:
            continue
        why = cred[i].reason() if i in cred else i
        out.append(
            f"make snapback through {i} credible (now {why}), e.g. by a "
            f"reverse-veto clause: margin +{gain:.4g}"
        )
    every = now - g.deviate_value(dict.fromkeys(choice, True))
    if out and every >= deficit:
        out.append("making those snapbacks credible closes the gap")
    return out


def _margin_if(
    scenario: Scenario, co: Coefficients, sched: Schedule, moved: dict[str, int], k: int
) -> float:
    alt = Schedule(measures={**sched.measures, **moved}, milestones=sched.milestones)
    y, z = alt.matrices(scenario)
    return float(phase_values(co, y, z).leverage[k])


def _defer_fixes(
    g: PhaseGame, scenario: Scenario, sched: Schedule, margin: float, deficit: float
) -> list[str]:
    if g.phase >= scenario.phases:
        return []
    k = g.phase - 1
    co = coefficients(scenario)  # once: every candidate deferral is evaluated on it
    granted = [m.id for m in scenario.measures if sched.measures.get(m.id) == g.phase]
    gains = sorted(
        ((_margin_if(scenario, co, sched, {mid: g.phase + 1}, k) - margin, mid) for mid in granted),
        reverse=True,
    )
    picked: list[str] = []
    for gain, mid in gains:
        if gain <= 0:
            break
        picked.append(mid)
        total = _margin_if(scenario, co, sched, dict.fromkeys(picked, g.phase + 1), k) - margin
        if total >= deficit:
            return [
                f"defer {', '.join(picked)} to phase {g.phase + 1}: margin +{total:.4g} "
                "(earlier phases lose some comply value)"
            ]
    return []


def _promise_fix(g: PhaseGame, scenario: Scenario, deficit: float) -> list[str]:
    if g.phase >= scenario.phases:
        return []
    k = g.phase - 1
    tl = coefficients(scenario).timeline
    best = g.best_option()
    later = np.arange(tl.phases) > k
    w = {"overt": tl.overt, "covert": tl.covert(best.detection)}.get(best.kind, tl.stall)
    full = float(tl.comply.R[k, later].sum())
    weight = full - float(w.R[k, later].sum())
    if weight <= 1e-9 * max(1.0, full):  # the best deviation collects later relief too
        return [
            "no promise of more relief later closes the gap: the best deviation "
            f"({best.kind}) would collect it as well"
        ]
    return [f"promise >= {deficit / weight:.4g} USD m/yr more relief from phase {g.phase + 1} on"]


def suggest_fixes(
    rec: PhaseCheck, g: PhaseGame, cred: dict[str, Credibility], scenario: Scenario, sched: Schedule
) -> list[str]:
    """Levers that would make a failing phase incentive compatible.

    Parameters
    ----------
    rec : PhaseCheck
        The failing phase's record (with thresholds).
    g : PhaseGame
        Its stage game.
    cred : dict
        Credibility per instrument.
    scenario : Scenario
        The scenario.
    sched : Schedule
        The schedule being checked.

    Returns
    -------
    list of str
        One sentence per lever, with the margin it buys (USD m).
    """
    deficit = -rec.ic_margin
    out = _credibility_fixes(rec, g, cred, deficit)
    if rec.critical_detection is not None and rec.critical_detection > g.detection:
        out.append(
            f"raise detection of this phase's reversals from {g.detection:.3g} "
            f"to >= {rec.critical_detection:.4g} a year (for every step)"
        )
    if rec.critical_credibility is not None:
        out.append(
            f"a snapback credibility >= {rec.critical_credibility:.4g} on every "
            "granted measure would suffice"
        )
    beta = scenario.annual_discount()
    if rec.critical_discount is not None and rec.critical_discount > beta:
        out.append(
            f"the phase holds for an annual discount factor >= {rec.critical_discount:.4g} "
            f"(now {beta:.3g})"
        )
    out += _defer_fixes(g, scenario, sched, rec.ic_margin, deficit)
    out += _promise_fix(g, scenario, deficit)
    return out or ["no single lever found; restructure the phase"]
