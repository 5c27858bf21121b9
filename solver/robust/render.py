"""Text for a fixed plan judged across worlds (``relief sensitivity --plan``)."""

from __future__ import annotations

from solver.robust.batch import PlanInWorlds

__all__ = ["render_plan_in_worlds"]


def _pct(x: float) -> str:
    return f"{100.0 * x:5.1f} %"


def _usd(x: float) -> str:
    return f"{x:,.0f}"


def render_plan_in_worlds(result: PlanInWorlds, *, plan: str = "the plan") -> str:
    """Describe where a fixed plan works, phase by phase and member by member.

    Parameters
    ----------
    result : PlanInWorlds
        From :func:`solver.robust.batch.evaluate_plan`.
    plan : str, optional
        How to name the plan (its file).

    Returns
    -------
    str
        Shares of worlds, the failing constraint families, the per-phase
        verdicts with the target's margin quantiles (USD m) and the members
        that leave.
    """
    d = result.summary()
    lines = [
        f"{plan} held fixed in {d['worlds']:,} worlds (seed {d['seed']}, {d['engine']} engine)",
        "  works (every constraint holds, both sides keep to it in every phase): "
        f"{_pct(d['works'])}",
        f"  constraints hold: {_pct(d['constraints_hold'])}",
        f"  incentive compatible for both sides: {_pct(d['incentive_compatible'])}",
    ]
    if d["design_violations"]:
        lines.append("  design rules broken on the scenario as written (so it works nowhere):")
        lines.extend(f"    {v}" for v in d["design_violations"])
    failing = [f"{f} {_pct(x).strip()}" for f, x in d["failing"].items() if x > 0]
    if failing:
        lines.append(f"  constraints that fail in some worlds: {', '.join(failing)}")
    lines.append("")
    lines.append("  phase  both sides  target   target margin, USD m: p5 / median / p95")
    for k, m in enumerate(d["margins"]):
        lines.append(
            f"  {k + 1:>5}  {_pct(d['phase_incentive_compatible'][k]):>10}  "
            f"{_pct(d['target_compatible'][k]):>7}   "
            f"{_usd(m['p05'])} / {_usd(m['p50'])} / {_usd(m['p95'])}"
        )
    leaving = [(a, x) for a, x in d["members"].items() if x < 1.0]
    if leaving:
        lines.append("")
        lines.append("  members who stay in every phase in only some worlds:")
        lines.extend(f"    {a}: {_pct(x).strip()} of the worlds" for a, x in leaving)
    lines.append("")
    lines.append(
        "  (design rules are judged on the scenario as written; participation, cohesion "
        "and the irreversibility ratio in each world: docs/robust.md)"
    )
    return "\n".join(lines)
