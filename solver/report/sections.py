"""The report's sections and tables, independent of the output format.

HTML and Markdown both render the :class:`Section` list built here, so the
two carry the same tables; each figure's section holds the table of the
numbers it draws.  Cells are plain values; :func:`cell` formats them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from solver.render import range_text
from solver.report.figures_sensitivity import summary


@dataclass(frozen=True)
class Table:
    """A titled table: column headers and rows of plain values."""

    title: str
    columns: list[str]
    rows: list[list[Any]]
    collapsed: bool = False


@dataclass(frozen=True)
class Section:
    """A report section: heading, paragraphs, a list (``bullets``), an optional figure, tables."""

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    figure: str | None = None
    tables: list[Table] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)


def cell(value: Any) -> str:
    """Format one table value as text.

    Examples
    --------
    >>> [cell(x) for x in (None, True, 11961.835, 0.95, ["R1", "R2"], 3)]
    ['–', 'yes', '11,961.8', '0.95', 'R1, R2', '3']
    """
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value)
    return str(value)


def _plans(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in doc["plans"] if p.get("assignments")]


def provenance_section(doc: dict[str, Any]) -> Section:
    """Scenario hash, spec, seed, backend, package versions."""
    pv = doc["provenance"]
    rows: list[list[Any]] = [
        ["scenario", pv["scenario"]["name"]],
        ["scenario file", pv["scenario"]["source"]],
        ["scenario sha256", pv["scenario"]["sha256"]],
        ["backend", pv["backend"]],
        ["seed", pv["seed"]],
        ["generated (UTC)", pv["generated_at"]],
    ]
    for scope, spec in pv["spec"].items():
        for key, value in (spec or {}).items():
            rows.append([f"spec.{scope}.{key}", value if _plain(value) else repr(value)])
    versions = [
        [name, v if v is not None else "not installed"] for name, v in pv["versions"].items()
    ]
    return Section(
        "provenance",
        "Provenance",
        tables=[
            Table("Inputs", ["item", "value"], rows),
            Table("Versions", ["package", "version"], versions),
        ],
    )


def _plain(v: Any) -> bool:
    if isinstance(v, list):
        return all(_plain(x) for x in v)
    return v is None or isinstance(v, str | int | float | bool)


def findings_section(doc: dict[str, Any]) -> Section | None:
    """The findings, first on the page: plain sentences from the results (:mod:`.findings`)."""
    from solver.report.findings import findings

    found = doc.get("findings")
    if found is None:
        found = findings(doc)
    if not found:
        return None
    par = [
        "Generated from the numbers below. USD m are millions of US dollars, discounted to "
        "the end of the phase named; 'a year from then on' is the same amount as a yearly "
        "flow from that point on, forever, with the same present value."
    ]
    return Section("findings", "Findings", par, bullets=[f["text"] for f in found])


def summary_section(doc: dict[str, Any]) -> Section:
    """Status, objective, minimum leverage and incentive compatibility of each plan."""
    rows = []
    for p in doc["plans"]:
        lev = [r["leverage"] for r in p["phases"]]
        yearly = [_per_year(doc, r["phase"], r["leverage"]) for r in p["phases"]]
        ic = p.get("incentives")
        rows.append(
            [
                p["title"],
                p["source"],
                p["status"],
                p["objective"],
                min(lev) if lev else None,
                min((y for y in yearly if y is not None), default=None),
                None if ic is None else ic["incentive_compatible"],
                len(p["violations"]),
            ]
        )
    notes = [doc["scenario"]["description"]] if doc["scenario"]["description"] else []
    notes += [f"{p['title']}: {v}" for p in doc["plans"] for v in p["violations"]]
    if any(p.get("incentives") is None and p.get("assignments") for p in doc["plans"]):
        notes.append("The subgame-perfect incentive check (solver.game) was not available.")
    cols = [
        "plan",
        "source",
        "status",
        "objective",
        "min leverage",
        "min leverage per year",
        "incentive compatible",
        "violations",
    ]
    return Section("summary", "Summary", notes, tables=[Table("Plans", cols, rows)])


def plan_section(doc: dict[str, Any]) -> Section | None:
    """Phase of every milestone and measure in each plan (the plan chart's table).

    A plan with phase ranges gets a second table: per item its phase, the
    range of phases it takes over the plans within 1 % of the optimum
    (``2-3``, ``4-never``; one phase when the item is forced) and whether it
    is forced or free, as ``relief solve`` prints it.
    """
    plans = _plans(doc)
    if not plans:
        return None
    ranged = [p for p in plans if p.get("phase_range")]
    cols = ["id", "name", "value / cost (USD m/yr)", "reversibility", *[p["title"] for p in plans]]
    rows = []
    for kind, amount in (("milestones", "cost"), ("measures", "value")):
        for it in doc["items"][kind]:
            phases = [p["assignments"][kind].get(it["id"]) or "never" for p in plans]
            rows.append([it["id"], it["name"], it[amount], it["reversibility"], *phases])
    tables = [_with_estimates(doc, Table("Phase per item", cols, rows))]
    for p in ranged:
        span_rows = []
        for kind in ("milestones", "measures"):
            for it in doc["items"][kind]:
                lo, hi = p["phase_range"][it["id"]]
                phase = p["assignments"][kind].get(it["id"]) or "never"
                kind_ = "forced" if lo == hi else "free"
                span_rows.append([it["id"], it["name"], phase, range_text(lo, hi), kind_])
        span_cols = ["id", "name", "phase", "phase range", "forced / free"]
        tables.append(Table(f"Phase ranges: {p['title']}", span_cols, span_rows))
    par = []
    if ranged:
        par.append(
            "Phase range: the earliest and latest phase an item takes over all plans within "
            "1 % of the optimum (on every leximin level of the leverage objective); one phase "
            "means the item is forced, a span that it is free."
        )
        par += [
            f"{p['title']}: the range probes stopped at the time limit; the ranges shown are "
            "the phases found so far (inner bounds)."
            for p in ranged
            if p.get("phase_range_complete") is False
        ]
    return Section("plan", "Phased plan", par, figure="plan", tables=tables)


def estimate_fields(item: dict[str, Any]) -> list[str]:
    """The fields of one report item whose ``sources`` entry is the estimate mark.

    Examples
    --------
    >>> estimate_fields({"sources": {"value": "econ: Kaesong", "reversibility": "estimate"}})
    ['reversibility']
    """
    from solver.sources import is_estimate

    return [name for name, tag in (item.get("sources") or {}).items() if is_estimate(tag)]


def _with_estimates(doc: dict[str, Any], table: Table) -> Table:
    """``table`` (one row per milestone, then measure) with an ``estimates`` column.

    Left as it is when no item of the scenario carries a ``sources`` table.
    """
    items = [*doc["items"]["milestones"], *doc["items"]["measures"]]
    if not any(it.get("sources") for it in items):
        return table
    rows = [[*row, estimate_fields(it) or None] for row, it in zip(table.rows, items, strict=True)]
    return Table(table.title, [*table.columns, "estimates"], rows, table.collapsed)


def sources_section(doc: dict[str, Any]) -> Section | None:
    """The labels of docs/sources.md the scenario cites, and how many numbers are estimates."""
    src = doc.get("sources") or {}
    if not src.get("tags") and not src.get("estimates"):
        return None
    par = [
        f"{src['sourced']} fields of the scenario (numbers, windows, deadlines) cite an entry "
        f"of docs/sources.md and {src['estimates']} are marked estimate, a judgement call that "
        "no source backs (the column 'estimates' of the items table names them per item). "
        "`relief validate SCENARIO --sources` lists the numbers with neither."
    ]
    rows = [[t["tag"], len(t["fields"]), t["fields"]] for t in src["tags"]]
    table = Table("Sources cited", ["source (docs/sources.md)", "fields citing it", "fields"], rows)
    return Section("sources", "Sources", par, tables=[table])


def phases_section(doc: dict[str, Any]) -> Section | None:
    """Per plan and phase: items, new and cumulative relief and cost (the relief chart's table)."""
    plans = _plans(doc)
    if not plans:
        return None
    cols = [
        "phase",
        "name",
        "milestones",
        "measures",
        "new relief",
        "relief in force",
        "new step cost",
        "step cost",
        "detection",
    ]
    tables = [
        Table(
            p["title"],
            cols,
            [
                [
                    r["phase"],
                    r["name"],
                    r["milestones"],
                    r["measures"],
                    r["new_relief"],
                    r["relief"],
                    r["new_cost"],
                    r["cost"],
                    r["detection"],
                ]
                for r in p["phases"]
            ],
        )
        for p in plans
    ]
    par = [
        "Relief and costs in USD m per year; detection is the probability p_k "
        "that a backslide is caught."
    ]
    return Section("relief", "Relief and step cost per phase", par, "relief", tables)


def _per_year(doc: dict[str, Any], phase: Any, value: Any) -> float | None:
    """``value / G_phase`` (USD m a year); ``None`` when either is missing."""
    annuity = doc["scenario"].get("annuity") or []
    if not isinstance(value, int | float) or not isinstance(phase, int):
        return None
    if not 1 <= phase <= len(annuity) or annuity[phase - 1] <= 0:
        return None
    return float(value) / annuity[phase - 1]


def _deviation_cell(rec: dict[str, Any]) -> str | None:
    kind = rec.get("deviation")
    if not kind:
        return None
    reverses = rec.get("reverses") or []
    return f"{kind} ({', '.join(reverses)})" if reverses and kind != "stall" else str(kind)


def incentives_section(doc: dict[str, Any]) -> Section | None:
    """Leverage and the game check per phase (the leverage chart's table), with per-year columns."""
    plans = _plans(doc)
    if not plans:
        return None
    cols = [
        "phase",
        "leverage",
        "leverage per year",
        "comply value",
        "deviate value",
        "IC margin",
        "IC margin per year",
        "best deviation",
        "incentive compatible",
        "snapback credible",
        "critical detection",
        "critical discount",
    ]
    tables = []
    for p in plans:
        ic = {
            r.get("phase", i + 1): r
            for i, r in enumerate((p.get("incentives") or {}).get("phases", []))
        }
        rows = []
        for r in p["phases"]:
            k = r["phase"]
            g = ic.get(k, {})
            rows.append(
                [
                    k,
                    r["leverage"],
                    _per_year(doc, k, r["leverage"]),
                    r["comply_value"],
                    r["deviate_value"],
                    g.get("ic_margin"),
                    _per_year(doc, k, g.get("ic_margin")),
                    _deviation_cell(g),
                    *[
                        g.get(key)
                        for key in (
                            "incentive_compatible",
                            "snapback_credible",
                            "critical_detection",
                            "critical_discount",
                        )
                    ],
                ]
            )
        tables.append(Table(p["title"], cols, rows))
        members = (p.get("incentives") or {}).get("coalition") or []
        if members:
            tables.append(
                Table(
                    f"{p['title']}: coalition members",
                    [
                        "actor",
                        "phase",
                        "margin",
                        "margin per year",
                        "stays",
                        "deviation",
                        "side payment (USD m a year)",
                    ],
                    [
                        [
                            m["actor"],
                            m["phase"],
                            m["margin"],
                            _per_year(doc, m["phase"], m["margin"]),
                            m["stays"],
                            m["deviation"].replace("_", " "),
                            m["side_payment"],
                        ]
                        for m in members
                    ],
                )
            )
    par = [
        "Leverage L_k = V^C_k - V^D_k (USD m, discounted to the end of phase k): what the target "
        "loses by its best deviation after phase k. The IC margin is the game module's "
        "subgame-perfect counterpart (the same deviations, judged with credible snapbacks only).",
        "Comply value V^C_k and deviate value V^D_k are the target's present values, at the end "
        "of phase k, of keeping to the plan and of its best deviation (stall, open or secret "
        "reversal), each counted against no deal (0: no relief received, no step taken). A "
        "negative deviate value means that even its best deviation leaves the target worse off "
        "than no deal at all: the cost of the steps it has taken and cannot undo outweighs the "
        "relief it would keep. Only the difference, the margin, decides.",
        "These values add up yearly flows for ever, so they run large (a flow of 100 USD m a "
        "year is worth 100 G_k). The per-year columns divide by G_k, the present value at the "
        "end of phase k of 1 USD m a year from then on: the margin as the yearly flow it is "
        "worth (the figure draws these).",
        "Coalition members (where the scenario gives them payoffs in USD m): the margin of "
        "staying in the deal against leaving it, ceasing to enforce or ceasing to pay, and the "
        "side payment (USD m a year from the next phase on) that would hold a member that "
        "defects.",
    ]
    return Section("leverage", "Leverage and incentive compatibility", par, "leverage", tables)


def comparison_section(doc: dict[str, Any]) -> Section | None:
    """Items the comparison plan places differently from the optimized plan."""
    cmp_ = doc.get("comparison")
    if not cmp_:
        return None
    moved = [r for r in cmp_["rows"] if r["optimized"] != r["comparison"]]
    rows = [[r["id"], r["kind"], r["optimized"], r["comparison"], r["shift"]] for r in moved]
    other = doc["plans"][1]["title"]
    par = [
        f"{len(moved)} of {len(cmp_['rows'])} items are phased differently in {other}; "
        "shift = comparison phase minus optimized phase (– when either never happens)."
    ]
    cols = ["id", "kind", "optimized phase", "comparison phase", "shift"]
    return Section(
        "comparison", f"Optimized plan vs {other}", par, tables=[Table("Differences", cols, rows)]
    )


def plan_worlds(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The fixed-plan-across-worlds results of the report's sweeps (``relief sensitivity --plan``).

    Parameters
    ----------
    doc : dict
        The report document.

    Returns
    -------
    list of dict
        Each result's ``plan``, ``summary`` and ``failure_boxes``, in file order.
    """
    sens = doc.get("sensitivity") or {}
    return [r for r in sens.get("results", []) if r["method"] == "plan_worlds"]


def _pct(x: Any) -> str:
    return "–" if not isinstance(x, int | float) else f"{100 * x:.1f} %"


def plan_worlds_section(doc: dict[str, Any]) -> Section | None:
    """One fixed plan judged across sampled worlds: where it works, per phase, what breaks."""
    found = plan_worlds(doc)
    if not found:
        return None
    tables, par = [], []
    for r in found:
        s = r["summary"]
        name = r["plan"].replace("\\", "/").rsplit("/", 1)[-1]
        rows: list[list[Any]] = [
            ["works (every constraint holds, both sides keep to it in every phase)",
             _pct(s["works"])],
            ["every constraint holds", _pct(s["constraints_hold"])],
            ["both sides keep to it in every phase", _pct(s["incentive_compatible"])],
        ]  # fmt: skip
        rows += [
            [f"both sides keep to it in phase {k}", _pct(x)]
            for k, x in enumerate(s["phase_incentive_compatible"], 1)
        ]
        rows += [[f"breaks {family}", _pct(x)] for family, x in (s.get("failing") or {}).items()]
        rows += [
            [f"{m} stays in every phase", _pct(x)] for m, x in (s.get("members") or {}).items()
        ]
        tables.append(Table(f"{name} across {s['worlds']:,} worlds", ["share of worlds", ""], rows))
        par += [f"Where {name} fails: {b['text']}." for b in r.get("failure_boxes") or []]
    par.insert(
        0,
        "One plan held fixed (not re-optimized) and judged in every world sampled from the "
        "spec's ranges (relief sensitivity --method mc --plan; docs/robust.md).",
    )
    return Section("plan-worlds", "A fixed plan across sampled worlds", par, tables=tables)


def sensitivity_sections(doc: dict[str, Any]) -> list[Section]:
    """One section per sweep method present: a fixed plan across worlds, tornado, thresholds,
    stability, Sobol, Morris."""
    out = []
    if (fixed := plan_worlds_section(doc)) is not None:
        out.append(fixed)
    if s := summary(doc, "oat"):
        rows = [
            [
                r["parameter"],
                r["low"],
                r["high"],
                r["output_low"],
                r["output_high"],
                abs(r["output_high"] - r["output_low"]),
            ]
            for r in s["rows"]
        ]
        cols = ["parameter", "low", "high", "output at low", "output at high", "swing"]
        par = [f"Output: {s.get('output', 'output')}; base value {cell(s.get('base'))}."]
        out.append(
            Section(
                "tornado", "Tornado (one at a time)", par, "tornado", [Table("Swings", cols, rows)]
            )
        )
    if s := summary(doc, "thresholds"):
        ic = any("ic_threshold" in r for r in s["rows"])
        rows = [
            [r["parameter"], r["base"], r["threshold"], *([r.get("ic_threshold")] if ic else [])]
            for r in s["rows"]
        ]
        cols = ["parameter", "base", "threshold (plan changes)"]
        cols += ["threshold (IC lost)"] if ic else []
        tables = [Table("Break-even values", cols, rows)]
        points = [
            [c["parameter"], x, y]
            for c in s.get("curves", [])
            for x, y in zip(c["x"], c["y"], strict=True)
        ]
        if points:
            tables.append(
                Table("Curves", ["parameter", "value", s.get("output", "output")], points)
            )
        out.append(Section("thresholds", "Thresholds", [], "thresholds", tables))
    if s := summary(doc, "montecarlo"):
        width = max(len(r["probabilities"]) for r in s["rows"])
        cols = ["id", "kind", *[f"P(phase {k})" for k in range(1, width + 1)], "P(never)"]
        rows = [[r["id"], r["kind"], *r["probabilities"], r["never"]] for r in s["rows"]]
        par = [f"Monte Carlo over {cell(s.get('samples'))} samples."]
        out.append(
            Section(
                "stability",
                "Plan stability",
                par,
                "stability",
                [Table("Probabilities", cols, rows)],
            )
        )
    if s := summary(doc, "sobol"):
        rows = [[r["parameter"], r["S1"], r["S1_conf"], r["ST"], r["ST_conf"]] for r in s["rows"]]
        cols = ["parameter", "S1", "S1 ± (95%)", "ST", "ST ± (95%)"]
        out.append(Section("sobol", "Sobol indices", [], "sobol", [Table("Indices", cols, rows)]))
    if s := summary(doc, "morris"):
        rows = [
            [r["parameter"], r["mu_star"], r.get("mu_star_conf"), r["sigma"]] for r in s["rows"]
        ]
        cols = ["parameter", "mu*", "mu* ± (95%)", "sigma"]
        out.append(
            Section("morris", "Morris screening", [], "morris", [Table("Effects", cols, rows)])
        )
    return out


def backtest_section(doc: dict[str, Any]) -> Section | None:
    """A case's backtest: the tool's reading of each plan beside history (``--case``)."""
    bt = doc.get("backtest")
    if not bt:
        return None
    cols = ["plan", "tool: phase", "how", "who", "margin", "SPE backslide", "history",
            "agrees when", "agrees how"]  # fmt: skip
    rows = []
    for role, v in bt["plans"].items():
        h = v.get("history") or {}
        rows.append(
            [
                role + (" (counted)" if role == bt["judged"] else ""),
                v["first_failing"] if v["first_failing"] is not None else "holds",
                v["how"],
                v["who"],
                v["margin"],
                v["first_backslide"] if v["first_backslide"] is not None else "none",
                f"{h.get('phase')}, {h.get('how')} ({h.get('who')})" if h else "",
                v["agrees_when"],
                v["agrees_how"],
            ]
        )
    par = [
        f"Case {bt['case']}: {bt['title']}. The tool's first failing phase and its "
        "deviation for each plan of the deal, against the outcome record "
        "(models/cases/README.md, 'Comparison'; the reading is docs/cases.md).",
    ]
    return Section("backtest", "Backtest against history", par, tables=[Table("Plans", cols, rows)])


def _frontier(doc: dict[str, Any]) -> Section | None:
    from solver.report.frontier import frontier_report_section  # it imports this module

    return frontier_report_section(doc)


def _robust(doc: dict[str, Any]) -> Section | None:
    from solver.report.robust import robust_section  # it imports this module

    return robust_section(doc)


def build_sections(doc: dict[str, Any]) -> list[Section]:
    """Return the report's sections in page order, leaving out those without data.

    Parameters
    ----------
    doc : dict
        The report document.

    Returns
    -------
    list of Section
        Findings, summary, plan, relief, leverage, comparison, sweeps, sources, provenance.
    """
    parts = [
        findings_section(doc),
        summary_section(doc),
        backtest_section(doc),
        plan_section(doc),
        phases_section(doc),
        incentives_section(doc),
        comparison_section(doc),
        _frontier(doc),
        _robust(doc),
        *sensitivity_sections(doc),
        sources_section(doc),
        provenance_section(doc),
    ]
    return [s for s in parts if s is not None]
