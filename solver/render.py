"""Human-readable rendering of plans for the terminal."""

from __future__ import annotations

from typing import Any

from solver.plan import Plan


def _names(ids: list[str], lookup: dict[str, str]) -> list[str]:
    return [f"{i} {lookup[i]}".rstrip() for i in ids]


def render_plan(plan: Plan) -> str:
    """Return the phase-by-phase text of ``plan`` (what ``relief solve`` prints).

    Parameters
    ----------
    plan : Plan
        A solve or evaluation result.

    Returns
    -------
    str
        Status line, then per phase the milestones demanded, the relief
        granted and the leverage, then what is never granted and, when
        computed, the phase range of every item (:func:`render_ranges`).
    """
    s = plan.scenario
    lines = [f"Scenario: {s.name} ({s.source})", f"Status:   {plan.status.value} - {plan.message}"]
    if plan.objective is not None:
        gap = f", gap {plan.gap:.2e}" if plan.gap is not None else ""
        lines.append(
            f"Objective ({plan.objective_name}): {plan.objective:,.3f}{gap}  "
            f"[backend {plan.backend}, formulation {plan.formulation}]"
        )
    if plan.levels:
        lv = " <= ".join(f"{v:,.1f}" for v in plan.levels)
        lines.append(f"Leximin levels (leverage sorted, USD m): {lv}")
    for e in plan.explanation:
        lines.append(f"  - {e}")
    if plan.schedule is None:
        return "\n".join(lines)
    mnames = {m.id: m.name for m in s.measures}
    dnames = {d.id: d.name for d in s.milestones}
    values = plan.schedule.values(s)
    for row in plan.phases():
        k = row["phase"]
        lines.append("")
        lines.append(f"Phase {s.phase_label(k)}")
        lines.append(
            f"  leverage L_{k} = {row['leverage']:,.1f} USD m   "
            f"(relief in force {values.relief[k - 1]:,.0f} USD m/yr, "
            f"step cost {values.cost[k - 1]:,.0f} USD m/yr)"
        )
        lines.append(f"  best deviation: {_deviation(row['best_deviation'])}")
        lines.append("  target steps:")
        lines += [f"    {t}" for t in _names(row["milestones"], dnames)] or ["    (none)"]
        lines.append("  relief granted:")
        lines += [f"    {t}" for t in _names(row["measures"], mnames)] or ["    (none)"]
    doc = plan.to_dict()
    never, undone = doc["never"], doc["never_milestones"]
    if never or undone:
        lines.append("")
    if never:
        lines.append("Never granted: " + ", ".join(never))
    if undone:
        lines.append("Never done: " + ", ".join(undone))
    if plan.violations:
        lines.append("")
        lines.append("Violations:")
        lines += [f"  - {v}" for v in plan.violations]
    if plan.phase_range is not None:
        lines.append("")
        lines += render_ranges(plan)
    t = ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in plan.timings.items())
    if t:
        lines.append("")
        lines.append(f"Timings: {t}")
    return "\n".join(lines)


def phase_text(k: int | None) -> str:
    """A phase as the output writes it: the number, or ``never``.

    Parameters
    ----------
    k : int or None
        A phase (``None``: never).

    Returns
    -------
    str
        ``"3"`` or ``"never"``.
    """
    return "never" if k is None else str(k)


def range_text(lo: int | None, hi: int | None) -> str:
    """A phase range as the output writes it: ``2``, ``2-3``, ``4-never`` or ``never``.

    Parameters
    ----------
    lo, hi : int or None
        Earliest and latest phase (``None``: never).

    Returns
    -------
    str
        One phase when the ends agree, else ``lo-hi``.

    Examples
    --------
    >>> range_text(2, 2), range_text(2, 3), range_text(4, None), range_text(None, None)
    ('2', '2-3', '4-never', 'never')
    """
    return phase_text(lo) if lo == hi else f"{phase_text(lo)}-{phase_text(hi)}"


def render_ranges(plan: Plan) -> list[str]:
    """The phase-range table of ``plan``: item, its phase, its range, forced or free.

    Parameters
    ----------
    plan : Plan
        A plan whose ``phase_range`` was computed.

    Returns
    -------
    list of str
        Lines: a heading with the definition and the count of free items,
        then one row per milestone and measure (scenario order); no lines
        without ranges.
    """
    if plan.phase_range is None or plan.schedule is None:
        return []
    sch, ranges = plan.schedule, plan.phase_range
    phase = {**dict(sch.milestones), **dict(sch.measures)}
    free = [i for i, (lo, hi) in ranges.items() if lo != hi]
    rule = "of the optimum on every leximin level" if plan.levels else "of the optimal objective"
    lines = [
        f"Phase ranges over the plans within 1 % {rule} ({len(free)} of {len(ranges)} items free):",
    ]
    if plan.ranges_complete is False:
        lines.append("  (incomplete: the probes stopped at the time limit; these are inner bounds)")
    lines.append(f"  {'item':6s} {'phase':>5s}  range")
    for item, (lo, hi) in ranges.items():
        kind = "forced" if lo == hi else "free"
        shown = f"{phase_text(phase.get(item)):>5s}  {range_text(lo, hi):9s}"
        lines.append(f"  {item:6s} {shown} {kind}")
    return lines


def _deviation(dev: dict[str, Any]) -> str:
    """One line for a phase's best deviation (``Plan.phases()["best_deviation"]``)."""
    rev = ", ".join(dev["reverses"])
    p = dev["detection"]
    if dev["kind"] == "stall":
        return "stall (keep what is done and held, refuse the next steps)"
    if dev["kind"] == "overt":
        return f"openly reverse {rev} (detected {p:.2f} a year; no new relief)"
    if dev["kind"] == "covert":
        return f"secretly reverse {rev} and keep collecting relief (detected {p:.2f} a year)"
    return "none (nothing done, nothing left to refuse)"
