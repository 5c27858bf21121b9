"""Solving: backend parity, statuses, verification, evaluation of given plans (issue 2)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from solver import (
    BACKENDS,
    MODELS_DIR,
    Status,
    check,
    evaluate,
    load_scenario,
    load_schedule,
    solve,
    verify_plan,
)
from solver.backends import run_backend
from solver.backends.highs_scipy import map_status as highs_status
from solver.backends.pulp_backend import map_status as pulp_status
from solver.model import LinearModel
from solver.scenario import scenario_from_dict
from tests.conftest import SMALL

SHIPPED = sorted(p for p in MODELS_DIR.glob("*.toml") if not p.name.endswith("_sensitivity.toml"))


@pytest.mark.parametrize("path", [SMALL, *SHIPPED], ids=lambda p: p.stem)
def test_backends_agree_on_every_shipped_model(path):
    s = load_scenario(path)
    plans = {b: solve(s, backend=b) for b in BACKENDS}
    for b, plan in plans.items():
        assert plan.status is Status.OPTIMAL, (b, plan.message)
        assert verify_plan(s, plan).ok, (b, verify_plan(s, plan).violations)
    ref = plans["highs"].objective
    for b, plan in plans.items():
        assert plan.objective == pytest.approx(ref, rel=1e-5, abs=1e-4), b


def test_default_plan_is_explainable():
    s = load_scenario(MODELS_DIR / "dprk_2018.toml")
    plan = solve(s)
    phases = plan.phases()
    assert all(p["milestones"] for p in phases), "progress in every phase"
    assert all(p["measures"] for p in phases), "relief in every phase"
    thr = s.parameters.reversibility_threshold
    for p in phases:
        for mid in p["measures"]:
            if s.measure(mid).reversibility < thr:
                assert p["phase"] >= s.parameters.irreversible_from
    for m in s.measures:
        if m.mandatory_by is not None:
            assert plan.schedule.measures[m.id] <= m.mandatory_by


def test_require_ic_gives_nonnegative_leverage(small_doc):
    small_doc["actors"][1]["snapback_cost"] = 0  # China no longer blocks the UNSC snapback
    s = scenario_from_dict(small_doc)
    plan = solve(s, require_ic=True)
    assert plan.status is Status.OPTIMAL
    assert min(p["leverage"] for p in plan.phases()) >= -1e-6
    assert check(s, plan).incentive_compatible
    assert plan.explanation == ("round 1: the subgame-perfect check passes every phase",)


def test_require_ic_uses_the_effective_credibility_from_the_first_round():
    # In the fixture China pays 50 to snap back and gains nothing: the UNSC
    # snapback is not credible.  The MIP uses the game's effective credibility
    # (q = 0) from the start (one judge), so no phasing is incentive-compatible
    # and the first round says why.
    plan = solve(load_scenario(SMALL), require_ic=True)
    assert plan.status is Status.INFEASIBLE
    assert plan.explanation[0].startswith("round 1: no incentive-compatible phasing")
    assert "unsc q=0" in plan.explanation[0]


def test_objectives_differ_and_verify():
    s = load_scenario(SMALL)
    for obj in ("leverage", "speed", "weighted"):
        plan = solve(s, objective=obj)
        assert plan.status is Status.OPTIMAL and verify_plan(s, plan).ok
        assert plan.objective_name == obj


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="backend is 'gurobi'; choose one of highs"):
        solve(load_scenario(SMALL), backend="gurobi")


def test_verifier_names_violations():
    s = load_scenario(SMALL)
    sched = solve(s).schedule
    bad = replace(sched, milestones={**sched.milestones, "M2": 1})  # M2 strictly after M1
    v = verify_plan(s, bad)
    assert not v.ok
    assert any(
        x.startswith("precedence: M2 (phase 1) must come strictly after M1") for x in v.violations
    )
    never = replace(sched, measures={**sched.measures, "R4": None})
    assert any("mandatory: R4" in x for x in verify_plan(s, never).violations)


def test_evaluate_given_plan_matches_optimum_when_same_schedule():
    s = load_scenario(SMALL)
    opt = solve(s)
    ev = evaluate(s, opt.schedule)
    assert ev.status is Status.FEASIBLE
    assert ev.objective == pytest.approx(opt.objective, rel=1e-6)


def test_proposal_plan_file_scores_below_optimum():
    s = load_scenario(MODELS_DIR / "dprk_2018.toml")
    path = MODELS_DIR / "plans" / "proposal_2018.toml"
    ev = evaluate(s, load_schedule(path, s))
    opt = solve(s)
    if ev.status is Status.FEASIBLE:
        assert ev.objective is not None and ev.objective <= opt.objective + 1e-6
    else:  # a plan that breaks a constraint has no objective value; the message says why
        assert ev.violations and ev.objective is None
        assert "no objective value" in ev.message
    # its leverage per phase is reported either way, from the payoff model
    assert [p["leverage"] for p in ev.phases()] == pytest.approx(
        ev.schedule.values(s).leverage.tolist(), abs=1e-6
    )


def test_time_limit_statuses_map():
    assert highs_status(1, True) is Status.FEASIBLE
    assert highs_status(1, False) is Status.TIME_LIMIT
    assert highs_status(0, True) is Status.OPTIMAL
    assert highs_status(2, False) is Status.INFEASIBLE
    assert highs_status(3, False) is Status.UNBOUNDED
    assert highs_status(4, False) is Status.ERROR
    assert pulp_status(1, 2) is Status.FEASIBLE
    assert pulp_status(1, 1) is Status.OPTIMAL
    assert pulp_status(-1, 0) is Status.INFEASIBLE
    assert pulp_status(-2, -2) is Status.UNBOUNDED
    assert pulp_status(0, 0) is Status.TIME_LIMIT
    assert pulp_status(-3, 0) is Status.ERROR


@pytest.mark.parametrize("backend", BACKENDS)
def test_unbounded_and_infeasible_models_are_results(backend):
    m = LinearModel("u")
    m.add_var("x", obj=1.0)
    assert run_backend(m, backend).status in (Status.UNBOUNDED, Status.INFEASIBLE)
    m = LinearModel("i")
    x = m.add_var("x", ub=1.0, integer=True)
    m.add_row("impossible", {x: 1.0}, lb=2.0)
    sol = run_backend(m, backend)
    assert sol.status is Status.INFEASIBLE and sol.x is None


def test_schedule_matrices_are_monotone():
    s = load_scenario(SMALL)
    y, z = solve(s).schedule.matrices(s)
    assert np.all(np.diff(y, axis=1) >= 0) and np.all(np.diff(z, axis=1) >= 0)


def test_text_output_names_steps_never_done():
    from solver.render import render_plan

    s = load_scenario(MODELS_DIR / "dprk_2018.toml")
    plan = solve(s)
    undone = plan.to_dict()["never_milestones"]
    text = render_plan(plan)
    if undone:
        assert f"Never done: {', '.join(undone)}" in text
    else:
        assert "Never done" not in text
    assert "Timings: " in text  # a solve has timings; an empty line is never printed
