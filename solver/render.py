"""Human-readable rendering of plans for the terminal."""

from __future__ import annotations

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
        granted and the leverage, then what is never granted.
    """
    s = plan.scenario
    lines = [f"Scenario: {s.name} ({s.source})", f"Status:   {plan.status.value} - {plan.message}"]
    if plan.objective is not None:
        gap = f", gap {plan.gap:.2e}" if plan.gap is not None else ""
        lines.append(
            f"Objective ({plan.objective_name}): {plan.objective:,.3f}{gap}  "
            f"[backend {plan.backend}, formulation {plan.formulation}]"
        )
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
        rev = row["best_deviation"]["reverses"]
        lines.append(
            f"  best deviation: reverse {', '.join(rev) if rev else 'nothing (keep the relief)'}"
            f" - caught with probability {row['best_deviation']['detection']:.2f}"
        )
        lines.append("  target steps:")
        lines += [f"    {t}" for t in _names(row["milestones"], dnames)] or ["    (none)"]
        lines.append("  relief granted:")
        lines += [f"    {t}" for t in _names(row["measures"], mnames)] or ["    (none)"]
    never = plan.to_dict()["never"]
    if never:
        lines.append("")
        lines.append("Never granted: " + ", ".join(never))
    if plan.violations:
        lines.append("")
        lines.append("Violations:")
        lines += [f"  - {v}" for v in plan.violations]
    t = ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in plan.timings.items())
    lines.append("")
    lines.append(f"Timings: {t}")
    return "\n".join(lines)
