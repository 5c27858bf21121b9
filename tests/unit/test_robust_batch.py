"""The batched fixed-plan engine gives the verifier's and the game check's verdicts.

Every scenario shipped (the default, its variant, the minimal model and the
four historical cases) is perturbed by a spec that varies every number field
the batched engine covers, and random plans as well as the shipped ones are
judged world by world (``evaluate_exact``: the verifier and ``relief check``)
and all at once (``evaluate_batched``).  They must agree on every verdict,
and on every margin to a relative 1e-7.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from solver import load_scenario, solve
from solver.plan import Schedule, load_schedule
from solver.robust.batch import (
    DESIGN_FAMILIES,
    WORLD_FAMILIES,
    Worlds,
    draw_worlds,
    evaluate_batched,
    evaluate_exact,
    evaluate_plan,
    shares_ci,
    supported,
)
from solver.scenario import Scenario, ScenarioError
from solver.sensitivity import load_spec, spec_from_dict

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
SPEC = MODELS / "dprk_2018_sensitivity.toml"
SCENARIOS = [
    MODELS / "dprk_2018.toml",
    MODELS / "dprk_2018_no_reverse_veto.toml",
    MODELS / "dprk_minimal.toml",
    *sorted((MODELS / "cases").glob("*/scenario.toml")),
]

UNIT = {"reversibility", "detection", "credibility"}


def _wide_spec(s: Scenario) -> dict:
    """A spec varying every covered number of ``s`` (factors 0.5-1.5, units kept in range)."""
    params: list[dict] = [
        {"path": "discount", "range": [0.6, 0.95]},
        {"path": "reciprocity", "range": [0.5, 1.5]},
    ]
    if not isinstance(s.parameters.phase_years, tuple):
        params.append({"path": "parameters.phase_years", "range": [1.0, 4.0]})
    if s.parameters.irreversibility_ratio is not None:
        params.append({"path": "irreversibility_ratio", "range": [1.0, 12.0]})
    for section, fields in (
        ("measures", ("value", "reversibility")),
        ("milestones", ("value", "cost", "detection", "reversibility")),
        ("instruments", ("credibility", "coordination_cost")),
        ("actors", ("value_share", "snapback_gain", "snapback_cost", "exit_cost", "reservation")),
    ):
        for x in getattr(s, section):
            for f in fields:
                base = getattr(x, f)
                if base is None or isinstance(base, tuple) or base == 0:
                    continue
                path = f"{section}.{x.id}.{f}"
                if f in UNIT:
                    params.append({"path": path, "range": [0.0, 1.0]})
                else:
                    params.append({"path": path, "range": [0.5, 1.5], "relative": True})
    return {"parameter": params}


def _random_schedule(s: Scenario, rng: np.random.Generator) -> Schedule:
    def phase() -> int | None:
        g = int(rng.integers(0, s.phases + 1))
        return None if g == 0 else g

    return Schedule(
        measures={m.id: phase() for m in s.measures},
        milestones={d.id: phase() for d in s.milestones},
    )


def _agree(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.members == b.members
    np.testing.assert_array_equal(a.target_ok, b.target_ok)
    np.testing.assert_allclose(a.target_margin, b.target_margin, rtol=1e-7, atol=1e-6)
    np.testing.assert_array_equal(a.member_ok, b.member_ok)
    fin = np.isfinite(b.member_margin)
    np.testing.assert_array_equal(np.isfinite(a.member_margin), fin)
    np.testing.assert_allclose(a.member_margin[fin], b.member_margin[fin], rtol=1e-7, atol=1e-6)
    for f in WORLD_FAMILIES:
        np.testing.assert_array_equal(a.family_fails[f], b.family_fails[f], err_msg=f)
    assert a.design_violations == b.design_violations
    np.testing.assert_array_equal(a.works, b.works)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.parent.name + "/" + p.stem)
def test_batched_equals_exact_on_every_shipped_scenario(path: Path) -> None:
    s = load_scenario(path)
    spec = spec_from_dict(_wide_spec(s), s)
    worlds = draw_worlds(s, spec, 12, seed=5)
    assert supported(worlds, s) == []
    rng = np.random.default_rng(abs(hash(path.name)) % 2**32)
    plans = [solve(s).schedule, *(_random_schedule(s, rng) for _ in range(3))]
    for other in sorted(path.parent.glob("*.toml")):  # a case's plans, as agreed and as carried out
        if other.name not in ("scenario.toml", "outcome.toml") and path.parent.name != "models":
            plans.append(load_schedule(other, s))
    for sch in plans:
        if sch is None:  # the case's own scenario has no feasible plan
            continue
        _agree(evaluate_batched(s, sch, worlds), evaluate_exact(s, sch, worlds))


def test_batched_equals_exact_on_the_shipped_spec_and_proposal() -> None:
    s = load_scenario(MODELS / "dprk_2018.toml")
    worlds = draw_worlds(s, load_spec(SPEC, s), 40, seed=11)
    proposal = load_schedule(MODELS / "plans" / "proposal_2018.toml", s)
    for sch in (solve(s).schedule, proposal):
        assert sch is not None
        b = evaluate_batched(s, sch, worlds)
        _agree(b, evaluate_exact(s, sch, worlds))
        # the verdicts vary across these worlds: the check could fail either way
        assert 0 < b.target_ok.all(axis=1).sum() < worlds.n
        assert 0 < b.constraints_hold.sum() < worlds.n


def test_worlds_are_the_monte_carlo_sweeps_draws() -> None:
    s = load_scenario(MODELS / "dprk_2018.toml")
    spec = load_spec(SPEC, s)
    worlds = draw_worlds(s, spec, 7, seed=3)
    from solver.sensitivity.design import mc_unit, to_values

    x = to_values(spec.params, mc_unit(len(spec.params), 7, 3))
    for i in range(7):
        assert worlds.sample(i) == spec.resolve(x[i])
    again = draw_worlds(s, spec, 9, seed=3)
    np.testing.assert_array_equal(again.values[:7], worlds.values)  # prefixes do not move


def test_nominal_world_gives_the_check_and_the_verifier() -> None:
    from solver.game.check import check
    from solver.verify import verify_plan

    s = load_scenario(MODELS / "dprk_2018.toml")
    plan = solve(s)
    none = Worlds((), np.zeros((1, 0)))
    r = evaluate_plan(s, plan, none)
    rep = check(s, plan, thresholds=False)
    assert r.engine == "batched"
    np.testing.assert_allclose(r.target_margin[0], [p.ic_margin for p in rep.phases], rtol=1e-9)
    assert bool(r.incentive_compatible[0]) == rep.incentive_compatible
    assert bool(r.constraints_hold[0]) == verify_plan(s, plan, require_ic=False).ok


def test_a_design_rule_broken_as_written_fails_every_world() -> None:
    s = load_scenario(MODELS / "dprk_2018.toml")
    sch = solve(s).schedule
    assert sch is not None
    late = s.measures[0]
    bad = Schedule(measures={**sch.measures, late.id: s.phases + 0}, milestones=sch.milestones)
    lo, hi = s.measure_window(late)
    if lo <= s.phases <= hi:  # move it before its window instead, if it has one
        bad = Schedule(measures={**sch.measures, late.id: 1}, milestones=sch.milestones)
    worlds = draw_worlds(s, load_spec(SPEC, s), 20, seed=1)
    r = evaluate_plan(s, bad, worlds)
    if r.design_violations:
        assert not r.works.any() and not r.constraints_hold.any()
        assert all(v.split(":")[0] in DESIGN_FAMILIES for v in r.design_violations)


def test_fields_outside_the_batched_engine_are_judged_exactly() -> None:
    s = load_scenario(MODELS / "dprk_minimal.toml")
    entry = {"path": "parameters.inspection_cost", "range": [0.1, 1.0]}
    spec = spec_from_dict({"parameter": [entry]}, s)
    worlds = draw_worlds(s, spec, 3, seed=0)
    # inspection_cost is covered (it changes no verdict); an objective weight is not
    assert supported(worlds, s) == []
    weird = Worlds((f"measures.{s.measures[0].id}.weight",), np.ones((2, 1)))
    assert supported(weird, s) == [f"measures.{s.measures[0].id}.weight"]
    with pytest.raises(ValueError, match="cannot vary"):
        evaluate_batched(s, solve(s), weird)
    assert evaluate_plan(s, solve(s), weird).engine == "exact"


def test_draws_outside_a_fields_range_are_refused_with_the_path() -> None:
    s = load_scenario(MODELS / "dprk_minimal.toml")
    spec = spec_from_dict(
        {
            "parameter": [
                {
                    "path": "discount",
                    "distribution": "normal",
                    "mean": 0.99,
                    "sd": 0.5,
                    "range": [0.01, 0.999],
                }
            ]
        },
        s,
    )
    try:
        worlds = draw_worlds(s, spec, 200, seed=0)
    except ScenarioError as exc:
        assert "discount" in exc.problems[0] and "worlds" in exc.problems[0]
    else:  # a spec whose range clips the draws keeps them inside
        assert ((worlds.values > 0) & (worlds.values < 1)).all()


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_world_count_must_be_a_positive_whole_number(bad: object) -> None:
    s = load_scenario(MODELS / "dprk_minimal.toml")
    with pytest.raises(ValueError, match="worlds"):
        draw_worlds(s, load_spec(SPEC, load_scenario(MODELS / "dprk_2018.toml")), bad, 0)  # type: ignore[arg-type]


def test_wilson_interval_known_values() -> None:
    lo, hi = shares_ci(0, 50)
    assert lo == 0.0 and 0.07 < hi < 0.072  # 0.0714 (Wilson, 95 %)
    lo, hi = shares_ci(50, 50)
    assert hi == 1.0 and 0.928 < lo < 0.93
    with pytest.raises(ValueError):
        shares_ci(1, 0)


def test_cli_plan_across_worlds_json(tmp_path: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "solver.cli",
        "sensitivity",
        "--spec",
        str(SPEC),
        "--method",
        "mc",
        "--plan",
        str(MODELS / "plans" / "proposal_2018.toml"),
        "--samples",
        "300",
        "--seed",
        "11",
        "--json",
    ]
    out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)["summary"]
    for key in ("works", "constraints_hold", "incentive_compatible"):
        assert 0.0 <= doc[key] <= 1.0
    assert doc["works"] <= min(doc["constraints_hold"], doc["incentive_compatible"])
    assert len(doc["phase_incentive_compatible"]) == 4 and doc["worlds"] == 300
    s = load_scenario(MODELS / "dprk_2018.toml")
    worlds = draw_worlds(s, load_spec(SPEC, s), 300, seed=11)
    proposal = load_schedule(MODELS / "plans" / "proposal_2018.toml", s)
    assert doc["works"] == evaluate_plan(s, proposal, worlds).summary()["works"]


def test_cli_plan_needs_monte_carlo(tmp_path: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "solver.cli",
        "sensitivity",
        "--spec",
        str(SPEC),
        "--method",
        "oat",
        "--plan",
        str(MODELS / "plans" / "proposal_2018.toml"),
    ]
    out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "--plan needs --method mc" in out.stderr
    assert "Traceback" not in out.stderr
