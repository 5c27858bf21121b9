"""``relief solve --frontier leverage[_total],transformation [--points N]``: the trade-off curve.

::

    relief solve [SCENARIO] --frontier leverage,transformation [--points N]
                 [--backend B] [--require-ic | --both-sides] [--time-limit S] [--json] [--out FILE]
    relief solve [SCENARIO] --frontier leverage_total,transformation [--hold-smallest] ...

The leverage measure is the smallest leverage ``min_k L_k`` (``leverage``)
or the total ``sum_k L_k`` (``leverage_total``; ``--hold-smallest`` holds
the smallest leverage at its best value at every point).  Prints one line per
point (the floor on the axis's measure, the smallest and the total leverage
and the transformation value the plan reaches, USD m; whether the verifier
accepts it and whether the incentive check passes), then each point's plan
as what it changes against the leverage anchor.  ``--json`` prints the list
of points (:meth:`solver.frontier.FrontierPoint.to_dict`).  See
``docs/formulation.md`` ("Transformation" and "The frontier").
"""

from __future__ import annotations

import argparse

from solver.frontier import (
    AXIS_LABELS,
    DEFAULT_POINTS,
    Frontier,
    FrontierPoint,
    parse_goals,
    trade_off,
)
from solver.io import dumps_json

__all__ = ["add_arguments", "render_frontier", "run_frontier"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the frontier options to ``relief solve``'s parser.

    Parameters
    ----------
    p : argparse.ArgumentParser
        The ``solve`` subcommand's parser.
    """
    g = p.add_argument_group("two goals (docs/formulation.md, The frontier)")
    g.add_argument(
        "--frontier",
        metavar="leverage[_total],transformation",
        default=None,
        help="the trade-off curve between a leverage measure (leverage: the smallest "
        "min_k L_k; leverage_total: the sum over phases) and the transformation value "
        "(epsilon-constraint; every point verified and incentive-checked)",
    )
    g.add_argument(
        "--points",
        type=int,
        default=None,
        metavar="N",
        help=f"points of the frontier, both ends included (default {DEFAULT_POINTS})",
    )
    g.add_argument(
        "--hold-smallest",
        action="store_true",
        help="with --frontier leverage_total,transformation: hold the smallest leverage "
        "at its best value at every point",
    )


def _changes(base: FrontierPoint, point: FrontierPoint) -> str:
    """What ``point``'s plan changes against ``base``'s: ``+R26@1 -R18 R08 3->2``."""
    if point.schedule is None or base.schedule is None:
        return "no plan"
    out = []
    for kind in ("measures", "milestones"):
        a, b = getattr(base.schedule, kind), getattr(point.schedule, kind)
        for item in a:
            if a[item] == b.get(item):
                continue
            if a[item] is None:
                out.append(f"+{item}@{b[item]}")
            elif b.get(item) is None:
                out.append(f"-{item}")
            else:
                out.append(f"{item} {a[item]}->{b[item]}")
    return " ".join(out) or "the same plan"


def _yes(v: bool | None) -> str:
    return "-" if v is None else ("yes" if v else "no")


def render_frontier(frontier: Frontier) -> str:
    """The frontier as text: a table of the points, then each plan's changes.

    Parameters
    ----------
    frontier : Frontier
        From :func:`solver.frontier.trade_off`.

    Returns
    -------
    str
        The text ``relief solve --frontier`` prints.
    """
    axis = AXIS_LABELS[frontier.axis]
    lines = [
        f"Frontier: {axis} x transformation value (USD m) of {frontier.scenario.name} "
        f"[backend {frontier.backend}, {frontier.solves} solves, {frontier.seconds:.2f} s]",
        f"  {frontier.message}",
        f"  epsilon: the floor on the {axis}"
        + ("" if frontier.axis == "leverage" else " (sum_k L_k over the phases)"),
        "   #     epsilon   min leverage  total leverage  transformation  verified  IC target"
        "  IC both",
    ]

    def num(v: float | None) -> str:
        return "-" if v is None else f"{v:,.1f}"

    for i, p in enumerate(frontier.points, 1):
        lines.append(
            f"  {i:>2}  {p.epsilon:>10,.1f}  {num(p.min_leverage):>13}  "
            f"{num(p.total_leverage):>14}  {num(p.transformation):>14}  {_yes(p.verified):>8}  "
            f"{_yes(p.target_compatible):>9}  {_yes(p.incentive_compatible):>7}"
        )
    if frontier.points:
        base = frontier.points[-1]
        lines.append(f"Plans against the leverage end (point {len(frontier.points)}):")
        for i, p in enumerate(frontier.points, 1):
            lines.append(f"  {i:>2}  {_changes(base, p)}")
    return "\n".join(lines)


def run_frontier(args: argparse.Namespace, scenario: object) -> int:
    """Run ``relief solve --frontier``; print the table (or the JSON list of points).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``solve`` arguments.
    scenario : Scenario
        The loaded scenario.

    Returns
    -------
    int
        0 when every point has a verified plan, 1 otherwise.

    Raises
    ------
    ValueError
        For a bad ``--frontier`` or ``--points``, ``--hold-smallest`` on the
        ``leverage`` axis, or ``--frontier`` with ``--plan``, ``--robust``,
        ``--objective`` or another formulation.
    """
    from solver.io import write_atomic
    from solver.scenario import Scenario

    assert isinstance(scenario, Scenario)
    axis, _ = parse_goals(args.frontier)
    hold = bool(getattr(args, "hold_smallest", False))
    if hold and axis != "leverage_total":
        raise ValueError(
            f"--hold-smallest is given with --frontier {args.frontier!r}; it holds the "
            "smallest leverage on the total axis: give --frontier leverage_total,transformation"
        )
    for flag, given in (
        ("--plan", args.plan),
        ("--robust", getattr(args, "robust", None)),
        ("--objective", args.objective),
    ):
        if given:
            raise ValueError(f"{flag} is {given!r}; --frontier sets its own objectives")
    if args.formulation != "step":
        raise ValueError(f"--formulation is {args.formulation!r}; --frontier uses the step model")
    if args.points is None:
        args.points = DEFAULT_POINTS
    if args.points < 2:
        raise ValueError(f"--points is {args.points}; a frontier needs at least 2 (its two ends)")
    frontier = trade_off(
        scenario,
        points=args.points,
        backend=args.backend,
        require_ic="both" if args.both_sides else (args.require_ic or None),
        time_limit=args.time_limit,
        axis=axis,
        hold_smallest=hold,
    )
    doc = dumps_json(frontier.to_list(), indent=2)
    if args.out:
        write_atomic(args.out, doc + "\n")
    print(doc if args.json else render_frontier(frontier))
    ok = bool(frontier.points) and all(p.verified for p in frontier.points)
    return 0 if ok else 1


def refuse_without_frontier(args: argparse.Namespace) -> None:
    """Refuse the frontier's own options when ``--frontier`` is not given.

    Parameters
    ----------
    args : argparse.Namespace
        ``relief solve``'s arguments.

    Raises
    ------
    ValueError
        When ``--points`` or ``--hold-smallest`` is given without ``--frontier``
        (they would be ignored silently).
    """
    given = [
        name
        for name, on in (
            ("--points", getattr(args, "points", None) is not None),
            ("--hold-smallest", bool(getattr(args, "hold_smallest", False))),
        )
        if on
    ]
    if given and not getattr(args, "frontier", None):
        raise ValueError(
            f"{' and '.join(given)} given without --frontier; they only shape a frontier "
            "(relief solve --frontier leverage,transformation ...)"
        )
