"""Smoke run of benchmarks/bench_startup.py (figures: benchmarks/README.md; no timing asserted)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_bench_startup_smoke() -> None:
    r = subprocess.run(
        [sys.executable, "benchmarks/bench_startup.py", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    lines = r.stdout.splitlines()
    for label in ("python -c pass", "relief --help", "relief solve --json"):
        assert any(line.strip().startswith(label) for line in lines), r.stdout
    assert "median of 1 interleaved runs" in lines[0]
