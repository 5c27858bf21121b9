"""Where the shipped scenario models are, and what they are.

One definition of the location, for :mod:`solver` (which re-exports the names),
for the subcommands that fall back to the default scenario, and for ``relief
models``.

``models/`` at the top of the repository is the one source of the shipped
scenarios, sensitivity specs, plans and case records.  A source checkout or an
editable install reads it in place; building a wheel copies it into the package
as ``solver/models/`` (``setup.py``), so an installed wheel finds the same files
from any folder.  See ``docs/scenario.md`` ("Shipped models").
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_SCENARIO",
    "MODELS_DIR",
    "ShippedModel",
    "default_scenario_path",
    "models_dir",
    "shipped_models",
]

DEFAULT_SCENARIO = "dprk_2018.toml"
"""File name of the default scenario, relative to :data:`MODELS_DIR`."""

_HERE = Path(__file__).resolve().parent


def models_dir(package: Path = _HERE) -> Path:
    """Return the folder of the shipped models for the package at ``package``.

    A source tree (``pyproject.toml`` and ``models/`` beside the package folder)
    wins, so edits to ``models/`` take effect at once; otherwise the copy that a
    wheel carries inside the package (``solver/models/``).

    Parameters
    ----------
    package : Path, optional
        The ``solver`` package folder (default: this one).

    Returns
    -------
    Path
        The models folder (it may not exist in a broken install; loading a
        model then reports the missing file).

    Examples
    --------
    >>> (models_dir() / DEFAULT_SCENARIO).is_file()
    True
    """
    source = package.parent / "models"
    if (package.parent / "pyproject.toml").is_file() and (source / DEFAULT_SCENARIO).is_file():
        return source
    return package / "models"


MODELS_DIR = models_dir()
"""Directory of the shipped scenario models (``models/`` or the wheel's ``solver/models/``)."""


def default_scenario_path() -> Path:
    """Return the path of the shipped default scenario (``models/dprk_2018.toml``).

    Returns
    -------
    Path
        The default scenario file.
    """
    return MODELS_DIR / DEFAULT_SCENARIO


@dataclass(frozen=True)
class ShippedModel:
    """One shipped file, as ``relief models`` lists it.

    Attributes
    ----------
    name : str
        Path relative to :data:`MODELS_DIR`, with ``/`` separators.
    path : Path
        Absolute path.
    kind : str
        ``scenario``, ``spec`` (sensitivity spec), ``plan`` (plan file) or
        ``outcome`` (a case's record of how the deal ended).
    title : str
        The file's own name or title, first line of its description.
    default : bool
        Whether this is the default scenario.
    """

    name: str
    path: Path
    kind: str
    title: str
    default: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the ``relief models --json`` entry of this file.

        Returns
        -------
        dict
            ``name``, ``path`` (absolute, as a string), ``kind``, ``title``
            and ``default``.
        """
        return {
            "name": self.name,
            "path": str(self.path),
            "kind": self.kind,
            "title": self.title,
            "default": self.default,
        }


def _first_line(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    lines = [line.strip() for line in value.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _describe(doc: dict[str, Any]) -> tuple[str, str]:
    """``(kind, title)`` of a parsed shipped document."""
    if "parameter" in doc:
        return "spec", _first_line(doc.get("description"))
    if "case" in doc and "measures" not in doc:
        return "outcome", _first_line(doc.get("title"))
    if isinstance(doc.get("measures"), list) or ("phases" in doc and "name" in doc):
        name = doc.get("name", "")
        about = _first_line(doc.get("description"))
        return "scenario", f"{name}: {about}" if about else str(name)
    return "plan", _first_line(doc.get("description"))


def shipped_models(root: Path | None = None) -> list[ShippedModel]:
    """List the shipped scenarios, specs, plans and case records.

    Parameters
    ----------
    root : Path, optional
        Folder to list (default :data:`MODELS_DIR`).

    Returns
    -------
    list of ShippedModel
        Sorted by name: top-level files first, then ``plans/``, then the
        case folders.

    Examples
    --------
    >>> names = [m.name for m in shipped_models()]
    >>> "dprk_2018.toml" in names and "plans/proposal_2018.toml" in names
    True
    """
    base = MODELS_DIR if root is None else root
    out = []
    for path in sorted(base.rglob("*.toml"), key=lambda p: (len(p.relative_to(base).parts), p)):
        rel = path.relative_to(base).as_posix()
        try:
            kind, title = _describe(tomllib.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            kind, title = "unreadable", str(exc)
        if kind == "plan" and not title:
            folder = path.parent.relative_to(base).as_posix()
            scenario = DEFAULT_SCENARIO if folder in (".", "plans") else f"{folder}/scenario.toml"
            title = f"a phasing of {scenario}"
        out.append(ShippedModel(rel, path, kind, title, default=rel == DEFAULT_SCENARIO))
    return out
