"""Readable labels at any scenario size: fit tick labels, titles and in-plot text.

Matplotlib's constrained layout keeps labels inside the figure but not apart
from each other: long phase names on a shared axis run into one another, and
a label inside a small bar spills over its neighbours.  These helpers measure
the drawn text (``get_window_extent`` after a layout pass) and pick, from the
most readable form down, the first form whose labels do not overlap; text
that fits nowhere is left out (its number is always in the section's table).

All sizes are in display pixels of the Agg canvas (100 dpi); the report's SVG
keeps the same geometry, and the browser test measures it again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from solver.report.canvas import wrap_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

__all__ = [
    "drop_overflowing",
    "fit_phase_ticks",
    "fit_title",
    "overlaps",
    "phase_tick_forms",
    "short",
]

PAD = 1.0
"""Pixels two text boxes may come within before they count as overlapping."""


def short(text: str, n: int) -> str:
    """Return ``text`` cut to ``n`` characters, ending in … when cut.

    Examples
    --------
    >>> short("Initial Actions (60 days)", 12), short("freeze", 12)
    ('Initial Act…', 'freeze')
    """
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _extents(fig: Figure, texts: Sequence[Text]) -> list[Bbox]:
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return [t.get_window_extent(renderer) for t in texts if t.get_visible() and t.get_text()]


def overlaps(boxes: Sequence[Bbox], pad: float = PAD) -> bool:
    """Whether any two of ``boxes`` overlap by more than ``pad`` pixels in both directions.

    Parameters
    ----------
    boxes : sequence of matplotlib.transforms.Bbox
        Text extents in display coordinates.
    pad : float
        Tolerance in pixels.

    Returns
    -------
    bool
        ``True`` when some pair overlaps.
    """
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            dy = min(a.y1, b.y1) - max(a.y0, b.y0)
            if dx > pad and dy > pad:
                return True
    return False


def phase_tick_forms(numbers: Sequence[str], names: Sequence[str]) -> list[tuple[list[str], int]]:
    """Candidate phase tick labels, most readable first: ``(labels, rotation)``.

    The number on the first line and the name wrapped below it at 22 or 16
    characters a line in two lines, then at 16 or 11 in three; then the
    number and a short name turned upright; then the number alone.

    Parameters
    ----------
    numbers : sequence of str
        The tick's number (``"1"``) or word (``"never"``).
    names : sequence of str
        The phase names (``""`` where none).

    Returns
    -------
    list of (list of str, int)
        Label texts and their rotation in degrees.

    Examples
    --------
    >>> phase_tick_forms(["1"], ["freeze"])[0]
    (['1\\nfreeze'], 0)
    >>> phase_tick_forms(["1"], ["freeze"])[-1]
    (['1'], 0)
    """
    forms: list[tuple[list[str], int]] = []
    for width, lines in ((22, 2), (16, 2), (16, 3), (11, 3)):
        forms.append(
            (
                [
                    f"{k}\n{wrap_label(n, width, lines)}" if n else k
                    for k, n in zip(numbers, names, strict=True)
                ],
                0,
            )
        )
    forms.append(([f"{k} {short(n, 24)}".strip() for k, n in zip(numbers, names, strict=True)], 90))
    forms.append((list(numbers), 0))
    return forms


def fit_phase_ticks(
    fig: Figure,
    ax: Axes,
    positions: Sequence[float],
    numbers: Sequence[str],
    names: Sequence[str],
    *,
    top: bool = False,
    fontsize: float = 8.0,
) -> None:
    """Set the x tick labels of ``ax`` to the most readable phase labels that do not overlap.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (laid out again for each form tried).
    ax : matplotlib.axes.Axes
        The axes.
    positions : sequence of float
        Tick positions.
    numbers, names : sequence of str
        See :func:`phase_tick_forms`.
    top : bool
        Ticks on top of the axes instead of below.
    fontsize : float
        Label size in points.
    """
    if top:
        ax.xaxis.tick_top()
    forms = phase_tick_forms(numbers, names)
    for labels, rotation in forms:
        ax.set_xticks(list(positions), labels, rotation=rotation, fontsize=fontsize)
        if rotation:
            for t in ax.get_xticklabels():
                t.set_verticalalignment("bottom" if top else "top")
        fig.draw_without_rendering()
        ticks = ax.get_xticklabels()
        if not overlaps(_extents(fig, ticks)):
            return


def fit_title(fig: Figure, ax: Axes | None, text: str, fontsize: float = 11.0) -> None:
    """Set a title (of ``ax``, or the figure's when ``None``) wrapped to the figure's width.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    ax : matplotlib.axes.Axes or None
        The axes to title, or ``None`` for a figure title.
    text : str
        The title.
    fontsize : float
        Size in points.
    """
    width_in = fig.get_figwidth() * (0.95 if ax is None else 0.85)
    chars = max(20, int(width_in * 72 / (0.62 * fontsize)))
    wrapped = wrap_label(text, chars, lines=3)
    if ax is None:
        fig.suptitle(wrapped, fontsize=fontsize)
    else:
        ax.set_title(wrapped, fontsize=fontsize)


def drop_overflowing(
    fig: Figure,
    labels: Sequence[tuple[Text, Callable[[Any], Bbox]]],
) -> int:
    """Hide the in-plot labels that do not fit in their box or overlap an earlier one.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (laid out once here).
    labels : sequence of (Text, callable)
        Each label and a function of the renderer returning the box it must
        stay inside (a bar segment's extent, say).

    Returns
    -------
    int
        How many labels were hidden.
    """
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    kept: list[Bbox] = []
    hidden = 0
    for text, box_of in labels:
        ext = text.get_window_extent(renderer)
        box = box_of(renderer)
        inside = (
            ext.x0 >= box.x0 - PAD
            and ext.x1 <= box.x1 + PAD
            and ext.y0 >= box.y0 - PAD
            and ext.y1 <= box.y1 + PAD
        )
        if not inside or any(overlaps([k, ext]) for k in kept):
            text.set_visible(False)
            hidden += 1
        else:
            kept.append(ext)
    return hidden
