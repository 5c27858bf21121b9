"""Validate the RCPSP engines on PSPLIB j60 against the published optima and bounds.

Usage::

    python benchmarks/psplib_j60.py [--engine mip|cpsat] [--workers N] [--limit N]
        [--only NAMES] [--time-limit S] [--formulation step] [--backend highspy]
        [--data DIR] [--bounds CSV] [--out CSV]

The same loop as ``benchmarks/psplib_j30.py`` (``benchmarks/psplib_common.py``).
The references are the shipped table ``benchmarks/data/psplib_j60_bounds.csv``
(published lower and upper bounds of every instance; its header names the
source) merged with ``optimum.csv`` beside the instances where there is one
(the tighter bounds win; a conflict stops the run).  An answer contradicts
them when its makespan is below a published lower bound or its proven bound
is above a published upper bound; a proof on an instance whose published
bounds differ is flagged as closing an open instance.  One CSV row per
instance is written and flushed as it goes (``benchmarks/out/psplib_j60.csv``
for the MIP engine, ``psplib_j60_cpsat.csv`` for CP-SAT).  Exit 1 on a
contradiction or a schedule that fails verification.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from psplib_common import (  # noqa: E402
    main_loop,
    merge,
    parser,
    read_bounds_table,
    read_optimum_csv,
)

BOUNDS = REPO / "benchmarks" / "data" / "psplib_j60_bounds.csv"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 if any answer contradicts a published bound."""
    ap = parser(__doc__.splitlines()[0], "j60", "psplib_j60")
    ap.add_argument("--bounds", type=Path, default=BOUNDS, help="published bounds table")
    args = ap.parse_args(argv)
    refs = read_bounds_table(args.bounds)
    local = args.data / "optimum.csv"
    if local.is_file():
        refs = merge(refs, read_optimum_csv(local), (str(args.bounds), str(local)))
    return main_loop(args, ap, refs, "psplib_j60")


if __name__ == "__main__":
    sys.exit(main())
