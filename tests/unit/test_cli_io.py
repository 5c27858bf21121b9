"""Writing and printing from the ``relief`` command (issue 10).

Every command that writes goes through :mod:`solver.io`: an unwritable
``--out`` is exit 2 with ``error: <path>: <reason>`` and no traceback, files
follow the umask, nothing is left half-written, and every ``--json`` document
is strict JSON (no ``NaN``/``Infinity``).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import solver.bench.cli
import solver.cli
from solver import io as sio
from tests.conftest import FIXTURES, ROOT, SMALL

PROPOSAL = ROOT / "models" / "plans" / "proposal_2018.toml"
J30 = ROOT.parent / "shared" / "data" / "psplib" / "j30"
GAME = FIXTURES / "games" / "battle_of_sexes.nfg"
BAD_PLAN = "[measures]\nR1 = 1\nR2 = 1\nR3 = 1\nR4 = 1\n[milestones]\nM1 = 3\nM2 = 3\nM3 = 3\n"


def strict(text: str) -> Any:
    """Parse like a strict JSON parser: ``NaN``, ``Infinity`` and ``-Infinity`` are errors."""
    return json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))


def relief(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "solver.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = solver.cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_bad_path(r: subprocess.CompletedProcess, path: Path) -> None:
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith(f"error: {path}: "), r.stderr
    assert r.stdout == ""


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder nobody can create files in: read-only, or (as root) a file posing as a folder."""
    if os.geteuid() == 0:  # root ignores permission bits; a path under a file fails for root too
        blocker = tmp_path / "somefile"
        blocker.write_text("not a folder")
        return blocker
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    return ro


# --- relief solve --out --------------------------------------------------------------------


def test_solve_out_a_directory(tmp_path: Path) -> None:
    r = relief("solve", str(SMALL), "--out", str(tmp_path))
    assert_bad_path(r, tmp_path)
    assert "is a directory" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_solve_out_in_a_missing_folder(tmp_path: Path) -> None:
    dest = tmp_path / "missing" / "x.json"
    r = relief("solve", str(SMALL), "--out", str(dest))
    assert_bad_path(r, dest)
    assert "does not exist" in r.stderr
    assert not (tmp_path / "missing").exists()


def test_solve_out_in_an_unwritable_folder(tmp_path: Path) -> None:
    folder = unwritable_folder(tmp_path)
    dest = folder / "x.json"
    try:
        r = relief("solve", str(SMALL), "--out", str(dest))
        assert_bad_path(r, dest)
        if folder.is_dir():
            assert "Permission denied" in r.stderr and list(folder.iterdir()) == []
        else:
            assert "not a directory" in r.stderr and folder.read_text() == "not a folder"
    finally:
        if folder.is_dir():
            folder.chmod(0o755)


def test_solve_out_follows_the_umask(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "plan.json"
    old = os.umask(0o022)
    try:
        code, _, _ = run_main(capsys, "solve", str(SMALL), "--out", str(dest))
    finally:
        os.umask(old)
    assert code == 0
    assert stat.S_IMODE(dest.stat().st_mode) == 0o644
    assert strict(dest.read_text())["status"] == "optimal"
    assert list(tmp_path.iterdir()) == [dest]


def test_solve_out_failure_leaves_nothing_half_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "plan.json"
    dest.write_text("earlier\n")

    def broken_fsync(fd: int) -> None:  # the data is in the temporary file; syncing fails
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sio.os, "fsync", broken_fsync)
    code, _, err = run_main(capsys, "solve", str(SMALL), "--out", str(dest))
    assert code == 2
    assert err == f"error: {dest}: cannot be written (No space left on device)\n"
    assert list(tmp_path.iterdir()) == [dest] and dest.read_text() == "earlier\n"


def test_plain_os_error_is_reported_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(args: Any) -> int:
        raise PermissionError(13, "Permission denied", "some/file.toml")

    monkeypatch.setattr(solver.cli, "_cmd_schema", unreadable)
    code, out, err = run_main(capsys, "schema")
    assert code == 2 and out == ""
    assert err == "error: some/file.toml: Permission denied\n"


# --- strict JSON from every --json command -------------------------------------------------


def test_solve_plan_json_is_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "plan.json"
    assert run_main(capsys, "solve", "--json", "--out", str(saved))[0] == 0
    code, out, _ = run_main(capsys, "solve", "--plan", str(saved), "--json")
    assert code == 0
    doc = strict(out)
    assert doc["status"] == "feasible" and isinstance(doc["objective"], float)
    code, out, _ = run_main(capsys, "solve", "--plan", str(PROPOSAL), "--json")
    strict(out)  # feasible or not, the document is strict JSON


def test_undefined_objective_is_null_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "bad.toml"
    plan.write_text(BAD_PLAN)
    out_file = tmp_path / "bad.json"
    code, out, _ = run_main(
        capsys, "solve", str(SMALL), "--plan", str(plan), "--json", "--out", str(out_file)
    )
    assert code == 1
    doc = strict(out)
    assert doc["status"] == "infeasible" and doc["objective"] is None
    assert doc["message"] and doc["explanation"]  # why: the violations
    assert strict(out_file.read_text()) == doc


@pytest.mark.parametrize(
    "argv",
    [
        ["solve", str(SMALL), "--json"],
        ["schema"],
        ["check", "--plan", str(PROPOSAL), "--json"],
        ["check", str(SMALL), "--json"],
        ["game", str(GAME), "--json"],
        ["models", "--json"],
        ["backtest", "leap_day_2012", "--json"],
        ["solve", str(SMALL), "--both-sides", "--json"],
    ],
    ids=["solve", "schema", "check-plan", "check-solve", "game", "models", "backtest", "two-sided"],
)
def test_json_commands_print_strict_json(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = run_main(capsys, *argv)
    assert code in (0, 1), err
    assert isinstance(strict(out), dict)


@pytest.mark.skipif(not J30.is_dir() and not os.environ.get("CI"), reason="no PSPLIB data")
def test_rcpsp_json_is_strict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "rcpsp", str(J30 / "j301_1.sm"), "--json")
    assert code == 0, err
    assert strict(out)["makespan"] == 43


def test_sensitivity_json_is_strict_and_store_errors_are_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text('[[parameter]]\npath = "discount"\nrange = [0.75, 0.85]\n')
    base = ["sensitivity", str(SMALL), "--spec", str(spec), "--method", "oat", "--workers", "1"]
    code, out, err = run_main(capsys, *base, "--store", str(tmp_path / "s.sqlite"), "--json")
    assert code == 0, err
    assert strict(out)["completed"] == 3
    missing = tmp_path / "missing" / "s.sqlite"
    code, out, err = run_main(capsys, *base, "--store", str(missing), "--json")
    assert code == 2 and out == ""
    assert err.startswith(f"error: {missing}: ") and "does not exist" in err


def test_report_json_is_strict_and_out_errors_are_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(capsys, "report", str(SMALL), "--out", str(tmp_path / "r"))
    assert code == 0, err
    assert strict((tmp_path / "r" / "report.json").read_text())["plans"]
    blocker = tmp_path / "somefile"
    blocker.write_text("x")
    code, _, err = run_main(capsys, "report", str(SMALL), "--out", str(blocker / "r"))
    assert code == 2 and "Traceback" not in err
    assert err.startswith(f"error: {blocker / 'r'}: --out cannot be written")


# --- relief bench --out --------------------------------------------------------------------

ROWS = [
    {"instance": "relief-25x4-s1", "size": 25, "phases": 4, "formulation": f, "backend": "highs",
     "status": "optimal", "objective": 10.0 + k, "bound": 10.0 + k, "gap": float("inf"),
     "build_seconds": 0.01, "solve_seconds": 0.02 * (k + 1), "root_lp_bound": 11.0,
     "nodes": 1, "verified": True}
    for k, f in enumerate(("step", "pulse"))
]  # fmt: skip


def bench(capsys: pytest.CaptureFixture[str], out: Path) -> tuple[int, str, str]:
    return run_main(capsys, "bench", "--formulations", "step,pulse", "--out", str(out))


@pytest.fixture
def fake_suite(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def run_suite(jobs: Any, **kw: Any) -> list[dict[str, Any]]:
        calls.append(len(jobs))
        return [dict(r) for r in ROWS]

    monkeypatch.setattr(solver.bench.cli, "run_suite", run_suite)
    return calls


def test_bench_writes_every_file_with_the_umask(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_suite: list[int]
) -> None:
    out = tmp_path / "new" / "bench"
    old = os.umask(0o022)
    try:
        code, stdout, _ = bench(capsys, out)
    finally:
        os.umask(old)
    assert code == 0 and "2 rows, 2 verified" in stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == ["results.csv", "results.md", "root_gap.png", "time.png"]
    assert all(stat.S_IMODE((out / n).stat().st_mode) == 0o644 for n in names)
    assert (out / "time.png").read_bytes().startswith(b"\x89PNG")


def test_bench_failure_leaves_no_partial_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fake_suite: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "bench"
    out.mkdir()
    (out / "results.csv").write_text("earlier run\n")
    real = sio._write_temp
    written: list[str] = []

    def fail_on_plots(dest: Path, data: bytes) -> Path:
        if dest.suffix == ".png":
            raise OSError(28, "No space left on device")
        written.append(dest.name)
        return real(dest, data)

    monkeypatch.setattr(sio, "_write_temp", fail_on_plots)
    code, _, err = bench(capsys, out)
    assert code == 2 and "No space left on device" in err and "Traceback" not in err
    assert written == ["results.csv", "results.md"]  # written to temporaries, then dropped
    assert [p.name for p in out.iterdir()] == ["results.csv"]
    assert (out / "results.csv").read_text() == "earlier run\n"


def test_bench_out_that_is_a_file_fails_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_suite: list[int]
) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    code, _, err = bench(capsys, blocker)
    assert code == 2 and err.startswith(f"error: {blocker}: ") and "in the way" in err
    assert fake_suite == [] and blocker.read_text() == "x"


def test_bench_time_limit_must_be_finite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_suite: list[int]
) -> None:
    code, _, err = run_main(capsys, "bench", "--time-limit", "nan", "--out", str(tmp_path / "b"))
    assert code == 2 and "--time-limit is nan" in err
    assert fake_suite == [] and not (tmp_path / "b").exists()
