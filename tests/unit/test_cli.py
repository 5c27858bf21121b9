"""The ``relief`` command through a real subprocess (issue 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SMALL


def relief(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "solver.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_solve_default_json_document():
    r = relief("solve", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["status"] == "optimal"
    assert doc["backend"] == "highs" and doc["formulation"] == "step"
    assert isinstance(doc["objective"], float)
    ks = [p["phase"] for p in doc["phases"]]
    assert ks == list(range(1, len(ks) + 1))
    for p in doc["phases"]:
        assert set(p) >= {"phase", "measures", "milestones", "leverage"}
    granted = {m for p in doc["phases"] for m in p["measures"]}
    assert granted.isdisjoint(doc["never"])


def test_human_output_lists_phases():
    r = relief("solve", str(SMALL))
    assert r.returncode == 0
    assert "Phase 1 (halt)" in r.stdout and "leverage L_1" in r.stdout


def test_out_then_plan_round_trip(tmp_path):
    out = tmp_path / "plan.json"
    r = relief("solve", str(SMALL), "--backend", "cbc", "--out", str(out))
    assert r.returncode == 0, r.stderr
    first = json.loads(out.read_text())
    r2 = relief("solve", str(SMALL), "--plan", str(out), "--json")
    assert r2.returncode == 0, r2.stderr
    second = json.loads(r2.stdout)
    assert second["status"] == "feasible"
    assert [p["measures"] for p in second["phases"]] == [p["measures"] for p in first["phases"]]
    assert abs(second["objective"] - first["objective"]) < 1e-6 * abs(first["objective"]) + 1e-6


def test_validate_ok_and_bad(tmp_path):
    r = relief("validate", str(SMALL))
    assert r.returncode == 0 and "valid scenario 'small'" in r.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.read_text().replace("detection = 0.9", "detection = 1.9"))
    r = relief("validate", str(bad))
    assert r.returncode == 2
    assert "bad.toml: milestones[0] (M1).detection is 1.9; it must lie in [0, 1]" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_input_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\nphases = 2\nmeasures = []\nmilestones = []\nfoo = 1\n")
    out = tmp_path / "out.json"
    r = relief("solve", str(bad), "--out", str(out))
    assert r.returncode == 2
    assert "foo is not a known field" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_bad_plan_file(tmp_path):
    plan = tmp_path / "p.toml"
    plan.write_text("[measures]\nR9 = 1\nR1 = 7\n")
    r = relief("solve", str(SMALL), "--plan", str(plan))
    assert r.returncode == 2
    assert "p.toml: measures.R9 is 'R9'; the scenario has no such measure" in r.stderr
    assert "p.toml: measures.R1 is 7; it must be a phase in 1..3" in r.stderr


def test_infeasible_exit_code_and_explanation(tmp_path):
    text = SMALL.read_text().replace("reciprocity = 1.0", "reciprocity = 5.0")
    path = tmp_path / "infeasible.toml"
    path.write_text(text)
    r = relief("solve", str(path), "--json")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert doc["status"] == "infeasible" and doc["explanation"]
    assert doc["phases"] == []


def test_schema_is_json_schema():
    r = relief("schema")
    assert r.returncode == 0
    schema = json.loads(r.stdout)
    assert schema["properties"]["measures"]["items"]["additionalProperties"] is False
    assert "reversibility" in schema["properties"]["milestones"]["items"]["required"]


def test_bad_time_limit():
    r = relief("solve", str(SMALL), "--time-limit", "-1")
    assert r.returncode == 2 and "--time-limit is -1.0" in r.stderr
