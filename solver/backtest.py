"""``relief backtest``: what the tool says about past deals, beside what happened.

A *case* is a folder of the case library (``models/cases/<case>/``, see its
``README.md``): a scenario, the plans of the deal (as agreed, as carried out;
Hanoi's two positions) and an outcome record (``outcome.toml``: the phase it
broke in, who moved first and how).  For every plan the backtest runs the one
judge every command shares (:func:`solver.check` for the margins and the
subgame-perfect path, :func:`solver.verify_plan` for the constraints) and
compares it with history by the rule the case library fixed before the tool
was first run on it (``models/cases/README.md``, "Comparison"):

* *when* agrees if the first phase with a negative margin equals history's
  ``phase`` (``"none"`` agrees with a plan compatible in every phase); the
  subgame-perfect reading (``first_backslide``) is reported beside it;
* *how* agrees if that phase's best deviation is history's ``how``;
* a side that never started (``phase = "none"``, ``how = "stall"``) agrees on
  both when the plan breaks participation in phase 1.

It also solves the case's scenario with the default objective and judges the
optimiser's plan the same way, listing what it moves.  The reading is a
reading, not a test: the command exits 0 whatever the agreement.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solver.scenario_types import ScenarioError

__all__ = [
    "HOW",
    "Case",
    "CaseResult",
    "History",
    "PlanVerdict",
    "backtest",
    "case_ids",
    "cases_dir",
    "judge_plan",
    "load_case",
    "render_backtest",
]

HOW = ("covert", "overt", "stall", "coalition")
"""How a deal can break: the target's three deviations, or a coalition member leaving."""

TARGET = "dprk"
"""Who the target's deviations are attributed to in the case records."""


def cases_dir() -> Path:
    """Return the folder of the shipped case library (``models/cases``).

    Returns
    -------
    Path
        ``<shipped models>/cases``.
    """
    from solver.shipped import MODELS_DIR

    return MODELS_DIR / "cases"


def case_ids(root: Path | None = None) -> list[str]:
    """Return the case ids of a library folder: its sub-folders with an ``outcome.toml``.

    Parameters
    ----------
    root : Path, optional
        The library folder (default: :func:`cases_dir`).

    Returns
    -------
    list of str
        Sorted folder names.
    """
    root = cases_dir() if root is None else root
    return sorted(p.name for p in root.iterdir() if (p / "outcome.toml").is_file())


@dataclass(frozen=True)
class History:
    """What happened: the phase after which the first move came, how, by whom.

    Attributes
    ----------
    phase : int or None
        The tool's phase convention (the move came at the end of ``phase``);
        ``None`` for ``"none"`` (no deal, or nothing broke).
    how : str
        One of :data:`HOW`.
    who : str
        ``"dprk"`` or a coalition actor id.
    """

    phase: int | None
    how: str
    who: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (``phase`` ``"none"`` when unset)."""
        return {
            "phase": "none" if self.phase is None else self.phase,
            "how": self.how,
            "who": self.who,
        }


@dataclass(frozen=True)
class Case:
    """One case of the library.

    Attributes
    ----------
    id, title : str
        Folder name and title.
    folder : Path
        The case folder.
    scenario : Path
        Its ``scenario.toml``.
    history : History
        The outcome record's reading of the deal.
    plans : dict of str to Path
        Plan role (``agreed``, ``executed``, ...) -> plan file.
    readings : dict of str to History
        Per plan role, the reading to compare it with (the outcome's
        ``readings`` table; roles it does not name use ``history``).
    """

    id: str
    title: str
    folder: Path
    scenario: Path
    history: History
    plans: dict[str, Path]
    readings: dict[str, History]


def _history(rec: Mapping[str, Any], where: str, phases: int) -> History:
    problems = []
    phase = rec.get("phase")
    if not (
        phase == "none"
        or (isinstance(phase, int) and not isinstance(phase, bool) and 1 <= phase <= phases)
    ):
        problems.append(f'{where}.phase is {phase!r}; it must be 1..{phases} or "none"')
    how = rec.get("how")
    if how not in HOW:
        problems.append(f"{where}.how is {how!r}; it must be one of {', '.join(HOW)}")
    who = rec.get("who")
    if not isinstance(who, str) or not who:
        problems.append(f"{where}.who is {who!r}; it must name who moved first")
    if problems:
        raise ScenarioError(problems)
    number = phase if isinstance(phase, int) else None  # checked above
    return History(number, str(how), str(who))


def load_case(folder: str | Path) -> Case:
    """Read a case folder.

    Parameters
    ----------
    folder : str or Path
        The folder holding ``scenario.toml``, ``outcome.toml`` and the plans.

    Returns
    -------
    Case
        The case, its plans resolved to files that exist.

    Raises
    ------
    ScenarioError
        Naming the file and field of every problem (missing files, a bad
        ``phase``, ``how`` or ``who``, a plan file that does not exist).
    """
    from solver.scenario import load_scenario

    folder = Path(folder)
    out = folder / "outcome.toml"
    if not out.is_file():
        raise ScenarioError([f"{out}: file not found (a case folder needs an outcome.toml)"])
    try:
        rec = tomllib.loads(out.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{out}: not valid TOML: {exc}"]) from None
    scen = folder / "scenario.toml"
    phases = load_scenario(scen).phases
    history = _history(rec, str(out), phases)
    plans_rec = rec.get("plans")
    if not isinstance(plans_rec, dict) or not plans_rec:
        raise ScenarioError([f"{out}: plans is {plans_rec!r}; it must map plan roles to files"])
    plans: dict[str, Path] = {}
    for role, name in plans_rec.items():
        path = folder / str(name)
        if not path.is_file():
            raise ScenarioError([f"{out}: plans.{role} is {name!r}; no such file in {folder}"])
        plans[str(role)] = path
    readings = {role: history for role in plans}
    for role, r in (rec.get("readings") or {}).items():
        if role not in plans:
            raise ScenarioError(
                [f"{out}: readings.{role} names no plan; the plans are {', '.join(plans)}"]
            )
        readings[role] = _history(r, f"{out}: readings.{role}", phases)
    return Case(
        id=folder.name,
        title=str(rec.get("title", folder.name)),
        folder=folder,
        scenario=scen,
        history=history,
        plans=plans,
        readings=readings,
    )


@dataclass(frozen=True)
class PlanVerdict:
    """The tool's reading of one plan, and how it compares with a history.

    Attributes
    ----------
    role : str
        Plan role (``agreed``, ``executed``, ``optimized``, ...).
    file : str or None
        The plan file (``None`` for the optimiser's plan).
    incentive_compatible : bool
        Every phase's margin is non-negative, the target's and every coalition
        member's.
    first_failing : int or None
        First phase with a negative margin (the one-shot reading), the
        target's or a member's.
    first_backslide : int or None
        First backslide on the subgame-perfect path.
    weakest : int
        Phase with the smallest margin.
    margins : list of float
        ``L_k`` per phase (USD m, discounted to the end of the phase).
    deviations : list of str
        Best deviation per phase (``stall``, ``overt``, ``covert``, ``none``).
    reverses : list of list of str
        What each phase's best deviation reverses.
    detection : list of float
        Detection per year of each phase's best deviation.
    who : str
        Who is tempted first: ``"dprk"`` (the target) or the coalition member
        that defects first.  Members move before the target at a phase's end
        (``docs/game.md``), so a member failing in the same phase as the
        target comes first.
    member : tuple or None
        ``(phase, actor, deviation, margin)`` of the first member to defect
        (``leave``, ``stop_enforcing`` or ``stop_paying``), if any.
    violations : list of str
        Constraints the plan breaks (:func:`solver.verify_plan`).
    history : History or None
        The reading compared against (``None``: not compared).
    agrees_when, agrees_when_spe, agrees_how : bool or None
        The comparison (``None`` when not compared).
    """

    role: str
    file: str | None
    incentive_compatible: bool
    first_failing: int | None
    first_backslide: int | None
    weakest: int
    margins: list[float]
    deviations: list[str]
    reverses: list[list[str]]
    detection: list[float]
    who: str
    violations: list[str]
    member: tuple[int, str, str, float] | None = None
    history: History | None = None
    agrees_when: bool | None = None
    agrees_when_spe: bool | None = None
    agrees_how: bool | None = None

    @property
    def verdict_phase(self) -> int:
        """The phase the verdict is about: the first failing one, else the weakest."""
        return self.first_failing if self.first_failing is not None else self.weakest

    @property
    def margin(self) -> float:
        """The margin at :attr:`verdict_phase`: the member's when a member moves first."""
        if self.member is not None and self.member[0] == self.verdict_phase:
            return self.member[3]
        return self.margins[self.verdict_phase - 1]

    @property
    def how(self) -> str:
        """The best deviation at :attr:`verdict_phase` (``"coalition"``: a member moves first)."""
        if self.member is not None and self.member[0] == self.verdict_phase:
            return "coalition"
        return self.deviations[self.verdict_phase - 1]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (margins rounded to 9 significant digits)."""
        k = self.verdict_phase
        return {
            "plan": self.role,
            "file": self.file,
            "incentive_compatible": self.incentive_compatible,
            "first_failing": self.first_failing,
            "first_backslide": self.first_backslide,
            "weakest": self.weakest,
            "phase": k,
            "how": self.how,
            "who": self.who,
            "margin": float(f"{self.margin:.9g}"),
            "reverses": self.reverses[k - 1],
            "detection": float(f"{self.detection[k - 1]:.9g}"),
            "margins": [float(f"{m:.9g}") for m in self.margins],
            "deviations": self.deviations,
            "violations": self.violations,
            "coalition": None
            if self.member is None
            else dict(zip(("phase", "actor", "deviation", "margin"), self.member, strict=True)),
            "history": None if self.history is None else self.history.to_dict(),
            "agrees_when": self.agrees_when,
            "agrees_when_spe": self.agrees_when_spe,
            "agrees_how": self.agrees_how,
        }


def _refused_at_start(violations: Sequence[str]) -> bool:
    return any(v.startswith("participation: phase 1 ") for v in violations)


def judge_plan(
    scenario: Any,
    schedule: Any,
    role: str,
    *,
    file: str | None = None,
    history: History | None = None,
) -> PlanVerdict:
    """Judge one plan of a scenario and compare it with a reading of history.

    Parameters
    ----------
    scenario : Scenario
        The case's scenario.
    schedule : Schedule
        The plan.
    role : str
        Its role in the case.
    file : str, optional
        Where the plan came from.
    history : History, optional
        What happened; omit to judge without comparing.

    Returns
    -------
    PlanVerdict
        The verdict (and the comparison when ``history`` is given).
    """
    from solver.game.check import check
    from solver.verify import verify_plan

    report = check(scenario, schedule, thresholds=False)
    phases = report.phases
    margins = [p.ic_margin for p in phases]
    first = next((p.phase for p in phases if not p.incentive_compatible), None)
    member = None
    if report.first_leaver is not None:
        phase, actor, dev = report.first_leaver
        v = next(x for x in report.coalition if x.actor == actor)
        member = (phase, actor, dev, float(v.margin[phase - 1]))
        if first is None or phase <= first:  # members move first at a phase's end
            first = phase
    weakest = min(range(len(margins)), key=lambda i: (margins[i], i)) + 1
    violations = list(verify_plan(scenario, schedule, require_ic=False).violations)
    verdict = PlanVerdict(
        role=role,
        file=file,
        incentive_compatible=report.incentive_compatible,
        first_failing=first,
        first_backslide=report.first_backslide,
        weakest=weakest,
        margins=margins,
        deviations=[p.deviation for p in phases],
        reverses=[list(p.reverses) for p in phases],
        detection=[p.detection for p in phases],
        who=member[1] if member is not None and member[0] == first else TARGET,
        violations=violations,
        member=member,
    )
    if history is None:
        return verdict
    if history.phase is None and history.how == "stall":
        # a side that never started: agreement means the plan is refused at the outset
        refused = _refused_at_start(violations)
        when = spe = how = refused
    else:
        when = first == history.phase
        spe = report.first_backslide == history.phase
        how = verdict.how == history.how and verdict.who == history.who
    return PlanVerdict(
        **{
            **verdict.__dict__,
            "history": history,
            "agrees_when": when,
            "agrees_when_spe": spe,
            "agrees_how": how,
        }
    )


@dataclass(frozen=True)
class CaseResult:
    """The backtest of one case.

    Attributes
    ----------
    case : Case
        The case.
    plans : dict of str to PlanVerdict
        Every plan's verdict, compared with its reading.
    judged : str
        The plan role the case-level agreement is about: ``agreed`` when the
        deal has one, else ``executed``.
    optimized : dict
        The optimiser's plan for the scenario: ``status``, ``levels``,
        ``measures``, ``milestones``, ``verdict`` (a :class:`PlanVerdict`
        record, or ``None`` without a plan), ``changes`` (id -> the judged
        plan's phase and the optimiser's, for what differs) and
        ``explanation`` (an infeasible scenario's conflicting rows).
    """

    case: Case
    plans: dict[str, PlanVerdict]
    judged: str
    optimized: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The case's record in ``relief backtest --json``."""
        main = self.plans[self.judged]
        agreed = self.plans.get("agreed")
        executed = self.plans.get("executed")
        return {
            "case": self.case.id,
            "title": self.case.title,
            "scenario": str(self.case.scenario),
            "judged": self.judged,
            "agreed": None if agreed is None else agreed.to_dict(),
            "executed": None if executed is None else executed.to_dict(),
            "plans": {role: v.to_dict() for role, v in self.plans.items()},
            "history": (main.history or self.case.history).to_dict(),
            "outcome": self.case.history.to_dict(),
            "agrees_when": main.agrees_when,
            "agrees_when_spe": main.agrees_when_spe,
            "agrees_how": main.agrees_how,
            "optimized": self.optimized,
        }


def _phase_of(x: int | None) -> int | str:
    return "never" if x is None else x


def _optimize(scenario: Any, judged: Any) -> dict[str, Any]:
    from solver.solve import solve

    plan = solve(scenario)
    out: dict[str, Any] = {
        "status": plan.status.value,
        "objective": plan.objective,
        "levels": [float(f"{x:.9g}") for x in plan.levels],
        "explanation": list(plan.explanation),
        "measures": None,
        "milestones": None,
        "verdict": None,
        "changes": {},
    }
    if plan.schedule is None:
        return out
    sch = plan.schedule
    out["measures"] = dict(sch.measures)
    out["milestones"] = dict(sch.milestones)
    out["verdict"] = judge_plan(scenario, sch, "optimized").to_dict()
    changes = {}
    for kind in ("milestones", "measures"):
        mine, theirs = getattr(sch, kind), getattr(judged, kind)
        for item, k in mine.items():
            if theirs.get(item) != k:
                changes[item] = [_phase_of(theirs.get(item)), _phase_of(k)]
    out["changes"] = changes
    return out


def backtest(
    cases: Sequence[str] | None = None, *, root: Path | None = None, optimize: bool = True
) -> list[CaseResult]:
    """Run the backtest on cases of the library.

    Parameters
    ----------
    cases : sequence of str, optional
        Case ids or case folders (default: every case of the library).
    root : Path, optional
        The library folder (default: :func:`cases_dir`).
    optimize : bool, optional
        Also solve each scenario and judge the optimiser's plan.

    Returns
    -------
    list of CaseResult
        One per case, in the order asked.

    Raises
    ------
    ScenarioError
        For an unknown case (with the known ones) or a malformed case folder.

    Examples
    --------
    >>> [r.judged for r in backtest(["six_party_2007"], optimize=False)]
    ['agreed']
    """
    from solver.plan import load_schedule
    from solver.scenario import load_scenario

    root = cases_dir() if root is None else root
    known = case_ids(root)
    names = list(cases) if cases else known
    results = []
    for name in names:
        folder = Path(name) if Path(name).is_dir() else root / name
        if not (folder / "outcome.toml").is_file():
            raise ScenarioError(
                [f"case {name!r}: no such case; the library ({root}) has {', '.join(known)}"]
            )
        case = load_case(folder)
        scenario = load_scenario(case.scenario)
        verdicts = {}
        schedules = {}
        for role, path in case.plans.items():
            schedules[role] = load_schedule(path, scenario)
            verdicts[role] = judge_plan(
                scenario, schedules[role], role, file=str(path), history=case.readings[role]
            )
        judged = "agreed" if "agreed" in verdicts else "executed"
        if judged not in verdicts:
            judged = next(iter(verdicts))
        opt = _optimize(scenario, schedules[judged]) if optimize else {}
        results.append(CaseResult(case=case, plans=verdicts, judged=judged, optimized=opt))
    return results


def _yes(x: bool | None) -> str:
    return "-" if x is None else ("yes" if x else "NO")


def _tool(v: PlanVerdict) -> str:
    k = v.verdict_phase
    head = f"holds (weakest {k}" if v.incentive_compatible else f"{k}, {v.how}"
    what = ", ".join(v.reverses[k - 1])
    detail = f" ({what}, p {v.detection[k - 1]:.2g})" if what and v.how == "covert" else ""
    tail = ")" if v.incentive_compatible else ""
    if v.how == "coalition" and v.member is not None:
        detail = f" ({v.member[1]} would {v.member[2].replace('_', ' ')})"
    return f"{head}{detail}{tail}, {v.margin:,.1f}"


def render_backtest(results: Sequence[CaseResult]) -> str:
    """The text table of ``relief backtest``.

    Parameters
    ----------
    results : sequence of CaseResult
        From :func:`backtest`.

    Returns
    -------
    str
        One row per plan (the tool's verdict, history, agreement), then one row
        per case for the optimiser's plan, then a count of agreements.
    """
    rows = [
        ("case", "plan", "tool: phase, how (what, p/yr), margin", "SPE", "history", "when", "how")
    ]
    for r in results:
        for role, v in r.plans.items():
            h = v.history
            hist = "-" if h is None else f"{'none' if h.phase is None else h.phase}, {h.how}"
            spe = "none" if v.first_backslide is None else str(v.first_backslide)
            mark = "*" if role == r.judged else ""
            when = f"{_yes(v.agrees_when)}/{_yes(v.agrees_when_spe)}"
            rows.append((r.case.id, role + mark, _tool(v), spe, hist, when, _yes(v.agrees_how)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(
        "when: the first phase with a negative margin / the subgame-perfect path's first "
        "backslide, against history's phase; how: that phase's best deviation against "
        "history's; * the plan each case's agreement is counted on (models/cases/README.md)."
    )
    judged = [r.plans[r.judged] for r in results]
    n = len(judged)
    lines.append(
        f"Agreement on the counted plans: when {sum(bool(v.agrees_when) for v in judged)} of {n} "
        f"(subgame-perfect reading {sum(bool(v.agrees_when_spe) for v in judged)} of {n}), "
        f"how {sum(bool(v.agrees_how) for v in judged)} of {n}."
    )
    opts = [r for r in results if r.optimized]
    if opts:
        lines.append("")
        lines.append("The optimiser's own plan for each scenario (default objective):")
        for r in opts:
            o = r.optimized
            if o["verdict"] is None:
                why = "; ".join(o["explanation"][:2]) or "no plan"
                lines.append(f"  {r.case.id}: {o['status']}: {why}")
                continue
            v = o["verdict"]
            state = (
                "compatible in every phase"
                if v["incentive_compatible"]
                else (f"fails at {v['first_failing']} ({v['how']}, {v['margin']:,.1f})")
            )
            levels = " <= ".join(f"{x:,.1f}" for x in o["levels"])
            lines.append(f"  {r.case.id}: {o['status']}, levels {levels}; {state}")
            if o["changes"]:
                moved = ", ".join(f"{i} {a}->{b}" for i, (a, b) in sorted(o["changes"].items()))
                lines.append(f"    changes against the {r.judged} plan: {moved}")
            else:
                lines.append(f"    the same plan as the {r.judged} one")
    return "\n".join(lines)


def add_parser(subparsers: Any) -> Any:
    """Register ``relief backtest`` on an ``argparse`` subparsers object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``relief`` command's subparsers.

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser.
    """
    p = subparsers.add_parser(
        "backtest",
        help="what the tool says about past deals, beside what happened",
        description="Judge each case of the library (models/cases/): the plans as agreed and "
        "as carried out, against the outcome record, and the optimiser's own plan. Exit 0 "
        "whatever the agreement (it is a reading, not a test); 2 on bad input.",
    )
    p.add_argument("cases", nargs="*", metavar="CASE", help="case ids or folders (default: all)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--no-optimize", action="store_true", help="skip solving each case's scenario")
    p.set_defaults(func=run)
    return p


def run(args: Any) -> int:
    """Run ``relief backtest`` from parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace
        ``cases``, ``json``, ``no_optimize``.

    Returns
    -------
    int
        0 (a reading, whatever it says).
    """
    from solver.io import dumps_json

    results = backtest(args.cases or None, optimize=not args.no_optimize)
    if args.json:
        print(dumps_json({"cases": [r.to_dict() for r in results]}, indent=2))
    else:
        print(render_backtest(results))
    return 0
