"""``relief backtest``: the comparison rule of models/cases/README.md, the JSON shape, bad input.

The tool's verdicts themselves come from ``check`` and ``verify_plan`` (tested
elsewhere); here the backtest must report exactly them, and compare them with
history by the rule fixed before the first run.  Edited copies of shipped
cases move history under a fixed verdict, so each agreement flag must flip.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from solver import check, load_scenario, load_schedule
from solver.backtest import backtest, case_ids, cases_dir, load_case
from solver.cli import main
from solver.scenario_types import ScenarioError

CASES = ("agreed_framework_1994", "hanoi_2019", "leap_day_2012", "six_party_2007")


def _strict(text):
    def bad(x):
        raise ValueError(f"non-strict JSON constant {x}")

    return json.loads(text, parse_constant=bad)


@pytest.fixture(scope="module")
def results():
    return {r.case.id: r for r in backtest(optimize=False)}


def test_the_library_is_the_four_cases():
    assert tuple(case_ids()) == CASES


@pytest.mark.parametrize("case", CASES)
def test_verdicts_are_the_checks_own(results, case):
    r = results[case]
    s = load_scenario(r.case.scenario)
    for role, v in r.plans.items():
        rep = check(s, load_schedule(r.case.plans[role], s), thresholds=False)
        assert v.margins == pytest.approx([p.ic_margin for p in rep.phases])
        assert v.deviations == [p.deviation for p in rep.phases]
        assert v.first_backslide == rep.first_backslide
        failing = [p.phase for p in rep.phases if not p.incentive_compatible]
        assert v.first_failing == (failing[0] if failing else None)
        assert v.incentive_compatible == rep.incentive_compatible


@pytest.mark.parametrize("case", CASES)
def test_agreement_follows_the_rule(results, case):
    for v in results[case].plans.values():
        h = v.history
        if h.phase is None and h.how == "stall":
            refused = any(x.startswith("participation: phase 1 ") for x in v.violations)
            assert v.agrees_when is v.agrees_how is refused
        else:
            assert v.agrees_when == (v.first_failing == h.phase)
            assert v.agrees_when_spe == (v.first_backslide == h.phase)
            assert v.agrees_how == (v.how == h.how and h.who == "dprk")


def _copy(tmp_path, case, replace):
    folder = tmp_path / case
    shutil.copytree(cases_dir() / case, folder)
    out = folder / "outcome.toml"
    text = out.read_text(encoding="utf-8")
    for old, new in replace:
        assert old in text
        text = text.replace(old, new, 1)
    out.write_text(text, encoding="utf-8")
    return folder


def test_moving_history_flips_the_flags(tmp_path, results):
    base = results["six_party_2007"].plans["agreed"]
    assert base.first_failing is not None
    # history set to the tool's own verdict: both agree; one phase earlier: "when" fails
    same = _copy(
        tmp_path / "a",
        "six_party_2007",
        [(f"phase = {load_case(cases_dir() / 'six_party_2007').history.phase}",
          f"phase = {base.first_failing}"), ('how = "overt"', f'how = "{base.how}"')],
    )  # fmt: skip
    v = backtest([str(same)], optimize=False)[0].plans["agreed"]
    assert v.agrees_when and v.agrees_how
    other = "stall" if base.how != "stall" else "overt"
    moved = _copy(tmp_path / "b", "six_party_2007", [('how = "overt"', f'how = "{other}"')])
    v = backtest([str(moved)], optimize=False)[0].plans["agreed"]
    assert not v.agrees_how


def test_a_side_that_never_started_agrees_when_phase_one_is_refused(tmp_path, results):
    # Leap Day as agreed breaks participation in phase 1 (the verifier says so):
    # read as a deal never started, it agrees on both counts.
    assert any(
        x.startswith("participation: phase 1 ")
        for x in results["leap_day_2012"].plans["agreed"].violations
    )
    folder = _copy(
        tmp_path,
        "leap_day_2012",
        [("\nphase = 1", '\nphase = "none"'), ('\nhow = "overt"', '\nhow = "stall"')],
    )
    v = backtest([str(folder)], optimize=False)[0].plans["agreed"]
    assert v.agrees_when is True and v.agrees_how is True


def test_json_has_the_issue_shape(capsys):
    assert main(["backtest", "six_party_2007", "hanoi_2019", "--json"]) == 0
    doc = _strict(capsys.readouterr().out)
    assert [c["case"] for c in doc["cases"]] == ["six_party_2007", "hanoi_2019"]
    for c in doc["cases"]:
        for key in ("agreed", "executed", "history", "agrees_when", "agrees_how", "optimized"):
            assert key in c
        assert set(c["history"]) == {"phase", "how", "who"}
        assert isinstance(c["agrees_when"], bool) and isinstance(c["agrees_how"], bool)
        for v in c["plans"].values():
            assert len(v["margins"]) == len(v["deviations"])
            assert v["how"] == v["deviations"][v["phase"] - 1]
    six, hanoi = doc["cases"]
    assert six["judged"] == "agreed" and hanoi["judged"] == "executed"
    # the case-level history is the reading the counted plan was compared with
    assert hanoi["history"] == hanoi["plans"]["executed"]["history"]
    assert hanoi["outcome"]["phase"] == "none"
    assert hanoi["agreed"] is None and set(hanoi["plans"]) == {
        "dprk_offer",
        "us_position",
        "executed",
    }
    # the optimiser's plan: solved, judged, and its changes name items of the scenario
    opt = six["optimized"]
    assert opt["status"] == "optimal" and opt["verdict"]["plan"] == "optimized"
    s = load_scenario(cases_dir() / "six_party_2007" / "scenario.toml")
    ids = {m.id for m in s.measures} | {d.id for d in s.milestones}
    assert set(opt["changes"]) <= ids
    for item, (before, after) in opt["changes"].items():
        assert before != after
        mine = opt["measures"].get(item, opt["milestones"].get(item))
        assert after == ("never" if mine is None else mine)


def test_text_table_names_every_plan(capsys):
    assert main(["backtest", "--no-optimize"]) == 0
    out = capsys.readouterr().out
    for case in CASES:
        assert case in out
    assert "Agreement on the counted plans:" in out and "of 4" in out


def test_unknown_case_is_bad_input():
    proc = subprocess.run(
        [sys.executable, "-m", "solver.cli", "backtest", "six_party_2008"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "six_party_2008" in proc.stderr and "six_party_2007" in proc.stderr


def test_a_bad_outcome_record_names_file_and_field(tmp_path):
    folder = _copy(tmp_path, "six_party_2007", [('how = "overt"', 'how = "walked out"')])
    with pytest.raises(ScenarioError) as err:
        load_case(folder)
    msg = "\n".join(err.value.problems)
    assert "outcome.toml" in msg and "how is 'walked out'" in msg and "covert" in msg


def test_a_member_that_defects_first_is_the_verdict(tmp_path):
    # Japan made to pay for the second phase's aid (a transfer, paid once when it is
    # granted) with no value for the steps: at the end of phase 1 the payment is still
    # to come, so leaving beats staying (stay < 0 = leave), before the target's failure
    # in phase 2; members move first at a phase's end.  (Charged for the first phase's
    # fuel oil instead it would stay: that payment is sunk by then.)
    folder = tmp_path / "six_party_2007"
    shutil.copytree(cases_dir() / "six_party_2007", folder)
    scen = folder / "scenario.toml"
    text = scen.read_text(encoding="utf-8")
    assert '\nid = "aid_delivered"\n' in text
    scen.write_text(
        text.replace(
            '\nid = "aid_delivered"\n', '\nid = "aid_delivered"\nactor_costs = { japan = 50 }\n'
        ),
        encoding="utf-8",
    )
    v = backtest([str(folder)], optimize=False)[0].plans["agreed"]
    # leaving and stopping paying tie here (the deal goes on without Japan's money:
    # both are worth X - F); the narrower deviation is named
    assert v.member is not None and v.member[:3] == (1, "japan", "stop_paying")
    assert v.first_failing == 1 and v.how == "coalition" and v.who == "japan"
    assert v.to_dict()["coalition"]["actor"] == "japan"
    assert v.margin == v.member[3] < 0 and v.to_dict()["margin"] == pytest.approx(v.member[3])
    assert not v.agrees_how  # history: the DPRK, openly
