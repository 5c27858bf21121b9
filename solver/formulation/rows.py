"""Constraint families of the sequencing MIP, one function per family.

Each function adds rows to a :class:`~solver.model.LinearModel` given the
state columns ``y`` (measures) and ``z`` (milestones), arrays of column
indices with phases ``1..K`` in columns ``0..K-1``.  Row names are phrased for
analysts because the infeasibility analysis reports them verbatim.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from solver.formulation.common import (
    SECONDARY_WEIGHT,
    TIEBREAK_WEIGHT,
    BuildOptions,
    VarMap,
)
from solver.model import INF, LinearModel
from solver.payoffs import Coefficients, continuation_weights
from solver.scenario import Scenario


def _delta_row(arr: np.ndarray, weights: np.ndarray, k: int) -> dict[int, float]:
    """Coefficients of ``sum_i w_i (x[i,k] - x[i,k-1])`` (1-based ``k``)."""
    coefs: dict[int, float] = {}
    for i, w in enumerate(weights):
        coefs[int(arr[i, k - 1])] = coefs.get(int(arr[i, k - 1]), 0.0) + float(w)
        if k > 1:
            coefs[int(arr[i, k - 2])] = coefs.get(int(arr[i, k - 2]), 0.0) - float(w)
    return coefs


def _window_rows(
    model: LinearModel,
    arr: np.ndarray,
    i: int,
    eid: str,
    window: tuple[int, int],
    verb: str,
    k_all: int,
    elastic: bool,
) -> None:
    lo, hi = window
    for k in range(hi + 1, k_all + 1):
        model.add_row(
            f"{eid} may not be {verb} after phase {hi} (window)",
            {int(arr[i, k - 1]): 1.0, int(arr[i, hi - 1]): -1.0},
            ub=0.0,
            group="window",
        )
    if elastic and lo > 1:
        model.add_row(
            f"{eid} may not be {verb} before phase {lo} (window)",
            {int(arr[i, lo - 2]): 1.0},
            ub=0.0,
            group="window",
        )


def windows(
    model: LinearModel, s: Scenario, y: np.ndarray, z: np.ndarray, opts: BuildOptions
) -> None:
    """Phase windows: nothing before ``first``; nothing new after ``last``.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    s : Scenario
        The scenario.
    y, z : numpy.ndarray
        Column indices of ``y[m, k]`` and ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    opts : BuildOptions
        ``elastic_windows`` turns window lower bounds into rows.
    """
    el = opts.elastic_windows
    for i, m in enumerate(s.measures):
        _window_rows(model, y, i, m.id, s.measure_window(m), "granted", s.phases, el)
    for i, d in enumerate(s.milestones):
        _window_rows(model, z, i, d.id, s.milestone_window(d), "done", s.phases, el)


def mandatory(model: LinearModel, s: Scenario, y: np.ndarray, z: np.ndarray) -> None:
    """Mandatory measures and milestones: ``x[e, mandatory_by] = 1``.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    s : Scenario
        The scenario.
    y, z : numpy.ndarray
        Column indices of ``y[m, k]`` and ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    """
    items: list[tuple[np.ndarray, int, str, int | None, str]] = [
        (y, i, m.id, m.mandatory_by, "granted") for i, m in enumerate(s.measures)
    ] + [(z, i, d.id, d.mandatory_by, "done") for i, d in enumerate(s.milestones)]
    for arr, i, eid, by, verb in items:
        if by is not None:
            model.add_row(
                f"{eid} must be {verb} by phase {by} (mandatory_by)",
                {int(arr[i, by - 1]): 1.0},
                lb=1.0,
                group="mandatory",
            )


def _prec(model: LinearModel, succ: int, pred: int | None, name: str) -> None:
    """``x_succ <= x_pred`` (or ``x_succ <= 0`` when the predecessor index is before phase 1)."""
    coefs = {succ: 1.0} if pred is None else {succ: 1.0, pred: -1.0}
    model.add_row(name, coefs, ub=0.0, group="precedence")


def precedence(model: LinearModel, s: Scenario, y: np.ndarray, z: np.ndarray) -> None:
    """Weak (same phase allowed) and strict precedence, with milestone durations.

    A milestone of duration ``D`` done by phase ``k`` started in phase
    ``k - D + 1``: a weak prerequisite must be done by then, a strict one by
    the phase before.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    s : Scenario
        The scenario.
    y, z : numpy.ndarray
        Column indices of ``y[m, k]`` and ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    """
    mi = {m.id: i for i, m in enumerate(s.measures)}
    di = {d.id: i for i, d in enumerate(s.milestones)}
    for i, d in enumerate(s.milestones):
        for shift, preds, kind in (
            (d.duration - 1, d.requires, "requires"),
            (d.duration, d.after, "after"),
        ):
            for p in preds:
                for k in range(1, s.phases + 1):
                    kp = k - shift
                    pred = int(z[di[p], kp - 1]) if kp >= 1 else None
                    _prec(
                        model,
                        int(z[i, k - 1]),
                        pred,
                        f"{d.id} {kind} {p}: done by phase {k} needs {p} by phase {kp}",
                    )
    for i, m in enumerate(s.measures):
        links = (
            (m.requires_measures, y, mi, 0, "requires"),
            (m.after_measures, y, mi, 1, "after"),
            (m.requires_milestones, z, di, 0, "requires"),
            (m.after_milestones, z, di, 1, "after"),
        )
        for preds, arr, index, shift, kind in links:
            for p in preds:
                for k in range(1, s.phases + 1):
                    kp = k - shift
                    pred = int(arr[index[p], kp - 1]) if kp >= 1 else None
                    _prec(
                        model,
                        int(y[i, k - 1]),
                        pred,
                        f"{m.id} {kind} {p}: granted by phase {k} needs {p} by phase {kp}",
                    )


def _actions(s: Scenario) -> dict[str, list[int]]:
    """Instrument id -> representative measure index of each grant action (bundle)."""
    seen: set[str] = set()
    out: dict[str, list[int]] = {}
    for i, m in enumerate(s.measures):
        key = m.bundle if m.bundle is not None else f"#{m.id}"
        if key in seen:
            continue
        seen.add(key)
        out.setdefault(m.instrument, []).append(i)
    return out


def coordination(model: LinearModel, s: Scenario, y: np.ndarray, z: np.ndarray) -> None:
    """Bundles, actor consent conditions, instrument capacity and coalition cohesion.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    s : Scenario
        The scenario.
    y, z : numpy.ndarray
        Column indices of ``y[m, k]`` and ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    """
    first: dict[str, int] = {}
    for i, m in enumerate(s.measures):
        if m.bundle is None:
            continue
        j = first.setdefault(m.bundle, i)
        if j != i:
            for k in range(s.phases):
                model.add_row(
                    f"bundle {m.bundle}: {m.id} moves with {s.measures[j].id}",
                    {int(y[i, k]): 1.0, int(y[j, k]): -1.0},
                    lb=0.0,
                    ub=0.0,
                    group="bundle",
                )
    di = {d.id: i for i, d in enumerate(s.milestones)}
    actors = {a.id: a for a in s.actors}
    for i, m in enumerate(s.measures):
        for a in m.consent:
            for d in actors[a].consent_requires:
                for k in range(s.phases):
                    model.add_row(
                        f"{a} consents to {m.id} only after {d} (phase {k + 1})",
                        {int(y[i, k]): 1.0, int(z[di[d], k]): -1.0},
                        ub=0.0,
                        group="consent",
                    )
    caps = {i.id: i.capacity for i in s.instruments if i.capacity is not None}
    for inst, reps in _actions(s).items():
        if inst not in caps:
            continue
        for k in range(1, s.phases + 1):
            model.add_row(
                f"instrument {inst}: at most {caps[inst]} new grant(s) in phase {k}",
                _delta_row(y[reps], np.ones(len(reps)), k),
                ub=float(caps[inst]),
                group="capacity",
            )
    _cohesion(model, s, y, z)


def _cohesion(model: LinearModel, s: Scenario, y: np.ndarray, z: np.ndarray) -> None:
    for a in s.actors:
        if a.reservation is None:
            continue
        for k in range(s.phases):
            coefs: dict[int, float] = {}
            for i, d in enumerate(s.milestones):
                coefs[int(z[i, k])] = a.value_share * d.value
            for i, m in enumerate(s.measures):
                if a.id in m.actor_costs:
                    coefs[int(y[i, k])] = -m.actor_costs[a.id]
            model.add_row(
                f"cohesion: {a.id}'s payoff in phase {k + 1} >= its reservation {a.reservation:g}",
                coefs,
                lb=a.reservation,
                group="cohesion",
            )


def resources(model: LinearModel, s: Scenario, z: np.ndarray) -> None:
    """Renewable capacities: steps under way in phase ``t`` fit in each resource.

    A step of duration ``D`` done in phase ``g`` is under way in phases
    ``g - D + 1 .. g``, i.e. in ``t`` exactly when ``z[d, min(t+D-1, K)] -
    z[d, t-1] = 1``.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    s : Scenario
        The scenario (``resources`` and milestones' ``uses``).
    z : numpy.ndarray
        Column indices of ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    """
    for r in s.resources:
        for t in range(1, s.phases + 1):
            coefs: dict[int, float] = {}
            for i, d in enumerate(s.milestones):
                use = d.uses.get(r.id, 0.0)
                if use == 0.0:
                    continue
                last = min(t + d.duration - 1, s.phases)
                coefs[int(z[i, last - 1])] = coefs.get(int(z[i, last - 1]), 0.0) + use
                if t > 1:
                    coefs[int(z[i, t - 2])] = coefs.get(int(z[i, t - 2]), 0.0) - use
            if coefs:
                model.add_row(
                    f"resource {r.id}: steps under way in phase {t} use at most {r.capacity:g}",
                    coefs,
                    ub=r.capacity,
                    group="resource",
                )


def progress(
    model: LinearModel, s: Scenario, y: np.ndarray, z: np.ndarray, co: Coefficients
) -> None:
    """Per-phase minimum and maximum progress, and minimum new relief.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    s : Scenario
        The scenario.
    y, z : numpy.ndarray
        Column indices of ``y[m, k]`` and ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    co : Coefficients
        Scenario coefficients.
    """
    p = s.parameters
    for k in range(1, s.phases + 1):
        lo = p.min_progress[k - 1] if p.min_progress else 0.0
        hi = p.max_progress[k - 1] if p.max_progress else INF
        if lo > 0 or hi < INF:
            model.add_row(
                f"progress in phase {k}: coalition value of new steps in [{lo:g}, {hi:g}]",
                _delta_row(z, co.u, k),
                lb=lo,
                ub=hi,
                group="progress",
            )
        if p.min_relief and p.min_relief[k - 1] > 0:
            model.add_row(
                f"relief in phase {k}: new relief >= {p.min_relief[k - 1]:g} USD m/yr",
                _delta_row(y, co.v, k),
                lb=p.min_relief[k - 1],
                group="relief",
            )


def participation(
    model: LinearModel, s: Scenario, y: np.ndarray, z: np.ndarray, co: Coefficients
) -> None:
    """``sum_m v_m y[m,k] >= alpha sum_d c_d z[d,k]`` for every phase.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    s : Scenario
        The scenario.
    y, z : numpy.ndarray
        Column indices of ``y[m, k]`` and ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    co : Coefficients
        Scenario coefficients.
    """
    alpha = s.parameters.reciprocity
    for k in range(s.phases):
        coefs = {int(y[i, k]): float(v) for i, v in enumerate(co.v)}
        coefs.update({int(z[i, k]): -alpha * float(c) for i, c in enumerate(co.c)})
        model.add_row(
            f"participation in phase {k + 1}: relief >= {alpha:g} x cost of steps",
            coefs,
            lb=0.0,
            group="participation",
        )


def reversibility(
    model: LinearModel, s: Scenario, y: np.ndarray, z: np.ndarray, co: Coefficients
) -> None:
    """Irreversibility balance ``sum v(1-r) y <= rho sum c(1-b) z`` when ``rho`` is set.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    s : Scenario
        The scenario.
    y, z : numpy.ndarray
        Column indices of ``y[m, k]`` and ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    co : Coefficients
        Scenario coefficients.
    """
    rho = s.parameters.irreversibility_ratio
    if rho is None:
        return
    for k in range(s.phases):
        coefs = {int(y[i, k]): float(v) for i, v in enumerate(co.v * (1 - co.r))}
        coefs.update({int(z[i, k]): -rho * float(c) for i, c in enumerate(co.c * (1 - co.b))})
        model.add_row(
            f"irreversibility balance in phase {k + 1}: irreversible relief <= "
            f"{rho:g} x irreversible step cost",
            coefs,
            ub=0.0,
            group="reversibility",
        )


def leverage(
    model: LinearModel, s: Scenario, y: np.ndarray, z: np.ndarray, co: Coefficients
) -> tuple[np.ndarray, int]:
    """Define ``L_k`` as the leverage against the target's best deviation (``solver.payoffs``).

    With ``G_k = V^C_k - a (R_k - C_k)`` (``a`` the annuity factor
    ``years * delta / (1 - delta)``), ``A_k = sum_m v_m q_m r_m y[m,k]`` and
    ``B_{k,d} = sum_{e: p_e <= p_d} c_e b_e z[e,k]`` (cost restored by the
    deviation class of step ``d``), the rows are

    * ``L_k <= G_k + a p_d A_k - a B_{k,d} + M_k (1 - z[d,k])`` for every step ``d``,
    * ``L_k <= G_k + M'_k n_k`` with ``n_k <= sum_d z[d,k]`` (nothing done: nothing
      to reverse), and ``Lmin <= L_k``.

    Maximising ``L_k`` makes it the minimum over the classes that exist.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    s : Scenario
        The scenario.
    y, z : numpy.ndarray
        Column indices of ``y[m, k]`` and ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    co : Coefficients
        Scenario coefficients (with credibility overrides).

    Returns
    -------
    tuple
        Columns of ``L_k`` and of ``Lmin``.
    """
    kk, ann = s.phases, co.annuity
    w = co.years * continuation_weights(co.delta, kk)
    a = co.v * co.q * co.r
    a_max, p_max = float(a.sum()), float(co.p.max(initial=0.0))
    big = ann * (p_max * a_max + float(co.c @ co.b)) + 1.0
    levels = np.unique(co.p)
    lev = np.array([model.add_var(f"L[{k + 1}]", lb=-INF) for k in range(kk)])
    lmin = model.add_var("Lmin", lb=-INF)
    for k in range(kk):
        g = _comply_minus_stay(model, k, y, z, co, w, ann)
        acol = model.add_var(f"A[{k + 1}]", ub=a_max)
        model.add_row(
            f"definition of A_{k + 1}",
            {acol: 1.0, **{int(y[i, k]): -float(x) for i, x in enumerate(a)}},
            lb=0.0,
            ub=0.0,
            group="definition",
        )
        restored = _restored(model, k, z, co, levels)
        for i, pd in enumerate(co.p):
            model.add_row(
                f"L_{k + 1} <= leverage against reversing every step with p <= {pd:g}",
                {
                    int(lev[k]): 1.0,
                    g: -1.0,
                    acol: -ann * pd,
                    restored[float(pd)]: ann,
                    int(z[i, k]): big,
                },
                ub=big,
                group="definition",
            )
        n = model.add_var(f"n[{k + 1}]", ub=1.0)
        model.add_row(
            f"some step done by phase {k + 1}",
            {n: 1.0, **{int(z[i, k]): -1.0 for i in range(len(co.p))}},
            ub=0.0,
            group="definition",
        )
        model.add_row(
            f"L_{k + 1} <= leverage when no step is done",
            {int(lev[k]): 1.0, g: -1.0, n: -(ann * p_max * a_max + 1.0)},
            ub=0.0,
            group="definition",
        )
        model.add_row(
            f"Lmin <= L_{k + 1}", {lmin: 1.0, int(lev[k]): -1.0}, ub=0.0, group="definition"
        )
    return lev, lmin


def _comply_minus_stay(
    model: LinearModel,
    k: int,
    y: np.ndarray,
    z: np.ndarray,
    co: Coefficients,
    w: np.ndarray,
    ann: float,
) -> int:
    """Column ``G_k = V^C_k - a (R_k - C_k)`` and its defining row."""
    g = model.add_var(f"G[{k + 1}]", lb=-INF)
    coefs: dict[int, float] = {g: 1.0}
    for t in range(co.phases):
        here = ann if t == k else 0.0
        for i, v in enumerate(co.v):
            coefs[int(y[i, t])] = -(w[k, t] - here) * v
        for i, c in enumerate(co.c):
            coefs[int(z[i, t])] = (w[k, t] - here) * c
    model.add_row(f"definition of G_{k + 1}", coefs, lb=0.0, ub=0.0, group="definition")
    return g


def _restored(
    model: LinearModel, k: int, z: np.ndarray, co: Coefficients, levels: np.ndarray
) -> dict[float, int]:
    """Columns ``B_{k,pi}``: cost restored by reversing every done step with ``p <= pi``."""
    out: dict[float, int] = {}
    prev: int | None = None
    for pi in levels:
        col = model.add_var(f"B[{k + 1},{pi:g}]")
        coefs: dict[int, float] = {col: 1.0}
        if prev is not None:
            coefs[prev] = -1.0
        for i in np.nonzero(co.p == pi)[0]:
            coefs[int(z[i, k])] = -float(co.c[i] * co.b[i])
        model.add_row(
            f"definition of B_{k + 1} at p={pi:g}", coefs, lb=0.0, ub=0.0, group="definition"
        )
        out[float(pi)] = prev = col
    return out


def objective(
    model: LinearModel, s: Scenario, vm: VarMap, co: Coefficients, opts: BuildOptions
) -> dict[str, Any]:
    """Set the objective coefficients (see ``docs/formulation.md``, Objectives).

    Parameters
    ----------
    model : LinearModel
        Model whose objective is set.
    s : Scenario
        The scenario.
    vm : VarMap
        Column indices.
    co : Coefficients
        Scenario coefficients.
    opts : BuildOptions
        Which objective.

    Returns
    -------
    dict
        ``{"weights": ...}``: the weights used.
    """
    kk, delta = s.phases, co.delta
    disc = np.array([delta**k for k in range(kk)])
    weights: Mapping[str, float]
    if opts.objective == "leverage":
        weights = {"leverage": 1.0, "speed": 0.0, "relief": 0.0}
    elif opts.objective == "speed":
        weights = {"leverage": 0.0, "speed": 1.0, "relief": 0.0}
    else:
        weights = {"leverage": 1.0, "speed": 1.0, "relief": 0.0} | dict(s.parameters.weights)
    scale = max(1.0, float(co.v.sum() + co.c.sum()))
    tb = TIEBREAK_WEIGHT
    if weights["leverage"] and vm.lmin is not None and vm.leverage is not None:
        model.obj[vm.lmin] += weights["leverage"]
        for col in vm.leverage:
            model.obj[int(col)] += weights["leverage"] * SECONDARY_WEIGHT / kk
    speed_w = weights["speed"] if weights["speed"] else tb * scale / max(1.0, float(co.u.sum()))
    for i, u in enumerate(co.u):
        for k in range(kk):
            model.obj[int(vm.z[i, k])] += speed_w * u * disc[k] * (1 - delta)
    relief_w = weights["relief"] if weights["relief"] else tb
    for i, v in enumerate(co.v):
        for k in range(kk):
            model.obj[int(vm.y[i, k])] -= relief_w * (v + 1.0) * disc[k] * (1 - delta)
    return {"weights": dict(weights)}
