"""Benchmark: the default model's frontier, leverage against transformation (issue 17).

Run with ``python benchmarks/bench_frontier.py [--points 7] [--repeat 3] [--both-sides]``.

Times :func:`solver.frontier.trade_off` on ``models/dprk_2018.toml`` (every
MIP solve, verification and incentive check included) side by side on the
three leverage axes: the smallest leverage (``leverage``, the default), the
total leverage (``leverage_total``) and the total with the smallest held at
its best (``leverage_total --hold-smallest``); then the CLI end to end
(``relief solve --frontier ...``) for each.  Goal <= 5 s for 7 points.
Inside the timed body it asserts that every point is verified, that the
points are as many as asked, and that the axis's leverage rises and the
transformation value falls along the curve (a benchmark never times nothing).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import time

from solver import default_scenario_path, load_scenario
from solver.frontier import Frontier, trade_off
from solver.scenario import Scenario

AXES: tuple[tuple[str, str, bool], ...] = (
    ("leverage", "leverage,transformation", False),
    ("leverage_total", "leverage_total,transformation", False),
    ("leverage_total", "leverage_total,transformation", True),
)
"""``(axis, --frontier argument, hold_smallest)`` of each timed frontier."""


def _timed(s: Scenario, axis: str, hold: bool, points: int, ic: str | None,
           repeat: int) -> tuple[Frontier, list[float]]:  # fmt: skip
    """Run one frontier ``repeat`` times, checking each run; the last run and the times."""
    times = []
    f = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        f = trade_off(s, points=points, require_ic=ic, axis=axis, hold_smallest=hold)
        times.append(time.perf_counter() - t0)
        assert len(f.points) == points and all(p.verified for p in f.points)
        lev = [float(p.value(axis)) for p in f.points]  # type: ignore[arg-type]
        tra = [float(p.transformation) for p in f.points]  # type: ignore[arg-type]
        assert all(a <= b + 1e-6 * max(1.0, abs(b)) for a, b in itertools.pairwise(lev))
        assert all(a >= b - 1e-6 * max(1.0, abs(b)) for a, b in itertools.pairwise(tra))
    assert f is not None
    return f, times


def main() -> None:
    """Time the frontiers and print the figures side by side."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--points", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--both-sides", action="store_true")
    args = ap.parse_args()
    s = load_scenario(default_scenario_path())
    ic = "both" if args.both_sides else None
    for axis, goals, hold in AXES:
        f, times = _timed(s, axis, hold, args.points, ic, args.repeat)
        plans = len({str(p.schedule) for p in f.points})
        name = goals + (" --hold-smallest" if hold else "")
        print(f"trade_off {name}, {args.points} points{' (both sides)' if ic else ''}: "
              f"median {statistics.median(times):.3f} s, min {min(times):.3f} s, "
              f"{f.solves} MIP solves, {plans} distinct plans, every point verified")  # fmt: skip
        for p in f.points:
            lev = ", ".join(f"{x:,.1f}" for x in p.leverage)
            print(
                f"  eps {p.epsilon:>10,.1f}  min {p.min_leverage:>10,.1f}  "
                f"total {p.total_leverage:>10,.1f}  T {p.transformation:>10,.1f}  "
                f"IC target {p.target_compatible} both {p.incentive_compatible}  L = ({lev})"
            )
    for _, goals, hold in AXES:
        cmd = [sys.executable, "-m", "solver.cli", "solve", "--frontier", goals,
               "--points", str(args.points), "--json"]  # fmt: skip
        cmd += ["--hold-smallest"] if hold else []
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - t0
        assert r.stdout.lstrip().startswith("[")
        name = goals + (" --hold-smallest" if hold else "")
        print(f"CLI end to end (relief solve --frontier {name} --json): {wall:.2f} s")


if __name__ == "__main__":
    main()
