"""Validation of scenario documents: every rule has its own message.

Messages follow one pattern: ``<file>: <field path> is <value>; <rule>``.
Type and range rules come from the field tables in :mod:`solver.schema`;
cross-reference rules (ids, cycles, windows, lengths) are written out here.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

from solver.formulation.common import WEIGHT_KEYS
from solver.scenario_types import (
    Actor,
    Instrument,
    Measure,
    Milestone,
    Parameters,
    Resource,
    Scenario,
    ScenarioError,
    TargetType,
)
from solver.schema import (
    ACTOR,
    INSTRUMENT,
    MEASURE,
    MILESTONE,
    PARAMETERS,
    RESOURCE,
    TARGET_TYPE,
    TOP,
    Field,
)
from solver.sources import source_problems


class Problems:
    """Accumulates the problems of one file: ``<file>: <field> is <value>; <rule>``.

    Parameters
    ----------
    source : str
        The file named in every message.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def add(self, path: str, value: Any, rule: str) -> None:
        """Record that ``path`` holds ``value``, which breaks ``rule``."""
        self.problems.append(f"{self.source}: {path} is {show_value(value)}; {rule}")

    def plain(self, path: str, message: str) -> None:
        """Record a message about ``path`` that names no value."""
        self.problems.append(f"{self.source}: {path} {message}")


def show_value(value: Any) -> str:
    """A value as messages quote it: its ``repr``, cut to 60 characters.

    Parameters
    ----------
    value : Any
        The offending value.

    Returns
    -------
    str
        The text to quote.

    Examples
    --------
    >>> show_value("x" * 70)[-4:]
    'x...'
    """
    try:
        text = repr(value)
    except ValueError:  # an integer beyond Python's digit limit
        return "an integer too long to show"
    return text if len(text) <= 60 else text[:57] + "..."


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _finite(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except OverflowError:  # an integer too large for a float
        return False


def _check_number(c: Problems, path: str, v: Any, f: Field) -> bool:
    if not _is_number(v) or not _finite(v):
        c.add(path, v, "it must be a finite number")
        return False
    lo, hi = f.minimum, f.maximum
    if f.exclusive:
        if (lo is not None and v <= lo) or (hi is not None and v >= hi):
            rule = f"strictly between {lo} and {hi}" if hi is not None else f"> {lo:g}"
            c.add(path, v, f"it must be {rule}" if hi is None else f"it must lie {rule}")
            return False
        return True
    if lo is not None and hi is not None and not lo <= v <= hi:
        c.add(path, v, f"it must lie in [{lo:g}, {hi:g}]")
        return False
    if lo is not None and v < lo:
        c.add(path, v, f"it must be >= {lo:g}")
        return False
    return True


def _check_value(c: Problems, path: str, v: Any, f: Field) -> bool:
    """Type- and range-check one value against its field; return validity."""
    k = f.kind
    if k == "str":
        if not isinstance(v, str):
            c.add(path, v, "it must be a string")
            return False
        if f.choices and v not in f.choices:
            c.add(path, v, f"it must be one of {', '.join(f.choices)}")
            return False
        return True
    if k == "int":
        if not isinstance(v, int) or isinstance(v, bool):
            c.add(path, v, "it must be an integer")
            return False
        return _check_number(c, path, v, f)
    if k == "number":
        return _check_number(c, path, v, f)
    if k == "bool":
        if not isinstance(v, bool):
            c.add(path, v, "it must be true or false")
            return False
        return True
    if k == "list[str]":
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            c.add(path, v, "it must be a list of strings")
            return False
        return True
    if k == "list[number]":
        if not isinstance(v, list):
            c.add(path, v, "it must be a list of numbers")
            return False
        return all(_check_number(c, f"{path}[{i}]", x, f) for i, x in enumerate(v))
    if k == "window":
        ok = isinstance(v, list) and len(v) == 2
        if not ok or not all(isinstance(x, int) and not isinstance(x, bool) for x in v):
            c.add(path, v, "it must be a list of two integers [first, last]")
            return False
        return True
    if k == "number|list[number]":
        if isinstance(v, list):
            return all(_check_number(c, f"{path}[{i}]", x, f) for i, x in enumerate(v))
        return _check_number(c, path, v, f)
    if k == "map[number]":
        if not isinstance(v, dict):
            c.add(path, v, "it must be a table of numbers")
            return False
        return all(_check_number(c, f"{path}.{key}", x, f) for key, x in v.items())
    if k == "map[str]":
        if not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()):
            c.add(path, v, "it must be a table of strings")
            return False
        return True
    raise AssertionError(f"unhandled field kind {k}")  # pragma: no cover


def _check_table(
    c: Problems, path: str, obj: Any, fields: tuple[Field, ...]
) -> dict[str, Any] | None:
    """Check keys and values of one table; return its valid entries."""
    if not isinstance(obj, dict):
        c.add(path or "the document", obj, "it must be a table")
        return None
    known = {f.name: f for f in fields}
    prefix = f"{path}." if path else ""
    for key in obj:
        if key not in known:
            near = difflib.get_close_matches(key, list(known), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            c.plain(f"{prefix}{key}", f"is not a known field{hint}; allowed: {', '.join(known)}")
    out: dict[str, Any] = {}
    for f in fields:
        if f.name not in obj:
            if f.required:
                c.plain(f"{prefix}{f.name}", "is missing; it is required")
            continue
        if f.kind in ("table", "array") or _check_value(c, f"{prefix}{f.name}", obj[f.name], f):
            out[f.name] = obj[f.name]
    if "sources" in out and not _check_sources(c, f"{prefix}sources", out["sources"], fields):
        del out["sources"]
    return out


def _check_sources(c: Problems, path: str, sources: Any, fields: tuple[Field, ...]) -> bool:
    """Check a ``sources`` table's keys and tags (:mod:`solver.sources`); return validity."""
    problems = source_problems(sources, fields)
    for key, tag, rule in problems:
        c.add(f"{path}.{key}", tag, rule)
    return not problems


def _entries(c: Problems, doc: Mapping[str, Any], key: str, fields: tuple[Field, ...]) -> list:
    raw = doc.get(key, [])
    if not isinstance(raw, list):
        c.add(key, raw, "it must be an array of tables ([[" + key + "]])")
        return []
    rows = []
    for i, item in enumerate(raw):
        label = f"{key}[{i}]"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            label = f"{key}[{i}] ({item['id']})"
        row = _check_table(c, label, item, fields)
        if row is not None and "id" in row:
            rows.append((label, row))
    ids: dict[str, str] = {}
    for label, row in rows:
        if row["id"] in ids:
            c.add(f"{label}.id", row["id"], f"ids must be unique; {ids[row['id']]} has it too")
        ids.setdefault(row["id"], label)
    return rows


def _tuple(row: Mapping[str, Any], key: str) -> tuple:
    return tuple(row.get(key, ()))


def _make_actor(row: Mapping[str, Any]) -> Actor:
    return Actor(
        id=row["id"],
        name=row.get("name", ""),
        permanent_member=row.get("permanent_member", False),
        value_share=float(row.get("value_share", 0.0)),
        reservation=None if "reservation" not in row else float(row["reservation"]),
        consent_requires=_tuple(row, "consent_requires"),
        snapback_gain=float(row.get("snapback_gain", 0.0)),
        snapback_cost=float(row.get("snapback_cost", 0.0)),
        step_values={k: float(v) for k, v in row.get("step_values", {}).items()},
        exit_cost=float(row.get("exit_cost", 0.0)),
        sources=dict(row.get("sources", {})),
    )


def _make_instrument(row: Mapping[str, Any]) -> Instrument:
    return Instrument(
        id=row["id"],
        kind=row.get("kind", "executive"),
        name=row.get("name", ""),
        veto_players=_tuple(row, "veto_players"),
        credibility=_number_or_list(row.get("credibility", 1.0)),
        credibility_override=row.get("credibility_override", False),
        capacity=row.get("capacity"),
        coordination_cost=float(row.get("coordination_cost", 0.0)),
        sources=dict(row.get("sources", {})),
    )


def _number_or_list(v: Any) -> float | tuple[float, ...]:
    return tuple(float(x) for x in v) if isinstance(v, list) else float(v)


def _window(row: Mapping[str, Any]) -> tuple[int, int] | None:
    w = row.get("phase_window")
    return None if w is None else (int(w[0]), int(w[1]))


def _make_measure(row: Mapping[str, Any]) -> Measure:
    return Measure(
        id=row["id"],
        value=float(row.get("value", 0.0)),
        reversibility=float(row.get("reversibility", 1.0)),
        instrument=row.get("instrument", ""),
        name=row.get("name", ""),
        weight=float(row.get("weight", 1.0)),
        consent=_tuple(row, "consent"),
        requires_measures=_tuple(row, "requires_measures"),
        after_measures=_tuple(row, "after_measures"),
        requires_milestones=_tuple(row, "requires_milestones"),
        after_milestones=_tuple(row, "after_milestones"),
        phase_window=_window(row),
        bundle=row.get("bundle"),
        mandatory_by=row.get("mandatory_by"),
        actor_costs={k: float(v) for k, v in row.get("actor_costs", {}).items()},
        enforcement_costs={k: float(v) for k, v in row.get("enforcement_costs", {}).items()},
        enforced_by={k: float(v) for k, v in row.get("enforced_by", {}).items()},
        kind=row.get("kind", "flow"),
        ends_with=row.get("ends_with"),
        snapback_instrument=row.get("snapback_instrument"),
        transformation=float(row.get("transformation", 0.0)),
        unconditional=row.get("unconditional", False),
        sources=dict(row.get("sources", {})),
    )


def _make_milestone(row: Mapping[str, Any]) -> Milestone:
    return Milestone(
        id=row["id"],
        value=float(row.get("value", 0.0)),
        cost=float(row.get("cost", 0.0)),
        reversibility=float(row.get("reversibility", 0.0)),
        detection=float(row.get("detection", 0.0)),
        name=row.get("name", ""),
        requires=_tuple(row, "requires"),
        after=_tuple(row, "after"),
        phase_window=_window(row),
        mandatory_by=row.get("mandatory_by"),
        duration=int(row.get("duration", 1)),
        uses={k: float(v) for k, v in row.get("uses", {}).items()},
        supersedes=_tuple(row, "supersedes"),
        raises_detection={k: float(v) for k, v in row.get("raises_detection", {}).items()},
        transformation=float(row.get("transformation", 0.0)),
        sources=dict(row.get("sources", {})),
    )


def _make_parameters(row: Mapping[str, Any]) -> Parameters:
    ratio = row.get("irreversibility_ratio")
    return Parameters(
        discount=float(row.get("discount", 0.9)),
        phase_years=_number_or_list(row.get("phase_years", 1.0)),
        annual_discount=None if "annual_discount" not in row else float(row["annual_discount"]),
        reciprocity=float(row.get("reciprocity", 1.0)),
        irreversibility_ratio=None if ratio is None else float(ratio),
        reversibility_threshold=float(row.get("reversibility_threshold", 0.0)),
        irreversible_from=int(row.get("irreversible_from", 1)),
        min_progress=tuple(float(x) for x in row.get("min_progress", ())),
        max_progress=tuple(float(x) for x in row.get("max_progress", ())),
        min_relief=tuple(float(x) for x in row.get("min_relief", ())),
        objective=row.get("objective", "leverage"),
        weights={k: float(v) for k, v in row.get("weights", {}).items()},
        require_ic=row.get("require_ic", False),
        inspection_cost=float(row.get("inspection_cost", 0.5)),
        sources=dict(row.get("sources", {})),
    )


def build_scenario(doc: Mapping[str, Any], source: str) -> Scenario:
    """Check ``doc`` against every rule and build the :class:`Scenario`.

    Parameters
    ----------
    doc : Mapping
        Parsed TOML or JSON document.
    source : str
        File name used in messages.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        Listing every broken rule.
    """
    c = Problems(source)
    top = _check_table(c, "", doc, TOP) or {}
    params_row = _check_table(c, "parameters", doc.get("parameters", {}), PARAMETERS) or {}
    actors = _entries(c, doc, "actors", ACTOR)
    instruments = _entries(c, doc, "instruments", INSTRUMENT)
    measures = _entries(c, doc, "measures", MEASURE)
    milestones = _entries(c, doc, "milestones", MILESTONE)
    resources = _entries(c, doc, "resources", RESOURCE)
    types = _entries(c, doc, "target_types", TARGET_TYPE)
    if "discount" in params_row and "annual_discount" in params_row:
        c.plain(
            "parameters.annual_discount",
            "is given together with parameters.discount; give one of them "
            "(annual_discount per year, or discount per phase of phase_years years)",
        )
    if c.problems:
        raise ScenarioError(c.problems)
    scenario = Scenario(
        name=top["name"],
        phases=int(top["phases"]),
        description=top.get("description", ""),
        phase_names=tuple(top.get("phase_names", ())),
        parameters=_make_parameters(params_row),
        actors=tuple(_make_actor(r) for _, r in actors),
        instruments=tuple(_make_instrument(r) for _, r in instruments),
        measures=tuple(_make_measure(r) for _, r in measures),
        milestones=tuple(_make_milestone(r) for _, r in milestones),
        resources=tuple(
            Resource(id=r["id"], capacity=float(r["capacity"]), name=r.get("name", ""))
            for _, r in resources
        ),
        target_types=tuple(
            TargetType(
                id=r["id"],
                prior=float(r["prior"]),
                name=r.get("name", ""),
                description=r.get("description", ""),
                overrides={k: float(v) for k, v in r.get("overrides", {}).items()},
                scale={k: float(v) for k, v in r.get("scale", {}).items()},
            )
            for _, r in types
        ),
        source=source,
    )
    labels = {
        "actors": [lb for lb, _ in actors],
        "instruments": [lb for lb, _ in instruments],
        "measures": [lb for lb, _ in measures],
        "milestones": [lb for lb, _ in milestones],
        "resources": [lb for lb, _ in resources],
        "target_types": [lb for lb, _ in types],
    }
    check_semantics(scenario, labels, c)
    _check_target_types(scenario, labels.get("target_types", []), c)
    if c.problems:
        raise ScenarioError(c.problems)
    return scenario


def _refs(c: Problems, path: str, ids: Iterable[str], known: set[str], what: str) -> None:
    for x in ids:
        if x not in known:
            near = difflib.get_close_matches(x, sorted(known), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            c.add(path, x, f"it names no {what}{hint}")


def _check_window(c: Problems, path: str, w: tuple[int, int] | None, k: int) -> None:
    if w is None:
        return
    if not (1 <= w[0] <= k and 1 <= w[1] <= k):
        c.add(path, list(w), f"both phases must lie in 1..{k} (the scenario has {k} phases)")
    elif w[0] > w[1]:
        c.add(path, list(w), "the first phase must not come after the last")


def _check_phase(c: Problems, path: str, v: int | None, k: int) -> None:
    if v is not None and not 1 <= v <= k:
        c.add(path, v, f"it must be a phase in 1..{k}")


def _find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """Return one directed cycle as a list of nodes (first == last), or None.

    Iterative depth-first search, so chains of any length are fine.
    """
    state: dict[str, int] = {}
    for root in graph:
        if root in state:
            continue
        stack: list[str] = [root]
        iters = [iter(graph.get(root, ()))]
        state[root] = 1
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                state[stack.pop()] = 2
                iters.pop()
                continue
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                state[nxt] = 1
                stack.append(nxt)
                iters.append(iter(graph.get(nxt, ())))
    return None


def check_semantics(s: Scenario, labels: Mapping[str, list[str]], c: Problems) -> None:
    """Cross-reference rules: ids, windows, lengths and precedence cycles.

    Parameters
    ----------
    s : Scenario
        Scenario built from type-checked fields.
    labels : Mapping
        Per section, the field-path label of each entry (for messages).
    c : Problems
        Where problems are recorded.
    """
    k = s.phases
    actor_ids = {a.id for a in s.actors}
    inst_ids = {i.id for i in s.instruments}
    meas_ids = {m.id for m in s.measures}
    mil_ids = {d.id for d in s.milestones}
    p = s.parameters
    if s.phase_names and len(s.phase_names) != k:
        c.add("phase_names", list(s.phase_names), f"it must have one name per phase ({k})")
    for key in ("min_progress", "max_progress", "min_relief"):
        v = getattr(p, key)
        if v and len(v) != k:
            c.add(f"parameters.{key}", list(v), f"it must have one entry per phase ({k})")
    if p.min_progress and p.max_progress and len(p.min_progress) == len(p.max_progress):
        for i, (lo, hi) in enumerate(zip(p.min_progress, p.max_progress, strict=True)):
            if lo > hi:
                c.add(
                    f"parameters.min_progress[{i}]",
                    lo,
                    f"it must not exceed parameters.max_progress[{i}] = {hi:g}",
                )
    _check_phase(c, "parameters.irreversible_from", p.irreversible_from, k)
    if isinstance(p.phase_years, tuple):
        if len(p.phase_years) != k:
            c.add(
                "parameters.phase_years",
                list(p.phase_years),
                f"it must have one entry per phase ({k})",
            )
        if p.annual_discount is None:
            c.plain(
                "parameters.annual_discount",
                "is missing; it is required when parameters.phase_years is a list "
                "(a per-phase discount is ambiguous when phases differ in length)",
            )
    for key in p.weights:
        if key not in WEIGHT_KEYS:
            c.add(f"parameters.weights.{key}", key, f"weights are {', '.join(WEIGHT_KEYS)}")
    for a, lb in zip(s.actors, labels["actors"], strict=True):
        _refs(c, f"{lb}.consent_requires", a.consent_requires, mil_ids, "milestone")
        _refs(c, f"{lb}.step_values", a.step_values, mil_ids, "milestone")
    for inst, lb in zip(s.instruments, labels["instruments"], strict=True):
        _refs(c, f"{lb}.veto_players", inst.veto_players, actor_ids, "actor")
        if isinstance(inst.credibility, tuple) and len(inst.credibility) != k:
            c.add(
                f"{lb}.credibility",
                list(inst.credibility),
                f"it must have one entry per phase ({k})",
            )
    for m, lb in zip(s.measures, labels["measures"], strict=True):
        _refs(c, f"{lb}.instrument", [m.instrument], inst_ids, "instrument")
        _refs(c, f"{lb}.consent", m.consent, actor_ids, "actor")
        _refs(c, f"{lb}.requires_measures", m.requires_measures, meas_ids, "measure")
        _refs(c, f"{lb}.after_measures", m.after_measures, meas_ids, "measure")
        _refs(c, f"{lb}.requires_milestones", m.requires_milestones, mil_ids, "milestone")
        _refs(c, f"{lb}.after_milestones", m.after_milestones, mil_ids, "milestone")
        _refs(c, f"{lb}.actor_costs", m.actor_costs, actor_ids, "actor")
        _refs(c, f"{lb}.enforcement_costs", m.enforcement_costs, actor_ids, "actor")
        _refs(c, f"{lb}.enforced_by", m.enforced_by, actor_ids, "actor")
        if sum(m.enforced_by.values()) > 1.0 + 1e-9:
            c.add(
                f"{lb}.enforced_by",
                dict(m.enforced_by),
                "the shares of the measure's pressure that actors' enforcement carries "
                "must add up to at most 1",
            )
        _check_window(c, f"{lb}.phase_window", m.phase_window, k)
        _check_phase(c, f"{lb}.mandatory_by", m.mandatory_by, k)
        _check_relief_kind(c, lb, m, meas_ids | mil_ids, inst_ids)
        if m.transformation != 0.0 and m.value == 0.0:
            c.add(
                f"{lb}.transformation",
                m.transformation,
                "it is a share of the measure's value, which is 0; set value or drop it",
            )
    for d, lb in zip(s.milestones, labels["milestones"], strict=True):
        _refs(c, f"{lb}.requires", d.requires, mil_ids, "milestone")
        _refs(c, f"{lb}.after", d.after, mil_ids, "milestone")
        _check_window(c, f"{lb}.phase_window", d.phase_window, k)
        _check_phase(c, f"{lb}.mandatory_by", d.mandatory_by, k)
        _refs(c, f"{lb}.uses", d.uses, {r.id for r in s.resources}, "resource")
        if d.duration > k:
            c.add(f"{lb}.duration", d.duration, f"it must not exceed the {k} phases")
        _refs(c, f"{lb}.supersedes", d.supersedes, mil_ids, "milestone")
        _refs(c, f"{lb}.raises_detection", d.raises_detection, mil_ids, "milestone")
        if d.id in d.raises_detection:
            c.add(f"{lb}.raises_detection", d.id, "a step cannot raise its own detection")
        if d.transformation != 0.0 and d.cost == 0.0:
            c.add(
                f"{lb}.transformation",
                d.transformation,
                "it is a share of the step's cost to the target, which is 0; set cost or drop it",
            )
    _check_unconditional(s, labels["measures"], c)
    _check_item_ids(s, labels, c)
    _check_bounds(s, labels, c)
    _check_cycles(s, c)
    if not c.problems:
        _check_chains(s, labels["milestones"], c)


UNCONDITIONAL_RULE = (
    "an unconditional measure is given from phase 1 and kept whatever the target does "
    "(docs/scenario.md, unconditional)"
)
"""The reason every refusal of :func:`_check_unconditional` starts with."""


def _check_unconditional(s: Scenario, labels: list[str], c: Problems) -> None:
    """An ``unconditional`` measure has nothing that ties it to the target's conduct.

    Refused on such a measure: a ``reversibility`` other than 0 (a snapback
    would take it back after a deviation), a ``phase_window`` other than
    ``[1, 1]`` and a ``mandatory_by`` other than 1 (relief promised for a later
    phase is relief a deviation before it forfeits), a ``snapback_instrument``,
    an ``ends_with`` (compliance would end the flow and a stall keep it),
    ``requires_milestones`` / ``after_milestones`` (conditions on steps),
    ``after_measures`` (a later phase), ``requires_measures`` naming a measure
    that is not unconditional, ``consent`` of an actor with
    ``consent_requires``, and a ``bundle`` with a measure that is not
    unconditional.
    """
    by_id = {m.id: m for m in s.measures}
    actors = {a.id: a for a in s.actors}
    for m, lb in zip(s.measures, labels, strict=True):
        if not m.unconditional:
            continue
        why = UNCONDITIONAL_RULE
        if m.reversibility != 0.0:
            c.add(
                f"{lb}.reversibility",
                m.reversibility,
                f"{why}, so no snapback claws it back; set reversibility = 0",
            )
        if m.phase_window is not None and m.phase_window != (1, 1):
            c.add(
                f"{lb}.phase_window",
                list(m.phase_window),
                f"{why}; relief promised for a later phase is lost by a deviation before "
                "it, i.e. conditional; drop phase_window (or give [1, 1])",
            )
        if m.mandatory_by is not None and m.mandatory_by != 1:
            c.add(
                f"{lb}.mandatory_by",
                m.mandatory_by,
                f"{why}: in phase 1 or not at all; set mandatory_by = 1 or drop it",
            )
        if m.snapback_instrument is not None:
            c.add(
                f"{lb}.snapback_instrument",
                m.snapback_instrument,
                f"{why}, so nothing snaps it back; drop snapback_instrument",
            )
        if m.ends_with is not None:
            c.add(
                f"{lb}.ends_with",
                m.ends_with,
                f"{why}; a flow that ends with an event would stop if the target complies "
                "and run on if it stalls; drop ends_with",
            )
        for key in ("requires_milestones", "after_milestones"):
            if getattr(m, key):
                c.add(
                    f"{lb}.{key}",
                    list(getattr(m, key)),
                    f"{why}, not conditioned on its steps; drop {key} (or unconditional)",
                )
        if m.after_measures:
            c.add(
                f"{lb}.after_measures",
                list(m.after_measures),
                f"{why}: in phase 1, so it cannot come strictly after another measure",
            )
        tied = [x for x in m.requires_measures if x in by_id and not by_id[x].unconditional]
        if tied:
            c.add(
                f"{lb}.requires_measures",
                list(m.requires_measures),
                f"{why}; it can require only unconditional measures, and {', '.join(tied)} is not",
            )
        for a in m.consent:
            if a in actors and actors[a].consent_requires:
                c.add(
                    f"{lb}.consent",
                    list(m.consent),
                    f"{why}; {a} consents only after {', '.join(actors[a].consent_requires)} "
                    "(consent_requires), which conditions it on steps",
                )
        if m.bundle is not None:
            other = [x.id for x in s.measures if x.bundle == m.bundle and not x.unconditional]
            if other:
                c.add(
                    f"{lb}.bundle",
                    m.bundle,
                    f"{why}; a bundle is granted together, so every measure of it must be "
                    f"unconditional, and {', '.join(other)} is not",
                )


def _check_target_types(s: Scenario, labels: list[str], c: Problems) -> None:
    """Priors in (0, 1] summing to 1; every override a known number path in its field's range."""
    if not s.target_types:
        return
    from solver.sensitivity.paths import bounds_text, in_bounds, parse_path

    total = 0.0
    for t, lb in zip(s.target_types, labels, strict=True):
        total += t.prior
        if t.prior <= 0.0:
            c.add(f"{lb}.prior", t.prior, "it must be > 0 (leave out a type that cannot be)")
        for path, value in t.overrides.items():
            where = f"{lb}.overrides.{path}"
            try:
                addrs = parse_path(path, s, wildcard=True)
            except KeyError as exc:
                c.add(where, value, str(exc.args[0]))
                continue
            for a in addrs:
                if not in_bounds(a.field, value):
                    c.add(where, value, f"{a.path} must be {bounds_text(a.field)}")
                    break
                if _unconditional_reversibility(s, a.section, a.id, a.field.name) and value:
                    c.add(where, value, f"{a.path} must stay 0: {UNCONDITIONAL_RULE}")
                    break
        for path, factor in t.scale.items():
            try:
                parse_path(path, s, wildcard=True)
            except KeyError as exc:
                c.add(f"{lb}.scale.{path}", factor, str(exc.args[0]))
        if not c.problems:
            from solver.robust.types import type_scenario

            try:
                type_scenario(s, t)
            except ScenarioError as exc:
                c.problems.extend(
                    f"{c.source}: {lb} gives {p.removeprefix('sample: ')}" for p in exc.problems
                )
    if abs(total - 1.0) > 1e-9:
        c.add(
            "target_types",
            [t.prior for t in s.target_types],
            f"the priors must sum to 1 (they sum to {total:.6g})",
        )


def _unconditional_reversibility(s: Scenario, section: str, ident: str | None, name: str) -> bool:
    """Whether the path ``section.ident.name`` is the reversibility of an unconditional measure."""
    if section != "measures" or name != "reversibility":
        return False
    return any(m.id == ident and m.unconditional for m in s.measures)


def _check_item_ids(s: Scenario, labels: Mapping[str, list[str]], c: Problems) -> None:
    """Measure and milestone ids share one namespace: plans and schedules name both."""
    measure_at = {m.id: lb for m, lb in zip(s.measures, labels["measures"], strict=True)}
    for d, lb in zip(s.milestones, labels["milestones"], strict=True):
        if d.id in measure_at:
            c.add(
                f"{lb}.id",
                d.id,
                f"ids must be unique across measures and milestones (plans and schedules "
                f"name both); {measure_at[d.id]} has it too",
            )


def _check_cycles(s: Scenario, c: Problems) -> None:
    mil_graph = {d.id: [*d.requires, *d.after] for d in s.milestones}
    cycle = _find_cycle(mil_graph)
    if cycle:
        c.plain(
            "milestones",
            f"have a precedence cycle: {' -> '.join(cycle)}; "
            "prerequisites must not depend on each other in a loop",
        )
    meas_graph = {m.id: [*m.requires_measures, *m.after_measures] for m in s.measures}
    cycle = _find_cycle(meas_graph)
    if cycle:
        c.plain(
            "measures",
            f"have a precedence cycle: {' -> '.join(cycle)}; "
            "prerequisites must not depend on each other in a loop",
        )


def _check_relief_kind(
    c: Problems, lb: str, m: Measure, item_ids: set[str], inst_ids: set[str]
) -> None:
    """Rules of one-off transfers, relief that ends with an event, snapback instruments."""
    if m.snapback_instrument is not None:
        _refs(c, f"{lb}.snapback_instrument", [m.snapback_instrument], inst_ids, "instrument")
    if m.once and m.reversibility != 0.0:
        c.add(
            f"{lb}.reversibility",
            m.reversibility,
            "a transfer is paid once and cannot be clawed back; set reversibility = 0",
        )
    if m.ends_with is None:
        return
    if m.once:
        c.add(f"{lb}.ends_with", m.ends_with, "only a flow can end; a transfer is paid once")
    elif m.ends_with == m.id:
        c.add(f"{lb}.ends_with", m.ends_with, "a measure cannot end with itself")
    else:
        _refs(c, f"{lb}.ends_with", [m.ends_with], item_ids, "measure or milestone")


def _check_chains(s: Scenario, labels: list[str], c: Problems) -> None:
    """``supersedes`` follows precedence, and the steps superseding one step form a chain.

    Doing a superseding step must imply the superseded one is done (so that
    the cap on what it restores is linear in the plan), and two steps that
    both cap the same step must be ordered by precedence (so the cap is the
    share of the most advanced one).
    """
    pre = s.prerequisites()
    capped_by: dict[str, list[str]] = {}
    for d, lb in zip(s.milestones, labels, strict=True):
        for e in d.supersedes:
            if e not in pre[d.id]:
                c.add(
                    f"{lb}.supersedes",
                    e,
                    f"{d.id} can only supersede its own prerequisites (requires/after, "
                    "directly or through others)",
                )
            else:
                capped_by.setdefault(e, []).append(d.id)
    for e, sups in capped_by.items():
        for i, a in enumerate(sups):
            for b in sups[i + 1 :]:
                if a not in pre[b] and b not in pre[a]:
                    c.plain(
                        "milestones",
                        f"{a} and {b} both supersede {e} but neither requires the other; "
                        "the steps superseding one step must form a chain",
                    )


MAX_MAGNITUDE = 1e9
"""Largest absolute value of a money amount or other magnitude (USD m, ratios, weights)."""

MAX_DISCOUNT = 1.0 - 1e-6
MIN_ANNUAL_DISCOUNT = 1e-6
"""The least annual discount a per-phase ``discount`` may imply (``discount ** (1 /
phase_years)``): below it the annual equivalent of a transfer overflows the solvers."""
"""Largest discount factor (per phase or per year)."""

PHASE_YEARS_RANGE = (1.0 / 365.0, 100.0)
"""Shortest and longest phase, in years (a day, a century)."""

_NUMERIC_KINDS = ("int", "number", "list[number]", "number|list[number]", "map[number]")

_BOUND_RULE = (
    "numeric bound: money amounts (USD m) and every other magnitude must lie in "
    "[-1e9, 1e9], beyond which the solvers' coefficients lose precision"
)


def _check_bounds(s: Scenario, labels: Mapping[str, list[str]], c: Problems) -> None:
    """Numeric sanity bounds the solvers can handle (``docs/scenario.md``, "Numeric bounds").

    Every number of the scenario (values, costs, other money amounts, ratios,
    weights, capacities) has ``|x| <= MAX_MAGNITUDE``; ``discount`` and
    ``annual_discount`` are at most ``MAX_DISCOUNT``; each ``phase_years``
    lies in ``PHASE_YEARS_RANGE``.
    """
    rows: list[tuple[str, Any, tuple[Field, ...]]] = [
        ("", s, TOP),
        ("parameters.", s.parameters, PARAMETERS),
    ]
    for key, fields in (
        ("actors", ACTOR),
        ("instruments", INSTRUMENT),
        ("measures", MEASURE),
        ("milestones", MILESTONE),
        ("resources", RESOURCE),
    ):
        for obj, lb in zip(getattr(s, key), labels[key], strict=True):
            rows.append((f"{lb}.", obj, fields))
    for prefix, obj, fields in rows:
        for f in fields:
            v = getattr(obj, f.name, None)
            if f.name == "phase_years" or f.kind not in _NUMERIC_KINDS:
                continue  # phase_years has its own bound below
            if isinstance(v, Mapping):
                items = [(f"{prefix}{f.name}.{k}", x) for k, x in v.items()]
            elif isinstance(v, tuple | list):
                items = [(f"{prefix}{f.name}[{i}]", x) for i, x in enumerate(v)]
            else:
                items = [(f"{prefix}{f.name}", v)]
            for path, x in items:
                if _is_number(x) and abs(x) > MAX_MAGNITUDE:
                    c.add(path, x, _BOUND_RULE)
    p = s.parameters
    for key in ("discount", "annual_discount"):
        v = getattr(p, key)
        if v is not None and v > MAX_DISCOUNT:
            c.add(
                f"parameters.{key}",
                v,
                "numeric bound: a discount factor must be <= 1 - 1e-6 (closer to 1, "
                "delta / (1 - delta) grows past what the solvers resolve)",
            )
    years = p.phase_years if isinstance(p.phase_years, tuple) else (p.phase_years,)
    lo, hi = PHASE_YEARS_RANGE
    bad_years = False
    for i, y in enumerate(years):
        if not lo <= y <= hi:
            bad_years = True
            tail = f"[{i}]" if isinstance(p.phase_years, tuple) else ""
            c.add(
                f"parameters.phase_years{tail}",
                y,
                "numeric bound: a phase must last between 1/365 and 100 years",
            )
    if p.annual_discount is None and not bad_years and years and 0.0 < p.discount < 1.0:
        beta = p.discount ** (1.0 / float(years[0]))
        if beta < MIN_ANNUAL_DISCOUNT:
            c.add(
                "parameters.discount",
                p.discount,
                f"numeric bound: per phase of {float(years[0]):g} years it is an annual "
                f"discount of {beta:.3g}, below {MIN_ANNUAL_DISCOUNT:g} (a year then weighs "
                "nothing; a transfer's annual equivalent v (1 - beta) / beta passes what the "
                "solvers resolve); give a discount per phase closer to 1, or annual_discount",
            )
