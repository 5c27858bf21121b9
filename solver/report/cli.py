"""``relief report``: write an HTML, Markdown and JSON report of a scenario.

Registered as a plugin subcommand of :mod:`solver.cli` through
:func:`add_parser` and :func:`run`; :func:`main` runs it on its own.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``report`` subcommand to ``subparsers`` and return its parser."""
    from solver.backends import BACKENDS
    from solver.formulation.common import OBJECTIVES

    p: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="write report.html, report.md and report.json for a scenario",
        description=(
            "Solve the scenario (default: the shipped one), compare with a plan file "
            "(default scenario: the proposal's phasing), check incentives, add sweep "
            "results, and write a self-contained HTML report with Markdown and JSON twins."
        ),
    )
    p.add_argument("scenario", nargs="?", help="scenario file (.toml or .json)")
    p.add_argument("--plan", help="plan file to compare the optimized plan with")
    p.add_argument(
        "--sensitivity",
        metavar="STORE",
        action="append",
        help="sweep results: `relief sensitivity --json` output or a store (repeatable)",
    )
    p.add_argument(
        "--robust",
        metavar="FILE",
        default=None,
        help="a `relief solve --robust SPEC --json` document: add the robustness section "
        "(the robust plan, the nominal optimum and the proposal across the same worlds)",
    )
    p.add_argument(
        "--case",
        metavar="NAME",
        help="a case of the library (models/cases/): report its scenario, its plan as agreed "
        "(else as carried out) and its backtest beside history",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--backend", choices=BACKENDS, default="highs")
    p.add_argument("--objective", choices=OBJECTIVES, default=None)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Build the report described by ``args``; return the exit code (0 written).

    Bad input raises :class:`~solver.scenario.ScenarioError`, which the
    ``relief`` command reports with exit code 2.
    """
    from solver.io import sigterm_as_interrupt
    from solver.report.build import build_report

    try:
        with sigterm_as_interrupt():  # a kill unwinds: the folder is swapped whole or not at all
            doc = build_report(
                args.scenario,
                out_dir=args.out,
                plan_path=args.plan,
                sensitivity_path=args.sensitivity,
                backend=args.backend,
                objective=args.objective,
                case=args.case,
                robust_path=args.robust,
            )
    except KeyboardInterrupt:
        print(f"\ninterrupted: {args.out} is unchanged", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"{args.out}: report.html, report.md, report.json ({len(doc['figures'])} figures)")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``report`` as a standalone command (``python -m solver.report.cli``).

    The same as ``relief report ...``, with the same error handling.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments after ``report`` (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 written, 2 bad input (message on stderr, nothing written).
    """
    from solver.cli import main as relief_main

    return relief_main(["report", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
