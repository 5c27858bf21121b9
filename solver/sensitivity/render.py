"""Plain-text rendering of sweep summaries for the terminal (``--json`` prints the data)."""

from __future__ import annotations

from typing import Any

from solver.sensitivity.runner import SweepResult
from solver.sensitivity.spec import Spec

TOP = 12
"""Rows shown per table."""


def _f(x: Any, width: int = 10, digits: int = 1) -> str:
    return f"{'-':>{width}s}" if x is None else f"{x:{width}.{digits}f}"


def _tornado(s: dict[str, Any]) -> list[str]:
    lines = [
        f"{'parameter':44s} {'obj low':>10s} {'obj high':>10s} {'minlev low':>10s}"
        f" {'minlev high':>11s}  plan  IC"
    ]
    for row in s["parameters"][:TOP]:
        o, m = row["objective"], row["min_leverage"]
        plan = "".join(
            "LH"[i] if row["plan_changes"][k] else "." for i, k in enumerate(("low", "high"))
        )
        ic = "".join(
            "LH"[i] if row["ic_changes"][k] else "." for i, k in enumerate(("low", "high"))
        )
        lines.append(
            f"{row['name'][:44]:44s} {_f(o['low'])} {_f(o['high'])} {_f(m['low'])}"
            f" {_f(m['high'], 11)}  {plan:>4s}  {ic:>2s}"
        )
    return lines


def _thresholds(s: dict[str, Any]) -> list[str]:
    lines = [
        f"{'parameter':44s} {'baseline':>9s} {'plan below':>10s} {'plan above':>10s}"
        f" {'IC below':>9s} {'IC above':>9s}"
    ]
    for row in s["parameters"]:
        be = row["break_even"]
        lines.append(
            f"{row['name'][:44]:44s} {_f(row['baseline'], 9, 3)}"
            f" {_f(be['plan_below'], 10, 3)} {_f(be['plan_above'], 10, 3)}"
            f" {_f(be['ic_below'], 9, 3)} {_f(be['ic_above'], 9, 3)}"
        )
    return lines


def _stability(s: dict[str, Any]) -> list[str]:
    lines = [
        f"feasible {s['feasible']:.1%}, incentive-compatible {s['incentive_compatible']:.1%},"
        f" {s['distinct_plans']} distinct plans over {s['samples']} samples",
        f"{'id':8s} {'modal phase':>11s} {'share':>7s}",
    ]
    for kind in ("milestones", "measures"):
        for x, row in s[kind].items():
            lines.append(f"{x:8s} {row['modal']:>11s} {row['stability']:7.1%}")
    return lines


def _indices(s: dict[str, Any], a: str, b: str) -> list[str]:
    idx = s["indices"]["objective"]
    if "skipped" in idx:
        return [f"objective: skipped ({idx['skipped']})"]
    names = sorted(s["parameters"], key=lambda n: -idx[b][n])
    lines = [f"objective ({s['samples']} samples)", f"{'parameter':44s} {a:>9s} {b:>9s}"]
    lines += [f"{n[:44]:44s} {idx[a][n]:9.3f} {idx[b][n]:9.3f}" for n in names[:TOP]]
    return lines


def render_summary(method: str, res: SweepResult, spec: Spec) -> str:
    """Return a short terminal rendering of a sweep's summary.

    Parameters
    ----------
    method : str
        The method run.
    res : SweepResult
        Its outcome.
    spec : Spec
        The spec (for the header).

    Returns
    -------
    str
        Header with counts, then the method's main table.
    """
    s = res.summary
    head = (
        f"{method}: {res.completed} samples ({res.reused} reused from {res.store}),"
        f" {len(spec.params)} parameters, engine {res.engine}"
    )
    body = {
        "oat": lambda: _tornado(s),
        "thresholds": lambda: _thresholds(s),
        "mc": lambda: _stability(s),
        "sobol": lambda: _indices(s, "S1", "ST"),
        "morris": lambda: _indices(s, "sigma", "mu_star"),
    }[method]()
    return "\n".join([head, *body])
