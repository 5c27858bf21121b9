"""Benchmark of the game module; every timed body also checks its answer.

Only answers are asserted; times are printed (with whether each target was
met), never asserted, so a loaded machine cannot fail the test suite's smoke run.

1. ``check`` of the default plan (the proposal's phasing of the default
   scenario) without the per-phase thresholds (what sweeps run): median time
   over repeats, target <= 5 ms; its margins must equal ``solver.payoffs``.
2. The same check with the thresholds (critical detection, credibility and
   discount, found by bracketing on the exact payoff model): median time; the
   margin must change sign across each critical discount.
3. Equilibrium enumeration per game size, ours against nashpy's
   support_enumeration, vertex_enumeration and lemke_howson, side by side:
   time per game and the share of games on which each method returned the
   full set of extreme equilibria (lemke_howson returns one by design).

Run: ``.venv/bin/python benchmarks/bench_game.py [--quick]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import nashpy
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver.game import check, equilibria, is_equilibrium  # noqa: E402
from solver.game.random_games import random_game  # noqa: E402
from solver.payoffs import coefficients, phase_values  # noqa: E402
from solver.plan import load_schedule  # noqa: E402
from solver.scenario import load_scenario  # noqa: E402


def _default():
    # the proposal's phasing on the default model: the ROK and Japan defect on it, so the
    # check works out their fixes too
    s = load_scenario(ROOT / "models" / "dprk_2018.toml")
    return s, load_schedule(ROOT / "models" / "plans" / "proposal_2018.toml", s)


def bench_check(repeats: int, *, thresholds: bool, fixes: bool = True) -> float:
    s, sched = _default()
    y, z = sched.matrices(s)
    lev = phase_values(coefficients(s), y, z).leverage
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = check(s, sched, thresholds=thresholds, fixes=fixes)
        times.append(time.perf_counter() - t0)
        assert np.allclose([g.margin() for g in r.games], lev, rtol=1e-9, atol=1e-6)
        # the target's verdict is its margins' (incentive_compatible needs every member too)
        assert r.target_compatible == all(p.ic_margin >= 0 for p in r.phases)
        assert r.incentive_compatible == (
            r.target_compatible and all(all(v.stays) for v in r.coalition)
        )
    if thresholds:
        for p in r.phases:
            if p.critical_discount is None:
                continue
            signs = []
            for eps in (-1e-6, 1e-6):
                beta = p.critical_discount + eps
                other = replace(s, parameters=replace(s.parameters, annual_discount=beta))
                y2, z2 = sched.matrices(other)
                signs.append(phase_values(coefficients(other), y2, z2).leverage[p.phase - 1] >= 0)
            assert signs[0] != signs[1], p
    return statistics.median(times)


def _nashpy_methods(A, B):
    game = nashpy.Game(A, B)
    shift_a, shift_b = A - A.min() + 1.0, B - B.min() + 1.0
    return {
        "support_enumeration": lambda: list(game.support_enumeration()),
        "vertex_enumeration": lambda: list(nashpy.Game(shift_a, shift_b).vertex_enumeration()),
        "lemke_howson": lambda: [game.lemke_howson(initial_dropped_label=0)],
    }


def _found_all(A, B, got, ref) -> bool:
    keys = {(tuple(np.round(x, 6)), tuple(np.round(y, 6))) for x, y in ref}
    mine = {(tuple(np.round(np.asarray(x), 6)), tuple(np.round(np.asarray(y), 6))) for x, y in got}
    valid = all(is_equilibrium(A, B, x, y) for x, y in got)
    return valid and keys <= mine


def bench_enumeration(sizes: list[int], games: int) -> list[tuple]:
    rows = []
    warnings.simplefilter("ignore")
    for n in sizes:
        times: dict[str, list[float]] = {"ours": []}
        complete: dict[str, int] = {"ours": 0}
        for k in range(games):
            A, B = random_game((n, n), family="float", seed=1000 * n + k)
            t0 = time.perf_counter()
            ref = equilibria(A, B).pairs
            times["ours"].append(time.perf_counter() - t0)
            assert all(is_equilibrium(A, B, x, y) for x, y in ref)
            complete["ours"] += 1
            for name, fn in _nashpy_methods(A, B).items():
                t0 = time.perf_counter()
                try:
                    got = fn()
                except Exception:  # lemke_howson may fail; counted as incomplete
                    got = []
                times.setdefault(name, []).append(time.perf_counter() - t0)
                ok = _found_all(A, B, got, ref if name != "lemke_howson" else got)
                complete[name] = complete.get(name, 0) + int(ok and bool(got))
        for name in times:
            rows.append((n, name, 1e3 * statistics.median(times[name]), complete[name], games))
    return rows


def main() -> int:
    """Run the three benchmarks and print their figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats and games")
    args = ap.parse_args()
    t_check = bench_check(20 if args.quick else 200, thresholds=False, fixes=False)
    print(
        f"check(default plan), verdicts and margins (no thresholds, no fixes): median "
        f"{1e3 * t_check:.2f} ms (target <= 5 ms: {'met' if t_check <= 0.005 else 'missed'})"
    )
    t_fix = bench_check(10 if args.quick else 50, thresholds=False, fixes=True)
    print(
        f"check(default plan) with the fixes of the members who defect: median {1e3 * t_fix:.1f} ms"
    )
    t_th = bench_check(3 if args.quick else 20, thresholds=True)
    print(f"check(default plan) with thresholds: median {1e3 * t_th:.1f} ms")
    sizes = [2, 3, 4, 5, 6] if args.quick else [2, 3, 4, 5, 6, 7]
    rows = bench_enumeration(sizes, 5 if args.quick else 10)
    print(f"{'n x n':>6} {'method':>20} {'ms/game':>10} {'complete':>9}")
    for n, name, ms, ok, tot in rows:
        print(f"{n:>6} {name:>20} {ms:>10.3f} {ok:>4}/{tot:<4}")
    # Timings are reported, never asserted: a loaded machine must not fail the smoke run.
    return 0


if __name__ == "__main__":
    sys.exit(main())
