"""The ``relief rcpsp FILE.sm`` subcommand: minimize a PSPLIB instance's makespan.

Wire it into the ``relief`` parser with :func:`add_parser`; the parsed
arguments go to :func:`run`, whose return value is the exit code (0 when the
makespan is proven optimal, 1 otherwise, 2 for an unreadable or malformed file).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from solver.backends.highspy_direct import quiet_stdout
from solver.io import dumps_json
from solver.rcpsp.formulations import RCPSP_FORMULATIONS
from solver.rcpsp.psplib import PSPLIBError, read_sm
from solver.rcpsp.solve import BACKENDS, ENGINES, RCPSPResult, solve_rcpsp

__all__ = ["add_parser", "main", "positive_workers", "run"]


def positive_workers(text: str) -> int:
    """Parse ``--workers``: a positive integer (CP-SAT search workers).

    Parameters
    ----------
    text : str
        The option's value.

    Returns
    -------
    int
        The number of workers.

    Raises
    ------
    argparse.ArgumentTypeError
        For anything but an integer >= 1 (argparse then exits 2 with the message).

    Examples
    --------
    >>> positive_workers("4")
    4
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of CP-SAT search workers (a positive integer)"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"{value} is not a number of CP-SAT search workers; it must be at least 1"
        )
    return value


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``rcpsp`` subcommand to an ``argparse`` subparsers object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers()`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The new subparser (its ``func`` default is :func:`run`).
    """
    p = subparsers.add_parser(
        "rcpsp",
        help="minimize the makespan of a PSPLIB single-mode (.sm) instance",
        description="Minimize the makespan of a PSPLIB single-mode RCPSP instance. "
        "Exit 0 when proven optimal, 1 otherwise, 2 for a malformed file.",
    )
    p.add_argument("file", help="PSPLIB .sm file")
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="mip",
        help="mip: a time-indexed formulation and a MIP backend; cpsat: OR-tools CP-SAT "
        "on an interval model",
    )
    p.add_argument("--formulation", choices=RCPSP_FORMULATIONS, default="step", help="mip only")
    p.add_argument("--backend", choices=BACKENDS, default="highs", help="mip only")
    p.add_argument(
        "--workers",
        type=positive_workers,
        default=None,
        metavar="N",
        help="cpsat only: search workers (default: the machine's cores)",
    )
    p.add_argument("--time-limit", type=float, default=None, metavar="S", help="seconds")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run)
    return p


def _summary(path: str, res: RCPSPResult) -> str:
    lp = "n/a" if res.root_lp_bound is None else f"{res.root_lp_bound:.2f}"
    nodes = res.nodes if res.nodes is not None else "?"
    lines = [
        f"{path}: {res.status.value}",
        f"  makespan     {res.makespan}  (lower bound {res.lower_bound}, gap {res.gap:.1%})",
        f"  heuristic    {res.heuristic_makespan}",
    ]
    if res.engine == "cpsat":
        lines += [
            f"  engine       CP-SAT ({res.formulation} model), {res.workers} workers,"
            f" {nodes} branches, {res.seconds:.2f} s",
            f"  message      {res.message}",
        ]
    else:
        lines += [
            f"  root LP      {lp}  ({res.formulation} formulation)",
            f"  backend      {res.backend}, {nodes} nodes, {res.seconds:.2f} s",
        ]
    lines.append("  starts       " + " ".join(str(s) for s in res.schedule))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Execute ``relief rcpsp`` for parsed ``args``.

    Parameters
    ----------
    args : argparse.Namespace
        With ``file``, ``engine``, ``formulation``, ``backend``, ``workers``,
        ``time_limit`` and ``json``.

    Returns
    -------
    int
        0 when solved to proven optimality, 1 otherwise, 2 for a bad file or
        bad options (``--workers`` with ``--engine mip``; with ``--engine
        cpsat`` a time limit that is not a positive number of seconds).
    """
    engine = getattr(args, "engine", "mip")
    workers = getattr(args, "workers", None)
    if workers is not None and engine != "cpsat":
        print(
            f"error: --workers {workers}: the option applies to --engine cpsat only "
            f"(the MIP engine's backends choose their own threads)",
            file=sys.stderr,
        )
        return 2
    limit = args.time_limit
    if engine == "cpsat" and limit is not None and not (0 < limit < 1e12):
        print(
            f"error: --time-limit {args.time_limit}: it must be a positive number of seconds",
            file=sys.stderr,
        )
        return 2
    try:
        inst = read_sm(args.file)
    except PSPLIBError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with quiet_stdout():  # solver libraries may print to fd 1 from C
        res = solve_rcpsp(
            inst,
            engine=engine,
            formulation=args.formulation,
            backend=args.backend,
            time_limit=args.time_limit,
            workers=workers,
        )
    if args.json:
        print(dumps_json(res.to_dict()))
    else:
        print(_summary(args.file, res))
    return 0 if res.status.value == "optimal" else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the subcommand on its own (``python -m solver.rcpsp.cli FILE.sm``).

    The same as ``relief rcpsp ...``, with the same error handling.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code of :func:`run`.
    """
    from solver.cli import main as relief_main

    return relief_main(["rcpsp", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
