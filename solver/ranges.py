"""Phase ranges: the phases each item takes over the plans within 1 % of the optimum.

**Definition.**  A plan is *within 1 %* of the optimum when its objective is
no more than 1 % (:data:`NEAR_TOL`) of the optimum's magnitude below it, on
every level of the objective:

* ``leverage`` (leximin): for every ``j = 1..K``, the sum of the plan's ``j``
  smallest leverages is at least ``S_j* - 0.01 max(1, |S_j*|)``, where
  ``S_j*`` is that sum for the optimal plan (so the smallest leverage is
  within 1 %, the two smallest together within 1 %, ..., the total within
  1 %); these are the level rows of :mod:`solver.leximin` with their floors
  lowered;
* ``maxmin``, ``speed``, ``weighted`` (one objective ``f``, tie-breaks included):
  ``f >= f* - 0.01 max(1, |f*|)``.

Every other constraint of the scenario holds as in the optimisation (windows,
precedence, participation, incentive compatibility when required, ...).  The
**phase range** of an item is ``(earliest, latest)``: the earliest and the
latest phase it takes over those plans, *never* (``None``, written ``null``
in JSON) counting as phase ``K + 1``.  An item is *forced* when the two are
equal (including "never in every such plan") and *free* otherwise.  Every range
contains the optimal plan's phase.

**Method.**  The step model of the scenario (whatever formulation solved the
plan) gets the near-optimality rows.  A probe changes only the objective
(``+-sum_k y[e, k]``, which is ``K + 1`` minus the phase of item ``e``) and one
column bound; its optimum is the item's earliest (or latest) phase, proven by
HiGHS.  Two probe engines (:data:`PROBE_ENGINES`): ``"highs"`` (the default)
hands every probe to HiGHS through :func:`scipy.optimize.milp` with HiGHS
presolve on, which removes most of the near-optimal model before branching;
``"highspy"`` keeps one ``highspy.Highs`` instance with presolve off (highspy
1.16's presolve returned a wrong optimum, see
:func:`solver.backends.highspy_direct.solve_highspy`) and changes the objective
in place.  ``tests/unit/test_ranges.py`` holds the two to the same ranges on
every shipped scenario, and both to brute-force enumeration on small ones.
Probes are skipped when the answer is already known: the phase a plan already
found puts an item in is in its range (the optimal plan, and every probe's
solution, is within 1 %), a range end that
reaches what the structure allows (phase windows, mandatory deadlines, fixed by
:func:`solver.presolve.implied_fixings`) needs no proof, and items whose
columns are equal in every plan (a bundle; :func:`solver.presolve.implied_equalities`)
share one set of probes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from solver.backends.base import Status
from solver.formulation import step
from solver.formulation.common import LEXICOGRAPHIC, BuildOptions, Built
from solver.leximin import add_levels, level_floor, level_values
from solver.model import LinearModel
from solver.plan import Plan, Schedule
from solver.presolve import implied_equalities, implied_fixings
from solver.tolerances import MIP_REL_GAP

__all__ = [
    "ENDS",
    "NEAR_TOL",
    "PROBE_ENGINES",
    "RANGES_TIME_LIMIT",
    "PhaseRanges",
    "near_optimal",
    "phase_ranges",
]

NEAR_TOL = 0.01
"""Relative distance from the optimum of the plans phase ranges range over (1 %)."""

RANGES_TIME_LIMIT = 60.0
"""Seconds the solve pipeline gives the probes when the request has no time limit
(:func:`solver.pipeline.add_ranges`): two probes per item at most, so a very large
scenario stops here with incomplete ranges (and says so) instead of running on."""

PROBE_ENGINES = ("highs", "highspy")
"""How probes are solved: SciPy's HiGHS with presolve (default), or one highspy
instance with presolve off (the cross-check; see the module docstring)."""

ENDS = ("earliest", "latest")
"""The two ends of a phase range (keys of :attr:`PhaseRanges.witnesses`)."""

Range = tuple[int | None, int | None]


@dataclass(frozen=True)
class PhaseRanges:
    """The phase range of every item, and the plans that show the ends.

    Attributes
    ----------
    ranges : Mapping[str, tuple[int | None, int | None]]
        Item id -> ``(earliest, latest)``; ``None`` is never.  Milestones
        first, then measures, in scenario order.
    witnesses : Mapping[tuple[str, str], Schedule]
        ``(item id, "earliest" | "latest")`` -> a plan within the tolerance
        that puts the item at that end.
    complete : bool
        Whether every end is proven (no probe stopped at the time limit).
    message : str
        How the ranges were found (probes solved and skipped; what stopped).
    seconds : float
        Wall-clock time, model build included.
    solves : int
        MIP probes solved.
    skipped : int
        Probes skipped because their answer was already known.
    """

    ranges: Mapping[str, Range]
    witnesses: Mapping[tuple[str, str], Schedule]
    complete: bool
    message: str
    seconds: float
    solves: int
    skipped: int

    def forced(self, item: str) -> bool:
        """Whether ``item`` takes one phase (or never happens) in every plan within the tolerance.

        Parameters
        ----------
        item : str
            A measure or milestone id.

        Returns
        -------
        bool
            ``earliest == latest``.
        """
        lo, hi = self.ranges[item]
        return lo == hi


def _objective_name(plan: Plan) -> str:
    return plan.objective_name or "leverage"


def near_optimal(
    plan: Plan,
    *,
    require_ic: bool | None = None,
    credibility: Mapping[str, float] | None = None,
    tol: float = NEAR_TOL,
) -> tuple[Built, LinearModel]:
    """The step model of ``plan``'s scenario restricted to plans within ``tol`` of ``plan``.

    Parameters
    ----------
    plan : Plan
        An optimal plan (its schedule, objective name and value, or levels).
    require_ic : bool, optional
        Keep the incentive rows; default the scenario's ``parameters.require_ic``.
    credibility : Mapping, optional
        The credibility overrides the plan was solved with.
    tol : float, optional
        Relative tolerance (:data:`NEAR_TOL`).

    Returns
    -------
    (Built, LinearModel)
        The step model as built, and a copy with the near-optimality rows
        (see the module docstring) and a zero objective; its ``y`` and ``z``
        columns are the built model's.

    Raises
    ------
    ValueError
        If the plan has no schedule, or no objective value for a
        non-lexicographic objective.
    """
    if plan.schedule is None:
        raise ValueError("phase ranges need a plan with a schedule")
    s = plan.scenario
    name = _objective_name(plan)
    ic = s.parameters.require_ic if require_ic is None else bool(require_ic)
    built = step.build(
        s, BuildOptions(objective=name, require_ic=ic, credibility=dict(credibility or {}))
    )
    model = built.model.copy(name=f"{built.model.name}-near", obj=np.zeros(built.model.num_vars))
    if name in LEXICOGRAPHIC:
        assert built.vars.leverage is not None  # the leverage model always has them
        cols = add_levels(model, built.vars.leverage)
        values = level_values(plan.levels or plan.schedule.values(s).leverage)
        model.set_bounds(cols.s, lb=[level_floor(v, tol) for v in values])
    else:
        if plan.objective is None:
            raise ValueError("phase ranges need the plan's objective value")
        c = np.asarray(built.model.obj, dtype=float)
        idx = np.nonzero(c)[0]
        floor = level_floor(plan.objective, tol) - built.model.obj_constant
        model.add_row(
            f"near-optimal: objective within {tol:g} of {plan.objective:.6g}",
            {int(j): float(c[j]) for j in idx},
            lb=floor,
            group="near-optimal",
        )
    return built, model


def _phase(x: np.ndarray, cols: np.ndarray) -> int:
    """Phase of an item in a step solution (``K + 1``: never)."""
    on = np.nonzero(x[cols] > 0.5)[0]
    return len(cols) + 1 if on.size == 0 else int(on[0]) + 1


class _ScipyProbe:
    """The near-optimal model handed whole to :func:`scipy.optimize.milp` for each probe.

    HiGHS presolve stays on (SciPy's default): on the default model it solves
    the 24 probes about 2.4 times faster than :class:`_Probe` with the same
    ranges (``benchmarks/bench_default.py``).  An "infeasible" answer is taken
    as it is (it is the expected answer of a probe); the leximin level solves'
    retry with presolve off (:func:`solver.backends.highs_scipy.solve_highs`)
    is for levels the previous plan is known to meet.
    """

    def __init__(self, model: LinearModel) -> None:
        from scipy.optimize import Bounds, LinearConstraint

        a = model.arrays()
        self._lb, self._ub = a["lb"], a["ub"]
        self._bounds = Bounds
        self._integrality = a["integrality"]
        self._rows = (
            [LinearConstraint(model.matrix(), a["row_lb"], a["row_ub"])] if model.num_rows else []
        )
        self._n = model.num_vars

    def run(
        self,
        cols: np.ndarray,
        weights: np.ndarray,
        time_left: float | None,
        fix: tuple[int, float] | None = None,
    ) -> tuple[Status, np.ndarray | None]:
        """Maximise ``weights @ x[cols]``, optionally with one column fixed; return status and x.

        Parameters
        ----------
        cols : numpy.ndarray
            Columns of the objective.
        weights : numpy.ndarray
            Their weights.
        time_left : float or None
            Seconds this probe may use.
        fix : tuple of (int, float), optional
            ``(column, value)`` held for this probe only.

        Returns
        -------
        (Status, numpy.ndarray or None)
            The mapped status and the solution, if any.
        """
        from scipy.optimize import milp

        from solver.backends.highs_scipy import map_status
        from solver.backends.highspy_direct import quiet_stdout

        c = np.zeros(self._n)
        c[np.asarray(cols, dtype=np.int64)] = -np.asarray(weights, dtype=float)  # milp minimises
        lb, ub = self._lb, self._ub
        if fix is not None:
            lb, ub = lb.copy(), ub.copy()
            lb[fix[0]] = ub[fix[0]] = fix[1]
        options: dict[str, object] = {"mip_rel_gap": MIP_REL_GAP, "disp": False}
        if time_left is not None:
            options["time_limit"] = max(time_left, 1e-3)
        with quiet_stdout():  # HiGHS prints stray debug lines from C (breaking --json)
            res = milp(
                c,
                integrality=self._integrality,
                bounds=self._bounds(lb, ub),
                constraints=self._rows,
                options=options,
            )
        x = None if res.x is None else np.asarray(res.x, dtype=float)
        return map_status(int(res.status), x is not None, str(res.message)), x


class _Probe:
    """One ``highspy.Highs`` holding the near-optimal model; each probe changes the objective."""

    def __init__(self, model: LinearModel) -> None:
        import highspy  # loads the extension only when ranges are asked for

        from solver.backends.highspy_direct import SMALL_SESSION_COLUMNS, quiet_stdout

        self._hs = highspy
        with quiet_stdout():
            self.h = highspy.Highs()
        options: list[tuple[str, Any]] = [
            ("output_flag", False),
            ("presolve", "off"),  # see solver.backends.highspy_direct.solve_highspy
            ("threads", 1),
            ("mip_rel_gap", MIP_REL_GAP),
            ("mip_heuristic_run_feasibility_jump", False),
        ]
        if model.num_vars <= SMALL_SESSION_COLUMNS:  # as HighsSession: heuristics cost more here
            options += [
                ("mip_heuristic_effort", 0.0),
                ("mip_heuristic_run_rins", False),
                ("mip_heuristic_run_rens", False),
                ("mip_heuristic_run_root_reduced_cost", False),
                ("mip_detect_symmetry", False),
            ]
        for key, value in options:
            self.h.setOptionValue(key, value)
        self.lb = np.asarray(model.lb, dtype=float)
        self.ub = np.asarray(model.ub, dtype=float)
        self.h.passModel(self._lp(model))
        self._costed = np.zeros(0, dtype=np.int32)

    def _lp(self, model: LinearModel) -> Any:
        hs = self._hs
        a, csc, inf = model.arrays(), model.matrix().tocsc(), hs.kHighsInf
        lp = hs.HighsLp()
        lp.num_col_, lp.num_row_ = model.num_vars, model.num_rows
        lp.col_cost_ = a["c"]
        lp.col_lower_ = np.maximum(a["lb"], -inf)
        lp.col_upper_ = np.minimum(a["ub"], inf)
        lp.row_lower_ = np.maximum(a["row_lb"], -inf)
        lp.row_upper_ = np.minimum(a["row_ub"], inf)
        lp.sense_ = hs.ObjSense.kMaximize
        lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr
        lp.a_matrix_.index_ = csc.indices
        lp.a_matrix_.value_ = csc.data
        kinds = (hs.HighsVarType.kContinuous, hs.HighsVarType.kInteger)
        lp.integrality_ = [kinds[int(k)] for k in a["integrality"]]
        return lp

    def run(
        self,
        cols: np.ndarray,
        weights: np.ndarray,
        time_left: float | None,
        fix: tuple[int, float] | None = None,
    ) -> tuple[Status, np.ndarray | None]:
        """Maximise ``weights @ x[cols]``, optionally with one column fixed; return status and x.

        ``fix = (column, value)`` holds one column at a value for this probe
        only (its bounds are restored after).  No MIP start: the probe's bound
        makes every plan known so far infeasible.
        """
        from solver.backends.highspy_direct import map_status

        h, hs = self.h, self._hs
        idx = np.asarray(cols, dtype=np.int32)
        if self._costed.size:
            h.changeColsCost(self._costed.size, self._costed, np.zeros(self._costed.size))
        h.changeColsCost(idx.size, idx, np.asarray(weights, dtype=float))
        self._costed = idx
        h.setOptionValue("time_limit", float("inf") if time_left is None else max(time_left, 1e-3))
        one = np.array([0 if fix is None else fix[0]], dtype=np.int32)
        if fix is not None:
            h.changeColsBounds(1, one, np.array([fix[1]]), np.array([fix[1]]))
        try:
            if h.run() == hs.HighsStatus.kError and (
                h.getModelStatus() == hs.HighsModelStatus.kNotset
            ):  # an earlier instance started HiGHS's per-process thread pool with more threads
                hs.Highs.resetGlobalScheduler(True)
                h.run()
            has_x = int(h.getInfo().primal_solution_status) == 2
            status = map_status(h.getModelStatus(), has_x)
            x = np.asarray(h.getSolution().col_value, dtype=float) if status.has_solution else None
        finally:
            if fix is not None:
                h.changeColsBounds(1, one, self.lb[one], self.ub[one])
        return status, x


def phase_ranges(
    plan: Plan,
    *,
    require_ic: bool | None = None,
    credibility: Mapping[str, float] | None = None,
    time_limit: float | None = None,
    tol: float = NEAR_TOL,
    engine: str = "highs",
) -> PhaseRanges:
    """Every item's phase range over the plans within ``tol`` of the optimal ``plan``.

    See the module docstring for the definition and the method.

    Parameters
    ----------
    plan : Plan
        An optimal plan (any backend or formulation).
    require_ic : bool, optional
        Whether the plan was solved with the incentive rows (default the
        scenario's ``parameters.require_ic``).
    credibility : Mapping, optional
        The credibility overrides it was solved with.
    time_limit : float, optional
        Seconds for all probes; at the limit the ranges found so far are
        returned (``complete`` is ``False``): they are inner bounds, each
        end shown by a witness plan.
    tol : float, optional
        Relative tolerance (:data:`NEAR_TOL`).
    engine : str, optional
        How probes are solved, one of :data:`PROBE_ENGINES` (default ``"highs"``).

    Returns
    -------
    PhaseRanges
        The ranges, a witness plan per range end, and what it cost.

    Raises
    ------
    ValueError
        If the plan has no schedule (see :func:`near_optimal`), or ``engine``
        is not one of :data:`PROBE_ENGINES`.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path, solve
    >>> s = load_scenario(default_scenario_path())
    >>> pr = phase_ranges(solve(s))
    >>> pr.complete, pr.ranges["M01"]
    (True, (1, 1))
    """
    if engine not in PROBE_ENGINES:
        raise ValueError(f"engine must be one of {', '.join(PROBE_ENGINES)}, not {engine!r}")
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + time_limit
    built, model = near_optimal(plan, require_ic=require_ic, credibility=credibility, tol=tol)
    s = plan.scenario
    assert plan.schedule is not None
    kk = s.phases
    items: list[tuple[str, np.ndarray]] = [
        (d.id, built.vars.z[i]) for i, d in enumerate(s.milestones)
    ] + [(m.id, built.vars.y[i]) for i, m in enumerate(s.measures)]
    fixed = implied_fixings(built.model)
    lb, ub = np.asarray(built.model.lb), np.asarray(built.model.ub)

    def allowed(cols: np.ndarray) -> tuple[int, int]:
        zero = [fixed.get(int(c), None) == 0.0 or ub[c] < 0.5 for c in cols]
        one = [fixed.get(int(c), None) == 1.0 or lb[c] > 0.5 for c in cols]
        first = next((k + 1 for k, z in enumerate(zero) if not z), kk + 1)
        last = next((k + 1 for k, o in enumerate(one) if o), kk + 1)
        return first, last

    probe: _ScipyProbe | _Probe = _ScipyProbe(model) if engine == "highs" else _Probe(model)
    lo: dict[str, int] = {}
    hi: dict[str, int] = {}
    sched: dict[tuple[str, str], Schedule] = {}
    for e, _ in items:  # the optimal plan is within the tolerance: its phases are in range
        lo[e] = hi[e] = _plan_phase(plan.schedule, e, kk)
        sched[(e, "earliest")] = sched[(e, "latest")] = plan.schedule

    def learn(x: np.ndarray) -> None:
        found: Schedule | None = None
        for e, cols in items:
            k = _phase(x, cols)
            for end, better in (("earliest", k < lo[e]), ("latest", k > hi[e])):
                if better:
                    found = found or _schedule(built, x)
                    (lo if end == "earliest" else hi)[e] = k
                    sched[(e, end)] = found

    # items whose columns are equal in every plan (a bundle, ...) share their range
    equal = implied_equalities(built.model, fixed).representative

    def twin_key(cols: np.ndarray) -> tuple[Any, ...]:
        return tuple(
            ("fixed", fixed[int(c)]) if int(c) in fixed else equal.get(int(c), int(c)) for c in cols
        )

    solves = skipped = 0
    stopped: str | None = None
    leaders: set[tuple[Any, ...]] = set()
    for e, cols in items:
        key = twin_key(cols)
        if key in leaders:  # a twin's probes answered this item's too
            skipped += 2
            continue
        leaders.add(key)
        first, last = allowed(cols)
        for end in ENDS:
            early = end == "earliest"
            known = lo[e] if early else hi[e]
            if known == (first if early else last):
                skipped += 1
                continue
            left = None if deadline is None else deadline - time.perf_counter()
            if left is not None and left <= 0:
                stopped = "time limit"
                break
            # one bound puts the item beyond its known end (done by phase known - 1, or
            # not done by phase known), the objective pushes it as far as it goes
            fix = (int(cols[known - 2]), 1.0) if early else (int(cols[known - 1]), 0.0)
            weights = np.full(len(cols), 1.0 if early else -1.0)
            status, x = probe.run(cols, weights, left, fix)
            solves += 1
            if status is Status.INFEASIBLE:  # proven: nothing within the tolerance goes further
                continue
            if x is not None:
                learn(x)
            if status is not Status.OPTIMAL:
                stopped = f"a probe of {e} ({end}) ended {status.value}"
                break
        if stopped:
            break
    ranges = {e: (_never(lo[e], kk), _never(hi[e], kk)) for e, _ in items}
    note = f"phase ranges: {solves} probes solved, {skipped} known without solving"
    if stopped:
        note = (
            f"phase ranges incomplete ({stopped} after {solves} probes): the ranges shown are "
            "the phases found so far"
        )
    return PhaseRanges(
        ranges=ranges,
        witnesses=sched,
        complete=stopped is None,
        message=note,
        seconds=time.perf_counter() - t0,
        solves=solves,
        skipped=skipped,
    )


def _never(k: int, phases: int) -> int | None:
    return None if k > phases else k


def _plan_phase(schedule: Schedule, item: str, phases: int) -> int:
    k = schedule.milestones.get(item, schedule.measures.get(item))
    return phases + 1 if k is None else int(k)


def _schedule(built: Built, x: np.ndarray) -> Schedule:
    s = built.scenario

    def first(cols: np.ndarray) -> int | None:
        k = _phase(x, cols)
        return None if k > s.phases else k

    return Schedule(
        measures={m.id: first(built.vars.y[i]) for i, m in enumerate(s.measures)},
        milestones={d.id: first(built.vars.z[i]) for i, d in enumerate(s.milestones)},
    )
