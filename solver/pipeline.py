"""The one chain from a scenario to a verified, incentive-checked plan.

Every caller (:func:`solver.solve`, :func:`solver.evaluate`, the sweep
engine's :class:`~solver.resolver.Resolver`, reports, benchmarks and the CLI)
is a thin facade over these stages::

    check_args -> build (or refill) -> run | leximin_round -> read_out -> incentive_loop
      Request      Built               Solution               Plan       Plan (judge: ICReport)
               -> add_ranges
                  Plan

Each stage is a small function of its inputs (in the style of nashpy's and
:func:`scipy.optimize.milp`'s argument checks):

* :func:`check_args` validates the call (backend, formulation, objective,
  time limit, credibility overrides) once, at the door, and returns a
  :class:`Request`;
* :func:`build` writes the scenario as a :class:`~solver.model.LinearModel`
  (the resolver refills a template instead, see :mod:`solver.resolver`);
* :func:`run` hands the model to a backend and returns its
  :class:`~solver.backends.Solution`; for a lexicographic objective
  (``leverage``: leximin over the phases' leverage) :func:`leximin_round`
  runs the sequence of levels instead (:mod:`solver.leximin`), and
  :func:`solve_built` picks one or the other;
* :func:`read_out` turns a solution into a :class:`~solver.plan.Plan`,
  re-checking the schedule with the independent verifier
  (:func:`solver.verify.verify_plan`);
* :func:`incentive_loop` runs the subgame-perfect check
  (:func:`solver.game.check`) on each solved plan and re-solves with the
  game's effective snapback credibility until the check passes;
* :func:`drive` strings the stages together for any way of building and
  running one round, so a fresh build (:func:`solve`) and a refilled template
  (the resolver) share one driver;
* :func:`add_ranges` gives an optimal plan every item's phase range over the
  plans within 1 % of the optimum (:mod:`solver.ranges`);
* :func:`judge` is the incentive verdict of a plan (the game check).
"""

from __future__ import annotations

import difflib
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypedDict

import numpy as np

from solver import leximin, ranges
from solver.backends import BACKENDS, Solution, Status, run_backend
from solver.credibility import credibility_table
from solver.explain import chain_conflicts, elastic_conflicts
from solver.formulation import aggregated, cpsat, pulse, step
from solver.formulation.common import LEXICOGRAPHIC, OBJECTIVES, BuildOptions, Built
from solver.game.check import ICReport, check
from solver.model import LinearModel
from solver.plan import Plan, Schedule
from solver.scenario import Scenario
from solver.verify import verify_plan

__all__ = [
    "FORMULATIONS",
    "MAX_IC_ROUNDS",
    "PlanLabels",
    "Request",
    "add_ranges",
    "build",
    "builder",
    "check_args",
    "drive",
    "evaluate_schedule",
    "extract_schedule",
    "fix_schedule",
    "incentive_loop",
    "judge",
    "level_solver",
    "lexicographic",
    "leximin_round",
    "read_out",
    "run",
    "solve_built",
    "solve_request",
    "time_cut",
]

_BUILDERS: dict[str, Callable[[Scenario, BuildOptions], Built]] = {
    "step": step.build,
    "pulse": pulse.build,
    "aggregated": aggregated.build,
    "cpsat": cpsat.build,
}

FORMULATIONS: tuple[str, ...] = tuple(_BUILDERS)
"""Relief-sequencing formulations: ``step`` (default), ``pulse``, ``aggregated``, and
``cpsat`` (the step model solved by CP-SAT in integer arithmetic, whatever the backend;
:mod:`solver.formulation.cpsat`)."""

MAX_IC_ROUNDS = 10
"""Bound on the solve / game-check rounds of :func:`incentive_loop`."""

EXPLAIN_TIME_LIMIT = 20.0
"""Seconds the elastic infeasibility analysis may take at most (less when a
time limit leaves less)."""

MIN_STAGE_SECONDS = 1e-3
"""The smallest time limit a stage is handed (a backend needs a positive one)."""


class PlanLabels(TypedDict):
    """How a plan was solved: the label fields of :class:`~solver.plan.Plan`."""

    backend: str
    formulation: str
    objective_name: str


@dataclass(frozen=True)
class Request:
    """A checked request to solve one scenario (what :func:`check_args` returns).

    Attributes
    ----------
    backend : str
        One of :data:`solver.backends.BACKENDS`.
    formulation : str
        One of :data:`FORMULATIONS`.
    objective : str
        One of :data:`solver.formulation.common.OBJECTIVES`.
    require_ic : bool
        Impose incentive compatibility (linear rows plus the game loop).
    time_limit : float or None
        Finite positive seconds for the whole solve, a wall-clock promise:
        from :meth:`started` on, every stage (each round's build and solve,
        the leximin levels, the incentive rounds, the phase ranges, the
        infeasibility explanation) is given what is left (:meth:`budget`),
        and a stage reached after the deadline is skipped and named in the
        plan's ``cut``; ``None`` for no limit.
    credibility : Mapping[str, float]
        Instrument id -> snapback credibility overriding the nominal value;
        when given with ``require_ic``, the game loop is not run (the caller
        has fixed the credibility).
    explain : bool
        Run the elastic infeasibility analysis when the model is infeasible.
    ranges : bool
        Compute every item's phase range after solving (:func:`add_ranges`).
    two_sided : bool
        With ``require_ic``: also keep every coalition member in the deal
        (``require_ic="both"``; :mod:`solver.coalition`).
    deadline : float or None
        The :func:`time.perf_counter` instant the time limit ends, set by
        :meth:`started` (``None``: not started, or no limit).
    """

    backend: str = "highs"
    formulation: str = "step"
    objective: str = "leverage"
    require_ic: bool = False
    time_limit: float | None = None
    credibility: Mapping[str, float] = field(default_factory=dict)
    explain: bool = True
    ranges: bool = False
    two_sided: bool = False
    deadline: float | None = None

    def started(self, now: float | None = None) -> Request:
        """Return this request with its deadline set: ``time_limit`` seconds from ``now``.

        Parameters
        ----------
        now : float, optional
            A :func:`time.perf_counter` instant (default: now).

        Returns
        -------
        Request
            Unchanged without a time limit or when already started.
        """
        if self.time_limit is None or self.deadline is not None:
            return self
        start = time.perf_counter() if now is None else now
        return replace(self, deadline=start + self.time_limit)

    def left(self) -> float | None:
        """Seconds left before the deadline (may be negative); ``None`` without a limit.

        Returns
        -------
        float or None
            ``time_limit`` itself when not :meth:`started`.
        """
        if self.deadline is None:
            return self.time_limit
        return self.deadline - time.perf_counter()

    def expired(self) -> bool:
        """Whether the deadline has passed (never without a time limit).

        Returns
        -------
        bool
            ``True`` once :meth:`left` is at most zero.
        """
        left = self.left()
        return left is not None and left <= 0

    def budget(self) -> float | None:
        """The time limit to hand a stage now: what is left, at least :data:`MIN_STAGE_SECONDS`.

        Returns
        -------
        float or None
            ``None`` without a limit.
        """
        left = self.left()
        return None if left is None else max(MIN_STAGE_SECONDS, left)

    def options(self, credibility: Mapping[str, float] | None = None) -> BuildOptions:
        """Return the build options of one round.

        Parameters
        ----------
        credibility : Mapping, optional
            This round's credibility overrides (default: the request's).

        Returns
        -------
        BuildOptions
            Objective, IC rows and credibility.
        """
        cred = self.credibility if credibility is None else credibility
        return BuildOptions(
            objective=self.objective,
            require_ic=self.require_ic,
            credibility=dict(cred),
            two_sided=self.two_sided,
        )

    def labels(self) -> PlanLabels:
        """Return the ``backend``, ``formulation`` and ``objective_name`` fields of a plan."""
        return PlanLabels(
            backend=self.backend, formulation=self.formulation, objective_name=self.objective
        )


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        near = difflib.get_close_matches(str(value), allowed, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise ValueError(f"{name} is {value!r}; choose one of {', '.join(allowed)}{hint}")
    return value


def _time_limit(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"time_limit is {value!r}; it must be a number of seconds")
    t = float(value)
    if not math.isfinite(t) or t <= 0:
        raise ValueError(f"time_limit is {value!r}; it must be a finite positive number of seconds")
    return t


def _credibility(scenario: Scenario, value: Mapping[str, float] | None) -> dict[str, float]:
    known = tuple(i.id for i in scenario.instruments)
    out: dict[str, float] = {}
    for key, q in (value or {}).items():
        if key not in known:
            near = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ValueError(
                f"credibility override names instrument {key!r}; the scenario has "
                f"{', '.join(known) or 'no instruments'}{hint}"
            )
        if isinstance(q, bool) or not isinstance(q, int | float | np.integer | np.floating):
            raise ValueError(f"credibility of {key} is {q!r}; it must be a number in [0, 1]")
        if not 0.0 <= float(q) <= 1.0:
            raise ValueError(f"credibility of {key} is {q!r}; it must be in [0, 1]")
        out[key] = float(q)
    return out


def check_args(
    scenario: Scenario,
    *,
    backend: str = "highs",
    formulation: str = "step",
    objective: str | None = None,
    require_ic: bool | str | None = None,
    time_limit: float | None = None,
    credibility: Mapping[str, float] | None = None,
    explain: bool = True,
    ranges: bool = False,
) -> Request:
    """Check the arguments of a solve once, at the door, and return them as a request.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario (for its defaults and instrument ids).
    backend : str, optional
        One of :data:`solver.backends.BACKENDS`.
    formulation : str, optional
        One of :data:`FORMULATIONS`.
    objective : str, optional
        One of :data:`~solver.formulation.common.OBJECTIVES`; default the
        scenario's ``parameters.objective``.
    require_ic : bool or str, optional
        Default the scenario's ``parameters.require_ic``; ``"target"`` is
        ``True``, ``"both"`` also keeps every coalition member in the deal.
    time_limit : float, optional
        Seconds; must be finite and positive.
    credibility : Mapping, optional
        Instrument id -> credibility in ``[0, 1]``; every id must exist.
    explain : bool, optional
        Run the elastic analysis when infeasible.
    ranges : bool, optional
        Compute phase ranges after solving.

    Returns
    -------
    Request
        The checked request.

    Raises
    ------
    ValueError
        Naming the argument, its value and the rule (with a "did you mean"
        for near-miss names).

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> s = load_scenario(default_scenario_path())
    >>> check_args(s, time_limit=float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: time_limit is nan; it must be a finite positive number of seconds
    >>> check_args(s, backend="highpsy")
    Traceback (most recent call last):
    ...
    ValueError: backend is 'highpsy'; choose one of highs, highspy, cbc, pulp-highs (did you mean 'highspy'?)
    """  # noqa: E501
    return Request(
        backend=_choice("backend", backend, BACKENDS),
        formulation=_choice("formulation", formulation, FORMULATIONS),
        objective=_choice(
            "objective", scenario.parameters.objective if objective is None else objective,
            OBJECTIVES,
        ),
        require_ic=_require_ic(scenario, require_ic) != "none",
        time_limit=_time_limit(time_limit),
        credibility=_credibility(scenario, credibility),
        explain=bool(explain),
        ranges=bool(ranges),
        two_sided=_require_ic(scenario, require_ic) == "both",
    )  # fmt: skip


REQUIRE_IC = ("target", "both")
"""Values of ``require_ic`` besides booleans: the target's rows, or both sides'."""


def _require_ic(scenario: Scenario, value: bool | str | None) -> str:
    """``"none"``, ``"target"`` or ``"both"`` from a ``require_ic`` argument."""
    if value is None:
        value = scenario.parameters.require_ic
    if isinstance(value, bool):
        return "target" if value else "none"
    return _choice("require_ic", value, REQUIRE_IC)


def lexicographic(objective: str) -> bool:
    """Whether ``objective`` is solved level by level (leximin over the phases).

    Parameters
    ----------
    objective : str
        One of :data:`~solver.formulation.common.OBJECTIVES`.

    Returns
    -------
    bool
        ``True`` for the names in :data:`~solver.formulation.common.LEXICOGRAPHIC`.

    Examples
    --------
    >>> lexicographic("leverage"), lexicographic("maxmin")
    (True, False)
    """
    return objective in LEXICOGRAPHIC


def builder(formulation: str) -> Callable[[Scenario, BuildOptions], Built]:
    """Return the model builder of a formulation.

    Parameters
    ----------
    formulation : str
        One of :data:`FORMULATIONS`.

    Returns
    -------
    callable
        ``build(scenario, options) -> Built``.

    Raises
    ------
    ValueError
        For an unknown formulation.
    """
    return _BUILDERS[_choice("formulation", formulation, FORMULATIONS)]


def build(
    scenario: Scenario, request: Request, credibility: Mapping[str, float] | None = None
) -> Built:
    """Write ``scenario`` as a MIP in the request's formulation.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    request : Request
        The checked request.
    credibility : Mapping, optional
        This round's credibility overrides (default: the request's).

    Returns
    -------
    Built
        The model and its variable map.
    """
    return _BUILDERS[request.formulation](scenario, request.options(credibility))


def run(model: LinearModel, request: Request) -> Solution:
    """Solve ``model`` with the request's backend and time limit.

    Parameters
    ----------
    model : LinearModel
        The model.
    request : Request
        The checked request.

    Returns
    -------
    Solution
        The backend's mapped result (never raises for solver trouble); for the
        ``cpsat`` formulation CP-SAT's (:func:`solver.formulation.cpsat.solve_model`).
    """
    if request.formulation == cpsat.ENGINE:
        return cpsat.solve_model(model, time_limit=request.budget())
    return run_backend(model, request.backend, time_limit=request.budget())


def extract_schedule(built: Built, x: np.ndarray) -> Schedule:
    """Read the phase of each measure and milestone from a MIP solution.

    Works for both encodings: step columns (first phase at 1) and pulse
    columns (the phase whose column is 1).

    Parameters
    ----------
    built : Built
        The model the solution belongs to.
    x : numpy.ndarray
        Primal values of every column.

    Returns
    -------
    Schedule
        Phase per measure and milestone (``None``: never).
    """
    s = built.scenario

    def first(cols: np.ndarray) -> int | None:
        on = np.nonzero(x[cols] > 0.5)[0]
        return None if on.size == 0 else int(on[0]) + 1

    return Schedule(
        measures={m.id: first(built.vars.y[i]) for i, m in enumerate(s.measures)},
        milestones={d.id: first(built.vars.z[i]) for i, d in enumerate(s.milestones)},
    )


def read_out(built: Built, sol: Solution, request: Request, t_build: float) -> Plan:
    """Turn a backend's solution into a verified plan (or a result with a status).

    Parameters
    ----------
    built : Built
        The model that was solved.
    sol : Solution
        The backend's result.
    request : Request
        The checked request (labels; whether to explain infeasibility).
    t_build : float
        Seconds spent building or refilling the model.

    Returns
    -------
    Plan
        With a schedule when the backend found one; status ``ERROR`` when that
        schedule fails the independent verifier; otherwise the backend's
        status with a message and, for an infeasible model and
        ``request.explain``, the constraints to relax.  For a lexicographic
        objective the objective is the plan's smallest leverage (the model's
        first level), without the tie-break terms.
    """
    s = built.scenario
    timings = {"build": t_build, "solve": sol.seconds}
    if sol.x is None or not sol.status.has_solution:
        expl: tuple[str, ...] = ()
        msg = sol.message
        cut: tuple[str, ...] = ()
        if sol.status is Status.INFEASIBLE:
            msg = f"infeasible: no phasing satisfies every constraint ({sol.message})"
            if request.explain and request.expired():
                msg += "; explanation skipped: time limit reached"
                cut = ("explanation",)
            elif request.explain:
                t1 = time.perf_counter()
                limit = EXPLAIN_TIME_LIMIT
                if request.left() is not None:
                    limit = min(limit, request.budget() or limit)
                expl = tuple(elastic_conflicts(s, built.options, time_limit=limit))
                timings["explain"] = time.perf_counter() - t1
        elif sol.status is Status.TIME_LIMIT:
            msg = f"time limit reached before any feasible phasing was found ({sol.message})"
            cut = ("solve",)
        return Plan(
            sol.status,
            msg,
            s,
            timings=timings,
            explanation=expl,
            nodes=sol.nodes,
            bound=sol.bound,
            cut=cut,
            **request.labels(),
        )
    schedule = extract_schedule(built, sol.x)
    t1 = time.perf_counter()
    verdict = verify_plan(
        s, schedule, require_ic=built.options.require_ic, two_sided=built.options.two_sided
    )
    timings["verify"] = time.perf_counter() - t1
    status, msg = sol.status, sol.message
    if not verdict.ok:
        status = Status.ERROR
        msg = f"the backend's solution failed independent verification ({sol.message})"
    objective, bound = sol.objective, sol.bound
    if lexicographic(request.objective) and built.vars.lmin is not None:
        # One solve of the model's own objective (its first level, Lmin, plus the
        # tie-breaks; the resolver's sweeps): report the smallest leverage, and the
        # bound net of this plan's tie-break value, so the gap is the solve's own.
        lmin = float(sol.x[built.vars.lmin])
        if objective is not None and bound is not None:
            bound -= objective - lmin
        objective = lmin
    cut = ("solve",) if status is Status.FEASIBLE and request.expired() else ()
    return Plan(
        status,
        msg,
        s,
        schedule=schedule,
        objective=objective,
        bound=bound,
        timings=timings,
        violations=verdict.violations,
        nodes=sol.nodes,
        cut=cut,
        **request.labels(),
    )


def level_solver(backend: str) -> leximin.LevelSolver:
    """The one-solve function :func:`solver.leximin.solve_levels` calls, for a backend.

    Parameters
    ----------
    backend : str
        One of :data:`solver.backends.BACKENDS` (checked by :func:`check_args`).

    Returns
    -------
    callable
        ``solve(model, time_limit, start) -> Solution`` through
        :func:`solver.backends.run_backend`; the start is not passed (a MIP
        start from the previous level did not speed up highspy on the
        default model).
    """

    def plain(m: LinearModel, limit: float | None, start: np.ndarray | None) -> Solution:
        return run_backend(m, backend, time_limit=limit)

    return plain


def leximin_round(
    built: Built,
    request: Request,
    t_build: float,
    *,
    solve: leximin.LevelSolver | None = None,
) -> Plan:
    """Solve ``built`` for a lexicographic objective: every level in turn, then read out.

    The model is copied with the level columns of
    :func:`solver.leximin.add_levels` and solved by
    :func:`solver.leximin.solve_levels` (level ``j`` maximises the sum of the
    ``j`` smallest leverages with the levels before it fixed; then the
    tie-breaks); the last solution goes through :func:`read_out` like any
    other, so the independent verifier judges it.

    Parameters
    ----------
    built : Built
        The model of one round (any formulation; it must have the leverage columns).
    request : Request
        The checked request (backend, time limit for the whole sequence).
    t_build : float
        Seconds spent building the model.
    solve : callable, optional
        ``solve(model, time_limit, start) -> Solution`` for each level
        (default :func:`level_solver` of the request's backend; an engine
        with its own solver session passes its own).

    Returns
    -------
    Plan
        ``objective`` is the smallest leverage, ``levels`` the sorted leverage
        vector, ``bound`` level 1's bound.  ``OPTIMAL`` when every stage was;
        ``FEASIBLE`` with a message naming the stage when a later stage hit
        the time limit; level 1's result (infeasible, time limit without a
        plan, ...) when level 1 found no plan; ``ERROR`` when the verifier
        rejects the schedule.

    Raises
    ------
    ValueError
        If ``built`` has no leverage columns.
    """
    if built.vars.leverage is None:
        raise ValueError("a lexicographic objective needs the model's leverage columns")
    model = built.model.copy(name=f"{built.model.name}-leximin")
    cols = leximin.add_levels(model, built.vars.leverage)
    tiebreak = leximin.tiebreak_objective(built, model.num_vars)
    if solve is None and request.formulation == cpsat.ENGINE:
        solve = cpsat.level_solver
    solver_ = level_solver(request.backend) if solve is None else solve
    run_ = leximin.solve_levels(model, cols, tiebreak, solver_, time_limit=request.budget())
    plan = read_out(built, run_.solution, request, t_build)
    timings = {**plan.timings, "solve": run_.seconds}
    if plan.schedule is None:
        return replace(plan, timings=timings)
    levels = tuple(float(v) for v in np.sort(plan.schedule.values(built.scenario).leverage))
    status, message = run_.status, run_.message
    cut = ("leximin levels",) if status is Status.FEASIBLE and request.expired() else ()
    if plan.status is Status.ERROR:
        status, message = plan.status, f"{plan.message}; {run_.message}"
    return replace(
        plan,
        status=status,
        message=message,
        objective=levels[0],
        bound=run_.bound,
        levels=levels,
        timings=timings,
        nodes=run_.nodes,
        cut=cut,
    )


def solve_built(built: Built, request: Request, t_build: float) -> Plan:
    """The solve stage of one round: :func:`leximin_round` or :func:`run` then :func:`read_out`.

    Parameters
    ----------
    built : Built
        The round's model.
    request : Request
        The checked request.
    t_build : float
        Seconds spent building the model.

    Returns
    -------
    Plan
        The round's verified plan (or a result with a status).
    """
    if lexicographic(request.objective):
        return leximin_round(built, request, t_build)
    return read_out(built, run(built.model, request), request, t_build)


def add_ranges(
    plan: Plan, request: Request, credibility: Mapping[str, float] | None = None
) -> Plan:
    """The ranges stage: every item's phase range over the plans within 1 % of ``plan``.

    Only an ``OPTIMAL`` plan gets ranges (they are relative to the optimum);
    see :func:`solver.ranges.phase_ranges` for the definition and the method.

    Parameters
    ----------
    plan : Plan
        The solved plan.
    request : Request
        The checked request (objective, IC rows, time limit for the probes).
    credibility : Mapping, optional
        The credibility overrides of the round that produced ``plan``
        (default: the request's).

    Returns
    -------
    Plan
        ``plan`` with ``phase_range`` and a ``ranges`` timing; its message
        says when the ranges were skipped or stopped at the time limit (what
        is left of the request's, or :data:`solver.ranges.RANGES_TIME_LIMIT`
        without one).  Reached after the deadline, the stage is skipped:
        no ranges, ``ranges_complete`` false and ``"ranges"`` in ``cut``;
        stopped by it, the ranges found so far with ``ranges_complete``
        false and ``"ranges"`` in ``cut``.
    """
    if plan.schedule is None:
        return plan
    if plan.status is not Status.OPTIMAL:
        return replace(plan, message=f"{plan.message}; phase ranges skipped: not proven optimal")
    if request.expired():
        return replace(
            plan,
            message=f"{plan.message}; phase ranges skipped: time limit reached",
            ranges_complete=False,
            cut=(*plan.cut, "ranges"),
        )
    cred = request.credibility if credibility is None else credibility
    limit = ranges.RANGES_TIME_LIMIT if request.time_limit is None else request.budget()
    found = ranges.phase_ranges(
        plan, require_ic=request.require_ic, credibility=cred, time_limit=limit
    )
    message = plan.message if found.complete else f"{plan.message}; {found.message}"
    return replace(
        plan,
        phase_range=found.ranges,
        ranges_complete=found.complete,
        message=message,
        timings={**plan.timings, "ranges": found.seconds},
        cut=plan.cut if found.complete or request.time_limit is None else (*plan.cut, "ranges"),
    )


def judge(
    scenario: Scenario, plan: Plan | Schedule, *, thresholds: bool = True, fixes: bool = True
) -> ICReport:
    """The incentive verdict of a plan: the subgame-perfect check of every phase.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    plan : Plan or Schedule
        A plan with a schedule, or a bare schedule.
    thresholds : bool, optional
        Also compute each phase's critical values (sweeps skip them).
    fixes : bool, optional
        Also work out the fixes of failing phases and defecting members
        (sweeps and the incentive loop read only the verdicts).

    Returns
    -------
    ICReport
        See :func:`solver.game.check`.
    """
    return check(scenario, plan, thresholds=thresholds, fixes=fixes)


def incentive_loop(
    scenario: Scenario,
    solve_round: Callable[[dict[str, float]], Plan],
    *,
    thresholds: bool = True,
    two_sided: bool = False,
) -> Plan:
    """Solve with the linear IC rows, then let the game module judge; cut and repeat.

    The MIP's IC rows use each instrument's nominal credibility.  When the
    subgame-perfect check rejects the plan (a snapback that its deciding
    actors would not carry out), the rows are rebuilt with the game's
    effective credibility, which cuts off the rejected plan, and the model is
    re-solved, until the check passes or the tightened model is infeasible.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    solve_round : callable
        ``solve_round(credibility) -> Plan``: solve with the IC rows and the
        given instrument credibility overrides (empty in the first round).
    thresholds : bool, optional
        Passed to :func:`judge`; the loop needs only the verdict and the
        effective credibility, so callers that never show the critical values
        (sensitivity sweeps) skip computing them.
    two_sided : bool, optional
        Accept a plan only when every coalition member stays too (the MIP has
        their rows, so a rejection there is reported, not looped on).

    Returns
    -------
    Plan
        The first plan the check accepts, an infeasible result, or an error
        after :data:`MAX_IC_ROUNDS`; ``explanation`` lists every round.
    """
    cred: dict[str, float] = {}
    notes: list[str] = []
    for rnd in range(1, MAX_IC_ROUNDS + 1):
        plan = solve_round(dict(cred))
        if plan.schedule is None and plan.status is Status.TIME_LIMIT:
            why = f"round {rnd}: time limit reached before an incentive-compatible plan was found"
            cut = plan.cut if rnd == 1 else (f"incentive round {rnd}", *plan.cut)
            return replace(plan, explanation=(*notes, why, *plan.explanation), cut=cut)
        if plan.schedule is None:
            why = f"round {rnd}: no incentive-compatible phasing"
            vetoed = cred or {
                i: 0.0 for i, c in credibility_table(scenario).items() if not c.credible
            }
            if vetoed:
                why += " with the snapback credibility its deciders allow: " + ", ".join(
                    f"{i} q={q:g}" for i, q in sorted(vetoed.items())
                )
            return replace(plan, explanation=(*notes, why, *plan.explanation))
        report = judge(scenario, plan, thresholds=thresholds, fixes=False)
        if two_sided and report.target_compatible and not report.incentive_compatible:
            who = report.first_leaver
            notes.append(f"round {rnd}: the check finds a coalition member defecting: {who}")
            return replace(
                plan,
                status=Status.ERROR,
                message="the two-sided rows and the check disagree; see explanation",
                explanation=tuple(notes),
            )
        if report.target_compatible:
            notes.append(f"round {rnd}: the subgame-perfect check passes every phase")
            return replace(plan, explanation=tuple(notes))
        failed = [p.phase for p in report.phases if not p.incentive_compatible]
        if report.lapsed:
            # The MIP's rows assume every member enforces; the check found one that
            # would not, and judged the target without its share of the pressure.
            notes.append(
                f"round {rnd}: the check rejects phase(s) {failed}: "
                + ", ".join(report.lapsed)
                + " would not enforce this plan, which takes their share of the "
                "measures' pressure from the target"
            )
            return replace(
                plan,
                status=Status.ERROR,
                message="a coalition member would not enforce the plan the target-only rows "
                "found; solve with both sides (--both-sides, require_ic='both') to keep "
                "every member enforcing",
                explanation=tuple(notes),
            )
        # The MIP already uses the effective credibility (one judge); a rejection
        # can then only come from a snapback the game finds non-credible: pin it at 0.
        new = {i: 0.0 for i, c in report.credibility.items() if not c.credible}
        if new.items() <= cred.items():
            notes.append(f"round {rnd}: the check rejects phase(s) {failed}")
            break
        notes.append(
            f"round {rnd}: the check rejects phase(s) {failed}; re-solving with "
            + ", ".join(f"{i} q={q:g}" for i, q in sorted(new.items()))
        )
        cred.update(new)
    return replace(
        plan,
        status=Status.ERROR,
        message="the incentive check kept rejecting plans; see explanation",
        explanation=tuple(notes),
    )


def drive(
    scenario: Scenario,
    request: Request,
    solve_round: Callable[[dict[str, float]], Plan],
    *,
    chains: tuple[str, ...] | None = None,
    thresholds: bool = True,
) -> Plan:
    """Run one request through the chain, with ``solve_round`` doing build -> run -> read_out.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    request : Request
        The checked request.
    solve_round : callable
        ``solve_round(credibility) -> Plan`` for one round's credibility.
    chains : tuple of str, optional
        Prerequisite-chain conflicts already computed (the resolver caches
        them per structure); computed here when ``None``.
    thresholds : bool, optional
        Whether the game check computes critical values.

    Returns
    -------
    Plan
        ``INFEASIBLE`` at once when a prerequisite chain misses its deadline;
        otherwise the plan of one round, or of :func:`incentive_loop` when
        ``require_ic`` is set and no credibility override is given.
    """
    t0 = time.perf_counter()
    if chains is None:
        chains = tuple(chain_conflicts(scenario))
    if chains:
        return Plan(
            Status.INFEASIBLE,
            "infeasible: prerequisite chains miss their deadlines",
            scenario,
            explanation=chains,
            timings={"build": time.perf_counter() - t0},
            **request.labels(),
        )
    if request.require_ic and not request.credibility:
        return incentive_loop(
            scenario, solve_round, thresholds=thresholds, two_sided=request.two_sided
        )
    return solve_round(dict(request.credibility))


def solve_request(scenario: Scenario, request: Request) -> Plan:
    """Solve a checked request by fresh builds (what :func:`solver.solve` does).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    request : Request
        From :func:`check_args`.

    Returns
    -------
    Plan
        Always a result with a status; with ``request.ranges``, an optimal
        plan also has its phase ranges (:func:`add_ranges`).
    """
    used: list[dict[str, float]] = []
    request = request.started()

    def round_(cred: dict[str, float]) -> Plan:
        used.append(cred)
        if request.expired():
            return time_cut(scenario, request, "build", {})
        t1 = time.perf_counter()
        built = build(scenario, request, cred)
        t_build = time.perf_counter() - t1
        if request.expired():
            return time_cut(scenario, request, "solve", {"build": t_build})
        return solve_built(built, request, t_build)

    # the loop reads only the check's verdicts and effective credibility (the
    # report is not returned), so the critical-value bisection is skipped
    plan = drive(scenario, request, round_, thresholds=False)
    if request.ranges:
        plan = add_ranges(plan, request, used[-1] if used else None)
    return plan


def time_cut(
    scenario: Scenario, request: Request, stage: str, timings: Mapping[str, float]
) -> Plan:
    """The result of a round whose ``stage`` was reached after the deadline (and skipped).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    request : Request
        The started request.
    stage : str
        The stage skipped (``"build"``, ``"solve"``).
    timings : Mapping[str, float]
        The seconds of the stages that ran.

    Returns
    -------
    Plan
        Status ``TIME_LIMIT``, no schedule, ``cut`` naming ``stage``.
    """
    return Plan(
        Status.TIME_LIMIT,
        f"time limit of {request.time_limit:g} s reached before the {stage} stage; "
        "no plan was found",
        scenario,
        timings=dict(timings),
        cut=(stage,),
        **request.labels(),
    )


def fix_schedule(built: Built, schedule: Schedule) -> LinearModel:
    """Copy of ``built``'s step model with every ``y`` and ``z`` fixed to ``schedule``.

    Parameters
    ----------
    built : Built
        A step-formulation model.
    schedule : Schedule
        The phasing to impose.

    Returns
    -------
    LinearModel
        The fixed model (the original is left untouched); solving it
        evaluates the remaining columns (leverage and its helpers).
    """
    y, z = schedule.matrices(built.scenario)
    lb, ub = list(built.model.lb), list(built.model.ub)
    for arr, vals in ((built.vars.y, y), (built.vars.z, z)):
        for idx, v in zip(arr.ravel(), vals.ravel(), strict=True):
            lb[int(idx)] = ub[int(idx)] = float(v)
    return built.model.copy(lb=lb, ub=ub)


def evaluate_schedule(scenario: Scenario, schedule: Schedule, request: Request) -> Plan:
    """Score and verify a given schedule instead of optimising (``relief solve --plan``).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    schedule : Schedule
        The phasing to evaluate.
    request : Request
        The checked request (its objective scores the schedule).

    Returns
    -------
    Plan
        ``FEASIBLE`` when the schedule passes verification, otherwise
        ``INFEASIBLE`` with the violations listed.  ``objective`` is the value
        the step model assigns to the schedule (for a lexicographic objective,
        its smallest leverage, with the sorted leverages in ``levels``), or
        ``None`` (with the reason in ``message``) when the model has no
        solution with this schedule fixed.
    """
    built = step.build(scenario, BuildOptions(objective=request.objective))
    verdict = verify_plan(scenario, schedule)
    sol = run_backend(fix_schedule(built, schedule), "highs")
    value = sol.objective if sol.status.has_solution else None
    levels: tuple[float, ...] = ()
    if lexicographic(request.objective) and built.vars.lmin is not None:
        # the plan's smallest leverage (its first level), as solve reports it
        value = None if sol.x is None or value is None else float(sol.x[built.vars.lmin])
        levels = tuple(float(v) for v in np.sort(schedule.values(scenario).leverage))
    status = Status.FEASIBLE if verdict.ok else Status.INFEASIBLE
    msg = "given plan evaluated" if verdict.ok else "given plan violates constraints"
    if value is None:
        msg += f"; the model gives it no objective value ({sol.status.value}: {sol.message})"
    return Plan(
        status,
        msg,
        scenario,
        schedule=schedule,
        objective=value,
        backend="none",
        formulation="fixed",
        objective_name=request.objective,
        violations=verdict.violations,
        explanation=verdict.violations,
        levels=levels,
    )
