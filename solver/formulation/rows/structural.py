"""Structural row families: rows whose coefficients are fixed by the scenario's structure.

Each function ``family(model, ctx)`` adds its rows one by one with
:meth:`~solver.model.LinearModel.add_row`.  Their coefficients are small
integers or structural data (resource use, capacities), never the numbers a
sensitivity sweep varies, so a :class:`~solver.formulation.template.StepTemplate`
never refills them (presolve relies on that: :mod:`solver.presolve`).
"""

from __future__ import annotations

import numpy as np

from solver.formulation.rows.base import Context, as_coefs, phase_change
from solver.model import LinearModel
from solver.scenario import Scenario


def monotone(model: LinearModel, ctx: Context) -> None:
    """Monotone state: ``x[e, k] <= x[e, k + 1]`` for every measure and milestone.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    ctx : Context
        The scenario and its state columns.
    """
    s = ctx.scenario
    ids = [
        (ctx.y, [m.id for m in s.measures], "granted"),
        (ctx.z, [d.id for d in s.milestones], "done"),
    ]
    for arr, names, what in ids:
        for i, eid in enumerate(names):
            for k in range(1, s.phases):
                model.add_row(
                    f"{eid} {what} by phase {k} stays {what} in phase {k + 1}",
                    {int(arr[i, k - 1]): 1.0, int(arr[i, k]): -1.0},
                    ub=0.0,
                    group="monotone",
                )


def ends(model: LinearModel, ctx: Context) -> None:
    """A flow that ends with an event: ``a[m,k] = y[m,k] (1 - e_k)``, exactly, for binaries.

    For each measure with ``ends_with`` (event ``e``: a measure's ``y`` or a
    milestone's ``z``) the column ``a[m,k] = held[m, k]`` satisfies
    ``a <= y[m,k]``, ``a <= 1 - e_k`` and ``a >= y[m,k] - e_k``.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    ctx : Context
        The scenario, its state columns and the held columns.
    """
    s, co = ctx.scenario, ctx.co
    for i, m in enumerate(s.measures):
        end = co.ends[i]
        if end is None:
            continue
        event = ctx.y if end[0] == "measure" else ctx.z
        for k in range(s.phases):
            a, y, e = int(ctx.held[i, k]), int(ctx.y[i, k]), int(event[end[1], k])
            what = f"{m.id} in force in phase {k + 1}"
            model.add_row(f"{what}: only if granted", {a: 1.0, y: -1.0}, ub=0.0, group="ends")
            model.add_row(
                f"{what}: not once {m.ends_with} has come", {a: 1.0, e: 1.0}, ub=1.0, group="ends"
            )
            model.add_row(
                f"{what}: granted and {m.ends_with} not yet come",
                {a: 1.0, y: -1.0, e: 1.0},
                lb=0.0,
                group="ends",
            )


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


def windows(model: LinearModel, ctx: Context) -> None:
    """Phase windows: nothing before ``first``; nothing new after ``last``.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    ctx : Context
        The scenario, its state columns and the options
        (``elastic_windows`` turns window lower bounds into rows).
    """
    s, el = ctx.scenario, ctx.options.elastic_windows
    for i, m in enumerate(s.measures):
        _window_rows(model, ctx.y, i, m.id, s.measure_window(m), "granted", s.phases, el)
    for i, d in enumerate(s.milestones):
        _window_rows(model, ctx.z, i, d.id, s.milestone_window(d), "done", s.phases, el)


def mandatory(model: LinearModel, ctx: Context) -> None:
    """Mandatory measures and milestones: ``x[e, mandatory_by] = 1``.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    ctx : Context
        The scenario and its state columns.
    """
    s = ctx.scenario
    items: list[tuple[np.ndarray, int, str, int | None, str]] = [
        (ctx.y, i, m.id, m.mandatory_by, "granted") for i, m in enumerate(s.measures)
    ] + [(ctx.z, i, d.id, d.mandatory_by, "done") for i, d in enumerate(s.milestones)]
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


def precedence(model: LinearModel, ctx: Context) -> None:
    """Weak (same phase allowed) and strict precedence, with milestone durations.

    A milestone of duration ``D`` done by phase ``k`` started in phase
    ``k - D + 1``: a weak prerequisite must be done by then, a strict one by
    the phase before.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    ctx : Context
        The scenario and its state columns.
    """
    s, y, z = ctx.scenario, ctx.y, ctx.z
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


def bundles(model: LinearModel, ctx: Context) -> None:
    """Bundles: ``y[m, k] = y[m', k]`` for the measures of one bundle.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    ctx : Context
        The scenario and its state columns.
    """
    s, y = ctx.scenario, ctx.y
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


def consent(model: LinearModel, ctx: Context) -> None:
    """Actor consent conditions: ``y[m, k] <= z[d, k]`` for each condition ``d`` of a consenter.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    ctx : Context
        The scenario and its state columns.
    """
    s, y, z = ctx.scenario, ctx.y, ctx.z
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


def capacity(model: LinearModel, ctx: Context) -> None:
    """Instrument capacity: at most ``capacity`` new grant actions per phase.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    ctx : Context
        The scenario and its state columns.
    """
    s = ctx.scenario
    caps = {i.id: i.capacity for i in s.instruments if i.capacity is not None}
    for inst, reps in _actions(s).items():
        if inst not in caps:
            continue
        for k in range(1, s.phases + 1):
            model.add_row(
                f"instrument {inst}: at most {caps[inst]} new grant(s) in phase {k}",
                as_coefs(*phase_change(ctx.y[reps], np.ones(len(reps)), k)),
                ub=float(caps[inst]),
                group="capacity",
            )


def resources(model: LinearModel, ctx: Context) -> None:
    """Renewable capacities: steps under way in phase ``t`` fit in each resource.

    A step of duration ``D`` done in phase ``g`` is under way in phases
    ``g - D + 1 .. g``, i.e. in ``t`` exactly when ``z[d, min(t+D-1, K)] -
    z[d, t-1] = 1``.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    ctx : Context
        The scenario (``resources`` and milestones' ``uses``) and its state columns.
    """
    s = ctx.scenario
    duration = np.array([d.duration for d in s.milestones], dtype=int)
    for r in s.resources:
        use = np.array([d.uses.get(r.id, 0.0) for d in s.milestones], dtype=float)
        used = np.nonzero(use != 0.0)[0]
        if not len(used):
            continue
        for t in range(1, s.phases + 1):
            last = np.minimum(t + duration[used] - 1, s.phases)
            model.add_row(
                f"resource {r.id}: steps under way in phase {t} use at most {r.capacity:g}",
                as_coefs(*phase_change(ctx.z[used], use[used], t, last)),
                ub=r.capacity,
                group="resource",
            )


def incentive(model: LinearModel, ctx: Context, lev: np.ndarray) -> None:
    """Linear incentive compatibility: ``L_k >= 0`` in every phase.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows.
    ctx : Context
        The scenario.
    lev : numpy.ndarray
        Columns of ``L_k`` (from :func:`solver.formulation.rows.leverage.leverage`).
    """
    for k in range(ctx.scenario.phases):
        model.add_row(
            f"incentive compatibility in phase {k + 1}: leverage L_{k + 1} >= 0",
            {int(lev[k]): 1.0},
            lb=0.0,
            group="incentive",
        )
