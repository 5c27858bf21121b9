"""The ``relief`` command.

Exit codes: 0 solved (or valid), 1 no solution (infeasible, time limit
without incumbent, not incentive-compatible), 2 bad input.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
from collections.abc import Callable, Sequence

from solver.backends import BACKENDS
from solver.formulation.common import OBJECTIVES
from solver.io import check_writable, dumps_json, write_atomic
from solver.plan import Plan, dumps, load_schedule
from solver.render import render_plan
from solver.scenario import Scenario, ScenarioError, load_scenario
from solver.schema import json_schema
from solver.shipped import default_scenario_path
from solver.solve import FORMULATIONS, evaluate, solve

EXIT_OK, EXIT_NO_SOLUTION, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(Exception):
    """Bad command-line input (reported with exit code 2)."""


def scenario_arg(path: str | None) -> Scenario:
    """Load the scenario named on the command line, or the shipped default."""
    return load_scenario(path if path else default_scenario_path())


def _cmd_solve(args: argparse.Namespace) -> int:
    scenario = scenario_arg(args.scenario)
    if args.time_limit is not None and not (math.isfinite(args.time_limit) and args.time_limit > 0):
        raise UsageError(
            f"--time-limit is {args.time_limit}; it must be a finite positive number of seconds"
        )
    if args.out:
        check_writable(args.out)  # fail before solving, not after
    plan: Plan
    if args.plan:
        plan = evaluate(scenario, load_schedule(args.plan, scenario), objective=args.objective)
    else:
        plan = solve(
            scenario,
            backend=args.backend,
            objective=args.objective,
            formulation=args.formulation,
            require_ic=args.require_ic or None,
            time_limit=args.time_limit,
            ranges=args.ranges,
        )
    doc = dumps(plan)
    if args.out:
        write_atomic(args.out, doc + "\n")
    print(doc if args.json else render_plan(plan))
    return EXIT_OK if plan.status.has_solution else EXIT_NO_SOLUTION


def _cmd_validate(args: argparse.Namespace) -> int:
    s = load_scenario(args.scenario)
    bundles = {m.bundle for m in s.measures if m.bundle}
    print(
        f"{args.scenario}: valid scenario '{s.name}': {s.phases} phases, "
        f"{len(s.measures)} measures ({len(bundles)} bundles), {len(s.milestones)} milestones, "
        f"{len(s.actors)} actors, {len(s.instruments)} instruments"
    )
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    print(dumps_json(json_schema(), indent=2))
    return EXIT_OK


def _add_solve(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "solve", help="find the best phasing of a scenario (default: the shipped one)"
    )
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
    p.set_defaults(func=_cmd_solve)


_PLUGINS: tuple[tuple[str, str, str], ...] = (
    ("solver.game.cli", "add_check_parser", "run_check"),
    ("solver.game.cli", "add_game_parser", "run_game"),
    ("solver.rcpsp.cli", "add_parser", "run"),
    ("solver.sensitivity.cli", "add_parser", "run"),
    ("solver.report.cli", "add_parser", "run"),
    ("solver.bench.cli", "add_parser", "run"),
)


def _plugins() -> list[tuple[Callable, Callable]]:
    """Subcommands contributed by the game and RCPSP modules (``check``, ``game``, ``rcpsp``)."""
    found = []
    for module, add, run in _PLUGINS:
        mod = importlib.import_module(module)  # always shipped: a failure here is a real bug
        found.append((getattr(mod, add), getattr(mod, run)))
    return found


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``relief`` command."""
    parser = argparse.ArgumentParser(
        prog="relief",
        description="Sequence sanctions relief against denuclearization steps.",
        epilog="Exit codes: 0 solved, 1 no solution, 2 bad input.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_solve(sub)
    p = sub.add_parser("validate", help="check a scenario file and summarise it")
    p.add_argument("scenario")
    p.set_defaults(func=_cmd_validate)
    p = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    p.set_defaults(func=_cmd_schema)
    for add, run in _plugins():
        sp = add(sub)
        if sp is not None and not sp.get_default("func"):
            sp.set_defaults(func=run)
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
    parser = build_parser()
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
    sys.exit(main())
