"""Issue 16: a sweep stops cleanly on SIGTERM, and its pool workers never outlive it.

The real ``relief sensitivity`` runs in a subprocess with two pool workers.
Once some batches are stored, its main process gets SIGTERM (exit 130, the
store intact and resumable) or SIGKILL (no chance to clean up); either way
every worker process must be gone soon after (they used to run on for
minutes, reparented to init).
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

from solver.sensitivity.store import FORMAT, SUMMARY_KEY, Store

ROOT = Path(__file__).resolve().parents[2]
SPEC = """
[[parameter]]
path = "discount"
range = [0.7, 0.9]

[[parameter]]
path = "milestones.*.cost"
relative = true
range = [0.8, 1.2]
"""

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")


def _start(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    store = tmp_path / "sweep.sqlite"
    cmd = [
        sys.executable, "-m", "solver.cli", "sensitivity", str(ROOT / "models" / "dprk_2018.toml"),
        "--spec", str(spec), "--method", "mc", "--samples", "120", "--seed", "3",
        "--workers", "2", "--store", str(store), "--json",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc, store


def _stored(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(store, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM results").fetchone()[0])
    except sqlite3.Error:  # tables not created yet
        return 0
    finally:
        db.close()


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has exited (only its entry is left)


def _wait_mid_sweep(proc: subprocess.Popen, store: Path) -> list[int]:
    """Wait until batches are stored and the workers run; return the worker pids."""
    deadline = time.monotonic() + 90
    while proc.poll() is None and time.monotonic() < deadline:
        workers = _children(proc.pid)
        if _stored(store) > 0 and len(workers) >= 2:
            return workers
        time.sleep(0.02)
    _, err = proc.communicate(timeout=30)
    pytest.fail(f"the sweep did not reach mid-run (exit {proc.returncode}): {err.decode()}")


def _assert_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 20  # a hang guard: workers check every 0.25 s
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    still = [p for p in pids if _running(p)]
    for p in still:
        os.kill(p, signal.SIGKILL)
    assert not still, f"pool workers {still} outlived the sweep"


def _meta(store: Path) -> dict:
    with sqlite3.connect(store) as db:
        meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
    db.close()
    assert meta.pop("format") == FORMAT
    meta.pop(SUMMARY_KEY, None)
    return meta


def test_sigterm_stops_the_sweep_cleanly(tmp_path: Path) -> None:
    proc, store = _start(tmp_path)
    workers = _wait_mid_sweep(proc, store)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert b"Traceback" not in err and b"interrupted" in err and out == b""
    _assert_gone(workers)
    n = _stored(store)
    assert 0 < n < 120
    with Store(store, _meta(store)) as st:  # passes the integrity check: every row intact
        assert len(st.load()) == n
    assert not list(tmp_path.glob("sweep.sqlite-journal"))


def test_workers_exit_when_the_main_process_is_killed(tmp_path: Path) -> None:
    proc, store = _start(tmp_path)
    workers = _wait_mid_sweep(proc, store)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    _assert_gone(workers)
    with Store(store, _meta(store)) as st:
        assert len(st.load()) == _stored(store) > 0
