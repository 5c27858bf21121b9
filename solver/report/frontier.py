"""The report's frontier: smallest leverage against transformation (issue 17).

:func:`frontier_section` computes the document's ``frontier`` entry (the
points of :func:`solver.frontier.trade_off`, with the optimized plan and the
compared plan placed on the same axes); :func:`frontier_chart` draws it and
:func:`frontier_report_section` writes its text and table.  A scenario whose
items all have a zero ``transformation`` has no frontier (the entry is
``None``, and neither figure nor section appears).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from solver.report.canvas import new_figure
from solver.report.sections import Section, Table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from solver.plan import Plan, Schedule
    from solver.scenario import Scenario

__all__ = ["SPECS", "frontier_chart", "frontier_report_section", "frontier_section"]

FRONTIER_POINTS = 7
"""Points of the report's frontier."""


def frontier_section(
    scenario: Scenario, plan: Plan, comparison: tuple[str, Schedule] | None
) -> dict[str, Any] | None:
    """The report document's ``frontier`` entry.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    plan : Plan
        The optimized plan (placed on the axes as "optimized plan").
    comparison : (str, Schedule), optional
        The compared plan's source and schedule (placed too).

    Returns
    -------
    dict or None
        ``points`` (as ``relief solve --frontier --json``), ``placements``
        (label, smallest leverage, transformation, verdicts), ``message``,
        ``seconds`` and ``backend``; ``None`` when no item has a
        transformation share or the scenario has no plan.
    """
    from solver.frontier import place, trade_off

    shares = [m.transformation for m in scenario.measures]
    shares += [d.transformation for d in scenario.milestones]
    if not any(shares):
        return None
    found = trade_off(scenario, points=FRONTIER_POINTS, backend=plan.backend or "highs")
    if not found.points:
        return None
    placed = []
    if plan.schedule is not None:
        placed.append(place(scenario, plan.schedule, "optimized plan").to_dict())
    if comparison is not None:
        placed.append(place(scenario, comparison[1], Path(comparison[0]).stem).to_dict())
    return {
        "points": found.to_list(),
        "placements": placed,
        "message": found.message,
        "seconds": found.seconds,
        "backend": found.backend,
    }


def frontier_chart(doc: dict[str, Any]) -> Figure | None:
    """The frontier (line and points) with the optimized and the compared plan on it."""
    fr = doc.get("frontier")
    if not fr:
        return None
    total = bool(fr["points"]) and fr["points"][0].get("axis") == "leverage_total"
    key = "total_leverage" if total else "min_leverage"  # the axis the points were solved on
    pts = [p for p in fr["points"] if p[key] is not None]
    fig = new_figure(8, 4.8)
    ax = fig.add_subplot()
    xs = [p[key] for p in pts]
    ys = [p["transformation"] for p in pts]
    ax.plot(xs, ys, "-", color="#555555", linewidth=1, zorder=1)
    ok = [p for p in pts if p["verified"] and p["incentive_compatible"]]
    bad = [p for p in pts if not (p["verified"] and p["incentive_compatible"])]
    for group, marker, label in ((ok, "o", "frontier: both sides stay"),
                                 (bad, "s", "frontier: a side would defect")):  # fmt: skip
        if group:
            ax.scatter([p[key] for p in group], [p["transformation"] for p in group],
                       marker=marker, color="#2ca02c", zorder=2, label=label)  # fmt: skip
    for pl, (color, marker) in zip(fr["placements"], (("#1f77b4", "*"), ("#ff7f0e", "D")),
                                   strict=False):  # fmt: skip
        label = pl["label"] + ("" if pl["verified"] else " (breaks a constraint)")
        ax.scatter([pl[key]], [pl["transformation"]], marker=marker, s=140,
                   color=color, zorder=3, label=label)  # fmt: skip
    ax.set_xlabel(
        "total leverage sum_k L_k (USD m)" if total else "smallest leverage min_k L_k (USD m)"
    )
    ax.set_ylabel("transformation value (USD m)")
    ax.set_title("Two goals: leverage against marketization and integration")
    ax.legend(fontsize=8)
    return fig


def _yes(v: Any) -> str:
    return "-" if v is None else ("yes" if v else "no")


def frontier_report_section(doc: dict[str, Any]) -> Section | None:
    """The report's frontier section: reading, the points, the placed plans."""
    fr = doc.get("frontier")
    if not fr:
        return None
    par = [
        "Each point is the plan with the largest transformation value (the present value of "
        "the relief and reform reaching markets and households rather than the state, USD m) "
        "whose smallest leverage is at least epsilon, then the largest smallest leverage at "
        "that value (epsilon-constraint; docs/formulation.md). Every point is re-checked by "
        f"the verifier and the incentive check. {fr['message']}.",
    ]
    rows = [
        [i, p["epsilon"], p["min_leverage"], p["transformation"], _yes(p["verified"]),
         _yes(p["target_compatible"]), _yes(p["incentive_compatible"])]
        for i, p in enumerate(fr["points"], 1)
    ]  # fmt: skip
    cols = ["point", "epsilon", "smallest leverage", "transformation", "verified",
            "IC target", "IC both sides"]  # fmt: skip
    placed = [
        [pl["label"], pl["min_leverage"], pl["transformation"], _yes(pl["verified"]),
         _yes(pl["incentive_compatible"])]
        for pl in fr["placements"]
    ]  # fmt: skip
    tables = [Table("Frontier points (USD m)", cols, rows)]
    if placed:
        tables.append(Table("Plans on the same axes (USD m)", ["plan", "smallest leverage",
                            "transformation", "verified", "IC both sides"], placed))  # fmt: skip
    return Section("frontier", "Two goals: leverage and transformation", par, "frontier", tables)


SPECS = [
    (
        "frontier",
        "Leverage against transformation",
        frontier_chart,
        "Up and right is better on both goals; the line is the frontier.",
    ),
]
"""``(id, title, function, caption)`` of the frontier figure."""
