"""The ``relief check`` and ``relief game`` subcommands.

``relief check [SCENARIO] [--plan PLAN] [--json]`` prints the per-phase
subgame-perfect verdict (exit 0 if the plan is incentive compatible, 1 if
not or if solving found no plan, 2 on bad input).  ``relief game FILE.nfg
[--json] [--method lex|bases]`` prints every extreme Nash equilibrium of a
two-player Gambit game (exit 0, or 2 on bad input).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from solver.game.check import check
from solver.game.equilibria import METHODS, equilibria
from solver.game.nfg import NfgError, read_nfg
from solver.io import dumps_json
from solver.scenario import ScenarioError

EXIT_OK, EXIT_NOT_IC, EXIT_BAD_INPUT = 0, 1, 2


def _default_scenario() -> Path:
    from solver.shipped import default_scenario_path

    return default_scenario_path()


def add_check_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``relief check`` on an ``argparse`` subparsers object."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "check",
        help="subgame-perfect incentive check of a plan, phase by phase",
        description="Check at which phase the target would do better by pocketing the "
        "relief and backsliding (exit 0: incentive compatible, 1: not, 2: bad input).",
    )
    p.add_argument("scenario", nargs="?", help="scenario file (default: models/dprk_2018.toml)")
    p.add_argument("--plan", help="plan file (TOML/JSON); default: solve the scenario first")
    p.add_argument("--json", action="store_true", help="print the JSON report")
    p.set_defaults(func=run_check)
    return p


def add_game_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``relief game`` on an ``argparse`` subparsers object."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "game",
        help="all Nash equilibria of a two-player Gambit .nfg game",
        description="Enumerate every extreme Nash equilibrium (best-response polytope "
        "vertex enumeration, each verified; docs/game.md).",
    )
    p.add_argument("file", help="a .nfg file (payoff-list or outcome-list variant)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--method",
        choices=METHODS,
        default=METHODS[0],
        help="vertex enumeration: lex (default; lexicographic pivoting, exact, up to 15 x 15) "
        "or bases (every basis, the earlier cross-check, up to 10 x 10)",
    )
    p.set_defaults(func=run_game)
    return p


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def run_check(args: argparse.Namespace) -> int:
    """Run ``relief check``; return the exit code."""
    from solver.plan import load_schedule
    from solver.scenario import load_scenario

    try:
        scenario = load_scenario(args.scenario or _default_scenario())
        if args.plan:
            schedule: Any = load_schedule(args.plan, scenario)
        else:
            from solver.solve import solve

            schedule = solve(scenario)
            if schedule.schedule is None:
                print(f"error: no plan to check: {schedule.message}", file=sys.stderr)
                return EXIT_NOT_IC
        report = check(scenario, schedule)
        from solver.robust.types import render_types, type_verdicts

        types = type_verdicts(scenario, schedule)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValueError as exc:
        return _error(str(exc))
    if args.json:
        doc = report.to_dict()
        if types:
            doc["target_types"] = types
        print(dumps_json(doc, indent=2))
    else:
        print(report.render(), end="")
        print(render_types(types), end="")
    return EXIT_OK if report.incentive_compatible else EXIT_NOT_IC


def _fmt_strategy(v: Any, labels: tuple[str, ...]) -> str:
    return ", ".join(f"{lab}={p:.6g}" for lab, p in zip(labels, v, strict=True) if p > 0)


def run_game(args: argparse.Namespace) -> int:
    """Run ``relief game``; return the exit code."""
    try:
        game = read_nfg(args.file)
        eq = equilibria(game.A, game.B, method=args.method)
    except NfgError as exc:
        return _error(str(exc))
    except ValueError as exc:
        return _error(f"{args.file}: {exc}")
    if args.json:
        print(dumps_json(eq.to_dict(), indent=2))
        return EXIT_OK
    m, n = game.A.shape
    print(
        f"{game.title or args.file}: {m} x {n}, {len(eq)} extreme equilibria"
        f"{' (degenerate game)' if eq.degenerate else ''}"
    )
    for k, (x, y) in enumerate(eq.pairs, start=1):
        print(
            f"  {k}. {game.players[0]}: {_fmt_strategy(x, game.strategies[0])}; "
            f"{game.players[1]}: {_fmt_strategy(y, game.strategies[1])}; "
            f"payoffs {x @ game.A @ y:.6g}, {x @ game.B @ y:.6g}"
        )
    return EXIT_OK
