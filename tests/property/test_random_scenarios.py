"""Property tests over random small scenarios (issue 2).

* Every plan returned for a random valid scenario passes the verifier.
* HiGHS and CBC reach the same optimum.
* A random assignment is rejected by the verifier exactly when the MIP with
  that assignment fixed is infeasible (the verifier and the model agree).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import Schedule, Status, check, evaluate, solve, verify_plan
from solver.backends import run_backend
from solver.formulation.common import BuildOptions
from solver.formulation.step import build
from solver.scenario import scenario_from_dict
from solver.solve import fix_schedule

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def scenarios(draw):
    k = draw(st.integers(2, 4))
    n_m, n_d = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    prob = st.floats(0, 1).map(lambda x: round(x, 2))
    window = st.tuples(st.integers(1, k), st.integers(1, k)).map(sorted).map(list)
    milestones = []
    superseded: set[str] = set()
    for i in range(n_d):
        earlier = [f"M{j}" for j in range(i)]
        d = {
            "id": f"M{i}",
            "value": draw(st.integers(0, 5)),
            "cost": draw(st.integers(0, 50)),
            "reversibility": draw(prob),
            "detection": draw(prob),
        }
        if earlier and draw(st.booleans()):
            pre = draw(st.sampled_from(earlier))
            d[draw(st.sampled_from(["requires", "after"]))] = [pre]
            if pre not in superseded and draw(st.booleans()):  # a chain: pre restores less
                d["supersedes"] = [pre]
                superseded.add(pre)
        if earlier and draw(st.integers(0, 2)) == 0:  # a verification step
            d["raises_detection"] = {draw(st.sampled_from(earlier)): draw(prob)}
        if draw(st.booleans()):
            d["phase_window"] = draw(window)
        if draw(st.integers(0, 3)) == 0:
            d["mandatory_by"] = k
        if draw(st.integers(0, 2)) == 0:
            d["duration"] = draw(st.integers(1, 2))
        if draw(st.booleans()):
            d["uses"] = {"inspectors": draw(st.integers(1, 2))}
        milestones.append(d)
    measures = []
    for i in range(n_m):
        m = {
            "id": f"R{i}",
            "value": draw(st.integers(0, 80)),
            "reversibility": draw(prob),
            "instrument": draw(st.sampled_from(["unsc", "exec"])),
        }
        kind = draw(st.integers(0, 4))
        if kind == 0:  # a one-off transfer (USD m once)
            m.update(kind="transfer", reversibility=0.0, value=draw(st.integers(0, 300)))
        elif kind == 1:  # a flow that ends with another item
            events = [f"R{j}" for j in range(n_m) if j != i] + [x["id"] for x in milestones]
            m["ends_with"] = draw(st.sampled_from(events))
        if draw(st.integers(0, 3)) == 0:
            m["snapback_instrument"] = "snap"
        if draw(st.booleans()):
            m["requires_milestones"] = [draw(st.sampled_from([d["id"] for d in milestones]))]
        if draw(st.integers(0, 2)) == 0:
            m["bundle"] = "b"
        if draw(st.booleans()):
            m["phase_window"] = draw(window)
        measures.append(m)
    params = {
        "discount": draw(st.floats(0.5, 0.95)),
        "reciprocity": draw(st.sampled_from([0.0, 0.5, 1.0])),
        "irreversibility_ratio": draw(st.sampled_from([0.5, 1.0, 2.0])),
    }
    if draw(st.booleans()):  # phases of unequal length
        params.pop("discount")
        params["annual_discount"] = draw(st.floats(0.7, 0.97))
        params["phase_years"] = [draw(st.sampled_from([0.25, 1.0, 2.5, 6.0])) for _ in range(k)]
    return {
        "name": "random",
        "phases": k,
        "parameters": params,
        "actors": [{"id": "us"}],
        "instruments": [
            {
                "id": "unsc",
                "kind": "unsc_resolution",
                "capacity": draw(st.integers(1, 2)),
                "credibility": draw(prob),
            },
            {"id": "exec", "kind": "executive", "veto_players": ["us"]},
            {"id": "snap", "kind": "reverse_veto", "credibility": [draw(prob) for _ in range(k)]},
        ],
        "measures": measures,
        "milestones": milestones,
        "resources": [{"id": "inspectors", "capacity": draw(st.integers(1, 3))}],
    }


@SETTINGS
@given(scenarios())
def test_every_returned_plan_verifies(doc):
    s = scenario_from_dict(doc)
    plan = solve(s, explain=False)
    assert plan.status in (Status.OPTIMAL, Status.INFEASIBLE), plan.message
    if plan.status is Status.OPTIMAL:
        assert verify_plan(s, plan).ok, verify_plan(s, plan).violations
    ic = solve(s, require_ic=True, explain=False)
    if ic.status is Status.OPTIMAL:
        assert verify_plan(s, ic, require_ic=True).ok


@settings(max_examples=15, deadline=None)
@given(scenarios())
def test_highs_and_cbc_agree(doc):
    s = scenario_from_dict(doc)
    a, b = solve(s, backend="highs", explain=False), solve(s, backend="cbc", explain=False)
    assert a.status == b.status
    if a.status is Status.OPTIMAL:
        assert abs(a.objective - b.objective) <= 1e-5 * max(1.0, abs(a.objective)) + 1e-4


@SETTINGS
@given(scenarios(), st.data())
def test_verifier_agrees_with_the_model_on_random_assignments(doc, data):
    s = scenario_from_dict(doc)
    phase = st.one_of(st.none(), st.integers(1, s.phases))
    sched = Schedule(
        measures={m.id: data.draw(phase) for m in s.measures},
        milestones={d.id: data.draw(phase) for d in s.milestones},
    )
    built = build(s, BuildOptions())
    y, _ = sched.matrices(s)
    feasible = run_backend(fix_schedule(built, sched), "highs").status is Status.OPTIMAL
    verdict = verify_plan(s, sched)
    windows_ok = all(
        sched.measures[m.id] is None or sched.measures[m.id] >= s.measure_window(m)[0]
        for m in s.measures
    ) and all(
        sched.milestones[d.id] is None or sched.milestones[d.id] >= s.milestone_window(d)[0]
        for d in s.milestones
    )
    # Window lower bounds are variable bounds in the model: fixing below them is
    # a bound conflict, which HiGHS also reports as infeasible.
    assert verdict.ok == (feasible and windows_ok), (verdict.violations, feasible)
    assert np.all(np.diff(y, axis=1) >= 0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(0, 100), st.integers(0, 100))
def test_every_require_ic_plan_passes_the_game_check(doc, cn_cost, us_gain):
    # China's snapback cost and the US's gain decide whether the UNSC snapback
    # is credible; the solve / check loop must never return a plan the
    # subgame-perfect check rejects.
    doc["actors"] = [
        {"id": "us", "permanent_member": True, "snapback_gain": us_gain},
        {"id": "cn", "permanent_member": True, "snapback_gain": 20, "snapback_cost": cn_cost},
    ]
    doc["instruments"][0]["veto_players"] = ["us", "cn"]
    s = scenario_from_dict(doc)
    plan = solve(s, require_ic=True, explain=False)
    if plan.schedule is not None:
        assert plan.status is Status.OPTIMAL, plan.explanation
        assert check(s, plan).incentive_compatible
        assert verify_plan(s, plan, require_ic=True).ok
    else:
        assert plan.status is Status.INFEASIBLE


def _with_members(doc, data):
    """Add a donor (step values, funding, an exit cost) and a neighbour (enforcement)."""
    money = st.integers(0, 60).map(float)
    donor = {"id": "donor", "exit_cost": data.draw(st.integers(0, 400).map(float))}
    donor["step_values"] = {
        d["id"]: data.draw(money) for d in doc["milestones"] if data.draw(st.booleans())
    }
    neighbour = {"id": "cn", "exit_cost": data.draw(st.integers(0, 400).map(float))}
    both = data.draw(st.booleans())  # the donor also enforces: its row then covers both
    for m in doc["measures"]:
        if data.draw(st.booleans()):
            m["actor_costs"] = {"donor": data.draw(st.integers(0, 40).map(float))}
        if data.draw(st.booleans()):
            m["enforcement_costs"] = {"cn": data.draw(st.integers(0, 80).map(float))}
            m["enforced_by"] = {"cn": data.draw(st.floats(0, 1).map(lambda x: round(x, 2)))}
            if both:
                m["enforcement_costs"]["donor"] = data.draw(st.integers(0, 30).map(float))
    doc["actors"] = [*doc["actors"], donor, neighbour]
    return doc


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.data())
def test_every_two_sided_plan_passes_the_two_sided_check(doc, data):
    """With both sides required, every plan returned keeps every member in (enforcing and
    paying: the renege rows are sufficient for the check's exact renege test), passes the
    two-sided check and the verifier's coalition rows, and its leverage is the check's
    margin (no member lapses, so the target's game sees the nominal values)."""
    s = scenario_from_dict(_with_members(doc, data))
    plan = solve(s, require_ic="both", explain=False)
    if plan.schedule is None:
        assert plan.status is Status.INFEASIBLE, plan.message
        return
    assert plan.status is Status.OPTIMAL, plan.explanation
    report = check(s, plan, thresholds=False)
    assert report.incentive_compatible, report.render()
    assert report.lapsed == []
    assert all(all(v.stays) and all(v.pays) for v in report.coalition)
    for v in report.coalition:  # the coalition row's guarantee never exceeds an exact margin
        for exact in (v.leave_margin, v.enforce_margin, v.renege_margin):
            assert (v.bound <= exact + 1e-6 * np.maximum(1.0, np.abs(v.stay))).all()
    assert verify_plan(s, plan, require_ic=True, two_sided=True).ok
    for pa, pc in zip(plan.phases(), report.phases, strict=True):
        assert pa["leverage"] == pytest.approx(pc.ic_margin, rel=1e-6, abs=1e-6)


@SETTINGS
@given(scenarios(), st.data())
def test_mip_leverage_rows_equal_the_payoff_definition(doc, data):
    # Fix a random schedule in the leverage model (relaxing every other family)
    # and maximise: each L_k has a positive weight, so it rises to the minimum
    # over the target's deviation classes, which must be solver.payoffs' value.
    doc["parameters"].pop("irreversibility_ratio")
    doc["parameters"]["reciprocity"] = 0.0
    for d in doc["milestones"]:
        for key in ("requires", "after", "supersedes", "phase_window", "mandatory_by",
                    "duration", "uses"):  # fmt: skip
            d.pop(key, None)
    for m in doc["measures"]:
        for key in ("requires_milestones", "bundle", "phase_window"):
            m.pop(key, None)
    doc["instruments"][0].pop("capacity")
    s = scenario_from_dict(doc)
    phase = st.one_of(st.none(), st.integers(1, s.phases))
    sched = Schedule(
        measures={m.id: data.draw(phase) for m in s.measures},
        milestones={d.id: data.draw(phase) for d in s.milestones},
    )
    built = build(s, BuildOptions(objective="maxmin"))  # a positive weight on every L_k
    sol = run_backend(fix_schedule(built, sched), "highs")
    assert sol.status is Status.OPTIMAL
    expected = sched.values(s).leverage
    got = sol.x[built.vars.leverage]
    tol = 1e-5 * max(1.0, np.abs(expected).max())
    assert np.allclose(got, expected, rtol=1e-6, atol=tol)
    # the game's subgame-perfect margin is the same number (one judge)
    game = np.array([g.margin() for g in check(s, sched, thresholds=False).games])
    assert np.allclose(game, expected, rtol=1e-9, atol=1e-9 * max(1.0, np.abs(expected).max()))


@SETTINGS
@given(scenarios())
def test_solve_solve_plan_and_check_report_the_same_margins(doc):
    """``solve``, ``solve --plan`` (evaluate) and ``check`` agree phase by phase."""
    s = scenario_from_dict(doc)
    plan = solve(s, explain=False)
    if plan.schedule is None:
        return
    again = evaluate(s, plan.schedule)
    report = check(s, plan, thresholds=False)
    a, b = plan.phases(), again.phases()
    for pa, pb, pc in zip(a, b, report.phases, strict=True):
        assert pa["leverage"] == pb["leverage"]
        assert pa["best_deviation"] == pb["best_deviation"]
        scale = 1e-6 * max(1.0, abs(pc.comply_value))
        assert abs(max(pa["leverage"], 0.0) - max(pc.ic_margin, 0.0)) <= scale + 1e-6
        assert pc.deviation == pa["best_deviation"]["kind"]
        assert (pa["leverage"] >= -scale) == pc.incentive_compatible


def _perturbed(s, rng):
    """A numeric variant of ``s``: every number a sweep may vary, redrawn."""
    from solver.sensitivity import apply_sample

    sample = {"discount": float(rng.uniform(0.5, 0.95))}
    sample["reciprocity"] = float(rng.choice([0.0, 0.5, 1.0]))
    sample["irreversibility_ratio"] = float(rng.uniform(0.2, 2.0))
    for m in s.measures:
        sample[f"measures.{m.id}.value"] = float(rng.integers(0, 80))
        sample[f"measures.{m.id}.reversibility"] = float(rng.uniform(0, 1))
    for d in s.milestones:
        sample[f"milestones.{d.id}.value"] = float(rng.integers(0, 5))
        sample[f"milestones.{d.id}.cost"] = float(rng.integers(0, 50))
        sample[f"milestones.{d.id}.reversibility"] = float(rng.uniform(0, 1))
        sample[f"milestones.{d.id}.detection"] = float(rng.choice([0.1, 0.5, 0.9]))
    sample["instruments.unsc.credibility"] = float(rng.uniform(0, 1))
    for a in s.actors:
        if a.id in ("donor", "cn"):  # the two-sided rows' right-hand sides
            sample[f"actors.{a.id}.exit_cost"] = float(rng.integers(0, 400))
    return apply_sample(s, sample)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(0, 2**32 - 1), st.data())
def test_template_refill_equals_a_fresh_build(doc, seed, data):
    """Refilling a template's numbers gives exactly the builder's model, in both
    leverage forms (the IC one with the two-sided rows, a funding and enforcing
    donor's renege rows among them), whenever the structure key matches (and
    raises otherwise)."""
    from solver.formulation.template import StepTemplate, StructureChanged

    s = scenario_from_dict(_with_members(doc, data))
    rng = np.random.default_rng(seed)
    for require_ic in (False, True):
        opts = BuildOptions(require_ic=require_ic, two_sided=require_ic)
        tpl = StepTemplate(s, opts)
        for _ in range(4):
            v = _perturbed(s, rng)
            if not tpl.fits(v):
                with pytest.raises(StructureChanged):
                    tpl.refill(v)
                continue
            got, want = tpl.refill(v), build(v, opts).model
            assert (got.matrix() != want.matrix()).nnz == 0
            assert got.obj == want.obj
            assert (got.row_lb, got.row_ub, got.lb, got.ub) == (
                want.row_lb,
                want.row_ub,
                want.lb,
                want.ub,
            )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.booleans())
def test_structural_fixings_hold_in_every_solution_and_keep_the_optimum(doc, require_ic):
    """Columns fixed by propagation over the constant rows take those values in
    the optimum, columns found equal are equal in it, and the reduced HiGHS
    session (fixings, dropped rows, merged columns) reaches the full model's
    optimum with a solution feasible for the full model."""
    from solver.backends.highspy_direct import HighsSession
    from solver.presolve import implied_equalities, implied_fixings, redundant_rows

    s = scenario_from_dict(doc)
    model = build(s, BuildOptions(require_ic=require_ic)).model
    full = run_backend(model, "highs")
    fixed = implied_fixings(model)
    equal = implied_equalities(model, fixed)
    drop = redundant_rows(model, fixed) | equal.rows
    reduced = HighsSession(model, fixed=fixed, drop_rows=drop, merge=equal.representative).solve(
        model
    )
    assert reduced.status == full.status
    if full.status is Status.OPTIMAL:
        # both within HiGHS's relative gap (1e-6) of the optimum, possibly on opposite sides
        assert abs(reduced.objective - full.objective) <= 1e-5 * max(1.0, abs(full.objective))
        for j, v in fixed.items():
            assert abs(full.x[j] - v) < 1e-6, model.var_names[j]
        for j, rep in equal.representative.items():  # merged columns are equal in any optimum
            assert abs(full.x[j] - full.x[rep]) < 1e-6, (model.var_names[j], model.var_names[rep])
            assert reduced.x[j] == reduced.x[rep]
        slack = model.matrix() @ full.x
        for r in np.nonzero(drop)[0]:  # a dropped row holds at the optimum (it never binds)
            assert model.row_lb[r] - 1e-6 <= slack[r] <= model.row_ub[r] + 1e-6
        assert abs(model.objective_value(reduced.x) - reduced.objective) < 1e-6 * max(
            1.0, abs(reduced.objective)
        )
        act = model.matrix() @ reduced.x  # mapped back, it satisfies every row of the model
        scale = 1e-6 * np.maximum(1.0, np.abs(act))
        assert (act >= np.asarray(model.row_lb) - scale).all()
        assert (act <= np.asarray(model.row_ub) + scale).all()


@SETTINGS
@given(scenarios(), st.data())
def test_two_sided_rows_are_the_members_margins(doc, data):
    """Each coalition row's slack at a fixed plan is the member's bound (solver.coalition):
    its exit cost less the funding and enforcement still to come, which is its leave
    margin when the target keeps complying without it, and never above any of its
    exact margins (leave, stop enforcing, stop paying) whatever the target does."""
    from solver.coalition import actor_payoffs, coalition_values
    from solver.payoffs import coefficients

    doc["parameters"].pop("irreversibility_ratio")
    doc["parameters"]["reciprocity"] = 0.0
    for d in doc["milestones"]:  # chains kept (supersedes needs its prerequisites)
        for key in ("phase_window", "mandatory_by", "duration", "uses"):
            d.pop(key, None)
    for m in doc["measures"]:
        for key in ("requires_milestones", "bundle", "phase_window"):
            m.pop(key, None)
    doc["instruments"][0].pop("capacity")
    s = scenario_from_dict(_with_members(doc, data))
    phase = st.one_of(st.none(), st.integers(1, s.phases))
    sched = Schedule(
        measures={m.id: data.draw(phase) for m in s.measures},
        milestones={d.id: data.draw(phase) for d in s.milestones},
    )
    one = build(s, BuildOptions(objective="maxmin"))
    sol = run_backend(fix_schedule(one, sched), "highs")
    if sol.status is Status.INFEASIBLE:  # a random plan that breaks a precedence row
        assert not verify_plan(s, sched).ok
        return
    assert sol.status is Status.OPTIMAL
    two = build(s, BuildOptions(objective="maxmin", two_sided=True)).model
    rows = [i for i, g in enumerate(two.row_groups) if g == "coalition"]
    slack = (two.matrix() @ sol.x)[rows] - np.asarray(two.row_lb)[rows]
    y, z = sched.matrices(s)
    want = []
    values = {v.actor: v for v in coalition_values(s, coefficients(s), y, z)}
    for p in actor_payoffs(s):
        v = values[p.actor]
        tol = 1e-7 * np.maximum(1.0, np.abs(v.stay))
        for exact in (v.leave_margin, v.enforce_margin, v.renege_margin):
            assert (v.bound <= exact + tol).all()
        for k in range(s.phases):  # the target complying: the leave margin is the bound
            if v.leave_defects[k] is None:
                assert v.leave_margin[k] == pytest.approx(v.bound[k], rel=1e-9, abs=1e-7)
        if p.funds or p.enforcing.sum() > 0:
            want.extend(v.bound)
    scale = max(1.0, float(np.abs(want).max(initial=0.0)))
    assert np.allclose(slack, want, rtol=1e-9, atol=1e-7 * scale)


@SETTINGS
@given(scenarios(), st.data())
def test_vectorised_target_answers_equal_phase_values(doc, data):
    """payoffs.target_holds judges many variants of a plan at once (measures withdrawn, values
    scaled, credibility changed); each row must be phase_values' verdict on that variant."""
    from dataclasses import replace

    from solver.payoffs import coefficients, phase_values, target_holds
    from solver.tolerances import incentive_compatible

    s = scenario_from_dict(doc)
    co = coefficients(s)
    n_m, kk = len(co.v), co.phases
    y = np.array(data.draw(st.lists(st.booleans(), min_size=n_m * kk, max_size=n_m * kk)), float)
    z = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(co.c) * kk, max_size=len(co.c) * kk)), float
    )
    y = np.maximum.accumulate(y.reshape(n_m, kk), axis=1)  # once granted, held
    z = np.maximum.accumulate(z.reshape(len(co.c), kk), axis=1)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    ended = rng.random((4, n_m)) < 0.4
    v = co.v * rng.choice([0.0, 0.5, 1.0], size=(4, n_m))
    q = np.clip(co.q + rng.choice([-1.0, 0.0, 0.5], size=(4, n_m, 1)), 0.0, 1.0)
    got = target_holds(co, y, z, ended, v, q)
    for i in range(4):
        mask = np.repeat(ended[i][:, None], kk, axis=1)
        pv = phase_values(replace(co, v=v[i], q=q[i]), y, z, mask)
        want = [
            incentive_compatible(float(c), float(c - m))
            for c, m in zip(pv.comply_value, pv.leverage, strict=True)
        ]
        assert got[i].tolist() == want
