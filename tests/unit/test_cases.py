"""The case library of past deals (``models/cases/``): data checks only.

Every case folder holds a scenario that validates, the plans its outcome
record names (each loads against the scenario), and an outcome record with the
required keys and allowed values (``models/cases/README.md``).  The folders are
exactly the four historical cases.  Whether the tool's reading of a case agrees
with history is the backtest's business, not this file's.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import solver

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "models" / "cases"

CASE_IDS = ("agreed_framework_1994", "six_party_2007", "leap_day_2012", "hanoi_2019")
HOW = ("covert", "overt", "stall", "coalition")
REQUIRED = ("case", "phase", "how", "who", "source", "summary", "plans")
# Plans each case must name: a deal that was agreed has its agreed and executed
# plans; Hanoi, where nothing was agreed, has the two positions instead.
PLAN_ROLES = {
    "agreed_framework_1994": {"agreed", "executed"},
    "six_party_2007": {"agreed", "executed"},
    "leap_day_2012": {"agreed", "executed"},
    "hanoi_2019": {"dprk_offer", "us_position", "executed"},
}


def outcome(case: str) -> dict:
    return tomllib.loads((CASES / case / "outcome.toml").read_text(encoding="utf-8"))


def scenario(case: str) -> solver.Scenario:
    return solver.load_scenario(CASES / case / "scenario.toml")


def source_labels() -> set[str]:
    text = (REPO / "docs" / "sources.md").read_text(encoding="utf-8")
    labels = set()
    for line in text.splitlines():
        if line.startswith("| `"):
            labels.add(line.split("`")[1])
    return labels


def check_phase(value: object, phases: int, where: str) -> None:
    """A phase is a phase number of the scenario or the string "none"."""
    if value == "none":
        return
    assert isinstance(value, int) and not isinstance(value, bool), f"{where} is {value!r}"
    assert 1 <= value <= phases, f"{where} is {value}; the scenario has {phases} phases"


def check_who(value: object, s: solver.Scenario, where: str) -> None:
    """The target ("dprk") or one of the scenario's coalition actors."""
    actors = {a.id for a in s.actors}
    assert value == "dprk" or value in actors, f"{where} is {value!r}; not dprk or {actors}"


def test_case_folders_are_the_four_cases():
    folders = sorted(p.name for p in CASES.iterdir() if p.is_dir())
    assert folders == sorted(CASE_IDS)


@pytest.mark.parametrize("case", CASE_IDS)
def test_scenario_validates(case):
    s = scenario(case)
    assert s.name == case
    assert len(s.measures) > 0 and len(s.milestones) > 0


@pytest.mark.parametrize("case", CASE_IDS)
def test_scenario_has_real_phase_lengths(case):
    """Phases carry their own lengths (a list) with an annual discount."""
    doc = tomllib.loads((CASES / case / "scenario.toml").read_text(encoding="utf-8"))
    params = doc["parameters"]
    assert isinstance(params["phase_years"], list)
    assert len(params["phase_years"]) == doc["phases"]
    assert "annual_discount" in params and "discount" not in params


@pytest.mark.parametrize("case", CASE_IDS)
def test_plans_load_against_the_scenario(case):
    s = scenario(case)
    plans = outcome(case)["plans"]
    assert set(plans) == PLAN_ROLES[case]
    for role, name in plans.items():
        path = CASES / case / name
        assert path.is_file(), f"{case}: plan {role} names missing file {name}"
        schedule = solver.load_schedule(path, s)
        assert set(schedule.measures) == {m.id for m in s.measures}
        assert set(schedule.milestones) == {d.id for d in s.milestones}
        done = [d for d, k in schedule.milestones.items() if k is not None]
        assert done, f"{case}: plan {role} has no step at all"


@pytest.mark.parametrize("case", CASE_IDS)
def test_no_stray_plan_files(case):
    """Every TOML file besides the scenario and the outcome is a named plan."""
    named = set(outcome(case)["plans"].values()) | {"scenario.toml", "outcome.toml"}
    present = {p.name for p in (CASES / case).glob("*.toml")}
    assert present == named


@pytest.mark.parametrize("case", CASE_IDS)
def test_outcome_record(case):
    rec = outcome(case)
    s = scenario(case)
    missing = [k for k in REQUIRED if k not in rec]
    assert not missing, f"{case}: outcome.toml lacks {missing}"
    assert rec["case"] == case
    check_phase(rec["phase"], s.phases, f"{case}: phase")
    if "stage" in rec:
        check_phase(rec["stage"], s.phases, f"{case}: stage")
    assert rec["how"] in HOW, f"{case}: how is {rec['how']!r}; allowed {HOW}"
    check_who(rec["who"], s, f"{case}: who")
    assert isinstance(rec["summary"], str) and rec["summary"].strip()
    sources = rec["source"]
    assert isinstance(sources, list) and sources
    unknown = set(sources) - source_labels()
    assert not unknown, f"{case}: source names no entry of docs/sources.md: {unknown}"


def test_hanoi_readings_cover_its_plans():
    """Hanoi has no agreed plan, so each of its plans carries its own reading."""
    rec = outcome("hanoi_2019")
    s = scenario("hanoi_2019")
    assert rec["phase"] == "none"
    readings = rec["readings"]
    assert set(readings) == set(rec["plans"])
    for role, r in readings.items():
        check_phase(r["phase"], s.phases, f"hanoi_2019: readings.{role}.phase")
        assert r["how"] in HOW
        check_who(r["who"], s, f"hanoi_2019: readings.{role}.who")
        assert r["basis"].strip()


def test_agreed_deals_have_a_phase():
    """The three deals that were agreed broke in a named phase."""
    for case in CASE_IDS[:3]:
        assert outcome(case)["phase"] != "none", case
