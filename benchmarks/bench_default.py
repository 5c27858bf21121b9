"""Benchmark: build, solve and verify the default model per backend, and the CLI end to end.

Run with ``make bench`` or ``python benchmarks/bench_default.py [--repeat N]``.
Every timed solve asserts an optimal, verified plan (a benchmark never times
nothing).  Goals (issue 2): HiGHS build+solve+verify median <= 50 ms in process;
``relief solve --json`` end to end <= 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from solver import BACKENDS, default_scenario_path, load_scenario, solve, verify_plan
from solver.backends import Status


def time_backend(backend: str, repeat: int) -> dict[str, float]:
    """Median build / solve / verify / total seconds over ``repeat`` runs."""
    s = load_scenario(default_scenario_path())
    rows: list[dict[str, float]] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        plan = solve(s, backend=backend)
        t1 = time.perf_counter()
        ok = verify_plan(s, plan).ok
        t2 = time.perf_counter()
        assert plan.status is Status.OPTIMAL and ok, (backend, plan.message)
        rows.append({**plan.timings, "verify_again": t2 - t1, "total": t2 - t0})
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]} | {
        "objective": plan.objective or float("nan")
    }


def time_cli(repeat: int) -> float:
    """Median wall time of ``relief solve --json`` in a fresh interpreter."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "solver.cli", "solve", "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(time.perf_counter() - t0)
        assert json.loads(out.stdout)["status"] == "optimal"
    return statistics.median(times)


def main() -> None:
    """Print the benchmark table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--cli-repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"default model: {default_scenario_path()}  (median of {args.repeat} runs)")
    print(
        f"{'backend':12s} {'build ms':>9s} {'solve ms':>9s} {'verify ms':>9s} {'total ms':>9s}"
        f" {'objective':>12s}"
    )
    for b in BACKENDS:
        r = time_backend(b, args.repeat if b == "highs" else max(3, args.repeat // 4))
        print(
            f"{b:12s} {r['build'] * 1e3:9.1f} {r['solve'] * 1e3:9.1f} "
            f"{r['verify_again'] * 1e3:9.1f} {r['total'] * 1e3:9.1f} {r['objective']:12.3f}"
        )
    print(f"relief solve --json end to end: {time_cli(args.cli_repeat) * 1e3:.0f} ms (median)")


if __name__ == "__main__":
    main()
