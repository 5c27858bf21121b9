"""``relief solve --robust SPEC``: one plan chosen against many sampled worlds.

::

    relief solve [SCENARIO] --robust SPEC [--worlds N] [--criterion chance|quantile|cvar|worst]
                 [--level A] [--seed S] [--check-worlds M] [--check-seed T] [--ceiling C]
                 [--as-written hard|soft] [--screen] [--pool-worlds K] [--json] [--out FILE]

The plan is chosen on ``N`` worlds drawn with seed ``S`` (in sample), then
judged, with the nominal optimum (both sides required) and the shipped
proposal when the scenario is the default, on ``M`` independent worlds drawn
with seed ``T`` (out of sample).  See ``docs/robust.md``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from solver.io import dumps_json

__all__ = ["add_arguments", "proposal_schedule", "robust_document", "run_robust"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the robust-solve options to ``relief solve``'s parser.

    Parameters
    ----------
    p : argparse.ArgumentParser
        The ``solve`` subcommand's parser.
    """
    g = p.add_argument_group("robust plans (docs/robust.md)")
    g.add_argument(
        "--robust",
        metavar="SPEC",
        default=None,
        help="choose one plan against worlds sampled from this sensitivity spec (or 'types': "
        "against the scenario's target types alone)",
    )
    g.add_argument(
        "--types",
        action="store_true",
        help="cross every sampled world with the scenario's target types, weighted by their "
        "priors (a copy of the world block per world and type; implied by --robust types, "
        "--require-type and --max-exposure)",
    )
    g.add_argument(
        "--require-type",
        action="append",
        default=[],
        metavar="TYPE",
        help="this target type must keep to the plan in the scenario as written (repeatable)",
    )
    g.add_argument(
        "--max-exposure",
        type=float,
        default=None,
        metavar="USD_M",
        help="bound what every other target type keeps if it defects at its best phase, net "
        "of what it gave up for good (USD m)",
    )
    g.add_argument("--worlds", type=int, default=200, metavar="N", help="in-sample worlds (200)")
    g.add_argument(
        "--criterion",
        choices=("chance", "quantile", "cvar", "worst"),
        default="chance",
        help="chance: most worlds where the plan works; quantile/cvar: the lower tail of the "
        "minimum leverage; worst: its worst case (default chance)",
    )
    g.add_argument(
        "--level", type=float, default=0.1, metavar="A", help="tail share for quantile/cvar (0.1)"
    )
    g.add_argument("--seed", type=int, default=0, metavar="S", help="in-sample seed (0)")
    g.add_argument(
        "--check-worlds",
        type=int,
        default=2000,
        metavar="M",
        help="out-of-sample worlds (2000)",
    )
    g.add_argument(
        "--ceiling",
        type=int,
        default=0,
        metavar="C",
        help="also solve the first C out-of-sample worlds one by one for the ceiling: the "
        "share where some plan works (slow: about a tenth of a second a world; default 0, off)",
    )
    g.add_argument(
        "--as-written",
        choices=("hard", "soft"),
        default="hard",
        help="hard: the plan must work in the scenario as written too (default); soft: only its "
        "design rules bind (the plan may fail on the analyst's own numbers)",
    )
    g.add_argument(
        "--screen",
        action="store_true",
        help="chance: solve every in-sample world alone first; worlds no plan reaches are dropped "
        "(exact), their plans join the candidate pool, and the in-sample ceiling is reported "
        "(about a tenth of a second a world)",
    )
    g.add_argument(
        "--pool-worlds",
        type=int,
        default=None,
        metavar="K",
        help="chance: the one-world optima of the first K in-sample worlds join the candidate "
        "pool beside the nominal optimum and the proposal (default 10)",
    )
    g.add_argument(
        "--check-seed",
        type=int,
        default=None,
        metavar="T",
        help="out-of-sample seed (default: S + 1, never S)",
    )


def _share(plan: Any, scenario: Any, worlds: Any, types: bool = True) -> dict[str, Any]:
    """Share of ``worlds`` where ``plan`` works, with a 95 % interval (types weighted by prior)."""
    from solver.robust.batch import evaluate_plan, shares_ci
    from solver.robust.types import evaluate_by_type

    if plan is None:
        return {"share": None, "ci": None, "worlds": worlds.n, "seed": worlds.seed}
    if not scenario.target_types or not types:
        works = evaluate_plan(scenario, plan, worlds).works
        hits = int(works.sum())
        lo, hi = shares_ci(hits, worlds.n)
        return {"share": hits / worlds.n, "ci": [lo, hi], "worlds": worlds.n, "seed": worlds.seed}
    per_type = {}
    share = var = 0.0
    for t, judged in evaluate_by_type(scenario, plan, worlds):
        p = float(judged.works.mean())
        per_type[t.id] = p
        share += t.prior * p
        var += t.prior**2 * p * (1.0 - p) / worlds.n
    half = 1.959964 * math.sqrt(var)
    return {
        "share": share,
        "ci": [max(0.0, share - half), min(1.0, share + half)],
        "worlds": worlds.n,
        "seed": worlds.seed,
        "types": per_type,
    }


def robust_document(args: argparse.Namespace, scenario: Any) -> tuple[Any, dict[str, Any]]:
    """Solve robustly and return the plan with the ``"robust"`` JSON entry.

    Parameters
    ----------
    args : argparse.Namespace
        ``relief solve`` arguments with the robust options.
    scenario : Scenario
        The scenario.

    Returns
    -------
    tuple
        ``(plan, robust)``: the :class:`~solver.plan.Plan` of the chosen
        schedule (evaluated as ``solve --plan`` does) and the dict of
        criterion, worlds, in-sample figure and out-of-sample shares.
    """
    from solver.robust.batch import draw_worlds
    from solver.robust.saa import POOL_WORLDS, solve_robust
    from solver.sensitivity import load_spec
    from solver.solve import evaluate, solve

    if args.robust != "types" and (args.worlds < 1 or args.check_worlds < 1):
        raise ValueError(
            f"--worlds {args.worlds} and --check-worlds {args.check_worlds} must be >= 1"
        )
    check_seed = args.seed + 1 if args.check_seed is None else args.check_seed
    if check_seed == args.seed:
        raise ValueError(f"--check-seed {check_seed} equals --seed: out of sample needs new draws")
    use_types = bool(
        args.types or args.robust == "types" or args.require_type or args.max_exposure is not None
    )
    if args.robust == "types":
        if not scenario.target_types:
            raise ValueError("--robust types: the scenario declares no [[target_types]]")
        import numpy as np

        from solver.robust.batch import Worlds

        inside = Worlds((), np.zeros((0, 0)), -1)
        outside = Worlds((), np.zeros((1, 0)), -1)
    else:
        spec = load_spec(args.robust, scenario)
        inside = draw_worlds(scenario, spec, args.worlds, args.seed)
        outside = draw_worlds(scenario, spec, args.check_worlds, check_seed)
    if args.pool_worlds is not None and args.pool_worlds < 0:
        raise ValueError(f"--pool-worlds {args.pool_worlds} must be >= 0")
    nominal = solve(scenario, require_ic="both", ranges=False)
    proposal = proposal_schedule(scenario)
    res = solve_robust(
        scenario,
        inside,
        criterion=args.criterion,
        level=args.level,
        time_limit=args.time_limit if args.time_limit is not None else 60.0,
        types=use_types,
        require_types=tuple(args.require_type),
        max_exposure=args.max_exposure,
        nominal=args.as_written,
        pool=[
            ("nominal", nominal.schedule if nominal.status.has_solution else None),
            ("proposal", proposal),
        ],
        pool_worlds=POOL_WORLDS if args.pool_worlds is None else args.pool_worlds,
        screen=args.screen,
    )
    plan = None
    if res.schedule is not None:
        plan = evaluate(scenario, res.schedule, objective=args.objective)
    in_sample = res.in_sample
    if in_sample is None and res.schedule is not None and inside.n:
        in_sample = _share(res.schedule, scenario, inside, use_types)["share"]
    robust = {
        "spec": None if args.robust == "types" else str(Path(args.robust).resolve()),
        "criterion": args.criterion,
        "level": args.level if args.criterion in ("quantile", "cvar") else None,
        "worlds": inside.n,
        "seed": inside.seed,
        "as_written": args.as_written,
        "status": res.status,
        "objective": res.objective,
        "bound": res.bound,
        "gap": res.gap,
        "seconds": round(res.seconds, 3),
        "model": {"rows": res.rows, "columns": res.columns, "binaries": res.binaries},
        "in_sample": in_sample,
        "incumbent": res.incumbent,
        "chosen": res.chosen,
        "pool": list(res.pool),
        "in_sample_ceiling": res.ceiling,
        "screened_out": res.screened_out,
        "merged": res.merged,
        "timings": res.timings,
        "out_of_sample": _share(res.schedule, scenario, outside, use_types),
        "nominal": _share(
            nominal.schedule if nominal.status.has_solution else None,
            scenario,
            outside,
            use_types,
        ),
        "proposal": None if proposal is None else _share(proposal, scenario, outside, use_types),
        "types": use_types,
        "ceiling": None,
        "require_types": list(args.require_type),
        "max_exposure": args.max_exposure,
        "target_types": [] if res.schedule is None else _types(scenario, res.schedule),
    }
    if args.ceiling > 0:
        robust["ceiling"] = _ceiling(args, scenario, outside, res.schedule, nominal)
    return plan, robust


def _ceiling(
    args: argparse.Namespace, scenario: Any, outside: Any, robust: Any, nominal: Any
) -> dict[str, Any]:
    """The ceilings on the first ``--ceiling`` out-of-sample worlds, with both plans there.

    ``share``/``ci`` are the ceiling under the solve's own ``--as-written``
    rule; ``hard`` and ``soft`` give both: some plan works in the world and in
    the scenario as written (the ceiling of a plan for the analyst's own
    numbers), and some plan works in the world.
    """
    from solver.robust.batch import Worlds, evaluate_plan, shares_ci
    from solver.robust.saa import ceiling

    c = min(args.ceiling, outside.n)
    few = Worlds(outside.paths, outside.values[:c], outside.seed)
    reached = {mode: ceiling(scenario, few, nominal=mode) for mode in ("hard", "soft")}
    doc: dict[str, Any] = {"worlds": c, "seed": outside.seed, "as_written": args.as_written}
    for mode, hit in reached.items():
        lo, hi = shares_ci(int(hit.sum()), c)
        doc[mode] = {"share": float(hit.mean()), "ci": [lo, hi]}
    doc["share"] = doc[args.as_written]["share"]
    doc["ci"] = doc[args.as_written]["ci"]
    for name, plan in (("robust", robust), ("nominal", nominal.schedule)):
        doc[f"{name}_share"] = _share(plan, scenario, few, types=False)["share"]
        if plan is None:
            continue
        works = evaluate_plan(scenario, plan, few).works
        for mode, hit in reached.items():
            if not hit.any():
                continue
            of = float((works & hit).sum() / hit.sum())
            doc[f"{name}_of_{mode}_ceiling"] = of
            if mode == args.as_written:
                doc[f"{name}_of_ceiling"] = of
    return doc


def _types(scenario: Any, schedule: Any) -> list[dict[str, Any]]:
    from solver.robust.types import type_verdicts

    return type_verdicts(scenario, schedule)


def proposal_schedule(scenario: Any) -> Any:
    """The shipped proposal's plan when ``scenario`` is the shipped default, else ``None``.

    Parameters
    ----------
    scenario : Scenario
        A scenario.

    Returns
    -------
    Schedule or None
        ``models/plans/proposal_2018.toml`` read against it.
    """
    from solver.plan import load_schedule
    from solver.scenario import load_scenario
    from solver.shipped import MODELS_DIR, default_scenario_path

    if scenario.digest() != load_scenario(default_scenario_path()).digest():
        return None
    return load_schedule(MODELS_DIR / "plans" / "proposal_2018.toml", scenario)


def run_robust(args: argparse.Namespace, scenario: Any) -> int:
    """Run ``relief solve --robust``; print the plan and the robust figures.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``relief solve`` arguments.
    scenario : Scenario
        The scenario.

    Returns
    -------
    int
        0 with a plan, 1 without.
    """
    from solver.io import write_atomic
    from solver.render import render_plan

    for flag, value in (("--plan", args.plan), ("--both-sides", args.both_sides or None)):
        if value:
            raise ValueError(f"{flag} does not combine with --robust (which requires both sides)")
    plan, robust = robust_document(args, scenario)
    doc = {
        **(plan.to_dict() if plan is not None else {"status": robust["status"]}),
        "robust": robust,
    }
    text = dumps_json(doc, indent=2)
    if args.out:
        write_atomic(args.out, text + "\n")
    if args.json:
        print(text)
    else:
        if plan is not None:
            print(render_plan(plan))
        print(render_robust(robust))
    return 0 if plan is not None else 1


def render_robust(r: dict[str, Any]) -> str:
    """The robust figures as text.

    Parameters
    ----------
    r : dict
        The ``"robust"`` entry of :func:`robust_document`.

    Returns
    -------
    str
        Criterion, solve status and gap, and the shares of worlds where each
        plan works, with 95 % intervals.
    """

    def line(name: str, x: dict[str, Any] | None) -> str:
        if x is None or x["share"] is None:
            return f"  {name:<22} -"
        lo, hi = x["ci"]
        return f"  {name:<22} {100 * x['share']:5.1f} %   [{100 * lo:.1f}, {100 * hi:.1f}]"

    from solver.robust.types import render_types

    out = r["out_of_sample"]
    gap = "proven optimal" if r["gap"] == 0 else f"gap {r['gap']}"
    if r["worlds"]:
        against = f"over {r['worlds']} worlds (seed {r['seed']})"
        judged = (
            f"  out of sample ({out['worlds']:,} worlds, seed {out['seed']}): share where the plan "
            "works, 95 % interval"
        )
    else:
        against = "against the target types alone"
        judged = "  in the scenario as written, per target type weighted by the priors:"
    lines = [
        "",
        f"Robust plan: criterion {r['criterion']} {against}, {r['status']}, {gap}, "
        f"{r['seconds']:.1f} s",
    ]
    if r.get("as_written") == "soft":
        lines.append("  the scenario as written is not imposed (--as-written soft)")
    inc = r.get("incumbent")
    if inc is not None:
        share = "" if inc["in_sample"] is None else f", works in {100 * inc['in_sample']:.1f} %"
        lines.append(
            f"  candidate pool: best {inc['source']}{share} in sample "
            f"({len(r.get('pool') or [])} plans; the MIP's start)"
        )
    if r.get("chosen") == "pool":
        lines.append("  the pool's plan works in more in-sample worlds than the MIP's: it is kept")
    if r["in_sample"] is not None:
        lines.append(f"  in sample it works in {100 * r['in_sample']:.1f} % of the worlds")
    if r.get("in_sample_ceiling") is not None:
        lines.append(
            f"  screened: some plan works in {100 * r['in_sample_ceiling']:.1f} % of the in-sample "
            f"worlds ({r['screened_out']} dropped)"
        )
    lines.append(judged)
    lines += [
        line("robust plan", out),
        line("nominal (both sides)", r["nominal"]),
        line("proposal", r["proposal"]),
    ]
    if r.get("target_types"):
        lines.append(render_types(r["target_types"]).rstrip("\n"))
    c = r.get("ceiling")
    if c:
        for mode, what in (("hard", "as written too"), ("soft", "alone")):
            if mode not in c:
                continue
            lines.append(line(f"ceiling {mode} (first {c['worlds']})", c[mode]))
            key = f"robust_of_{mode}_ceiling"
            if key in c:
                lines.append(
                    f"  the robust plan works in {100 * c[key]:.1f} % of the worlds where some "
                    f"plan works {what} (nominal: "
                    f"{100 * c.get(f'nominal_of_{mode}_ceiling', 0):.1f} %)"
                )
        if "hard" not in c:  # a document from before the two ceilings
            lines.append(line(f"ceiling (first {c['worlds']})", c))
    return "\n".join(lines)
