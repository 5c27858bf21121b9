"""The frozen dataclasses of a scenario, and the error its files raise.

:mod:`solver.scenario` re-exports every name here and adds the loader; import
them from there.  They live in their own module so that :mod:`solver.validate`,
which builds them, and :mod:`solver.scenario`, which calls the validator, do not
import each other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

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
]


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
    phase_years: float | tuple[float, ...] = 1.0
    annual_discount: float | None = None
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
    inspection_cost: float = 0.5
    sources: Mapping[str, str] = field(default_factory=dict)


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
    step_values: Mapping[str, float] = field(default_factory=dict)
    exit_cost: float = 0.0
    sources: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Instrument:
    """A legal path through which relief is granted and re-imposed."""

    id: str
    kind: str
    name: str = ""
    veto_players: tuple[str, ...] = ()
    credibility: float | tuple[float, ...] = 1.0
    credibility_override: bool = False
    capacity: int | None = None
    coordination_cost: float = 0.0
    sources: Mapping[str, str] = field(default_factory=dict)


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
    kind: str = "flow"
    ends_with: str | None = None
    snapback_instrument: str | None = None
    enforcement_costs: Mapping[str, float] = field(default_factory=dict)
    enforced_by: Mapping[str, float] = field(default_factory=dict)
    transformation: float = 0.0
    unconditional: bool = False
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def once(self) -> bool:
        """Whether the measure is a one-off transfer (``kind = "transfer"``, USD m once)."""
        return self.kind == "transfer"

    @property
    def snapback(self) -> str:
        """Id of the instrument that re-imposes the measure (default: the granting one)."""
        return self.snapback_instrument or self.instrument


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
    supersedes: tuple[str, ...] = ()
    raises_detection: Mapping[str, float] = field(default_factory=dict)
    transformation: float = 0.0
    sources: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Resource:
    """A renewable capacity per phase (inspection teams, negotiating bandwidth)."""

    id: str
    capacity: float
    name: str = ""


@dataclass(frozen=True)
class TargetType:
    """A type the target's leadership may be (``[[target_types]]``, issue 14).

    Attributes
    ----------
    id : str
        Type id (e.g. ``tactical``, ``strategic``).
    prior : float
        Prior probability of the type, in (0, 1]; the priors of a scenario sum to 1.
    name, description : str
        Display name and what the type means, with its sources.
    overrides : Mapping[str, float]
        Parameter path (as in sensitivity specs, ``*`` wildcards allowed) ->
        the value the type has instead of the scenario's.
    scale : Mapping[str, float]
        Parameter path -> factor applied to the scenario's value (after overrides).
    """

    id: str
    prior: float
    name: str = ""
    description: str = ""
    overrides: Mapping[str, float] = field(default_factory=dict)
    scale: Mapping[str, float] = field(default_factory=dict)


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
    target_types : tuple of TargetType
        Types the target may be, with priors (empty: one type, the scenario's).
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
    target_types: tuple[TargetType, ...] = ()
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
        ``parameters.irreversible_from``.  An ``unconditional`` measure is
        given from the first phase or not at all: ``(1, 1)`` (the
        irreversibility rule guards relief given *for* steps; unconditional
        relief is given whatever the target does, so it has no later phase to
        wait for; ``docs/formulation.md``, "Unconditional relief").
        """
        if m.unconditional:
            return 1, 1
        lo, hi = m.phase_window or (1, self.phases)
        p = self.parameters
        if m.reversibility < p.reversibility_threshold:
            lo = max(lo, p.irreversible_from)
        return lo, hi

    def phase_lengths(self) -> tuple[float, ...]:
        """Years in each phase ``a_1..a_K`` (``parameters.phase_years``, scalar or per phase)."""
        y = self.parameters.phase_years
        return tuple(float(x) for x in y) if isinstance(y, tuple) else (float(y),) * self.phases

    def annual_discount(self) -> float:
        """The target's discount factor per year, ``beta``.

        ``parameters.annual_discount`` when given, otherwise the per-phase
        ``parameters.discount`` converted with the (single) phase length:
        ``beta = discount ** (1 / phase_years)``.
        """
        p = self.parameters
        if p.annual_discount is not None:
            return float(p.annual_discount)
        return float(p.discount) ** (1.0 / self.phase_lengths()[0])

    def prerequisites(self) -> dict[str, set[str]]:
        """Every milestone's transitive prerequisites (``requires`` and ``after``).

        Returns
        -------
        dict of str to set of str
            Milestone id -> the ids it depends on, directly or through others
            (computed iteratively, so chains of any length are fine).
        """
        direct = {d.id: {*d.requires, *d.after} for d in self.milestones}
        closure: dict[str, set[str]] = {}
        for start, first in direct.items():
            seen: set[str] = set()
            todo = list(first)
            while todo:
                x = todo.pop()
                if x not in seen:
                    seen.add(x)
                    todo.extend(direct.get(x, ()))
            closure[start] = seen
        return closure

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
    """Serialise ``scenario`` to canonical JSON (sorted keys, no path, no ``sources``)."""
    d = asdict(scenario)
    d.pop("source", None)
    # Sources are provenance, not content: citing a number leaves the digest as it was.
    d["parameters"].pop("sources", None)
    for key in ("actors", "instruments", "measures", "milestones"):
        for entry in d[key]:
            entry.pop("sources", None)
    # A measure that is not unconditional is what every measure was before the flag:
    # scenarios that do not use it keep their digest.
    for entry in d["measures"]:
        if not entry.get("unconditional"):
            entry.pop("unconditional", None)
    return json.dumps(d, sort_keys=True, default=list)
