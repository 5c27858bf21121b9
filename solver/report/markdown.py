"""Markdown report: the same sections and tables as the HTML page, figures by reference.

Scenario text is escaped for Markdown (table pipes, HTML angle brackets,
emphasis characters, line breaks), so a name cannot break a table or inject
markup into a rendered page.
"""

from __future__ import annotations

import re
from typing import Any

from solver.report.sections import Section, Table, build_sections, cell

_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md_escape(text: str) -> str:
    """Escape ``text`` for use inside a Markdown paragraph or table cell.

    Examples
    --------
    >>> md_escape("a|b <script> *x*")
    'a\\\\|b &lt;script&gt; \\\\*x\\\\*'
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    return " ".join(text.split())


def render_table(table: Table) -> str:
    """Return ``table`` as a GitHub-flavoured Markdown table (cells escaped)."""
    lines = [f"**{md_escape(table.title)}**", ""]
    lines.append("| " + " | ".join(md_escape(c) for c in table.columns) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    for row in table.rows:
        lines.append("| " + " | ".join(md_escape(cell(v)) for v in row) + " |")
    return "\n".join(lines)


def render_section(section: Section, figure_titles: dict[str, str]) -> str:
    """Return one section as Markdown: heading, paragraphs, figure note, tables."""
    parts = [f"## {md_escape(section.title)}"]
    parts += [md_escape(p) for p in section.paragraphs]
    if section.bullets:
        parts.append("\n".join(f"- {md_escape(b)}" for b in section.bullets))
    if section.figure and section.figure in figure_titles:
        parts.append(f"*Figure: {md_escape(figure_titles[section.figure])} (in report.html).*")
    parts += [render_table(t) for t in section.tables]
    return "\n\n".join(parts)


def render_markdown(doc: dict[str, Any]) -> str:
    """Return the Markdown report.

    Parameters
    ----------
    doc : dict
        The report document (with its ``figures`` list, if drawn).

    Returns
    -------
    str
        Markdown text.
    """
    pv = doc["provenance"]
    titles = {f["id"]: f["title"] for f in doc.get("figures", [])}
    head = [
        f"# {md_escape(doc['title'])}",
        f"Scenario sha256 `{pv['scenario']['sha256']}`, backend {md_escape(str(pv['backend']))}, "
        f"seed {md_escape(cell(pv['seed']))}, generated {pv['generated_at']}.",
    ]
    body = [render_section(s, titles) for s in build_sections(doc)]
    return "\n\n".join(head + body) + "\n"
