"""Scenario data: frozen dataclasses and the loader for TOML and JSON files.

A scenario is data, never code.  :func:`load_scenario` parses a file, checks
every rule in :mod:`solver.validate` (collecting all problems, each naming the
file, the field path, the value and the rule) and returns an immutable
:class:`Scenario`.  Variants for sensitivity runs come from
:func:`dataclasses.replace`.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ScenarioError(ValueError):
    """A scenario (or plan) file breaks one or more rules.

    Attributes
    ----------
    problems : list of str
        One message per broken rule, each naming file, field, value and rule.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Parameters:
    """Global parameters of a scenario (see ``docs/scenario.md``)."""

    discount: float = 0.9
    phase_years: float = 1.0
    reciprocity: float = 1.0
    irreversibility_ratio: float | None = None
    reversibility_threshold: float = 0.0
    irreversible_from: int = 1
    min_progress: tuple[float, ...] = ()
    max_progress: tuple[float, ...] = ()
    min_relief: tuple[float, ...] = ()
    objective: str = "leverage"
    weights: Mapping[str, float] = field(default_factory=dict)
    require_ic: bool = False


@dataclass(frozen=True)
class Actor:
    """A coalition member (or the UNSC veto body)."""

    id: str
    name: str = ""
    permanent_member: bool = False
    value_share: float = 0.0
    reservation: float | None = None
    consent_requires: tuple[str, ...] = ()
    snapback_gain: float = 0.0
    snapback_cost: float = 0.0


@dataclass(frozen=True)
class Instrument:
    """A legal path through which relief is granted and re-imposed."""

    id: str
    kind: str
    name: str = ""
    veto_players: tuple[str, ...] = ()
    credibility: float = 1.0
    credibility_override: bool = False
    capacity: int | None = None
    coordination_cost: float = 0.0


@dataclass(frozen=True)
class Measure:
    """A relief measure offered to the target."""

    id: str
    value: float
    reversibility: float
    instrument: str
    name: str = ""
    weight: float = 1.0
    consent: tuple[str, ...] = ()
    requires_measures: tuple[str, ...] = ()
    after_measures: tuple[str, ...] = ()
    requires_milestones: tuple[str, ...] = ()
    after_milestones: tuple[str, ...] = ()
    phase_window: tuple[int, int] | None = None
    bundle: str | None = None
    mandatory_by: int | None = None
    actor_costs: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Milestone:
    """A step by the target (freeze, declaration, dismantlement, ...)."""

    id: str
    value: float
    cost: float
    reversibility: float
    detection: float
    name: str = ""
    requires: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    phase_window: tuple[int, int] | None = None
    mandatory_by: int | None = None
    duration: int = 1
    uses: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Resource:
    """A renewable capacity per phase (inspection teams, negotiating bandwidth)."""

    id: str
    capacity: float
    name: str = ""


@dataclass(frozen=True)
class Scenario:
    """A complete, validated sequencing problem.

    Attributes
    ----------
    name : str
        Scenario name.
    phases : int
        Number of phases ``K``.
    measures, milestones, actors, instruments : tuple
        The scenario's entities, in file order.
    parameters : Parameters
        Global parameters.
    source : str
        Path the scenario was read from (``"<memory>"`` otherwise).
    """

    name: str
    phases: int
    measures: tuple[Measure, ...]
    milestones: tuple[Milestone, ...]
    actors: tuple[Actor, ...] = ()
    instruments: tuple[Instrument, ...] = ()
    parameters: Parameters = field(default_factory=Parameters)
    description: str = ""
    phase_names: tuple[str, ...] = ()
    resources: tuple[Resource, ...] = ()
    source: str = "<memory>"

    def measure(self, mid: str) -> Measure:
        """Return the measure with id ``mid``."""
        return _by_id(self.measures)[mid]

    def milestone(self, did: str) -> Milestone:
        """Return the milestone with id ``did``."""
        return _by_id(self.milestones)[did]

    def instrument(self, iid: str) -> Instrument:
        """Return the instrument with id ``iid``."""
        return _by_id(self.instruments)[iid]

    def actor(self, aid: str) -> Actor:
        """Return the actor with id ``aid``."""
        return _by_id(self.actors)[aid]

    def measure_window(self, m: Measure) -> tuple[int, int]:
        """Effective ``[first, last]`` phase for ``m``, with the irreversibility rule.

        A measure whose reversibility is below
        ``parameters.reversibility_threshold`` may not be granted before
        ``parameters.irreversible_from``.
        """
        lo, hi = m.phase_window or (1, self.phases)
        p = self.parameters
        if m.reversibility < p.reversibility_threshold:
            lo = max(lo, p.irreversible_from)
        return lo, hi

    def milestone_window(self, d: Milestone) -> tuple[int, int]:
        """Effective ``[first, last]`` completion phase for ``d`` (duration-aware)."""
        lo, hi = d.phase_window or (1, self.phases)
        return max(lo, d.duration), hi

    def phase_label(self, k: int) -> str:
        """Return ``"k (name)"`` or ``"k"`` for phase ``k``."""
        if self.phase_names:
            return f"{k} ({self.phase_names[k - 1]})"
        return str(k)

    def digest(self) -> str:
        """Return a SHA-256 hex digest of the scenario's content (not its path)."""
        return hashlib.sha256(canonical_json(self).encode()).hexdigest()


def _by_id(items: tuple[Any, ...]) -> dict[str, Any]:
    return {x.id: x for x in items}


def canonical_json(scenario: Scenario) -> str:
    """Serialise ``scenario`` to canonical JSON (sorted keys, no path)."""
    from dataclasses import asdict

    d = asdict(scenario)
    d.pop("source", None)
    return json.dumps(d, sort_keys=True, default=list)


def read_document(path: str | Path) -> dict[str, Any]:
    """Parse a TOML or JSON file into a dict, raising :class:`ScenarioError`.

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
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{p}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{p}: cannot read file ({exc})"]) from None
    try:
        doc = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"{p}: not valid TOML ({exc})"]) from None
    except json.JSONDecodeError as exc:
        raise ScenarioError([f"{p}: not valid JSON ({exc})"]) from None
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
        Parsed TOML/JSON content.
    source : str, optional
        Name used in error messages.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        If any rule is broken.
    """
    from solver.validate import build_scenario

    return build_scenario(doc, source)
