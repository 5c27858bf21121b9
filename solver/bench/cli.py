"""``relief bench``: compare formulations and backends on generated or PSPLIB instances."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from solver.backends import BACKENDS
from solver.bench.output import output_files
from solver.bench.run import RELIEF_SIZES, psplib_jobs, relief_jobs, run_suite
from solver.io import check_writable, ensure_folder, sigterm_as_interrupt, write_files
from solver.pipeline import FORMULATIONS

EXIT_INTERRUPTED = 130

DEFAULT_PSPLIB = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "psplib" / "j30"


def _choices(text: str, allowed: tuple[str, ...], flag: str) -> list[str]:
    items = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in items if x not in allowed]
    if bad or not items:
        raise ValueError(f"{flag} is {text!r}; choose from {', '.join(allowed)} (comma-separated)")
    return items


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``relief bench`` on the subcommand parser ``sub``."""
    p = sub.add_parser("bench", help="benchmark formulations x backends x sizes")
    p.add_argument("--suite", choices=("relief", "psplib"), default="relief")
    p.add_argument("--formulations", default=",".join(FORMULATIONS))
    p.add_argument("--backends", default="highs")
    p.add_argument("--sizes", default="small", help=f"comma list of {', '.join(RELIEF_SIZES)}")
    p.add_argument("--time-limit", type=float, default=60.0, metavar="S")
    p.add_argument("--limit", type=int, default=10, help="PSPLIB: number of instances")
    p.add_argument("--data", default=str(DEFAULT_PSPLIB), help="PSPLIB: folder of .sm files")
    p.add_argument("--out", required=True, help="folder for results.csv, results.md, plots")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the suite and write its outputs; exit 0 when every row is verified.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``relief bench`` arguments.

    Returns
    -------
    int
        0 when every row solved and passed its verifier, 1 otherwise, 130
        when interrupted (Ctrl-C or SIGTERM): the running worker and its
        temporary folder are removed and ``--out`` is left as it was (the
        files are written all together at the end, by
        :func:`solver.io.write_files`).
    """
    forms = _choices(args.formulations, FORMULATIONS, "--formulations")
    backs = _choices(args.backends, BACKENDS, "--backends")
    if not (math.isfinite(args.time_limit) and args.time_limit > 0):
        raise ValueError(f"--time-limit is {args.time_limit}; it must be positive (seconds)")
    if args.suite == "relief":
        jobs = relief_jobs(_choices(args.sizes, tuple(RELIEF_SIZES), "--sizes"))
    else:
        jobs = psplib_jobs(Path(args.data), args.limit)
    out = ensure_folder(args.out)  # before the run: a bad --out fails at once
    check_writable(out / "results.csv")
    try:
        with sigterm_as_interrupt():
            rows = run_suite(
                jobs,
                formulations=forms,
                backends=backs,
                time_limit=args.time_limit,
                progress=lambda line: print(line, file=sys.stderr, flush=True),
            )
            write_files(out, output_files(rows, f"relief bench --suite {args.suite}"))
    except KeyboardInterrupt:
        print(f"interrupted: {out} is unchanged", file=sys.stderr)
        return EXIT_INTERRUPTED
    bad = [r for r in rows if not r.get("verified")]
    print(
        f"{len(rows)} rows, {len(rows) - len(bad)} verified; wrote {out}/results.csv, "
        f"results.md, time.png, root_gap.png"
    )
    return 0 if not bad else 1
