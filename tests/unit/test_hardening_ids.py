"""Issue 16: a measure and a milestone may not share an id (plans and schedules name both)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from solver.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "fixtures" / "scenarios" / "small.toml"


def _clash(tmp_path: Path) -> tuple[Path, str, str]:
    doc = tomllib.loads(SMALL.read_text())
    measure = doc["measures"][0]["id"]
    milestone = doc["milestones"][0]["id"]
    text = SMALL.read_text().replace(f'id = "{milestone}"', f'id = "{measure}"', 1)
    f = tmp_path / "clash.toml"
    f.write_text(text)
    return f, measure, milestone


def test_shared_measure_and_milestone_id_is_refused(tmp_path: Path) -> None:
    f, measure, _ = _clash(tmp_path)
    with pytest.raises(ScenarioError) as err:
        load_scenario(f)
    msgs = [m for m in err.value.problems if "unique across measures and milestones" in m]
    assert msgs, err.value.problems
    assert msgs[0].startswith(f"{f}: milestones[0] ({measure}).id is '{measure}'; ")
    assert f"measures[0] ({measure}) has it too" in msgs[0]


def test_relief_validate_exits_2_naming_file_field_value_rule(tmp_path: Path) -> None:
    f, measure, _ = _clash(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "solver.cli", "validate", str(f)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert f"error: {f}: milestones[0] ({measure}).id is '{measure}'; ids must be unique" in (
        out.stderr
    )


def test_shipped_models_have_unique_item_ids() -> None:
    models = ROOT / "models"
    for f in [*sorted(models.rglob("scenario.toml")), models / "dprk_2018.toml"]:
        load_scenario(f)
