"""Plans: the schedule, the solve result and plan files.

:class:`Schedule` is the bare assignment (phase per measure and milestone, or
never).  :class:`Plan` is what :func:`solver.solve` returns: a status and,
when there is one, a schedule with its leverage per phase.  Everything
downstream (the verifier in :mod:`solver.verify`, the game check, reports)
consumes these, never a backend's raw output.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solver.backends.base import Status, relative_gap
from solver.io import dumps_json
from solver.payoffs import PhaseValues, coefficients, phase_values, state_matrices
from solver.scenario import Scenario, ScenarioError, read_document
from solver.validate import Problems


@dataclass(frozen=True)
class Schedule:
    """Phase in which each measure is granted and each milestone is done.

    Attributes
    ----------
    measures : Mapping[str, int | None]
        Measure id -> phase granted (``None``: never).
    milestones : Mapping[str, int | None]
        Milestone id -> phase completed (``None``: never).
    """

    measures: Mapping[str, int | None]
    milestones: Mapping[str, int | None]

    def values(self, scenario: Scenario) -> PhaseValues:
        """Return the payoff quantities of this schedule under ``scenario``."""
        y, z = self.matrices(scenario)
        return phase_values(coefficients(scenario), y, z)

    def matrices(self, scenario: Scenario) -> tuple[Any, Any]:
        """Return the 0/1 state matrices ``(Y, Z)`` in scenario order."""
        return state_matrices(
            [self.measures.get(m.id) for m in scenario.measures],
            [self.milestones.get(d.id) for d in scenario.milestones],
            scenario.phases,
        )


@dataclass(frozen=True)
class Plan:
    """The result of :func:`solver.solve` (or of evaluating a given schedule).

    Attributes
    ----------
    status : Status
        ``OPTIMAL``, ``FEASIBLE`` (time-limited incumbent), ``INFEASIBLE``,
        ``TIME_LIMIT`` (no incumbent) or ``ERROR``.
    message : str
        Explanation, including the backend's raw status.
    scenario : Scenario
        The scenario solved.
    schedule : Schedule or None
        The phasing (``None`` without a solution).
    objective, bound : float or None
        Objective value and best bound, in the objective's units.
    backend, formulation, objective_name : str
        How it was solved.
    timings : Mapping[str, float]
        Seconds for ``build``, ``solve`` and ``verify``.
    explanation : tuple of str
        For infeasible scenarios: the conflicting constraints, in words.
    violations : tuple of str
        What the verifier found wrong (empty for a valid plan).
    nodes : int or None
        Branch-and-bound nodes, when the backend reports them.
    levels : tuple of float
        For a lexicographic objective (``leverage``): the plan's leverages
        sorted ascending, the vector leximin maximises (``objective`` is the
        first); empty otherwise.
    phase_range : Mapping[str, tuple[int | None, int | None]] or None
        Item id -> ``(earliest, latest)`` phase it takes over the plans within
        1 % of the optimum (:func:`solver.ranges.phase_ranges`); ``None``
        stands for *never* and sorts after phase ``K``.  ``None`` when not
        computed.
    ranges_complete : bool or None
        Whether every range end is proven (``False``: the probes stopped at
        the time limit and the ranges are the phases found so far);
        ``None`` without ranges.
    cut : tuple of str
        The stages the time limit stopped or skipped, in order (for example
        ``"solve"``, ``"incentive round 2"``, ``"ranges"``,
        ``"explanation"``); empty when nothing was cut.
    """

    status: Status
    message: str
    scenario: Scenario
    schedule: Schedule | None = None
    objective: float | None = None
    bound: float | None = None
    backend: str = ""
    formulation: str = "step"
    objective_name: str = "leverage"
    timings: Mapping[str, float] = field(default_factory=dict)
    explanation: tuple[str, ...] = ()
    violations: tuple[str, ...] = ()
    nodes: int | None = None
    levels: tuple[float, ...] = ()
    phase_range: Mapping[str, tuple[int | None, int | None]] | None = None
    ranges_complete: bool | None = None
    cut: tuple[str, ...] = ()

    @property
    def gap(self) -> float | None:
        """Relative gap ``|bound - objective| / max(1, |objective|)`` (:func:`relative_gap`)."""
        return relative_gap(self.objective, self.bound)

    def _repr_html_(self) -> str:
        """HTML for Jupyter: status, objective and one row per phase (:mod:`solver.notebook`)."""
        from solver.notebook import plan_html

        return plan_html(self)

    def to_frame(self, by: str = "phase") -> Any:
        """The plan as a pandas DataFrame, one row per phase or per item.

        Parameters
        ----------
        by : {"phase", "item"}, optional
            Rows per phase (default) or per milestone and measure; the
            columns and units are :func:`solver.notebook.plan_frame`'s.

        Returns
        -------
        pandas.DataFrame
            The rows (needs the ``notebook`` extra).
        """
        from solver.notebook import plan_frame

        return plan_frame(self, by)

    def phases(self) -> list[dict[str, Any]]:
        """Per phase: measures granted, milestones done, leverage and the best deviation."""
        if self.schedule is None:
            return []
        s, sch = self.scenario, self.schedule
        pv = sch.values(s)
        return [
            {
                "phase": k,
                "name": s.phase_names[k - 1] if s.phase_names else "",
                "measures": [m.id for m in s.measures if sch.measures.get(m.id) == k],
                "milestones": [d.id for d in s.milestones if sch.milestones.get(d.id) == k],
                "leverage": round(float(pv.leverage[k - 1]), 6),
                "best_deviation": {
                    "kind": pv.deviation[k - 1],
                    "reverses": [
                        d.id for d, r in zip(s.milestones, pv.reversed[k - 1], strict=True) if r
                    ],
                    "detection": float(pv.detection[k - 1]),
                },
            }
            for k in range(1, s.phases + 1)
        ]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON document printed by ``relief solve --json``.

        Returns
        -------
        dict
            Keys ``status``, ``objective``, ``bound``, ``gap``, ``backend``,
            ``formulation``, ``objective_name``, ``scenario``, ``phases``,
            ``never``, ``timings``, ``explanation``, ``violations``,
            ``levels`` (sorted leverages of a leximin plan, else ``[]``),
            ``phase_range``: item id -> ``[earliest, latest]`` (``null`` for
            never), or ``null`` when the ranges were not computed, and
            ``phase_range_complete`` (``false``: stopped at the time limit)
            and ``cut`` (the stages the time limit stopped or skipped).
        """
        never: list[str] = []
        if self.schedule is not None:
            never = [
                m.id for m in self.scenario.measures if self.schedule.measures.get(m.id) is None
            ]
        return {
            "status": self.status.value,
            "message": self.message,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "backend": self.backend,
            "formulation": self.formulation,
            "objective_name": self.objective_name,
            "scenario": {
                "name": self.scenario.name,
                "source": self.scenario.source,
                "sha256": self.scenario.digest(),
            },
            "phases": self.phases(),
            "never": never,
            "never_milestones": []
            if self.schedule is None
            else [
                d.id for d in self.scenario.milestones if self.schedule.milestones.get(d.id) is None
            ],
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
            "nodes": self.nodes,
            "explanation": list(self.explanation),
            "violations": list(self.violations),
            "levels": [round(v, 6) for v in self.levels],
            "phase_range": None
            if self.phase_range is None
            else {k: [lo, hi] for k, (lo, hi) in self.phase_range.items()},
            "phase_range_complete": self.ranges_complete,
            "cut": list(self.cut),
        }


PLAN_TABLES: tuple[str, ...] = ("measures", "milestones")
"""The tables of a plan file of the first shape (id -> phase)."""

DOCUMENT_KEYS: tuple[str, ...] = (
    "status",
    "message",
    "objective",
    "bound",
    "gap",
    "backend",
    "formulation",
    "objective_name",
    "scenario",
    "phases",
    "never",
    "never_milestones",
    "timings",
    "nodes",
    "explanation",
    "violations",
    "levels",
    "phase_range",
    "phase_range_complete",
    "cut",
)
"""Top-level keys of the ``relief solve --json`` document (:meth:`Plan.to_dict`)."""

EXTRA_DOCUMENT_KEYS: tuple[str, ...] = ("robust",)
"""Keys other commands add to that document and plan files accept (``robust``:
``relief solve --robust``, :mod:`solver.robust.cli`)."""

ROW_KEYS: tuple[str, ...] = (
    "phase",
    "name",
    "measures",
    "milestones",
    "leverage",
    "best_deviation",
)
"""Keys of one row of its ``phases`` list (:meth:`Plan.phases`)."""


class _Problems(Problems):
    """A plan file's problems (:class:`solver.validate.Problems`), with unknown keys too."""

    def unknown_keys(self, prefix: str, obj: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
        for key in obj:
            if key not in allowed:
                near = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                self.plain(
                    f"{prefix}{key}", f"is not a known field{hint}; allowed: {', '.join(allowed)}"
                )


def _is_phase(k: Any, phases: int) -> bool:
    return isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= phases


def plan_shape(doc: Any) -> str | None:
    """Say which plan-file shape a parsed document has, if any.

    Parameters
    ----------
    doc : Any
        A parsed TOML or JSON document.

    Returns
    -------
    str or None
        ``"tables"`` (``[measures]``/``[milestones]`` tables, nothing else),
        ``"document"`` (a ``relief solve --json`` document: a ``phases`` list
        of rows with a ``phase``), or ``None`` when it looks like neither
        (a scenario, say).

    Examples
    --------
    >>> plan_shape({"measures": {"R1": 1}})
    'tables'
    >>> plan_shape({"phases": [{"phase": 1, "measures": ["R1"]}]})
    'document'
    >>> plan_shape({"name": "x", "phases": 3, "measures": [{"id": "R1"}]}) is None
    True
    """
    if not isinstance(doc, Mapping) or not doc:
        return None
    if set(doc) <= set(PLAN_TABLES) and all(isinstance(v, Mapping) for v in doc.values()):
        return "tables"
    rows = doc.get("phases")
    if (
        isinstance(rows, list)
        and all(isinstance(r, Mapping) and "phase" in r for r in rows)
        and set(doc) <= set(DOCUMENT_KEYS) | set(EXTRA_DOCUMENT_KEYS)
    ):
        return "document"
    return None


def _document_pairs(
    c: _Problems, doc: Mapping[str, Any], phases: int
) -> list[tuple[str, str, Any, Any]]:
    """``(kind, field, id, phase)`` of a ``relief solve --json`` document's rows."""
    c.unknown_keys("", doc, (*DOCUMENT_KEYS, *EXTRA_DOCUMENT_KEYS))
    rows = doc["phases"]
    if not isinstance(rows, list):
        c.add("phases", rows, "it must be a list of {phase, measures, milestones} objects")
        return []
    pairs: list[tuple[str, str, Any, Any]] = []
    seen: dict[int, int] = {}
    for i, row in enumerate(rows):
        at = f"phases[{i}]"
        if not isinstance(row, Mapping):
            c.add(at, row, "it must be an object with an integer 'phase'")
            continue
        c.unknown_keys(f"{at}.", row, ROW_KEYS)
        k: Any = row.get("phase")
        if "phase" not in row:
            c.plain(f"{at}.phase", "is missing; every row names its phase")
        elif not _is_phase(k, phases):
            c.add(f"{at}.phase", k, f"it must be a phase in 1..{phases}")
        elif k in seen:
            c.add(f"{at}.phase", k, f"phase {k} is already listed at phases[{seen[k]}]")
        else:
            seen[k] = i
        for kind in PLAN_TABLES:
            if kind not in row:
                continue
            ids = row[kind]
            if not isinstance(ids, list):
                c.add(f"{at}.{kind}", ids, f"it must be a list of {kind[:-1]} ids")
                continue
            for j, x in enumerate(ids):
                if isinstance(x, str):
                    pairs.append((kind, f"{at}.{kind}[{j}]", x, k))
                else:
                    c.add(f"{at}.{kind}[{j}]", x, f"it must be a {kind[:-1]} id (a string)")
    return [p for p in pairs if _is_phase(p[3], phases)]  # a bad phase is reported once


def _table_pairs(c: _Problems, doc: Mapping[str, Any]) -> list[tuple[str, str, Any, Any]]:
    """``(kind, field, id, phase)`` of the ``[measures]``/``[milestones]`` tables."""
    c.unknown_keys("", doc, PLAN_TABLES)
    pairs: list[tuple[str, str, Any, Any]] = []
    for kind in PLAN_TABLES:
        if kind not in doc:
            continue
        table = doc[kind]
        if not isinstance(table, Mapping):
            c.add(kind, table, f"it must be a table mapping each {kind[:-1]} id to its phase")
            continue
        pairs.extend((kind, f"{kind}.{x}", x, k) for x, k in table.items())
    return pairs


def schedule_from_dict(doc: Mapping[str, Any], scenario: Scenario, source: str) -> Schedule:
    """Build a schedule from a plan document, checking its shape, ids and phases.

    Two shapes are accepted: a plain plan with ``[measures]`` and
    ``[milestones]`` tables mapping id to phase (nothing else), and the
    ``relief solve --json`` document (a ``phases`` list of ``{"phase",
    "measures", "milestones"}`` rows, besides the document's other keys).
    Anything not listed is never granted / never done.  Unknown tables and
    keys are refused with a "did you mean" (a misspelt ``[measure]`` is not
    read as "nothing granted"), and so are ids the scenario does not have,
    phases outside ``1..K``, ids listed twice, and values of the wrong type.

    Parameters
    ----------
    doc : Mapping
        Parsed plan file.
    scenario : Scenario
        The scenario the plan refers to.
    source : str
        File name for messages.

    Returns
    -------
    Schedule
        The schedule.

    Raises
    ------
    ScenarioError
        Naming the file, field, value and rule for every problem.

    Examples
    --------
    >>> from solver import default_scenario_path, load_scenario
    >>> s = load_scenario(default_scenario_path())
    >>> try:
    ...     schedule_from_dict({"measure": {"R01": 1}}, s, "p.toml")
    ... except ScenarioError as exc:
    ...     for part in exc.problems[0].split("; "):
    ...         print(part)
    p.toml: measure is not a known field (did you mean 'measures'?)
    allowed: measures, milestones
    """
    c = _Problems(source)
    if not isinstance(doc, Mapping):
        c.add("the document", doc, "it must be a table/object")
        raise ScenarioError(c.problems)
    if not doc:
        c.plain(
            "the document",
            "is empty; a plan has [measures] and [milestones] tables mapping ids to phases "
            "(write both, empty, for a plan that grants and demands nothing)",
        )
        raise ScenarioError(c.problems)
    pairs = _document_pairs(c, doc, scenario.phases) if "phases" in doc else _table_pairs(c, doc)
    ids = {
        "measures": [m.id for m in scenario.measures],
        "milestones": [d.id for d in scenario.milestones],
    }
    known = {kind: set(v) for kind, v in ids.items()}
    found: dict[str, dict[str, int | None]] = {"measures": {}, "milestones": {}}
    for kind, path, x, k in pairs:
        target = found[kind]
        if x not in known[kind]:
            other = "milestones" if kind == "measures" else "measures"
            if x in known[other]:
                hint = f" ({x!r} is a {other[:-1]}: list it under {other})"
            else:
                near = difflib.get_close_matches(str(x), ids[kind], n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
            c.add(path, x, f"the scenario has no such {kind[:-1]}{hint}")
        elif not _is_phase(k, scenario.phases):
            c.add(path, k, f"it must be a phase in 1..{scenario.phases}")
        elif x in target:
            c.add(path, x, "it is listed twice")
        else:
            target[x] = k
    if c.problems:
        raise ScenarioError(c.problems)
    return Schedule(
        measures={m.id: found["measures"].get(m.id) for m in scenario.measures},
        milestones={d.id: found["milestones"].get(d.id) for d in scenario.milestones},
    )


def load_schedule(path: str | Path, scenario: Scenario) -> Schedule:
    """Read a plan file (TOML or JSON) for ``scenario``; see :func:`schedule_from_dict`.

    Parameters
    ----------
    path : str or Path
        The plan file (``.json`` is read as JSON, anything else as TOML).
    scenario : Scenario
        The scenario the plan refers to.

    Returns
    -------
    Schedule
        The schedule.

    Raises
    ------
    ScenarioError
        When the file cannot be read or parsed, or breaks a rule.
    """
    return schedule_from_dict(read_document(path), scenario, str(path))


def dumps(plan: Plan) -> str:
    """Serialise ``plan`` to the indented JSON document of ``--json``/``--out``.

    Strict JSON: an undefined number (say the objective of a plan evaluated
    without a finite one) is ``null``, and the plan's ``message`` says why.
    """
    return dumps_json(plan.to_dict(), indent=2)
