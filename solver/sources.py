"""Sources of a scenario's numbers: the ``sources`` table of an entry.

Every ``[[measures]]``, ``[[milestones]]``, ``[[actors]]`` and
``[[instruments]]`` entry, and ``[parameters]``, may carry a table
``sources = { value = "econ: Kaesong", cost = "estimate: C2" }`` mapping the
name of one of its number fields to its source:

- a **tag** ``"kind: label"`` (or a bare label such as ``"snapback"``) that
  equals, character for character, an entry label of ``docs/sources.md``
  (the rule of its section "How the models cite this file"); or
- ``"estimate"``, optionally ``"estimate: <note>"``: a judgement call that no
  source backs.

The labels are shipped with the package as :data:`solver.source_labels.LABELS`,
generated from ``docs/sources.md`` by :func:`labels_module` (a test keeps the
two equal), so an installed wheel checks tags without the documentation.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solver.schema import CITEABLE_KINDS, NUMBER_KINDS, SECTIONS, Field

__all__ = [
    "CITEABLE_KINDS",
    "ESTIMATE",
    "NUMBER_KINDS",
    "SOURCED_SECTIONS",
    "Coverage",
    "coverage",
    "is_estimate",
    "known_labels",
    "labels_from_markdown",
    "labels_module",
    "regenerate",
    "source_problems",
    "tag_rule",
]

ESTIMATE = "estimate"
"""The mark of a number that no source backs (optionally ``"estimate: <note>"``)."""

SOURCED_SECTIONS = ("parameters", "actors", "instruments", "measures", "milestones")
"""Sections whose entries may carry a ``sources`` table."""

# An entry of docs/sources.md: a table row whose first cell is the label in backticks.
_ENTRY = re.compile(r"^\|\s*`([^`]+)`\s*\|")


def labels_from_markdown(text: str) -> list[str]:
    """The entry labels of ``docs/sources.md``, in file order.

    Parameters
    ----------
    text : str
        The Markdown text.

    Returns
    -------
    list of str
        The first cell (in backticks) of every table row that has one.

    Examples
    --------
    >>> labels_from_markdown("| `econ: seafood` | 295 m | KOTRA |\\n|  | more |\\n")
    ['econ: seafood']
    """
    return [m.group(1) for line in text.splitlines() if (m := _ENTRY.match(line))]


def labels_module(labels: Iterable[str]) -> str:
    """The text of ``solver/source_labels.py`` for ``labels``.

    Parameters
    ----------
    labels : iterable of str
        The labels, as :func:`labels_from_markdown` returns them.

    Returns
    -------
    str
        Python source defining ``LABELS``, a tuple of the labels.
    """
    rows = "".join(f"    {json.dumps(label, ensure_ascii=False)},\n" for label in labels)
    return (
        '"""Entry labels of docs/sources.md (generated; do not edit by hand).\n\n'
        "After editing docs/sources.md, regenerate from the repository root with\n"
        "``python -c 'import solver.sources as s; s.regenerate()'``.\n"
        '"""\n\n'
        f"LABELS: tuple[str, ...] = (\n{rows})\n"
    )


def regenerate(root: str | Path = ".") -> Path:
    """Write ``solver/source_labels.py`` from ``docs/sources.md`` under ``root``.

    Parameters
    ----------
    root : str or Path, optional
        The repository root (default: the working folder).

    Returns
    -------
    Path
        The file written.
    """
    root = Path(root)
    labels = labels_from_markdown((root / "docs" / "sources.md").read_text(encoding="utf-8"))
    out = root / "solver" / "source_labels.py"
    out.write_text(labels_module(labels), encoding="utf-8")
    return out


def known_labels() -> frozenset[str]:
    """The labels a source tag may name (shipped copy of ``docs/sources.md``'s entries).

    Returns
    -------
    frozenset of str
        Every entry label.

    Examples
    --------
    >>> "econ: Kaesong" in known_labels()
    True
    """
    from solver.source_labels import LABELS

    return frozenset(LABELS)


def is_estimate(tag: str) -> bool:
    """Whether a source value is the estimate mark (``"estimate"`` or ``"estimate: ..."``).

    Parameters
    ----------
    tag : str
        A value of a ``sources`` table.

    Returns
    -------
    bool
        True for the estimate mark.

    Examples
    --------
    >>> is_estimate("estimate: C2"), is_estimate("econ: Kaesong")
    (True, False)
    """
    return tag == ESTIMATE or tag.startswith(ESTIMATE + ":")


def tag_rule(tag: Any) -> str | None:
    """Why ``tag`` is not a valid source value, or ``None`` when it is.

    Parameters
    ----------
    tag : Any
        A value of a ``sources`` table.

    Returns
    -------
    str or None
        The broken rule, with a did-you-mean when a label is close.

    Examples
    --------
    >>> tag_rule("econ: Kaesong") is None and tag_rule("estimate: C2") is None
    True
    >>> print(tag_rule("econ: kaesong"))
    it must be 'estimate', 'estimate: <note>' or an entry label of docs/sources.md \
(did you mean 'econ: Kaesong'?)
    """
    if not isinstance(tag, str):
        return "it must be a string: a label of docs/sources.md or 'estimate'"
    if is_estimate(tag):
        return None
    labels = known_labels()
    if tag in labels:
        return None
    near = difflib.get_close_matches(tag, sorted(labels), n=1, cutoff=0.6)
    if not near:
        lowered = {x.lower(): x for x in labels}
        near = [lowered[tag.lower()]] if tag.lower() in lowered else []
    hint = f" (did you mean '{near[0]}'?)" if near else ""
    return f"it must be 'estimate', 'estimate: <note>' or an entry label of docs/sources.md{hint}"


def source_problems(sources: Any, fields: Iterable[Field]) -> list[tuple[str, Any, str]]:
    """Check one entry's ``sources`` table against the fields of its section.

    Parameters
    ----------
    sources : Any
        The table (already known to map strings to strings).
    fields : iterable of Field
        The fields of the entry's section.

    Returns
    -------
    list of (str, Any, str)
        ``(key, value, rule)`` per problem: a key that is not a number field
        of the section, or a value that is neither a known label nor the
        estimate mark.
    """
    citeable = [f.name for f in fields if f.kind in CITEABLE_KINDS]
    out: list[tuple[str, Any, str]] = []
    for key, tag in dict(sources).items():
        if key not in citeable:
            near = difflib.get_close_matches(key, citeable, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            out.append(
                (
                    key,
                    tag,
                    f"'{key}' is not a number field of this table{hint}; "
                    f"sources may name: {', '.join(citeable)}",
                )
            )
            continue
        rule = tag_rule(tag)
        if rule is not None:
            out.append((key, tag, rule))
    return out


@dataclass
class Coverage:
    """Which number fields of a scenario document carry a source.

    Attributes
    ----------
    sourced : list of (str, str)
        ``(field path, tag)`` of fields cited with a label.
    estimates : list of (str, str)
        ``(field path, mark)`` of fields marked estimate.
    neither : list of str
        Paths of the number fields with no entry in their ``sources`` table.
    unset : list of str
        Paths that a ``sources`` table cites but its entry does not set (a
        default, or a field since removed).
    """

    sourced: list[tuple[str, str]] = field(default_factory=list)
    estimates: list[tuple[str, str]] = field(default_factory=list)
    neither: list[str] = field(default_factory=list)
    unset: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Return ``{"sourced": n, "estimates": n, "neither": n}``."""
        return {
            "sourced": len(self.sourced),
            "estimates": len(self.estimates),
            "neither": len(self.neither),
        }


def _entry_coverage(cov: Coverage, path: str, row: Mapping[str, Any], fields: tuple) -> None:
    sources = row.get("sources")
    sources = sources if isinstance(sources, dict) else {}
    for f in fields:
        if f.kind not in NUMBER_KINDS or f.name not in row:
            continue
        where = f"{path}.{f.name}"
        tag = sources.get(f.name)
        if not isinstance(tag, str):
            cov.neither.append(where)
        elif is_estimate(tag):
            cov.estimates.append((where, tag))
        else:
            cov.sourced.append((where, tag))
    cov.unset += [f"{path}.{name}" for name in sources if name not in row]


def coverage(doc: Mapping[str, Any]) -> Coverage:
    """Sort the number fields a scenario document sets into sourced, estimates and neither.

    Only fields present in the file count (a default is not data of the file).

    Parameters
    ----------
    doc : Mapping
        The parsed, valid scenario document.

    Returns
    -------
    Coverage
        The three lists, in file order; paths like ``measures.R01.value``.

    Examples
    --------
    >>> doc = {"measures": [{"id": "R1", "value": 5, "reversibility": 1,
    ...                      "sources": {"value": "estimate"}}]}
    >>> coverage(doc).counts()
    {'sourced': 0, 'estimates': 1, 'neither': 1}
    """
    cov = Coverage()
    params = doc.get("parameters")
    if isinstance(params, dict):
        _entry_coverage(cov, "parameters", params, SECTIONS["parameters"])
    for key in SOURCED_SECTIONS[1:]:
        for i, row in enumerate(doc.get(key) or []):
            if isinstance(row, dict):
                name = row.get("id", i)
                _entry_coverage(cov, f"{key}.{name}", row, SECTIONS[key])
    return cov
