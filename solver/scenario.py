"""Scenario data: frozen dataclasses and the loader for TOML and JSON files.

A scenario is data, never code.  :func:`load_scenario` parses a file, checks
every rule in :mod:`solver.validate` (collecting all problems, each naming the
file, the field path, the value and the rule) and returns an immutable
:class:`Scenario`; :func:`scenario_from_dict` does the same for a document
already parsed (or built in code).  Variants for sensitivity runs come from
:func:`dataclasses.replace`.  The dataclasses themselves are defined in
:mod:`solver.scenario_types` and re-exported here.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from solver.scenario_types import (
    Actor,
    Instrument,
    Measure,
    Milestone,
    Parameters,
    Resource,
    Scenario,
    ScenarioError,
    canonical_json,
)
from solver.validate import build_scenario

__all__ = [
    "Actor",
    "Instrument",
    "Measure",
    "Milestone",
    "Parameters",
    "Resource",
    "Scenario",
    "ScenarioError",
    "canonical_json",
    "load_scenario",
    "read_document",
    "scenario_from_dict",
]


MAX_DOCUMENT_BYTES = 64 * 2**20
"""Largest scenario, plan or spec file read (bytes)."""


DUPLICATE_RULE = (
    "a key may appear only once in a table/object (a reader would silently keep one of them)"
)
"""The rule quoted when a document repeats a key."""


class _DuplicateKeyError(ValueError):
    """A JSON object repeats a key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for :func:`json.loads` that refuses a repeated key."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(key)
        out[key] = value
    return out


def _toml_duplicate(text: str) -> str:
    """Name a key repeated in one TOML table, for the message of a refused document.

    :mod:`tomllib` already refuses duplicates but names no key ("Cannot
    overwrite a value"); this line scan (table headers, then ``key =`` at the
    start of a line) finds the first key set twice in one table, or returns
    ``""`` when it cannot tell.
    """
    seen: set[str] = set()
    table = ""
    headers: set[str] = set()
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[["):
            table, seen = stripped.strip("[] "), set()
            continue
        if stripped.startswith("["):
            table, seen = stripped.strip("[] "), set()
            if table in headers:
                return f"; table [{table}] appears twice; {DUPLICATE_RULE}"
            headers.add(table)
            continue
        key, eq, _ = stripped.partition("=")
        key = key.strip().strip("\"'")
        if not eq or not key or key.startswith("#") or " " in key:
            continue
        if key in seen:
            where = f" in [{table}]" if table else " at the top level"
            return f"; key {key!r} appears twice{where}; {DUPLICATE_RULE}"
        seen.add(key)
    return ""


def read_document(path: str | Path) -> dict[str, Any]:
    """Parse a TOML or JSON file into a dict, raising :class:`ScenarioError`.

    A key repeated in one table or object is refused in both formats (JSON
    readers would keep the last one silently), naming the file and the key.

    Parameters
    ----------
    path : str or Path
        ``.toml`` or ``.json`` file.

    Returns
    -------
    dict
        The parsed document.
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:  # bounded: a device such as /dev/zero never ends
            raw = fh.read(MAX_DOCUMENT_BYTES + 1)
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise ScenarioError(
                [f"{p}: the file is larger than {MAX_DOCUMENT_BYTES // 2**20} MiB; "
                 "a scenario or plan file is far smaller"]
            )  # fmt: skip
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{p}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{p}: cannot read file ({exc})"]) from None
    try:
        if p.suffix.lower() == ".json":
            doc = json.loads(text, object_pairs_hook=_unique_keys)
        else:
            doc = tomllib.loads(text)
    except _DuplicateKeyError as exc:
        raise ScenarioError(
            [f"{p}: key {exc.key!r} appears twice in one object; {DUPLICATE_RULE}"]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        hint = _toml_duplicate(text) if "overwrite" in str(exc) or "twice" in str(exc) else ""
        raise ScenarioError([f"{p}: not valid TOML ({exc}){hint}"]) from None
    except json.JSONDecodeError as exc:
        raise ScenarioError([f"{p}: not valid JSON ({exc})"]) from None
    except RecursionError:
        raise ScenarioError([f"{p}: tables or arrays are nested too deeply to read"]) from None
    except ValueError as exc:  # e.g. an integer longer than Python's digit limit
        raise ScenarioError([f"{p}: cannot read a value ({exc})"]) from None
    if not isinstance(doc, dict):
        raise ScenarioError([f"{p}: the top level must be a table/object"])
    return doc


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file (TOML, or JSON with the same schema).

    Parameters
    ----------
    path : str or Path
        The file to read.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        With every broken rule, each naming file, field path, value and rule.

    Examples
    --------
    >>> from solver import default_scenario_path
    >>> s = load_scenario(default_scenario_path())
    >>> s.phases >= 3 and len(s.measures) >= 20
    True
    """
    doc = read_document(path)
    return scenario_from_dict(doc, source=str(path))


def scenario_from_dict(doc: Mapping[str, Any], *, source: str = "<memory>") -> Scenario:
    """Validate a parsed document and build a :class:`Scenario`.

    Parameters
    ----------
    doc : Mapping
        Parsed TOML/JSON content, or a document built in code, with the
        schema of ``docs/scenario.md``.
    source : str, optional
        Name used in error messages (and kept as :attr:`Scenario.source`).

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        If any rule is broken (every problem at once, as for :func:`load_scenario`).

    Examples
    --------
    >>> doc = {
    ...     "name": "one step",
    ...     "phases": 1,
    ...     "instruments": [{"id": "us", "kind": "unilateral"}],
    ...     "measures": [{"id": "R1", "value": 10.0, "reversibility": 1.0, "instrument": "us"}],
    ...     "milestones": [
    ...         {"id": "D1", "value": 1.0, "cost": 5.0, "reversibility": 0.0, "detection": 1.0}
    ...     ],
    ... }
    >>> s = scenario_from_dict(doc)
    >>> s.name, s.phases, [m.id for m in s.measures], s.source
    ('one step', 1, ['R1'], '<memory>')
    >>> try:
    ...     scenario_from_dict({**doc, "phases": 0}, source="x.toml")
    ... except ScenarioError as exc:
    ...     print(exc.problems)
    ['x.toml: phases is 0; it must lie in [1, 50]']
    """
    return build_scenario(doc, source)
