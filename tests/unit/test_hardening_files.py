"""Issue 16: output files are never replaced when special, and a report folder changes whole.

``relief solve --out /dev/null`` (as root) used to rename a regular file over
the device.  ``relief report`` used to rename its three files one by one, so a
failure or a kill between the renames left a mix of old and new files.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from solver.io import WriteError, replace_folder, write_atomic

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "fixtures" / "scenarios" / "small.toml"


def relief(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "solver.cli", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def _null_device(tmp_path: Path) -> Path:
    """A character device like /dev/null: a private one when we may create it."""
    dev = tmp_path / "null"
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        with dev.open("w") as fh:  # a nodev mount refuses to open it
            fh.write("")
    except OSError:
        dev.unlink(missing_ok=True)
        return Path("/dev/null")
    return dev


def test_solve_out_to_a_character_device_writes_through(tmp_path: Path) -> None:
    dev = _null_device(tmp_path)
    before = os.stat(dev)
    out = relief("solve", str(SMALL), "--no-ranges", "--out", str(dev))
    assert out.returncode == 0, out.stderr
    after = os.stat(dev)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino  # the same node, not a file renamed over it
    assert not [p for p in dev.parent.iterdir() if p.name.endswith(".tmp")]


def test_solve_out_to_a_pipe_writes_the_document_through_it(tmp_path: Path) -> None:
    fifo = tmp_path / "plan.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    out = relief("solve", str(SMALL), "--no-ranges", "--out", str(fifo))
    reader.join(30)
    assert out.returncode == 0, out.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(got[0])["status"] == "optimal"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.fifo"]


def test_a_full_device_is_an_error_not_a_replacement() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    out = relief("solve", str(SMALL), "--no-ranges", "--out", "/dev/full")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.startswith("error: /dev/full: cannot be written (No space left")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_socket_is_refused_and_kept() -> None:
    with tempfile.TemporaryDirectory(dir="/tmp") as d:  # short: AF_UNIX paths are limited
        path = Path(d) / "s"
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        try:
            with pytest.raises(WriteError, match="special file"):
                write_atomic(path, "x")
            assert stat.S_ISSOCK(os.stat(path).st_mode)
        finally:
            sock.close()


# --- the report folder --------------------------------------------------------------------


def wait_for_sigterm_handler(proc: subprocess.Popen) -> None:
    """Wait until ``proc`` catches SIGTERM (Linux: bit 15 of SigCgt in /proc/PID/status)."""
    status = Path(f"/proc/{proc.pid}/status")
    if not status.exists():
        pytest.skip("needs /proc to see when the command handles SIGTERM")
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            text = status.read_text()
        except OSError:  # it has just exited
            return
        line = next(x for x in text.splitlines() if x.startswith("SigCgt:"))
        if int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.005)


def _siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith("."))


def test_replace_folder_swaps_the_whole_folder(tmp_path: Path) -> None:
    out = tmp_path / "r"
    replace_folder(out, {"a.txt": "old a", "b.txt": "old b"})
    replace_folder(out, {"a.txt": "new a", "b.txt": b"new b", "c.txt": "new c"})
    got = {p.name: p.read_text() for p in out.iterdir()}
    assert got == {"a.txt": "new a", "b.txt": "new b", "c.txt": "new c"}
    assert _siblings(out) == []


def test_replace_folder_failing_midway_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "r"
    replace_folder(out, {"a.txt": "old a", "b.txt": "old b"})
    with pytest.raises(WriteError) as err:  # the second file cannot be created: no folder "x"
        replace_folder(out, {"a.txt": "new a", "x/b.txt": "new b"})
    assert err.value.filename == str(out)
    assert {p.name: p.read_text() for p in out.iterdir()} == {"a.txt": "old a", "b.txt": "old b"}
    assert _siblings(out) == []


def test_report_into_a_folder_with_other_files_is_refused_up_front(tmp_path: Path) -> None:
    out = tmp_path / "r"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    res = relief("report", str(SMALL), "--out", str(out))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.startswith(f"error: {out}: --out cannot be replaced: it holds notes.txt")
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert _siblings(out) == []


def test_a_rerun_report_replaces_every_file_at_once(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert relief("report", str(SMALL), "--out", str(out)).returncode == 0
    first = out.stat().st_ino
    (out / "report.md").write_text("stale")
    res = relief("report", str(SMALL), "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert out.stat().st_ino != first  # a new folder took its place
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
    assert (out / "report.md").read_text() != "stale"
    assert _siblings(out) == []


def test_sigterm_during_report_leaves_the_old_report_whole(tmp_path: Path) -> None:
    out = tmp_path / "r"
    out.mkdir()
    old = {n: f"old {n}" for n in ("report.html", "report.md", "report.json")}
    for n, text in old.items():
        (out / n).write_text(text)
    cmd = [sys.executable, "-m", "solver.cli", "report", str(SMALL), "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for_sigterm_handler(proc)  # then any moment will do: the folder must be whole
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    now = {p.name: p.read_text() for p in out.iterdir()}
    assert proc.returncode in (0, 130), err.decode()
    assert b"Traceback" not in err
    if proc.returncode == 130:  # the usual case: interrupted while solving or drawing
        assert now == old
        assert b"interrupted" in err
    else:
        assert sorted(now) == sorted(old) and all(now[n] != old[n] for n in old)
    assert _siblings(out) == []


def test_sigterm_inside_exec_of_a_string_ends_the_program_normally() -> None:
    # CPython 3.11 marks a bare KeyboardInterrupt leaving ``exec(str)`` (dataclasses
    # build methods so, at import) as unhandled and ends the process by SIGINT at
    # exit, even though it was caught: the program's own ending must survive.
    code = (
        "import sys\n"
        "from solver.io import sigterm_as_interrupt\n"
        "try:\n"
        "    with sigterm_as_interrupt():\n"
        "        exec('import os, signal\\nos.kill(os.getpid(), signal.SIGTERM)\\n"
        "for _ in range(10 ** 7): pass')\n"
        "except KeyboardInterrupt:\n"
        "    print('caught')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (0, b"caught\n"), proc.stderr.decode()
