"""Validate the RCPSP engines on PSPLIB j30 against the published optimal makespans.

Usage::

    python benchmarks/psplib_j30.py [--engine mip|cpsat] [--workers N] [--limit N]
        [--only NAMES] [--time-limit S] [--formulation step] [--backend highspy]
        [--data DIR] [--out CSV]
    python benchmarks/psplib_j30.py --lp-bounds [--limit N]

The second form only compares the MIP formulations' root LP bounds (with and
without the clique inequalities) against the published optima.

One process, one instance at a time (the figures are per-instance wall-clock on
this machine).  Every answer is checked inside the timed loop: the schedule with
:func:`solver.rcpsp.verify_schedule`, the makespan and the lower bound against the
published optimum (``benchmarks/psplib_common.py``).  A CSV row is written (and
flushed) per instance, so a partial run still leaves usable figures in
``benchmarks/out/`` (``psplib_j30.csv`` for the MIP engine,
``psplib_j30_cpsat.csv`` for CP-SAT).  Exit 1 when an answer contradicts a
published optimum or a schedule fails verification.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from psplib_common import main_loop, parser, read_optimum_csv  # noqa: E402

from solver.rcpsp import (  # noqa: E402
    RCPSP_FORMULATIONS,
    build_rcpsp_model,
    heuristic_schedule,
    rcpsp_root_lp_bound,
    read_sm,
)


def lp_bounds(names: list[str], optima: dict[str, int], args: argparse.Namespace) -> int:
    """Root LP bound of every formulation, with and without cliques, per instance."""
    cols = [f"{f}{'+cliques' if c else ''}" for c in (False, True) for f in RCPSP_FORMULATIONS]
    gaps: dict[str, list[float]] = {c: [] for c in cols}
    out = args.out.with_name(args.out.stem + "_lp.csv")
    with out.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["problem", "optimum", "horizon", *cols])
        for name in names:
            inst = read_sm(args.data / name)
            horizon = heuristic_schedule(inst).makespan
            row: list[object] = [name, optima[name], horizon]
            for col in cols:
                form, cliques = col.split("+")[0], col.endswith("+cliques")
                lp = rcpsp_root_lp_bound(
                    build_rcpsp_model(inst, horizon=horizon, formulation=form, cliques=cliques)
                )
                if lp > optima[name] + 1e-6:
                    raise AssertionError(f"{name}: {col} LP bound {lp} above the optimum")
                gaps[col].append((optima[name] - lp) / optima[name])
                row.append(round(lp, 4))
            writer.writerow(row)
    print(f"root LP gap to the published optimum, mean over {len(names)} instances ({out}):")
    for col in cols:
        print(f"  {col:22s} {statistics.mean(gaps[col]):.2%}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 if any answer contradicts a published optimum."""
    ap = parser(__doc__.splitlines()[0], "j30", "psplib_j30")
    ap.add_argument("--lp-bounds", action="store_true", help="compare root LP bounds only")
    args = ap.parse_args(argv)
    refs = read_optimum_csv(args.data / "optimum.csv")
    optima = {k: hi for k, (lo, hi) in refs.items() if lo == hi}

    def lp_only(names: list[str]) -> int:
        return lp_bounds(names, optima, args)

    return main_loop(args, ap, refs, "psplib_j30", lp_only if args.lp_bounds else None)


if __name__ == "__main__":
    sys.exit(main())
