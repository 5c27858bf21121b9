"""Figures of a report, drawn with matplotlib's Agg renderer (no display, no network).

Every function takes the report document of :mod:`solver.report.collect`
and returns a :class:`matplotlib.figure.Figure` (never touching pyplot's
global state), or ``None`` when its data is absent.  :func:`render_figures`
turns them into inline SVG (:func:`solver.report.canvas.svg_markup`).

Labels stay readable at any scenario size: figures grow with their number of
rows, phase names are wrapped, shortened or turned upright until they do not
overlap, and in-plot labels that do not fit are left out
(:mod:`solver.report.layout`).  Margins are drawn per year: a margin ``M`` at
the end of phase ``k`` is shown as the flow ``M / G_k`` (USD m a year from
then on, forever) with the same present value, ``G_k`` being the annuity of
:class:`solver.timeline.Timeline` (``scenario.annuity`` in the document).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from solver.report import figures_sensitivity
from solver.report import frontier as report_frontier
from solver.report.canvas import literal_doc, new_figure, svg_markup
from solver.report.layout import drop_overflowing, fit_phase_ticks, fit_title, short

if TYPE_CHECKING:
    from matplotlib.figure import Figure

REVERSIBILITY_CMAP = "RdYlGn"
"""Colormap of reversibility: red = irreversible (0), green = fully reversible (1)."""

PLAN_COLORS = ("#1f77b4", "#ff7f0e")
"""Colors of the optimized and the comparison plan."""

ROW_INCHES = 0.26
"""Height of one row (item or parameter) of a figure, in inches."""


@dataclass(frozen=True)
class RenderedFigure:
    """A figure ready for a page.

    Attributes
    ----------
    id, title, caption : str
        Anchor, heading and one-sentence reading guide.
    svg : str
        The figure as an inline ``<svg>`` element.
    """

    id: str
    title: str
    caption: str
    svg: str


def _reversibility(fig: Figure) -> Any:
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    sm = ScalarMappable(norm=Normalize(0.0, 1.0), cmap=colormaps[REVERSIBILITY_CMAP])
    return sm


def _plans(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in doc["plans"] if p.get("assignments")]


def plan_items(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The rows of the plan figure: every milestone, then every measure, in file order.

    Parameters
    ----------
    doc : dict
        The report document.

    Returns
    -------
    list of (str, dict)
        ``("milestones" | "measures", item)`` per row.
    """
    items = [("milestones", d) for d in doc["items"]["milestones"]]
    return items + [("measures", m) for m in doc["items"]["measures"]]


def phase_names(doc: dict[str, Any]) -> list[str]:
    """The scenario's phase names, ``""`` for each phase without one."""
    k = doc["scenario"]["phases"]
    names = list(doc["scenario"].get("phase_names") or [])
    return [*names, *[""] * (k - len(names))][:k]


def plan_chart(doc: dict[str, Any]) -> Figure | None:
    """Phased plan: one row per milestone and measure, its phase colored by reversibility.

    The first plan with a phasing (the optimized one, or the compared plan
    when the scenario has no feasible optimum) is drawn as colored cells
    (lighter while in force afterwards; a grey cell in the column "never"
    for what it never grants or demands); the other plan's phase, when
    there is one, as a black diamond.  Every item has its row, so every id
    is on the figure.
    """
    plans = _plans(doc)
    if not plans:
        return None
    main, other = plans[0], (plans[1] if len(plans) > 1 else None)
    items = plan_items(doc)
    K = doc["scenario"]["phases"]
    never = K + 1
    fig = new_figure(10, 2.6 + ROW_INCHES * len(items))
    ax = fig.add_subplot()
    sm = _reversibility(fig)
    for row, (kind, item) in enumerate(items):
        k = main["assignments"][kind].get(item["id"])
        if k is not None:
            color = sm.to_rgba(item["reversibility"])
            ax.barh(row, 0.9, left=k - 0.45, color=color, edgecolor="black", linewidth=0.5)
            if k < K:
                ax.barh(row, K - k, left=k + 0.5, color=color, alpha=0.25, height=0.5)
        else:
            ax.barh(
                row,
                0.9,
                left=never - 0.45,
                color="#dddddd",
                edgecolor="#888888",
                hatch="///",
                linewidth=0.5,
            )
        if other is not None:
            kc = other["assignments"][kind].get(item["id"])
            ax.plot(
                never if kc is None else kc,
                row,
                marker="D",
                color="black",
                markersize=5,
                fillstyle="none",
            )
    n_mil = len(doc["items"]["milestones"])
    if 0 < n_mil < len(items):
        ax.axhline(n_mil - 0.5, color="grey", linewidth=1)
    ax.axvline(K + 0.5, color="grey", linewidth=0.8, linestyle=":")
    ax.set_yticks(range(len(items)), [short(f"{i['id']}  {i['name']}", 46) for _, i in items])
    for (_, item), label in zip(items, ax.get_yticklabels(), strict=True):
        label.set_gid(f"row-{item['id']}")
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.set_xlim(0.5, never + 0.5)
    ax.tick_params(axis="y", labelsize=8)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [
        Patch(facecolor="#bbbbbb", edgecolor="black", label=f"{main['title']}: phase"),
        Patch(facecolor="#bbbbbb", alpha=0.3, label="in force afterwards"),
        Patch(facecolor="#dddddd", edgecolor="#888888", hatch="///", label="never"),
    ]
    if other is not None:
        handles.append(
            Line2D(
                [],
                [],
                marker="D",
                color="black",
                fillstyle="none",
                linestyle="none",
                label=f"{other['title']}: phase",
            )
        )
    fig.colorbar(
        sm,
        ax=ax,
        location="bottom",
        shrink=0.5,
        aspect=40,
        pad=0.01,
        label="reversibility: 0 = cannot be undone, 1 = fully reversible",
    )
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    fit_title(fig, ax, "Steps demanded (top) and relief granted (bottom), by phase")
    numbers = [*[str(k) for k in range(1, K + 1)], "never"]
    fit_phase_ticks(fig, ax, range(1, never + 1), numbers, [*phase_names(doc), ""], top=True)
    return fig


def _stack(
    ax: Any, x: float, parts: list[tuple[str, float, float]], sm: Any, hatch: str
) -> list[tuple[Any, Any]]:
    """Stack ``parts`` at ``x``; return each segment's label and the bar it must fit in."""
    bottom = 0.0
    labels = []
    for label, value, rev in parts:
        bars = ax.bar(
            x,
            value,
            0.38,
            bottom=bottom,
            color=sm.to_rgba(rev),
            edgecolor="black",
            linewidth=0.4,
            hatch=hatch,
        )
        text = ax.text(x, bottom + value / 2, label, ha="center", va="center", fontsize=7)
        labels.append((text, bars[0].get_window_extent))
        bottom += value
    return labels


def relief_chart(doc: dict[str, Any]) -> Figure | None:
    """New relief and new step cost per phase, stacked by item, colored by reversibility.

    Each segment carries its item's id where the id fits inside it; the
    section's table lists every item per phase.
    """
    plans = _plans(doc)
    if not plans:
        return None
    meas = {m["id"]: m for m in doc["items"]["measures"]}
    mil = {d["id"]: d for d in doc["items"]["milestones"]}
    K = doc["scenario"]["phases"]
    fig = new_figure(min(12.0, max(10.0, 3.0 + 0.9 * K)), 1.2 + 3.6 * len(plans))
    axes = fig.subplots(len(plans), 1, squeeze=False)[:, 0]
    sm = _reversibility(fig)
    labels = []
    for ax, plan in zip(axes, plans, strict=True):
        for row in plan["phases"]:
            k = row["phase"]
            relief = [(i, meas[i]["value"], meas[i]["reversibility"]) for i in row["measures"]]
            cost = [(i, mil[i]["cost"], mil[i]["reversibility"]) for i in row["milestones"]]
            labels += _stack(ax, k - 0.2, relief, sm, "")
            labels += _stack(ax, k + 0.2, cost, sm, "//")
        ax.set_xlim(0.4, K + 0.6)
        ax.set_ylabel("USD m a year")
        fit_title(
            fig,
            ax,
            f"{plan['title']}: new relief (left bar) and new step cost "
            "(right bar, hatched) per phase",
            fontsize=10,
        )
    fig.colorbar(sm, ax=list(axes), label="reversibility")
    for ax in axes:
        fit_phase_ticks(
            fig, ax, range(1, K + 1), [str(k) for k in range(1, K + 1)], phase_names(doc)
        )
    drop_overflowing(fig, labels)
    return fig


def per_year(doc: dict[str, Any], phase: int, value: float | None) -> float:
    """A margin at the end of ``phase`` as the flow with the same present value (USD m a year).

    Parameters
    ----------
    doc : dict
        The report document (``scenario.annuity``: ``G_k`` per phase, years).
    phase : int
        The phase (1-based) at whose end the margin is valued.
    value : float or None
        The margin (USD m, discounted to the end of the phase).

    Returns
    -------
    float
        ``value / G_phase``; NaN (not drawn) when ``value`` is ``None``.

    Examples
    --------
    >>> per_year({"scenario": {"annuity": [10.0, 8.0]}}, 2, 400.0)
    50.0
    """
    if value is None:
        return math.nan
    g = doc["scenario"]["annuity"][phase - 1]
    return value / g if g > 0 else value


def weakest_members(plan: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Per phase, the coalition member with the smallest margin (``{}`` without members).

    Parameters
    ----------
    plan : dict
        A plan section of the report document.

    Returns
    -------
    dict
        Phase -> that member's record (``actor``, ``margin``, ``deviation_name``, ...).
    """
    out: dict[int, dict[str, Any]] = {}
    for m in (plan.get("incentives") or {}).get("coalition") or []:
        k = m["phase"]
        if k not in out or m["margin"] < out[k]["margin"]:
            out[k] = m
    return out


def leverage_chart(doc: dict[str, Any]) -> Figure | None:
    """Per phase and plan: the target's leverage and IC margin, and the weakest member's margin.

    All three per year (:func:`per_year`), so a margin of a few hundred USD
    m a year does not vanish beside perpetuity values of hundreds of
    billions; red crosses where a side would deviate.
    """
    plans = _plans(doc)
    if not plans:
        return None
    K = doc["scenario"]["phases"]
    fig = new_figure(min(12.0, max(10.0, 3.0 + 0.9 * K)), 5.4)
    ax = fig.add_subplot()
    width = 0.8 / len(plans)
    failed: list[tuple[float, float]] = []
    for j, (plan, color) in enumerate(zip(plans, PLAN_COLORS, strict=False)):
        ks = [r["phase"] for r in plan["phases"]]
        xs = [k - 0.4 + width * (j + 0.5) for k in ks]
        lev = [per_year(doc, r["phase"], r["leverage"]) for r in plan["phases"]]
        ax.bar(xs, lev, width, color=color, alpha=0.45, label=f"{plan['title']}: leverage L_k")
        ic = plan.get("incentives")
        if ic:
            margins = [
                per_year(doc, k, r.get("ic_margin")) for k, r in zip(ks, ic["phases"], strict=False)
            ]
            ax.plot(
                xs, margins, "o-", color=color, label=f"{plan['title']}: target's margin (game)"
            )
            failed += [
                (x, m)
                for x, m, r in zip(xs, margins, ic["phases"], strict=False)
                if math.isfinite(m) and r.get("incentive_compatible") is False
            ]
        members = weakest_members(plan)
        if members:
            mx = [x for x, k in zip(xs, ks, strict=True) if k in members]
            my = [per_year(doc, k, members[k]["margin"]) for k in ks if k in members]
            ax.plot(
                mx,
                my,
                "v",
                color=color,
                markersize=8,
                markeredgecolor="black",
                label=f"{plan['title']}: weakest coalition member's margin",
            )
            failed += [(x, y) for x, y in zip(mx, my, strict=True) if y < 0]
    if failed:
        ax.plot(
            [f[0] for f in failed],
            [f[1] for f in failed],
            "x",
            color="red",
            markersize=12,
            mew=3,
            label="a side deviates",
        )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlim(0.4, K + 0.6)
    ax.set_ylabel("USD m a year, from the end of the phase on")
    fit_title(fig, ax, "What each side loses by deviating, per phase (as a yearly flow)")
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    fit_phase_ticks(fig, ax, range(1, K + 1), [str(k) for k in range(1, K + 1)], phase_names(doc))
    return fig


def render_figures(doc: dict[str, Any]) -> list[RenderedFigure]:
    """Draw every figure whose data the report document has.

    Parameters
    ----------
    doc : dict
        The report document.

    Returns
    -------
    list of RenderedFigure
        In page order; figures without data are left out.
    """
    specs = [
        (
            "plan",
            "Phased plan",
            plan_chart,
            "Row = step or measure; cell = its phase; color = reversibility.",
        ),
        (
            "relief",
            "Relief and step cost per phase",
            relief_chart,
            "Bars stack new items per phase.",
        ),
        (
            "leverage",
            "Leverage and incentive-compatibility margin",
            leverage_chart,
            "Per year; positive = the side loses by deviating, below zero it deviates.",
        ),
        *report_frontier.SPECS,
        *figures_sensitivity.SPECS,
    ]
    out = []
    drawn = literal_doc(doc)  # names are drawn verbatim, never parsed as mathtext
    for fid, title, draw, caption in specs:
        fig = draw(drawn)
        if fig is not None:
            attrs = {}
            if fid == "plan":
                attrs["data-items"] = " ".join(i["id"] for _, i in plan_items(doc))
            out.append(RenderedFigure(fid, title, caption, svg_markup(fig, fid, title, attrs)))
    return out
