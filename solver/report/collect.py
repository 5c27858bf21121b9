"""Gather everything a report shows into one JSON-able document (``report.json``).

Figures, HTML and Markdown are all rendered from this one document, so every
figure has a table with the same numbers and the JSON carries them all.
"""

from __future__ import annotations

import datetime as _dt
import platform
from importlib import metadata
from typing import Any

from solver import pipeline
from solver.backends.base import Status
from solver.game.check import check
from solver.plan import Plan
from solver.scenario import Scenario

REPORT_VERSION = 1
"""Version of the ``report.json`` layout."""

PACKAGES = ("phased-relief", "numpy", "scipy", "highspy", "PuLP", "matplotlib", "SALib")
"""Distributions whose versions every report records (``null`` when absent)."""


def package_versions() -> dict[str, str | None]:
    """Return the Python version and the installed version of each of :data:`PACKAGES`.

    Returns
    -------
    dict
        Distribution name -> version (``None`` when not installed).
    """
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def catalogue(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    """Return the measures and milestones of ``scenario`` with the data the report shows.

    Parameters
    ----------
    scenario : Scenario
        The scenario.

    Returns
    -------
    dict
        ``{"measures": [...], "milestones": [...]}`` in file order.
    """
    return {
        "measures": [
            {
                "id": m.id,
                "name": m.name,
                "value": m.value,
                "reversibility": m.reversibility,
                "instrument": m.instrument,
                "sources": dict(m.sources),
            }
            for m in scenario.measures
        ],
        "milestones": [
            {
                "id": d.id,
                "name": d.name,
                "cost": d.cost,
                "value": d.value,
                "reversibility": d.reversibility,
                "detection": d.detection,
                "sources": dict(d.sources),
            }
            for d in scenario.milestones
        ],
    }


def sources_used(scenario: Scenario) -> dict[str, Any]:
    """The sources the scenario's ``sources`` tables cite, for the report's "Sources" list.

    Parameters
    ----------
    scenario : Scenario
        The scenario.

    Returns
    -------
    dict
        ``tags``: one ``{"tag", "fields"}`` per label of docs/sources.md used
        (sorted by tag; ``fields`` the paths citing it, e.g.
        ``measures.R18.value``); ``sourced`` and ``estimates``: how many
        fields cite a label and how many are marked estimate.
    """
    from solver.sources import is_estimate

    entries: list[tuple[str, Any]] = [("parameters", scenario.parameters)]
    for key in ("actors", "instruments", "measures", "milestones"):
        entries += [(f"{key}.{x.id}", x) for x in getattr(scenario, key)]
    tags: dict[str, list[str]] = {}
    estimates = 0
    for path, entry in entries:
        for name, tag in entry.sources.items():
            if is_estimate(tag):
                estimates += 1
            else:
                tags.setdefault(tag, []).append(f"{path}.{name}")
    return {
        "tags": [{"tag": tag, "fields": tags[tag]} for tag in sorted(tags)],
        "sourced": sum(len(v) for v in tags.values()),
        "estimates": estimates,
    }


def incentive_check(scenario: Scenario, plan: Plan) -> dict[str, Any] | None:
    """Run the subgame-perfect incentive check (:func:`solver.game.check.check`).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    plan : Plan
        A plan with a schedule.

    Returns
    -------
    dict or None
        ``ICReport.to_dict()`` with its per-phase records under ``phases``;
        ``None`` when the plan has no schedule.
    """
    if plan.schedule is None:
        return None
    result = check(scenario, plan)
    doc = dict(result.to_dict())
    doc["incentive_compatible"] = bool(result.incentive_compatible)
    doc["phases"] = [_ic_phase(r) for r in doc.get("phases", [])]
    return doc


_IC_FIELDS = (
    "ic_margin",
    "incentive_compatible",
    "snapback_credible",
    "critical_detection",
    "critical_discount",
)


def _ic_phase(record: Any) -> dict[str, Any]:
    rec = dict(record) if isinstance(record, dict) else dict(vars(record))
    return {k: rec.get(k) for k in ("phase", *_IC_FIELDS)} | {
        k: v for k, v in rec.items() if k not in _IC_FIELDS and _jsonable(v)
    }


def _jsonable(v: Any) -> bool:
    if isinstance(v, list | tuple):
        return all(isinstance(x, str) for x in v)
    return v is None or isinstance(v, str | int | float | bool)


def with_ranges(plan: Plan) -> Plan:
    """``plan`` with its phase ranges, computed when an optimal plan does not carry them yet.

    The ranges need MIP probes around the optimum
    (:func:`solver.pipeline.add_ranges`); the plan itself is not re-solved.
    A plan that is not optimal (a comparison plan, say) is returned as it is.

    Parameters
    ----------
    plan : Plan
        A solved or evaluated plan.

    Returns
    -------
    Plan
        The plan, with ``phase_range`` when it is optimal.
    """
    if plan.phase_range is not None or plan.schedule is None or plan.status is not Status.OPTIMAL:
        return plan
    request = pipeline.check_args(plan.scenario, objective=plan.objective_name or None)
    return pipeline.add_ranges(plan, request)


def plan_section(label: str, title: str, source: str, plan: Plan) -> dict[str, Any]:
    """Return the report's record of one plan: its phases, values and incentive check.

    Parameters
    ----------
    label : str
        Key (``"optimized"``, ``"comparison"``).
    title : str
        Heading shown in the report.
    source : str
        Where the plan came from (a solver run or a plan file).
    plan : Plan
        The plan.

    Returns
    -------
    dict
        ``plan.to_dict()`` plus ``label``, ``title``, ``source``,
        ``assignments`` (id -> phase or ``None``), per-phase payoff values
        and ``incentives`` (``None`` without the game module); an optimal
        plan's ``phase_range`` is filled in (:func:`with_ranges`).
    """
    plan = with_ranges(plan)
    doc = plan.to_dict()
    doc.update(label=label, title=title, source=source, assignments=None, incentives=None)
    sch = plan.schedule
    if sch is None:
        return doc
    s = plan.scenario
    doc["assignments"] = {
        "measures": {m.id: sch.measures.get(m.id) for m in s.measures},
        "milestones": {d.id: sch.milestones.get(d.id) for d in s.milestones},
    }
    v = sch.values(s)
    for k, row in enumerate(doc["phases"]):
        row["relief"] = float(v.relief[k])
        row["new_relief"] = float(v.relief[k] - (v.relief[k - 1] if k else 0.0))
        row["cost"] = float(v.cost[k])
        row["new_cost"] = float(v.cost[k] - (v.cost[k - 1] if k else 0.0))
        row["detection"] = float(v.detection[k])
        row["comply_value"] = float(v.comply_value[k])
        row["deviate_value"] = float(v.deviate_value[k])
    doc["incentives"] = incentive_check(s, plan)
    return doc


def provenance(
    scenario: Scenario, *, spec: dict[str, Any], seed: int | None, backend: str
) -> dict[str, Any]:
    """Return what makes a report reproducible: hash, spec, seed, backend, versions.

    Parameters
    ----------
    scenario : Scenario
        The scenario reported on.
    spec : dict
        The report's own options and, under ``sensitivity``, the sweep's spec.
    seed : int or None
        The sweep's seed (``None`` when no sweep is reported).
    backend : str
        The MIP backend used for the optimized plan.

    Returns
    -------
    dict
        ``scenario`` (name, source, sha256), ``spec``, ``seed``, ``backend``,
        ``versions`` and ``generated_at`` (UTC, ISO 8601).
    """
    return {
        "scenario": {"name": scenario.name, "source": scenario.source, "sha256": scenario.digest()},
        "spec": spec,
        "seed": seed,
        "backend": backend,
        "versions": package_versions(),
        "generated_at": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
    }


def comparison_rows(optimized: dict[str, Any], other: dict[str, Any]) -> list[dict[str, Any]]:
    """Per measure and milestone: phase in the optimized and the comparison plan.

    Parameters
    ----------
    optimized, other : dict
        Plan sections from :func:`plan_section` (both with assignments).

    Returns
    -------
    list of dict
        ``{"id", "kind", "optimized", "comparison", "shift"}``, ``shift``
        being comparison minus optimized phase (``None`` if either is never).
    """
    rows = []
    a, b = optimized["assignments"], other["assignments"]
    for kind in ("milestones", "measures"):
        for item, k_opt in a[kind].items():
            k_cmp = b[kind].get(item)
            shift = None if k_opt is None or k_cmp is None else k_cmp - k_opt
            rows.append(
                {
                    "id": item,
                    "kind": kind[:-1],
                    "optimized": k_opt,
                    "comparison": k_cmp,
                    "shift": shift,
                }
            )
    return rows
