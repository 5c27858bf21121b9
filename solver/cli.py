"""The ``relief`` command.

Exit codes: 0 solved (or valid), 1 no solution (infeasible, time limit
without incumbent, not incentive-compatible), 2 bad input.

Start-up is kept short: this module imports only the standard library and
light parts of the package; each subcommand's module (and NumPy, SciPy, the
solver backends, Matplotlib) is imported only when that subcommand runs.  The
top-level ``--help`` lists every subcommand from :data:`COMMANDS` without
importing any of them.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from solver.scenario_types import ScenarioError

if TYPE_CHECKING:
    from solver.scenario_types import Scenario

EXIT_OK, EXIT_NO_SOLUTION, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(Exception):
    """Bad command-line input (reported with exit code 2)."""


def scenario_arg(path: str | None) -> Scenario:
    """Load the scenario named on the command line, or the shipped default.

    Parameters
    ----------
    path : str or None
        The scenario file given, or ``None`` for the shipped default.

    Returns
    -------
    Scenario
        The validated scenario.
    """
    from solver.scenario import load_scenario
    from solver.shipped import default_scenario_path

    return load_scenario(path if path else default_scenario_path())


def _cmd_solve(args: argparse.Namespace) -> int:
    from solver.io import check_writable, write_atomic
    from solver.plan import Plan, dumps, load_schedule
    from solver.render import render_plan
    from solver.solve import evaluate, solve

    clock_start = time.perf_counter()  # --time-limit covers reading the scenario too
    scenario = scenario_arg(args.scenario)
    if args.time_limit is not None and not (math.isfinite(args.time_limit) and args.time_limit > 0):
        raise UsageError(
            f"--time-limit is {args.time_limit}; it must be a finite positive number of seconds"
        )
    if args.out:
        check_writable(args.out)  # fail before solving, not after
    if not args.frontier and (args.points is not None or args.hold_smallest):
        from solver.frontier_cli import refuse_without_frontier

        refuse_without_frontier(args)
    if args.robust:
        from solver.robust.cli import run_robust

        return run_robust(args, scenario)
    if args.frontier:
        from solver.frontier_cli import run_frontier

        return run_frontier(args, scenario)
    plan: Plan
    if args.plan:
        plan = evaluate(scenario, load_schedule(args.plan, scenario), objective=args.objective)
    else:
        plan = solve(
            scenario,
            backend=args.backend,
            objective=args.objective,
            formulation=args.formulation,
            require_ic="both" if args.both_sides else (args.require_ic or None),
            time_limit=args.time_limit,
            ranges=args.ranges,
            clock_start=clock_start,
        )
    doc = dumps(plan)
    if args.out:
        write_atomic(args.out, doc + "\n")
    print(doc if args.json else render_plan(plan))
    return EXIT_OK if plan.status.has_solution else EXIT_NO_SOLUTION


def _cmd_validate(args: argparse.Namespace) -> int:
    from solver.scenario import load_scenario

    if args.plan:
        return _validate_plan(args.plan, args.scenario)
    if not args.scenario:
        raise UsageError("relief validate needs a SCENARIO file (or --plan PLAN [SCENARIO])")
    try:
        s = load_scenario(args.scenario)
    except ScenarioError:
        _refuse_plan_as_scenario(args.scenario)
        raise
    bundles = {m.bundle for m in s.measures if m.bundle}
    print(
        f"{args.scenario}: valid scenario '{s.name}': {s.phases} phases, "
        f"{len(s.measures)} measures ({len(bundles)} bundles), {len(s.milestones)} milestones, "
        f"{len(s.actors)} actors, {len(s.instruments)} instruments"
    )
    if args.sources:
        _report_sources(args.scenario)
    return EXIT_OK


def _report_sources(path: str) -> None:
    """``relief validate --sources``: warn about numbers with neither a source nor estimate."""
    from solver.scenario import read_document
    from solver.sources import coverage

    cov = coverage(read_document(path))
    for where in cov.neither:
        print(f"warning: {path}: {where} has neither a source nor the estimate mark")
    for where in cov.unset:
        print(f"warning: {path}: {where} has a source but the entry does not set it")
    n = cov.counts()
    print(
        f"{path}: sources of {sum(n.values())} number fields: {n['sourced']} sourced, "
        f"{n['estimates']} estimates, {n['neither']} neither"
    )


def _refuse_plan_as_scenario(path: str) -> None:
    """Raise one clear error when ``path``, not a valid scenario, is a plan file."""
    from solver.plan import plan_shape
    from solver.scenario import read_document

    try:
        doc = read_document(path)
    except ScenarioError:
        return  # unreadable: the scenario error already says so
    if plan_shape(doc) is not None:
        raise ScenarioError(
            [
                f"{path}: is a plan file, not a scenario; validate it against its scenario "
                f"with `relief validate --plan {path} [SCENARIO]`"
            ]
        )


def _validate_plan(plan_path: str, scenario_path: str | None) -> int:
    """``relief validate --plan PLAN [SCENARIO]``: check a plan file against a scenario."""
    from solver.plan import load_schedule

    scenario = scenario_arg(scenario_path)
    schedule = load_schedule(plan_path, scenario)
    granted = sum(k is not None for k in schedule.measures.values())
    done = sum(k is not None for k in schedule.milestones.values())
    used = sorted({k for k in (*schedule.measures.values(), *schedule.milestones.values()) if k})
    print(
        f"{plan_path}: valid plan for scenario '{scenario.name}' ({scenario.source}): "
        f"{granted} of {len(schedule.measures)} measures granted, {done} of "
        f"{len(schedule.milestones)} milestones done, in phases "
        f"{', '.join(map(str, used)) or 'none'} of {scenario.phases}; "
        f"`relief solve --plan` scores it and lists any broken constraint"
    )
    return EXIT_OK


def _cmd_models(args: argparse.Namespace) -> int:
    from solver.io import dumps_json
    from solver.shipped import MODELS_DIR, shipped_models

    found = shipped_models()
    if args.json:
        doc = {"folder": str(MODELS_DIR), "models": [m.to_dict() for m in found]}
        print(dumps_json(doc, indent=2))
        return EXIT_OK
    print(f"Shipped models in {MODELS_DIR}")
    width = max((len(m.name) for m in found), default=4)
    print(f"  {'kind':<9} {'file':<{width}}  what")
    for m in found:
        title = m.title if len(m.title) <= 70 else m.title[:67] + "..."
        mark = " (default)" if m.default else ""
        print(f"  {m.kind:<9} {m.name:<{width}}  {title}{mark}")
    print(
        "Pass a file by its path, e.g. `relief solve "
        f"{MODELS_DIR / 'dprk_2018_no_reverse_veto.toml'}`; `relief models --json` gives "
        "the absolute paths."
    )
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from solver.io import dumps_json
    from solver.schema import json_schema

    print(dumps_json(json_schema(), indent=2))
    return EXIT_OK


def _add_solve(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from solver.backends import BACKENDS
    from solver.formulation.common import OBJECTIVES
    from solver.solve import FORMULATIONS

    p = sub.add_parser("solve", help=_HELP["solve"])
    p.add_argument("scenario", nargs="?", help="scenario file (.toml or .json)")
    p.add_argument("--backend", choices=BACKENDS, default="highs")
    p.add_argument(
        "--objective",
        choices=OBJECTIVES,
        default=None,
        help="default: the scenario's parameters.objective (leverage: leximin over phases; "
        "maxmin: the smallest leverage plus 0.01 x the mean, one solve)",
    )
    p.add_argument("--formulation", choices=FORMULATIONS, default="step")
    p.add_argument(
        "--require-ic", action="store_true", help="impose incentive compatibility in every phase"
    )
    p.add_argument(
        "--both-sides",
        action="store_true",
        help="with or without --require-ic: impose it for the target and every coalition "
        "member (each stays and enforces in every phase)",
    )
    p.add_argument(
        "--time-limit",
        type=float,
        default=None,
        metavar="S",
        help="seconds per solve (all leximin levels together), and again for the phase ranges",
    )
    p.add_argument(
        "--ranges",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="report each item's phase range over the plans within 1%% of the optimum "
        "(default: on)",
    )
    p.add_argument("--plan", help="evaluate this plan file instead of optimising")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--out", help="also write the JSON document to this file")
    from solver.robust.cli import add_arguments

    add_arguments(p)
    from solver.frontier_cli import add_arguments as add_frontier_arguments

    add_frontier_arguments(p)
    p.set_defaults(func=_cmd_solve)
    return p


def _add_validate(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "validate",
        help=_HELP["validate"],
        description="Check a scenario file and summarise it, or, with --plan, check a plan "
        "file against a scenario (default: the shipped one). Exit 0 valid, 2 with every error.",
    )
    p.add_argument("scenario", nargs="?", help="scenario file (.toml or .json)")
    p.add_argument("--plan", metavar="PLAN", help="validate this plan file against SCENARIO")
    p.add_argument(
        "--sources",
        action="store_true",
        help="also warn about every number field with neither a source nor the estimate mark "
        "(its entry's `sources` table), and count sourced / estimates / neither (exit 0)",
    )
    p.set_defaults(func=_cmd_validate)
    return p


def _add_schema(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("schema", help=_HELP["schema"])
    p.set_defaults(func=_cmd_schema)
    return p


def _add_models(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "models",
        help=_HELP["models"],
        description="List the scenarios, sensitivity specs, plans and case records shipped "
        "with the package (they install with it and are found from any folder).",
    )
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=_cmd_models)
    return p


@dataclass(frozen=True)
class Command:
    """One ``relief`` subcommand, registered without importing its module.

    Attributes
    ----------
    name : str
        The subcommand's name.
    help : str
        Its line in ``relief --help`` (the same text its own parser registers).
    module : str
        Module holding ``add`` and ``run`` (``solver.cli`` for the built-in ones).
    add : str
        Function ``add(subparsers) -> ArgumentParser`` registering its parser.
    run : str
        Function ``run(args) -> int`` (used when the parser sets no ``func``).
    """

    name: str
    help: str
    module: str
    add: str
    run: str = ""


COMMANDS: tuple[Command, ...] = (
    Command(
        "solve",
        "find the best phasing of a scenario (default: the shipped one)",
        "solver.cli",
        "_add_solve",
    ),
    Command("validate", "check a scenario file (or a plan file) and summarise it", "solver.cli",
            "_add_validate"),
    Command("schema", "print the JSON Schema of scenario files", "solver.cli", "_add_schema"),
    Command("models", "list the shipped scenarios, specs and plans", "solver.cli", "_add_models"),
    Command("check", "subgame-perfect incentive check of a plan, phase by phase",
            "solver.game.cli", "add_check_parser", "run_check"),
    Command("game", "all Nash equilibria of a two-player Gambit .nfg game", "solver.game.cli",
            "add_game_parser", "run_game"),
    Command("rcpsp", "minimize the makespan of a PSPLIB single-mode (.sm) instance",
            "solver.rcpsp.cli", "add_parser", "run"),
    Command("sensitivity", "how the plan and its incentives move with uncertain parameters",
            "solver.sensitivity.cli", "add_parser", "run"),
    Command("report", "write report.html, report.md and report.json for a scenario",
            "solver.report.cli", "add_parser", "run"),
    Command("bench", "benchmark formulations x backends x sizes", "solver.bench.cli",
            "add_parser", "run"),
    Command("backtest", "what the tool says about past deals, beside what happened",
            "solver.backtest", "add_parser", "run"),
)  # fmt: skip
"""Every subcommand, in ``relief --help`` order."""

_HELP = {c.name: c.help for c in COMMANDS}

_PLUGINS: tuple[tuple[str, str, str], ...] = tuple(
    (c.module, c.add, c.run) for c in COMMANDS if c.module != "solver.cli"
)
"""``(module, add, run)`` of the subcommands defined outside this module."""


def _register(sub: argparse._SubParsersAction, command: Command) -> argparse.ArgumentParser:
    """Import ``command``'s module and let it add its full parser to ``sub``."""
    module = importlib.import_module(command.module)  # always shipped: a failure is a bug
    p: argparse.ArgumentParser = getattr(module, command.add)(sub)
    if command.run and not p.get_default("func"):
        p.set_defaults(func=getattr(module, command.run))
    return p


def command_of(argv: Sequence[str]) -> str | None:
    """Return the subcommand named in ``argv``, if any (the first positional word).

    Parameters
    ----------
    argv : sequence of str
        The arguments after the program name.

    Returns
    -------
    str or None
        A name in :data:`COMMANDS`, or ``None`` (``relief --help``, a typo).

    Examples
    --------
    >>> command_of(["solve", "--json"]), command_of(["--help"]), command_of(["slove"])
    ('solve', None, None)
    """
    for arg in argv:
        if arg == "--" or not arg.startswith("-"):
            return arg if arg in _HELP else None
    return None


def build_parser(only: str | None = None, *, full: bool = True) -> argparse.ArgumentParser:
    """Return the argument parser of the ``relief`` command.

    Parameters
    ----------
    only : str, optional
        Build this subcommand's full parser and only a one-line entry for the
        others, so that only its module is imported.
    full : bool, optional
        With ``only`` unset: build every subcommand's full parser (default,
        imports every subcommand module) or none (just ``relief --help``).

    Returns
    -------
    argparse.ArgumentParser
        The parser; each subcommand's ``func`` default runs it.
    """
    parser = argparse.ArgumentParser(
        prog="relief",
        description="Sequence sanctions relief against denuclearization steps.",
        epilog="Exit codes: 0 solved, 1 no solution, 2 bad input. "
        "`relief COMMAND --help` describes each command.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        if command.name == only or (only is None and full):
            _register(sub, command)
        else:
            sub.add_parser(command.name, help=command.help, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``relief`` command; return its exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 solved, 1 no solution, 2 bad input.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(command_of(argv), full=False)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ScenarioError as exc:
        print("\n".join(f"error: {p}" for p in exc.problems), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (UsageError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # a file that cannot be read or written: bad input, no traceback
        print(f"error: {_os_error_text(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _os_error_text(exc: OSError) -> str:
    """``<path>: <reason>`` for an ``OSError`` (both paths of a failed rename)."""
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return reason
    if exc.filename2 is not None:
        return f"{exc.filename} -> {exc.filename2}: {reason}"
    return f"{exc.filename}: {reason}"


if __name__ == "__main__":  # pragma: no cover
    # ``python -m solver.cli``: run the importable module, whose exception classes
    # are the ones the subcommands raise (this file runs as ``__main__``).
    from solver.cli import main as _main

    sys.exit(_main())
