"""The report's findings: plain sentences generated from the results, shown first.

Every sentence is computed from the report document (no canned verdicts): the
plan phase by phase, the weakest phase and the deviation that threatens it
(the target's or a coalition member's, with its margin in USD m and per
year), which placements are forced and which are free, how the compared plan
differs, what the sensitivity analysis and the robustness check change, and
for a past deal what the tool reads beside history.  :func:`findings` returns
them as ``{"topic", "text"}`` records (``report.json`` key ``findings``); the
HTML and Markdown pages show them as a list under "Findings".

Per year: a margin ``M`` (USD m, discounted to the end of phase ``k``) is
also given as ``M / G_k``, the flow from then on with the same present value
(``G_k``: ``scenario.annuity``), because values that add up a perpetuity of
flows run to hundreds of billions and hide a real margin of a few hundred
million a year.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from solver.report.figures_sensitivity import summary
from solver.report.layout import short

__all__ = ["TOPICS", "findings", "usd"]

TOPICS = (
    "plan",
    "never",
    "infeasible",
    "weakest",
    "target",
    "coalition",
    "forced",
    "comparison",
    "backtest",
    "sensitivity",
    "robust",
)
"""The topics of the findings, in the order they appear."""

ZERO = 1e-6
"""A coalition margin smaller than this (USD m) counts as indifference (nothing at stake)."""


def usd(value: float) -> str:
    """A USD m amount for a sentence: thousands separated, one decimal below 100.

    Examples
    --------
    >>> usd(13351.75), usd(-160.04), usd(42.25), usd(0.25)
    ('13,352', '-160', '42.2', '0.25')
    """
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.1f}"
    return f"{value:.2g}"


def _per_year(doc: dict[str, Any], phase: int, value: float) -> float:
    annuity = doc["scenario"].get("annuity") or []
    g = annuity[phase - 1] if len(annuity) >= phase else 0.0
    return value / g if g > 0 else value


def _money(doc: dict[str, Any], phase: int, value: float) -> str:
    """``13,352 USD m (1,101 USD m a year from the end of phase k)``."""
    return f"{usd(value)} USD m ({usd(_per_year(doc, phase, value))} USD m a year from then on)"


def _ids(ids: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    ids = list(ids)
    if len(ids) <= 1:
        return "".join(ids)
    return ", ".join(ids[:-1]) + " and " + ids[-1]


def _phase_label(doc: dict[str, Any], k: int) -> str:
    names = doc["scenario"].get("phase_names") or []
    name = names[k - 1] if len(names) >= k and names[k - 1] else ""
    return f"phase {k} “{name}”" if name else f"phase {k}"


def _names(doc: dict[str, Any]) -> dict[str, str]:
    return {i["id"]: i["name"] for kind in ("measures", "milestones") for i in doc["items"][kind]}


def _plan_lines(doc: dict[str, Any], plan: dict[str, Any]) -> list[str]:
    """One sentence per phase: steps demanded (with names), relief granted (ids, USD m a year)."""
    names = _names(doc)
    out = []
    for row in plan["phases"]:
        k = row["phase"]
        steps = [
            f"{i} ({short(names.get(i, ''), 56)})" if names.get(i) else i for i in row["milestones"]
        ]
        demand = (
            f"the target takes {len(steps)} step{'s' * (len(steps) != 1)}: {_ids(steps)}"
            if steps
            else "the target takes no new step"
        )
        relief = row["measures"]
        new = row.get("new_relief") or 0.0
        worth = ""
        if new > 0:
            worth = f"; {usd(new)} USD m a year of new relief"
        elif new < 0:
            worth = f"; relief in force falls by {usd(-new)} USD m a year as earlier relief ends"
        grant = (
            f"the coalition grants {len(relief)} relief measure{'s' * (len(relief) != 1)} "
            f"({_ids(relief)}{worth})"
            if relief
            else "the coalition grants no new relief"
        )
        if not relief and new < 0:
            grant += f" (relief in force falls by {usd(-new)} USD m a year as earlier relief ends)"
        label = _phase_label(doc, k)
        out.append(f"{label[0].upper()}{label[1:]}: {demand}; {grant}.")
    return out


def _never(doc: dict[str, Any], plan: dict[str, Any]) -> str | None:
    a = plan["assignments"]
    measures = [i for i, k in a["measures"].items() if k is None]
    steps = [i for i, k in a["milestones"].items() if k is None]
    parts = []
    if measures:
        parts.append(f"never granted: {_ids(measures)}")
    if steps:
        parts.append(f"never demanded: {_ids(steps)}")
    if not parts:
        return None
    return f"{plan['title']}: " + "; ".join(parts) + "."


def _deviation_text(rec: dict[str, Any]) -> str:
    kind = rec.get("deviation")
    reverses = _ids(rec.get("reverses") or [])
    if kind == "stall":
        return "stalling (keeping what it has and refusing the next steps)"
    if kind == "overt":
        return f"an open reversal of {reverses}" if reverses else "an open reversal"
    if kind == "covert":
        return (
            f"a secret reversal of {reverses}, collecting relief until it is detected"
            if reverses
            else "a secret reversal"
        )
    return "no deviation (nothing done, nothing left to refuse)"


def _fails(rec: dict[str, Any]) -> bool:
    return bool(rec["ic_margin"] < 0 or rec.get("incentive_compatible") is False)


def _target(doc: dict[str, Any], plan: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The target's side: where it would deviate (first), else its weakest phase."""
    ic = plan.get("incentives") or {}
    phases = [r for r in ic.get("phases", []) if r.get("ic_margin") is not None]
    if not phases:
        return None
    weakest = min(phases, key=lambda r: _per_year(doc, r["phase"], r["ic_margin"]))
    failing = [r for r in phases if _fails(r)]
    k, margin = weakest["phase"], weakest["ic_margin"]
    if not failing:
        text = (
            f"The target complies in every phase. Its weakest phase is {_phase_label(doc, k)}: "
            f"its best deviation there, {_deviation_text(weakest)}, would cost it "
            f"{_money(doc, k, margin)}."
        )
        return text, {"who": "target", "phase": k, "margin": margin}
    first = failing[0]
    f = first["phase"]
    where = _ids([str(r["phase"]) for r in failing])
    text = (
        f"The target gains by deviating in phase{'s' * (len(failing) > 1)} {where}. First, "
        f"after {_phase_label(doc, f)}, it gains {_money(doc, f, -first['ic_margin'])} by "
        f"{_deviation_text(first)}."
    )
    if weakest is not first and _fails(weakest):
        text += (
            f" The most it gains is after {_phase_label(doc, k)}: {_money(doc, k, -margin)}, "
            f"by {_deviation_text(weakest)}."
        )
    spe = ic.get("first_backslide")
    if spe is not None and spe != f:
        text += (
            f" Looking ahead (backward induction), it keeps complying to collect more relief "
            f"and backslides after phase {spe}."
        )
    return text, {"who": "target", "phase": f, "margin": first["ic_margin"]}


def _member(doc: dict[str, Any], actor: str) -> str:
    name = (doc["scenario"].get("actors") or {}).get(actor)
    return f"{name} ({actor})" if name and name != actor else actor


def _coalition(doc: dict[str, Any], plan: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The coalition's weakest point: the first member to defect, else the smallest stake."""
    ic = plan.get("incentives") or {}
    members = ic.get("coalition") or []
    if not members:
        return None
    leaver = ic.get("first_leaver")
    if leaver:
        rec = next(
            (m for m in members if m["actor"] == leaver["actor"] and m["phase"] == leaver["phase"]),
            None,
        )
        if rec is not None:
            k = rec["phase"]
            how = rec.get("deviation_name") or rec["deviation"].replace("_", " ")
            text = (
                f"On the coalition's side, {_member(doc, rec['actor'])} would {how} after "
                f"{_phase_label(doc, k)}: staying leaves it {_money(doc, k, -rec['margin'])} "
                "worse off"
            )
            if rec.get("side_payment"):
                text += (
                    f"; a side payment of {usd(rec['side_payment'])} USD m a year from the next "
                    "phase on would hold it"
                )
            return text + ".", {
                "who": rec["actor"],
                "phase": k,
                "margin": rec["margin"],
                "deviation": rec,
            }
    staked = [m for m in members if abs(m["margin"]) > ZERO]
    idle = sorted({m["actor"] for m in members} - {m["actor"] for m in staked})
    idle_text = (
        f" {_ids(idle)} gain{'s' * (len(idle) == 1)} nothing by leaving or staying (margin 0)."
        if idle
        else ""
    )
    if not staked:
        return f"Every coalition member stays in every phase.{idle_text}", {}
    rec = min(staked, key=lambda m: _per_year(doc, m["phase"], m["margin"]))
    k = rec["phase"]
    text = (
        f"Every coalition member stays in every phase; the one closest to defecting is "
        f"{_member(doc, rec['actor'])} in {_phase_label(doc, k)}, whose best defection "
        f"({rec.get('deviation_name') or rec['deviation']}) would cost it "
        f"{_money(doc, k, rec['margin'])}.{idle_text}"
    )
    return text, {"who": rec["actor"], "phase": k, "margin": rec["margin"], "deviation": rec}


def _weakest(doc: dict[str, Any], plan: dict[str, Any]) -> list[dict[str, str]]:
    target = _target(doc, plan)
    coalition = _coalition(doc, plan)
    out = []
    sides = [s for s in (target, coalition) if s is not None and s[1]]
    if sides:
        # the deviation that threatens: a side that deviates, earliest first; else the
        # smallest margin per year of the two sides
        failing = [s for s in sides if s[1]["margin"] < 0]
        if failing:
            _, info = min(failing, key=lambda s: s[1]["phase"])
        else:
            _, info = min(sides, key=lambda s: _per_year(doc, s[1]["phase"], s[1]["margin"]))
        who = (
            "the target's side: its margin is"
            if info["who"] == "target"
            else f"the coalition's side: the margin of {_member(doc, info['who'])} is"
        )
        k, margin = info["phase"], info["margin"]
        if margin < 0:
            text = f"The plan breaks first in {_phase_label(doc, k)}, on {who} "
        else:
            text = f"Weakest phase: {_phase_label(doc, k)}, where the plan holds most narrowly, "
            text += f"on {who} "
        out.append({"topic": "weakest", "text": text + f"{_money(doc, k, margin)}."})
    if target is not None:
        out.append({"topic": "target", "text": target[0]})
    if coalition is not None:
        out.append({"topic": "coalition", "text": coalition[0]})
    return out


def span_text(lo: int | None, hi: int | None, phases: int) -> str:
    """Where an item may go, in words: ``in phase 2``, ``in phase 2 or 3``, ``in phase 4 or never``.

    Parameters
    ----------
    lo, hi : int or None
        The earliest and latest phase the item may take (``lo`` ``None``: it
        is never granted or done; ``hi`` ``None``: it may also be left out).
    phases : int
        The scenario's number of phases.

    Returns
    -------
    str
        The words.

    Examples
    --------
    >>> span_text(2, 2, 4), span_text(2, 3, 4), span_text(1, 4, 4), span_text(4, None, 4)
    ('in phase 2', 'in phase 2 or 3', 'in any phase 1 to 4', 'in phase 4 or never')
    >>> span_text(1, None, 4), span_text(None, None, 4), span_text(2, None, 4)
    ('in any phase or never', 'never', 'in phase 2 or later, or never')
    """
    if lo is None:
        return "never"
    if lo == hi:
        return f"in phase {lo}"
    if hi is None:
        if lo == phases:
            return f"in phase {lo} or never"
        return "in any phase or never" if lo == 1 else f"in phase {lo} or later, or never"
    if hi == lo + 1:
        return f"in phase {lo} or {hi}"
    return f"in any phase {lo} to {hi}"


def _group(
    ranges: dict[str, list[Any]], ids: Sequence[str], phases: int
) -> list[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for i in ids:
        lo, hi = ranges[i]
        groups.setdefault(span_text(lo, hi, phases), []).append(i)
    return list(groups.items())


def _forced(plan: dict[str, Any]) -> str | None:
    ranges = plan.get("phase_range")
    if not ranges:
        return None
    forced = [i for i, (lo, hi) in ranges.items() if lo == hi]
    free = [i for i in ranges if i not in set(forced)]
    text = (
        f"Of the {len(ranges)} items, {len(forced)} {'is' if len(forced) == 1 else 'are'} "
        "forced (they take the same phase in "
        "every plan within 1 % of the optimum) and "
        f"{len(free)} {'is' if len(free) == 1 else 'are'} free."
    )
    k = len(plan["phases"])
    if forced:
        text += (
            " Forced: "
            + "; ".join(f"{_ids(ids)} {where}" for where, ids in _group(ranges, forced, k))
            + "."
        )
    if free:
        text += (
            " Free: "
            + "; ".join(f"{_ids(ids)} {where}" for where, ids in _group(ranges, free, k))
            + "."
        )
    if plan.get("phase_range_complete") is False:
        text += " (The range probes stopped at the time limit: free ranges may be wider.)"
    return text


def _comparison(doc: dict[str, Any]) -> str | None:
    plans = [p for p in doc["plans"] if p.get("assignments")]
    cmp_ = doc.get("comparison")
    if len(plans) < 2 or not cmp_:
        return None
    opt, other = plans
    moved = [r for r in cmp_["rows"] if r["optimized"] != r["comparison"]]
    text = (
        f"{other['title']} places {len(moved)} of {len(cmp_['rows'])} items in other phases "
        "than the optimized plan"
    )
    mine, theirs = (min((r["leverage"] for r in p["phases"]), default=None) for p in (opt, other))
    if mine is not None and theirs is not None:
        text += f"; its smallest leverage is {usd(theirs)} USD m against {usd(mine)}"
    ic = (other.get("incentives") or {}).get("incentive_compatible")
    if ic is not None:
        text += "; it is " + ("" if ic else "not ") + "incentive compatible for both sides"
    if other["violations"]:
        text += f"; it breaks {len(other['violations'])} constraint(s): {other['violations'][0]}"
    return text + "."


def _backtest(doc: dict[str, Any]) -> str | None:
    bt = doc.get("backtest")
    if not bt:
        return None
    v = bt["plans"].get(bt["judged"])
    if not v:
        return None
    h = v.get("history") or {}
    when = v["first_failing"]
    tool = (
        "holds in every phase"
        if when is None
        else f"fails first in phase {when}: {v['how']} by {v['who']} (margin {usd(v['margin'])} "
        "USD m)"
    )
    past = f"; history: phase {h.get('phase')}, {h.get('how')} by {h.get('who')}" if h else ""
    agree = ""
    if v.get("agrees_when") is not None:
        agree = f" (the tool {'agrees' if v['agrees_when'] else 'disagrees'} on when"
        agree += f" and {'agrees' if v.get('agrees_how') else 'disagrees'} on how)"
    return f"Read beside history, the plan {bt['judged']} {tool}{past}{agree}."


def _pct(x: float) -> str:
    """A share as the report writes it: ``22 %``, ``0.3 %`` below one per cent.

    Examples
    --------
    >>> _pct(0.2214), _pct(0.0029), _pct(0.0)
    ('22 %', '0.3 %', '0 %')
    """
    return f"{100 * x:.1f} %" if 0 < abs(x) < 0.01 else f"{100 * x:.0f} %"


def _top(rows: list[dict[str, Any]], key: Any, n: int = 3) -> list[dict[str, Any]]:
    return sorted(rows, key=key)[:n]


def _plan_worlds(doc: dict[str, Any]) -> list[str]:
    from solver.report.sections import plan_worlds

    out = []
    for r in plan_worlds(doc):
        s = r["summary"]
        name = r["plan"].replace("\\", "/").rsplit("/", 1)[-1]
        phases = s["phase_incentive_compatible"]
        low = min(range(len(phases)), key=lambda i: phases[i])
        text = (
            f"Held fixed across {s['worlds']:,} sampled worlds, {name} works (every constraint "
            f"holds and both sides keep to it in every phase) in {_pct(s['works'])} of them: "
            f"its constraints hold in {_pct(s['constraints_hold'])}, both sides keep to it in "
            f"{_pct(s['incentive_compatible'])}, and phase {low + 1} is the weakest "
            f"({_pct(phases[low])} of worlds)."
        )
        failing = s.get("failing") or {}
        if failing:
            family = max(failing, key=lambda f: failing[f])
            text += f" The constraint broken most often is {family} ({_pct(failing[family])})."
        boxes = r.get("failure_boxes") or []
        if boxes:
            text += " It " + "; or it ".join(b["text"] for b in boxes) + "."
        out.append(text)
    return out


def _sensitivity(doc: dict[str, Any]) -> list[str]:
    out = _plan_worlds(doc)
    main = next((p for p in doc["plans"] if p.get("assignments")), None)
    if (s := summary(doc, "montecarlo")) is not None:
        n = s.get("samples")
        worlds = f"{n:,} sampled worlds" if isinstance(n, int) else "the sampled worlds"
        parts = []
        if isinstance(s.get("feasible"), int | float):
            parts.append(f"a phasing satisfying every constraint exists in {_pct(s['feasible'])}")
        if isinstance(s.get("incentive_compatible"), int | float):
            parts.append(
                f"the re-optimized plan is incentive compatible for both sides in "
                f"{_pct(s['incentive_compatible'])}"
            )
        if main is not None:
            where = {**main["assignments"]["measures"], **main["assignments"]["milestones"]}
            kept = []
            for r in s["rows"]:
                if r["id"] not in where:
                    continue
                k = where[r["id"]]
                kept.append((r["never"] if k is None else r["probabilities"][k - 1], r["id"]))
            if kept:
                mean = sum(p for p, _ in kept) / len(kept)
                weakest = ", ".join(f"{i} ({_pct(p)})" for p, i in sorted(kept)[:3])
                parts.append(
                    "each item stays in the phase this plan gives it in "
                    f"{_pct(mean)} of them on average; the least stable are {weakest}"
                )
        if parts:
            out.append(f"Across {worlds}, " + "; ".join(parts) + ".")
    drivers = []
    if (s := summary(doc, "oat")) is not None:
        rows = _top(s["rows"], lambda r: -abs(r["output_high"] - r["output_low"]))
        drivers.append(
            f"one at a time, {s.get('output', 'the output')} swings most with "
            + _ids(
                [f"{r['parameter']} ({usd(abs(r['output_high'] - r['output_low']))})" for r in rows]
            )
        )
    if (s := summary(doc, "sobol")) is not None:
        rows = _top(s["rows"], lambda r: -r["ST"])
        drivers.append(
            "by total Sobol index, " + _ids([f"{r['parameter']} (ST {r['ST']:.2f})" for r in rows])
        )
    if (s := summary(doc, "morris")) is not None:
        rows = _top(s["rows"], lambda r: -r["mu_star"])
        drivers.append("by Morris screening, " + _ids([r["parameter"] for r in rows]))
    if drivers:
        out.append("The parameters that matter most: " + "; ".join(drivers) + ".")
    if (s := summary(doc, "thresholds")) is not None:
        near = []
        for r in s["rows"]:
            for key, what in (("threshold", "the plan changes"), ("ic_threshold", "IC is lost")):
                x = r.get(key)
                if x is not None and r["base"]:
                    near.append((abs(x - r["base"]) / abs(r["base"]), r, x, what))
        near.sort(key=lambda t: t[0])
        if near:
            out.append(
                "Closest thresholds: "
                + "; ".join(
                    f"{what} when {r['parameter']} moves from {r['base']:.4g} to {x:.4g} "
                    f"({_pct(d)})"
                    for d, r, x, what in near[:3]
                )
                + "."
            )
    return out


def _robust(doc: dict[str, Any]) -> list[str]:
    r = doc.get("robust")
    if not r or not r.get("plans"):
        return []
    n = r["out_of_sample"]["worlds"]
    shares = "; ".join(
        f"{p['plan']} {_pct(p['works'])} (95 % interval {_pct(p['ci'][0])} to {_pct(p['ci'][1])})"
        for p in r["plans"]
    )
    out = [
        f"Across {n:,} worlds not used to choose it, the plan works (every constraint holds "
        f"and both sides keep to it in every phase) in: {shares}."
    ]
    boxes = r.get("failure_boxes") or []
    if boxes:
        texts = [b["text"] for b in boxes]
        if all(x.startswith("fails") for x in texts):  # "fails when ...: 76 % of the failures"
            out.append("The robust plan " + "; or it ".join(texts) + ".")
        else:
            out.append("Where the robust plan fails: " + "; ".join(texts) + ".")
    else:
        out.append("No simple box of parameter values captures where the robust plan fails.")
    return out


def findings(doc: dict[str, Any]) -> list[dict[str, str]]:
    """The report's findings, each ``{"topic", "text"}`` (topics in :data:`TOPICS` order).

    Parameters
    ----------
    doc : dict
        The report document (plans with their incentive checks and phase
        ranges; sweep, robustness and backtest entries when present).

    Returns
    -------
    list of dict
        Plain sentences generated from the numbers of ``doc``.
    """
    out: list[dict[str, str]] = []
    plans = [p for p in doc["plans"] if p.get("assignments")]
    opt = doc["plans"][0] if doc["plans"] else None
    if opt is not None and not opt.get("assignments"):
        given = list(opt.get("explanation") or [])
        why = [w.removeprefix("relax: ") for w in given]
        text = f"No phasing satisfies every constraint of this scenario ({opt['status']})."
        if why and any(w.startswith("relax: ") for w in given):
            text += " Relaxing these constraints would make one possible: " + "; ".join(why) + "."
        elif why:
            text += " " + "; ".join(why) + "."
        if plans:
            text += f" The findings below read {plans[0]['title']} instead."
        out.append({"topic": "infeasible", "text": text})
    main = plans[0] if plans else None
    if main is not None:
        k = doc["scenario"]["phases"]
        intro = f"{main['title']}, in {k} phase{'s' * (k != 1)}:"
        out.append({"topic": "plan", "text": intro})
        out += [{"topic": "plan", "text": line} for line in _plan_lines(doc, main)]
        if (never := _never(doc, main)) is not None:
            out.append({"topic": "never", "text": never})
        out += _weakest(doc, main)
        if (forced := _forced(main)) is not None:
            out.append({"topic": "forced", "text": forced})
    if (cmp_text := _comparison(doc)) is not None:
        out.append({"topic": "comparison", "text": cmp_text})
    if (bt := _backtest(doc)) is not None:
        out.append({"topic": "backtest", "text": bt})
    out += [{"topic": "sensitivity", "text": t} for t in _sensitivity(doc)]
    out += [{"topic": "robust", "text": t} for t in _robust(doc)]
    return out
