"""The five methods: each turns a spec into samples, evaluates them, and summarises.

Every method receives an ``evaluate(samples, label)`` callable (the sweep's
:class:`~solver.sensitivity.runner.Evaluator`), so methods never see
executors, stores or workers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from solver.scenario import Scenario
from solver.sensitivity.analysis import OUTPUTS, jsonable, stability, tornado
from solver.sensitivity.contract import contract
from solver.sensitivity.design import mc_unit, morris_unit, oat_points, sobol_unit, to_values
from solver.sensitivity.evaluate import SampleResult
from solver.sensitivity.indices import morris_indices, sobol_indices
from solver.sensitivity.spec import Spec
from solver.sensitivity.thresholds import find_thresholds

EvaluateFn = Callable[..., list[SampleResult]]


def _solve_points(spec: Spec, x: np.ndarray, evaluate: EvaluateFn, label: str) -> list:
    return evaluate([spec.resolve(row) for row in x], label)


def _outputs(results: list[SampleResult]) -> dict[str, np.ndarray]:
    return {k: np.array([f(r) for r in results], dtype=float) for k, f in OUTPUTS.items()}


def _sobol(spec: Spec, evaluate: EvaluateFn, n: int, seed: int) -> dict[str, Any]:
    u = sobol_unit(len(spec.params), n, seed)
    res = _solve_points(spec, to_values(spec.params, u), evaluate, "sobol")
    ys = _outputs(res)
    return {
        "parameters": spec.names,
        "base_samples": n,
        "samples": len(res),
        "indices": {k: sobol_indices(y, spec.names, seed) for k, y in ys.items()},
    }


def _morris(spec: Spec, evaluate: EvaluateFn, n: int, seed: int) -> dict[str, Any]:
    u = morris_unit(len(spec.params), n, seed)
    res = _solve_points(spec, to_values(spec.params, u), evaluate, "morris")
    ys = _outputs(res)
    return {
        "parameters": spec.names,
        "trajectories": n,
        "samples": len(res),
        "indices": {k: morris_indices(u, y, spec.names, seed) for k, y in ys.items()},
    }


def summarise(
    method: str, scenario: Scenario, spec: Spec, evaluate: EvaluateFn, n: int, seed: int
) -> dict[str, Any]:
    """Run ``method`` through ``evaluate`` and return its JSON-safe summary.

    Parameters
    ----------
    method : {"oat", "thresholds", "mc", "sobol", "morris"}
        The method.
    scenario : Scenario
        The base scenario.
    spec : Spec
        The uncertain parameters.
    evaluate : callable
        ``evaluate(samples, label) -> list[SampleResult]``.
    n : int
        Method-specific size (grid points, draws, base size, trajectories).
    seed : int
        The sweep's seed.

    Returns
    -------
    dict
        The method's results, with NaN written as ``None``, plus the flat
        ``output``/``rows`` that :mod:`solver.report.sensitivity` reads.
    """
    if method == "oat":
        x = oat_points(spec.params)
        out = tornado(spec, _solve_points(spec, x, evaluate, "oat"))
    elif method == "thresholds":
        out = find_thresholds(spec, evaluate, n)
    elif method == "mc":
        x = to_values(spec.params, mc_unit(len(spec.params), n, seed))
        out = stability(scenario, _solve_points(spec, x, evaluate, "mc"))
    elif method == "sobol":
        out = _sobol(spec, evaluate, n, seed)
    elif method == "morris":
        out = _morris(spec, evaluate, n, seed)
    else:
        raise ValueError(f"method is {method!r}; choose oat, thresholds, mc, sobol or morris")
    doc = dict(jsonable(out))
    doc.update(contract(method, doc, scenario.phases))
    return doc
