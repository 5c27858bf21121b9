"""Plan files are checked like scenarios (issues 15 and 16).

Unknown tables and keys are refused with a "did you mean"; ids are checked
against the scenario; wrong shapes name the file, the field, the value and the
rule, with exit code 2 and no traceback, from ``solve --plan``, ``check --plan``,
``report --plan`` and ``validate --plan``.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

import solver.cli
from solver import MODELS_DIR, ScenarioError, load_scenario, load_schedule, solve
from solver.plan import DOCUMENT_KEYS, ROW_KEYS, plan_shape, schedule_from_dict
from tests.conftest import SMALL

GOOD = "[measures]\nR1 = 1\nR2 = 2\n[milestones]\nM1 = 1\nM2 = 2\n"


@pytest.fixture(scope="module")
def small() -> Any:
    return load_scenario(SMALL)


def problems(doc: Any, scenario: Any) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        schedule_from_dict(doc, scenario, "p.json")
    return info.value.problems


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = solver.cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- unknown tables and keys ------------------------------------------------------------


def test_misspelt_table_is_refused_not_read_as_nothing_granted(small: Any) -> None:
    got = problems({"measure": {"R1": 1}, "milestones": {"M1": 1}}, small)
    assert got == [
        "p.json: measure is not a known field (did you mean 'measures'?); "
        "allowed: measures, milestones"
    ]


def test_unknown_keys_of_a_solve_document_and_of_its_rows(small: Any) -> None:
    doc = {"statuss": "optimal", "phases": [{"phase": 1, "measure": ["R1"], "milestones": []}]}
    got = problems(doc, small)
    assert any(
        p.startswith("p.json: statuss is not a known field (did you mean 'status'?)") for p in got
    )
    assert any(
        p.startswith("p.json: phases[0].measure is not a known field (did you mean 'measures'?)")
        for p in got
    )


def test_tables_beside_a_phases_list_are_refused(small: Any) -> None:
    got = problems({"phases": [{"phase": 1, "measures": ["R1"]}], "measures": {"R2": 1}}, small)
    assert got and got[0].startswith("p.json: measures is not a known field")


def test_an_empty_document_is_refused(small: Any) -> None:
    (got,) = problems({}, small)
    assert got.startswith("p.json: the document is empty;") and "[measures]" in got


def test_explicitly_empty_tables_mean_nothing_done(small: Any) -> None:
    sch = schedule_from_dict({"measures": {}, "milestones": {}}, small, "p.toml")
    assert set(sch.measures.values()) == {None} and set(sch.milestones.values()) == {None}


# --- wrong shapes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "field", "rule"),
    [
        (5, "phases[0].measures is 5", "it must be a list of measure ids"),
        (None, "phases[0].measures is None", "it must be a list of measure ids"),
        ("R1", "phases[0].measures is 'R1'", "it must be a list of measure ids"),
        ([["R1"]], "phases[0].measures[0] is ['R1']", "it must be a measure id (a string)"),
        ([{"id": "R1"}], "phases[0].measures[0] is {'id': 'R1'}", "it must be a measure id"),
        ([1], "phases[0].measures[0] is 1", "it must be a measure id (a string)"),
    ],
)
def test_wrong_shapes_of_a_rows_ids_name_field_value_and_rule(
    small: Any, value: Any, field: str, rule: str
) -> None:
    (got,) = problems({"phases": [{"phase": 1, "measures": value}]}, small)
    assert got.startswith(f"p.json: {field}; {rule}")


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"phases": 5}, "p.json: phases is 5; it must be a list of {phase, measures, milestones}"),
        ({"phases": None}, "p.json: phases is None; it must be a list"),
        ({"phases": [7]}, "p.json: phases[0] is 7; it must be an object with an integer 'phase'"),
        ({"phases": [{"measures": []}]}, "p.json: phases[0].phase is missing"),
        ({"phases": [{"phase": 9}]}, "p.json: phases[0].phase is 9; it must be a phase in 1..3"),
        ({"phases": [{"phase": True}]}, "p.json: phases[0].phase is True; it must be a phase"),
        (
            {"phases": [{"phase": 1}, {"phase": 1}]},
            "p.json: phases[1].phase is 1; phase 1 is already listed at phases[0]",
        ),
        ({"measures": [1, 2]}, "p.json: measures is [1, 2]; it must be a table mapping each"),
        ({"milestones": 3}, "p.json: milestones is 3; it must be a table mapping each"),
        ({"measures": {"R1": "1"}}, "p.json: measures.R1 is '1'; it must be a phase in 1..3"),
        ({"measures": {"R1": {"x": 1}}}, "p.json: measures.R1 is {'x': 1}; it must be a phase"),
        ({"measures": {"R1": 1.0}}, "p.json: measures.R1 is 1.0; it must be a phase in 1..3"),
    ],
)
def test_wrong_shapes_of_the_document(small: Any, doc: Any, expected: str) -> None:
    got = problems(doc, small)
    assert any(p.startswith(expected) for p in got), got


def test_a_bad_phase_is_reported_once_not_again_for_each_id(small: Any) -> None:
    got = problems({"phases": [{"phase": 0, "measures": ["R1", "R2"]}]}, small)
    assert got == ["p.json: phases[0].phase is 0; it must be a phase in 1..3"]


# --- ids against the scenario ------------------------------------------------------------


def test_an_id_typo_gets_a_did_you_mean() -> None:
    s = load_scenario(MODELS_DIR / "cases" / "hanoi_2019" / "scenario.toml")
    (got,) = problems({"milestones": {"yongbyon_dismantlment": 1}}, s)
    assert got == (
        "p.json: milestones.yongbyon_dismantlment is 'yongbyon_dismantlment'; the scenario "
        "has no such milestone (did you mean 'yongbyon_dismantlement'?)"
    )


def test_a_milestone_under_measures_says_where_it_belongs(small: Any) -> None:
    (got,) = problems({"measures": {"M1": 1}}, small)
    assert got == (
        "p.json: measures.M1 is 'M1'; the scenario has no such measure "
        "('M1' is a milestone: list it under milestones)"
    )
    (got,) = problems({"phases": [{"phase": 2, "milestones": ["R1"]}]}, small)
    assert got.startswith("p.json: phases[0].milestones[0] is 'R1'; the scenario has no such")


def test_every_problem_is_listed_not_only_the_first(small: Any) -> None:
    got = problems({"measures": {"R9": 1, "R1": 7}, "milestone": {}}, small)
    assert len(got) == 3


# --- the shapes the tool writes and ships still load ------------------------------------


def test_the_solve_document_keys_are_the_ones_accepted(small: Any) -> None:
    plan = solve(small, ranges=False)
    doc = plan.to_dict()
    assert tuple(doc) == DOCUMENT_KEYS
    assert all(tuple(row) == ROW_KEYS for row in doc["phases"])
    assert plan_shape(json.loads(json.dumps(doc))) == "document"
    again = schedule_from_dict(json.loads(json.dumps(doc)), small, "saved.json")
    assert plan.schedule is not None and dict(again.measures) == dict(plan.schedule.measures)


def _shipped_plans() -> list[tuple[Path, Path]]:
    pairs = [(MODELS_DIR / "plans" / "proposal_2018.toml", MODELS_DIR / "dprk_2018.toml")]
    for folder in sorted((MODELS_DIR / "cases").iterdir()):
        for plan in sorted(folder.glob("*.toml")):
            if plan.name not in ("scenario.toml", "outcome.toml"):
                pairs.append((plan, folder / "scenario.toml"))
    return pairs


@pytest.mark.parametrize(("plan", "scenario"), _shipped_plans(), ids=lambda p: p.name)
def test_every_shipped_plan_loads_against_its_scenario(plan: Path, scenario: Path) -> None:
    sch = load_schedule(plan, load_scenario(scenario))
    assert plan_shape(tomllib.loads(plan.read_text())) == "tables"
    assert sch.measures or sch.milestones


# --- the commands ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["solve", "check"])
def test_commands_refuse_a_misspelt_plan_with_exit_2(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "p.toml"
    plan.write_text("[measure]\nR1 = 1\n")
    code, out, err = run(capsys, command, str(SMALL), "--plan", str(plan))
    assert code == 2 and out == ""
    assert err == (
        f"error: {plan}: measure is not a known field (did you mean 'measures'?); "
        "allowed: measures, milestones\n"
    )


@pytest.mark.parametrize("command", ["solve", "check", "report"])
@pytest.mark.parametrize("measures", ["5", "null", '[["R1"]]', '[{"id": "R1"}]'])
def test_commands_refuse_wrong_shapes_without_traceback(
    command: str, measures: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "p.json"
    plan.write_text(f'{{"phases": [{{"phase": 1, "measures": {measures}, "milestones": []}}]}}')
    extra = ["--out", str(tmp_path / "report")] if command == "report" else []
    code, _, err = run(capsys, command, str(SMALL), "--plan", str(plan), *extra)
    assert code == 2, err
    assert err.startswith(f"error: {plan}: phases[0].measures") and "Traceback" not in err
    assert "it must be" in err
    assert not (tmp_path / "report").exists()  # nothing written


def test_validate_plan_accepts_a_good_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "p.toml"
    plan.write_text(GOOD)
    code, out, err = run(capsys, "validate", "--plan", str(plan), str(SMALL))
    assert code == 0, err
    assert out.startswith(f"{plan}: valid plan for scenario 'small'")
    assert "2 of 4 measures granted, 2 of 3 milestones done, in phases 1, 2 of 3" in out


def test_validate_plan_reports_every_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "p.toml"
    plan.write_text("[measures]\nR9 = 1\nR1 = 7\n[milestone]\n")
    code, out, err = run(capsys, "validate", "--plan", str(plan), str(SMALL))
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 3 and all(line.startswith(f"error: {plan}: ") for line in lines)
    assert "milestone is not a known field (did you mean 'milestones'?)" in err


def test_validate_plan_defaults_to_the_shipped_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    proposal = MODELS_DIR / "plans" / "proposal_2018.toml"
    code, out, _ = run(capsys, "validate", "--plan", str(proposal))
    assert code == 0 and "valid plan for scenario 'dprk_2018'" in out


def test_validate_on_a_plan_file_says_it_is_a_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "p.toml"
    plan.write_text(GOOD)
    code, out, err = run(capsys, "validate", str(plan))
    assert code == 2 and out == ""
    assert err == (
        f"error: {plan}: is a plan file, not a scenario; validate it against its scenario "
        f"with `relief validate --plan {plan} [SCENARIO]`\n"
    )


def test_validate_needs_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate")
    assert code == 2 and "needs a SCENARIO file" in err


def test_validate_of_a_bad_scenario_still_lists_its_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text(SMALL.read_text().replace("phases = 3", "phases = 0", 1))
    code, _, err = run(capsys, "validate", str(bad))
    assert code == 2 and "phases is 0" in err and "plan file" not in err
