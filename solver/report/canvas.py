"""Matplotlib figures without pyplot: a figure on the Agg canvas, its PNG or inline SVG.

Shared by :mod:`solver.report.figures` and :mod:`solver.report.figures_sensitivity`
(which the former lists in its page order), so neither imports the other's helpers.

The report places figures as inline SVG (:func:`svg_markup`): text stays text
(``svg.fonttype = "none"``), so it can be read, searched and selected, and a
browser can measure every label (the headless-browser test checks that none
overlap); ids are prefixed with the figure's id, so several figures share one page.
"""

from __future__ import annotations

import base64
import io
import re
import textwrap
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["literal", "literal_doc", "new_figure", "png_base64", "svg_markup", "wrap_label"]


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


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')


def svg_markup(fig: Figure, fid: str, title: str, attrs: dict[str, str] | None = None) -> str:
    """Return ``fig`` as an ``<svg>`` element to place inline in an HTML page.

    Text is written as SVG text in the figure's fonts (DejaVu Sans, then the
    browser's sans-serif), not as glyph outlines.  The XML prologue, the
    doctype and the metadata are dropped; every ``id`` (and every reference
    to one) gets the prefix ``fig-<fid>-``, and the root element gets
    ``class="report-figure"``, ``data-figure``, ``role="img"`` and an
    ``aria-label``.  Clip-path ids are hashed from ``fid`` (``svg.hashsalt``),
    so the same figure gives the same markup.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure on the Agg canvas.
    fid : str
        The figure's id (letters, digits, ``-`` and ``_``).
    title : str
        Its title, for assistive technology.
    attrs : dict, optional
        More attributes of the root element (``data-*``), escaped here.

    Returns
    -------
    str
        The ``<svg ...>...</svg>`` markup.
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": fid}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    prefix = f"fig-{fid}-"
    svg = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = _REF.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", svg)
    root = (
        f'<svg class="report-figure" data-figure="{escape(fid)}" role="img" '
        f'aria-label="{escape(title)}" '
    )
    root += "".join(f'{k}="{escape(v)}" ' for k, v in (attrs or {}).items())
    return root + svg[len("<svg ") :].strip()


def wrap_label(text: str, width: int, lines: int = 2) -> str:
    r"""Wrap ``text`` into at most ``lines`` lines of ``width`` characters, ending in … if cut.

    Parameters
    ----------
    text : str
        A label (a phase name, say).
    width : int
        Characters per line (at least 4).
    lines : int, optional
        Largest number of lines.

    Returns
    -------
    str
        The lines joined by newlines.

    Examples
    --------
    >>> wrap_label("gate to the first LWR unit", 12)
    'gate to the\nfirst LWR…'
    >>> wrap_label("freeze", 12)
    'freeze'
    """
    width = max(4, width)
    out = textwrap.wrap(text, width, break_long_words=True) or [""]
    if len(out) > lines:
        last = out[lines - 1]
        out = [*out[: lines - 1], (last if len(last) < width else last[: width - 1]) + "…"]
    return "\n".join(out)
