"""Plans: the schedule, the solve result and plan files.

:class:`Schedule` is the bare assignment (phase per measure and milestone, or
never).  :class:`Plan` is what :func:`solver.solve` returns: a status and,
when there is one, a schedule with its leverage per phase.  Everything
downstream (the verifier in :mod:`solver.verify`, the game check, reports)
consumes these, never a backend's raw output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solver.backends.base import Status, relative_gap
from solver.io import dumps_json
from solver.payoffs import PhaseValues, coefficients, phase_values, state_matrices
from solver.scenario import Scenario, ScenarioError, read_document


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

    @property
    def gap(self) -> float | None:
        """Relative gap ``|bound - objective| / max(1, |objective|)`` (:func:`relative_gap`)."""
        return relative_gap(self.objective, self.bound)

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
            ``phase_range_complete`` (``false``: stopped at the time limit).
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
        }


def schedule_from_dict(doc: Mapping[str, Any], scenario: Scenario, source: str) -> Schedule:
    """Build a schedule from a plan document, checking ids and phases.

    Two shapes are accepted: the ``relief solve --json`` document (a
    ``phases`` list of ``{"phase", "measures", "milestones"}``) and a plain
    plan with ``[measures]`` and ``[milestones]`` tables mapping id to phase.
    Anything not listed is never granted / never done.

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
    """
    problems: list[str] = []
    meas: dict[str, int | None] = {}
    mil: dict[str, int | None] = {}
    pairs: list[tuple[str, str, Any]] = []
    if "phases" in doc and isinstance(doc["phases"], list):
        for i, row in enumerate(doc["phases"]):
            if not isinstance(row, dict) or not isinstance(row.get("phase"), int):
                problems.append(f"{source}: phases[{i}] is {row!r}; it needs an integer 'phase'")
                continue
            for key in ("measures", "milestones"):
                for x in row.get(key, []):
                    pairs.append((key, f"phases[{i}].{key}", (x, row["phase"])))
    else:
        for key in ("measures", "milestones"):
            table = doc.get(key, {})
            if not isinstance(table, dict):
                problems.append(f"{source}: {key} is {table!r}; it must map ids to phases")
                continue
            for x, k in table.items():
                pairs.append((key, f"{key}.{x}", (x, k)))
    known = {
        "measures": {m.id for m in scenario.measures},
        "milestones": {d.id for d in scenario.milestones},
    }
    for key, path, (x, k) in pairs:
        target = meas if key == "measures" else mil
        if x not in known[key]:
            problems.append(f"{source}: {path} is {x!r}; the scenario has no such {key[:-1]}")
        elif not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= scenario.phases:
            problems.append(
                f"{source}: {path} is {k!r}; it must be a phase in 1..{scenario.phases}"
            )
        elif x in target:
            problems.append(f"{source}: {path} is {x!r}; it is listed twice")
        else:
            target[x] = k
    if problems:
        raise ScenarioError(problems)
    return Schedule(
        measures={m.id: meas.get(m.id) for m in scenario.measures},
        milestones={d.id: mil.get(d.id) for d in scenario.milestones},
    )


def load_schedule(path: str | Path, scenario: Scenario) -> Schedule:
    """Read a plan file (TOML or JSON) for ``scenario``; see :func:`schedule_from_dict`."""
    return schedule_from_dict(read_document(path), scenario, str(path))


def dumps(plan: Plan) -> str:
    """Serialise ``plan`` to the indented JSON document of ``--json``/``--out``.

    Strict JSON: an undefined number (say the objective of a plan evaluated
    without a finite one) is ``null``, and the plan's ``message`` says why.
    """
    return dumps_json(plan.to_dict(), indent=2)
