"""Self-contained HTML report: inline CSS, figures as inline SVG, no scripts.

Every piece of text that comes from a scenario, plan or sweep file passes
through :func:`html.escape`.  A Content-Security-Policy forbids loading
anything that is not inline, so the page reads the same offline and a stray
remote reference would show up as a console error in the browser test.
"""

from __future__ import annotations

from html import escape
from typing import Any

from solver.report.figures import RenderedFigure
from solver.report.sections import Section, Table, build_sections, cell

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
"""Content-Security-Policy of the page: inline styles and data-URI images only."""

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 76rem; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { border-bottom: 3px solid #1f77b4; padding-bottom: .3rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
nav ul { columns: 3; list-style: none; padding: 0; }
.description { white-space: pre-line; background: #f6f8fa; padding: .8rem; border-radius: 4px; }
figure { margin: 1rem 0; }
figure svg.report-figure { display: block; max-width: 100%; height: auto;
       border: 1px solid #ddd; }
section#findings ul { padding-left: 1.2rem; }
section#findings li { margin: .35rem 0; }
figcaption { font-size: .9rem; color: #555; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .85rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; vertical-align: top; }
th { background: #eef2f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
footer { margin-top: 3rem; font-size: .8rem; color: #666; }
"""


def _td(value: Any) -> str:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    cls = ' class="num"' if numeric else ""
    return f"<td{cls}>{escape(cell(value))}</td>"


def render_table(table: Table) -> str:
    """Return ``table`` as an HTML ``<table>`` with every cell escaped.

    Examples
    --------
    >>> print(render_table(Table("t", ["a"], [["<b>"]])).replace("\\n", ""))
    <table><caption>t</caption><thead><tr><th>a</th></tr></thead><tbody><tr><td>&lt;b&gt;</td></tr></tbody></table>
    """
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    body = "\n".join("<tr>" + "".join(_td(v) for v in row) + "</tr>" for row in table.rows)
    html = (
        f"<table><caption>{escape(table.title)}</caption>\n"
        f"<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody></table>"
    )
    if table.collapsed:
        summary = f"{escape(table.title)} ({len(table.rows)} rows)"
        html = f"<details><summary>{summary}</summary>{html}</details>"
    return html


def render_figure(fig: RenderedFigure) -> str:
    """Return ``fig`` as a ``<figure>`` holding its inline SVG and caption."""
    return (
        f'<figure id="fig-{escape(fig.id)}">{fig.svg}'
        f"<figcaption>{escape(fig.title)}. {escape(fig.caption)}</figcaption></figure>"
    )


def render_section(section: Section, figures: dict[str, RenderedFigure]) -> str:
    """Return one section: heading, paragraphs, its figure (if drawn), its tables."""
    parts = [f'<section id="{escape(section.id)}"><h2>{escape(section.title)}</h2>']
    for i, par in enumerate(section.paragraphs):
        cls = ' class="description"' if section.id == "summary" and i == 0 else ""
        parts.append(f"<p{cls}>{escape(par)}</p>")
    if section.bullets:
        items = "".join(f"<li>{escape(b)}</li>" for b in section.bullets)
        parts.append(f'<ul class="{escape(section.id)}">{items}</ul>')
    if section.figure and section.figure in figures:
        parts.append(render_figure(figures[section.figure]))
    parts += [render_table(t) for t in section.tables]
    parts.append("</section>")
    return "\n".join(parts)


def render_html(doc: dict[str, Any], figures: list[RenderedFigure]) -> str:
    """Return the complete, self-contained HTML page of a report.

    Parameters
    ----------
    doc : dict
        The report document.
    figures : list of RenderedFigure
        Figures drawn from it; each is placed in the section that tabulates it.

    Returns
    -------
    str
        The page (UTF-8 text, no external references).
    """
    sections = build_sections(doc)
    by_id = {f.id: f for f in figures}
    toc = "".join(f'<li><a href="#{escape(s.id)}">{escape(s.title)}</a></li>' for s in sections)
    pv = doc["provenance"]
    title = escape(doc["title"])
    body = "\n".join(render_section(s, by_id) for s in sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<header><h1>{title}</h1>
<p>Scenario sha256 <code>{escape(pv["scenario"]["sha256"])}</code>,
backend {escape(str(pv["backend"]))}, seed {escape(cell(pv["seed"]))},
generated {escape(pv["generated_at"])}.</p>
<nav><ul>{toc}</ul></nav></header>
<main>
{body}
</main>
<footer>phased-relief {escape(cell(pv["versions"].get("phased-relief")))}; report layout version
{doc["report_version"]}. Data: report.json beside this file.</footer>
</body>
</html>
"""
