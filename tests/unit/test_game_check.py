"""check(): consistency with solver.payoffs, credibility rules, the JSON contract, the CLI."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from solver.backends.base import Status
from solver.game import check, credibility_table
from solver.game.cli import add_check_parser
from solver.game.examples import toy_scenario
from solver.payoffs import coefficients, phase_values
from solver.plan import Plan, load_schedule
from solver.scenario import Actor, Instrument, load_scenario
from solver.solve import solve

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "models" / "dprk_2018.toml"
NO_RV = ROOT / "models" / "dprk_2018_no_reverse_veto.toml"
PROPOSAL = ROOT / "models" / "plans" / "proposal_2018.toml"


def _all_credible(s):
    actors = tuple(dataclasses.replace(a, snapback_gain=1.0, snapback_cost=0.0) for a in s.actors)
    insts = tuple(dataclasses.replace(i, coordination_cost=0.0) for i in s.instruments)
    return dataclasses.replace(s, actors=actors, instruments=insts)


@pytest.mark.parametrize("path", [DEFAULT, NO_RV])
def test_margin_equals_leverage_when_every_snapback_is_credible(path):
    s = _all_credible(load_scenario(path))
    sched = load_schedule(PROPOSAL, s)
    r = check(s, sched)
    assert r.effective_credibility == {i.id: i.credibility for i in s.instruments}
    lev = sched.values(s).leverage
    got = np.array([p.ic_margin for p in r.phases])
    np.testing.assert_allclose(got, lev, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("path", [DEFAULT, NO_RV])
def test_margin_equals_leverage_under_effective_credibility(path):
    # The contract the MIP cut loop relies on: re-evaluating payoffs.py with the
    # game's q gives the game's margins.
    s = load_scenario(path)
    sched = load_schedule(PROPOSAL, s)
    r = check(s, sched)
    y, z = sched.matrices(s)
    lev = phase_values(coefficients(s, credibility=r.effective_credibility), y, z).leverage
    for p, want in zip(r.phases, lev, strict=True):
        assert p.ic_margin == pytest.approx(want, rel=1e-12, abs=1e-6)


def test_default_unsc_resolution_vetoed_by_china_reverse_veto_not():
    cred = credibility_table(load_scenario(DEFAULT))
    assert not cred["unsc_resolution"].credible
    assert cred["unsc_resolution"].pivotal == "china"
    assert cred["unsc_resolution"].effective == 0.0
    assert cred["unsc_snapback"].credible and cred["unsc_snapback"].pivotal == "us_exec"
    assert cred["unsc_snapback"].effective == pytest.approx(0.7)
    # C9(d): the ROK's gain is at least its 2016 cost (it closed Kaesong anyway): nets 0
    assert cred["rok_unilateral"].credible and cred["rok_unilateral"].pivotal_gain == 0.0


def _cred(kind, *, actors, veto=(), coord=0.0, override=False):
    s, _ = toy_scenario()
    inst = Instrument(
        "i",
        kind,
        veto_players=veto,
        credibility=0.8,
        coordination_cost=coord,
        credibility_override=override,
    )
    s = dataclasses.replace(s, actors=actors, instruments=(inst,))
    return credibility_table(s)["i"]


P5 = (
    Actor("us", permanent_member=True, snapback_gain=10.0, snapback_cost=1.0),
    Actor("cn", permanent_member=True, snapback_gain=1.0, snapback_cost=4.0),
    Actor("jp", snapback_gain=3.0, snapback_cost=0.0),
)


def test_new_resolution_needs_the_least_willing_permanent_member():
    c = _cred("unsc_resolution", actors=P5, veto=("us", "cn", "jp"))
    assert (c.rule, c.pivotal, c.pivotal_gain, c.effective) == ("all", "cn", -3.0, 0.0)
    # a non-permanent actor's reluctance does not matter; nobody listed -> all P5 decide
    c = _cred("unsc_resolution", actors=P5)
    assert set(c.gains) == {"us", "cn"}


def test_reverse_veto_needs_any_one_participant():
    c = _cred("reverse_veto", actors=P5, veto=("us", "cn"))
    assert (c.rule, c.pivotal, c.pivotal_gain, c.effective) == ("any", "us", 9.0, 0.8)


def test_unilateral_needs_that_actor_and_pays_coordination():
    assert _cred("unilateral", actors=P5, veto=("jp",)).effective == 0.8
    c = _cred("unilateral", actors=P5, veto=("jp",), coord=3.5)
    assert c.pivotal_gain == pytest.approx(-0.5) and c.effective == 0.0


def test_board_vote_majority_and_override():
    c = _cred("board_vote", actors=P5, veto=("us", "cn", "jp"))
    assert c.pivotal == "jp" and c.credible  # median of 9, 3, -3
    c = _cred("unsc_resolution", actors=P5, veto=("cn",), override=True)
    assert c.committed and c.effective == 0.8 and not c.pivotal_gain >= 0


def test_nobody_to_decide_means_coordination_cost_decides():
    assert _cred("executive", actors=P5).credible
    assert not _cred("executive", actors=P5, coord=1.0).credible


def test_report_json_contract():
    s, sched = toy_scenario(credible=False)
    d = check(s, sched).to_dict()
    assert d["incentive_compatible"] is False
    for p in d["phases"]:
        assert {
            "phase",
            "ic_margin",
            "incentive_compatible",
            "snapback_credible",
            "critical_detection",
            "critical_discount",
        } <= set(p)
        assert p["incentive_compatible"] == (p["ic_margin"] >= 0)
        assert isinstance(p["fixes"], list) and p["fixes"]
    json.dumps(d)


def test_verdict_matches_margin_sign_on_the_shipped_models():
    margins = {}
    for path in (DEFAULT, NO_RV):
        s = load_scenario(path)
        r = check(s, load_schedule(PROPOSAL, s))
        assert r.target_compatible == all(p.ic_margin >= 0 for p in r.phases)
        # both sides: the ROK (R16's rail money) and Japan (R23's package) would stop
        # paying while the target kept complying, so the proposal fails on their side
        assert r.incentive_compatible == (
            r.target_compatible and all(all(v.stays) for v in r.coalition)
        )
        assert not r.incentive_compatible
        # without a reverse veto the target's margins are thinner: since the reform steps
        # (C10) the proposal's rail money is pivotal there (the target would defect after
        # phase 4 without it), so the ROK keeps paying in that variant
        stop = {"rok", "japan"} if path == DEFAULT else {"japan"}
        assert {v.actor for v in r.coalition if not all(v.pays)} == stop
        assert all(p.incentive_compatible == (p.ic_margin >= 0) for p in r.phases)
        margins[path] = [p.ic_margin for p in r.phases]
    # without a reverse veto the UN commodity relief cannot be snapped back (China is
    # pivotal), so the same plan holds by far less in every phase (since C9(d) made the
    # ROK's snapback credible, it still holds: 1,071 against 11,931 in phase 4)
    assert all(a > b for a, b in zip(margins[DEFAULT], margins[NO_RV], strict=True))
    assert margins[DEFAULT][3] > 5 * margins[NO_RV][3]


def test_check_accepts_plan_and_rejects_plan_without_schedule():
    s, sched = toy_scenario()
    plan = Plan(status=Status.OPTIMAL, message="", scenario=s, schedule=sched)
    assert check(s, plan).incentive_compatible
    with pytest.raises(ValueError, match=r"no schedule \(status infeasible\)"):
        check(s, Plan(status=Status.INFEASIBLE, message="", scenario=s))


def test_render_names_failing_phase_and_fixes():
    s, sched = toy_scenario(credible=False)
    text = check(s, sched).render()
    assert "NOT incentive compatible" in text
    assert "Phase 1 fails by 72" in text  # margin -72: the covert reversal (examples.py)
    assert "pivotal cn nets -4" in text


def _run(argv):
    parser = argparse.ArgumentParser()
    add_check_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_check_exit_codes(capsys, tmp_path):
    # the proposal: the target complies, but the ROK and Japan would stop paying
    assert _run(["check", str(DEFAULT), "--plan", str(PROPOSAL), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["incentive_compatible"] is False and doc["target_compatible"] is True
    assert doc["first_leaver"]["deviation"] == "stop_paying"
    both = tmp_path / "both.json"
    plan = solve(load_scenario(DEFAULT), require_ic="both", ranges=False)
    both.write_text(json.dumps(plan.to_dict()))
    assert _run(["check", str(DEFAULT), "--plan", str(both), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["incentive_compatible"] is True
    six = DEFAULT.parent / "cases" / "six_party_2007"
    assert _run(["check", str(six / "scenario.toml"), "--plan", str(six / "agreed.toml")]) == 1
    assert "Phase 2 fails" in capsys.readouterr().out


def test_cli_check_bad_input(tmp_path, capsys):
    assert _run(["check", str(tmp_path / "none.toml")]) == 2
    err = capsys.readouterr().err
    assert "none.toml: file not found" in err and "Traceback" not in err
    bad_plan = tmp_path / "plan.toml"
    bad_plan.write_text("[measures]\nR01 = 9\n")
    assert _run(["check", str(DEFAULT), "--plan", str(bad_plan)]) == 2
    assert "measures.R01 is 9; it must be a phase in 1..4" in capsys.readouterr().err


def test_cli_check_solves_when_no_plan_is_given(capsys):
    code = _run(["check", str(DEFAULT), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == (0 if doc["incentive_compatible"] else 1)
    assert [p["phase"] for p in doc["phases"]] == [1, 2, 3, 4]


def test_check_without_thresholds_keeps_verdicts_and_margins():
    from solver import MODELS_DIR, load_scenario, solve
    from solver.game import check as full_check

    for name in ("dprk_2018.toml", "dprk_2018_no_reverse_veto.toml"):
        s = load_scenario(MODELS_DIR / name)
        plan = solve(s, explain=False)
        a, b = full_check(s, plan), full_check(s, plan, thresholds=False)
        assert a.incentive_compatible == b.incentive_compatible
        assert [p.ic_margin for p in a.phases] == [p.ic_margin for p in b.phases]
        crit = ("critical_detection", "critical_credibility", "critical_discount")
        assert all(getattr(p, c) is None for p in b.phases for c in crit)
        assert any(getattr(p, c) is not None for p in a.phases for c in crit)


def test_inspection_cost_is_a_scenario_parameter():
    from dataclasses import replace

    s, sched = toy_scenario()
    dear = replace(s, parameters=replace(s.parameters, inspection_cost=40.0))
    by_param = [p.inspection_probability for p in check(dear, sched).phases]
    by_arg = [p.inspection_probability for p in check(s, sched, inspection_cost=40.0).phases]
    cheap = [p.inspection_probability for p in check(s, sched).phases]
    assert by_param == by_arg
    assert by_param != cheap  # the inspector's indifference moves with its cost
    doc = {"name": "x", "phases": 1, "parameters": {"inspection_cost": -1},
           "instruments": [{"id": "e", "kind": "executive"}],
           "measures": [{"id": "R", "value": 1, "reversibility": 1, "instrument": "e"}],
           "milestones": [{"id": "M", "value": 1, "cost": 1, "reversibility": 1,
                           "detection": 1}]}  # fmt: skip
    from solver.scenario import ScenarioError, scenario_from_dict

    with pytest.raises(ScenarioError, match="inspection_cost"):
        scenario_from_dict(doc)
