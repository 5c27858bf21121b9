"""The sweep progress bar: drawn only when enabled, rate and ETA from this run's samples."""

from __future__ import annotations

import io
import time

from solver.sensitivity.progress import Progress


def test_disabled_bar_writes_nothing():
    out = io.StringIO()
    bar = Progress(False, out)
    bar.start("mc", 10)
    bar.advance(10)
    bar.close()
    assert out.getvalue() == ""


def test_rate_counts_only_new_samples_and_eta_follows(monkeypatch):
    clock = iter([0.0, 0.0, 0.0, 10.0, 20.0])  # create, start (t0, draw), two advances
    monkeypatch.setattr(time, "perf_counter", lambda: next(clock))
    out = io.StringIO()
    bar = Progress(True, out)  # perf_counter -> 0 (creation)
    bar.start("mc", 100, done=50)  # 50 reused from the store
    bar.advance(10)  # 10 s later: 10 new samples -> 1.0/s, 40 left -> 0:40
    line = out.getvalue().split("\r")[-1]
    assert "60/100" in line and "1.0/s" in line and "ETA 0:40" in line
    bar.advance(40)  # done: no ETA
    bar.close()
    last = out.getvalue().split("\r")[-1]
    assert "100/100" in last and "ETA" not in last and last.endswith("\n")
