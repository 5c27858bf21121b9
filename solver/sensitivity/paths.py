"""Address scenario parameters by path and build scenario variants from them.

A path names one number in a scenario:

* ``discount``, ``reciprocity``, ``irreversibility_ratio``,
  ``reversibility_threshold`` (short for ``parameters.<name>``);
* ``parameters.<name>``;
* ``<section>.<id>.<field>`` with section ``measures``, ``milestones``,
  ``instruments`` or ``actors`` (e.g. ``measures.R08.value``,
  ``milestones.M03.detection``, ``instruments.unsc_snapback.credibility``).

Only fields of kind ``number`` in :mod:`solver.schema` can vary.  Variants
are built with :func:`dataclasses.replace`; the original scenario is never
modified.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, NamedTuple

from solver.scenario import Scenario, ScenarioError
from solver.schema import ACTOR, INSTRUMENT, MEASURE, MILESTONE, PARAMETERS, Field

ENTITY_SECTIONS: dict[str, tuple[Field, ...]] = {
    "measures": MEASURE,
    "milestones": MILESTONE,
    "instruments": INSTRUMENT,
    "actors": ACTOR,
}
"""Sections whose entries are addressed as ``<section>.<id>.<field>``."""

SHORT_PARAMETERS = ("discount", "reciprocity", "irreversibility_ratio", "reversibility_threshold")
"""Global parameters that may be named without the ``parameters.`` prefix."""


class Address(NamedTuple):
    """A parsed path: section, entry id (``None`` for ``parameters``) and field."""

    section: str
    id: str | None
    field: Field

    @property
    def path(self) -> str:
        """The canonical path string."""
        if self.id is None:
            return f"parameters.{self.field.name}"
        return f"{self.section}.{self.id}.{self.field.name}"


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


_VARIABLE = ("number", "number|list[number]")
"""Field kinds a path may vary (a per-phase list only where the scenario gives one number)."""


def _number_field(fields: tuple[Field, ...], name: str, where: str) -> Field:
    by_name = {f.name: f for f in fields}
    numbers = [f.name for f in fields if f.kind in _VARIABLE]
    if name not in by_name:
        raise KeyError(f"{where} has no field {name!r}{_suggest(name, numbers)}")
    if by_name[name].kind not in _VARIABLE:
        raise KeyError(
            f"{where}.{name} is a {by_name[name].kind} field; only numbers can vary "
            f"(numbers: {', '.join(numbers)})"
        )
    return by_name[name]


def parse_path(path: str, scenario: Scenario, *, wildcard: bool = False) -> list[Address]:
    """Resolve ``path`` against ``scenario``.

    Parameters
    ----------
    path : str
        A parameter path (see the module docstring); with ``wildcard`` the id
        may be ``*`` (every entry of the section).
    scenario : Scenario
        The scenario whose ids the path must name.
    wildcard : bool, optional
        Accept ``*`` as the id.

    Returns
    -------
    list of Address
        One address, or one per entry for a wildcard.

    Raises
    ------
    KeyError
        With a message naming the unknown part and the nearest known name.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> s = load_scenario(default_scenario_path())
    >>> parse_path("discount", s)[0].path
    'parameters.discount'
    """
    parts = path.split(".")
    if len(parts) == 1 and parts[0] in SHORT_PARAMETERS:
        parts = ["parameters", parts[0]]
    if len(parts) == 2 and parts[0] == "parameters":
        return [Address("parameters", None, _number_field(PARAMETERS, parts[1], "parameters"))]
    sections = [*ENTITY_SECTIONS, "parameters", *SHORT_PARAMETERS]
    if len(parts) != 3 or parts[0] not in ENTITY_SECTIONS:
        hint = _suggest(parts[0], sections)
        raise KeyError(
            f"it is not a known path{hint}; use <section>.<id>.<field> with section one of "
            f"{', '.join(ENTITY_SECTIONS)}, or parameters.<name>, or {', '.join(SHORT_PARAMETERS)}"
        )
    section, ident, name = parts
    fld = _number_field(ENTITY_SECTIONS[section], name, section)
    ids = [x.id for x in getattr(scenario, section)]
    # an unconditional measure's reversibility is 0 by definition: never varied
    fixed = (
        {m.id for m in scenario.measures if m.unconditional}
        if section == "measures" and name == "reversibility"
        else set()
    )
    if ident == "*" and wildcard:
        return [Address(section, i, fld) for i in ids if i not in fixed]
    if ident not in ids:
        raise KeyError(f"the scenario has no {section[:-1]} {ident!r}{_suggest(ident, ids)}")
    if ident in fixed:
        raise KeyError(
            f"measure {ident!r} is unconditional, so its reversibility is 0 by definition (an "
            "unconditional measure is given from phase 1 and kept whatever the target does)"
        )
    return [Address(section, ident, fld)]


def current_value(scenario: Scenario, address: Address) -> float | None:
    """Return the value ``address`` has in ``scenario`` (``None`` when unset).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    address : Address
        A resolved path.

    Returns
    -------
    float or None
        The number, or ``None`` for an optional field left unset.
    """
    if address.id is None:
        value = getattr(scenario.parameters, address.field.name)
    else:
        entry = next(x for x in getattr(scenario, address.section) if x.id == address.id)
        value = getattr(entry, address.field.name)
    if isinstance(value, tuple):
        raise KeyError(
            f"{address.field.name} is a per-phase list in this scenario; only a single "
            "number can vary"
        )
    return None if value is None else float(value)


def in_bounds(fld: Field, value: float) -> bool:
    """Return whether ``value`` respects the bounds of schema field ``fld``.

    Parameters
    ----------
    fld : Field
        The schema field.
    value : float
        A candidate value.

    Returns
    -------
    bool
        ``True`` when inside the (inclusive or exclusive) bounds.
    """
    lo, hi = fld.minimum, fld.maximum
    if fld.exclusive:
        return (lo is None or value > lo) and (hi is None or value < hi)
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def bounds_text(fld: Field) -> str:
    """Describe the allowed range of ``fld`` in words (for error messages)."""
    lo, hi = fld.minimum, fld.maximum
    if lo is not None and hi is not None:
        return f"strictly between {lo:g} and {hi:g}" if fld.exclusive else f"in [{lo:g}, {hi:g}]"
    if lo is not None:
        return f"> {lo:g}" if fld.exclusive else f">= {lo:g}"
    return "finite"


def apply_sample(scenario: Scenario, sample: Mapping[str, float]) -> Scenario:
    """Return a variant of ``scenario`` with the numbers in ``sample`` replaced.

    Parameters
    ----------
    scenario : Scenario
        The base scenario (unchanged).
    sample : Mapping[str, float]
        Concrete path (no wildcards) -> new value.

    Returns
    -------
    Scenario
        A new scenario built with :func:`dataclasses.replace`.

    Raises
    ------
    ScenarioError
        For an unknown path or a value outside its field's range.

    See Also
    --------
    SampleApplier : the same for many samples of one scenario (paths resolved once).

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> s = load_scenario(default_scenario_path())
    >>> apply_sample(s, {"measures.R08.value": 1.0}).measure("R08").value
    1.0
    """
    return SampleApplier(scenario)(sample)


class SampleApplier:
    """Build many variants of one scenario (what :func:`apply_sample` does, faster).

    Paths are resolved against the scenario once and remembered, so a sweep
    pays for parsing each path once, not once per sample.

    Parameters
    ----------
    scenario : Scenario
        The base scenario (never modified).

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> s = load_scenario(default_scenario_path())
    >>> make = SampleApplier(s)
    >>> make({"discount": 0.8}).parameters.discount, make({}) is s
    (0.8, True)
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._addresses: dict[str, Address] = {}
        self._position = {
            section: {x.id: i for i, x in enumerate(getattr(scenario, section))}
            for section in ENTITY_SECTIONS
        }

    def _address(self, path: str) -> Address:
        addr = self._addresses.get(path)
        if addr is None:
            (addr,) = parse_path(path, self.scenario)
            self._addresses[path] = addr
        return addr

    def __call__(self, sample: Mapping[str, float]) -> Scenario:
        """Return the variant for ``sample`` (see :func:`apply_sample`).

        Parameters
        ----------
        sample : Mapping[str, float]
            Concrete path (no wildcards) -> new value.

        Returns
        -------
        Scenario
            The variant (the base scenario itself for an empty sample).

        Raises
        ------
        ScenarioError
            For an unknown path or a value outside its field's range.
        """
        scenario = self.scenario
        params: dict[str, Any] = {}
        entities: dict[str, dict[str, dict[str, float]]] = {}
        problems = []
        for path, value in sample.items():
            try:
                addr = self._address(path)
            except KeyError as exc:
                problems.append(f"sample: {path} is {value!r}; {exc.args[0]}")
                continue
            x = float(value)
            if not in_bounds(addr.field, x):
                rule = bounds_text(addr.field)
                problems.append(f"sample: {path} is {value!r}; it must be {rule}")
            elif addr.id is None:
                params[addr.field.name] = x
            else:
                entities.setdefault(addr.section, {}).setdefault(addr.id, {})[addr.field.name] = x
        if problems:
            raise ScenarioError(problems)
        changes: dict[str, Any] = {}
        if params:
            changes["parameters"] = replace(scenario.parameters, **params)
        for section, by_id in entities.items():
            entries = list(getattr(scenario, section))
            position = self._position[section]
            for ident, fields in by_id.items():
                i = position[ident]
                entries[i] = replace(entries[i], **fields)
            changes[section] = tuple(entries)
        return replace(scenario, **changes) if changes else scenario
