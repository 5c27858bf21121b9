"""``check(scenario, plan)``: the subgame-perfect incentive check of a plan.

Builds every phase's extensive-form game (:mod:`solver.game.stage`) with
credibilities derived from the actors' payoffs
(:mod:`solver.game.credibility`), solves it by backward induction, chains the
phases, and adds thresholds, the inspection-game violation rate and fixes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from solver.coalition import (
    ActorValues,
    coalition_values,
    completion_fix,
    enforced_scenario,
    instrument_fixes,
    timing_fixes,
    unravel,
)
from solver.credibility import Credibility, credibility_table
from solver.game.fixes import suggest_fixes
from solver.game.inspection import InspectionGame, violation_probability
from solver.game.phase_thresholds import phase_thresholds
from solver.game.render import render_report
from solver.game.stage import PhaseGame, chain_phases, phase_games
from solver.payoffs import coefficients
from solver.plan import Plan, Schedule
from solver.scenario import Scenario
from solver.tolerances import ic_margin, incentive_compatible


@dataclass(frozen=True)
class PhaseCheck:
    """The verdict for one phase; see :meth:`ICReport.to_dict` for the fields."""

    phase: int
    ic_margin: float
    incentive_compatible: bool
    snapback_credible: bool
    comply_value: float
    deviate_value: float
    deviation: str
    reverses: tuple[str, ...]
    detection: float
    critical_detection: float | None
    critical_credibility: float | None
    critical_discount: float | None
    spe_action: str
    violation_probability: float
    inspection_probability: float
    non_credible: tuple[str, ...]
    fixes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (floats rounded to 9 significant digits)."""
        out: dict[str, Any] = {}
        for k, v in self.__dict__.items():
            if isinstance(v, float):
                out[k] = float(f"{v:.9g}")
            elif isinstance(v, tuple):
                out[k] = list(v)
            else:
                out[k] = v
        return out


@dataclass(frozen=True)
class ICReport:
    """Result of :func:`check`.

    Attributes
    ----------
    scenario : str
        Scenario name.
    incentive_compatible : bool
        Every phase's verdict holds.
    phases : list of PhaseCheck
        One record per phase.
    effective_credibility : dict
        Instrument id -> the ``q`` the game used (nominal if the snapback is
        subgame perfect or overridden, else 0; a list when it varies by phase).
    credibility : dict of str to Credibility
        The derivation behind each effective credibility.
    first_backslide : int or None
        First phase at which the target backslides on the subgame-perfect
        path (``None``: it complies throughout).
    games : list of PhaseGame
        The stage games, for the normal-form view.
    coalition : list of ActorValues
        Each coalition member's stay, leave and enforcement values
        (:mod:`solver.coalition`); ``incentive_compatible`` needs every one
        to stay in every phase.
    target_compatible : bool
        The target's verdict alone (every phase's margin non-negative).
    annuity : tuple of float
        ``G_k`` per phase (for side payments in USD m a year).
    coalition_fixes : tuple of dict
        For the first member to defect: moves of one measure it funds or
        enforces that keep it in (:func:`solver.coalition.timing_fixes`).
    payment_fixes : tuple of dict
        For every member tempted to stop paying: the plan judged with the
        flows it funds paid on completion (:func:`solver.coalition.completion_fix`).
    instrument_fixes : tuple of dict
        For the first member to defect: another granting or snapback
        instrument, or another funder, for one measure, that keeps it in
        (:func:`solver.coalition.instrument_fixes`).
    unravelling : tuple of dict
        Chained play from the first member's withdrawal on: who withdraws
        next on the deal it leaves, and whether the target then defects
        (:func:`solver.coalition.unravel`; empty when every member stays, or
        when the check ran without fixes).
    """

    scenario: str
    incentive_compatible: bool
    phases: list[PhaseCheck]
    effective_credibility: dict[str, float | tuple[float, ...]]
    credibility: dict[str, Credibility] = field(repr=False)
    first_backslide: int | None
    games: list[PhaseGame] = field(repr=False)
    coalition: list[ActorValues] = field(default_factory=list, repr=False)
    target_compatible: bool = True
    annuity: tuple[float, ...] = ()
    coalition_fixes: tuple[dict[str, Any], ...] = ()
    payment_fixes: tuple[dict[str, Any], ...] = ()
    instrument_fixes: tuple[dict[str, Any], ...] = ()
    unravelling: tuple[dict[str, Any], ...] = ()

    @property
    def first_leaver(self) -> tuple[int, str, str] | None:
        """``(phase, actor, deviation)`` of the first member tempted to defect, if any.

        Within a phase, the member with the most negative margin comes first.
        """
        worst = [
            (k + 1, float(v.margin[k]), v.actor, v.deviation[k])
            for v in self.coalition
            for k in range(len(v.margin))
            if not v.stays[k]
        ]
        if not worst:
            return None
        phase, _, actor, how = min(worst)
        return phase, actor, how

    @property
    def lapsed(self) -> list[str]:
        """Members that would stop enforcing in some phase (their pressure is lost)."""
        return [v.actor for v in self.coalition if not v.enforces]

    def to_dict(self) -> dict[str, Any]:
        """The ``relief check --json`` document.

        Returns
        -------
        dict
            ``{"incentive_compatible": bool, "scenario": str,
            "first_backslide": int|None, "effective_credibility": {...},
            "credibility": {...}, "phases": [{"phase", "ic_margin",
            "incentive_compatible", "snapback_credible",
            "critical_detection", "critical_discount", ...}]}``.
        """
        return {
            "incentive_compatible": self.incentive_compatible,
            "scenario": self.scenario,
            "first_backslide": self.first_backslide,
            "effective_credibility": {
                i: list(q) if isinstance(q, tuple) else q
                for i, q in self.effective_credibility.items()
            },
            "credibility": {i: c.reason() for i, c in self.credibility.items()},
            "phases": [p.to_dict() for p in self.phases],
            "target_compatible": self.target_compatible,
            "coalition": [
                r for v in self.coalition for r in v.records(np.asarray(self.annuity, dtype=float))
            ],
            "first_leaver": None
            if self.first_leaver is None
            else dict(zip(("phase", "actor", "deviation"), self.first_leaver, strict=True)),
            "lapsed_enforcement": self.lapsed,
            "coalition_fixes": list(self.coalition_fixes),
            "enforcement_thresholds": {
                v.actor: float(f"{v.enforcement_threshold:.9g}")
                for v in self.coalition
                if v.enforcement_threshold is not None
            },
            "renege_thresholds": {
                v.actor: float(f"{v.renege_threshold:.9g}")
                for v in self.coalition
                if v.renege_threshold is not None
            },
            "payment_fixes": list(self.payment_fixes),
            "instrument_fixes": list(self.instrument_fixes),
            "unravelling": list(self.unravelling),
        }

    def render(self) -> str:
        """The human-readable table printed by ``relief check``."""
        return render_report(self)

    def _repr_html_(self) -> str:
        """HTML for Jupyter: verdict, target phases, members (:mod:`solver.notebook`)."""
        from solver.notebook import check_html

        return check_html(self)

    def to_frame(self, side: str = "target") -> Any:
        """The check as a pandas DataFrame, one row per phase (or per member and phase).

        Parameters
        ----------
        side : {"target", "coalition"}, optional
            The target's phases (default) or each member's phases; the
            columns and units are :func:`solver.notebook.check_frame`'s.

        Returns
        -------
        pandas.DataFrame
            The rows (needs the ``notebook`` extra).
        """
        from solver.notebook import check_frame

        return check_frame(self, side)


def _schedule(plan: Plan | Schedule) -> Schedule:
    if isinstance(plan, Schedule):
        return plan
    if plan.schedule is None:
        raise ValueError(f"the plan has no schedule (status {plan.status.value}); nothing to check")
    return plan.schedule


def _opt(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


def _inspection(g: PhaseGame, cost: float) -> tuple[float, float]:
    """Violation and inspection probabilities of the phase's one-period inspection game.

    The violation is the best option; undetected it is worth its ``base``, caught
    the value after every credible snapback, scaled up from the chance it is
    caught within the next phase (a one-period view of the dynamic game).
    """
    best = g.best_option()
    p = best.detection_next
    choice = g.coalition_choice()
    lost = sum(w for i, w in best.loss.items() if choice.get(i, False))
    caught = best.base - (lost / p if p > 0 else 0.0)
    game = InspectionGame(
        gain=best.base - g.comply_value,
        penalty=g.comply_value - caught,
        detection=p,
        inspection_cost=cost,
        damage=best.restored_value,
    )
    return violation_probability(game)


def check(
    scenario: Scenario,
    plan: Plan | Schedule,
    *,
    inspection_cost: float | None = None,
    thresholds: bool = True,
    fixes: bool = True,
) -> ICReport:
    """Check a plan for subgame-perfect incentive compatibility, phase by phase.

    Parameters
    ----------
    scenario : Scenario
        The scenario (actors, instruments, payoff data).
    plan : Plan or Schedule
        An optimized plan or a hand-written schedule.
    inspection_cost : float, optional
        Coalition's cost of a verification round in the inspection-game
        variant (coalition value units); default the scenario's
        ``parameters.inspection_cost`` (0.5 unless set).
    thresholds : bool, optional
        Compute each phase's critical detection, credibility and discount
        (``None`` when ``False``: sensitivity sweeps need only the verdicts
        and margins, and the discount bisection is half the check's time).
    fixes : bool, optional
        Also work out what would fix each failing phase and each member
        tempted to defect (timing moves, paying on completion; the larger
        part of the check's time when someone defects). ``False`` gives the
        same verdicts and margins with empty fix lists (sweeps, the loop).

    Returns
    -------
    ICReport
        Verdict, margins, thresholds and fixes per phase.

    Raises
    ------
    ValueError
        If ``plan`` carries no schedule.

    Examples
    --------
    >>> from solver.game.examples import toy_scenario
    >>> s, sched = toy_scenario(credible=False)
    >>> r = check(s, sched)
    >>> r.incentive_compatible, r.effective_credibility
    (False, {'unsc': 0.0})
    """
    sched = _schedule(plan)
    if inspection_cost is None:
        inspection_cost = scenario.parameters.inspection_cost
    y, z = sched.matrices(scenario)
    original = scenario
    cred = credibility_table(scenario)
    co = coefficients(scenario, nominal=True, table=cred)  # members need no credibility
    members = coalition_values(scenario, co, y, z, target=coefficients(scenario, table=cred))
    # a member that would not enforce takes its share of the measures' pressure
    # with it: the target's game sees the scenario without that share
    scenario = enforced_scenario(scenario, members)
    if scenario is not original:
        cred = credibility_table(scenario)
        co = coefficients(scenario, nominal=True, table=cred)
    games = phase_games(co, y, z, [m.snapback for m in scenario.measures], cred)
    eff = {i: c.effective for i, c in cred.items()}
    if thresholds:
        th = phase_thresholds(coefficients(scenario), y, z)
    else:
        none = np.full(co.phases, np.nan)
        th = {"critical_detection": none, "critical_credibility": none, "critical_discount": none}
    _, actions = chain_phases(games, co, y, z)
    phases = [
        _phase_record(g, th, actions[g.phase - 1], cred, inspection_cost, scenario, sched, fixes)
        for g in games
    ]
    first = next((p.phase for p in phases if p.spe_action == "backslide"), None)
    target_ok = all(p.incentive_compatible for p in phases)
    report = ICReport(
        scenario=scenario.name,
        incentive_compatible=target_ok and all(all(v.stays) for v in members),
        phases=phases,
        effective_credibility=eff,
        credibility=cred,
        first_backslide=first,
        games=games,
        coalition=members,
        target_compatible=target_ok,
        annuity=tuple(float(g) for g in co.timeline.annuity),
    )
    leaver = report.first_leaver
    if leaver is None or not fixes:
        return report
    pay = tuple(
        fix
        for v in members
        if not all(v.pays)
        for fix in [completion_fix(original, sched, v.actor)]
        if fix is not None
    )
    return replace(
        report,
        coalition_fixes=tuple(timing_fixes(original, sched, leaver[1])),
        payment_fixes=pay,
        instrument_fixes=tuple(instrument_fixes(original, sched, leaver[1])),
        unravelling=tuple(
            unravel(
                original,
                coefficients(original, nominal=True),
                y,
                z,
                coefficients(original),
            )
        ),
    )


def _phase_record(
    g: PhaseGame,
    th: dict[str, np.ndarray],
    action: str,
    cred: dict[str, Credibility],
    inspection_cost: float,
    scenario: Scenario,
    sched: Schedule,
    fixes: bool = True,
) -> PhaseCheck:
    k = g.phase - 1
    vd = g.deviate_value()
    best = g.best_option()
    ok = incentive_compatible(g.comply_value, vd)
    margin = ic_margin(g.comply_value, vd)
    non_cred = tuple(i for i, s in g.coalition_choice().items() if not s)
    ids = [d.id for d in scenario.milestones]
    viol, insp = _inspection(g, inspection_cost)
    rec = PhaseCheck(
        phase=g.phase,
        ic_margin=margin,
        incentive_compatible=ok,
        snapback_credible=not non_cred,
        comply_value=g.comply_value,
        deviate_value=vd,
        deviation=best.kind,
        reverses=tuple(i for i, r in zip(ids, best.reverses, strict=True) if r),
        detection=best.detection,
        critical_detection=_opt(th["critical_detection"][k]),
        critical_credibility=_opt(th["critical_credibility"][k]),
        critical_discount=_opt(th["critical_discount"][k]),
        spe_action=action,
        violation_probability=viol,
        inspection_probability=insp,
        non_credible=non_cred,
        fixes=(),
    )
    if ok or not fixes:
        return rec
    found = suggest_fixes(rec, g, cred, scenario, sched)
    return PhaseCheck(**{**rec.__dict__, "fixes": tuple(found)})
