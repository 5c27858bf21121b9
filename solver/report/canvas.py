"""Matplotlib figures without pyplot: a figure on the Agg canvas, and its PNG.

Shared by :mod:`solver.report.figures` and :mod:`solver.report.figures_sensitivity`
(which the former lists in its page order), so neither imports the other's helpers.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["literal", "literal_doc", "new_figure", "png_base64"]


def literal(text: str) -> str:
    r"""Return ``text`` escaped so that matplotlib draws it as is, never as mathtext.

    Matplotlib parses text between two unescaped ``$`` as mathtext (where
    ``$\foo$`` is a parse error); every ``$`` escaped as ``\$`` is drawn as a
    plain dollar sign, so names from scenario files are drawn verbatim.

    Parameters
    ----------
    text : str
        Text from a scenario, plan or sweep file.

    Returns
    -------
    str
        The same text with every ``$`` escaped.

    Examples
    --------
    >>> literal("cost in $ (USD m)")
    'cost in \\$ (USD m)'
    """
    return text.replace("$", "\\$")


def literal_doc(obj: Any) -> Any:
    """Return a copy of a JSON-like document with every string and key made :func:`literal`.

    Figures draw from this copy, so no text of the report document is parsed
    as mathtext; keys and values are escaped alike, so lookups still match.

    Parameters
    ----------
    obj : Any
        The report document (dicts, lists, strings, numbers).

    Returns
    -------
    Any
        The escaped copy (tuples become lists).
    """
    if isinstance(obj, str):
        return literal(obj)
    if isinstance(obj, dict):
        return {(literal(k) if isinstance(k, str) else k): literal_doc(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [literal_doc(v) for v in obj]
    return obj


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
