"""``relief sensitivity``: run a sensitivity method over a spec.

::

    relief sensitivity [SCENARIO] --spec SPEC --method oat|thresholds|mc|sobol|morris
                       [--samples N] [--workers N | --dask ADDRESS] [--store FILE]
                       [--seed S] [--json]
    relief sensitivity [SCENARIO] --spec SPEC --method mc --plan PLAN
                       [--samples N] [--seed S] [--engine auto|batched|exact] [--json]

With ``--plan`` the plan is held fixed and judged in every sampled world
(:mod:`solver.robust.batch`), not re-optimised: no solver runs, no store.

Plugged into ``relief`` through ``solver.cli._PLUGINS`` as
``("solver.sensitivity.cli", "add_parser", "run")``; ``python -m
solver.sensitivity.cli`` runs the same subcommand on its own.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from solver.backends import BACKENDS
from solver.formulation.common import OBJECTIVES
from solver.io import check_writable, dumps_json, sigterm_as_interrupt
from solver.scenario import load_scenario
from solver.sensitivity.executors import cap_workers, default_workers
from solver.sensitivity.render import render_summary
from solver.sensitivity.runner import DEFAULT_SAMPLES, METHODS, SweepResult, run_sweep
from solver.sensitivity.spec import load_spec, named_scenario

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``sensitivity`` subcommand to ``relief``'s subparsers.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        From ``ArgumentParser.add_subparsers``.

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser (its ``func`` default is :func:`run`).
    """
    p = subparsers.add_parser(
        "sensitivity",
        help="how the plan and its incentives move with uncertain parameters",
        description="Run a sensitivity method over the parameters of a spec file.",
    )
    p.add_argument("scenario", nargs="?", help="scenario file (default: the spec's, or shipped)")
    p.add_argument("--spec", required=True, help="sensitivity spec (.toml or .json)")
    p.add_argument("--method", required=True, choices=METHODS)
    sizes = ", ".join(f"{k} {v}" for k, v in DEFAULT_SAMPLES.items() if k != "oat")
    p.add_argument(
        "--samples",
        type=int,
        default=None,
        metavar="N",
        help=f"grid points (thresholds), draws (mc), base size (sobol), trajectories "
        f"(morris); defaults: {sizes}",
    )
    eng = p.add_mutually_exclusive_group()
    eng.add_argument("--workers", type=int, default=None, metavar="N", help="local processes")
    eng.add_argument("--dask", default=None, metavar="ADDRESS", help="scheduler or local:N")
    p.add_argument("--store", default=None, metavar="FILE", help="SQLite result store")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="default 0")
    p.add_argument("--backend", choices=BACKENDS, default="highspy")
    p.add_argument("--objective", choices=OBJECTIVES, default=None)
    p.add_argument("--json", action="store_true", help="print one JSON document, no progress")
    p.add_argument(
        "--plan",
        default=None,
        metavar="PLAN",
        help="hold this plan file fixed and judge it in every sampled world (--method mc)",
    )
    p.add_argument(
        "--engine",
        choices=("auto", "batched", "exact"),
        default="auto",
        help="with --plan: numpy over the worlds (batched) or world by world with the "
        "verifier and the game check (exact); auto: batched where it covers the spec",
    )
    p.set_defaults(func=run)
    return p


def document(args: argparse.Namespace, res: SweepResult, scenario: Any, spec: Any) -> dict:
    """Return the ``--json`` document of a finished sweep.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.
    res : SweepResult
        The sweep's outcome.
    scenario : Scenario
        The scenario swept.
    spec : Spec
        The spec used.

    Returns
    -------
    dict
        ``method``, ``scenario``, ``spec``, ``seed``, ``samples``, ``engine``,
        ``store``, ``completed``, ``reused``, ``computed`` and ``summary``.
    """
    return {
        "method": args.method,
        "scenario": {
            "name": scenario.name,
            "source": scenario.source,
            "sha256": res.meta["scenario_sha256"],
        },
        "spec": {
            "source": spec.source,
            "sha256": res.meta["spec_sha256"],
            "parameters": len(spec.params),
        },
        "seed": args.seed,
        "samples": res.meta["samples"],
        "backend": args.backend,
        "objective": res.meta["objective"],
        "engine": res.engine,
        "store": res.store,
        "completed": res.completed,
        "reused": res.reused,
        "computed": res.completed - res.reused,
        "summary": res.summary,
    }


def run(args: argparse.Namespace) -> int:
    """Run ``relief sensitivity``; return the exit code.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by the parser of :func:`add_parser`.

    Returns
    -------
    int
        0 done, 2 bad input (raised as ``ScenarioError``/``ValueError`` for
        ``relief`` to report), 130 interrupted (results so far are stored).
    """
    named = named_scenario(args.spec)
    path = args.scenario or named
    if path is None:
        from solver.shipped import default_scenario_path

        path = default_scenario_path()
    scenario = load_scenario(path)
    spec = load_spec(args.spec, scenario)
    if args.plan is not None:
        return _run_plan(args, scenario, spec)
    if args.engine != "auto":
        raise ValueError("--engine applies to --plan only (a fixed plan judged across worlds)")
    if args.store:
        check_writable(args.store)  # an SQLite error mid-sweep would be a traceback
    workers = args.workers if args.workers is not None else default_workers()
    if workers >= 1:
        workers, note = cap_workers(workers)
        if note:
            print(f"note: {note}", file=sys.stderr)
    try:
        with sigterm_as_interrupt():  # kill PID stops like Ctrl-C: store closed, workers ended
            res = run_sweep(
                scenario,
                spec,
                method=args.method,
                samples=args.samples,
                seed=args.seed,
                workers=workers,
                dask=args.dask,
                store=args.store,
                backend=args.backend,
                objective=args.objective,
                progress=not args.json,
            )
    except KeyboardInterrupt:
        print(
            "\ninterrupted: finished samples are in the store; rerun the same command to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if args.json:
        print(dumps_json(document(args, res, scenario, spec), indent=2))
    else:
        print(render_summary(args.method, res, spec))
    return EXIT_OK


def _run_plan(args: argparse.Namespace, scenario: Any, spec: Any) -> int:
    """``--plan``: judge one fixed plan in every world of a Monte Carlo draw."""
    from solver.plan import load_schedule
    from solver.robust.batch import draw_worlds, evaluate_plan
    from solver.robust.render import render_plan_in_worlds

    if args.method != "mc":
        raise ValueError(f"--plan needs --method mc (got --method {args.method})")
    for flag, value in (("--store", args.store), ("--dask", args.dask)):
        if value is not None:
            raise ValueError(f"{flag} does not apply to --plan: a fixed plan needs no solver runs")
    schedule = load_schedule(args.plan, scenario)
    n = DEFAULT_SAMPLES["mc"] if args.samples is None else args.samples
    worlds = draw_worlds(scenario, spec, n, args.seed)
    result = evaluate_plan(scenario, schedule, worlds, engine=args.engine)
    from solver.robust.failures import failure_boxes

    boxes = failure_boxes(result, spec)
    types = _per_type(scenario, schedule, worlds, args.engine)
    if args.json:
        doc = {
            "method": "mc",
            "plan": str(args.plan),
            "scenario": {"name": scenario.name, "source": scenario.source},
            "spec": {"source": spec.source, "parameters": len(spec.params)},
            "seed": args.seed,
            "samples": n,
            "summary": result.summary(),
            "failure_boxes": boxes,
        }
        if types:
            doc["target_types"] = types
        print(dumps_json(doc, indent=2))
    else:
        print(render_plan_in_worlds(result, plan=str(args.plan)))
        if types:
            print("\n  by target type (each type's numbers on top of every world):")
            for t in types:
                print(
                    f"    {t['type']:<12} prior {t['prior']:.2f}: works in "
                    f"{100 * t['works']:5.1f} %, compatible for both sides in "
                    f"{100 * t['incentive_compatible']:5.1f} %"
                )
            weighted = sum(t["prior"] * t["works"] for t in types)
            print(f"    weighted by the priors: works in {100 * weighted:.1f} %")
        if boxes:
            print("\n  where it fails (PRIM boxes of the sampled parameters, docs/robust.md):")
            print("\n".join(f"    {b['text']}" for b in boxes))
    return EXIT_OK


def _per_type(scenario: Any, schedule: Any, worlds: Any, engine: str) -> list[dict[str, Any]]:
    """Per target type, the plan's summary in the same worlds with the type's numbers."""
    from solver.robust.types import evaluate_by_type

    return [
        {"type": t.id, "prior": t.prior, **judged.summary()}
        for t, judged in evaluate_by_type(scenario, schedule, worlds, engine=engine)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the subcommand alone (``python -m solver.sensitivity.cli ...``).

    The same as ``relief sensitivity ...``, with the same error handling.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code of :func:`run`, or 2 for bad input.
    """
    from solver.cli import main as relief_main

    return relief_main(["sensitivity", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
