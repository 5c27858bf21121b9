"""Build a report: solve, compare, check incentives, read sweeps, render, write atomically.

:func:`build_report` is the entry point behind ``relief report``.  All the
work (solving, checking, drawing, rendering) happens in memory first; the
three files are then written into a temporary sibling folder that takes the
output folder's place in one atomic swap (:func:`solver.io.replace_folder`),
so the folder holds the old report or the new one, never a mix, and a failure
leaves no temporary behind.  An output folder holding other files is refused
before any work (the swap would remove them).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from solver.io import WriteError, check_replaceable_folder, dumps_json, replace_folder
from solver.plan import Plan, Schedule, load_schedule
from solver.report.collect import (
    REPORT_VERSION,
    catalogue,
    comparison_rows,
    plan_section,
    provenance,
    sources_used,
)
from solver.report.sensitivity import check_scenario, load_sensitivity, merge
from solver.scenario import Scenario, ScenarioError, load_scenario
from solver.solve import evaluate, solve

REPORT_FILES = ("report.html", "report.md", "report.json")
"""The files a report consists of."""


def default_comparison() -> Path:
    """Return the proposal's own phasing of the default scenario (``models/plans/``)."""
    from solver.shipped import MODELS_DIR

    return MODELS_DIR / "plans" / "proposal_2018.toml"


def annuity(scenario: Scenario) -> list[float]:
    """``G_k`` per phase: the value at the end of phase ``k`` of 1 USD m a year from then on.

    The report divides a margin at the end of phase ``k`` by ``G_k`` to show it
    per year (:class:`solver.timeline.Timeline`, the target's discounting).

    Parameters
    ----------
    scenario : Scenario
        The scenario.

    Returns
    -------
    list of float
        ``G_1..G_K`` in years.
    """
    from solver.timeline import Timeline

    tl = Timeline(scenario.phase_lengths(), scenario.annual_discount())
    return [float(g) for g in tl.annuity]


def assemble(
    scenario: Scenario,
    plan: Plan,
    *,
    comparison: tuple[str, Schedule] | None = None,
    sensitivity: dict[str, Any] | None = None,
    objective: str | None = None,
    spec: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Gather the report document (what ``report.json`` holds) for a solved plan.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    plan : Plan
        The optimized plan (from :func:`solver.solve`); the report never
        re-solves.
    comparison : (str, Schedule), optional
        A plan to compare with: its source (file name) and schedule.
    sensitivity : dict, optional
        Sweep results in the contract of :mod:`solver.report.sensitivity`.
    objective : str, optional
        Objective to score the comparison with (default: the scenario's).
    spec : dict, optional
        The report's options, recorded under ``provenance.spec.report``.

    Returns
    -------
    dict
        The report document.
    """
    backend = plan.backend
    plans = [plan_section("optimized", "Optimized plan", f"relief solve ({backend})", plan)]
    if comparison is not None:
        source, schedule = comparison
        other = evaluate(scenario, schedule, objective=objective)
        plans.append(plan_section("comparison", f"Compared: {Path(source).stem}", source, other))
    sens = sensitivity or {}
    p = scenario.parameters
    doc: dict[str, Any] = {
        "report_version": REPORT_VERSION,
        "title": f"Phased relief report: {scenario.name}",
        "provenance": provenance(
            scenario,
            spec={"report": spec or {}, "sensitivity": sens.get("spec")},
            seed=sens.get("seed"),
            backend=backend,
        ),
        "scenario": {
            "name": scenario.name,
            "description": scenario.description.strip(),
            "phases": scenario.phases,
            "phase_names": list(scenario.phase_names),
            "parameters": json.loads(json.dumps(asdict(p), default=list)),
            "phase_years": list(scenario.phase_lengths()),
            "annual_discount": scenario.annual_discount(),
            "annuity": annuity(scenario),
            "actors": {a.id: a.name for a in scenario.actors},
        },
        "items": catalogue(scenario),
        "sources": sources_used(scenario),
        "plans": plans,
        "comparison": None,
        "sensitivity": sensitivity,
    }
    if len(plans) == 2 and all(x["assignments"] for x in plans):
        doc["comparison"] = {"rows": comparison_rows(plans[0], plans[1])}
    from solver.report.frontier import frontier_section

    doc["frontier"] = frontier_section(scenario, plan, comparison)
    return doc


def render(doc: dict[str, Any]) -> dict[str, str]:
    """Render the three report files from the document.

    Parameters
    ----------
    doc : dict
        The report document (completed in place with its ``findings`` and
        ``figures`` lists).

    Returns
    -------
    dict
        File name -> content, for each of :data:`REPORT_FILES`.
    """
    from solver.report.figures import render_figures
    from solver.report.findings import findings
    from solver.report.html import render_html
    from solver.report.markdown import render_markdown

    doc["findings"] = findings(doc)
    figures = render_figures(doc)
    doc["figures"] = [{"id": f.id, "title": f.title, "caption": f.caption} for f in figures]
    return {
        "report.html": render_html(doc, figures),
        "report.md": render_markdown(doc),
        "report.json": dumps_json(doc, indent=2) + "\n",
    }


def write_files(out_dir: str | Path, files: dict[str, str]) -> list[Path]:
    """Make ``out_dir`` hold exactly ``files``, all at once (a temporary sibling folder, swapped).

    A thin wrapper of :func:`solver.io.replace_folder` whose errors name ``--out``.

    Parameters
    ----------
    out_dir : str or Path
        Output directory.
    files : dict
        File name -> text.

    Returns
    -------
    list of Path
        The written files.

    Raises
    ------
    solver.io.WriteError
        ``out_dir`` cannot be created or written (an ``OSError`` whose
        ``filename`` names it); nothing is written then.
    """
    try:
        return replace_folder(out_dir, files)
    except WriteError as exc:
        raise WriteError(exc.errno, f"--out {exc.strerror}", exc.filename) from None


def check_out(out_dir: str | Path) -> None:
    """Check before any work that ``out_dir`` can become a report folder.

    Parameters
    ----------
    out_dir : str or Path
        The ``--out`` folder: missing, empty, or holding only :data:`REPORT_FILES`.

    Raises
    ------
    solver.io.WriteError
        A file is in the way, the folder holds other files, or it cannot be written.
    """
    try:
        check_replaceable_folder(out_dir, REPORT_FILES)
    except WriteError as exc:
        raise WriteError(exc.errno, f"--out {exc.strerror}", exc.filename) from None


def _as_list(paths: str | Path | Sequence[str | Path] | None) -> list[str | Path]:
    if paths is None:
        return []
    if isinstance(paths, str | Path):
        return [paths]
    return list(paths)


def build_report(
    scenario_path: str | Path | None,
    *,
    out_dir: str | Path,
    plan_path: str | Path | None = None,
    sensitivity_path: str | Path | Sequence[str | Path] | None = None,
    backend: str = "highs",
    objective: str | None = None,
    case: str | None = None,
    robust_path: str | Path | None = None,
) -> dict[str, Any]:
    """Build and write ``report.html``, ``report.md`` and ``report.json``.

    Parameters
    ----------
    scenario_path : str, Path or None
        Scenario file; ``None`` for the shipped default, which is then
        compared with the proposal's phasing unless ``plan_path`` is given.
    out_dir : str or Path
        Output directory (created if missing).
    plan_path : str or Path, optional
        Plan file to compare the optimized plan with.
    sensitivity_path : str, Path or sequence of them, optional
        Sweep results (SQLite store or JSON in the documented contract); one
        file per sweep, merged. They must be of this scenario (same hash).
    backend : str
        MIP backend.
    objective : str, optional
        Objective (default: the scenario's).
    case : str, optional
        A case of the library (``models/cases/``, an id or a folder): its
        scenario and plan (as agreed, else as carried out) replace
        ``scenario_path`` and ``plan_path``, and its backtest
        (:func:`solver.backtest.backtest`) is a section of the report.
    robust_path : str or Path, optional
        A ``relief solve --robust --json`` document: the robustness section
        (:mod:`solver.report.robust`).

    Returns
    -------
    dict
        The report document, as written to ``report.json``.

    Raises
    ------
    ScenarioError
        Bad scenario, plan or sweep file; nothing is written then.
    solver.io.WriteError
        The output directory cannot be written (an ``OSError``).
    """
    from solver.shipped import default_scenario_path

    reading = None
    if case is not None:
        from solver.backtest import backtest

        if scenario_path is not None:
            raise ScenarioError(["--case replaces the SCENARIO argument: give one of them"])
        result = backtest([case], optimize=False)[0]
        reading = result.to_dict()
        scenario_path = result.case.scenario
        if plan_path is None:
            plan_path = result.case.plans[result.judged]
    path = Path(scenario_path) if scenario_path else default_scenario_path()
    check_out(out_dir)  # a bad --out fails before the solve
    scenario = load_scenario(path)
    if plan_path is None and scenario_path is None:
        plan_path = default_comparison()
    comparison = None
    if plan_path is not None:
        comparison = (str(plan_path), load_schedule(plan_path, scenario))
    paths = _as_list(sensitivity_path)
    sensitivity = merge([load_sensitivity(x) for x in paths])
    if sensitivity is not None:
        check_scenario(sensitivity, scenario.digest())
    spec = {
        "scenario": str(path),
        "plan": None if plan_path is None else str(plan_path),
        "sensitivity": [str(x) for x in paths] or None,
        "backend": backend,
        "objective": objective or scenario.parameters.objective,
        "case": case,
        "robust": None if robust_path is None else str(robust_path),
    }
    plan = solve(scenario, backend=backend, objective=objective)
    doc = assemble(
        scenario,
        plan,
        comparison=comparison,
        sensitivity=sensitivity,
        objective=objective,
        spec=spec,
    )
    if reading is not None:
        doc["backtest"] = reading
    if robust_path is not None:
        from solver.report.robust import robust_entry

        doc["robust"] = robust_entry(scenario, robust_path)
    write_files(out_dir, render(doc))
    return doc
