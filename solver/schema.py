"""Declarative field tables for scenario files, and the JSON Schema built from them.

One table drives three things: type and range validation in
:mod:`solver.scenario`, the JSON Schema printed by ``relief schema``, and the
field reference in ``docs/scenario.md``.  Cross-reference rules (unknown ids,
cycles, windows against the phase count) live in :mod:`solver.validate`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from solver import scenario_types
from solver.formulation.common import OBJECTIVES

#: Value kinds understood by the validator.
KINDS = (
    "str",
    "int",
    "number",
    "bool",
    "list[str]",
    "list[number]",
    "window",
    "map[number]",
    "map[str]",
    "number|list[number]",
)


#: Kinds whose values are data: ``relief validate --sources`` wants a source for each.
NUMBER_KINDS = ("number", "list[number]", "map[number]", "number|list[number]")

#: Kinds a ``sources`` table may name (integers, windows and flags may be cited too).
CITEABLE_KINDS = (*NUMBER_KINDS, "int", "window", "bool")


@dataclass(frozen=True)
class Field:
    """One field of a scenario section.

    Attributes
    ----------
    name : str
        Key in the file.
    kind : str
        One of :data:`KINDS`.
    doc : str
        One-line description with units.
    required : bool
        Whether the key must be present.
    minimum, maximum : float or None
        Inclusive bounds for numbers (and the numbers of lists and maps).
    exclusive : bool
        When true the bounds are exclusive (``minimum < x < maximum``).
    choices : tuple of str
        Allowed values for a string field (empty: any).
    """

    name: str
    kind: str
    doc: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive: bool = False
    choices: tuple[str, ...] = ()


SOURCES_DOC = (
    "Number field name -> its source: an entry label of docs/sources.md (e.g. `econ: Kaesong`), "
    'or `estimate` (optionally `estimate: <note>`); see "Sources of the numbers".'
)


def _sources() -> Field:
    """The ``sources`` field of the sections whose numbers can be cited (:mod:`solver.sources`)."""
    return Field("sources", "map[str]", SOURCES_DOC)


INSTRUMENT_KINDS = (
    "unsc_resolution",
    "reverse_veto",
    "sunset",
    "executive",
    "statute",
    "unilateral",
    "treaty",
    "board_vote",
)

TOP: tuple[Field, ...] = (
    Field("name", "str", "Short scenario name.", required=True),
    Field("description", "str", "Free text describing the scenario and its sources."),
    Field("phases", "int", "Number of phases K (phases are numbered 1..K).", True, 1, 50),
    Field("phase_names", "list[str]", "Optional label per phase; K entries."),
    Field("parameters", "table", "Global parameters (see `[parameters]`)."),
    Field("actors", "array", "Coalition actors (see `[[actors]]`)."),
    Field("instruments", "array", "Legal instruments (see `[[instruments]]`)."),
    Field("measures", "array", "Relief measures (see `[[measures]]`).", required=True),
    Field("milestones", "array", "Target steps (see `[[milestones]]`).", required=True),
    Field("resources", "array", "Renewable per-phase capacities (see `[[resources]]`)."),
    Field(
        "target_types", "array", "Types the target may be, with priors (see `[[target_types]]`)."
    ),
)

PARAMETERS: tuple[Field, ...] = (
    Field(
        "discount",
        "number",
        "Target's discount factor per phase of phase_years years (when phase_years is one number).",
        False,
        0.0,
        1.0,
        exclusive=True,
    ),
    Field(
        "phase_years",
        "number|list[number]",
        "Years per phase (one number, or one per phase): flows are USD m/yr over these years.",
        False,
        0.0,
        None,
        exclusive=True,
    ),
    Field(
        "annual_discount",
        "number",
        "Target's discount factor per year beta; required when phase_years is a list.",
        False,
        0.0,
        1.0,
        exclusive=True,
    ),
    Field(
        "reciprocity",
        "number",
        "alpha: cumulative relief (USD m/yr) must be >= alpha x cumulative step cost.",
        False,
        0.0,
    ),
    Field(
        "irreversibility_ratio",
        "number",
        "rho: irreversible relief <= rho x irreversible step cost, every phase.",
        False,
        0.0,
    ),
    Field(
        "reversibility_threshold",
        "number",
        "Measures with reversibility below this are irreversible relief.",
        False,
        0.0,
        1.0,
    ),
    Field(
        "irreversible_from",
        "int",
        "First phase in which irreversible relief may be granted.",
        False,
        1,
    ),
    Field(
        "min_progress",
        "list[number]",
        "Per phase: minimum coalition value of milestones completed in that phase.",
        False,
        0.0,
    ),
    Field(
        "max_progress",
        "list[number]",
        "Per phase: maximum coalition value of milestones completed in that phase.",
        False,
        0.0,
    ),
    Field(
        "min_relief",
        "list[number]",
        "Per phase: minimum value (USD m/yr) of relief newly granted in that phase.",
        False,
        0.0,
    ),
    Field("objective", "str", "Default objective.", choices=OBJECTIVES),
    Field(
        "weights",
        "map[number]",
        "Weights of the weighted objective: keys leverage, speed, relief, transformation.",
        False,
        0.0,
    ),
    Field("require_ic", "bool", "Impose the linear incentive-compatibility rows by default."),
    Field(
        "inspection_cost",
        "number",
        "Coalition's cost of one verification round in the inspection-game view of `check` "
        "(milestone-score units, like the damage it weighs against).",
        False,
        0.0,
    ),
    _sources(),
)

ACTOR: tuple[Field, ...] = (
    Field("id", "str", "Unique actor id.", required=True),
    Field("name", "str", "Display name."),
    Field("permanent_member", "bool", "Holds a UN Security Council veto."),
    Field(
        "value_share",
        "number",
        "USD m/yr per point of a milestone's score the actor gains while the step is in "
        "place: the cohesion rows, and the two-sided check for steps `step_values` omits.",
        False,
        0.0,
    ),
    Field(
        "step_values",
        "map[number]",
        "USD m/yr the actor gains while each named milestone is in place (two-sided check).",
        False,
        0.0,
    ),
    Field(
        "exit_cost",
        "number",
        "Actor's one-off cost of leaving the deal or being seen not to enforce (reputation, "
        "partners' response; USD m).",
        False,
        0.0,
    ),
    Field(
        "reservation",
        "number",
        "Cohesion: the actor's payoff must stay >= this at every phase (USD m/yr).",
    ),
    Field(
        "consent_requires",
        "list[str]",
        "Milestones that must be done before this actor consents to any measure.",
    ),
    Field(
        "snapback_gain",
        "number",
        "Actor's gain from re-imposing sanctions after detected backsliding (USD m).",
        False,
        0.0,
    ),
    Field(
        "snapback_cost",
        "number",
        "Actor's cost of re-imposing sanctions (lost trade, friction; USD m).",
        False,
        0.0,
    ),
    _sources(),
)

INSTRUMENT: tuple[Field, ...] = (
    Field("id", "str", "Unique instrument id.", required=True),
    Field("name", "str", "Display name."),
    Field(
        "kind",
        "str",
        "Legal mechanism; decides whose consent a snapback needs.",
        True,
        choices=INSTRUMENT_KINDS,
    ),
    Field("veto_players", "list[str]", "Actors whose decision the snapback depends on."),
    Field(
        "credibility",
        "number|list[number]",
        "q_i: probability that detected backsliding is punished through it (or one per phase).",
        False,
        0.0,
        1.0,
    ),
    Field(
        "credibility_override",
        "bool",
        "If true, the game module uses `credibility` as given instead of deriving it.",
    ),
    Field(
        "capacity", "int", "Max new grant actions (bundles or lone measures) per phase.", False, 0
    ),
    Field(
        "coordination_cost",
        "number",
        "Coalition's cost of coordinating a snapback through this instrument (USD m).",
        False,
        0.0,
    ),
    _sources(),
)

MEASURE: tuple[Field, ...] = (
    Field("id", "str", "Unique measure id.", required=True),
    Field("name", "str", "Display name."),
    Field(
        "value", "number", "v_m: annual value of the relief to the target (USD m/yr).", True, 0.0
    ),
    Field(
        "weight",
        "number",
        "Leverage weight of withholding this measure (weighted objective).",
        False,
        0.0,
    ),
    Field(
        "reversibility", "number", "r_m: share of the value a snapback claws back.", True, 0.0, 1.0
    ),
    Field("instrument", "str", "Instrument id through which it is granted and re-imposed.", True),
    Field("consent", "list[str]", "Actors whose consent is needed."),
    Field("requires_measures", "list[str]", "Measures granted by the same phase or earlier."),
    Field("after_measures", "list[str]", "Measures granted in a strictly earlier phase."),
    Field("requires_milestones", "list[str]", "Milestones done by the same phase or earlier."),
    Field("after_milestones", "list[str]", "Milestones done in a strictly earlier phase."),
    Field("phase_window", "window", "[first, last] phase in which it may be granted."),
    Field("bundle", "str", "Measures with the same bundle id are granted together."),
    Field("mandatory_by", "int", "Must be granted by this phase (e.g. termination).", False, 1),
    Field(
        "actor_costs",
        "map[number]",
        "Cost to each actor (USD m/yr) while the relief is held (a transfer: its annual "
        "equivalent, paid once in the two-sided check); cohesion rows and members' payoffs.",
        False,
        0.0,
    ),
    Field(
        "kind",
        "str",
        "flow: value is USD m/yr while granted; transfer: value is USD m paid once.",
        choices=("flow", "transfer"),
    ),
    Field("ends_with", "str", "A flow stops from the phase this measure or milestone comes."),
    Field(
        "snapback_instrument",
        "str",
        "Instrument that re-imposes the measure (default: the granting `instrument`).",
    ),
    Field(
        "enforcement_costs",
        "map[number]",
        "Cost to each actor (USD m/yr) of enforcing the measure while it is not lifted.",
        False,
        0.0,
    ),
    Field(
        "enforced_by",
        "map[number]",
        "Share of the measure's pressure each actor's enforcement carries (lost if it stops).",
        False,
        0.0,
        1.0,
    ),
    Field(
        "transformation",
        "number",
        "t_m: share of the value (a transfer: its annual equivalent) that reaches markets and "
        "households rather than the state; negative when it props up the state's distribution "
        "system (the transformation objective, USD m/yr = t_m x value).",
        False,
        -1.0,
        1.0,
    ),
    Field(
        "unconditional",
        "bool",
        "Given from phase 1 whatever the target does, and kept whatever it does: enters its "
        "comply and deviate payoffs alike (no leverage); needs reversibility = 0, no window "
        "but [1, 1], no condition on steps, no snapback or end.",
    ),
    _sources(),
)

MILESTONE: tuple[Field, ...] = (
    Field("id", "str", "Unique milestone id.", required=True),
    Field("name", "str", "Display name."),
    Field("value", "number", "u_d: value of the step to the coalition (score).", True, 0.0),
    Field(
        "cost", "number", "c_d: what the step costs the target per period (USD m/yr).", True, 0.0
    ),
    Field(
        "reversibility",
        "number",
        "b_d: share of the step the target can restore quickly.",
        True,
        0.0,
        1.0,
    ),
    Field(
        "detection",
        "number",
        "p_d: probability per year that a reversal of the step is detected.",
        True,
        0.0,
        1.0,
    ),
    Field("requires", "list[str]", "Milestones done by the same phase or earlier."),
    Field("after", "list[str]", "Milestones done in a strictly earlier phase."),
    Field("phase_window", "window", "[first, last] phase in which it may be completed."),
    Field("mandatory_by", "int", "Must be done by this phase.", False, 1),
    Field("duration", "int", "Phases the step takes (>= 1).", False, 1),
    Field(
        "uses",
        "map[number]",
        "Resource id -> units the step ties up in every phase it is under way.",
        False,
        0.0,
    ),
    Field(
        "supersedes",
        "list[str]",
        "Earlier steps of its chain: once this is done they restore at most its share b_d.",
    ),
    Field(
        "raises_detection",
        "map[number]",
        "Milestone id -> detection probability (per year) it guarantees from its phase on.",
        False,
        0.0,
        1.0,
    ),
    Field(
        "transformation",
        "number",
        "t_d: share of the step's cost to the target that reaches markets and households while "
        "it holds (a reform step: the rents the state gives up; USD m/yr = t_d x cost).",
        False,
        -1.0,
        1.0,
    ),
    _sources(),
)

RESOURCE: tuple[Field, ...] = (
    Field("id", "str", "Unique resource id (e.g. inspectors).", required=True),
    Field("name", "str", "Display name."),
    Field("capacity", "number", "Units available in every phase.", True, 0.0),
)

TARGET_TYPE: tuple[Field, ...] = (
    Field("id", "str", "Unique type id (e.g. tactical, strategic).", required=True),
    Field("name", "str", "Display name."),
    Field("description", "str", "What the type means, with its sources or `estimate`."),
    Field(
        "prior",
        "number",
        "Prior probability of the type; the priors of all types sum to 1.",
        True,
        0.0,
        1.0,
    ),
    Field(
        "overrides",
        "map[number]",
        "Parameter path (as in sensitivity specs: discount, milestones.M07.cost, "
        "measures.*.value) -> the type's value instead of the scenario's.",
    ),
    Field(
        "scale",
        "map[number]",
        "Parameter path -> factor: the type's value is the scenario's times it (after overrides).",
        False,
        0.0,
    ),
)

SECTIONS: dict[str, tuple[Field, ...]] = {
    "": TOP,
    "parameters": PARAMETERS,
    "actors": ACTOR,
    "instruments": INSTRUMENT,
    "measures": MEASURE,
    "milestones": MILESTONE,
    "resources": RESOURCE,
    "target_types": TARGET_TYPE,
}


def _field_schema(f: Field) -> dict[str, Any]:
    num: dict[str, Any] = {"type": "number"}
    if f.minimum is not None:
        num["exclusiveMinimum" if f.exclusive else "minimum"] = f.minimum
    if f.maximum is not None:
        num["exclusiveMaximum" if f.exclusive else "maximum"] = f.maximum
    kinds: dict[str, dict[str, Any]] = {
        "str": {"type": "string"} | ({"enum": list(f.choices)} if f.choices else {}),
        "int": {"type": "integer"} | {k: v for k, v in num.items() if k != "type"},
        "number": num,
        "bool": {"type": "boolean"},
        "list[str]": {"type": "array", "items": {"type": "string"}},
        "list[number]": {"type": "array", "items": num},
        "window": {
            "type": "array",
            "items": {"type": "integer", "minimum": 1},
            "minItems": 2,
            "maxItems": 2,
        },
        "map[number]": {"type": "object", "additionalProperties": num},
        "map[str]": {"type": "object", "additionalProperties": {"type": "string"}},
        "number|list[number]": {"oneOf": [num, {"type": "array", "items": num}]},
    }
    out = dict(kinds[f.kind])
    out["description"] = f.doc
    return out


def _object(fields: tuple[Field, ...]) -> dict[str, Any]:
    props = {f.name: _field_schema(f) for f in fields}
    if "sources" in props:  # keys: the fields a source may be given for (solver.sources)
        names = [f.name for f in fields if f.kind in CITEABLE_KINDS]
        props["sources"]["propertyNames"] = {"enum": names}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [f.name for f in fields if f.required],
        "properties": props,
    }


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a scenario file.

    Returns
    -------
    dict
        A schema that editors can use to validate TOML (via a TOML language
        server) or JSON scenario files.  Cross-reference rules (ids, cycles,
        windows within ``1..phases``) cannot be expressed in JSON Schema and
        are checked by ``relief validate``.

    Examples
    --------
    >>> s = json_schema()
    >>> sorted(s["required"])
    ['measures', 'milestones', 'name', 'phases']
    """
    top = [f for f in TOP if f.kind not in ("table", "array")]
    schema = _object(tuple(top))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "phased-relief scenario"
    schema["required"] = [f.name for f in TOP if f.required]
    props = schema["properties"]
    props["parameters"] = _object(PARAMETERS)
    for key, fields in (
        ("resources", RESOURCE),
        ("actors", ACTOR),
        ("instruments", INSTRUMENT),
        ("measures", MEASURE),
        ("milestones", MILESTONE),
        ("target_types", TARGET_TYPE),
    ):
        props[key] = {"type": "array", "items": _object(fields)}
    return schema


_DATACLASS = {
    "parameters": "Parameters",
    "actors": "Actor",
    "instruments": "Instrument",
    "measures": "Measure",
    "milestones": "Milestone",
    "resources": "Resource",
    "target_types": "TargetType",
}


def _range_text(f: Field) -> str:
    if f.choices:
        return ", ".join(f"`{c}`" for c in f.choices)
    lo, hi = f.minimum, f.maximum
    if lo is None and hi is None:
        return ""

    def num(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else f"{x:g}"

    if lo is not None and hi is not None:
        return f"({num(lo)}, {num(hi)})" if f.exclusive else f"[{num(lo)}, {num(hi)}]"
    if lo is not None:
        return f"> {num(lo)}" if f.exclusive else f">= {num(lo)}"
    return f"<= {num(hi)}" if hi is not None else ""


def _default_text(section: str, f: Field) -> str:
    if f.required or section not in _DATACLASS:
        return "—"
    cls = getattr(scenario_types, _DATACLASS[section])
    field = next((x for x in dataclasses.fields(cls) if x.name == f.name), None)
    if field is None:
        return "—"
    if field.default is not dataclasses.MISSING:
        v = field.default
    elif field.default_factory is not dataclasses.MISSING:
        v = field.default_factory()
    else:
        return "—"
    if v is None:
        return "unset"
    if isinstance(v, bool):
        return f"`{str(v).lower()}`"
    if isinstance(v, str):
        return v if v else '""'
    if isinstance(v, tuple):
        return "[]"
    if isinstance(v, dict):
        return "{}"
    return str(v)


def markdown_table(section: str) -> str:
    """The field reference of one scenario section, as the Markdown table in ``docs/scenario.md``.

    Parameters
    ----------
    section : str
        ``""`` (top level), ``"parameters"``, ``"actors"``, ``"instruments"``,
        ``"measures"``, ``"milestones"`` or ``"resources"``.

    Returns
    -------
    str
        Header, separator and one row per field (type, required, default,
        range, meaning), ending in a newline; a test keeps the documentation
        equal to it.

    Examples
    --------
    >>> print(markdown_table("resources").splitlines()[2])
    | `id` | str | yes | — |  | Unique resource id (e.g. inspectors). |
    """
    rows = [
        "| field | type | required | default | range | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for f in SECTIONS[section]:
        kind = f.kind.replace("|", " or ")
        rows.append(
            f"| `{f.name}` | {kind} | {'yes' if f.required else 'no'} | "
            f"{_default_text(section, f)} | {_range_text(f)} | {f.doc} |"
        )
    return "\n".join(rows) + "\n"
