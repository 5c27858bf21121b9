"""Sweeps: evaluate_batch, designs, the store, the methods, and engine independence."""

from __future__ import annotations

import math
import sqlite3

import numpy as np
import pytest

from solver import check, default_scenario_path, load_scenario, solve
from solver.sensitivity import apply_sample, evaluate_batch, run_sweep, spec_from_dict
from solver.sensitivity.design import derived_seed, mc_unit, morris_unit, oat_points, sobol_unit
from solver.sensitivity.evaluate import SampleResult
from solver.sensitivity.executors import batches
from solver.sensitivity.store import Store, StoreMismatch

SMALL = [
    {"path": "discount", "range": [0.7, 0.9]},
    {"path": "instruments.unsc_snapback.credibility", "range": [0.4, 0.9]},
    {"path": "milestones.*.cost", "range": [0.8, 1.2], "relative": True},
]


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(default_scenario_path())


@pytest.fixture(scope="module")
def spec(scenario):
    return spec_from_dict({"parameter": SMALL}, scenario, source="small.toml")


def test_evaluate_batch_matches_a_direct_solve(scenario):
    sample = {"discount": 0.85, "milestones.M08.cost": 1800.0}
    (r,) = evaluate_batch(scenario, [sample])
    plan = solve(apply_sample(scenario, sample))
    assert r.status == "optimal" and r.objective == pytest.approx(plan.objective)
    assert r.schedule["R25"] == plan.schedule.measures["R25"]
    assert r.schedule["M08"] == plan.schedule.milestones["M08"]
    assert len(r.leverage) == len(r.ic_margins) == scenario.phases
    assert r.min_leverage == min(r.leverage)
    # the verdict is both sides': the target's margins hold, but on this target-only
    # plan the ROK and Japan would stop paying for the relief they fund
    report = check(apply_sample(scenario, sample), plan, thresholds=False)
    assert all(m >= 0 for m in r.ic_margins) == report.target_compatible
    assert r.incentive_compatible == report.incentive_compatible


def test_infeasible_sample_is_a_result(scenario):
    (r,) = evaluate_batch(scenario, [{"reciprocity": 50.0}])
    assert r.status == "infeasible" and not r.feasible and not r.incentive_compatible
    assert math.isnan(r.objective) and r.schedule == {}
    assert SampleResult.from_dict(r.to_dict()).status == "infeasible"


def test_sample_result_json_roundtrip_is_exact(scenario):
    import dataclasses
    import json

    (r,) = evaluate_batch(scenario, [{}])
    assert SampleResult.from_dict(r.to_dict()) == r
    assert set(r.to_dict()) == {f.name for f in dataclasses.fields(SampleResult)}
    assert SampleResult.from_dict(json.loads(json.dumps(r.to_dict()))) == r


def test_designs_are_seeded_and_shaped():
    assert np.array_equal(mc_unit(3, 5, 7), mc_unit(3, 5, 7))
    assert not np.array_equal(mc_unit(3, 5, 7), mc_unit(3, 5, 8))
    assert np.array_equal(mc_unit(3, 10, 7)[:5], mc_unit(3, 5, 7))  # prefix property
    assert sobol_unit(3, 8, 1).shape == (8 * 5, 3)
    assert np.array_equal(sobol_unit(3, 8, 0), sobol_unit(3, 8, 0))
    assert morris_unit(3, 4, 0).shape == (4 * 4, 3)
    assert derived_seed(0, 1) > 0


def test_oat_points_vary_one_parameter_at_a_time(spec):
    x = oat_points(spec.params)
    assert x.shape == (7, 3)
    diff = (x[1:] != x[0]).sum(axis=1)
    assert diff.tolist() == [1] * 6


def test_batches_cover_indices_in_tasks_of_10_to_50():
    idx = list(range(437))
    parts = batches(idx, 2)
    assert [i for b in parts for i in b] == idx
    assert all(10 <= len(b) <= 50 for b in parts)
    assert batches(list(range(3)), 8) == [[0, 1, 2]]


def test_store_refuses_another_sweep(tmp_path):
    f = tmp_path / "s.sqlite"
    meta = {"scenario_sha256": "a", "spec_sha256": "b", "method": "mc", "seed": 0, "samples": 4}
    with Store(f, meta) as st:
        st.add([(0, {"discount": 0.8}, SampleResult(status="infeasible"))])
    with Store(f, meta) as st:
        assert list(st.load()) == [0]
    with pytest.raises(
        StoreMismatch, match=r"meta\.scenario_sha256 is \"a\" in the store but \"z\""
    ):
        Store(f, {**meta, "scenario_sha256": "z"})
    with pytest.raises(StoreMismatch, match=r"meta\.spec_sha256"):
        Store(f, {**meta, "spec_sha256": "other"})


def test_oat_tornado(scenario, spec):
    res = run_sweep(scenario, spec, method="oat", store=":memory:")
    s = res.summary
    assert res.completed == 7 and res.reused == 0
    by = {r["path"]: r for r in s["parameters"]}
    disc = by["discount"]
    assert disc["objective"]["low"] < s["baseline"]["objective"] < disc["objective"]["high"]
    (low,) = evaluate_batch(scenario, [{"discount": 0.7}])
    assert disc["objective"]["low"] == low.objective
    swings = [r["objective"]["swing"] for r in s["parameters"]]
    assert swings == sorted(swings, reverse=True)
    assert [r["parameter"] for r in s["rows"]] == [r["name"] for r in s["parameters"]]


def test_thresholds_bracket_a_real_plan_change(scenario):
    # A granted, optional measure whose value falls to 0 buys nothing, and the
    # tie-breaks prefer less relief: somewhere below its value the plan stops
    # granting it.  The bracket must be tight and straddle a real change.
    plan = solve(scenario)
    m = next(
        m
        for m in scenario.measures
        if plan.schedule.measures[m.id] is not None and m.mandatory_by is None and m.value > 0
    )
    path = f"measures.{m.id}.value"
    spec = spec_from_dict({"parameter": [{"path": path, "range": [0.0, m.value]}]}, scenario)
    res = run_sweep(scenario, spec, method="thresholds", samples=3, store=":memory:")
    (p,) = res.summary["parameters"]
    plan_changes = [t for t in p["transitions"] if t["kind"] == "plan"]
    assert plan_changes, p["transitions"]
    t = max(plan_changes, key=lambda t: t["value"])
    a, b = t["bracket"]
    # the bisection narrows the bracket 256-fold from the grid spacing
    assert 0.0 <= a < b <= m.value and b - a <= m.value / 2**8 + 1e-9
    ra, rb = evaluate_batch(scenario, [{path: a}, {path: b}])
    assert (ra.schedule != rb.schedule) == t["plan_changes"]
    assert ra.schedule != rb.schedule or ra.incentive_compatible != rb.incentive_compatible
    assert p["break_even"]["plan_below"] == pytest.approx((a + b) / 2)


def test_thresholds_find_where_ic_is_lost(scenario):
    # Undetectable cheating pays: as the detection of a mandatory, restorable step
    # falls to 0, its covert reversal beats complying (V^cov -> V^C + G rho), so
    # IC must be lost somewhere below the baseline, in a phase where it is done.
    step = max(
        (d for d in scenario.milestones if d.mandatory_by is not None and d.reversibility > 0),
        key=lambda d: d.cost * d.reversibility,
    )
    path = f"milestones.{step.id}.detection"
    spec = spec_from_dict({"parameter": [{"path": path, "range": [0.0, step.detection]}]}, scenario)
    res = run_sweep(scenario, spec, method="thresholds", samples=4, store=":memory:")
    (p,) = res.summary["parameters"]
    ic = [t for t in p["transitions"] if t["kind"] == "ic" and t["ic_lost_downward"]]
    assert ic, p["transitions"]
    t = max(ic, key=lambda t: t["value"])
    a, b = t["bracket"]
    assert 0.0 <= a < b <= step.detection
    ra, rb = evaluate_batch(scenario, [{path: x} for x in (a, b)])
    for k in t["ic_lost_downward"]:  # compatible just above, not just below, in that phase
        assert rb.phase_ic[k - 1] and not ra.phase_ic[k - 1]
    assert p["break_even"]["ic_below"] == pytest.approx((a + b) / 2)


def test_mc_stability_and_engine_independence(scenario, spec, tmp_path):
    one = run_sweep(
        scenario, spec, method="mc", samples=24, seed=3, workers=1, store=tmp_path / "1.sqlite"
    )
    two = run_sweep(
        scenario, spec, method="mc", samples=24, seed=3, workers=2, store=tmp_path / "2.sqlite"
    )
    assert one.summary == two.summary
    s = one.summary
    assert s["samples"] == 24
    for kind in ("measures", "milestones"):
        for rec in s[kind].values():
            assert sum(rec["phases"].values()) == pytest.approx(1.0)
    assert s["milestones"]["M01"]["phases"]["1"] == 1.0  # window [1, 1]
    other = run_sweep(scenario, spec, method="mc", samples=24, seed=4, workers=1, store=":memory:")
    assert other.summary != s


def test_rerun_reuses_everything(scenario, spec, tmp_path):
    f = tmp_path / "m.sqlite"
    first = run_sweep(scenario, spec, method="morris", samples=2, seed=1, store=f)
    again = run_sweep(scenario, spec, method="morris", samples=2, seed=1, store=f)
    assert again.reused == again.completed == first.completed == 8
    assert again.summary == first.summary
    with pytest.raises(StoreMismatch, match=r"meta\.seed"):
        run_sweep(scenario, spec, method="morris", samples=2, seed=2, store=f)


def test_tampered_sample_is_refused(scenario, spec, tmp_path):
    f = tmp_path / "o.sqlite"
    run_sweep(scenario, spec, method="oat", store=f)
    with sqlite3.connect(f) as db:
        db.execute("""UPDATE results SET sample = '{"parameters.discount": 0.5}' WHERE idx = 1""")
    with pytest.raises(StoreMismatch, match="sample 1 in the store differs"):
        run_sweep(scenario, spec, method="oat", store=f)


def test_sobol_and_morris_summaries(scenario, spec):
    sob = run_sweep(scenario, spec, method="sobol", samples=4, seed=0, store=":memory:").summary
    assert sob["samples"] == 4 * 5
    idx = sob["indices"]["objective"]
    assert set(idx) == {"S1", "S1_conf", "ST", "ST_conf"}
    assert set(idx["ST"]) == set(spec.names)
    mor = run_sweep(scenario, spec, method="morris", samples=3, seed=0, store=":memory:").summary
    mu = mor["indices"]["objective"]["mu_star"]
    assert mu["discount"] > 0 and all(v >= 0 for v in mu.values())


def test_bad_arguments(scenario, spec):
    with pytest.raises(ValueError, match="method is 'pca'"):
        run_sweep(scenario, spec, method="pca", store=":memory:")
    with pytest.raises(ValueError, match="--samples is 0"):
        run_sweep(scenario, spec, method="mc", samples=0, store=":memory:")
    with pytest.raises(ValueError, match="--seed is -1"):
        run_sweep(scenario, spec, method="mc", seed=-1, store=":memory:")
    with pytest.raises(ValueError, match="--workers is 0"):
        run_sweep(scenario, spec, method="mc", samples=2, workers=0, store=":memory:")
