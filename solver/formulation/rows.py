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
from solver.model import INF, LinearModel, RowBlock
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


def _cohesion_block(
    s: Scenario, co: Coefficients | None, y: np.ndarray, z: np.ndarray, *, names: bool
) -> RowBlock:
    """Rows ``sum_d share_a u_d z[d,k] - sum_m cost_am y[m,k] >= reservation_a``."""
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lbs: list[float] = []
    labels: list[str] = []
    u = np.array([d.value for d in s.milestones], dtype=float)
    for a in s.actors:
        if a.reservation is None:
            continue
        who = [i for i, m in enumerate(s.measures) if a.id in m.actor_costs]
        cost = np.array([s.measures[i].actor_costs[a.id] for i in who], dtype=float)
        for k in range(s.phases):
            cols.append(np.concatenate([z[:, k], y[who, k]]))
            vals.append(np.concatenate([a.value_share * u, -cost]))
            lbs.append(a.reservation)
            if names:
                labels.append(
                    f"cohesion: {a.id}'s payoff in phase {k + 1} >= its reservation "
                    f"{a.reservation:g}"
                )
    return RowBlock("cohesion", cols, vals, lbs, [INF] * len(cols), labels if names else None)


def _cohesion(model: LinearModel, s: Scenario, y: np.ndarray, z: np.ndarray) -> None:
    model.add_block(_cohesion_block, s, None, y, z)


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


def _delta(arr: np.ndarray, weights: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Pattern and values of ``sum_i w_i (x[i,k] - x[i,k-1])`` (1-based ``k``), vectorised."""
    if k == 1:
        return arr[:, 0].copy(), np.asarray(weights, dtype=float).copy()
    cols = np.stack([arr[:, k - 1], arr[:, k - 2]], axis=1).ravel()
    vals = np.stack([weights, -np.asarray(weights, dtype=float)], axis=1).ravel()
    return cols, vals


def _progress_block(
    s: Scenario, co: Coefficients, y: np.ndarray, z: np.ndarray, *, names: bool
) -> RowBlock:
    p = s.parameters
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lbs: list[float] = []
    ubs: list[float] = []
    labels: list[str] = []
    for k in range(1, s.phases + 1):
        lo = p.min_progress[k - 1] if p.min_progress else 0.0
        hi = p.max_progress[k - 1] if p.max_progress else INF
        if lo > 0 or hi < INF:
            c, v = _delta(z, co.u, k)
            cols.append(c)
            vals.append(v)
            lbs.append(lo)
            ubs.append(hi)
            if names:
                labels.append(
                    f"progress in phase {k}: coalition value of new steps in [{lo:g}, {hi:g}]"
                )
        if p.min_relief and p.min_relief[k - 1] > 0:
            c, v = _delta(y, co.v, k)
            cols.append(c)
            vals.append(v)
            lbs.append(p.min_relief[k - 1])
            ubs.append(INF)
            if names:
                labels.append(
                    f"relief in phase {k}: new relief >= {p.min_relief[k - 1]:g} USD m/yr"
                )
    return RowBlock("progress", cols, vals, lbs, ubs, labels if names else None)


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
    model.add_block(_progress_block, s, co, y, z)


def _participation_block(
    s: Scenario, co: Coefficients, y: np.ndarray, z: np.ndarray, *, names: bool
) -> RowBlock:
    alpha = s.parameters.reciprocity
    kk = s.phases
    vals = np.concatenate([co.v, -alpha * co.c])
    return RowBlock(
        "participation",
        [np.concatenate([y[:, k], z[:, k]]) for k in range(kk)],
        [vals] * kk,
        [0.0] * kk,
        [INF] * kk,
        [f"participation in phase {k + 1}: relief >= {alpha:g} x cost of steps" for k in range(kk)]
        if names
        else None,
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
    model.add_block(_participation_block, s, co, y, z)


def _reversibility_block(
    s: Scenario, co: Coefficients, y: np.ndarray, z: np.ndarray, *, names: bool
) -> RowBlock:
    rho = s.parameters.irreversibility_ratio
    if rho is None:  # the template's structure signature records this
        return RowBlock("reversibility", [], [], [], [], [] if names else None)
    kk = s.phases
    vals = np.concatenate([co.v * (1 - co.r), -rho * co.c * (1 - co.b)])
    return RowBlock(
        "reversibility",
        [np.concatenate([y[:, k], z[:, k]]) for k in range(kk)],
        [vals] * kk,
        [-INF] * kk,
        [0.0] * kk,
        [
            f"irreversibility balance in phase {k + 1}: irreversible relief <= "
            f"{rho:g} x irreversible step cost"
            for k in range(kk)
        ]
        if names
        else None,
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
    if s.parameters.irreversibility_ratio is not None:
        model.add_block(_reversibility_block, s, co, y, z)


def leverage(
    model: LinearModel,
    s: Scenario,
    y: np.ndarray,
    z: np.ndarray,
    co: Coefficients,
    dense: bool = False,
) -> tuple[np.ndarray, int]:
    """Define ``L_k`` as the leverage against the target's best deviation (``solver.payoffs``).

    With ``G_k = V^C_k - a (R_k - C_k)`` (``a`` the annuity factor
    ``years * delta / (1 - delta)``), ``A_k = sum_m v_m q_m r_m y[m,k]`` and
    ``B_{k,d} = sum_{e: p_e <= p_d} c_e b_e z[e,k]`` (cost restored by the
    deviation class of step ``d``), the rows are

    * ``L_k <= G_k + a p_d A_k - a B_{k,d} + M_k (1 - z[d,k])`` for every step ``d``,
    * ``L_k <= G_k + M'_k n_k`` with ``n_k <= sum_d z[d,k]`` (nothing done: nothing
      to reverse), and ``Lmin <= L_k``.

    Maximising ``L_k`` makes it the minimum over the classes that exist.  The
    columns ``B_{k,pi}`` form a chain over the distinct detection levels ``pi``
    (their number and membership are part of the model's structure); with
    ``dense`` there are no ``B`` columns and each row carries
    ``a c_e b_e [p_e <= p_d]`` on every ``z[e,k]`` instead.

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
    dense : bool, optional
        Inline the restored cost (see :class:`BuildOptions` ``dense_classes``).

    Returns
    -------
    tuple
        Columns of ``L_k`` and of ``Lmin``.
    """
    kk = s.phases
    levels = np.unique(co.p)[: 0 if dense else None]
    lev = np.array([model.add_var(f"L[{k + 1}]", lb=-INF) for k in range(kk)])
    lmin = model.add_var("Lmin", lb=-INF)
    aux = np.zeros((kk, 3 + len(levels)), dtype=int)  # G_k, A_k, n_k, B_{k, level}
    for k in range(kk):
        aux[k, 0] = model.add_var(f"G[{k + 1}]", lb=-INF)
        aux[k, 1] = model.add_var(f"A[{k + 1}]")
        for j, pi in enumerate(levels):
            aux[k, 3 + j] = model.add_var(f"B[{k + 1},{pi:g}]")
        aux[k, 2] = model.add_var(f"n[{k + 1}]", ub=1.0)
    model.add_block(_leverage_block, s, co, y, z, lev, lmin, aux)
    return lev, lmin


def _leverage_block(
    s: Scenario,
    co: Coefficients,
    y: np.ndarray,
    z: np.ndarray,
    lev: np.ndarray,
    lmin: int,
    aux: np.ndarray,
    *,
    names: bool,
) -> RowBlock:
    """Every row of :func:`leverage`, phase by phase."""
    kk, ann = s.phases, co.annuity
    w = co.years * continuation_weights(co.delta, kk)
    a = co.v * co.q * co.r
    a_max, p_max = float(a.sum()), float(co.p.max(initial=0.0))
    big = ann * (p_max * a_max + float(co.c @ co.b)) + 1.0
    dense = aux.shape[1] == 3
    levels, level_of = np.unique(co.p, return_inverse=True)
    if dense:
        levels = levels[:0]
    elif aux.shape[1] != 3 + len(levels):
        raise ValueError("the detection levels differ from the model's structure")
    restored = co.c * co.b
    n_d = len(co.p)
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lbs: list[float] = []
    ubs: list[float] = []
    labels: list[str] = []

    def row(c: np.ndarray, v: np.ndarray, lb: float, ub: float, label: str = "") -> None:
        cols.append(c)
        vals.append(v)
        lbs.append(lb)
        ubs.append(ub)
        if names:
            labels.append(label)

    for k in range(kk):
        g, acol, n = (int(x) for x in aux[k, :3])
        bcols = aux[k, 3:]
        # G_k - sum_{t>=k} (W[k,t] - a [t=k]) (sum_m v_m y[m,t] - sum_d c_d z[d,t]) = 0
        gc, gv = [np.array([g])], [np.array([1.0])]
        for t in range(k, kk):
            f = w[k, t] - (ann if t == k else 0.0)
            gc += [y[:, t], z[:, t]]
            gv += [-f * co.v, f * co.c]
        row(np.concatenate(gc), np.concatenate(gv), 0.0, 0.0, f"definition of G_{k + 1}")
        row(
            np.concatenate([[acol], y[:, k]]),
            np.concatenate([[1.0], -a]),
            0.0,
            0.0,
            f"definition of A_{k + 1}",
        )
        for j, pi in enumerate(levels):
            members = np.nonzero(level_of == j)[0]
            head = [bcols[j]] if j == 0 else [bcols[j], bcols[j - 1]]
            row(
                np.concatenate([head, z[members, k]]),
                np.concatenate([[1.0, -1.0][: len(head)], -restored[members]]),
                0.0,
                0.0,
                f"definition of B_{k + 1} at p={pi:g}",
            )
        # L_k rows, one per step d (all at once)
        if dense:
            lv = np.zeros((n_d, 3 + n_d))
            lv[:, 3:] = ann * restored[None, :] * (co.p[None, :] <= co.p[:, None])
            lv[np.arange(n_d), 3 + np.arange(n_d)] += big
            lhead = np.array([lev[k], g, acol])
            lc = np.broadcast_to(np.concatenate([lhead, z[:, k]]), lv.shape)
        else:
            lv = np.zeros((n_d, 5))
            lv[:, 3], lv[:, 4] = ann, big
            lc = np.column_stack(
                [
                    np.full(n_d, lev[k]),
                    np.full(n_d, g),
                    np.full(n_d, acol),
                    bcols[level_of],
                    z[:, k],
                ]
            )
        lv[:, 0], lv[:, 1], lv[:, 2] = 1.0, -1.0, -ann * co.p
        cols.extend(list(lc))
        vals.extend(list(lv))
        lbs.extend([-INF] * n_d)
        ubs.extend([big] * n_d)
        if names:
            labels.extend(
                f"L_{k + 1} <= leverage against reversing every step with p <= {pd:g}"
                for pd in co.p
            )
        row(
            np.concatenate([[n], z[:, k]]),
            np.concatenate([[1.0], -np.ones(n_d)]),
            -INF,
            0.0,
            f"some step done by phase {k + 1}",
        )
        row(
            np.array([lev[k], g, n]),
            np.array([1.0, -1.0, -(ann * p_max * a_max + 1.0)]),
            -INF,
            0.0,
            f"L_{k + 1} <= leverage when no step is done",
        )
        row(np.array([lmin, lev[k]]), np.array([1.0, -1.0]), -INF, 0.0, f"Lmin <= L_{k + 1}")
    return RowBlock("definition", cols, vals, lbs, ubs, labels if names else None)


def objective(
    model: LinearModel, s: Scenario, vm: VarMap, co: Coefficients, opts: BuildOptions
) -> dict[str, Any]:
    """Set the objective coefficients (see ``docs/formulation.md``, Objectives).

    Parameters
    ----------
    model : LinearModel
        Model whose objective is set (its columns must all exist).
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
    c, info = objective_vector(model.num_vars, s, vm, co, opts)
    model.obj = c.tolist()
    return info


def objective_vector(
    n: int, s: Scenario, vm: VarMap, co: Coefficients, opts: BuildOptions
) -> tuple[np.ndarray, dict[str, Any]]:
    """The objective coefficients of a model with ``n`` columns, as one vector.

    Parameters
    ----------
    n : int
        Number of columns.
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
    tuple
        The vector and ``{"weights": ...}`` (the weights used).
    """
    kk, delta = s.phases, co.delta
    disc = delta ** np.arange(kk)
    weights: Mapping[str, float]
    if opts.objective == "leverage":
        weights = {"leverage": 1.0, "speed": 0.0, "relief": 0.0}
    elif opts.objective == "speed":
        weights = {"leverage": 0.0, "speed": 1.0, "relief": 0.0}
    else:
        weights = {"leverage": 1.0, "speed": 1.0, "relief": 0.0} | dict(s.parameters.weights)
    scale = max(1.0, float(co.v.sum() + co.c.sum()))
    tb = TIEBREAK_WEIGHT
    c = np.zeros(n)
    if weights["leverage"] and vm.lmin is not None and vm.leverage is not None:
        c[vm.lmin] += weights["leverage"]
        c[vm.leverage] += weights["leverage"] * SECONDARY_WEIGHT / kk
    speed_w = weights["speed"] if weights["speed"] else tb * scale / max(1.0, float(co.u.sum()))
    c[vm.z] += speed_w * np.outer(co.u, disc) * (1 - delta)
    relief_w = weights["relief"] if weights["relief"] else tb
    c[vm.y] -= relief_w * np.outer(co.v + 1.0, disc) * (1 - delta)
    return c, {"weights": dict(weights)}
