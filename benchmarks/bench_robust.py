"""Benchmark: a fixed plan across many worlds, and the robust solve (issue 14).

Run with ``python benchmarks/bench_robust.py [--worlds 10000] [--exact 200]
[--robust 200] [--repeat 3] [--variants] [--proof N] [--replications R]``.

* **batched**: :func:`solver.robust.batch.evaluate_batched`, the default plan
  held fixed in ``--worlds`` Monte Carlo worlds of the shipped spec (the draws
  included, as ``relief sensitivity --plan`` does them); goal <= 5 s for 10,000.
* **exact**: :func:`solver.robust.batch.evaluate_exact`, world by world with the
  verifier and the game check, on the first ``--exact`` of those worlds; the
  benchmark asserts both give the same verdicts there (a benchmark never times
  nothing) and prints the per-world ratio.
* **robust**: :func:`solver.robust.saa.solve_robust` (chance) over ``--robust``
  worlds, with its status and gap; goal <= 60 s for 200 worlds.
* **variants** (``--variants``): the same solve with each strengthening off
  and on, side by side (status, objective, bound, gap, nodes, seconds, the
  in-sample share and the share on 2,000 out-of-sample worlds, seed + 1):
  the earlier solve (no presolve, loose big-M, no start), presolve alone,
  presolve with the tight big-M, the tight big-M and the pool's start without
  presolve, the default (presolve, loose big-M, the pool's start), and the
  default with the tight big-M or with screening.
* **proof** (``--proof N``): on ``N`` worlds, screened and solved to proven
  optimality (``--proof-limit`` seconds, default 900), the best single plan
  against the in-sample ceiling, with the scenario as written hard and soft,
  both sides' rows and the target's alone (a relaxation: an upper bound on the
  best plan whatever the members' rows leave out); ``docs/robust.md``, "How
  close can one plan come?".
* **replications** (``--replications R [--as-written hard|soft]``): ``R``
  independent samples of ``--robust`` worlds (seeds 21, 22, ...), each
  screened and solved to optimality with both sides' rows and with the
  target's alone: a population bound on the share of the ceiling any single
  plan can reach (Mak, Morton and Wood 1999; see ``_replications``).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from typing import Any

import numpy as np

from solver import MODELS_DIR, default_scenario_path, load_scenario, solve
from solver.robust.batch import Worlds, draw_worlds, evaluate_batched, evaluate_exact
from solver.robust.cli import proposal_schedule
from solver.robust.saa import solve_robust
from solver.sensitivity import load_spec

VARIANTS: dict[str, dict[str, Any]] = {
    "earlier (no presolve, loose M, no start)": dict(
        presolve=False, big_m="loose", start=False, pool_worlds=0, merge=False
    ),
    "presolve": dict(presolve=True, big_m="loose", start=False, pool_worlds=0),
    "presolve + tight M": dict(presolve=True, big_m="tight", start=False, pool_worlds=0),
    "no presolve, tight M + pool start": dict(presolve=False, big_m="tight"),
    "default (presolve, loose M, pool start)": dict(),
    "default + tight M": dict(big_m="tight"),
    "default + screening": dict(screen=True),
}
"""Name -> :func:`solve_robust` options of each variant (the pool is added to all but the first)."""


def _fmt(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def main() -> None:
    """Time the engines side by side and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--worlds", type=int, default=10_000)
    ap.add_argument("--exact", type=int, default=200)
    ap.add_argument("--robust", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--variants", action="store_true")
    ap.add_argument("--proof", type=int, default=0, metavar="N")
    ap.add_argument("--proof-limit", type=float, default=900.0)
    ap.add_argument("--replications", type=int, default=0, metavar="R")
    ap.add_argument("--as-written", choices=("hard", "soft"), default="hard")
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

    pool = [("nominal", plan.schedule), ("proposal", proposal_schedule(s))]
    if args.robust:
        inside = draw_worlds(s, spec, args.robust, args.seed)
        res = solve_robust(s, inside, criterion="chance", time_limit=60, pool=pool)
        inc = res.incumbent or {"source": None, "in_sample": None}
        print(
            f"robust (chance): {args.robust} worlds, {res.status}, objective {res.objective}, "
            f"gap {res.gap}, {res.seconds:.1f} s (pool, build and solve), "
            f"{res.rows:,} rows x {res.columns:,} columns, {res.binaries} binaries; pool start "
            f"{inc['source']} ({_fmt(inc['in_sample'])} in sample), "
            f"plan from the {res.chosen}, stages {res.timings}"
        )
    if args.variants:
        _variants(s, spec, args.robust or 200, args.seed, pool)
    if args.proof:
        _proof(s, spec, args.proof, args.seed, args.proof_limit, pool)
    if args.replications:
        _replications(
            s, spec, args.robust or 200, args.replications, args.proof_limit, pool, args.as_written
        )


def _variants(s: Any, spec: Any, n: int, seed: int, pool: list[Any]) -> None:
    """Each strengthening off and on: the same 200-world solve, side by side."""
    from solver.robust.batch import evaluate_plan

    inside = draw_worlds(s, spec, n, seed)
    outside = draw_worlds(s, spec, 2000, seed + 1)
    print(
        f"\nvariants, {n} worlds (seed {seed}), 60 s each; out of sample 2,000 worlds "
        f"(seed {seed + 1}):"
    )
    print("  variant | status | objective | bound | gap | nodes | s | in sample | out of sample")
    for name, options in VARIANTS.items():
        given = () if options.get("start") is False else pool
        res = solve_robust(s, inside, time_limit=60, pool=given, **options)
        oos = None
        if res.schedule is not None:
            oos = float(evaluate_plan(s, res.schedule, outside).works.mean())
        print(
            f"  {name} | {res.status} | {_fmt(res.objective)} | {_fmt(res.bound)} | "
            f"{_fmt(res.gap)} | {res.nodes} | {res.seconds:.1f} | {_fmt(res.in_sample)} | "
            f"{_fmt(oos)}",
            flush=True,
        )


def _proof(s: Any, spec: Any, n: int, seed: int, limit: float, pool: list[Any]) -> None:
    """The best single plan against the in-sample ceiling, proven (docs/robust.md).

    Both sides' rows: the members' row is sufficient, so a world the MIP counts
    works (the ceiling's one-world solves too: a lower bound on the ceiling).
    The target's rows alone: a relaxation, so its bound is an upper bound on
    the share of any plan.  Their quotient bounds every plan's share of the
    ceiling from above.
    """
    inside = draw_worlds(s, spec, n, seed)
    print(f"\nproof, {n} worlds (seed {seed}), screened, up to {limit:.0f} s each:")
    for nominal in ("hard", "soft"):
        both = solve_robust(s, inside, time_limit=limit, nominal=nominal, pool=pool, screen=True)
        relaxed = solve_robust(
            s, inside, time_limit=limit, nominal=nominal, two_sided=False, pool=pool, screen=True
        )
        ratio = bound = None
        if both.ceiling and both.objective is not None:
            ratio = both.objective / both.ceiling
        if both.ceiling and relaxed.bound is not None:
            bound = relaxed.bound / both.ceiling
        print(
            f"  as written {nominal}: both sides {both.status}, best plan "
            f"{_fmt(both.objective)} (bound {_fmt(both.bound)}, in sample "
            f"{_fmt(both.in_sample)}), ceiling {_fmt(both.ceiling)}: ratio {_fmt(ratio)} "
            f"({both.seconds:.0f} s); target's rows alone {relaxed.status}, best "
            f"{_fmt(relaxed.objective)} (bound {_fmt(relaxed.bound)}), its ceiling "
            f"{_fmt(relaxed.ceiling)} ({relaxed.seconds:.0f} s); no plan above "
            f"{_fmt(bound)} of the ceiling",
            flush=True,
        )


def _replications(
    s: Any, spec: Any, n: int, reps: int, limit: float, pool: list[Any], nominal: str
) -> None:
    """A population bound on any single plan's share of the ceiling, from independent samples.

    Per sample ``r`` of ``n`` worlds: ``v_r``, the proven optimum with the
    target's rows alone (a relaxation), and ``c_r``, the share of the
    sample's worlds some plan reaches with both sides' rows (a world the MIP
    reaches works).  ``E[v_r] >= p*``, the best single plan's share in the
    population (Mak, Morton and Wood 1999: the sample optimum is optimistic
    on average; a relaxation more so), and ``E[c_r] <= c``, the population
    ceiling.  So ``p* - t c <= E[v_r - t c_r]``, and a one-sided 95 % t
    bound on the mean of ``v_r - t c_r`` below 0 says that no plan reaches
    the share ``t`` of the ceiling.  Printed: the largest such ``t``.
    """
    from scipy.stats import t as student

    v, c = [], []
    print(
        f"\nreplications: {reps} samples of {n} worlds (seeds 21-{20 + reps}), as written "
        f"{nominal}: v = best plan, target's rows alone; c = ceiling, both sides"
    )
    for r in range(reps):
        inside = draw_worlds(s, spec, n, 21 + r)
        both = solve_robust(s, inside, time_limit=limit, nominal=nominal, pool=pool, screen=True)
        relaxed = solve_robust(
            s, inside, time_limit=limit, nominal=nominal, two_sided=False, pool=pool
        )
        assert relaxed.bound is not None and both.ceiling is not None, relaxed.status
        v.append(relaxed.bound)
        c.append(both.ceiling)
        print(
            f"  seed {21 + r}: v {relaxed.bound:.3f} ({relaxed.status}), c {both.ceiling:.3f}; "
            f"both sides' best {_fmt(both.objective)} ({both.status}), ratio "
            f"{_fmt(None if both.objective is None else both.objective / both.ceiling)} "
            f"({both.seconds + relaxed.seconds:.0f} s)",
            flush=True,
        )
    va, ca = np.array(v), np.array(c)
    q = float(student.ppf(0.95, reps - 1)) if reps > 1 else math.inf

    def upper(share: float) -> float:
        d = va - share * ca
        return float(d.mean() + q * d.std(ddof=1) / math.sqrt(reps)) if reps > 1 else math.inf

    best = min((k / 100 for k in range(0, 101) if upper(k / 100) < 0), default=None)
    print(
        f"  mean v {va.mean():.3f}, mean c {ca.mean():.3f}, mean v/c {np.mean(va / ca):.3f}; "
        f"upper 95 % bound on mean(v - 0.9 c): {upper(0.9):.3f}; with 95 % confidence no plan "
        f"reaches {_fmt(best, 2)} of the ceiling"
    )


if __name__ == "__main__":
    main()
