"""Figures of the sensitivity sections: tornado, Sobol, Morris, stability, thresholds.

Each function takes the report document and returns a figure, or ``None``
when the sweep results (contract in :mod:`solver.report.sensitivity`) do not
include its method.  Figures with one row per parameter or item grow with
the rows; parameter names are drawn horizontally (turned text would run into
its neighbours); point and cell labels that would overlap are moved or left
out (the section's table has every number).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from solver.report.canvas import new_figure
from solver.report.layout import drop_overflowing, fit_title, overlaps, short

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def summary(doc: dict[str, Any], method: str) -> dict[str, Any] | None:
    """Return the summary of ``method`` in the report's sweep results, if any rows.

    Parameters
    ----------
    doc : dict
        The report document.
    method : str
        Canonical method name (``oat``, ``thresholds``, ``montecarlo``,
        ``sobol``, ``morris``).

    Returns
    -------
    dict or None
        The last summary of that method with at least one row.
    """
    sens = doc.get("sensitivity") or {}
    found = [r["summary"] for r in sens.get("results", []) if r["method"] == method]
    found = [s for s in found if s.get("rows")]
    return found[-1] if found else None


def tornado(doc: dict[str, Any]) -> Figure | None:
    """One-at-a-time swings of the output around its base value, widest on top."""
    s = summary(doc, "oat")
    if s is None:
        return None
    base = s.get("base")
    rows = sorted(s["rows"], key=lambda r: abs(r["output_high"] - r["output_low"]))
    base = base if base is not None else (rows[-1]["output_low"] + rows[-1]["output_high"]) / 2
    fig = new_figure(9, 1.8 + 0.3 * len(rows))
    ax = fig.add_subplot()
    from matplotlib.patches import Patch

    low, high = "#4c72b0", "#dd8452"
    for i, r in enumerate(rows):
        ends = sorted(
            [(r["output_low"], low), (r["output_high"], high)], key=lambda e: -abs(e[0] - base)
        )
        for value, color in ends:  # the longer bar first, so a shorter one stays visible
            ax.barh(i, value - base, left=base, color=color, height=0.6)
    handles = [
        Patch(color=low, label="parameter at low"),
        Patch(color=high, label="parameter at high"),
    ]
    ax.axvline(base, color="black", linewidth=0.8)
    labels = [f"{short(r['parameter'], 48)} [{r['low']:g}, {r['high']:g}]" for r in rows]
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.set_xlabel(s.get("output", "output"))
    fit_title(fig, ax, "Tornado: one parameter at a time")
    fig.legend(handles=handles, fontsize=8, loc="outside lower center", ncols=2, frameon=False)
    return fig


def sobol_bars(doc: dict[str, Any]) -> Figure | None:
    """First-order (S1) and total (ST) Sobol indices with confidence intervals, one row each."""
    s = summary(doc, "sobol")
    if s is None:
        return None
    rows = sorted(s["rows"], key=lambda r: -r["ST"])
    ys = range(len(rows))
    fig = new_figure(9, 1.8 + 0.42 * len(rows))
    ax = fig.add_subplot()
    ax.barh(
        [y - 0.2 for y in ys],
        [r["S1"] for r in rows],
        0.4,
        xerr=[r["S1_conf"] for r in rows],
        capsize=3,
        label="S1 (first order)",
    )
    ax.barh(
        [y + 0.2 for y in ys],
        [r["ST"] for r in rows],
        0.4,
        xerr=[r["ST_conf"] for r in rows],
        capsize=3,
        label="ST (total)",
    )
    ax.set_yticks(list(ys), [short(r["parameter"], 56) for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("index (share of output variance)")
    fit_title(fig, ax, f"Sobol indices of {s.get('output', 'the output')} (bars: 95% CI)")
    ax.axvline(0, color="black", linewidth=0.6)
    fig.legend(fontsize=8, loc="outside lower center", ncols=2, frameon=False)
    return fig


_OFFSETS = (
    (4, 4, "left"),
    (4, -11, "left"),
    (-4, 4, "right"),
    (-4, -11, "right"),
    (4, 14, "left"),
    (-4, 14, "right"),
    (4, -21, "left"),
    (-4, -21, "right"),
)
"""Where a point's label may go, in points from the point, with its alignment, in order."""


def place_point_labels(fig: Figure, ax: Any, points: list[tuple[float, float, str]]) -> int:
    """Label each point where the label overlaps no other label and stays in the axes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (laid out here).
    ax : matplotlib.axes.Axes
        The axes holding the points.
    points : list of (float, float, str)
        ``(x, y, label)``, most important first.

    Returns
    -------
    int
        How many labels found no free place and were left out.
    """
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    placed: list[Any] = []
    missing = 0
    for x, y, label in points:
        for dx, dy, ha in _OFFSETS:
            text = ax.annotate(
                label, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=8, ha=ha
            )
            box = text.get_window_extent(renderer)
            fits = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0
            if fits and box.y1 <= frame.y1 and not any(overlaps([b, box]) for b in placed):
                placed.append(box)
                break
            text.remove()
        else:
            missing += 1
    return missing


def morris_scatter(doc: dict[str, Any]) -> Figure | None:
    """Morris screening: mean absolute elementary effect against its spread."""
    s = summary(doc, "morris")
    if s is None:
        return None
    fig = new_figure(8, 5.0)
    ax = fig.add_subplot()
    for r in s["rows"]:
        ax.errorbar(r["mu_star"], r["sigma"], xerr=r.get("mu_star_conf"), fmt="o", color="#4c72b0")
    ax.margins(0.15)
    ax.set_xlabel("mu* (mean |elementary effect|)")
    ax.set_ylabel("sigma (spread: interactions, nonlinearity)")
    fit_title(fig, ax, f"Morris screening of {s.get('output', 'the output')}")
    rows = sorted(s["rows"], key=lambda r: -r["mu_star"])
    place_point_labels(
        fig, ax, [(r["mu_star"], r["sigma"], short(r["parameter"], 40)) for r in rows]
    )
    return fig


def stability_heatmap(doc: dict[str, Any]) -> Figure | None:
    """Share of Monte Carlo samples placing each measure and milestone in each phase."""
    s = summary(doc, "montecarlo")
    if s is None:
        return None
    rows = s["rows"]
    width = max(len(r["probabilities"]) for r in rows)
    grid = [
        [*r["probabilities"], *[0.0] * (width - len(r["probabilities"])), r["never"]] for r in rows
    ]
    fig = new_figure(max(7.0, 2.5 + 0.6 * (width + 1)), 2.0 + 0.27 * len(rows))
    ax = fig.add_subplot()
    im = ax.imshow(grid, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    cells = []
    for i, line in enumerate(grid):
        for j, p in enumerate(line):
            if p >= 0.005:
                text = ax.text(
                    j,
                    i,
                    f"{p:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if p > 0.6 else "black",
                )
                cells.append((text, _cell_box(ax, i, j)))
    _outline_plan(ax, doc, rows, width)
    ax.set_xticks(range(width + 1), [*[str(k) for k in range(1, width + 1)], "never"])
    ax.set_yticks(range(len(rows)), [short(r["id"], 24) for r in rows], fontsize=8)
    ax.xaxis.tick_top()
    n = s.get("samples")
    fit_title(
        fig,
        ax,
        f"Plan stability: P(phase) over {n if n is not None else 'the'} samples "
        "(framed: optimized plan)",
    )
    fig.colorbar(im, ax=ax, label="probability")
    drop_overflowing(fig, cells)
    return fig


def _cell_box(ax: Any, i: int, j: int) -> Any:
    """The display box of heatmap cell ``(i, j)``, for :func:`drop_overflowing`."""
    from matplotlib.transforms import Bbox

    def box(renderer: Any) -> Any:
        corners = ax.transData.transform([(j - 0.5, i - 0.5), (j + 0.5, i + 0.5)])
        return Bbox.from_extents(*corners.min(axis=0), *corners.max(axis=0))

    return box


def _outline_plan(ax: Any, doc: dict[str, Any], rows: list[dict[str, Any]], width: int) -> None:
    """Frame each item's phase in the optimized plan (column ``never`` if never)."""
    from matplotlib.patches import Rectangle

    plans = [p for p in doc["plans"] if p.get("assignments") and p["label"] == "optimized"]
    if not plans:
        return
    where = {**plans[0]["assignments"]["measures"], **plans[0]["assignments"]["milestones"]}
    for i, r in enumerate(rows):
        if r["id"] in where:
            k = where[r["id"]]
            col = width if k is None else k - 1
            ax.add_patch(
                Rectangle((col - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", lw=1.5)
            )


def threshold_curves(doc: dict[str, Any]) -> Figure | None:
    """The output over each parameter's range, with its break-even value marked."""
    s = summary(doc, "thresholds")
    if s is None:
        return None
    if not s.get("curves"):
        return threshold_distances(s)
    curves = s["curves"]
    cols = min(3, len(curves))
    nrows = -(-len(curves) // cols)
    fig = new_figure(3.6 * cols, 3.0 * nrows)
    axes = fig.subplots(nrows, cols, squeeze=False).ravel()
    for ax, c in zip(axes, curves, strict=False):
        ax.plot(c["x"], c["y"], "-", color="#4c72b0")
        ax.axhline(0, color="black", linewidth=0.6)
        if c.get("threshold") is not None:
            ax.axvline(c["threshold"], color="red", linestyle="--", label=f"{c['threshold']:.3g}")
            ax.legend(fontsize=7, title="break-even", title_fontsize=7)
        ax.set_xlabel(short(c["parameter"], 44), fontsize=8)
        ax.set_ylabel(s.get("output", "output"), fontsize=8)
    for ax in axes[len(curves) :]:
        ax.set_axis_off()
    fig.suptitle("Threshold curves: where the output crosses zero")
    return fig


def _distance(base: float, value: float | None) -> float | None:
    if value is None:
        return None
    return 100.0 * (value - base) / abs(base) if base else value - base


def threshold_distances(s: dict[str, Any]) -> Figure | None:
    """Without curves: how far (in % of its base value) each parameter moves to a threshold.

    Parameters
    ----------
    s : dict
        A ``thresholds`` summary; rows may carry ``ic_threshold`` besides
        ``threshold`` (the plan changes).

    Returns
    -------
    Figure or None
        ``None`` when no row has a threshold in range.
    """
    rows = [r for r in s["rows"] if r["threshold"] is not None or r.get("ic_threshold") is not None]
    if not rows:
        return None
    rows.sort(
        key=lambda r: (
            -min(
                abs(_distance(r["base"], r[k]) or 1e300)
                for k in ("threshold", "ic_threshold")
                if k in r
            )
        )
    )
    fig = new_figure(9, 1.8 + 0.3 * len(rows))
    ax = fig.add_subplot()
    for key, color, marker in (("threshold", "#4c72b0", "o"), ("ic_threshold", "red", "X")):
        pts = [(i, _distance(r["base"], r.get(key))) for i, r in enumerate(rows)]
        pts = [(i, d) for i, d in pts if d is not None]
        if pts:
            ys, xs = zip(*pts, strict=True)
            ax.hlines(ys, 0, xs, color=color, alpha=0.4)
            label = "plan changes" if key == "threshold" else "incentive compatibility lost"
            ax.plot(xs, ys, marker, color=color, linestyle="none", label=label)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(rows)), [short(str(r["parameter"]), 56) for r in rows], fontsize=8)
    ax.set_xlabel("change from the base value to the threshold (%)")
    fit_title(fig, ax, "Thresholds: how far each parameter can move")
    fig.legend(fontsize=8, loc="outside lower center", ncols=2, frameon=False)
    return fig


SPECS = [
    ("tornado", "Tornado", tornado, "Longest bars: the parameters the output depends on most."),
    (
        "thresholds",
        "Thresholds",
        threshold_curves,
        "Break-even values of the uncertain parameters.",
    ),
    ("stability", "Plan stability", stability_heatmap, "Dark cells: robust placements."),
    ("sobol", "Sobol indices", sobol_bars, "ST much above S1 means interactions."),
    ("morris", "Morris screening", morris_scatter, "Right: influential; up: nonlinear."),
]
"""``(id, title, function, caption)`` of each sensitivity figure, in page (section) order."""
