"""Benchmark: a fixed plan across many worlds, and the robust solve (issue 14).

Run with ``python benchmarks/bench_robust.py [--worlds 10000] [--exact 200]
[--robust 200] [--repeat 3]``.

* **batched**: :func:`solver.robust.batch.evaluate_batched`, the default plan
  held fixed in ``--worlds`` Monte Carlo worlds of the shipped spec (the draws
  included, as ``relief sensitivity --plan`` does them); goal <= 5 s for 10,000.
* **exact**: :func:`solver.robust.batch.evaluate_exact`, world by world with the
  verifier and the game check, on the first ``--exact`` of those worlds; the
  benchmark asserts both give the same verdicts there (a benchmark never times
  nothing) and prints the per-world ratio.
* **robust**: :func:`solver.robust.saa.solve_robust` (chance) over ``--robust``
  worlds, with its status and gap; goal <= 60 s for 200 worlds.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from solver import MODELS_DIR, default_scenario_path, load_scenario, solve
from solver.robust.batch import Worlds, draw_worlds, evaluate_batched, evaluate_exact
from solver.robust.saa import solve_robust
from solver.sensitivity import load_spec


def main() -> None:
    """Time the engines side by side and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--worlds", type=int, default=10_000)
    ap.add_argument("--exact", type=int, default=200)
    ap.add_argument("--robust", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    s = load_scenario(default_scenario_path())
    spec = load_spec(MODELS_DIR / "dprk_2018_sensitivity.toml", s)
    plan = solve(s, require_ic="both", ranges=False)
    assert plan.schedule is not None

    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        worlds = draw_worlds(s, spec, args.worlds, args.seed)
        batched = evaluate_batched(s, plan.schedule, worlds)
        times.append(time.perf_counter() - t0)
    t_batch = statistics.median(times)
    print(
        f"batched: {args.worlds:,} worlds in {t_batch:.2f} s (median of {args.repeat}, draws "
        f"included), works in {100 * batched.works.mean():.1f} %"
    )

    few = Worlds(worlds.paths, worlds.values[: args.exact], worlds.seed)
    t0 = time.perf_counter()
    exact = evaluate_exact(s, plan.schedule, few)
    t_exact = time.perf_counter() - t0
    t0 = time.perf_counter()
    same = evaluate_batched(s, plan.schedule, few)
    t_same = time.perf_counter() - t0
    assert np.array_equal(exact.works, same.works) and np.array_equal(exact.phase_ok, same.phase_ok)
    per_exact, per_batch = t_exact / few.n, t_batch / worlds.n
    print(
        f"exact: {few.n} worlds in {t_exact:.2f} s ({1e3 * per_exact:.2f} ms a world); batched "
        f"{1e6 * per_batch:.0f} us a world at {args.worlds:,} ({t_same * 1e3:.0f} ms for these "
        f"{few.n}): ratio {per_exact / per_batch:,.0f}x, same verdicts"
    )

    if args.robust:
        inside = draw_worlds(s, spec, args.robust, args.seed)
        res = solve_robust(s, inside, criterion="chance", time_limit=60)
        print(
            f"robust (chance): {args.robust} worlds, {res.status}, objective {res.objective}, "
            f"gap {res.gap}, {res.seconds:.1f} s (build and solve), "
            f"{res.rows:,} rows x {res.columns:,} columns, {res.binaries} binaries"
        )


if __name__ == "__main__":
    main()
