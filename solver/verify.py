"""The independent plan verifier.

:func:`verify_plan` re-checks a schedule against the *scenario* (never against
the LP): every constraint family of ``docs/formulation.md`` is recomputed from
the schedule's phases, and each violation is reported with the constraint's
name, the amounts involved and the tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.payoffs import coefficients, phase_values
from solver.plan import Plan, Schedule
from solver.scenario import Scenario
from solver.tolerances import FEAS_TOL, feasible_leq, incentive_compatible


@dataclass(frozen=True)
class Verification:
    """Outcome of :func:`verify_plan`.

    Attributes
    ----------
    ok : bool
        ``True`` when no constraint is violated.
    violations : tuple of str
        One line per violated constraint.
    """

    ok: bool
    violations: tuple[str, ...]


def _phase(x: int | None) -> float:
    return float("inf") if x is None else float(x)


def _check_windows(s: Scenario, sch: Schedule, out: list[str]) -> None:
    for m in s.measures:
        g, (lo, hi) = sch.measures.get(m.id), s.measure_window(m)
        if g is not None and not lo <= g <= hi:
            out.append(f"window: {m.id} granted in phase {g}, outside [{lo}, {hi}]")
        if m.mandatory_by is not None and _phase(g) > m.mandatory_by:
            out.append(f"mandatory: {m.id} must be granted by phase {m.mandatory_by}, got {g}")
    for d in s.milestones:
        g, (lo, hi) = sch.milestones.get(d.id), s.milestone_window(d)
        if g is not None and not lo <= g <= hi:
            out.append(f"window: {d.id} done in phase {g}, outside [{lo}, {hi}]")
        if d.mandatory_by is not None and _phase(g) > d.mandatory_by:
            out.append(f"mandatory: {d.id} must be done by phase {d.mandatory_by}, got {g}")


def _check_precedence(s: Scenario, sch: Schedule, out: list[str]) -> None:
    mp, dp = sch.measures, sch.milestones
    for d in s.milestones:
        g = dp.get(d.id)
        if g is None:
            continue
        start = g - d.duration + 1
        for p in d.requires:
            if _phase(dp.get(p)) > start:
                out.append(
                    f"precedence: {d.id} (phase {g}, starts {start}) requires {p} "
                    f"by phase {start}, got {dp.get(p)}"
                )
        for p in d.after:
            if _phase(dp.get(p)) > start - 1:
                out.append(
                    f"precedence: {d.id} (phase {g}) must come strictly after {p}, got {dp.get(p)}"
                )
    for m in s.measures:
        g = mp.get(m.id)
        if g is None:
            continue
        for preds, table, strict in (
            (m.requires_measures, mp, 0),
            (m.after_measures, mp, 1),
            (m.requires_milestones, dp, 0),
            (m.after_milestones, dp, 1),
        ):
            for p in preds:
                if _phase(table.get(p)) > g - strict:
                    rel = "strictly after" if strict else "no earlier than"
                    out.append(
                        f"precedence: {m.id} (phase {g}) must come {rel} {p}, got {table.get(p)}"
                    )


def _check_coordination(s: Scenario, sch: Schedule, out: list[str]) -> None:
    mp, dp = sch.measures, sch.milestones
    bundles: dict[str, set[int | None]] = {}
    for m in s.measures:
        if m.bundle is not None:
            bundles.setdefault(m.bundle, set()).add(mp.get(m.id))
    for b, phases in bundles.items():
        if len(phases) > 1:
            out.append(
                f"bundle: measures of {b} granted in different phases {sorted(map(str, phases))}"
            )
    for m in s.measures:
        g = mp.get(m.id)
        for a in m.consent:
            for d in s.actor(a).consent_requires:
                if g is not None and _phase(dp.get(d)) > g:
                    out.append(
                        f"consent: {a} consents to {m.id} (phase {g}) only after {d}, "
                        f"done {dp.get(d)}"
                    )
    for inst in s.instruments:
        if inst.capacity is None:
            continue
        for k in range(1, s.phases + 1):
            acts = {
                m.bundle or f"#{m.id}"
                for m in s.measures
                if m.instrument == inst.id and mp.get(m.id) == k
            }
            if len(acts) > inst.capacity:
                out.append(
                    f"capacity: {inst.id} has {len(acts)} new grants in phase {k}, "
                    f"capacity {inst.capacity}"
                )
    for actor in s.actors:
        if actor.reservation is None:
            continue
        for k in range(1, s.phases + 1):
            pay = sum(
                actor.value_share * d.value for d in s.milestones if _phase(dp.get(d.id)) <= k
            )
            pay -= sum(
                m.actor_costs.get(actor.id, 0.0) for m in s.measures if _phase(mp.get(m.id)) <= k
            )
            if not feasible_leq(actor.reservation, pay):
                out.append(
                    f"cohesion: {actor.id}'s payoff {pay:.6g} in phase {k} is below its "
                    f"reservation {actor.reservation:g} (tol {FEAS_TOL:g})"
                )


def _check_resources(s: Scenario, sch: Schedule, out: list[str]) -> None:
    for r in s.resources:
        for t in range(1, s.phases + 1):
            busy = [
                (d.id, d.uses[r.id])
                for d in s.milestones
                if r.id in d.uses
                and (g := sch.milestones.get(d.id)) is not None
                and g - d.duration + 1 <= t <= g
            ]
            used = sum(u for _, u in busy)
            if not feasible_leq(used, r.capacity):
                names = ", ".join(i for i, _ in busy)
                out.append(
                    f"resource: {r.id} needs {used:g} in phase {t} ({names}), "
                    f"capacity {r.capacity:g}"
                )


def _check_balances(s: Scenario, sch: Schedule, out: list[str], require_ic: bool) -> None:
    p = s.parameters
    co = coefficients(s)
    y, z = sch.matrices(s)
    pv = phase_values(co, y, z)
    agg = pv.aggregates
    eq = co.annual_equivalent()
    # relief given for steps: an unconditional measure pays for none (participation, pace, balance)
    eq = eq * np.array([0.0 if m.unconditional else 1.0 for m in s.measures])
    # what the target holds: a flow in force (not ended by its event), a transfer received
    held_now = np.where(co.once[:, None], y, agg.active) if y.size else y
    for k in range(1, s.phases + 1):
        new_u = float(co.u @ (z[:, k - 1] - (z[:, k - 2] if k > 1 else 0))) if z.size else 0.0
        if p.min_progress and not feasible_leq(p.min_progress[k - 1], new_u):
            out.append(
                f"progress: phase {k} adds {new_u:g} of coalition value, "
                f"minimum {p.min_progress[k - 1]:g}"
            )
        if p.max_progress and not feasible_leq(new_u, p.max_progress[k - 1]):
            out.append(f"progress: phase {k} adds {new_u:g}, maximum {p.max_progress[k - 1]:g}")
        new = y[:, k - 1] - (y[:, k - 2] if k > 1 else 0)
        new_v = float(eq @ new) if y.size else 0.0
        if p.min_relief and not feasible_leq(p.min_relief[k - 1], new_v):
            out.append(
                f"relief: phase {k} grants {new_v:g} USD m/yr, minimum {p.min_relief[k - 1]:g}"
            )
        need = p.reciprocity * pv.cost[k - 1]
        held = float(eq @ held_now[:, k - 1]) if y.size else 0.0
        if not feasible_leq(need, held):
            out.append(
                f"participation: phase {k} relief held {held:.6g} USD m/yr < "
                f"{p.reciprocity:g} x step cost {pv.cost[k - 1]:.6g}"
            )
        if p.irreversibility_ratio is not None:
            irr_relief = float((eq * (1 - co.r)) @ y[:, k - 1]) if y.size else 0.0
            share = agg.share[:, k - 1] if z.size else np.zeros(0)
            irr_steps = float((co.c * (1 - share)) @ z[:, k - 1]) if z.size else 0.0
            if not feasible_leq(irr_relief, p.irreversibility_ratio * irr_steps):
                out.append(
                    f"reversibility: phase {k} irreversible relief {irr_relief:.6g} > "
                    f"{p.irreversibility_ratio:g} x irreversible step cost {irr_steps:.6g}"
                )
        comply = float(pv.comply_value[k - 1])
        if require_ic and not incentive_compatible(comply, comply - float(pv.leverage[k - 1])):
            out.append(f"incentive: phase {k} leverage {pv.leverage[k - 1]:.6g} < 0")


def verify_plan(
    scenario: Scenario,
    plan: Plan | Schedule,
    *,
    require_ic: bool | None = None,
    two_sided: bool = False,
) -> Verification:
    """Re-check every constraint of ``scenario`` on ``plan``.

    Parameters
    ----------
    scenario : Scenario
        The scenario the plan claims to solve.
    plan : Plan or Schedule
        A solve result or a bare schedule.
    require_ic : bool, optional
        Also require ``L_k >= 0`` in every phase; defaults to the scenario's
        ``parameters.require_ic``.
    two_sided : bool, optional
        Also require every coalition member to stay and enforce in every phase
        (:mod:`solver.coalition`; the rows of ``relief solve --both-sides``).

    Returns
    -------
    Verification
        ``ok`` and one message per violated constraint.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path, solve
    >>> s = load_scenario(default_scenario_path())
    >>> verify_plan(s, solve(s)).ok
    True
    """
    sch = plan.schedule if isinstance(plan, Plan) else plan
    if sch is None:
        return Verification(False, ("no schedule: the plan has no solution to verify",))
    if require_ic is None:
        require_ic = scenario.parameters.require_ic
    out: list[str] = []
    _check_windows(scenario, sch, out)
    _check_precedence(scenario, sch, out)
    _check_coordination(scenario, sch, out)
    _check_resources(scenario, sch, out)
    _check_balances(scenario, sch, out, require_ic)
    if two_sided:
        _check_coalition(scenario, sch, out)
    return Verification(not out, tuple(out))


def _check_coalition(s: Scenario, sch: Schedule, out: list[str]) -> None:
    from solver.coalition import DEVIATION_NAMES, coalition_values

    y, z = sch.matrices(s)
    for v in coalition_values(s, coefficients(s), y, z):
        for k, ok in enumerate(v.stays):
            if not ok:
                out.append(
                    f"coalition: {v.actor} would {DEVIATION_NAMES[v.deviation[k]]} after "
                    f"phase {k + 1} (margin {v.margin[k]:.6g})"
                )
        # the MIP's row (a sufficient condition): its exit cost covers the funding and
        # enforcement still to come, so no deviation pays whatever the target does
        for k, bound in enumerate(v.bound):
            if v.stays[k] and not incentive_compatible(float(v.stay[k]), float(v.stay[k] - bound)):
                out.append(
                    f"coalition: {v.actor} stays in the deal after phase {k + 1} only through "
                    f"the target's response: the coalition row is short by {-bound:.6g}"
                )
