"""What makes the robust solve stronger must leave its answer alone (issue 14).

The candidate pool's incumbent, the tight big-M of the incentive rows, merging and
screening are exact: no plan is cut off, and the plan returned works in at least as
many in-sample worlds as any pool plan that may be returned at all.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from solver import load_scenario, solve
from solver.robust import saa
from solver.robust.batch import Worlds, draw_worlds, evaluate_plan
from solver.robust.cli import proposal_schedule
from solver.sensitivity import load_spec

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
SPEC = MODELS / "dprk_2018_sensitivity.toml"
AS_WRITTEN = Worlds((), np.zeros((1, 0)))


@pytest.fixture(scope="module")
def default():  # type: ignore[no-untyped-def]
    s = load_scenario(MODELS / "dprk_2018.toml")
    return s, draw_worlds(s, load_spec(SPEC, s), 24, seed=11)


def _fixed(model, tpl, schedule, picks, works):  # type: ignore[no-untyped-def]
    fixed = saa._fix_plan(model, tpl, schedule)
    assert fixed is not None
    fixed.set_bounds(picks, lb=works, ub=works)
    return saa._solve(fixed, "highspy", 60.0)


def test_tight_big_m_is_smaller_and_cuts_no_plan_off(default) -> None:  # type: ignore[no-untyped-def]
    s, worlds = default
    few = Worlds(worlds.paths, worlds.values[:4], worlds.seed)
    tight, info = saa.robust_model(s, few, big_m="tight")
    loose, _ = saa.robust_model(s, few, big_m="loose")
    assert (tight.num_rows, tight.num_vars) == (loose.num_rows, loose.num_vars)
    # the relaxed incentive rows carry their big-M on the works binary
    picks = info["picks"]
    a_t, a_l = tight.matrix().tocsc(), loose.matrix().tocsc()
    for p in picks:
        bt = np.abs(a_t[:, p].toarray().ravel())
        bl = np.abs(a_l[:, p].toarray().ravel())
        assert np.all(bt <= bl + 1e-9) and bt.sum() < 0.5 * bl.sum()
    # every plan keeps a completion with every world dropped (w = 0): M is valid for it
    _, plans = saa.ceiling(s, few, plans=True)
    nominal = solve(s, require_ic="both", ranges=False).schedule
    for plan in [nominal, *plans.values()]:
        dropped = _fixed(tight, info["template"], plan, picks, 0.0)
        assert dropped.status.value == "optimal"
        # and the worlds it counts are the same under both rules
        free_t = saa._solve(saa._fix_plan(tight, info["template"], plan), "highspy", 60.0)
        free_l = saa._solve(saa._fix_plan(loose, info["template"], plan), "highspy", 60.0)
        assert free_t.objective == pytest.approx(free_l.objective, abs=1e-9)


def test_pool_incumbent_is_never_worse_in_sample_than_a_pool_plan(default) -> None:  # type: ignore[no-untyped-def]
    s, worlds = default
    nominal = solve(s, require_ic="both", ranges=False).schedule
    pool = [("nominal", nominal), ("proposal", proposal_schedule(s))]
    res = saa.solve_robust(s, worlds, pool=pool, pool_worlds=6, time_limit=120)
    assert res.schedule is not None and res.in_sample is not None
    assert len(res.pool) >= 3 and res.pool[0]["source"] == "nominal"
    fits = []
    for p, (name, plan) in zip(res.pool, pool, strict=False):
        assert p["source"] == name
        share = float(evaluate_plan(s, plan, worlds).works.mean())
        assert p["in_sample"] == pytest.approx(share)
        if evaluate_plan(s, plan, AS_WRITTEN).works[0]:
            fits.append(share)
    assert fits  # the nominal optimum works as written
    assert res.in_sample >= max(fits) - 1e-12
    assert res.incumbent is not None and res.incumbent["in_sample"] >= max(fits) - 1e-12
    assert res.in_sample == pytest.approx(
        float(evaluate_plan(s, res.schedule, worlds).works.mean())
    )
    # without the MIP's start, the same optimum: the start only helps it get there
    bare = saa.solve_robust(s, worlds, start=False, pool_worlds=0, time_limit=120)
    assert bare.status == res.status == "optimal"
    assert bare.objective == pytest.approx(res.objective)


def test_screening_drops_exactly_the_worlds_no_plan_reaches(default) -> None:  # type: ignore[no-untyped-def]
    s, worlds = default
    few = Worlds(worlds.paths, worlds.values[:12], worlds.seed)
    reached = saa.ceiling(s, few)
    res = saa.solve_robust(s, few, screen=True, time_limit=120)
    assert res.ceiling == pytest.approx(reached.mean())
    assert res.screened_out == int((~reached).sum())
    plain = saa.solve_robust(s, few, time_limit=120)
    assert res.status == plain.status == "optimal"
    assert res.objective == pytest.approx(plain.objective)
    assert res.objective <= res.ceiling + 1e-9
    # soft: some plan in the world alone; never below the ceiling with the scenario as written
    soft = saa.ceiling(s, few, nominal="soft")
    assert np.all(soft >= reached)


def test_bad_rules_are_refused(default) -> None:  # type: ignore[no-untyped-def]
    s, worlds = default
    with pytest.raises(ValueError, match="nominal is 'firm'"):
        saa.robust_model(s, worlds, nominal="firm")
    with pytest.raises(ValueError, match="big_m is 'huge'"):
        saa.robust_model(s, worlds, big_m="huge")
    with pytest.raises(ValueError, match="pool_worlds is -1"):
        saa.solve_robust(s, worlds, pool_worlds=-1)


def test_cli_robust_json_has_the_pool_and_both_ceilings(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "solver.cli", "solve", "--robust", str(SPEC), "--worlds", "8",
           "--seed", "11", "--check-worlds", "200", "--ceiling", "6", "--screen",
           "--pool-worlds", "3", "--json"]  # fmt: skip
    out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)["robust"]
    keys = ("incumbent", "chosen", "pool", "in_sample_ceiling", "screened_out", "merged",
            "as_written", "timings", "in_sample", "out_of_sample", "ceiling")  # fmt: skip
    for key in keys:
        assert key in r, key
    assert r["as_written"] == "hard" and r["chosen"] in ("mip", "pool")
    assert {p["source"] for p in r["pool"]} >= {"nominal", "proposal"}
    assert r["incumbent"]["in_sample"] <= r["in_sample"] + 1e-12
    assert r["in_sample"] <= r["in_sample_ceiling"] + 1e-12
    c = r["ceiling"]
    assert c["worlds"] == 6 and c["as_written"] == "hard"
    assert c["share"] == c["hard"]["share"] <= c["soft"]["share"]
    lo, hi = c["soft"]["ci"]
    assert lo <= c["soft"]["share"] <= hi


def test_cli_as_written_soft(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "solver.cli", "solve", "--robust", str(SPEC), "--worlds", "6",
           "--seed", "11", "--check-worlds", "100", "--as-written", "soft"]  # fmt: skip
    out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "the scenario as written is not imposed (--as-written soft)" in out.stdout
    assert "candidate pool: best" in out.stdout
    bad = subprocess.run([*cmd[:-2], "--as-written", "loose"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert bad.returncode == 2 and "--as-written" in bad.stderr and "Traceback" not in bad.stderr
