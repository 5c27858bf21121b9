"""Benchmark: the default model's frontier, leverage against transformation (issue 17).

Run with ``python benchmarks/bench_frontier.py [--points 7] [--repeat 3] [--both-sides]``.

Times :func:`solver.frontier.trade_off` on ``models/dprk_2018.toml`` (every
MIP solve, verification and incentive check included) and the CLI end to end
(``relief solve --frontier leverage,transformation``); goal <= 5 s for 7 points.
Inside the timed body it asserts that every point is verified, that the points
are as many as asked, and that the smallest leverage rises and the
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
from solver.frontier import trade_off


def main() -> None:
    """Time the frontier and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--points", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--both-sides", action="store_true")
    args = ap.parse_args()
    s = load_scenario(default_scenario_path())
    ic = "both" if args.both_sides else None
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        f = trade_off(s, points=args.points, require_ic=ic)
        times.append(time.perf_counter() - t0)
        assert len(f.points) == args.points and all(p.verified for p in f.points)
        lev = [p.min_leverage for p in f.points]
        tra = [p.transformation for p in f.points]
        assert all(a <= b + 1e-6 for a, b in itertools.pairwise(lev))
        assert all(a >= b - 1e-6 for a, b in itertools.pairwise(tra))
    plans = len({str(p.schedule) for p in f.points})
    print(f"trade_off, {args.points} points{' (both sides)' if ic else ''}: "
          f"median {statistics.median(times):.3f} s, min {min(times):.3f} s, "
          f"{f.solves} MIP solves, {plans} distinct plans")  # fmt: skip
    for p in f.points:
        print(
            f"  eps {p.epsilon:>10,.1f}  min leverage {p.min_leverage:>10,.1f}  "
            f"transformation {p.transformation:>10,.1f}  IC {p.incentive_compatible}"
        )
    cmd = [sys.executable, "-m", "solver.cli", "solve", "--frontier", "leverage,transformation",
           "--points", str(args.points), "--json"]  # fmt: skip
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    assert r.stdout.lstrip().startswith("[")
    print(f"CLI end to end (relief solve --frontier ... --json): {wall:.2f} s")


if __name__ == "__main__":
    main()
