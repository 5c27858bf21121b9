"""Issue 4: a sweep killed mid-run (SIGKILL) and rerun resumes and gives the same result.

The CLI runs in a subprocess; once some batches are in the SQLite store it is
killed with SIGKILL (no chance to clean up), then rerun with the same
arguments.  The rerun must reuse the stored samples, finish the rest, and
print the same summary as an uninterrupted run (on another engine: 2 workers).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = """
[[parameter]]
path = "discount"
range = [0.7, 0.9]

[[parameter]]
path = "instruments.unsc_snapback.credibility"
range = [0.4, 0.9]

[[parameter]]
path = "milestones.*.cost"
relative = true
range = [0.8, 1.2]
"""
SAMPLES = 100


def _cmd(spec: Path, store: Path, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "solver.sensitivity.cli", str(ROOT / "models" / "dprk_2018.toml"),
        "--spec", str(spec), "--method", "mc", "--samples", str(SAMPLES), "--seed", "11",
        "--workers", str(workers), "--store", str(store), "--json",
    ]  # fmt: skip


def _stored(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(store, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM results").fetchone()[0])
    except sqlite3.OperationalError:  # tables not created yet
        return 0


def _kill_after_some_results(cmd: list[str], store: Path) -> int:
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:
        while _stored(store) == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return _stored(store)


def test_sigkill_then_rerun_resumes_with_identical_summary(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    store = tmp_path / "sweep.sqlite"
    before = _kill_after_some_results(_cmd(spec, store, workers=1), store)
    if not 0 < before < SAMPLES:
        pytest.fail(f"the kill did not land mid-sweep ({before} of {SAMPLES} stored)")
    out = subprocess.run(_cmd(spec, store, 1), cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    resumed = json.loads(out.stdout)
    assert resumed["reused"] == before > 0
    assert resumed["completed"] == SAMPLES
    assert resumed["computed"] == SAMPLES - before

    fresh_store = tmp_path / "fresh.sqlite"
    fresh = subprocess.run(_cmd(spec, fresh_store, 2), cwd=ROOT, capture_output=True, text=True)
    assert fresh.returncode == 0, fresh.stderr
    uninterrupted = json.loads(fresh.stdout)
    assert uninterrupted["reused"] == 0
    assert resumed["summary"] == uninterrupted["summary"]
