"""Explaining infeasible scenarios in words an analyst can act on.

Two analyses, cheapest first:

1. *Chains*: earliest phases by longest path over prerequisites (durations and
   strict links included) against windows and ``mandatory_by``; a conflict is
   reported with the whole chain, e.g. ``milestone M08 cannot finish by phase
   3: its prerequisite chain M01 -> M03 -> M05 -> M08 needs 4 phases``.
2. *Elastic relaxation*: every relaxable row of the model gets a slack and an
   indicator; minimising the number of relaxed rows gives a smallest set of
   constraints whose relaxation makes the scenario feasible.
"""

from __future__ import annotations

import math
from dataclasses import replace

from solver.backends import run_backend
from solver.formulation.common import BuildOptions
from solver.formulation.step import build
from solver.model import LinearModel
from solver.scenario import Scenario

NON_RELAXABLE = frozenset({"monotone", "definition"})


def _earliest(s: Scenario) -> tuple[dict[str, int], dict[str, str | None]]:
    """Earliest phase of every milestone and measure, and the predecessor that sets it."""
    early: dict[str, int] = {}
    why: dict[str, str | None] = {}
    done: set[str] = set()

    def mil(did: str) -> int:
        if did in done:
            return early[did]
        d = s.milestone(did)
        best, arg = s.milestone_window(d)[0], None
        for preds, shift in ((d.requires, d.duration - 1), (d.after, d.duration)):
            for p in preds:
                e = mil(p) + shift
                if e > best:
                    best, arg = e, p
        early[did], why[did] = best, arg
        done.add(did)
        return best

    for d in s.milestones:
        mil(d.id)
    order = _measure_order(s)
    for m in order:
        best, arg = s.measure_window(m)[0], None
        for preds, shift in (
            (m.requires_measures, 0),
            (m.after_measures, 1),
            (m.requires_milestones, 0),
            (m.after_milestones, 1),
        ):
            for p in preds:
                if early[p] + shift > best:
                    best, arg = early[p] + shift, p
        for a in m.consent:
            for p in s.actor(a).consent_requires:
                if early[p] > best:
                    best, arg = early[p], p
        early[m.id], why[m.id] = best, arg
    return early, why


def _measure_order(s: Scenario) -> list:
    """Measures in an order where prerequisites come first (scenario is acyclic)."""
    placed: set[str] = set()
    out = []
    pending = list(s.measures)
    while pending:
        rest = []
        for m in pending:
            if all(p in placed for p in (*m.requires_measures, *m.after_measures)):
                out.append(m)
                placed.add(m.id)
            else:
                rest.append(m)
        pending = rest
    return out


def _chain(why: dict[str, str | None], end: str) -> list[str]:
    chain = [end]
    while (prev := why.get(chain[-1])) is not None:
        chain.append(prev)
    return chain[::-1]


def chain_conflicts(s: Scenario) -> list[str]:
    """Return chain-versus-deadline conflicts, each as one sentence.

    Parameters
    ----------
    s : Scenario
        The scenario.

    Returns
    -------
    list of str
        Empty when every mandatory item can be reached in time.
    """
    early, why = _earliest(s)
    out = []
    items: list[tuple[str, str, int | None, int]] = [
        ("milestone", d.id, d.mandatory_by, s.milestone_window(d)[1]) for d in s.milestones
    ] + [("measure", m.id, m.mandatory_by, s.measure_window(m)[1]) for m in s.measures]
    for kind, eid, by, hi in items:
        if by is None:
            continue
        deadline = min(hi, by)
        if early[eid] > deadline:
            chain = _chain(why, eid)
            if len(chain) > 1:
                out.append(
                    f"{kind} {eid} cannot be {'finished' if kind == 'milestone' else 'granted'}"
                    f" by phase {deadline}: its prerequisite chain {' -> '.join(chain)} "
                    f"needs {early[eid]} phases"
                )
            else:
                out.append(
                    f"{kind} {eid} must be done by phase {deadline} but cannot happen "
                    f"before phase {early[eid]} (its window or duration)"
                )
    return out


def _elastic(model: LinearModel) -> tuple[LinearModel, list[tuple[int, int]]]:
    """Copy ``model`` with a slack and an indicator per relaxable row; minimise indicators."""
    m = model.copy(maximize=False, obj=[0.0] * model.num_vars, obj_constant=0.0)
    a = model.matrix().tocsr()
    pairs = []
    for r in range(model.num_rows):
        if model.row_groups[r] in NON_RELAXABLE:
            continue
        lo, hi = a.indptr[r], a.indptr[r + 1]
        big = (
            float(abs(a.data[lo:hi]).sum())
            + max(abs(v) for v in (model.row_lb[r], model.row_ub[r], 0.0) if math.isfinite(v))
            + 1.0
        )
        e = m.add_var(f"relax[{r}]", ub=1.0, integer=True, obj=1.0)
        for sign, bound in ((1.0, model.row_lb[r]), (-1.0, model.row_ub[r])):
            if math.isfinite(bound):
                sl = m.add_var(f"slack[{r},{sign:+.0f}]", ub=big)
                m.add_coefficient(r, sl, sign)
                m.add_row(f"slack {r} needs relax", {sl: 1.0, e: -big}, ub=0.0, group="definition")
        pairs.append((r, e))
    return m, pairs


def elastic_conflicts(s: Scenario, options: BuildOptions, *, time_limit: float = 20.0) -> list[str]:
    """Find a smallest set of constraints to relax for feasibility.

    Parameters
    ----------
    s : Scenario
        An infeasible scenario.
    options : BuildOptions
        The options of the failed build (objective is irrelevant here).
    time_limit : float, optional
        Seconds allowed for the relaxation MIP.

    Returns
    -------
    list of str
        The names of the rows to relax (phrased for analysts), or a note that
        the analysis could not finish.
    """
    built = build(s, replace(options, elastic_windows=True, objective="speed"))
    model, pairs = _elastic(built.model)
    sol = run_backend(model, "highs", time_limit=time_limit)
    if sol.x is None:
        return [f"the relaxation analysis did not finish ({sol.message})"]
    relaxed = [built.model.row_names[r] for r, e in pairs if sol.x[e] > 0.5]
    return [f"relax: {name}" for name in relaxed]
