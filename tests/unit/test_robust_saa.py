"""The robust (sample-average) solve: its figures are the batched engine's, and it beats the
nominal plan on the worlds it was chosen for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from solver import load_scenario, solve
from solver.robust.batch import Worlds, draw_worlds, evaluate_plan
from solver.robust.saa import robust_model, solve_robust
from solver.sensitivity import load_spec

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
SPEC = MODELS / "dprk_2018_sensitivity.toml"


@pytest.fixture(scope="module")
def default():  # type: ignore[no-untyped-def]
    s = load_scenario(MODELS / "dprk_2018.toml")
    return s, draw_worlds(s, load_spec(SPEC, s), 24, seed=11)


def test_chance_objective_is_the_in_sample_share_where_the_plan_works(default) -> None:  # type: ignore[no-untyped-def]
    s, worlds = default
    res = solve_robust(s, worlds, criterion="chance", time_limit=120)
    assert res.status == "optimal" and res.gap == pytest.approx(0.0, abs=1e-9)
    assert res.schedule is not None
    works = evaluate_plan(s, res.schedule, worlds).works
    # the MIP's rows are sufficient conditions: every world it counts does work
    assert works.mean() >= res.objective - 1e-9
    # and no plan does better in sample: the nominal two-sided optimum included
    nominal = solve(s, require_ic="both", ranges=False)
    assert evaluate_plan(s, nominal, worlds).works.mean() <= res.objective + 1e-9


def test_worst_case_level_is_the_smallest_leverage_over_the_worlds(default) -> None:  # type: ignore[no-untyped-def]
    s, worlds = default
    few = Worlds(worlds.paths, worlds.values[:6], worlds.seed)
    res = solve_robust(s, few, criterion="worst", time_limit=120)
    assert res.status == "optimal" and res.schedule is not None
    r = evaluate_plan(s, res.schedule, few)
    # eta is the smallest L_k over the worlds; the target's margin is L_k where it holds
    held = r.target_ok.all()
    if held:
        assert res.objective == pytest.approx(r.target_margin.min(), rel=1e-6, abs=1e-3)
    nominal = solve(s, require_ic="both", ranges=False)
    rn = evaluate_plan(s, nominal, few)
    assert rn.target_margin.min() <= res.objective + 1e-3 * max(1.0, abs(res.objective))


def test_cvar_and_quantile_build_and_solve(default) -> None:  # type: ignore[no-untyped-def]
    s, worlds = default
    few = Worlds(worlds.paths, worlds.values[:8], worlds.seed)
    q = solve_robust(s, few, criterion="quantile", level=0.25, time_limit=120)
    c = solve_robust(s, few, criterion="cvar", level=0.25, time_limit=120)
    w = solve_robust(s, few, criterion="worst", time_limit=120)
    for res in (q, c, w):
        assert res.status == "optimal" and res.schedule is not None
    # the 25 % quantile of the worlds' minimum leverage is at least its worst case,
    # and the mean of the worst quarter lies between the two
    assert q.objective >= w.objective - 1e-6 * abs(w.objective)
    assert c.objective >= w.objective - 1e-6 * abs(w.objective)


@pytest.mark.parametrize(("criterion", "level"), [("nope", 0.1), ("cvar", 0.0), ("quantile", 1.0)])
def test_bad_criterion_or_level(default, criterion: str, level: float) -> None:  # type: ignore[no-untyped-def]
    s, worlds = default
    with pytest.raises(ValueError):
        robust_model(s, worlds, criterion=criterion, level=level)


def test_model_is_built_once_and_grows_by_one_world_block_per_world(default) -> None:  # type: ignore[no-untyped-def]
    s, worlds = default
    m1, _ = robust_model(s, Worlds(worlds.paths, worlds.values[:1], 0), types=False)
    m3, info = robust_model(s, Worlds(worlds.paths, worlds.values[:3], 0), types=False)
    assert m3.num_vars - m1.num_vars == 2 * (info["world_columns"] + 1)  # + one works binary
    assert sum(m3.integer) - sum(m1.integer) == 2
    # with the default's two target types every world is there twice, once per type
    t1, _ = robust_model(s, Worlds(worlds.paths, worlds.values[:1], 0), types=True)
    t3, _ = robust_model(s, Worlds(worlds.paths, worlds.values[:3], 0), types=True)
    assert t3.num_vars - t1.num_vars == 2 * 2 * (info["world_columns"] + 1)


def test_cli_robust_json(tmp_path: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "solver.cli",
        "solve",
        "--robust",
        str(SPEC),
        "--worlds",
        "12",
        "--seed",
        "11",
        "--check-worlds",
        "500",
        "--json",
    ]
    out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    r = doc["robust"]
    assert doc["status"] == "feasible" and r["status"] == "optimal"  # the plan meets the scenario
    assert r["criterion"] == "chance" and r["worlds"] == 12
    oos = r["out_of_sample"]
    assert oos["worlds"] == 500 and oos["seed"] == 12
    for entry in (oos, r["nominal"], r["proposal"]):
        assert 0.0 <= entry["share"] <= 1.0
        lo, hi = entry["ci"]
        assert lo <= entry["share"] <= hi
    assert 0.0 <= r["in_sample"] <= 1.0
    # the plan printed is the plan judged: reading it back gives the same share
    s = load_scenario(MODELS / "dprk_2018.toml")
    plan_file = tmp_path / "robust.json"
    plan_file.write_text(out.stdout)
    from solver.plan import load_schedule

    sch = load_schedule(plan_file, s)
    worlds = draw_worlds(s, load_spec(SPEC, s), 500, seed=12)
    assert r["types"] is False  # without --types the worlds are the scenario's own
    assert float(np.mean(evaluate_plan(s, sch, worlds).works)) == pytest.approx(oos["share"])


def test_cli_robust_with_types_weighs_each_type_by_its_prior(tmp_path: Path) -> None:
    cmd = [
        sys.executable, "-m", "solver.cli", "solve", "--robust", str(SPEC), "--worlds", "6",
        "--seed", "11", "--check-worlds", "300", "--types", "--json",
    ]  # fmt: skip
    out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)["robust"]
    assert r["types"] is True
    (tmp_path / "robust.json").write_text(out.stdout)
    from solver.plan import load_schedule
    from solver.robust.types import type_worlds

    s = load_scenario(MODELS / "dprk_2018.toml")
    sch = load_schedule(tmp_path / "robust.json", s)
    worlds = draw_worlds(s, load_spec(SPEC, s), 300, seed=12)
    weighted = 0.0
    for t in s.target_types:  # the default's types, each on top of every world
        st, wt = type_worlds(s, t, worlds)
        share = float(np.mean(evaluate_plan(st, sch, wt).works))
        assert share == pytest.approx(r["out_of_sample"]["types"][t.id])
        weighted += t.prior * share
    assert weighted == pytest.approx(r["out_of_sample"]["share"])


def test_cli_robust_refuses_the_same_seed_out_of_sample(tmp_path: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "solver.cli",
        "solve",
        "--robust",
        str(SPEC),
        "--worlds",
        "5",
        "--seed",
        "3",
        "--check-seed",
        "3",
    ]
    out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and "--check-seed" in out.stderr and "Traceback" not in out.stderr


def test_default_model_ships_two_target_types_judged_by_check(tmp_path: Path) -> None:
    s = load_scenario(MODELS / "dprk_2018.toml")
    assert [t.id for t in s.target_types] == ["tactical", "strategic"]
    assert sum(t.prior for t in s.target_types) == pytest.approx(1.0)
    cmd = [sys.executable, "-m", "solver.cli", "check", "--json"]
    out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode in (0, 1), out.stderr
    rows = {r["type"]: r for r in json.loads(out.stdout)["target_types"]}
    assert set(rows) == {"tactical", "strategic"}
    # the patient type loses more by defecting: its weakest margin is the larger
    assert rows["strategic"]["min_margin"] > rows["tactical"]["min_margin"]


def test_cli_robust_against_the_types_alone(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "solver.cli", "solve", "--robust", "types",
           "--require-type", "strategic", "--max-exposure", "20000", "--json"]  # fmt: skip
    out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)["robust"]
    assert r["worlds"] == 0 and r["require_types"] == ["strategic"]
    types = {t["type"]: t for t in r["target_types"]}
    assert types["strategic"]["incentive_compatible"]
    assert types["tactical"]["exposure"] <= 20000 + 1e-6
