"""Types of target: the same deal seen by a tactical or a strategic leadership (issue 14).

A scenario may declare ``[[target_types]]``, each with a prior probability and
the numbers in which it differs from the scenario (``overrides``: a value;
``scale``: a factor, applied after the overrides; both by the parameter paths
of sensitivity specs, ``*`` wildcards allowed).  Each type is then a scenario
of its own (:func:`type_scenario`), judged by the same verifier and game
check; ``relief check`` reports the verdict per type, and the robust solve
(:mod:`solver.robust.saa`) treats the types as weighted worlds.

**Exposure.**  What a type that defects keeps, net of what it gave up for
good, at the end of phase ``k`` (USD m): an open reversal then is worth
``G_k (R_k - Q_k - C_k + B_k)`` (the relief it keeps after every credible
snapback, less the cost of the steps it cannot restore, for ever; ``docs/
formulation.md``), and it has received the transfers ``sum_{t <= k} O_t``
already.  ``X_k = G_k (R_k - Q_k - C_k + B_k) + sum_{t <= k} O_t``; the
exposure is its largest value over the phases (the type defects at its best
phase).  It is linear in the plan, so the robust solve can bound it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from solver.plan import Plan, Schedule
from solver.scenario import Scenario
from solver.scenario_types import TargetType

__all__ = [
    "evaluate_by_type",
    "exposure",
    "render_types",
    "type_scenario",
    "type_verdicts",
    "type_worlds",
]


def type_scenario(s: Scenario, t: TargetType) -> Scenario:
    """The scenario as type ``t`` sees it: its overrides, then its factors.

    Parameters
    ----------
    s : Scenario
        The scenario.
    t : TargetType
        One of its types.

    Returns
    -------
    Scenario
        The variant (``s`` itself when the type changes nothing).

    Raises
    ------
    ScenarioError
        When a value leaves its field's range.
    """
    from solver.scenario_types import ScenarioError
    from solver.sensitivity.paths import apply_sample, current_value, parse_path

    sample: dict[str, float] = {}
    for path, value in t.overrides.items():
        for a in parse_path(path, s, wildcard=True):
            sample[a.path] = float(value)
    variant = apply_sample(s, sample) if sample else s
    scaled: dict[str, float] = {}
    for path, factor in t.scale.items():
        for a in parse_path(path, variant, wildcard=True):
            base = current_value(variant, a)
            if base is None:
                raise ScenarioError(
                    [f"scale: {a.path} is not set in the scenario; nothing to scale"]
                )
            scaled[a.path] = float(base) * float(factor)
    return apply_sample(variant, scaled) if scaled else variant


def exposure(s: Scenario, plan: Plan | Schedule) -> np.ndarray:
    """``X_k`` per phase (USD m): what the target keeps if it defects openly after phase ``k``.

    Parameters
    ----------
    s : Scenario
        The scenario (or a type's variant).
    plan : Plan or Schedule
        The plan.

    Returns
    -------
    numpy.ndarray
        ``(K,)``; its maximum is the type's exposure.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path, solve
    >>> s = load_scenario(default_scenario_path())
    >>> exposure(s, solve(s)).shape
    (4,)
    """
    from solver.payoffs import aggregates, coefficients

    sch = plan.schedule if isinstance(plan, Plan) else plan
    if sch is None:
        raise ValueError("the plan has no schedule")
    co = coefficients(s)
    y, z = sch.matrices(s)
    agg = aggregates(co, y, z)
    kept = agg.relief - agg.clawback - agg.cost + agg.restorable
    return np.asarray(co.timeline.annuity * kept + np.cumsum(agg.transfers), dtype=float)


def type_verdicts(s: Scenario, plan: Plan | Schedule) -> list[dict[str, Any]]:
    """Per target type, the plan's verdict (``relief check``'s ``target_types`` list).

    Parameters
    ----------
    s : Scenario
        The scenario with its ``target_types``.
    plan : Plan or Schedule
        The plan.

    Returns
    -------
    list of dict
        ``{"type", "prior", "incentive_compatible", "target_compatible",
        "first_backslide", "min_margin", "exposure", "exposure_phase",
        "constraints_hold"}`` per type (margins and exposure in USD m); empty
        when the scenario declares no types.
    """
    from solver.game.check import check
    from solver.verify import verify_plan

    out = []
    for t in s.target_types:
        v = type_scenario(s, t)
        rep = check(v, plan, thresholds=False, fixes=False)
        x = exposure(v, plan)
        k = int(np.argmax(x))
        out.append(
            {
                "type": t.id,
                "name": t.name or t.id,
                "prior": t.prior,
                "incentive_compatible": bool(rep.incentive_compatible),
                "target_compatible": bool(rep.target_compatible),
                "first_backslide": rep.first_backslide,
                "min_margin": float(f"{min(p.ic_margin for p in rep.phases):.9g}"),
                "exposure": float(f"{x[k]:.9g}"),
                "exposure_phase": k + 1,
                "constraints_hold": verify_plan(v, plan, require_ic=False).ok,
            }
        )
    return out


def render_types(rows: list[dict[str, Any]]) -> str:
    """The per-type verdicts as a text table.

    Parameters
    ----------
    rows : list of dict
        From :func:`type_verdicts`.

    Returns
    -------
    str
        One line per type ("" when there are none).
    """
    if not rows:
        return ""
    lines = [
        "",
        "Target types (docs/robust.md):",
        "  type          prior  verdict                     weakest margin  exposure, USD m",
    ]
    for r in rows:
        if r["incentive_compatible"] and r["constraints_hold"]:
            verdict = "keeps to the plan"
        elif not r["target_compatible"]:
            verdict = f"backslides (phase {r['first_backslide']})"
        elif not r["incentive_compatible"]:
            verdict = "complies; a member defects"
        else:
            verdict = "a constraint fails"
        lines.append(
            f"  {r['type']:<12} {r['prior']:>6.2f}  {verdict:<27} {r['min_margin']:>14,.1f}  "
            f"{r['exposure']:>,.1f} (phase {r['exposure_phase']})"
        )
    return "\n".join(lines) + "\n"


def type_worlds(s: Scenario, t: TargetType, worlds: Any) -> tuple[Scenario, Any]:
    """The type on top of sampled worlds: its scenario and the worlds' columns adjusted.

    A sampled path the type overrides takes the type's value in every world;
    a path it scales is the world's value times the factor.  Paths the worlds
    do not sample take the type's values through the returned scenario.

    Parameters
    ----------
    s : Scenario
        The base scenario.
    t : TargetType
        The type.
    worlds : solver.robust.batch.Worlds
        Sampled worlds of ``s``.

    Returns
    -------
    tuple
        ``(scenario, worlds)`` for :func:`solver.robust.batch.evaluate_plan`.
    """
    from solver.robust.batch import Worlds
    from solver.sensitivity.paths import parse_path

    values = np.array(worlds.values, dtype=float, copy=True)
    index = {p: j for j, p in enumerate(worlds.paths)}
    for path, value in t.overrides.items():
        for a in parse_path(path, s, wildcard=True):
            if a.path in index:
                values[:, index[a.path]] = float(value)
    for path, factor in t.scale.items():
        for a in parse_path(path, s, wildcard=True):
            if a.path in index:
                values[:, index[a.path]] *= float(factor)
    return type_scenario(s, t), Worlds(worlds.paths, values, worlds.seed)


def evaluate_by_type(
    s: Scenario, plan: Plan | Schedule, worlds: Any, *, engine: str = "auto"
) -> list[tuple[TargetType, Any]]:
    """The plan judged in ``worlds`` once per target type (the type's numbers on top).

    Parameters
    ----------
    s : Scenario
        The base scenario with its ``target_types``.
    plan : Plan or Schedule
        The plan, held fixed.
    worlds : solver.robust.batch.Worlds
        Sampled worlds of ``s``.
    engine : str, optional
        As in :func:`solver.robust.batch.evaluate_plan`.

    Returns
    -------
    list of tuple
        ``(type, PlanInWorlds)`` in the scenario's type order (empty without types).
    """
    from solver.robust.batch import evaluate_plan

    out = []
    for t in s.target_types:
        st, wt = type_worlds(s, t, worlds)
        out.append((t, evaluate_plan(st, plan, wt, engine=engine)))
    return out
