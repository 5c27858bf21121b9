"""Plain-text rendering of an incentive-check report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.coalition import DEVIATION_NAMES
from solver.credibility import format_credibility

if TYPE_CHECKING:
    from solver.game.check import ICReport


def _fmt(x: float | None, spec: str = ".3g") -> str:
    return "-" if x is None else format(x, spec)


def _coalition_lines(report: ICReport) -> list[str]:
    """The members' margins per phase, who defects first and the side payment that holds it."""
    if not report.coalition:
        return []
    kk = len(report.phases)
    width = max(len(v.actor) for v in report.coalition)
    head = f"  {'actor':<{width}} " + " ".join(f"{'phase ' + str(k + 1):>12}" for k in range(kk))
    out = [
        "Coalition members: margin = staying - best defection (leave, stop enforcing or stop "
        "paying), USD m",
        head,
    ]
    for v in report.coalition:
        cells = " ".join(f"{m:>12,.1f}" for m in v.margin)
        bad = [k for k in range(kk) if not v.stays[k]]
        note = (
            "stays"
            if not bad
            else f"{DEVIATION_NAMES[v.deviation[bad[0]]]} after phase {bad[0] + 1}"
        )
        out.append(f"  {v.actor:<{width}} {cells}  {note}")
    first = report.first_leaver
    if first is not None:
        phase, actor, how = first
        v = next(x for x in report.coalition if x.actor == actor)
        gap = -float(v.margin[phase - 1])
        g = report.annuity[phase - 1] if report.annuity else 0.0
        what = {
            "leave": "leave the deal",
            "stop_enforcing": "stop enforcing",
            "stop_paying": "stop paying for the relief it funds",
        }[how]
        pay = f"; a side payment of {gap / g:,.1f} USD m a year from then on holds it" if g else ""
        out.append(
            f"First to defect: {actor} would {what} after phase {phase} (short by {gap:,.1f}){pay}."
        )
    if len(report.unravelling) > 1 or (
        report.unravelling and report.unravelling[-1]["actor"] != "target"
    ):
        steps = []
        for e in report.unravelling:
            if e["actor"] == "target":
                steps.append(f"the target then defects after phase {e['phase']} ({e['deviation']})")
            else:
                steps.append(f"{e['actor']} would {e['deviation_name']} after phase {e['phase']}")
        if report.unravelling[-1]["actor"] != "target":
            steps.append("the target keeps complying with what is left")
        out.append("Chained play: " + "; then ".join(steps) + ".")
    for f in report.coalition_fixes:
        when = "never" if f["to"] is None else f"in phase {f['to']}"
        was = "never" if f["from"] is None else f"phase {f['from']}"
        side = (
            "the target stays compatible"
            if f["target_compatible"]
            else (f"but the target's weakest margin is {f['target_weakest']:,.1f}")
        )
        out.append(
            f"  timing: grant {f['measure']} {when} (not {was}): the member then stays "
            f"(smallest margin {f['member_margin']:,.1f}); {side}"
        )
    for f in report.instrument_fixes:
        if f["change"] == "funder":
            what = f"{f['to']} pays for {f['measure']} instead of {f['from']}"
        else:
            verb = "grant" if f["change"] == "instrument" else "snap back"
            who = ", ".join(f["deciders"]) or "nobody"
            what = f"{verb} {f['measure']} through {f['to']} (decided by {who}), not {f['from']}"
        side = (
            "the target stays compatible"
            if f["target_compatible"]
            else f"but the target's weakest margin is {f['target_weakest']:,.1f}"
        )
        margin = (
            "" if f["member_margin"] is None else f" (smallest margin {f['member_margin']:,.1f})"
        )
        label = "another funder" if f["change"] == "funder" else "another instrument"
        out.append(f"  {label}: {what}: the member then stays{margin}; {side}")
    for v in report.coalition:
        need = v.enforcement_threshold
        if need is not None:
            out.append(
                f"{v.actor} enforces while its cost of being seen not to (exit_cost) is at "
                f"least {need:,.1f} USD m (it is {v.exit_cost:,.1f})."
            )
    for v in report.coalition:
        need = v.renege_threshold
        if need is not None:
            walks = sorted({d for d in v.renege_defects if d is not None})
            after = (
                f"; if it stopped, the target would defect after phase(s) "
                f"{', '.join(map(str, walks))}"
                if walks
                else ""
            )
            out.append(
                f"{v.actor} keeps paying while its exit cost is at least {need:,.1f} USD m "
                f"(it is {v.exit_cost:,.1f}){after}."
            )
    for f in report.payment_fixes:
        what = ", ".join(f"{m} as one transfer of {x:,.1f}" for m, x in f["transfers"].items())
        if f["pays"]:
            then = "it then keeps paying in every phase"
        else:
            then = (
                "it would still stop paying after phase(s) "
                f"{', '.join(map(str, f['stops_paying_after']))} (unless its exit cost is at "
                f"least {f['renege_threshold']:,.1f})"
            )
        side = (
            "the target stays compatible"
            if f["target_compatible"]
            else f"the target's weakest margin is {f['target_weakest']:,.1f}"
        )
        out.append(
            f"  paying on completion: {f['actor']} pays {what} USD m when granted: {then}; {side}"
        )
    if report.lapsed:
        out.append(
            "Not enforcing: " + ", ".join(report.lapsed) + "; the target's margins above are "
            "computed without the pressure their enforcement carried."
        )
    out.append("")
    return out


def render_report(report: ICReport) -> str:
    """Return the per-phase table, credibility notes and fixes as text.

    Parameters
    ----------
    report : ICReport
        The report to render.

    Returns
    -------
    str
        Multi-line text ending in a newline.
    """
    head = (
        f"{'phase':>5} {'margin':>12} {'verdict':>9} {'deviation':>9} {'credible':>9} "
        f"{'p/yr':>6} {'p*':>6} {'q*':>6} {'beta*':>7} {'viol.':>6}"
    )
    lines = [f"Incentive check: {report.scenario}", head, "-" * len(head)]
    for p in report.phases:
        lines.append(
            f"{p.phase:>5} {p.ic_margin:>12,.1f} {'IC' if p.incentive_compatible else 'FAILS':>9} "
            f"{p.deviation:>9} {'yes' if p.snapback_credible else 'no':>9} {p.detection:>6.3g} "
            f"{_fmt(p.critical_detection):>6} {_fmt(p.critical_credibility):>6} "
            f"{_fmt(p.critical_discount, '.4g'):>7} {p.violation_probability:>6.3g}"
        )
    lines.append("")
    lines += _coalition_lines(report)
    verdict = "incentive compatible" if report.incentive_compatible else "NOT incentive compatible"
    sides = ""
    if report.coalition:
        sides = (
            " for both sides"
            if report.incentive_compatible
            else (
                " (the target complies; a coalition member defects)"
                if report.target_compatible
                else ""
            )
        )
    lines.append(f"Plan is {verdict}{sides} (subgame-perfect, backward induction).")
    if report.first_backslide is not None:
        lines.append(
            f"On the equilibrium path the target backslides after phase {report.first_backslide}."
        )
    lines.append("Snapback credibility:")
    lines += [
        f"  {c.reason()} -> q = {format_credibility(c.effective)}"
        for c in report.credibility.values()
    ]
    for p in report.phases:
        if p.deviation in ("overt", "covert") and p.reverses:
            how = "secretly" if p.deviation == "covert" else "openly"
            lines.append(
                f"Phase {p.phase}: the best deviation reverses {how} {', '.join(p.reverses)}"
            )
    for p in report.phases:
        if p.fixes:
            lines.append(f"Phase {p.phase} fails by {-p.ic_margin:,.1f} USD m; fixes:")
            lines += [f"  - {f}" for f in p.fixes]
    lines.append(
        "Columns: margin = V^C - V^D, what the target loses by its best deviation (USD m, "
        "discounted to the end of the phase); deviation = that deviation (stall, overt or "
        "covert reversal); credible = whether every snapback that deviation would face is "
        "carried out (subgame perfect); p/yr = its detection per year; p*, q*, beta* = "
        "the critical detection, credibility and annual discount at which the margin "
        "changes sign ('-': no change in range); viol. = the violation probability in the "
        "one-period inspection game (parameters.inspection_cost)."
    )
    return "\n".join(lines) + "\n"
