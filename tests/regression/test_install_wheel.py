"""An installed wheel runs from any folder (issue 15, "install anywhere").

The wheel is built from a copy of the source (``pip wheel --no-deps
--no-build-isolation --no-index``: no network), installed without dependencies
in a fresh virtual environment that sees the test environment's packages
through a ``.pth`` line (that line adds the folder only: the editable install's
finder there is never run), and ``relief`` runs from an empty temporary folder.
Every ``--json`` output goes through a strict JSON parser.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "solver", "models")


def strict(text: str) -> Any:
    """Parse one JSON document strictly: ``NaN``/``Infinity`` or trailing text are errors."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def _run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kwargs)


def _purelib(python: Path | str) -> Path:
    out = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    assert out.returncode == 0, out.stderr
    return Path(out.stdout.strip())


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the built wheel installed; its ``bin`` folder."""
    base = tmp_path_factory.mktemp("install")
    src = base / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    dist = base / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    built = _run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", dist, src]
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("phased_relief-*.whl")
    env_dir = base / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)])
    assert made.returncode == 0, made.stderr
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    (_purelib(python) / "test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = _run([*pip, "--python", str(python), "install", "--no-deps", "--no-index", wheel])
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return bin_dir


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """An empty working folder, far from the source tree."""
    folder = tmp_path / "anywhere"
    folder.mkdir()
    return folder


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def relief(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the installed ``relief`` console script in ``cwd``."""
    return _run([str(venv / "relief"), *map(str, args)], cwd=cwd, env=_env())


def test_the_package_imported_is_the_installed_one(venv: Path, elsewhere: Path) -> None:
    out = _run(
        [str(venv / "python"), "-c", "import solver, solver.shipped as s; "
         "print(solver.__file__); print(s.MODELS_DIR)"],
        cwd=elsewhere,
        env=_env(),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    package, models = (Path(line) for line in out.stdout.splitlines())
    site = _purelib(venv / "python")
    assert package == site / "solver" / "__init__.py"
    assert models == site / "solver" / "models"
    assert ROOT not in package.parents


def test_installed_solve_json_runs_from_any_folder(venv: Path, elsewhere: Path) -> None:
    r = relief(venv, elsewhere, "solve", "--json")
    assert r.returncode == 0, r.stderr
    doc = strict(r.stdout)
    assert doc["status"] == "optimal"
    source = Path(doc["scenario"]["source"])
    assert source.name == "dprk_2018.toml" and source.parent.name == "models"
    assert source.parent.parent == _purelib(venv / "python") / "solver"
    assert doc["phases"] and all(row["phase"] >= 1 for row in doc["phases"])
    assert list(elsewhere.iterdir()) == []  # nothing written into the working folder


def test_installed_models_lists_the_packaged_files(venv: Path, elsewhere: Path) -> None:
    r = relief(venv, elsewhere, "models", "--json")
    assert r.returncode == 0, r.stderr
    doc = strict(r.stdout)
    names = {m["name"]: m for m in doc["models"]}
    assert {"dprk_2018.toml", "dprk_minimal.toml", "plans/proposal_2018.toml"} <= set(names)
    assert "cases/hanoi_2019/scenario.toml" in names
    assert names["dprk_2018.toml"]["default"] is True
    assert names["plans/proposal_2018.toml"]["kind"] == "plan"
    assert names["dprk_2018_sensitivity.toml"]["kind"] == "spec"
    assert all(Path(m["path"]).is_file() for m in doc["models"])
    assert len(doc["models"]) == len(list((ROOT / "models").rglob("*.toml")))


def test_installed_check_validate_and_report_use_the_packaged_defaults(
    venv: Path, elsewhere: Path
) -> None:
    r = relief(venv, elsewhere, "check", "--json")
    assert r.returncode in (0, 1), r.stderr  # a verdict either way, not bad input
    assert "phases" in strict(r.stdout)
    models = _purelib(venv / "python") / "solver" / "models"
    r = relief(venv, elsewhere, "validate", "--plan", models / "plans" / "proposal_2018.toml")
    assert r.returncode == 0, r.stderr
    assert "valid plan for scenario 'dprk_2018'" in r.stdout
    r = relief(venv, elsewhere, "report", "--out", "out")
    assert r.returncode == 0, r.stderr
    report = strict((elsewhere / "out" / "report.json").read_text())
    assert [p["source"] for p in report["plans"]][1:] == [
        str(models / "plans" / "proposal_2018.toml")
    ]


def test_installed_sensitivity_spec_finds_its_packaged_scenario(
    venv: Path, elsewhere: Path
) -> None:
    models = _purelib(venv / "python") / "solver" / "models"
    spec = models / "dprk_2018_sensitivity.toml"
    r = relief(
        venv, elsewhere, "sensitivity", "--spec", spec, "--method", "mc", "--samples", "2",
        "--workers", "1", "--store", "sweep.sqlite", "--json",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    doc = strict(r.stdout)
    assert doc["scenario"]["source"] == str(models / "dprk_2018.toml")
    assert doc["completed"] == 2


def test_installed_validate_sources_checks_tags_without_the_docs(
    venv: Path, elsewhere: Path
) -> None:
    """The labels of docs/sources.md ship with the package (solver/source_labels.py)."""
    models = _purelib(venv / "python") / "solver" / "models"
    r = relief(venv, elsewhere, "validate", models / "dprk_2018.toml", "--sources")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1].endswith("49 sourced, 135 estimates, 0 neither")
    bad = elsewhere / "bad.toml"
    text = (models / "dprk_2018.toml").read_text(encoding="utf-8")
    bad.write_text(text.replace('value = "econ: Kaesong"', 'value = "econ: Kaesongg"'))
    r = relief(venv, elsewhere, "validate", bad)
    assert r.returncode == 2 and "did you mean 'econ: Kaesong'?" in r.stderr
