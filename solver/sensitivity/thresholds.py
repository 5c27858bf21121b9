"""Break-even thresholds: where along each parameter the plan or its incentives change.

For every parameter, a grid over its range (plus its baseline) is solved with
the other parameters at their baselines.  Between neighbouring grid points
whose schedule differs, or whose set of incentive-compatible phases differs,
the change point is located by bisection, separately for the two kinds (so a
plan change does not hide a loss of incentive compatibility in the same
grid interval).  All
brackets of all parameters are bisected together, one batch per step, so each
round is one parallel batch and depends only on earlier results.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from solver.sensitivity.design import grid_points
from solver.sensitivity.evaluate import SampleResult
from solver.sensitivity.spec import Spec

BISECTION_STEPS = 8
"""Halvings of each bracket: the change point is known to (grid step) / 2**8."""

EvaluateFn = Callable[..., list[SampleResult]]


def signature(r: SampleResult, kind: str) -> tuple[Any, ...]:
    """What a threshold of ``kind`` is a change of.

    Parameters
    ----------
    r : SampleResult
        A solved sample.
    kind : {"plan", "ic"}
        ``plan``: the schedule (or the status, without one); ``ic``: which
        phases are incentive-compatible.

    Returns
    -------
    tuple
        Hashable; equal for samples on the same side of such a threshold.
    """
    if kind == "ic":
        return _ic(r)
    return (r.status if not r.feasible else "plan", tuple(sorted(r.schedule.items())))


def _ic(r: SampleResult) -> tuple[bool, ...]:
    return r.phase_ic


@dataclass
class _Bracket:
    j: int
    kind: str
    a: float
    ra: SampleResult
    b: float
    rb: SampleResult


def _point(spec: Spec, j: int, value: float) -> dict[str, float]:
    x = [p.baseline for p in spec.params]
    x[j] = value
    return spec.resolve(x)


def find_thresholds(
    spec: Spec, evaluate: EvaluateFn, grid: int, *, steps: int = BISECTION_STEPS
) -> dict[str, Any]:
    """Locate, per parameter, the values at which the plan or its IC pattern changes.

    Parameters
    ----------
    spec : Spec
        The uncertain parameters.
    evaluate : callable
        ``evaluate(samples, label) -> list[SampleResult]`` (the sweep's evaluator).
    grid : int
        Grid points per parameter (the baseline is added when inside the range).
    steps : int, optional
        Bisection steps per bracket.

    Returns
    -------
    dict
        ``baseline`` signature facts and ``parameters``: per parameter its
        ``transitions`` (value, bracket, whether the plan changes, phases that
        lose or gain IC when the parameter increases through it) and the
        ``break_even`` values nearest to the baseline below and above it, for a
        plan change (``plan_below``/``plan_above``) and for a phase ceasing to
        be incentive-compatible (``ic_below``/``ic_above``).
    """
    grids = [grid_points(p, grid) for p in spec.params]
    flat = [(j, v) for j, g in enumerate(grids) for v in g]
    res = evaluate(
        [spec.resolve([p.baseline for p in spec.params])] + [_point(spec, j, v) for j, v in flat],
        "thresholds: grid",
    )
    base, by_point = res[0], dict(zip(flat, res[1:], strict=True))
    brackets = []
    for j, g in enumerate(grids):
        for a, b in itertools.pairwise(g):
            ra, rb = by_point[(j, a)], by_point[(j, b)]
            for kind in ("plan", "ic"):
                if signature(ra, kind) != signature(rb, kind):
                    brackets.append(_Bracket(j, kind, a, ra, b, rb))
    for step in range(steps):
        if not brackets:
            break
        mids = [(br.a + br.b) / 2 for br in brackets]
        out = evaluate(
            [_point(spec, br.j, m) for br, m in zip(brackets, mids, strict=True)],
            f"thresholds: bisection {step + 1}/{steps}",
        )
        for br, m, r in zip(brackets, mids, out, strict=True):
            if signature(r, br.kind) == signature(br.ra, br.kind):
                br.a, br.ra = m, r
            else:
                br.b, br.rb = m, r
    return {
        "baseline": {"feasible": base.feasible, "incentive_compatible": base.incentive_compatible},
        "grid": grid,
        "steps": steps,
        "parameters": [
            _summary(spec, j, [br for br in brackets if br.j == j]) for j in range(len(grids))
        ],
    }


def _transition(br: _Bracket) -> dict[str, Any]:
    fa, fb = _ic(br.ra), _ic(br.rb)
    k = max(len(fa), len(fb))
    fa = fa or (False,) * k
    fb = fb or (False,) * k
    return {
        "kind": br.kind,
        "value": (br.a + br.b) / 2,
        "bracket": [br.a, br.b],
        "plan_changes": dict(br.ra.schedule) != dict(br.rb.schedule),
        "feasible": [br.ra.feasible, br.rb.feasible],
        "ic_lost_upward": [i + 1 for i in range(k) if fa[i] and not fb[i]],
        "ic_lost_downward": [i + 1 for i in range(k) if fb[i] and not fa[i]],
    }


def _nearest(values: Sequence[float], baseline: float, below: bool) -> float | None:
    side = [v for v in values if (v < baseline if below else v > baseline)]
    if not side:
        return None
    return max(side) if below else min(side)


def _summary(spec: Spec, j: int, brackets: list[_Bracket]) -> dict[str, Any]:
    p = spec.params[j]
    trans = sorted((_transition(br) for br in brackets), key=lambda t: (t["value"], t["kind"]))
    plan = [t["value"] for t in trans if t["kind"] == "plan"]
    ic_down = [t["value"] for t in trans if t["kind"] == "ic" and t["ic_lost_downward"]]
    ic_up = [t["value"] for t in trans if t["kind"] == "ic" and t["ic_lost_upward"]]
    base = p.baseline
    return {
        "name": spec.names[j],
        "path": p.path,
        "range": [p.low, p.high],
        "baseline": base,
        "transitions": trans,
        "break_even": {
            "plan_below": _nearest(plan, base, True),
            "plan_above": _nearest(plan, base, False),
            "ic_below": _nearest(ic_down, base, True),
            "ic_above": _nearest(ic_up, base, False),
        },
        "resolution": max((br.b - br.a for br in brackets), default=math.nan),
    }
