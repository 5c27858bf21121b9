"""Issue 4: ``relief report --sensitivity STORE`` reads a sweep's SQLite store.

A finished sweep keeps its summary in the store; rerunning the same sweep
resumes from it (the summary is not part of the sweep's identity), and the
report shows the tornado from the store.
"""

from __future__ import annotations

import json

from solver import MODELS_DIR, load_scenario
from solver.cli import main
from solver.sensitivity import run_sweep, spec_from_dict


def test_report_reads_the_summary_kept_in_the_store(tmp_path, capsys):
    scenario = load_scenario(MODELS_DIR / "dprk_2018.toml")
    spec = spec_from_dict({"parameter": [{"path": "discount", "range": [0.7, 0.9]}]}, scenario)
    store = tmp_path / "sweep.sqlite"
    first = run_sweep(scenario, spec, method="oat", store=store, workers=1)
    again = run_sweep(scenario, spec, method="oat", store=store, workers=1)
    assert again.reused == first.completed == 3 and again.summary == first.summary
    out = tmp_path / "report"
    assert main(["report", "--sensitivity", str(store), "--out", str(out)]) == 0
    doc = json.loads((out / "report.json").read_text())
    text = json.dumps(doc["sensitivity"])
    assert "discount" in text and "oat" in text
    assert "discount" in (out / "report.md").read_text()
