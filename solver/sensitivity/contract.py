"""Flat ``rows`` for the report: each summary also speaks :mod:`solver.report.sensitivity`.

The report reads one output per method as a list of ``rows``; the full
summaries stay alongside, so ``relief sensitivity --json > s.json`` can be
handed to the report as is.
"""

from __future__ import annotations

import math
from typing import Any

INDEX_OUTPUTS = ("objective", "min_leverage", "min_ic_margin", "incentive_compatible", "feasible")
"""Outputs tried in order for the Sobol and Morris rows (the first one with indices)."""


def _finite(*xs: Any) -> bool:
    return all(isinstance(x, int | float) and math.isfinite(x) for x in xs)


def _oat(s: dict[str, Any]) -> dict[str, Any]:
    rows = [
        {
            "parameter": r["name"],
            "low": r["range"][0],
            "high": r["range"][1],
            "output_low": r["objective"]["low"],
            "output_high": r["objective"]["high"],
        }
        for r in s["parameters"]
        if _finite(r["objective"]["low"], r["objective"]["high"])
    ]
    return {"output": "objective", "base": s["baseline"]["objective"], "rows": rows}


def _nearest(base: float, *values: float | None) -> float | None:
    vals = [v for v in values if v is not None]
    return min(vals, key=lambda v: (abs(v - base), v)) if vals else None


def _thresholds(s: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for r in s["parameters"]:
        be = r["break_even"]
        rows.append(
            {
                "parameter": r["name"],
                "base": r["baseline"],
                "threshold": _nearest(r["baseline"], be["plan_below"], be["plan_above"]),
                "ic_threshold": _nearest(r["baseline"], be["ic_below"], be["ic_above"]),
            }
        )
    return {"output": "plan", "rows": rows}


def _mc(s: dict[str, Any], phases: int) -> dict[str, Any]:
    rows = [
        {
            "id": x,
            "kind": kind[:-1],
            "probabilities": [rec["phases"][str(k)] for k in range(1, phases + 1)],
            "never": rec["phases"]["never"],
        }
        for kind in ("measures", "milestones")
        for x, rec in s[kind].items()
    ]
    return {"samples": s["samples"], "rows": rows}


def _indices(s: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    for out in INDEX_OUTPUTS:
        idx = s["indices"].get(out, {})
        if "skipped" in idx or not idx:
            continue
        rows = [{"parameter": n, **{k: idx[k][n] for k in keys}} for n in s["parameters"]]
        if all(_finite(*(row[k] for k in keys)) for row in rows):
            return {"output": out, "rows": rows}
    return {"output": None, "rows": []}


def contract(method: str, summary: dict[str, Any], phases: int) -> dict[str, Any]:
    """Return the report-contract fields (``output``, ``rows``, ...) of a summary.

    Parameters
    ----------
    method : str
        The sweep's method.
    summary : dict
        The method's JSON-safe summary.
    phases : int
        Number of phases of the scenario (Monte Carlo rows).

    Returns
    -------
    dict
        Fields to merge into the summary.
    """
    if method == "oat":
        return _oat(summary)
    if method == "thresholds":
        return _thresholds(summary)
    if method == "mc":
        return _mc(summary, phases)
    if method == "sobol":
        return _indices(summary, ("S1", "S1_conf", "ST", "ST_conf"))
    return _indices(summary, ("mu_star", "sigma", "mu_star_conf"))
