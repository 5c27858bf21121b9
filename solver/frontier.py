"""Two goals, one plan: the trade-off between minimum leverage and transformation (issue 17).

The founding proposal wants relief that both holds the target to its steps
(leverage) and encourages marketization and integration (transformation,
:mod:`solver.transformation`).  The two pull apart: leverage defers relief
(every dollar held back is a dollar the target can still lose), while relief
that reaches markets serves the second goal the earlier it comes.  This module
traces the **Pareto frontier** between the smallest leverage ``Lmin`` (USD m)
and the transformation value ``T`` (USD m) by the **epsilon-constraint
method** over the step MIP (Haimes, Lasdon and Wismer 1971; with the
lexicographic second stage of Mavrotas 2009, so that every point is efficient):

1. the *leverage anchor*: maximise ``Lmin`` (``L*``), then ``T`` with
   ``Lmin >= L*``;
2. the *transformation anchor*: maximise ``T`` (``T*``), then ``Lmin`` with
   ``T >= T*`` (``L_T``);
3. for ``N`` floors ``eps_i`` evenly spaced from ``L_T`` to ``L*`` (the two
   anchors at the ends): maximise ``T`` subject to ``Lmin >= eps_i`` (``T_i``),
   then ``Lmin`` subject to ``T >= T_i`` and ``Lmin >= eps_i``.

Each stage is then closed by the model's deterministic tie-breaks with both
values held (so a point's schedule does not depend on the solver's choice
among ties); every value is held at ``v - LEVEL_TOL max(1, |v|)``, the
backends' own gap (:func:`solver.leximin.level_floor`).  Every point's
schedule is re-checked by the independent verifier
(:func:`solver.verify.verify_plan`) and judged by the subgame-perfect check
(:func:`solver.pipeline.judge`), and its ``Lmin`` and ``T`` are recomputed
from the schedule (:mod:`solver.payoffs`, :mod:`solver.transformation`), not
read from the MIP.
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
    "DEFAULT_POINTS",
    "GOALS",
    "Frontier",
    "FrontierPoint",
    "Placement",
    "parse_goals",
    "place",
    "trade_off",
]

GOALS: tuple[str, str] = ("leverage", "transformation")
"""The two goals of a frontier (``relief solve --frontier leverage,transformation``)."""

DEFAULT_POINTS = 7
"""Points of a frontier unless told otherwise (both anchors included)."""


def parse_goals(text: str) -> tuple[str, str]:
    """Read the ``--frontier`` argument: the two goals, comma-separated.

    Parameters
    ----------
    text : str
        ``"leverage,transformation"`` (either order).

    Returns
    -------
    tuple of str
        :data:`GOALS`.

    Raises
    ------
    ValueError
        For anything else, naming the value and the rule.

    Examples
    --------
    >>> parse_goals("transformation, leverage")
    ('leverage', 'transformation')
    >>> parse_goals("leverage,speed")
    Traceback (most recent call last):
    ...
    ValueError: --frontier is 'leverage,speed'; the frontier is between leverage and transformation: give --frontier leverage,transformation
    """  # noqa: E501
    names = sorted(x.strip() for x in text.split(","))
    if names != sorted(GOALS):
        raise ValueError(
            f"--frontier is {text!r}; the frontier is between leverage and transformation: "
            "give --frontier leverage,transformation"
        )
    return GOALS


@dataclass(frozen=True)
class FrontierPoint:
    """One point of the frontier: a verified, incentive-checked plan.

    Attributes
    ----------
    epsilon : float
        The floor on the smallest leverage the point was solved with (USD m).
    status : Status
        ``OPTIMAL`` when every stage of the point was; else the first stage's
        status that was not.
    schedule : Schedule or None
        The plan (``None`` without a solution).
    min_leverage, transformation : float or None
        ``min_k L_k`` and ``T`` recomputed from the schedule (USD m).
    verified : bool
        The independent verifier accepts the schedule.
    violations : tuple of str
        What the verifier rejects.
    target_compatible, incentive_compatible : bool or None
        The subgame-perfect check: the target in every phase; the target and
        every coalition member.
    """

    epsilon: float
    status: Status
    schedule: Schedule | None
    min_leverage: float | None
    transformation: float | None
    verified: bool
    violations: tuple[str, ...]
    target_compatible: bool | None
    incentive_compatible: bool | None

    def to_dict(self, scenario: Scenario) -> dict[str, Any]:
        """The point as ``relief solve --frontier ... --json`` prints it.

        Parameters
        ----------
        scenario : Scenario
            The scenario (for the phases of the schedule).

        Returns
        -------
        dict
            ``epsilon``, ``min_leverage``, ``transformation`` (USD m),
            ``status``, ``verified``, ``violations``, ``target_compatible``,
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
            "epsilon": self.epsilon,
            "min_leverage": self.min_leverage,
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
    """

    scenario: Scenario
    points: tuple[FrontierPoint, ...]
    status: Status
    message: str
    seconds: float
    solves: int
    backend: str

    def to_list(self) -> list[dict[str, Any]]:
        """The points as dicts (:meth:`FrontierPoint.to_dict`), the ``--json`` document."""
        return [p.to_dict(self.scenario) for p in self.points]


@dataclass
class _Stages:
    """The frontier's model: the step model with a transformation row, and its solver."""

    built: Built
    model: LinearModel
    lev: np.ndarray
    tra: np.ndarray
    tie: np.ndarray
    row: int
    solve: Callable[[LinearModel], Solution]
    solves: int = 0

    def run(self, goal: np.ndarray, lmin_floor: float, t_floor: float) -> Solution:
        """Maximise ``goal`` with ``Lmin >= lmin_floor`` and ``T >= t_floor``."""
        lmin = int(self.built.vars.lmin)  # type: ignore[arg-type]
        lb = list(self.model.lb)
        lb[lmin] = lmin_floor
        row_lb = list(self.model.row_lb)
        row_lb[self.row] = t_floor
        self.solves += 1
        return self.solve(self.model.copy(lb=lb, row_lb=row_lb, obj=goal))

    def point(self, first: str, lmin_floor: float) -> tuple[Status, Solution]:
        """Lexicographic: ``first`` goal, then the other, then the tie-breaks."""
        tol, floors = leximin.LEVEL_TOL, {"lev": lmin_floor, "tra": -INF}
        order = ("lev", "tra") if first == "leverage" else ("tra", "lev")
        status, sol = Status.OPTIMAL, None
        for goal in (*order, "tie"):
            vec = {"lev": self.lev, "tra": self.tra, "tie": self.tie}[goal]
            got = self.run(vec, floors["lev"], floors["tra"])
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


def _stages(scenario: Scenario, request: pipeline.Request, deadline: float | None) -> _Stages:
    opts = BuildOptions(
        objective="maxmin", require_ic=request.require_ic, two_sided=request.two_sided
    )
    built = step.build(scenario, opts)
    model = built.model.copy(name=f"{built.model.name}-frontier")
    n = model.num_vars
    tra = transformation_vector(n, scenario, built.vars, coefficients(scenario))
    nz = {int(j): float(tra[j]) for j in np.flatnonzero(tra)}
    row = model.add_row("transformation floor", nz, lb=-INF, group="frontier")
    lev = np.zeros(n)
    lev[int(built.vars.lmin)] = 1.0  # type: ignore[arg-type]
    tie = leximin.tiebreak_objective(built, n)

    def solve(m: LinearModel) -> Solution:
        left = None if deadline is None else max(1e-3, deadline - time.perf_counter())
        return run_backend(m, request.backend, time_limit=left)

    return _Stages(built, model, lev, tra, tie, row, solve)


def _judged(scenario: Scenario, request: pipeline.Request, eps: float, st: Status,
            sol: Solution, built: Built) -> FrontierPoint:  # fmt: skip
    if sol.x is None:
        return FrontierPoint(eps, st, None, None, None, False, ("no solution",), None, None)
    sch = pipeline.extract_schedule(built, sol.x)
    verdict = verify_plan(scenario, sch, require_ic=request.require_ic, two_sided=request.two_sided)
    report = pipeline.judge(scenario, sch, thresholds=False, fixes=False)
    return FrontierPoint(
        epsilon=eps,
        status=st,
        schedule=sch,
        min_leverage=float(np.min(sch.values(scenario).leverage)),
        transformation=transformation_value(scenario, sch),
        verified=verdict.ok,
        violations=verdict.violations,
        target_compatible=report.target_compatible,
        incentive_compatible=report.incentive_compatible,
    )


def trade_off(
    scenario: Scenario,
    *,
    points: int = DEFAULT_POINTS,
    backend: str = "highs",
    require_ic: bool | str | None = None,
    time_limit: float | None = None,
) -> Frontier:
    """The frontier between the smallest leverage and the transformation value.

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

    Returns
    -------
    Frontier
        The points, in order of rising floor (see the module docstring).

    Raises
    ------
    ValueError
        For fewer than 2 points or a bad backend, time limit or ``require_ic``.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> f = trade_off(load_scenario(default_scenario_path()), points=3)
    >>> len(f.points), all(p.verified for p in f.points)
    (3, True)
    >>> f.points[0].transformation >= f.points[-1].transformation
    True
    """
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise ValueError(f"points is {points!r}; a frontier needs at least 2 (its two anchors)")
    request = pipeline.check_args(
        scenario, backend=backend, require_ic=require_ic, time_limit=time_limit
    )
    t0 = time.perf_counter()
    deadline = None if request.time_limit is None else t0 + request.time_limit
    stg = _stages(scenario, request, deadline)
    st_a, sol_a = stg.point("leverage", -INF)
    if sol_a.x is None:
        msg = f"no plan: {sol_a.message}"
        return Frontier(scenario, (), st_a, msg, time.perf_counter() - t0, stg.solves, backend)
    st_b, sol_b = stg.point("transformation", -INF)
    anchor_a = _judged(scenario, request, 0.0, st_a, sol_a, stg.built)
    anchor_b = _judged(scenario, request, 0.0, st_b, sol_b, stg.built)
    hi = anchor_a.min_leverage
    lo = anchor_b.min_leverage if anchor_b.min_leverage is not None else hi
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
        f"smallest leverage from {lo:,.1f} to {hi:,.1f} USD m"
    )
    plans = {
        (tuple(sorted(p.schedule.measures.items())), tuple(sorted(p.schedule.milestones.items())))
        for p in found
        if p.schedule is not None
    }
    if len(plans) == 1 and len(found) > 1:
        msg += (
            "; one plan has both the largest smallest leverage and the largest "
            "transformation value (no trade-off on these axes)"
        )
    elif len(plans) > 1:
        msg += f"; {len(plans)} distinct plans"
    if not every:
        msg += "; some points were not proven optimal (time limit?)"
    return Frontier(
        scenario, tuple(found), status, msg, time.perf_counter() - t0, stg.solves, backend
    )


@dataclass(frozen=True)
class Placement:
    """A given plan placed on the frontier's axes.

    Attributes
    ----------
    label : str
        What the plan is ("default optimum", "the proposal").
    min_leverage, transformation : float
        ``min_k L_k`` and ``T`` (USD m).
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

    def to_dict(self) -> dict[str, Any]:
        """The placement as a JSON-ready dict."""
        return {
            "label": self.label,
            "min_leverage": self.min_leverage,
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
        Its smallest leverage and transformation value, and its verdicts.
    """
    return Placement(
        label=label,
        min_leverage=float(np.min(schedule.values(scenario).leverage)),
        transformation=transformation_value(scenario, schedule),
        verified=verify_plan(scenario, schedule).ok,
        incentive_compatible=pipeline.judge(
            scenario, schedule, thresholds=False, fixes=False
        ).incentive_compatible,
    )
