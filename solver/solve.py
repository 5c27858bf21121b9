"""The public solve facade: :func:`solve` and :func:`evaluate` over :mod:`solver.pipeline`.

Both check their arguments with :func:`solver.pipeline.check_args` and run
the pipeline's stages; nothing here repeats them.
"""

from __future__ import annotations

from collections.abc import Mapping

from solver import pipeline
from solver.backends import Status, run_backend
from solver.formulation.common import BuildOptions, Built
from solver.pipeline import FORMULATIONS, extract_schedule, fix_schedule
from solver.plan import Plan, Schedule
from solver.scenario import Scenario

__all__ = [
    "FORMULATIONS",
    "build_model",
    "evaluate",
    "extract_schedule",
    "fix_schedule",
    "root_lp_bound",
    "solve",
]


def build_model(scenario: Scenario, options: BuildOptions, formulation: str = "step") -> Built:
    """Build ``scenario`` in the named formulation (``step``, ``pulse``, ``aggregated``).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    options : BuildOptions
        Objective and options.
    formulation : str, optional
        One of :data:`FORMULATIONS`.

    Returns
    -------
    Built
        The model and its variable map.

    Raises
    ------
    ValueError
        For an unknown formulation.
    """
    return pipeline.builder(formulation)(scenario, options)


def solve(
    scenario: Scenario,
    *,
    backend: str = "highs",
    objective: str | None = None,
    formulation: str = "step",
    require_ic: bool | str | None = None,
    time_limit: float | None = None,
    credibility: Mapping[str, float] | None = None,
    explain: bool = True,
    ranges: bool = False,
    clock_start: float | None = None,
) -> Plan:
    """Find the best phasing of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    backend : {"highs", "highspy", "cbc", "pulp-highs"}, optional
        MIP backend; default HiGHS through :func:`scipy.optimize.milp`.
    objective : {"leverage", "speed", "weighted", "maxmin"}, optional
        Defaults to ``scenario.parameters.objective``.  ``leverage`` is
        leximin over the phases' leverage, solved level by level
        (:mod:`solver.leximin`); ``maxmin`` the one-solve rule
        ``Lmin + 0.01 mean`` (``docs/formulation.md``, Objectives).
    formulation : {"step", "pulse", "aggregated"}, optional
        Model formulation (``docs/formulation.md``); all three have the same
        optimum, they differ in size and LP strength.
    require_ic : bool or {"target", "both"}, optional
        Impose incentive compatibility in every phase (the linear rows, then
        the subgame-perfect check loop); defaults to the scenario's
        ``parameters.require_ic``.  ``"both"`` also keeps every coalition
        member in the deal (:mod:`solver.coalition`).
    time_limit : float, optional
        Seconds for the whole solve, finite and positive: every stage (each
        build and solve, the leximin levels, the incentive rounds, the phase
        ranges, the infeasibility explanation) gets what is left
        (:class:`solver.pipeline.Request`).  A level that runs out gives a
        ``FEASIBLE`` plan, no plan at all ``TIME_LIMIT``; ``Plan.cut`` names
        the stages stopped or skipped.
    credibility : Mapping, optional
        Instrument id -> snapback credibility overriding the nominal values
        (every id must be one of the scenario's instruments).
    explain : bool, optional
        When infeasible, run the (slower) elastic analysis.
    ranges : bool, optional
        Also compute, for an optimal plan, every item's phase range over the
        plans within 1 % of the optimum (``Plan.phase_range``; see
        :func:`solver.ranges.phase_ranges`): a few hundred milliseconds on
        the default model, so off by default.

    clock_start : float, optional
        The :func:`time.perf_counter` instant the time limit counts from
        (``relief solve`` passes its own start, so that reading the scenario
        counts); default: now.

    Returns
    -------
    Plan
        Always a result: infeasible and time-limited outcomes carry a status
        and an explanation rather than raising.

    Raises
    ------
    ValueError
        For a bad argument (see :func:`solver.pipeline.check_args`).

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> plan = solve(load_scenario(default_scenario_path()))
    >>> plan.status.value
    'optimal'
    """
    request = pipeline.check_args(
        scenario,
        backend=backend,
        formulation=formulation,
        objective=objective,
        require_ic=require_ic,
        time_limit=time_limit,
        credibility=credibility,
        explain=explain,
        ranges=ranges,
    )
    return pipeline.solve_request(scenario, request.started(clock_start))


def evaluate(scenario: Scenario, schedule: Schedule, *, objective: str | None = None) -> Plan:
    """Score a given schedule (``relief solve --plan``) instead of optimising.

    The schedule is verified; its objective is the one the step model would
    assign to it.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    schedule : Schedule
        The phasing to evaluate.
    objective : str, optional
        Objective to score with; defaults to the scenario's.

    Returns
    -------
    Plan
        Status ``FEASIBLE`` when the schedule passes verification, otherwise
        ``INFEASIBLE`` with the violations listed.
    """
    request = pipeline.check_args(scenario, objective=objective)
    return pipeline.evaluate_schedule(scenario, schedule, request)


def root_lp_bound(built: Built) -> float | None:
    """Objective of the LP relaxation of ``built`` (the root bound before cuts).

    Parameters
    ----------
    built : Built
        A built model.

    Returns
    -------
    float or None
        The LP optimum in the model's sense, or ``None`` when the relaxation
        has no finite optimum.
    """
    relaxed = built.model.copy(integer=[False] * built.model.num_vars)
    sol = run_backend(relaxed, "highs")
    return sol.objective if sol.status is Status.OPTIMAL else None
