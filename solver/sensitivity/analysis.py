"""Summaries of sweep results: tornado (one-at-a-time) and plan stability (Monte Carlo).

Pure functions of the results in sample order; no solving happens here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from solver.scenario import Scenario
from solver.sensitivity.evaluate import SampleResult
from solver.sensitivity.spec import Spec

OUTPUTS: dict[str, Callable[[SampleResult], float]] = {
    "objective": lambda r: r.objective,
    "min_leverage": lambda r: r.min_leverage,
    "min_ic_margin": lambda r: r.min_ic_margin,
    "incentive_compatible": lambda r: float(r.incentive_compatible),
    "feasible": lambda r: float(r.feasible),
}
"""Scalar outputs of a sample that tornado and global indices report on."""


def jsonable(x: Any) -> Any:
    """Turn numpy scalars and arrays into Python values and NaN/inf into ``None``.

    Parameters
    ----------
    x : Any
        A nested structure of dicts, lists, tuples and numbers.

    Returns
    -------
    Any
        The same structure, safe for strict JSON.

    Examples
    --------
    >>> jsonable({"a": np.float64("nan"), "b": np.arange(2)})
    {'a': None, 'b': [0, 1]}
    """
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple | np.ndarray):
        return [jsonable(v) for v in x]
    if isinstance(x, np.bool_ | bool):
        return bool(x)
    if isinstance(x, np.integer | int):
        return int(x)
    if isinstance(x, np.floating | float):
        return float(x) if math.isfinite(x) else None
    return x


def _pair(lo: float, hi: float) -> dict[str, float | None]:
    swing = abs(hi - lo) if math.isfinite(lo) and math.isfinite(hi) else math.nan
    return {"low": lo, "high": hi, "swing": swing}


def _record(r: SampleResult) -> dict[str, Any]:
    return {
        "status": r.status,
        "objective": r.objective,
        "min_leverage": r.min_leverage,
        "leverage": list(r.leverage),
        "ic_margins": list(r.ic_margins),
        "incentive_compatible": r.incentive_compatible,
    }


def tornado(spec: Spec, results: Sequence[SampleResult]) -> dict[str, Any]:
    """One-at-a-time effects of each parameter at the ends of its range.

    Parameters
    ----------
    spec : Spec
        The spec the design came from.
    results : sequence of SampleResult
        In the order of :func:`~solver.sensitivity.design.oat_points`: the
        baseline, then each parameter at low and at high.

    Returns
    -------
    dict
        ``baseline`` (the baseline sample's outputs) and ``parameters``: per
        parameter the low/high/swing of every output in :data:`OUTPUTS`, the
        per-phase IC margins at both ends, and whether the plan (schedule) or
        any phase's incentive compatibility differs from the baseline's; sorted
        by decreasing objective swing (ties keep spec order).
    """
    base = results[0]
    rows = []
    for j, p in enumerate(spec.params):
        lo, hi = results[1 + 2 * j], results[2 + 2 * j]
        row: dict[str, Any] = {
            "name": spec.names[j],
            "path": p.path,
            "range": [p.low, p.high],
            "baseline": p.baseline,
        }
        row.update({k: _pair(f(lo), f(hi)) for k, f in OUTPUTS.items()})
        row["ic_margins"] = {"low": list(lo.ic_margins), "high": list(hi.ic_margins)}
        row["plan_changes"] = {
            "low": dict(lo.schedule) != dict(base.schedule),
            "high": dict(hi.schedule) != dict(base.schedule),
        }
        row["ic_changes"] = {
            "low": _ic_flags(lo) != _ic_flags(base),
            "high": _ic_flags(hi) != _ic_flags(base),
        }
        rows.append(row)
    order = sorted(range(len(rows)), key=lambda i: (-_swing_key(rows[i]), i))
    return {"baseline": _record(base), "parameters": [rows[i] for i in order]}


def _swing_key(row: dict[str, Any]) -> float:
    s = row["objective"]["swing"]
    return s if s is not None and math.isfinite(s) else math.inf


def _ic_flags(r: SampleResult) -> tuple[bool, ...]:
    """Per phase: is the margin non-negative (IC holds in that phase)?"""
    return r.phase_ic


def describe(values: Sequence[float]) -> dict[str, float]:
    """Mean, standard deviation and 5/50/95 % quantiles of the finite values.

    Parameters
    ----------
    values : sequence of float
        Values, NaN for samples without a plan.

    Returns
    -------
    dict
        ``n``, ``mean``, ``sd``, ``p05``, ``p50``, ``p95`` (NaN when no value).
    """
    a = np.asarray([v for v in values if math.isfinite(v)], dtype=float)
    if a.size == 0:
        nan = math.nan
        return {"n": 0, "mean": nan, "sd": nan, "p05": nan, "p50": nan, "p95": nan}
    q = np.quantile(a, [0.05, 0.5, 0.95])
    return {
        "n": int(a.size),
        "mean": float(a.mean()),
        "sd": float(a.std(ddof=1)) if a.size > 1 else 0.0,
        "p05": float(q[0]),
        "p50": float(q[1]),
        "p95": float(q[2]),
    }


def _phase_shares(scenario: Scenario, ids: list[str], plans: list[SampleResult]) -> dict:
    keys = [str(k) for k in range(1, scenario.phases + 1)] + ["never"]
    out: dict[str, Any] = {}
    for x in ids:
        counts = dict.fromkeys(keys, 0)
        for r in plans:
            k = r.schedule.get(x)
            counts["never" if k is None else str(k)] += 1
        n = max(1, len(plans))
        shares = {k: c / n for k, c in counts.items()}
        modal = max(keys, key=lambda k: (counts[k], -keys.index(k)))
        out[x] = {"phases": shares, "modal": modal, "stability": shares[modal]}
    return out


def stability(scenario: Scenario, results: Sequence[SampleResult]) -> dict[str, Any]:
    """Monte Carlo plan stability: where each measure and milestone lands, how often IC holds.

    Parameters
    ----------
    scenario : Scenario
        The base scenario (ids and phase count).
    results : sequence of SampleResult
        One per Monte Carlo draw.

    Returns
    -------
    dict
        ``samples``, ``feasible`` and ``incentive_compatible`` (shares of all
        samples), ``phase_incentive_compatible`` (per phase, among feasible
        samples), ``measures`` and ``milestones`` (per id: the share of
        feasible samples landing in each phase or ``never``, the modal phase
        and its share), and distributions of the objective, the minimum
        leverage and the minimum IC margin.
    """
    n = len(results)
    plans = [r for r in results if r.feasible]
    k = scenario.phases
    phase_ic = [
        sum(1 for r in plans if len(r.ic_margins) == k and _ic_flags(r)[i]) / max(1, len(plans))
        for i in range(k)
    ]
    return {
        "samples": n,
        "feasible": len(plans) / max(1, n),
        "incentive_compatible": sum(r.incentive_compatible for r in results) / max(1, n),
        "phase_incentive_compatible": phase_ic,
        "measures": _phase_shares(scenario, [m.id for m in scenario.measures], plans),
        "milestones": _phase_shares(scenario, [d.id for d in scenario.milestones], plans),
        "distinct_plans": len({tuple(sorted(r.schedule.items(), key=str)) for r in plans}),
        "objective": describe([r.objective for r in results]),
        "min_leverage": describe([r.min_leverage for r in results]),
        "min_ic_margin": describe([r.min_ic_margin for r in results]),
    }
