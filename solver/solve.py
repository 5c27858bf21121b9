"""The solve entry point: build, solve, extract, verify, explain."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from solver.backends import BACKENDS, Solution, Status, run_backend
from solver.explain import chain_conflicts, elastic_conflicts
from solver.formulation import aggregated, pulse, step
from solver.formulation.common import OBJECTIVES, BuildOptions, Built
from solver.model import LinearModel
from solver.plan import Plan, Schedule
from solver.scenario import Scenario
from solver.verify import verify_plan


class _Labels(NamedTuple):
    backend: str
    formulation: str
    objective_name: str


FORMULATIONS: tuple[str, ...] = ("step", "pulse", "aggregated")
"""Relief-sequencing formulations accepted by :func:`solve`."""

_BUILDERS: dict[str, Callable[[Scenario, BuildOptions], Built]] = {
    "step": step.build,
    "pulse": pulse.build,
    "aggregated": aggregated.build,
}


def build_model(scenario: Scenario, options: BuildOptions, formulation: str = "step") -> Built:
    """Build ``scenario`` in the named formulation (``step``, ``pulse``, ``aggregated``).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    options : BuildOptions
        Objective and options.
    formulation : str, optional
        Formulation name.

    Returns
    -------
    Built
        The model and its variable map.
    """
    return _BUILDERS[formulation](scenario, options)


def extract_schedule(built: Built, x: np.ndarray) -> Schedule:
    """Read the phase of each measure and milestone from a MIP solution.

    Works for both encodings: step columns (first phase at 1) and pulse
    columns (the phase whose column is 1).
    """
    s = built.scenario

    def first(cols: np.ndarray) -> int | None:
        on = np.nonzero(x[cols] > 0.5)[0]
        return None if on.size == 0 else int(on[0]) + 1

    return Schedule(
        measures={m.id: first(built.vars.y[i]) for i, m in enumerate(s.measures)},
        milestones={d.id: first(built.vars.z[i]) for i, d in enumerate(s.milestones)},
    )


def _check_args(backend: str, objective: str, formulation: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"backend is {backend!r}; choose one of {', '.join(BACKENDS)}")
    if objective not in OBJECTIVES:
        raise ValueError(f"objective is {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    if formulation not in FORMULATIONS:
        raise ValueError(f"formulation is {formulation!r}; choose one of {', '.join(FORMULATIONS)}")


def solve(
    scenario: Scenario,
    *,
    backend: str = "highs",
    objective: str | None = None,
    formulation: str = "step",
    require_ic: bool | None = None,
    time_limit: float | None = None,
    credibility: Mapping[str, float] | None = None,
    explain: bool = True,
) -> Plan:
    """Find the best phasing of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    backend : {"highs", "highspy", "cbc", "pulp-highs"}, optional
        MIP backend; default HiGHS through :func:`scipy.optimize.milp`.
    objective : {"leverage", "speed", "weighted"}, optional
        Defaults to ``scenario.parameters.objective``.
    formulation : {"step"}, optional
        Model formulation.
    require_ic : bool, optional
        Impose ``L_k >= 0`` in every phase; defaults to the scenario's
        ``parameters.require_ic``.
    time_limit : float, optional
        Seconds for the MIP.
    credibility : Mapping, optional
        Instrument id -> snapback credibility overriding the nominal values.
    explain : bool, optional
        When infeasible, run the (slower) elastic analysis.

    Returns
    -------
    Plan
        Always a result: infeasible and time-limited outcomes carry a status
        and an explanation rather than raising.

    Raises
    ------
    ValueError
        For an unknown backend, objective or formulation name.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> plan = solve(load_scenario(default_scenario_path()))
    >>> plan.status.value
    'optimal'
    """
    objective = objective or scenario.parameters.objective
    _check_args(backend, objective, formulation)
    if require_ic is None:
        require_ic = scenario.parameters.require_ic
    opts = BuildOptions(
        objective=objective, require_ic=require_ic, credibility=dict(credibility or {})
    )
    common = _Labels(backend, formulation, objective)
    t0 = time.perf_counter()
    chains = chain_conflicts(scenario)
    if chains:
        return Plan(
            Status.INFEASIBLE,
            "infeasible: prerequisite chains miss their deadlines",
            scenario,
            explanation=tuple(chains),
            timings={"build": time.perf_counter() - t0},
            **common._asdict(),
        )
    if require_ic and not credibility:

        def round_(cred: dict[str, float]) -> Plan:
            o = BuildOptions(objective=opts.objective, require_ic=True, credibility=cred)
            t1 = time.perf_counter()
            built = build_model(scenario, o, formulation)
            sol = run_backend(built.model, backend, time_limit=time_limit)
            return _finish(built, sol, time.perf_counter() - t1, explain, common)

        return solve_with_game_check(scenario, round_)
    built = build_model(scenario, opts, formulation)
    t_build = time.perf_counter() - t0
    sol = run_backend(built.model, backend, time_limit=time_limit)
    return _finish(built, sol, t_build, explain, common)


MAX_IC_ROUNDS = 10
"""Bound on solve / game-check rounds of :func:`solve` with ``require_ic``."""


def solve_with_game_check(
    scenario: Scenario,
    solve_round: Callable[[dict[str, float]], Plan],
    *,
    thresholds: bool = True,
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
        Passed to :func:`solver.game.check`; the loop needs only its verdict
        and effective credibility, so callers that never show the report's
        critical values (sensitivity sweeps) skip computing them.

    Returns
    -------
    Plan
        The first plan the check accepts, an infeasible result, or an error
        after :data:`MAX_IC_ROUNDS`; ``explanation`` lists every round.
    """
    from solver.game import check  # the game module imports solve-side types

    cred: dict[str, float] = {}
    notes: list[str] = []
    for rnd in range(1, MAX_IC_ROUNDS + 1):
        plan = solve_round(dict(cred))
        if plan.schedule is None:
            why = f"round {rnd}: no incentive-compatible phasing"
            if cred:
                why += " once snapback credibility is set by the game: " + ", ".join(
                    f"{i} q={q:g}" for i, q in sorted(cred.items())
                )
            return replace(plan, explanation=(*notes, why, *plan.explanation))
        report = check(scenario, plan, thresholds=thresholds)
        if report.incentive_compatible:
            notes.append(f"round {rnd}: the subgame-perfect check passes every phase")
            return replace(plan, explanation=tuple(notes))
        new = {
            i: q
            for i, q in report.effective_credibility.items()
            if q < scenario.instrument(i).credibility - 1e-12
        }
        failed = [p.phase for p in report.phases if not p.incentive_compatible]
        notes.append(
            f"round {rnd}: the check rejects phase(s) {failed}; re-solving with "
            + ", ".join(f"{i} q={q:g}" for i, q in sorted(new.items()))
        )
        if new.items() <= cred.items():
            break
        cred.update(new)
    return replace(
        plan,
        status=Status.ERROR,
        schedule=plan.schedule,
        message="the incentive check kept rejecting plans; see explanation",
        explanation=tuple(notes),
    )


def _finish(built: Built, sol: Solution, t_build: float, explain: bool, common: _Labels) -> Plan:
    s = built.scenario
    timings = {"build": t_build, "solve": sol.seconds}
    if sol.x is None or not sol.status.has_solution:
        expl: tuple[str, ...] = ()
        msg = sol.message
        if sol.status is Status.INFEASIBLE:
            msg = f"infeasible: no phasing satisfies every constraint ({sol.message})"
            if explain:
                expl = tuple(elastic_conflicts(s, built.options))
        elif sol.status is Status.TIME_LIMIT:
            msg = f"time limit reached before any feasible phasing was found ({sol.message})"
        return Plan(
            sol.status,
            msg,
            s,
            timings=timings,
            explanation=expl,
            nodes=sol.nodes,
            bound=sol.bound,
            **common._asdict(),
        )
    schedule = extract_schedule(built, sol.x)
    t1 = time.perf_counter()
    check = verify_plan(s, schedule, require_ic=built.options.require_ic)
    timings["verify"] = time.perf_counter() - t1
    status = sol.status
    msg = sol.message
    if not check.ok:
        status = Status.ERROR
        msg = f"the backend's solution failed independent verification ({sol.message})"
    return Plan(
        status,
        msg,
        s,
        schedule=schedule,
        objective=sol.objective,
        bound=sol.bound,
        timings=timings,
        violations=check.violations,
        nodes=sol.nodes,
        **common._asdict(),
    )


def evaluate(scenario: Scenario, schedule: Schedule, *, objective: str | None = None) -> Plan:
    """Score a given schedule (``relief solve --plan``) instead of optimising.

    The schedule is verified; its objective is the one the MIP would assign.

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
    objective = objective or scenario.parameters.objective
    _check_args("highs", objective, "step")
    built = step.build(scenario, BuildOptions(objective=objective))
    check = verify_plan(scenario, schedule)
    value = _objective_of(built, schedule)
    status = Status.FEASIBLE if check.ok else Status.INFEASIBLE
    msg = "given plan evaluated" if check.ok else "given plan violates constraints"
    return Plan(
        status,
        msg,
        scenario,
        schedule=schedule,
        objective=value,
        backend="none",
        formulation="fixed",
        objective_name=objective,
        violations=check.violations,
        explanation=check.violations,
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
    fixed = replace(built.model, lb=list(built.model.lb), ub=list(built.model.ub))
    for arr, vals in ((built.vars.y, y), (built.vars.z, z)):
        for idx, v in zip(arr.ravel(), vals.ravel(), strict=True):
            fixed.lb[int(idx)] = fixed.ub[int(idx)] = float(v)
    return fixed


def _objective_of(built: Built, schedule: Schedule) -> float:
    """Objective value the model assigns to ``schedule`` (fixing y, z and solving the rest)."""
    sol = run_backend(fix_schedule(built, schedule), "highs")
    return float("nan") if sol.objective is None else sol.objective


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
    relaxed = replace(built.model, integer=[False] * built.model.num_vars)
    sol = run_backend(relaxed, "highs")
    return sol.objective if sol.status is Status.OPTIMAL else None
