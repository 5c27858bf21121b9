"""What would fix a failing phase: levers and how much margin each buys.

For a phase ``k`` with deficit ``D = -M_k > 0`` (USD m):

* make a non-credible snapback credible (e.g. a reverse-veto clause):
  ``+ delta/(1-delta) p_k q_i W_ik``;
* raise detection to the critical ``p*`` or credibility to ``q*``;
* defer measures granted in phase ``k`` to ``k+1``: each adds
  ``delta/(1-delta) v_m (1 - p_k q_m r_m)`` to ``M_k`` (the target no longer
  holds it when tempted, and still expects it) but lowers every earlier
  phase's ``V^C_j`` by ``delta^(k-j) v_m``;
* promise ``D / delta`` more relief per period from phase ``k+1`` on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.game.credibility import Credibility
from solver.game.stage import PhaseGame
from solver.plan import Schedule
from solver.scenario import Scenario

if TYPE_CHECKING:
    from solver.game.check import PhaseCheck


def _credibility_fixes(
    rec: PhaseCheck, g: PhaseGame, cred: dict[str, Credibility], deficit: float
) -> list[str]:
    out = []
    total = 0.0
    for i in rec.non_credible:
        gain = g.annuity * g.detection * g.nominal[i] * g.clawback[i]
        total += gain
        why = cred[i].reason() if i in cred else i
        out.append(
            f"make snapback through {i} credible (now {why}), e.g. by a "
            f"reverse-veto clause: margin +{gain:.4g}"
        )
    if out and total >= deficit:
        out.append("making those snapbacks credible closes the gap")
    return out


def _defer_fixes(g: PhaseGame, scenario: Scenario, sched: Schedule, deficit: float) -> list[str]:
    if g.phase >= scenario.phases:
        return []
    choice = g.coalition_choice()
    gains = []
    for m in scenario.measures:
        if sched.measures.get(m.id) != g.phase:
            continue
        q = g.nominal.get(m.instrument, 0.0) if choice.get(m.instrument, False) else 0.0
        gains.append((g.annuity * m.value * (1 - g.detection * q * m.reversibility), m.id))
    gains.sort(reverse=True)
    picked, total = [], 0.0
    for gain, mid in gains:
        picked.append(mid)
        total += gain
        if total >= deficit:
            return [
                f"defer {', '.join(picked)} to phase {g.phase + 1}: margin +{total:.4g} "
                "(earlier phases lose some comply value)"
            ]
    return []


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
            f"to >= {rec.critical_detection:.4g}"
        )
    if rec.critical_credibility is not None:
        out.append(
            f"a snapback credibility >= {rec.critical_credibility:.4g} on every "
            "granted measure would suffice"
        )
    if rec.critical_discount is not None and rec.critical_discount > g.delta:
        out.append(
            f"the phase holds for a discount factor >= {rec.critical_discount:.4g} "
            f"(now {g.delta:.3g})"
        )
    out += _defer_fixes(g, scenario, sched, deficit)
    if g.phase < scenario.phases:
        out.append(
            f"promise >= {deficit / g.delta:.4g} USD m/yr more relief from phase {g.phase + 1} on"
        )
    return out or ["no single lever found; restructure the phase"]
