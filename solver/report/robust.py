"""The report's robustness section: one plan across many worlds (``relief report --robust``).

Reads the document of ``relief solve --robust --json`` (the robust plan and
how it was chosen), draws the same out-of-sample worlds again, and judges the
robust plan, the nominal optimum with both sides required and, for the
shipped default, the proposal's phasing there phase by phase
(:mod:`solver.robust.batch`); adds the box of the worlds where the robust plan
fails (:mod:`solver.robust.failures`) and its verdict per target type.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from solver.report.sections import Section, Table
from solver.scenario import Scenario, ScenarioError

__all__ = ["robust_entry", "robust_section"]


def _spec_path(given: str, document: Path) -> Path:
    """The spec a robust document names: as given, beside the document, or shipped."""
    from solver.shipped import MODELS_DIR

    p = Path(given)
    for candidate in (p, document.parent / p, MODELS_DIR / p.name):
        if candidate.exists():
            return candidate
    return p


def robust_entry(scenario: Scenario, path: str | Path) -> dict[str, Any]:
    """The ``robust`` entry of the report document.

    Parameters
    ----------
    scenario : Scenario
        The report's scenario (the robust document must be of it).
    path : str or Path
        A ``relief solve --robust --json`` document.

    Returns
    -------
    dict
        ``{"source", "criterion", "worlds", "out_of_sample", "plans": [...],
        "failure_boxes", "target_types"}``; each plan's ``works``,
        ``constraints_hold``, ``incentive_compatible`` and
        ``phase_incentive_compatible`` are shares of the same worlds.

    Raises
    ------
    ScenarioError
        When the file is not such a document or its spec cannot be read.
    """
    from solver.plan import load_schedule
    from solver.robust.batch import draw_worlds, evaluate_plan, shares_ci
    from solver.robust.cli import proposal_schedule
    from solver.robust.failures import failure_boxes
    from solver.robust.types import type_verdicts
    from solver.sensitivity import load_spec
    from solver.solve import solve

    path = Path(path)
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ScenarioError([f"{path}: cannot be read as JSON ({exc})"]) from None
    r = doc.get("robust") if isinstance(doc, dict) else None
    if not isinstance(r, dict) or not r.get("spec"):
        raise ScenarioError(
            [f"{path}: robust is missing or has no spec; give the --json document of "
             "relief solve --robust SPEC"]
        )  # fmt: skip
    spec = load_spec(_spec_path(r["spec"], path), scenario)
    oos = r["out_of_sample"]
    worlds = draw_worlds(scenario, spec, int(oos["worlds"]), int(oos["seed"]))
    robust = load_schedule(path, scenario)
    nominal = solve(scenario, require_ic="both", ranges=False)
    plans: list[tuple[str, Any]] = [("robust plan", robust)]
    if nominal.schedule is not None:
        plans.append(("nominal optimum (both sides)", nominal.schedule))
    proposal = proposal_schedule(scenario)
    if proposal is not None:
        plans.append(("proposal's phasing", proposal))
    rows = []
    robust_result = None
    for name, sch in plans:
        res = evaluate_plan(scenario, sch, worlds)
        robust_result = res if robust_result is None else robust_result
        d = res.summary()
        lo, hi = shares_ci(int(res.works.sum()), worlds.n)
        rows.append(
            {
                "plan": name,
                "works": d["works"],
                "ci": [lo, hi],
                "constraints_hold": d["constraints_hold"],
                "incentive_compatible": d["incentive_compatible"],
                "phase_incentive_compatible": d["phase_incentive_compatible"],
            }
        )
    assert robust_result is not None
    return {
        "source": str(path),
        "criterion": r.get("criterion"),
        "worlds": r.get("worlds"),
        "seed": r.get("seed"),
        "status": r.get("status"),
        "gap": r.get("gap"),
        "out_of_sample": {"worlds": worlds.n, "seed": worlds.seed},
        "ceiling": r.get("ceiling"),
        "plans": rows,
        "failure_boxes": failure_boxes(robust_result, spec),
        "target_types": type_verdicts(scenario, robust),
    }


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def robust_section(doc: dict[str, Any]) -> Section | None:
    """The robustness section (``None`` without ``--robust``).

    Parameters
    ----------
    doc : dict
        The report document.

    Returns
    -------
    Section or None
        Plans side by side with their out-of-sample shares per phase, the
        failure box and the per-type verdicts.
    """
    r = doc.get("robust")
    if not r:
        return None
    n = len(r["plans"][0]["phase_incentive_compatible"]) if r["plans"] else 0
    cols = ["plan", "works", "95 % interval", "constraints hold", "both sides compatible",
            *[f"phase {k + 1}" for k in range(n)]]  # fmt: skip
    rows = [
        [p["plan"], _pct(p["works"]), f"{_pct(p['ci'][0])} – {_pct(p['ci'][1])}",
         _pct(p["constraints_hold"]), _pct(p["incentive_compatible"]),
         *[_pct(x) for x in p["phase_incentive_compatible"]]]
        for p in r["plans"]
    ]  # fmt: skip
    oos = r["out_of_sample"]
    par = [
        f"One plan held fixed across the uncertainty (docs/robust.md). The robust plan was "
        f"chosen by the {r['criterion']} criterion over {r['worlds']} sampled worlds (seed "
        f"{r['seed']}, {r['status']}); each plan below is judged on {oos['worlds']:,} other "
        f"worlds (seed {oos['seed']}): the share where every constraint holds and both sides "
        "keep to it in every phase, and per phase the share where both sides do.",
    ]
    c = r.get("ceiling")
    if c and c.get("share") is not None:
        par.append(
            f"Ceiling: in {_pct(c['share'])} of the first {c['worlds']} of those worlds some plan "
            f"works; the robust plan works in {_pct(c.get('robust_of_ceiling'))} of them."
        )
    for b in r.get("failure_boxes") or []:
        par.append(f"Where the robust plan fails: {b['text']}.")
    tables = [Table("Plans across worlds", cols, rows)]
    types = r.get("target_types") or []
    if types:
        tables.append(
            Table(
                "The robust plan per target type",
                [
                    "type",
                    "prior",
                    "both sides compatible",
                    "target complies",
                    "weakest margin",
                    "exposure (USD m)",
                    "after phase",
                ],
                [
                    [
                        t["type"],
                        t["prior"],
                        t["incentive_compatible"],
                        t["target_compatible"],
                        t["min_margin"],
                        t["exposure"],
                        t["exposure_phase"],
                    ]
                    for t in types
                ],
            )
        )
    return Section("robust", "Robustness: one plan for many worlds", par, tables=tables)
