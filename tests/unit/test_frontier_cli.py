"""``relief solve --frontier leverage[_total],transformation`` (issue 17), via the command."""

from __future__ import annotations

import json

import pytest

from solver.cli import main
from tests.known_answer.test_frontier import CHOICE, TWO


@pytest.fixture
def two(tmp_path):
    path = tmp_path / "two.json"
    path.write_text(json.dumps(TWO))
    return str(path)


@pytest.fixture
def choice(tmp_path):
    path = tmp_path / "choice.json"
    path.write_text(json.dumps(CHOICE))
    return str(path)


def test_json_is_a_list_of_verified_points(two, capsys):
    assert main(["solve", two, "--frontier", "leverage,transformation", "--points", "3",
                 "--json"]) == 0  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    assert isinstance(doc, list) and len(doc) == 3
    keys = {"axis", "epsilon", "min_leverage", "total_leverage", "leverage", "transformation",
            "schedule", "verified", "incentive_compatible"}  # fmt: skip
    assert all(keys <= set(p) for p in doc)
    assert [p["schedule"]["measures"] for p in doc] == [
        {"A": None, "B": 1}, {"A": 1, "B": None}, {"A": 1, "B": None}
    ]  # fmt: skip
    assert [p["transformation"] for p in doc] == pytest.approx([10.0, 0.0, 0.0])
    assert all(p["verified"] and p["incentive_compatible"] for p in doc)
    assert {p["axis"] for p in doc} == {"leverage"}
    # one phase: the smallest and the total leverage are the same number
    assert [p["total_leverage"] for p in doc] == pytest.approx([p["min_leverage"] for p in doc])


def test_total_axis_json_carries_both_leverages(choice, capsys):
    argv = ["solve", choice, "--frontier", "transformation,leverage_total", "--points", "3",
            "--json"]  # fmt: skip
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {p["axis"] for p in doc} == {"leverage_total"}
    assert [p["epsilon"] for p in doc] == pytest.approx([30.0, 35.0, 40.0])
    assert [p["total_leverage"] for p in doc] == pytest.approx([30.0, 40.0, 40.0])
    assert [p["min_leverage"] for p in doc] == pytest.approx([10.0, 10.0, 10.0])
    assert [p["transformation"] for p in doc] == pytest.approx([5.0, 0.0, 0.0])


def test_total_axis_text_names_the_axis(choice, capsys):
    argv = ["solve", choice, "--frontier", "leverage_total,transformation", "--points", "2",
            "--hold-smallest"]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "Frontier: total leverage x transformation value (USD m)" in text
    assert "epsilon: the floor on the total leverage (sum_k L_k over the phases)" in text
    assert "the smallest leverage held at its best 10.0 USD m" in text
    assert "-Y +Z@2" in text  # the transformation end against the leverage end
    rows = [line.split() for line in text.splitlines() if line.startswith("   1 ")]
    assert rows[0][1:5] == ["30.0", "10.0", "30.0", "5.0"]


def test_text_table_and_out_file(two, tmp_path, capsys):
    out = tmp_path / "f.json"
    argv = ["solve", two, "--frontier", "transformation,leverage", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "Frontier: smallest leverage x transformation value (USD m)" in text
    assert "epsilon: the floor on the smallest leverage\n" in text
    assert "-A +B@1" in text  # the transformation end against the leverage end
    assert len(json.loads(out.read_text())) == 7  # the default number of points


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--frontier", "leverage,speed"],
         "the frontier is between a leverage measure (leverage: the smallest, "
         "leverage_total: the sum over phases) and transformation"),
        (["--frontier", "leverage,transformation", "--hold-smallest"],
         "--hold-smallest is given with --frontier 'leverage,transformation'"),
        (["--frontier", "leverage,transformation", "--points", "1"], "--points is 1"),
        (["--frontier", "leverage,transformation", "--objective", "speed"],
         "--objective is 'speed'; --frontier sets its own objectives"),
        (["--frontier", "leverage,transformation", "--formulation", "pulse"],
         "--frontier uses the step model"),
        (["--points", "3"], "--points given without --frontier"),
        (["--hold-smallest"], "--hold-smallest given without --frontier"),
    ],
)  # fmt: skip
def test_bad_frontier_arguments_exit_2(two, capsys, extra, message):
    assert main(["solve", two, *extra]) == 2
    assert message in capsys.readouterr().err
