"""Benchmark: build, solve and verify of the default model per backend, and the CLI end to end.

Run with ``make bench`` or ``python benchmarks/bench_default.py [--repeat N]``.
Every timed solve asserts an optimal, verified plan (a benchmark never times
nothing).  Goals (issue 2): HiGHS build+solve+verify median <= 50 ms in process
for one solve (the ``maxmin`` rule); ``relief solve --json`` end to end <= 1.5 s.
Reported separately (issue 11): the default ``leverage`` objective, leximin
solved level by level (``K + 1`` solves), and the phase ranges of its plan
(goal <= 1 s), each checked inside the timed body: the levels agree across
backends, the ranges are complete and contain the plan's phases.  Issue 12:
the default solve with incentive compatibility required for the target alone
and for both sides (goal <= 100 ms), each plan checked by the two-sided check
and the verifier inside the timed body.
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
from solver.ranges import phase_ranges


def time_backend(backend: str, repeat: int, objective: str = "maxmin") -> dict[str, float]:
    """Median build / solve / verify / total seconds over ``repeat`` runs of one objective."""
    s = load_scenario(default_scenario_path())
    rows: list[dict[str, float]] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        plan = solve(s, backend=backend, objective=objective)
        t1 = time.perf_counter()
        ok = verify_plan(s, plan).ok
        t2 = time.perf_counter()
        assert plan.status is Status.OPTIMAL and ok, (backend, plan.message)
        if objective == "leverage":
            assert len(plan.levels) == s.phases and plan.objective == plan.levels[0]
        rows.append({**plan.timings, "verify_again": t2 - t1, "total": t2 - t0})
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]} | {
        "objective": plan.objective or float("nan")
    }


def time_ranges(repeat: int) -> dict[str, float]:
    """Median seconds of the phase ranges of the default (leximin) plan, with their counts."""
    s = load_scenario(default_scenario_path())
    plan = solve(s)
    assert plan.status is Status.OPTIMAL, plan.message
    phase = {**dict(plan.schedule.milestones), **dict(plan.schedule.measures)}
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        found = phase_ranges(plan)
        times.append(time.perf_counter() - t0)
        assert found.complete, found.message
        for item, (lo, hi) in found.ranges.items():
            k = phase[item] or s.phases + 1
            assert (lo or s.phases + 1) <= k <= (hi or s.phases + 1), item
    free = sum(lo != hi for lo, hi in found.ranges.values())
    return {
        "seconds": statistics.median(times),
        "solves": found.solves,
        "skipped": found.skipped,
        "free": free,
        "items": len(found.ranges),
    }


def time_cli(repeat: int, *extra: str) -> float:
    """Median wall time of ``relief solve --json`` in a fresh interpreter."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "solver.cli", "solve", "--json", *extra],
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(time.perf_counter() - t0)
        doc = json.loads(out.stdout)
        assert doc["status"] == "optimal"
        assert (doc["phase_range"] is None) == ("--no-ranges" in extra)
    return statistics.median(times)


def _table(objective: str, repeat: int) -> None:
    print(
        f"{'backend':12s} {'build ms':>9s} {'solve ms':>9s} {'verify ms':>9s} {'total ms':>9s}"
        f" {'objective':>12s}"
    )
    for b in BACKENDS:
        r = time_backend(b, repeat if b == "highs" else max(3, repeat // 4), objective)
        print(
            f"{b:12s} {r['build'] * 1e3:9.1f} {r['solve'] * 1e3:9.1f} "
            f"{r['verify_again'] * 1e3:9.1f} {r['total'] * 1e3:9.1f} {r['objective']:12.3f}"
        )


def time_require_ic(repeat: int, require_ic: bool | str) -> float:
    """Median seconds of ``solve(default, require_ic=...)``, each plan judged both sides."""
    from solver import check

    s = load_scenario(default_scenario_path())
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        plan = solve(s, require_ic=require_ic)
        ok = verify_plan(s, plan, require_ic=True, two_sided=require_ic == "both").ok
        report = check(s, plan, thresholds=False)
        times.append(time.perf_counter() - t0)
        assert plan.status is Status.OPTIMAL and ok, plan.message
        assert report.target_compatible and (require_ic != "both" or report.incentive_compatible)
    return statistics.median(times)


def main() -> None:
    """Print the benchmark tables."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--cli-repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"default model: {default_scenario_path()}  (median of {args.repeat} runs)")
    print("objective maxmin (one solve; the <= 50 ms goal):")
    _table("maxmin", args.repeat)
    print("objective leverage (the default: leximin, K + 1 solves):")
    _table("leverage", args.repeat)
    r = time_ranges(args.repeat)
    print(
        f"phase ranges of the leximin plan: {r['seconds'] * 1e3:.0f} ms (median; "
        f"{r['solves']:.0f} probes solved, {r['skipped']:.0f} skipped; "
        f"{r['free']:.0f} of {r['items']:.0f} items free; goal <= 1 s)"
    )
    for flag, label in ((True, "the target"), ("both", "both sides (goal <= 100 ms)")):
        print(
            f"solve with incentive compatibility required for {label}, plus verify and "
            f"check: {time_require_ic(args.repeat, flag) * 1e3:.1f} ms (median)"
        )
    print(f"relief solve --json end to end: {time_cli(args.cli_repeat) * 1e3:.0f} ms (median)")
    print(
        "relief solve --json --no-ranges end to end: "
        f"{time_cli(args.cli_repeat, '--no-ranges') * 1e3:.0f} ms (median)"
    )


if __name__ == "__main__":
    main()
