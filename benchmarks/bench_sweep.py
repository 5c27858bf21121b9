"""Benchmark: sweep throughput on the default model, against a naive per-sample loop.

Run with ``python benchmarks/bench_sweep.py [--samples N] [--workers 2] [--repeat R]``.

* **sweep**: :func:`solver.sensitivity.run_sweep` (Monte Carlo over the shipped
  spec) with a local process pool; every sample goes through
  :func:`~solver.sensitivity.evaluate_batch`: a :class:`solver.resolver.Resolver`
  per worker refills the numbers of a model structure built once and solves it
  in a persistent HiGHS session (``highspy``), then the incentive check;
  results to an in-memory store.
* **naive**: one loop in this process that, per sample, builds the scenario
  variant, builds a PuLP model and solves it with CBC (``backend="cbc"``).

Both run on the same samples; the benchmark asserts they agree on every
objective (a benchmark never times nothing) and prints solves per second and
the ratio.  It also prints the CPU time per sample of each (this process plus
its finished children: pool workers, CBC processes), which a second job on
the shared machine disturbs far less than wall-clock rates.
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import time

from solver import MODELS_DIR, default_scenario_path, load_scenario, solve
from solver.sensitivity import apply_sample, load_spec, run_sweep
from solver.sensitivity.design import mc_unit, to_values


def cpu_seconds() -> float:
    """CPU time of this process and of its terminated children, in seconds."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def naive(scenario, samples) -> tuple[float, list[float]]:
    """Seconds and objectives of the PuLP + CBC loop over ``samples``."""
    t0 = time.perf_counter()
    objs = []
    for sample in samples:
        plan = solve(apply_sample(scenario, sample), backend="cbc", explain=False)
        objs.append(plan.objective if plan.objective is not None else math.nan)
    return time.perf_counter() - t0, objs


def sweep(
    scenario, spec, n: int, workers: int, seed: int, backend: str = "highs"
) -> tuple[float, list[float]]:
    """Seconds of a Monte Carlo sweep and the objectives it solved (in sample order)."""
    from solver.sensitivity.evaluate import evaluate_batch

    t0 = time.perf_counter()
    res = run_sweep(
        scenario,
        spec,
        method="mc",
        samples=n,
        seed=seed,
        workers=workers,
        store=":memory:",
        backend=backend,
    )
    dt = time.perf_counter() - t0
    assert res.completed == n and res.reused == 0
    x = to_values(spec.params, mc_unit(len(spec.params), n, seed))
    objs = [
        r.objective
        for r in evaluate_batch(scenario, [spec.resolve(row) for row in x[:5]], backend=backend)
    ]
    return dt, objs


def main() -> None:
    """Print both throughputs and their ratio (per round and the median over rounds)."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--naive-samples", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--backend", default="highspy", help="backend of the sweep (highspy, highs)")
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of sweep then naive loop, side by side; the median ratio is reported",
    )
    args = ap.parse_args()
    scenario = load_scenario(default_scenario_path())
    spec = load_spec(MODELS_DIR / "dprk_2018_sensitivity.toml", scenario)
    x = to_values(spec.params, mc_unit(len(spec.params), args.naive_samples, args.seed))
    print(f"default model, {len(spec.params)} uncertain parameters, seed {args.seed}")
    ratios, cpu_ratios = [], []
    for r in range(args.repeat):
        c0 = cpu_seconds()
        t_sweep, head = sweep(scenario, spec, args.samples, args.workers, args.seed, args.backend)
        c1 = cpu_seconds()
        t_naive, objs = naive(scenario, [spec.resolve(row) for row in x])
        c2 = cpu_seconds()
        for a, b in zip(head, objs, strict=False):  # same samples, same optimum (two 1e-6 gaps)
            same = (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-5 * max(1.0, abs(a))
            assert same, (a, b)
        rate_sweep = args.samples / t_sweep
        rate_naive = args.naive_samples / t_naive
        cpu_sweep = (c1 - c0) / args.samples * 1e3
        cpu_naive = (c2 - c1) / args.naive_samples * 1e3
        ratios.append(rate_sweep / rate_naive)
        cpu_ratios.append(cpu_naive / cpu_sweep)
        tag = f"[{r + 1}/{args.repeat}] " if args.repeat > 1 else ""
        print(
            f"{tag}sweep  ({args.backend} + IC check, {args.workers} workers): "
            f"{args.samples:5d} samples in {t_sweep:7.2f} s = {rate_sweep:7.1f} solves/s"
        )
        print(
            f"{tag}naive  (PuLP build + CBC per sample, 1 process): {args.naive_samples:5d} "
            f"samples in {t_naive:7.2f} s = {rate_naive:7.1f} solves/s"
        )
        print(f"{tag}ratio sweep / naive: {ratios[-1]:.1f}x")
        print(
            f"{tag}CPU per sample: sweep {cpu_sweep:.1f} ms (all workers), naive "
            f"{cpu_naive:.1f} ms; ratio {cpu_ratios[-1]:.1f}x"
        )
    if args.repeat > 1:
        print(
            f"median over {args.repeat} rounds: ratio {statistics.median(ratios):.1f}x "
            f"(min {min(ratios):.1f}x, max {max(ratios):.1f}x); "
            f"CPU ratio {statistics.median(cpu_ratios):.1f}x"
        )
    from solver.resolver import Resolver

    r = Resolver(scenario, backend=args.backend)
    for row in x:
        r.solve(apply_sample(scenario, spec.resolve(row)))
    print(
        f"structure reuse: {r.builds} model structure(s) built for {r.refills} solves "
        f"of the naive loop's samples"
    )


if __name__ == "__main__":
    main()
