"""Two goals, one plan: the trade-off between leverage and transformation (issue 17).

The founding proposal wants relief that both holds the target to its steps
(leverage) and encourages marketization and integration (transformation,
:mod:`solver.transformation`).  The two pull apart: leverage defers relief
(every dollar held back is a dollar the target can still lose), while relief
that reaches markets serves the second goal the earlier it comes.  This module
traces the **Pareto frontier** between a leverage measure ``Lambda`` and the
transformation value ``T`` (USD m) by the **epsilon-constraint method** over
the step MIP (Haimes, Lasdon and Wismer 1971; with the lexicographic second
stage of Mavrotas 2009, so that every point is efficient).  The leverage
measure is one of :data:`LEVERAGE_GOALS`:

* ``leverage`` (the default): the smallest leverage ``Lmin = min_k L_k``;
* ``leverage_total``: the total leverage ``sum_k L_k``, one term per decision
  the target takes (``docs/formulation.md``, "The frontier": why the plain
  sum).  It sees what the smallest leverage cannot: a plan that pays for
  transformation with the leverage of phases that do not bind.

The points:

1. the *leverage anchor*: maximise ``Lambda`` (``L*``), then ``T`` with
   ``Lambda >= L*``;
2. the *transformation anchor*: maximise ``T`` (``T*``), then ``Lambda`` with
   ``T >= T*`` (``L_T``);
3. for ``N`` floors ``eps_i`` evenly spaced from ``L_T`` to ``L*`` (the two
   anchors at the ends): maximise ``T`` subject to ``Lambda >= eps_i``
   (``T_i``), then ``Lambda`` subject to ``T >= T_i`` and ``Lambda >= eps_i``.

On the total axis a third stage maximises ``Lmin`` with both values held (the
sum is blind to how the leverage is spread, so among plans equal on both
goals the one whose weakest phase is strongest is taken); with
``hold_smallest`` every stage also holds ``Lmin`` at its best value, so the
curve is what transformation costs in the other phases' leverage with the
weakest phase as strong as it can be.  Each point is then
closed by the model's deterministic tie-breaks with every value held (so a
point's schedule does not depend on the solver's choice among ties); every
value is held at ``v - LEVEL_TOL max(1, |v|)``, the backends' own gap
(:func:`solver.leximin.level_floor`).  Every point's schedule is re-checked
by the independent verifier (:func:`solver.verify.verify_plan`) and judged by
the subgame-perfect check (:func:`solver.pipeline.judge`), and its ``Lmin``,
``sum_k L_k`` and ``T`` are recomputed from the schedule
(:mod:`solver.payoffs`, :mod:`solver.transformation`), not read from the MIP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from solver import leximin, pipeline
from solver.backends import Solution, Status, run_backend
from solver.formulation import step
from solver.formulation.common import BuildOptions, Built
from solver.formulation.rows.objective import transformation_vector
from solver.model import INF, LinearModel
from solver.payoffs import coefficients
from solver.plan import Schedule
from solver.scenario import Scenario
from solver.transformation import transformation_value
from solver.verify import verify_plan

__all__ = [
    "AXIS_LABELS",
    "DEFAULT_POINTS",
    "GOALS",
    "LEVERAGE_GOALS",
    "Frontier",
    "FrontierPoint",
    "Placement",
    "parse_goals",
    "place",
    "trade_off",
]

GOALS: tuple[str, str] = ("leverage", "transformation")
"""The default goals of a frontier (``relief solve --frontier leverage,transformation``)."""

LEVERAGE_GOALS: tuple[str, str] = ("leverage", "leverage_total")
"""The leverage measures a frontier can put against transformation: the smallest
leverage ``min_k L_k`` and the total leverage ``sum_k L_k`` (USD m)."""

AXIS_LABELS: dict[str, str] = {
    "leverage": "smallest leverage",
    "leverage_total": "total leverage",
}
"""How text and figures name each leverage measure."""

DEFAULT_POINTS = 7
"""Points of a frontier unless told otherwise (both anchors included)."""


def parse_goals(text: str) -> tuple[str, str]:
    """Read the ``--frontier`` argument: the two goals, comma-separated.

    Parameters
    ----------
    text : str
        A leverage measure of :data:`LEVERAGE_GOALS` and ``transformation``,
        in either order: ``"leverage,transformation"``,
        ``"leverage_total,transformation"``.

    Returns
    -------
    tuple of str
        ``(measure, "transformation")``, the leverage measure first.

    Raises
    ------
    ValueError
        For anything else, naming the value and the rule.

    Examples
    --------
    >>> parse_goals("transformation, leverage")
    ('leverage', 'transformation')
    >>> parse_goals("leverage_total,transformation")
    ('leverage_total', 'transformation')
    >>> parse_goals("leverage,speed")
    Traceback (most recent call last):
    ...
    ValueError: --frontier is 'leverage,speed'; the frontier is between a leverage measure (leverage: the smallest, leverage_total: the sum over phases) and transformation: give --frontier leverage,transformation or --frontier leverage_total,transformation
    """  # noqa: E501
    names = sorted(x.strip() for x in text.split(","))
    for measure in LEVERAGE_GOALS:
        if names == sorted((measure, "transformation")):
            return measure, "transformation"
    raise ValueError(
        f"--frontier is {text!r}; the frontier is between a leverage measure "
        "(leverage: the smallest, leverage_total: the sum over phases) and transformation: "
        "give --frontier leverage,transformation or --frontier leverage_total,transformation"
    )


@dataclass(frozen=True)
class FrontierPoint:
    """One point of the frontier: a verified, incentive-checked plan.

    Attributes
    ----------
    epsilon : float
        The floor on the frontier's leverage measure the point was solved
        with (USD m): the smallest leverage, or the total on the
        ``leverage_total`` axis.
    status : Status
        ``OPTIMAL`` when every stage of the point was; else the first stage's
        status that was not.
    schedule : Schedule or None
        The plan (``None`` without a solution).
    min_leverage : float or None
        ``min_k L_k`` recomputed from the schedule (USD m).
    total_leverage : float or None
        ``sum_k L_k`` recomputed from the schedule (USD m).
    transformation : float or None
        ``T`` recomputed from the schedule (USD m).
    verified : bool
        The independent verifier accepts the schedule.
    violations : tuple of str
        What the verifier rejects.
    target_compatible, incentive_compatible : bool or None
        The subgame-perfect check: the target in every phase; the target and
        every coalition member.
    leverage : tuple of float
        ``L_1, ..., L_K`` recomputed from the schedule (USD m); empty
        without a schedule.
    """

    epsilon: float
    status: Status
    schedule: Schedule | None
    min_leverage: float | None
    total_leverage: float | None
    transformation: float | None
    verified: bool
    violations: tuple[str, ...]
    target_compatible: bool | None
    incentive_compatible: bool | None
    leverage: tuple[float, ...] = ()

    def value(self, measure: str) -> float | None:
        """The point's value of a leverage measure of :data:`LEVERAGE_GOALS` (USD m).

        Parameters
        ----------
        measure : str
            ``"leverage"`` (the smallest) or ``"leverage_total"`` (the sum).

        Returns
        -------
        float or None
            ``min_leverage`` or ``total_leverage``.

        Raises
        ------
        ValueError
            For another name.
        """
        if measure == "leverage":
            return self.min_leverage
        if measure == "leverage_total":
            return self.total_leverage
        raise ValueError(f"leverage measure is {measure!r}; one of {', '.join(LEVERAGE_GOALS)}")

    def to_dict(self, scenario: Scenario, axis: str = "leverage") -> dict[str, Any]:
        """The point as ``relief solve --frontier ... --json`` prints it.

        Parameters
        ----------
        scenario : Scenario
            The scenario (for the phases of the schedule).
        axis : str, optional
            The frontier's leverage measure (:data:`LEVERAGE_GOALS`), which
            ``epsilon`` is the floor on.

        Returns
        -------
        dict
            ``axis``, ``epsilon``, ``min_leverage``, ``total_leverage``,
            ``leverage`` (per phase), ``transformation`` (USD m), ``status``,
            ``verified``, ``violations``, ``target_compatible``,
            ``incentive_compatible``, ``schedule`` (``measures`` and
            ``milestones``: id -> phase or ``null``) and ``phases`` (per phase
            the items granted and done in it).
        """
        sch = self.schedule
        phases = []
        if sch is not None:
            for k in range(1, scenario.phases + 1):
                phases.append(
                    {
                        "phase": k,
                        "measures": [m for m, p in sch.measures.items() if p == k],
                        "milestones": [d for d, p in sch.milestones.items() if p == k],
                    }
                )
        return {
            "axis": axis,
            "epsilon": self.epsilon,
            "min_leverage": self.min_leverage,
            "total_leverage": self.total_leverage,
            "leverage": list(self.leverage),
            "transformation": self.transformation,
            "status": self.status.value,
            "verified": self.verified,
            "violations": list(self.violations),
            "target_compatible": self.target_compatible,
            "incentive_compatible": self.incentive_compatible,
            "schedule": None
            if sch is None
            else {"measures": dict(sch.measures), "milestones": dict(sch.milestones)},
            "phases": phases,
        }


@dataclass(frozen=True)
class Frontier:
    """The trade-off curve of one scenario (what :func:`trade_off` returns).

    Attributes
    ----------
    scenario : Scenario
        The scenario.
    points : tuple of FrontierPoint
        In order of rising floor ``epsilon`` (the transformation anchor first,
        the leverage anchor last).
    status : Status
        ``OPTIMAL`` when every point is; the leverage anchor's status when
        the scenario has no plan at all; ``FEASIBLE`` otherwise.
    message : str
        What happened.
    seconds : float
        Wall-clock time, verification and checks included.
    solves : int
        MIP solves.
    backend : str
        The backend used.
    axis : str
        The leverage measure (:data:`LEVERAGE_GOALS`) against transformation.
    """

    scenario: Scenario
    points: tuple[FrontierPoint, ...]
    status: Status
    message: str
    seconds: float
    solves: int
    backend: str
    axis: str = "leverage"

    def to_list(self) -> list[dict[str, Any]]:
        """The points as dicts (:meth:`FrontierPoint.to_dict`), the ``--json`` document."""
        return [p.to_dict(self.scenario, self.axis) for p in self.points]


@dataclass
class _Stages:
    """The frontier's model: the step model with its floor rows, and its solver.

    ``lev`` is the leverage measure's objective vector; its floor is the
    bound on ``Lmin`` (``lev_row`` is ``None``: the ``leverage`` axis, as
    before the total axis existed) or the row ``lev_row`` (``sum_k L_k``).
    """

    built: Built
    model: LinearModel
    lev: np.ndarray
    tra: np.ndarray
    tie: np.ndarray
    row: int
    solve: Callable[[LinearModel], Solution]
    lev_row: int | None = None
    lmin: np.ndarray | None = None
    held_min: float = -INF
    solves: int = 0

    def run(self, goal: np.ndarray, lev_floor: float, t_floor: float,
            lmin_floor: float = -INF) -> Solution:  # fmt: skip
        """Maximise ``goal`` with the leverage measure, ``T`` and ``Lmin`` at their floors."""
        lmin = int(self.built.vars.lmin)  # type: ignore[arg-type]
        lb = list(self.model.lb)
        row_lb = list(self.model.row_lb)
        row_lb[self.row] = t_floor
        if self.lev_row is None:
            lb[lmin] = lev_floor
        else:
            row_lb[self.lev_row] = lev_floor
            lb[lmin] = max(lmin_floor, self.held_min)
        self.solves += 1
        return self.solve(self.model.copy(lb=lb, row_lb=row_lb, obj=goal))

    def point(self, first: str, lev_floor: float) -> tuple[Status, Solution]:
        """Lexicographic: ``first`` goal, then the other, (``Lmin``,) then the tie-breaks."""
        tol = leximin.LEVEL_TOL
        floors = {"lev": lev_floor, "tra": -INF, "min": -INF}
        order = ("tra", "lev") if first == "transformation" else ("lev", "tra")
        stages = (*order, "min", "tie") if self.lmin is not None else (*order, "tie")
        vecs = {"lev": self.lev, "tra": self.tra, "tie": self.tie, "min": self.lmin}
        status, sol = Status.OPTIMAL, None
        for goal in stages:
            vec = vecs[goal]
            assert vec is not None
            got = self.run(vec, floors["lev"], floors["tra"], floors["min"])
            if got.x is None:
                return (got.status, sol) if sol is not None else (got.status, got)
            if got.status is not Status.OPTIMAL and status is Status.OPTIMAL:
                status = got.status
            sol = got
            if goal != "tie":
                value = float(vec @ got.x)
                floors[goal] = max(floors[goal], leximin.level_floor(value, tol))
        assert sol is not None
        return status, sol


def _stages(scenario: Scenario, request: pipeline.Request, deadline: float | None,
            axis: str) -> _Stages:  # fmt: skip
    opts = BuildOptions(
        objective="maxmin", require_ic=request.require_ic, two_sided=request.two_sided
    )
    built = step.build(scenario, opts)
    model = built.model.copy(name=f"{built.model.name}-frontier")
    tra = transformation_vector(model.num_vars, scenario, built.vars, coefficients(scenario))
    nz = {int(j): float(tra[j]) for j in np.flatnonzero(tra)}
    row = model.add_row("transformation floor", nz, lb=-INF, group="frontier")
    lev_row, lmin = None, None
    if axis == "leverage_total":
        # the L_k columns are bounded above by their true values only, so
        # sum_k L_k >= f holds exactly when the plan's total leverage does
        cols = [int(j) for j in built.vars.leverage]  # type: ignore[union-attr]
        lev_row = model.add_row(
            "total leverage floor", dict.fromkeys(cols, 1.0), lb=-INF, group="frontier"
        )
    n = model.num_vars
    lev = np.zeros(n)
    if lev_row is None:
        lev[int(built.vars.lmin)] = 1.0  # type: ignore[arg-type]
    else:
        lev[[int(j) for j in built.vars.leverage]] = 1.0  # type: ignore[union-attr]
        lmin = np.zeros(n)
        lmin[int(built.vars.lmin)] = 1.0  # type: ignore[arg-type]
    tie = leximin.tiebreak_objective(built, n)

    def solve(m: LinearModel) -> Solution:
        left = None if deadline is None else max(1e-3, deadline - time.perf_counter())
        return run_backend(m, request.backend, time_limit=left)

    return _Stages(built, model, lev, tra, tie, row, solve, lev_row, lmin)


def _judged(scenario: Scenario, request: pipeline.Request, eps: float, st: Status,
            sol: Solution, built: Built) -> FrontierPoint:  # fmt: skip
    if sol.x is None:
        return FrontierPoint(eps, st, None, None, None, None, False, ("no solution",), None, None)
    sch = pipeline.extract_schedule(built, sol.x)
    verdict = verify_plan(scenario, sch, require_ic=request.require_ic, two_sided=request.two_sided)
    report = pipeline.judge(scenario, sch, thresholds=False, fixes=False)
    lev = np.asarray(sch.values(scenario).leverage, dtype=float)
    return FrontierPoint(
        epsilon=eps,
        status=st,
        schedule=sch,
        min_leverage=float(np.min(lev)),
        total_leverage=float(np.sum(lev)),
        transformation=transformation_value(scenario, sch),
        verified=verdict.ok,
        violations=verdict.violations,
        target_compatible=report.target_compatible,
        incentive_compatible=report.incentive_compatible,
        leverage=tuple(float(x) for x in lev),
    )


def trade_off(
    scenario: Scenario,
    *,
    points: int = DEFAULT_POINTS,
    backend: str = "highs",
    require_ic: bool | str | None = None,
    time_limit: float | None = None,
    axis: str = "leverage",
    hold_smallest: bool = False,
) -> Frontier:
    """The frontier between a leverage measure and the transformation value.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    points : int, optional
        Number of floors ``eps`` (at least 2: the two anchors); default 7.
    backend : str, optional
        One of :data:`solver.backends.BACKENDS`.
    require_ic : bool or str, optional
        As for :func:`solver.solve` (``"both"``: also every coalition
        member's rows); default the scenario's ``parameters.require_ic``.
    time_limit : float, optional
        Seconds for the whole frontier.
    axis : str, optional
        The leverage measure of :data:`LEVERAGE_GOALS`: ``"leverage"`` (the
        smallest leverage, the default) or ``"leverage_total"`` (the sum
        over phases).
    hold_smallest : bool, optional
        On the ``leverage_total`` axis, hold the smallest leverage at its
        best value ``max min_k L_k`` at every point (one more solve), so the
        frontier shows what transformation costs in the other phases'
        leverage without weakening the weakest phase.

    Returns
    -------
    Frontier
        The points, in order of rising floor (see the module docstring).

    Raises
    ------
    ValueError
        For fewer than 2 points, an unknown axis, ``hold_smallest`` on the
        ``leverage`` axis, or a bad backend, time limit or ``require_ic``.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> f = trade_off(load_scenario(default_scenario_path()), points=3)
    >>> len(f.points), all(p.verified for p in f.points)
    (3, True)
    >>> f.points[0].transformation >= f.points[-1].transformation
    True
    >>> g = trade_off(load_scenario(default_scenario_path()), points=3, axis="leverage_total")
    >>> g.points[0].total_leverage < g.points[-1].total_leverage
    True
    """
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise ValueError(f"points is {points!r}; a frontier needs at least 2 (its two anchors)")
    if axis not in LEVERAGE_GOALS:
        raise ValueError(
            f"axis is {axis!r}; the leverage measure is one of {', '.join(LEVERAGE_GOALS)}"
        )
    if hold_smallest and axis != "leverage_total":
        raise ValueError(
            f"hold_smallest is set on the {axis!r} axis; it holds the smallest leverage "
            "on the leverage_total axis only"
        )
    request = pipeline.check_args(
        scenario, backend=backend, require_ic=require_ic, time_limit=time_limit
    )
    t0 = time.perf_counter()
    deadline = None if request.time_limit is None else t0 + request.time_limit
    stg = _stages(scenario, request, deadline, axis)

    def done(pts: tuple[FrontierPoint, ...], st: Status, msg: str) -> Frontier:
        secs = time.perf_counter() - t0
        return Frontier(scenario, pts, st, msg, secs, stg.solves, backend, axis)

    held = ""
    if hold_smallest:
        assert stg.lmin is not None
        best = stg.run(stg.lmin, -INF, -INF)
        if best.x is None:
            return done((), best.status, f"no plan: {best.message}")
        top = float(stg.lmin @ best.x)
        stg.held_min = leximin.level_floor(top, leximin.LEVEL_TOL)
        held = f", the smallest leverage held at its best {top:,.1f} USD m"
    st_a, sol_a = stg.point("leverage", -INF)
    if sol_a.x is None:
        return done((), st_a, f"no plan: {sol_a.message}")
    st_b, sol_b = stg.point("transformation", -INF)
    anchor_a = _judged(scenario, request, 0.0, st_a, sol_a, stg.built)
    anchor_b = _judged(scenario, request, 0.0, st_b, sol_b, stg.built)
    hi = anchor_a.value(axis)
    lo = anchor_b.value(axis)
    lo = hi if lo is None else lo
    assert hi is not None and lo is not None
    lo = min(lo, hi)
    eps = [lo + (hi - lo) * i / (points - 1) for i in range(points)]
    found: list[FrontierPoint] = []
    for i, e in enumerate(eps):
        if i == 0:
            found.append(replace(anchor_b, epsilon=e))
        elif i == points - 1:
            found.append(replace(anchor_a, epsilon=e))
        else:
            st, sol = stg.point("transformation", e)
            found.append(_judged(scenario, request, e, st, sol, stg.built))
    every = all(p.status is Status.OPTIMAL for p in found)
    status = Status.OPTIMAL if every else Status.FEASIBLE
    msg = (
        f"{points} points by the epsilon-constraint method, "
        f"{AXIS_LABELS[axis]} from {lo:,.1f} to {hi:,.1f} USD m{held}"
    )
    plans = {
        (tuple(sorted(p.schedule.measures.items())), tuple(sorted(p.schedule.milestones.items())))
        for p in found
        if p.schedule is not None
    }
    if len(plans) == 1 and len(found) > 1:
        msg += (
            f"; one plan has both the largest {AXIS_LABELS[axis]} and the largest "
            "transformation value (no trade-off on these axes)"
        )
        if axis == "leverage":
            msg += (
                "; what transformation costs in the phases that do not bind shows on "
                "--frontier leverage_total,transformation"
            )
    elif len(plans) > 1:
        msg += f"; {len(plans)} distinct plans"
    if not every:
        msg += "; some points were not proven optimal (time limit?)"
    return done(tuple(found), status, msg)


@dataclass(frozen=True)
class Placement:
    """A given plan placed on the frontier's axes.

    Attributes
    ----------
    label : str
        What the plan is ("default optimum", "the proposal").
    min_leverage, total_leverage, transformation : float
        ``min_k L_k``, ``sum_k L_k`` and ``T`` (USD m).
    verified : bool
        The verifier accepts the schedule.
    incentive_compatible : bool
        Both sides stay (the subgame-perfect check).
    """

    label: str
    min_leverage: float
    transformation: float
    verified: bool
    incentive_compatible: bool
    total_leverage: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The placement as a JSON-ready dict."""
        return {
            "label": self.label,
            "min_leverage": self.min_leverage,
            "total_leverage": self.total_leverage,
            "transformation": self.transformation,
            "verified": self.verified,
            "incentive_compatible": self.incentive_compatible,
        }


def place(scenario: Scenario, schedule: Schedule, label: str) -> Placement:
    """Place a plan (the default optimum, a hand-written phasing) on the frontier's axes.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    schedule : Schedule
        The plan.
    label : str
        Its name in figures and tables.

    Returns
    -------
    Placement
        Its smallest and total leverage, its transformation value, and its
        verdicts.
    """
    lev = np.asarray(schedule.values(scenario).leverage, dtype=float)
    return Placement(
        label=label,
        min_leverage=float(np.min(lev)),
        total_leverage=float(np.sum(lev)),
        transformation=transformation_value(scenario, schedule),
        verified=verify_plan(scenario, schedule).ok,
        incentive_compatible=pipeline.judge(
            scenario, schedule, thresholds=False, fixes=False
        ).incentive_compatible,
    )
