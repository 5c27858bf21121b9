"""``relief report --case NAME``: a case's scenario, its counted plan and its backtest."""

from __future__ import annotations

import json

from solver.backtest import backtest
from solver.cli import main


def test_report_of_a_case_carries_its_backtest(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["report", "--case", "leap_day_2012", "--out", str(out)]) == 0
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    want = backtest(["leap_day_2012"], optimize=False)[0].to_dict()
    assert doc["backtest"]["plans"] == want["plans"]
    spec = doc["provenance"]["spec"]["report"]
    assert spec["case"] == "leap_day_2012"
    assert spec["plan"].endswith("agreed.toml")  # the counted plan is compared
    html = (out / "report.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "Backtest against history" in html and "Backtest against history" in md
    assert "agreed (counted)" in md


def test_case_and_scenario_together_or_an_unknown_case_are_bad_input(tmp_path, capsys):
    assert main(["report", "--case", "nope", "--out", str(tmp_path / "a")]) == 2
    assert "no such case" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
    args = ["report", "x.toml", "--case", "leap_day_2012", "--out", str(tmp_path / "b")]
    assert main(args) == 2
    assert "--case replaces the SCENARIO argument" in capsys.readouterr().err
