"""Matplotlib figures without pyplot: a figure on the Agg canvas, and its PNG.

Shared by :mod:`solver.report.figures` and :mod:`solver.report.figures_sensitivity`
(which the former lists in its page order), so neither imports the other's helpers.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["new_figure", "png_base64"]


def new_figure(width: float, height: float) -> Figure:
    """Return a matplotlib figure bound to the Agg canvas (thread-safe, no pyplot).

    Parameters
    ----------
    width, height : float
        Size in inches (100 dpi).

    Returns
    -------
    matplotlib.figure.Figure
        An empty figure with constrained layout.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png_base64(fig: Figure) -> str:
    """Encode ``fig`` as a base64 PNG (no metadata, so equal figures give equal bytes).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure on the Agg canvas.

    Returns
    -------
    str
        The PNG bytes, base64-encoded (ASCII).
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")
