"""``relief report --robust``: the robustness section from a ``solve --robust --json`` document."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

FIX = ROOT / "tests" / "fixtures" / "robust"


def _relief(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "solver.cli", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_report_has_the_robust_plan_beside_the_nominal_one(tmp_path: Path) -> None:
    scenario, spec = FIX / "two_worlds.toml", FIX / "two_worlds_spec.toml"
    doc = tmp_path / "robust.json"
    out = _relief("solve", str(scenario), "--robust", str(spec), "--worlds", "10",
                  "--check-worlds", "300", "--out", str(doc), cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr
    rep = _relief("report", str(scenario), "--robust", str(doc), "--out", str(tmp_path / "r"),
                  cwd=tmp_path)  # fmt: skip
    assert rep.returncode == 0, rep.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    plans = {p["plan"]: p for p in report["robust"]["plans"]}
    assert set(plans) == {"robust plan", "nominal optimum (both sides)"}
    solved = json.loads(doc.read_text())["robust"]
    # the report re-draws the same out-of-sample worlds: the same share as the solve's
    assert plans["robust plan"]["works"] == solved["out_of_sample"]["share"]
    assert plans["nominal optimum (both sides)"]["works"] == solved["nominal"]["share"]
    assert plans["robust plan"]["works"] >= plans["nominal optimum (both sides)"]["works"]
    md = (tmp_path / "r" / "report.md").read_text()
    assert "## Robustness: one plan for many worlds" in md
    assert "| robust plan |" in md


def test_report_refuses_a_plain_plan_as_robust_document(tmp_path: Path) -> None:
    scenario = FIX / "two_worlds.toml"
    plan = tmp_path / "plan.json"
    out = _relief("solve", str(scenario), "--json", "--out", str(plan), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    rep = _relief("report", str(scenario), "--robust", str(plan), "--out", str(tmp_path / "r"),
                  cwd=tmp_path)  # fmt: skip
    assert rep.returncode == 2 and "robust is missing" in rep.stderr
    assert "Traceback" not in rep.stderr and not (tmp_path / "r").exists()
