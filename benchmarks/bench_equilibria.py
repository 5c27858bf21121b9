"""Benchmark of the equilibrium enumeration: method "lex" (default) against "bases" (issue 18).

For each size ``n x n`` and family, ``--games`` random games (fixed seeds) are
solved by both methods side by side (``bases`` only up to ``--bases-max``, its
cost grows as ``C(2n, n)``); the figure per method is the median over the games
of the best of ``--repeat`` runs, wall clock and CPU time (and for ``lex`` the
slowest game's wall clock).  Every timed body
checks its answer: each returned pair is verified as an equilibrium, and where
both methods ran their sets must be equal.  Peak memory is measured by
``tracemalloc`` on a separate run of each game (it slows the run, so it is not
timed), with the lex-feasible bases visited; sizes above the supported bound
print the refusal instead.

Run: ``.venv/bin/python benchmarks/bench_equilibria.py [--quick]``; defaults:
integer games 7 x 7 to 15 x 15 and 16 x 16, 20 x 20 (refused), the degenerate
small-integer family at 8, 10, 12, three games, best of three.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver.game import equilibria, is_equilibrium  # noqa: E402
from solver.game.equilibria import check_size, lex_memory_bytes, standard_forms  # noqa: E402
from solver.game.lexenum import enumerate_vertices  # noqa: E402
from solver.game.random_games import random_game  # noqa: E402


def _key(pairs) -> set:
    return {(tuple(np.round(x, 6) + 0.0), tuple(np.round(y, 6) + 0.0)) for x, y in pairs}


def _timed(A, B, method: str, repeat: int) -> tuple[float, float, list]:
    """Best wall and CPU seconds of ``repeat`` runs; the pairs of the last one."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        eq = equilibria(A, B, method=method)
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
        assert all(is_equilibrium(A, B, x, y) for x, y in eq.pairs)
        assert len(eq) >= 1  # Nash's theorem
    return min(walls), min(cpus), eq.pairs


def _peak(A, B) -> tuple[int, int]:
    """Peak traced bytes of one lex run and the lex-feasible bases of both polytopes."""
    tracemalloc.start()
    equilibria(A, B)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    m, n = A.shape
    sp, sq = standard_forms(A, B)
    bases = (
        enumerate_vertices(sp, np.arange(m)).bases + enumerate_vertices(sq, m + np.arange(n)).bases
    )
    return peak, bases


def bench(family: str, n: int, games: int, repeat: int, bases_max: int) -> dict | None:
    """Time both methods on ``games`` random ``n x n`` games of ``family``; ``None`` if refused."""
    try:
        check_size(n, n)
    except ValueError as exc:
        print(f"{family:>6} {n:>2} x {n:<2}  refused: {exc}")
        return None
    row: dict = {"lex_wall": [], "lex_cpu": [], "bases_wall": [], "bases_cpu": [], "peak": [],
                 "bases_visited": [], "equilibria": []}  # fmt: skip
    for k in range(games):
        A, B = random_game((n, n), family=family, seed=1000 * n + k)
        wall, cpu, pairs = _timed(A, B, "lex", repeat)
        row["lex_wall"].append(wall)
        row["lex_cpu"].append(cpu)
        row["equilibria"].append(len(pairs))
        if n <= bases_max:
            bwall, bcpu, bpairs = _timed(A, B, "bases", 1 if n >= 10 else repeat)
            assert _key(bpairs) == _key(pairs), (family, n, k)  # the same set
            row["bases_wall"].append(bwall)
            row["bases_cpu"].append(bcpu)
        peak, visited = _peak(A, B)
        row["peak"].append(peak)
        row["bases_visited"].append(visited)
    return row


def _ms(values: list[float]) -> str:
    return f"{1e3 * statistics.median(values):.1f}" if values else "-"


def main() -> int:
    """Run the benchmark and print one line per size (times in ms, medians over games)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="7 x 7 to 9 x 9, one game, one run")
    ap.add_argument("--sizes", default="7,8,9,10,11,12,13,14,15,16,20")
    ap.add_argument("--small-sizes", default="8,10,12", help="degenerate family sizes")
    ap.add_argument("--games", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bases-max", type=int, default=10, help="largest n for method bases")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.small_sizes, args.games, args.repeat = "7,8,9", "8", 1, 1
        args.bases_max = 8
    print(f"games per size {args.games}, best of {args.repeat} runs, median over games")
    head = ["lex wall", "lex max", "lex cpu", "bases wall", "bases cpu"]
    print(f"{'family':>6} {'size':>7}  " + " ".join(f"{h:>10}" for h in head)
          + f"  {'eq':>4} {'bases visited':>13} {'peak MiB':>8} {'bound MiB':>9}")  # fmt: skip
    plan = [("int", int(s)) for s in args.sizes.split(",") if s]
    plan += [("small", int(s)) for s in args.small_sizes.split(",") if s]
    for family, n in plan:
        row = bench(family, n, args.games, args.repeat, args.bases_max)
        if row is None:
            continue
        print(
            f"{family:>6} {n:>2} x {n:<2}  {_ms(row['lex_wall']):>10} "
            f"{1e3 * max(row['lex_wall']):>10.1f} {_ms(row['lex_cpu']):>10} "
            f"{_ms(row['bases_wall']):>10} {_ms(row['bases_cpu']):>10}  "
            f"{statistics.median(row['equilibria']):>4.0f} "
            f"{statistics.median(row['bases_visited']):>13.0f} "
            f"{max(row['peak']) / 2**20:>8.1f} {lex_memory_bytes(n, n) / 2**20:>9.0f}",
            flush=True,
        )
    # Timings are printed, never asserted: a loaded machine must not fail the smoke run.
    return 0


if __name__ == "__main__":
    sys.exit(main())
