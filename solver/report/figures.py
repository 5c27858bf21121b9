"""Figures of a report, drawn with matplotlib's Agg renderer (no display, no network).

Every function takes the report document of :mod:`solver.report.collect`
and returns a :class:`matplotlib.figure.Figure` (never touching pyplot's
global state), or ``None`` when its data is absent.  :func:`render_figures`
turns them into base64 PNGs for inline ``<img>`` tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from solver.report import figures_sensitivity
from solver.report import frontier as report_frontier
from solver.report.canvas import literal_doc, new_figure, png_base64

if TYPE_CHECKING:
    from matplotlib.figure import Figure

REVERSIBILITY_CMAP = "RdYlGn"
"""Colormap of reversibility: red = irreversible (0), green = fully reversible (1)."""

PLAN_COLORS = ("#1f77b4", "#ff7f0e")
"""Colors of the optimized and the comparison plan."""


@dataclass(frozen=True)
class RenderedFigure:
    """A figure ready for a page.

    Attributes
    ----------
    id, title, caption : str
        Anchor, heading and one-sentence reading guide.
    png_base64 : str
        The PNG image, base64-encoded.
    """

    id: str
    title: str
    caption: str
    png_base64: str


def _reversibility(fig: Figure) -> Any:
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    sm = ScalarMappable(norm=Normalize(0.0, 1.0), cmap=colormaps[REVERSIBILITY_CMAP])
    return sm


def _short(text: str, n: int = 42) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _plans(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in doc["plans"] if p.get("assignments")]


def plan_chart(doc: dict[str, Any]) -> Figure | None:
    """Phased plan: one row per milestone and measure, its phase colored by reversibility.

    The optimized plan's phase is a colored cell (lighter while in force
    afterwards); the comparison plan's phase, when there is one, a black diamond.
    """
    plans = _plans(doc)
    if not plans or plans[0]["label"] != "optimized":
        return None
    opt, cmp_ = plans[0], (plans[1] if len(plans) > 1 else None)
    items = [("milestones", d) for d in doc["items"]["milestones"]]
    items += [("measures", m) for m in doc["items"]["measures"]]
    K = doc["scenario"]["phases"]
    fig = new_figure(10, 1.6 + 0.27 * len(items))
    ax = fig.add_subplot()
    sm = _reversibility(fig)
    for row, (kind, item) in enumerate(items):
        k = opt["assignments"][kind].get(item["id"])
        if k is not None:
            color = sm.to_rgba(item["reversibility"])
            ax.barh(row, 0.9, left=k - 0.45, color=color, edgecolor="black", linewidth=0.5)
            ax.barh(row, K - k, left=k + 0.5, color=color, alpha=0.25, height=0.5)
        if cmp_ is not None and (kc := cmp_["assignments"][kind].get(item["id"])) is not None:
            ax.plot(kc, row, marker="D", color="black", markersize=5, fillstyle="none")
    ax.axhline(len(doc["items"]["milestones"]) - 0.5, color="grey", linewidth=1)
    ax.set_yticks(range(len(items)), [_short(f"{i['id']} {i['name']}") for _, i in items])
    ax.invert_yaxis()
    names = doc["scenario"]["phase_names"] or [""] * K
    ax.set_xticks(
        range(1, K + 1),
        [f"{k}\n{_short(n, 22)}" for k, n in zip(range(1, K + 1), names, strict=False)],
    )
    ax.set_xlim(0.5, K + 0.5)
    ax.xaxis.tick_top()
    ax.tick_params(axis="y", labelsize=8)
    fig.colorbar(sm, ax=ax, label="reversibility (share a snapback or the target can undo)")
    if cmp_ is not None:
        ax.plot([], [], "D", color="black", fillstyle="none", label=f"{cmp_['title']}: phase")
        ax.legend(loc="lower left", fontsize=8)
    ax.set_title("Milestones (top) and relief measures (bottom) by phase: " + opt["title"])
    return fig


def _stack(ax: Any, x: float, parts: list[tuple[str, float, float]], sm: Any, hatch: str) -> None:
    bottom, top = 0.0, sum(v for _, v, _ in parts) or 1.0
    for label, value, rev in parts:
        ax.bar(
            x,
            value,
            0.38,
            bottom=bottom,
            color=sm.to_rgba(rev),
            edgecolor="black",
            linewidth=0.4,
            hatch=hatch,
        )
        if value >= 0.08 * top:
            ax.text(x, bottom + value / 2, label, ha="center", va="center", fontsize=7)
        bottom += value


def relief_chart(doc: dict[str, Any]) -> Figure | None:
    """New relief and new step cost per phase, stacked by item, colored by reversibility."""
    plans = _plans(doc)
    if not plans:
        return None
    meas = {m["id"]: m for m in doc["items"]["measures"]}
    mil = {d["id"]: d for d in doc["items"]["milestones"]}
    fig = new_figure(10, 3.6 * len(plans))
    axes = fig.subplots(len(plans), 1, squeeze=False)[:, 0]
    sm = _reversibility(fig)
    for ax, plan in zip(axes, plans, strict=True):
        for row in plan["phases"]:
            k = row["phase"]
            relief = [(i, meas[i]["value"], meas[i]["reversibility"]) for i in row["measures"]]
            cost = [(i, mil[i]["cost"], mil[i]["reversibility"]) for i in row["milestones"]]
            _stack(ax, k - 0.2, relief, sm, "")
            _stack(ax, k + 0.2, cost, sm, "//")
        ax.set_xticks([r["phase"] for r in plan["phases"]])
        ax.set_ylabel("USD m / yr")
        ax.set_title(f"{plan['title']}: new relief (left bar) vs new step cost (right, hatched)")
    axes[-1].set_xlabel("phase")
    fig.colorbar(sm, ax=list(axes), label="reversibility")
    return fig


def leverage_chart(doc: dict[str, Any]) -> Figure | None:
    """Leverage per phase (bars) and the game check's IC margin (lines), per plan."""
    plans = _plans(doc)
    if not plans:
        return None
    fig = new_figure(10, 4.2)
    ax = fig.add_subplot()
    width = 0.8 / len(plans)
    for j, (plan, color) in enumerate(zip(plans, PLAN_COLORS, strict=False)):
        ks = [r["phase"] for r in plan["phases"]]
        xs = [k - 0.4 + width * (j + 0.5) for k in ks]
        ax.bar(
            xs,
            [r["leverage"] for r in plan["phases"]],
            width,
            color=color,
            alpha=0.55,
            label=f"{plan['title']}: leverage L_k",
        )
        ic = plan.get("incentives")
        if ic:
            margins = [r.get("ic_margin") for r in ic["phases"]]
            ax.plot(xs, margins, "o-", color=color, label=f"{plan['title']}: IC margin (game)")
            bad = [
                (x, m)
                for x, m, r in zip(xs, margins, ic["phases"], strict=False)
                if r.get("incentive_compatible") is False
            ]
            if bad:
                ax.plot(
                    [b[0] for b in bad],
                    [b[1] for b in bad],
                    "x",
                    color="red",
                    markersize=12,
                    mew=3,
                    label="IC fails",
                )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(sorted({r["phase"] for p in plans for r in p["phases"]}))
    ax.set_xlabel("phase")
    ax.set_ylabel("USD m (discounted)")
    ax.set_title("What the target loses by backsliding, per phase")
    ax.legend(fontsize=8)
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
            "Row = step or measure; cell = phase; color = reversibility.",
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
            "Positive = the target loses by backsliding.",
        ),
        *report_frontier.SPECS,
        *figures_sensitivity.SPECS,
    ]
    out = []
    drawn = literal_doc(doc)  # names are drawn verbatim, never parsed as mathtext
    for fid, title, draw, caption in specs:
        fig = draw(drawn)
        if fig is not None:
            out.append(RenderedFigure(fid, title, caption, png_base64(fig)))
    return out
