"""A synthetic sweep summary in the report's input contract (illustration and tests).

The numbers are random, not the result of any sweep: they exist so the
report's sensitivity sections can be shown and tested without running one.
Real results come from :mod:`solver.sensitivity`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from solver.scenario import Scenario
from solver.seeds import SeedLike, as_generator


def _parameters(scenario: Scenario) -> list[tuple[str, float]]:
    out = [("parameters.discount", scenario.parameters.discount)]
    out += [
        (f"instruments.{i.id}.credibility", i.credibility)
        for i in scenario.instruments[:2]
        if not isinstance(i.credibility, tuple)
    ]
    out += [(f"measures.{m.id}.value", m.value) for m in scenario.measures[:2]]
    out += [(f"milestones.{d.id}.detection", d.detection) for d in scenario.milestones[:1]]
    return out


def _stability(scenario: Scenario, rng: np.random.Generator) -> list[dict[str, Any]]:
    rows = []
    kinds = [("measure", m.id) for m in scenario.measures]
    kinds += [("milestone", d.id) for d in scenario.milestones]
    for kind, item in kinds:
        weights = rng.dirichlet(np.full(scenario.phases + 1, 0.3))
        shares = np.round(weights, 3)
        shares[-1] = max(0.0, 1.0 - shares[:-1].sum())
        rows.append(
            {
                "id": item,
                "kind": kind,
                "probabilities": [float(x) for x in shares[:-1]],
                "never": float(shares[-1]),
            }
        )
    return rows


def sample_sensitivity(scenario: Scenario, *, seed: SeedLike = 0) -> dict[str, Any]:
    """Return a synthetic sensitivity document with every method of the contract.

    Parameters
    ----------
    scenario : Scenario
        Supplies parameter paths, ids and the number of phases.
    seed : int, Generator or None
        Seed of the random numbers.

    Returns
    -------
    dict
        ``{"spec", "seed", "results"}`` as :func:`solver.report.load_sensitivity` returns.

    Examples
    --------
    >>> from solver import default_scenario_path, load_scenario
    >>> doc = sample_sensitivity(load_scenario(default_scenario_path()))
    >>> sorted(r["method"] for r in doc["results"])
    ['montecarlo', 'morris', 'oat', 'sobol', 'thresholds']
    """
    rng = as_generator(seed)
    params = _parameters(scenario)
    base = 4000.0
    oat, thr, curves, sobol, morris = [], [], [], [], []
    for path, value in params:
        lo, hi = 0.8 * value, min(1.0, 1.2 * value) if value <= 1 else 1.2 * value
        swing = float(rng.uniform(100, 2500))
        oat.append(
            {
                "parameter": path,
                "low": lo,
                "high": hi,
                "output_low": base - swing * rng.uniform(0.3, 1.0),
                "output_high": base + swing * rng.uniform(0.2, 1.0),
            }
        )
        xs = np.linspace(lo, hi, 9)
        slope = swing / (hi - lo if hi > lo else 1.0)
        ys = (xs - lo) * slope - swing * rng.uniform(0.2, 0.8)
        cross = float(lo - ys[0] / slope) if ys[0] < 0 < ys[-1] else None
        thr.append({"parameter": path, "base": value, "threshold": cross})
        curves.append({"parameter": path, "x": xs.tolist(), "y": ys.tolist(), "threshold": cross})
        s1 = float(rng.uniform(0.0, 0.4))
        sobol.append(
            {
                "parameter": path,
                "S1": s1,
                "S1_conf": 0.05,
                "ST": s1 + rng.uniform(0, 0.2),
                "ST_conf": 0.06,
            }
        )
        morris.append(
            {
                "parameter": path,
                "mu_star": swing,
                "mu_star_conf": swing * 0.1,
                "sigma": float(swing * rng.uniform(0.1, 1.0)),
            }
        )
    out = "min leverage (USD m)"
    return {
        "spec": {"note": "synthetic example (solver.report.sample), not a sweep result"},
        "seed": seed if isinstance(seed, int) else None,
        "results": [
            {"method": "oat", "summary": {"output": out, "base": base, "rows": oat}},
            {"method": "thresholds", "summary": {"output": out, "rows": thr, "curves": curves}},
            {
                "method": "montecarlo",
                "summary": {"samples": 200, "rows": _stability(scenario, rng)},
            },
            {"method": "sobol", "summary": {"output": out, "rows": sobol}},
            {"method": "morris", "summary": {"output": out, "rows": morris}},
        ],
    }
