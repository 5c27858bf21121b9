"""``relief solve --frontier leverage,transformation`` (issue 17), through the real command."""

from __future__ import annotations

import json

import pytest

from solver.cli import main
from tests.known_answer.test_frontier import TWO


@pytest.fixture
def two(tmp_path):
    path = tmp_path / "two.json"
    path.write_text(json.dumps(TWO))
    return str(path)


def test_json_is_a_list_of_verified_points(two, capsys):
    assert main(["solve", two, "--frontier", "leverage,transformation", "--points", "3",
                 "--json"]) == 0  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    assert isinstance(doc, list) and len(doc) == 3
    keys = {"epsilon", "min_leverage", "transformation", "schedule", "verified",
            "incentive_compatible"}  # fmt: skip
    assert all(keys <= set(p) for p in doc)
    assert [p["schedule"]["measures"] for p in doc] == [
        {"A": None, "B": 1}, {"A": 1, "B": None}, {"A": 1, "B": None}
    ]  # fmt: skip
    assert [p["transformation"] for p in doc] == pytest.approx([10.0, 0.0, 0.0])
    assert all(p["verified"] and p["incentive_compatible"] for p in doc)


def test_text_table_and_out_file(two, tmp_path, capsys):
    out = tmp_path / "f.json"
    argv = ["solve", two, "--frontier", "transformation,leverage", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "Frontier: smallest leverage x transformation value (USD m)" in text
    assert "-A +B@1" in text  # the transformation end against the leverage end
    assert len(json.loads(out.read_text())) == 7  # the default number of points


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--frontier", "leverage,speed"], "the frontier is between leverage and transformation"),
        (["--frontier", "leverage,transformation", "--points", "1"], "--points is 1"),
        (["--frontier", "leverage,transformation", "--objective", "speed"],
         "--objective is 'speed'; --frontier sets its own objectives"),
        (["--frontier", "leverage,transformation", "--formulation", "pulse"],
         "--frontier uses the step model"),
    ],
)  # fmt: skip
def test_bad_frontier_arguments_exit_2(two, capsys, extra, message):
    assert main(["solve", two, *extra]) == 2
    assert message in capsys.readouterr().err
