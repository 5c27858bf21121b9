"""Notebook display: HTML tables and pandas frames of plans, checks and sweeps.

The results an analyst reads in Jupyter each have two thin methods that call
the functions here:

``_repr_html_()``
    A compact HTML table that Jupyter shows when the object is the last
    expression of a cell (every text escaped, no JavaScript, no styles
    beyond right-aligned numbers).
``to_frame()``
    A :class:`pandas.DataFrame` with one row per phase, item or world, in
    the objects' own numbers (not rounded).  pandas is an optional extra:
    ``pip install 'phased-relief[notebook]'``.

Objects: :class:`solver.plan.Plan`, :class:`solver.game.check.ICReport`,
:class:`solver.robust.batch.PlanInWorlds` and
:class:`solver.sensitivity.runner.SweepResult`.  The columns and their units
are listed in ``docs/notebooks.md`` and in each function below.  Money is in
USD m (discounted to the end of the phase unless said otherwise); shares are
in [0, 1].
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solver.game.check import ICReport
    from solver.plan import Plan
    from solver.robust.batch import PlanInWorlds
    from solver.sensitivity.runner import SweepResult

__all__ = [
    "INSTALL_HINT",
    "check_frame",
    "check_html",
    "html_table",
    "plan_frame",
    "plan_html",
    "require_pandas",
    "sweep_frame",
    "sweep_html",
    "worlds_frame",
    "worlds_html",
]

INSTALL_HINT = "pip install 'phased-relief[notebook]'"
"""The command that installs the optional notebook extra (pandas and Jupyter's runners)."""


def require_pandas() -> Any:
    """Import pandas, or say how to install it.

    Returns
    -------
    module
        The :mod:`pandas` module.

    Raises
    ------
    ImportError
        When pandas is not installed; the message names the ``notebook``
        extra (:data:`INSTALL_HINT`).
    """
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(
            f"to_frame() needs pandas, which phased-relief installs as an optional extra: "
            f"{INSTALL_HINT}"
        ) from exc
    return pandas


# ---------------------------------------------------------------- HTML pieces


def _esc(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _usd(x: float | None, digits: int = 1) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:,.{digits}f}"


def _pct(x: float | None) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{100.0 * x:.1f} %"


def _g(x: float | None) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{x:.3g}"


def _cell(x: Any) -> str:
    if x is None:
        return "-"
    return _g(float(x)) if isinstance(x, float) else str(x)


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(ids) or "-"


def html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    caption: str | None = None,
    numeric: Iterable[int] = (),
) -> str:
    """Return an HTML table with every header, cell and the caption escaped.

    Parameters
    ----------
    headers : sequence of str
        Column headings.
    rows : iterable of sequences
        One sequence of cells per row (each written with ``str``).
    caption : str, optional
        Text above the table.
    numeric : iterable of int, optional
        Column indices to right-align (numbers).

    Returns
    -------
    str
        ``<table>`` with a ``<thead>`` and a ``<tbody>``.

    Examples
    --------
    >>> html_table(["id"], [["<R1>"]])
    '<table><thead><tr><th>id</th></tr></thead><tbody><tr><td>&lt;R1&gt;</td></tr></tbody></table>'
    """
    right = set(numeric)

    def cell(tag: str, j: int, x: Any) -> str:
        style = ' style="text-align:right"' if j in right else ""
        return f"<{tag}{style}>{_esc(x)}</{tag}>"

    head = "".join(cell("th", j, h) for j, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", j, x) for j, x in enumerate(r)) + "</tr>" for r in rows
    )
    cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _para(text: str) -> str:
    return f"<p>{_esc(text)}</p>"


def _block(title: str, *parts: str) -> str:
    return f'<div class="phased-relief"><strong>{_esc(title)}</strong>{"".join(parts)}</div>'


# ---------------------------------------------------------------- plans


def _deviation_words(dev: dict[str, Any]) -> str:
    rev = ", ".join(dev["reverses"])
    if dev["kind"] == "stall":
        return "stall"
    if dev["kind"] in ("overt", "covert"):
        how = "secretly" if dev["kind"] == "covert" else "openly"
        return f"{how} reverse {rev} (detected {dev['detection']:.2f}/yr)"
    return str(dev["kind"])


def plan_html(plan: Plan) -> str:
    """HTML for a plan: its status and objective, then one table row per phase.

    Parameters
    ----------
    plan : Plan
        A solve or evaluation result.

    Returns
    -------
    str
        A ``<div>`` with the status line, the phase table (phase, name,
        target steps, relief granted, leverage in USD m, best deviation),
        what is never granted or done, and the violations.
    """
    s = plan.scenario
    head = [_para(f"Status: {plan.status.value} - {plan.message}")]
    if plan.objective is not None:
        head.append(
            _para(
                f"Objective ({plan.objective_name}): {_usd(plan.objective, 3)}"
                f" [backend {plan.backend}, formulation {plan.formulation}]"
            )
        )
    parts = [*head, *(_para(f"- {e}") for e in plan.explanation)]
    if plan.schedule is not None:
        rows = [
            (
                r["phase"],
                r["name"],
                _ids(r["milestones"]),
                _ids(r["measures"]),
                _usd(r["leverage"]),
                _deviation_words(r["best_deviation"]),
            )
            for r in plan.phases()
        ]
        parts.append(
            html_table(
                [
                    "phase",
                    "name",
                    "target steps",
                    "relief granted",
                    "leverage, USD m",
                    "best deviation",
                ],
                rows,
                numeric=(0, 4),
            )
        )
        doc = plan.to_dict()
        if doc["never"]:
            parts.append(_para("Never granted: " + ", ".join(doc["never"])))
        if doc["never_milestones"]:
            parts.append(_para("Never done: " + ", ".join(doc["never_milestones"])))
    if plan.violations:
        parts.append(_para("Violations: " + "; ".join(plan.violations)))
    return _block(f"Plan for {s.name}", *parts)


def plan_frame(plan: Plan, by: str = "phase") -> Any:
    """A plan as a DataFrame: one row per phase, or one per item.

    Parameters
    ----------
    plan : Plan
        A solve or evaluation result (no rows without a schedule).
    by : {"phase", "item"}, optional
        ``phase`` (default): columns ``phase`` (1..K), ``name``,
        ``milestones`` and ``measures`` (lists of ids done or granted in the
        phase), ``leverage`` (``L_k``, USD m), ``relief`` (relief in force,
        USD m a year), ``step_cost`` (the target's steps' cost, USD m a
        year), ``deviation`` (``stall``, ``overt``, ``covert`` or ``none``),
        ``reverses`` (milestone ids it reverses) and ``detection`` (its
        detection, per year).  ``item``: columns ``item``, ``kind``
        (``milestone`` or ``measure``), ``name``, ``phase``, ``earliest``
        and ``latest`` (nullable integers; missing means never, or no phase
        ranges computed) and ``forced`` (earliest equals latest; missing
        without ranges), milestones first, in scenario order.

    Returns
    -------
    pandas.DataFrame
        The rows.

    Raises
    ------
    ValueError
        For another ``by``.
    ImportError
        Without pandas (:func:`require_pandas`).
    """
    pd = require_pandas()
    s = plan.scenario
    if by == "phase":
        columns = [
            "phase",
            "name",
            "milestones",
            "measures",
            "leverage",
            "relief",
            "step_cost",
            "deviation",
            "reverses",
            "detection",
        ]
        if plan.schedule is None:
            return pd.DataFrame(columns=columns)
        pv = plan.schedule.values(s)
        rows = [
            {
                "phase": r["phase"],
                "name": r["name"],
                "milestones": r["milestones"],
                "measures": r["measures"],
                "leverage": float(pv.leverage[r["phase"] - 1]),
                "relief": float(pv.relief[r["phase"] - 1]),
                "step_cost": float(pv.cost[r["phase"] - 1]),
                "deviation": r["best_deviation"]["kind"],
                "reverses": r["best_deviation"]["reverses"],
                "detection": r["best_deviation"]["detection"],
            }
            for r in plan.phases()
        ]
        return pd.DataFrame(rows, columns=columns)
    if by != "item":
        raise ValueError(f"by is {by!r}; choose 'phase' or 'item'")
    columns = ["item", "kind", "name", "phase", "earliest", "latest", "forced"]
    sch, ranges = plan.schedule, plan.phase_range or {}
    items: list[tuple[str, str, str, int | None]] = []
    if sch is not None:
        items += [(d.id, "milestone", d.name, sch.milestones.get(d.id)) for d in s.milestones]
        items += [(m.id, "measure", m.name, sch.measures.get(m.id)) for m in s.measures]
    rows2 = []
    for item, kind, name, k in items:
        lo, hi = ranges.get(item, (None, None))
        rows2.append(
            {
                "item": item,
                "kind": kind,
                "name": name,
                "phase": k,
                "earliest": lo,
                "latest": hi,
                "forced": (lo == hi) if item in ranges else None,
            }
        )
    out = pd.DataFrame(rows2, columns=columns)
    for c in ("phase", "earliest", "latest"):
        out[c] = out[c].astype("Int64")
    out["forced"] = out["forced"].astype("boolean")
    return out


# ---------------------------------------------------------------- checks


def check_html(report: ICReport) -> str:
    """HTML for an incentive check: the verdict, the target's phases, the members' margins.

    Parameters
    ----------
    report : ICReport
        From :func:`solver.check`.

    Returns
    -------
    str
        A ``<div>`` with the verdict for both sides, a table with one row
        per phase (margin in USD m, verdict, best deviation, whether its
        snapbacks are credible, its detection per year, the equilibrium
        action) and, when the scenario has coalition members, one row per
        member with its margin per phase (USD m) and whether it stays.
    """
    from solver.coalition import DEVIATION_NAMES

    if report.incentive_compatible:
        verdict = "incentive compatible for both sides"
    elif report.target_compatible:
        verdict = "NOT incentive compatible: the target complies; a coalition member defects"
    else:
        verdict = "NOT incentive compatible: the target deviates"
    parts = [_para(f"Plan is {verdict}.")]
    first = report.first_leaver
    if first is not None:
        phase, actor, how = first
        parts.append(
            _para(f"First to defect: {actor} ({DEVIATION_NAMES[how]}) after phase {phase}.")
        )
    if report.first_backslide is not None:
        parts.append(
            _para(
                f"On the equilibrium path the target backslides after phase "
                f"{report.first_backslide}."
            )
        )
    rows = [
        (
            p.phase,
            _usd(p.ic_margin),
            "IC" if p.incentive_compatible else "FAILS",
            p.deviation,
            _ids(p.reverses),
            "yes" if p.snapback_credible else "no",
            _g(p.detection),
            p.spe_action,
        )
        for p in report.phases
    ]
    parts.append(
        html_table(
            [
                "phase",
                "margin, USD m",
                "verdict",
                "deviation",
                "reverses",
                "credible",
                "p/yr",
                "equilibrium",
            ],
            rows,
            caption="Target: margin = what it loses by its best deviation",
            numeric=(0, 1, 6),
        )
    )
    if report.coalition:
        kk = len(report.phases)
        mrows = []
        for v in report.coalition:
            bad = [k for k in range(kk) if not v.stays[k]]
            note = (
                "stays"
                if not bad
                else f"{DEVIATION_NAMES[v.deviation[bad[0]]]} after phase {bad[0] + 1}"
            )
            mrows.append([v.actor, *(_usd(float(m)) for m in v.margin), note])
        parts.append(
            html_table(
                ["actor", *(f"phase {k + 1}" for k in range(kk)), "verdict"],
                mrows,
                caption="Coalition members: margin = staying - best defection, USD m",
                numeric=range(1, kk + 1),
            )
        )
    return _block(f"Incentive check: {report.scenario}", *parts)


def _finite_or_nan(x: float | None) -> float:
    return math.nan if x is None or not math.isfinite(x) else float(x)


def check_frame(report: ICReport, side: str = "target") -> Any:
    """An incentive check as a DataFrame: the target's phases, or the members' phases.

    Parameters
    ----------
    report : ICReport
        From :func:`solver.check`.
    side : {"target", "coalition"}, optional
        ``target`` (default): one row per phase with the fields of
        :class:`solver.game.check.PhaseCheck`: ``phase``, ``ic_margin``
        (USD m), ``incentive_compatible``, ``snapback_credible``,
        ``comply_value`` and ``deviate_value`` (USD m), ``deviation``,
        ``reverses`` (milestone ids), ``detection`` (per year),
        ``critical_detection``, ``critical_credibility``,
        ``critical_discount`` (NaN: no sign change in range), ``spe_action``,
        ``violation_probability``, ``inspection_probability``,
        ``non_credible`` (instrument ids) and ``fixes`` (texts).
        ``coalition``: one row per member and phase: ``actor``, ``phase``,
        ``margin`` (against the best deviation, USD m), ``stays``,
        ``deviation`` (``leave``, ``stop_enforcing`` or ``stop_paying``),
        ``stay_value``, ``leave_value``, ``leave_margin``,
        ``enforce_margin`` and ``renege_margin`` (USD m; NaN where nothing
        is left to enforce or to stop paying) and ``side_payment`` (USD m a
        year from the next phase that would make staying pay; 0 when it
        does).

    Returns
    -------
    pandas.DataFrame
        The rows.

    Raises
    ------
    ValueError
        For another ``side``.
    ImportError
        Without pandas (:func:`require_pandas`).
    """
    pd = require_pandas()
    if side == "target":
        from dataclasses import fields

        from solver.game.check import PhaseCheck

        names = [f.name for f in fields(PhaseCheck)]
        rows = []
        for p in report.phases:
            row = {n: getattr(p, n) for n in names}
            for n in ("reverses", "non_credible", "fixes"):
                row[n] = list(row[n])
            for n in ("critical_detection", "critical_credibility", "critical_discount"):
                row[n] = _finite_or_nan(row[n])
            rows.append(row)
        return pd.DataFrame(rows, columns=names)
    if side != "coalition":
        raise ValueError(f"side is {side!r}; choose 'target' or 'coalition'")
    columns = [
        "actor",
        "phase",
        "margin",
        "stays",
        "deviation",
        "stay_value",
        "leave_value",
        "leave_margin",
        "enforce_margin",
        "renege_margin",
        "side_payment",
    ]
    annuity = report.annuity
    out = []
    for v in report.coalition:
        for k in range(len(v.margin)):
            gap = max(0.0, -float(v.margin[k]))
            ren = float(v.renege_margin[k]) if len(v.renege_margin) else math.nan
            out.append(
                {
                    "actor": v.actor,
                    "phase": k + 1,
                    "margin": float(v.margin[k]),
                    "stays": bool(v.stays[k]),
                    "deviation": v.deviation[k],
                    "stay_value": float(v.stay[k]),
                    "leave_value": float(v.leave[k]),
                    "leave_margin": float(v.leave_margin[k]),
                    "enforce_margin": _finite_or_nan(float(v.enforce_margin[k])),
                    "renege_margin": _finite_or_nan(ren),
                    "side_payment": gap / annuity[k] if gap and annuity else 0.0,
                }
            )
    return pd.DataFrame(out, columns=columns)


# ---------------------------------------------------------------- a plan across worlds


def worlds_html(result: PlanInWorlds) -> str:
    """HTML for a fixed plan judged across worlds: shares overall, per phase, per member.

    Parameters
    ----------
    result : PlanInWorlds
        From :func:`solver.robust.evaluate_plan`.

    Returns
    -------
    str
        A ``<div>`` with the shares of worlds where the plan works, its
        constraints hold and both sides keep to it; a table with one row per
        phase (share compatible for both sides, for the target, and the
        target's margin quantiles in USD m); the failing constraint families
        and the members who stay in only some worlds.
    """
    d = result.summary()
    parts = [
        _para(
            f"{d['worlds']:,} worlds (seed {d['seed']}, {d['engine']} engine): works in "
            f"{_pct(d['works'])}; constraints hold in {_pct(d['constraints_hold'])}; "
            f"incentive compatible for both sides in {_pct(d['incentive_compatible'])}."
        )
    ]
    if d["design_violations"]:
        parts.append(
            _para(
                "Design rules broken as written (works nowhere): "
                + "; ".join(d["design_violations"])
            )
        )
    rows = [
        (
            k + 1,
            _pct(d["phase_incentive_compatible"][k]),
            _pct(d["target_compatible"][k]),
            _usd(m["p05"], 0),
            _usd(m["p50"], 0),
            _usd(m["p95"], 0),
        )
        for k, m in enumerate(d["margins"])
    ]
    parts.append(
        html_table(
            ["phase", "both sides", "target", "margin p5", "median", "p95"],
            rows,
            caption="Share of worlds compatible, and the target's margin (USD m)",
            numeric=range(6),
        )
    )
    failing = [(f, x) for f, x in d["failing"].items() if x > 0]
    if failing:
        parts.append(
            html_table(
                ["constraint family", "fails in"], [(f, _pct(x)) for f, x in failing], numeric=(1,)
            )
        )
    leaving = [(a, x) for a, x in d["members"].items() if x < 1.0]
    if leaving:
        parts.append(
            html_table(
                ["member", "stays in every phase in"],
                [(a, _pct(x)) for a, x in leaving],
                numeric=(1,),
            )
        )
    return _block("A fixed plan across worlds", *parts)


def worlds_frame(result: PlanInWorlds, parameters: bool = True) -> Any:
    """A fixed plan's verdicts as a DataFrame, one row per world.

    Parameters
    ----------
    result : PlanInWorlds
        From :func:`solver.robust.evaluate_plan`.
    parameters : bool, optional
        Add the world's drawn values, one column per concrete path
        (``measures.R08.value``, in that field's units); default ``True``.

    Returns
    -------
    pandas.DataFrame
        Columns ``world`` (0..n-1), ``works``, ``constraints_hold``,
        ``incentive_compatible`` (both sides, every phase), then per phase
        ``k`` ``target_margin_k`` (USD m), ``target_ok_k`` and
        ``phase_ok_k`` (both sides), then ``fails_<family>`` per
        world-dependent constraint family, ``stays_<actor>`` per member
        (stays in every phase), ``min_margin_<actor>`` (its smallest margin
        over the phases, USD m) and, with ``parameters``, the paths.

    Raises
    ------
    ImportError
        Without pandas (:func:`require_pandas`).
    """
    pd = require_pandas()
    import numpy as np

    cols: dict[str, Any] = {
        "world": np.arange(result.worlds.n),
        "works": result.works,
        "constraints_hold": result.constraints_hold,
        "incentive_compatible": result.incentive_compatible,
    }
    phase_ok = result.phase_ok
    for k in range(result.phases):
        cols[f"target_margin_{k + 1}"] = result.target_margin[:, k]
        cols[f"target_ok_{k + 1}"] = result.target_ok[:, k]
        cols[f"phase_ok_{k + 1}"] = phase_ok[:, k]
    for family, fails in result.family_fails.items():
        cols[f"fails_{family}"] = fails
    for i, actor in enumerate(result.members):
        cols[f"stays_{actor}"] = result.member_ok[:, i].all(axis=1)
        cols[f"min_margin_{actor}"] = result.member_margin[:, i].min(axis=1)
    if parameters:
        for j, path in enumerate(result.worlds.paths):
            cols[path] = result.worlds.values[:, j]
    return pd.DataFrame(cols)


# ---------------------------------------------------------------- sweeps


def _method(result: SweepResult) -> str:
    method = result.meta.get("method")
    if method:
        return str(method)
    rows = result.summary.get("rows", [])
    return "mc" if rows and "probabilities" in rows[0] else "?"


def sweep_frame(result: SweepResult) -> Any:
    """A sensitivity sweep's rows as a DataFrame (the rows the report reads).

    Parameters
    ----------
    result : SweepResult
        From :func:`solver.sensitivity.run_sweep`.

    Returns
    -------
    pandas.DataFrame
        By method: ``mc``, one row per milestone and measure: ``id``,
        ``kind``, ``phase_1`` .. ``phase_K`` (share of the solved samples
        that place it in that phase) and ``never``; ``oat``, one row per
        parameter: ``parameter``, ``low``, ``high`` (its range) and
        ``output_low``, ``output_high`` (the objective there); ``thresholds``:
        ``parameter``, ``base``, ``threshold`` (nearest value at which the
        plan changes) and ``ic_threshold`` (at which its incentive verdict
        does); ``sobol``: ``parameter``, ``S1``, ``S1_conf``, ``ST``,
        ``ST_conf``; ``morris``: ``parameter``, ``mu_star``, ``sigma``,
        ``mu_star_conf``.  ``frame.attrs`` holds ``method`` and, where the
        summary names one, the ``output`` the indices are of.

    Raises
    ------
    ImportError
        Without pandas (:func:`require_pandas`).
    """
    pd = require_pandas()
    method = _method(result)
    rows = result.summary.get("rows", [])
    if method == "mc":
        flat = []
        for r in rows:
            row = {"id": r["id"], "kind": r["kind"]}
            row.update({f"phase_{k + 1}": p for k, p in enumerate(r["probabilities"])})
            row["never"] = r["never"]
            flat.append(row)
        frame = pd.DataFrame(flat)
    else:
        frame = pd.DataFrame(rows)
    frame.attrs["method"] = method
    if result.summary.get("output") is not None:
        frame.attrs["output"] = result.summary["output"]
    return frame


def sweep_html(result: SweepResult) -> str:
    """HTML for a sensitivity sweep: its size, headline shares and its rows.

    Parameters
    ----------
    result : SweepResult
        From :func:`solver.sensitivity.run_sweep`.

    Returns
    -------
    str
        A ``<div>`` with the method, samples and engine; for Monte Carlo the
        shares of samples feasible and incentive compatible, the distinct
        plans and the smallest leverage's quantiles (USD m), then one row
        per item with its share in each phase; for the other methods one
        row per parameter (:func:`sweep_frame`'s columns).
    """
    s = result.summary
    method = _method(result)
    parts = [
        _para(
            f"Method {method}: {result.completed:,} samples ({result.reused:,} reused from the "
            f"store), engine {result.engine}."
        )
    ]
    rows = s.get("rows", [])
    if method == "mc":
        lev = s.get("min_leverage") or {}
        parts.append(
            _para(
                f"Feasible in {_pct(s.get('feasible'))}, incentive compatible in "
                f"{_pct(s.get('incentive_compatible'))}; {s.get('distinct_plans', '-')} distinct "
                f"plans; smallest leverage p5 / median / p95: {_usd(lev.get('p05'), 0)} / "
                f"{_usd(lev.get('p50'), 0)} / {_usd(lev.get('p95'), 0)} USD m."
            )
        )
        kk = len(rows[0]["probabilities"]) if rows else 0
        parts.append(
            html_table(
                ["item", "kind", *(f"phase {k + 1}" for k in range(kk)), "never"],
                [
                    [r["id"], r["kind"], *(_pct(p) for p in r["probabilities"]), _pct(r["never"])]
                    for r in rows
                ],
                caption="Share of the solved samples placing each item in each phase",
                numeric=range(2, kk + 3),
            )
        )
    elif rows:
        keys = list(rows[0])
        parts.append(
            html_table(
                keys,
                [[_cell(r[k]) for k in keys] for r in rows],
                caption=f"Output: {s['output']}" if s.get("output") else None,
                numeric=range(1, len(keys)),
            )
        )
    return _block("Sensitivity sweep", *parts)
