"""One plan chosen against many sampled worlds: the sample-average approximation.

The step model (``docs/formulation.md``) splits into the *plan* columns
(``y``, ``z`` and the held-relief columns, shared by every world) and the
columns and rows whose numbers the world sets: the leverage block (``L_k``
and its auxiliaries), the incentive rows ``L_k >= 0``, the members' rows and
the participation, cohesion and irreversibility-ratio rows.  The robust model
keeps one copy of the plan columns with the design rules (windows,
precedence, bundles, consent, capacity, resources, progress and relief
floors) from the scenario as written, and one copy of the world block per
sampled world, refilled with that world's numbers by the row-block makers
the step model itself uses (the model is built once; only the numbers of the
world blocks are recomputed per world).

Criteria (``docs/robust.md``):

* ``chance``: maximise the number of worlds in which the plan *works*; a
  binary ``w_s`` per world relaxes that world's condition rows by a big-M
  when 0.  The design rules, and (``nominal="hard"``, the default) the
  conditions of the scenario as written (the plan must work in the
  analyst's own estimate), are hard.
* ``quantile`` (level ``a``): maximise ``eta`` such that the minimum
  leverage is at least ``eta`` in a share ``1 - a`` of the worlds.
* ``cvar`` (level ``a``): maximise the mean of the minimum leverage over the
  worst share ``a`` of the worlds (Rockafellar and Uryasev 2000).
* ``worst``: maximise the smallest minimum leverage over all worlds.

For the last three, too, the conditions of the scenario as written
(incentive, members, participation, cohesion, ratio) are hard, as in a
nominal solve, and each sampled world adds only its leverage.

What makes the solve stronger, all exact (the optimum is unchanged;
``docs/robust.md``, "Solving it"): a **candidate pool** of plans that are
cheap to get (the nominal optimum, the proposal, the one-world optima of a
few worlds) judged in every in-sample world by the batched engine, the best
one handed to the MIP as its start and kept if the MIP's plan does no
better; HiGHS **presolve**; on request **tight big-Ms** on the incentive
rows (a bound on the leverage every plan can reach in that world, from the
world's own rows); **identical worlds merged** with their weights added; and, on
request, **screening**: each world solved alone first, and a world no plan
reaches dropped (its binary is 0 in every solution).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solver.formulation.common import BuildOptions
from solver.formulation.template import StepTemplate
from solver.model import LinearModel
from solver.payoffs import coefficients
from solver.plan import Schedule
from solver.robust.batch import Worlds
from solver.scenario import Scenario

__all__ = [
    "BIG_M",
    "CRITERIA",
    "NOMINAL",
    "RobustSolution",
    "ceiling",
    "robust_model",
    "solve_robust",
]

CRITERIA = ("chance", "quantile", "cvar", "worst")
"""The robust criteria."""

NOMINAL = ("hard", "soft")
"""How the scenario as written enters: ``hard`` (the plan must work in it) or ``soft``."""

BIG_M = ("loose", "tight")
"""Big-M of the ``chance`` incentive rows: ``loose`` (all flows) or ``tight`` (the world's rows)."""

CONDITION_GROUPS = ("incentive", "coalition", "participation", "cohesion", "reversibility")
"""Row groups that say whether the plan works in a world (relaxed per world by ``chance``)."""

POOL_WORLDS = 10
"""One-world optima added to the candidate pool by default (the first worlds): about 0.1 s each."""

_WORLD_BLOCKS = (
    "leverage_block",
    "coalition_block",
    "participation_block",
    "cohesion_block",
    "reversibility_block",
)


@dataclass(frozen=True)
class RobustSolution:
    """The robust model's answer.

    Attributes
    ----------
    schedule : Schedule or None
        The plan (``None`` without a solution): the MIP's, or the pool's best
        when that works in more in-sample worlds (``chosen``).
    status : str
        The backend's status value.
    objective : float or None
        The criterion's value at the MIP's plan: a share of worlds for
        ``chance``, USD m otherwise.
    bound : float or None
        The best proven bound on it (same units).
    gap : float or None
        Gap between the two (0 when proven optimal): absolute for ``chance``
        (a share), relative otherwise.
    seconds : float
        Wall-clock time: the pool, the screening, the build and the solve.
    rows, columns, binaries : int
        Size of the robust model.
    in_sample : float or None
        ``chance``: the share of the in-sample worlds (types weighted by
        prior) where ``schedule`` works, judged by the batched engine.
    incumbent : dict or None
        The pool's best plan: ``{"source", "in_sample", "objective"}`` (its
        share judged by the batched engine, its value in the MIP); ``None``
        when no pool plan fits the hard rows.
    pool : tuple of dict
        Every pool plan: ``{"source", "in_sample"}``.
    chosen : str
        ``"mip"`` or ``"pool"``: where ``schedule`` comes from.
    ceiling : float or None
        With screening: the in-sample share of worlds some plan reaches (under
        the same hard rows), an upper bound on ``objective``.
    merged, screened_out : int
        Worlds merged into an identical one, and worlds dropped by screening.
    nodes : int or None
        Branch-and-bound nodes of the MIP (when the backend reports them).
    timings : dict
        Seconds per stage (``pool``, ``screen``, ``build``, ``start``, ``solve``).
    """

    schedule: Schedule | None
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    rows: int
    columns: int
    binaries: int
    in_sample: float | None = None
    incumbent: dict[str, Any] | None = None
    pool: tuple[dict[str, Any], ...] = ()
    chosen: str = "mip"
    ceiling: float | None = None
    merged: int = 0
    screened_out: int = 0
    nodes: int | None = None
    timings: dict[str, float] = field(default_factory=dict)


def _variants(scenario: Scenario, worlds: Worlds) -> list[Scenario]:
    from solver.sensitivity.paths import SampleApplier

    make = SampleApplier(scenario)
    return [make(worlds.sample(i)) for i in range(worlds.n)]


def _row_slices(model: LinearModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row starts, columns and values of ``model``'s rows (its CSR matrix)."""
    a = model.matrix()
    return a.indptr, a.indices, a.data


@dataclass
class _Parts:
    """The template split into plan and world parts (computed once)."""

    tpl: StepTemplate
    base: LinearModel
    plan_cols: np.ndarray
    world_cols: np.ndarray
    world_row: np.ndarray
    starts: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    bounds: _BoundProgramme | None = None


def _parts(scenario: Scenario, two_sided: bool, template: StepTemplate | None) -> _Parts:
    opts = BuildOptions(objective="leverage", require_ic=True, two_sided=two_sided)
    tpl = template if template is not None else StepTemplate(scenario, opts)
    base = tpl.built.model
    v = tpl.built.vars
    plan = set(v.y.ravel().tolist()) | set(v.z.ravel().tolist())
    if v.held is not None:
        plan |= set(v.held.ravel().tolist())
    is_plan = np.zeros(base.num_vars, dtype=bool)
    is_plan[sorted(plan)] = True
    world_cols = np.flatnonzero(~is_plan)
    block_rows = {span.make.__name__: span.rows for span in base.blocks}
    world_row = np.zeros(base.num_rows, dtype=bool)
    for name in _WORLD_BLOCKS:
        if name in block_rows:
            r0, r1 = block_rows[name]
            world_row[r0:r1] = True
    starts, cols, vals = _row_slices(base)
    on_world = ~is_plan[cols]
    row_of = np.repeat(np.arange(base.num_rows), np.diff(starts))
    world_row[np.unique(row_of[on_world])] = True  # rows on the world's columns: the incentive rows
    return _Parts(tpl, base, np.flatnonzero(is_plan), world_cols, world_row, starts, cols, vals)


@dataclass
class _Entry:
    """One copy of the world block: its scenario, weight and what it must satisfy."""

    scenario: Scenario
    tag: str
    weight: float
    mode: str  # "hard", "weighted" (counts in the criterion) or "exposure"
    bound: float | None = None
    world: LinearModel | None = None
    co: Any = None


def _entries(
    s: Scenario,
    worlds: Worlds,
    types: bool,
    require_types: tuple[str, ...],
    max_exposure: float | None,
    nominal: str = "hard",
) -> list[_Entry]:
    """The scenario as written (hard), the types' own rows, then the weighted worlds."""
    from solver.robust.types import type_scenario, type_worlds

    if require_types or max_exposure is not None or worlds.n == 0:
        types = True
    kinds = s.target_types if types else ()
    known = {t.id for t in kinds}
    for wanted in require_types:
        if wanted not in known:
            raise ValueError(
                f"--require-type {wanted!r}: the scenario has no such target type "
                f"(types: {', '.join(sorted(known)) or 'none'})"
            )
    if max_exposure is not None and not kinds:
        raise ValueError("--max-exposure needs target types in the scenario ([[target_types]])")
    out = [_Entry(s, "as written", 0.0, "hard")] if nominal == "hard" else []
    for t in kinds:
        if t.id in require_types:
            out.append(_Entry(type_scenario(s, t), f"type {t.id}", 0.0, "hard"))
        elif max_exposure is not None:
            out.append(
                _Entry(type_scenario(s, t), f"type {t.id} exposure", 0.0, "exposure", max_exposure)
            )
    if worlds.n == 0:
        for t in kinds:
            out.append(_Entry(type_scenario(s, t), f"type {t.id} weighted", t.prior, "weighted"))
        return out
    if not kinds:
        variants = _variants(s, worlds)
        return out + [
            _Entry(v, f"world {i}", 1.0 / worlds.n, "weighted") for i, v in enumerate(variants)
        ]
    for t in kinds:
        st, wt = type_worlds(s, t, worlds)
        for i, v in enumerate(_variants(st, wt)):
            out.append(_Entry(v, f"world {i} type {t.id}", t.prior / worlds.n, "weighted"))
    return out


def _fill(parts: _Parts, entries: list[_Entry]) -> None:
    """Each entry's world model (the template refilled with its numbers)."""
    for e in entries:
        if e.world is None:
            e.co = coefficients(e.scenario)
            e.world = _world_model(parts.tpl, e.scenario, e.co)


def _merge(entries: list[_Entry]) -> tuple[list[_Entry], int]:
    """Weighted entries with identical world blocks become one, their weights added."""
    out: list[_Entry] = []
    seen: dict[bytes, _Entry] = {}
    merged = 0
    for e in entries:
        if e.mode != "weighted":
            out.append(e)
            continue
        assert e.world is not None
        key = b"".join(
            np.ascontiguousarray(x, dtype=float).tobytes()
            for x in (e.world.nonzero_values(), e.world.row_lb, e.world.row_ub)
        )
        if key in seen:
            seen[key].weight += e.weight
            merged += 1
            continue
        seen[key] = e
        out.append(e)
    return out, merged


def robust_model(
    scenario: Scenario,
    worlds: Worlds,
    *,
    criterion: str = "chance",
    level: float = 0.1,
    two_sided: bool = True,
    template: StepTemplate | None = None,
    types: bool = False,
    require_types: tuple[str, ...] = (),
    max_exposure: float | None = None,
    nominal: str = "hard",
    big_m: str = "loose",
    merge: bool = True,
) -> tuple[LinearModel, dict[str, Any]]:
    """Build the sample-average model of ``scenario`` over ``worlds``.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    worlds : Worlds
        The sampled worlds (:func:`solver.robust.batch.draw_worlds`).
    criterion : {"chance", "quantile", "cvar", "worst"}, optional
        What to maximise (default ``chance``).
    level : float, optional
        ``a`` for ``quantile`` and ``cvar``: the share of worst worlds (0, 1).
    two_sided : bool, optional
        Include the coalition members' rows (default ``True``).
    template : StepTemplate, optional
        A template of ``scenario`` built with ``require_ic=True`` and
        ``two_sided`` (``info["template"]`` of an earlier call), to reuse.
    types : bool, optional
        Cross every world with the scenario's ``target_types``, weighted by
        their priors (default ``False``; implied by ``require_types``,
        ``max_exposure`` and an empty ``worlds``; no effect without types).
    require_types : tuple of str, optional
        Types whose conditions hold hard in the scenario as written.
    max_exposure : float, optional
        Bound (USD m) on the exposure to every other type in the scenario as
        written (:mod:`solver.robust.types`).
    nominal : {"hard", "soft"}, optional
        ``hard`` (default): the plan must work in the scenario as written;
        ``soft``: only the design rules bind it there.
    big_m : {"loose", "tight"}, optional
        The ``chance`` incentive rows' big-M: ``loose`` (default) from all
        flows for all time; ``tight`` from a bound on the leverage every plan
        reaches in that world (smaller, and exact too, but on the default
        model HiGHS with presolve needed more nodes with it: 11 against 3,
        ``docs/robust.md``).
    merge : bool, optional
        Merge weighted worlds with identical numbers (default ``True``).

    Returns
    -------
    model : LinearModel
        The robust MIP (maximise).
    info : dict
        ``{"template", "world_columns", "worlds", "merged", "picks"}``
        (``picks``: the ``works`` binary of each weighted world, ``chance``
        and ``quantile``); the plan columns keep the template's indices.

    Raises
    ------
    ValueError
        For an unknown criterion, nominal or big-M rule, or a level outside (0, 1).
    """
    _check(criterion, level, nominal, big_m)
    parts = _parts(scenario, two_sided, template)
    entries = _entries(scenario, worlds, types, require_types, max_exposure, nominal)
    _fill(parts, entries)
    merged = 0
    if merge:
        entries, merged = _merge(entries)
    model, picks = _assemble(parts, entries, criterion, level, big_m)
    info = {
        "template": parts.tpl,
        "world_columns": int(parts.world_cols.size),
        "worlds": worlds.n,
        "merged": merged,
        "picks": picks,
        "parts": parts,
    }
    return model, info


def _check(criterion: str, level: float, nominal: str, big_m: str) -> None:
    if criterion not in CRITERIA:
        raise ValueError(f"criterion is {criterion!r}; choose one of {', '.join(CRITERIA)}")
    if criterion in ("quantile", "cvar") and not 0.0 < level < 1.0:
        raise ValueError(f"level is {level!r}; it must lie strictly between 0 and 1")
    if nominal not in NOMINAL:
        raise ValueError(f"nominal is {nominal!r}; choose one of {', '.join(NOMINAL)}")
    if big_m not in BIG_M:
        raise ValueError(f"big_m is {big_m!r}; choose one of {', '.join(BIG_M)}")


def _assemble(
    parts: _Parts,
    entries: Sequence[_Entry],
    criterion: str,
    level: float,
    big_m: str,
    *,
    force_works: bool = False,
) -> tuple[LinearModel, list[int]]:
    """The robust MIP over ``entries`` (each with its world model filled in).

    With ``force_works`` every ``works`` binary is fixed at 1 (a feasibility
    model: the one-world solves of the ceiling and of screening).
    """
    base, world_cols, world_row = parts.base, parts.world_cols, parts.world_row
    starts, cols, vals = parts.starts, parts.cols, parts.vals
    is_world_col = np.zeros(base.num_vars, dtype=bool)
    is_world_col[world_cols] = True
    m = LinearModel(f"{base.name}-robust-{criterion}", maximize=True)
    for j in range(base.num_vars):  # the plan columns first, at their own indices
        if not is_world_col[j]:
            m.add_var(base.var_names[j], lb=base.lb[j], ub=base.ub[j], integer=base.integer[j])
        else:  # a placeholder at the same index, fixed at 0 (the worlds have their own)
            m.add_var(f"unused[{j}]", lb=0.0, ub=0.0)
    for r in np.flatnonzero(~world_row).tolist():
        sl = slice(starts[r], starts[r + 1])
        m.add_row(
            base.row_names[r],
            dict(zip(cols[sl].tolist(), vals[sl].tolist(), strict=True)),
            lb=base.row_lb[r],
            ub=base.row_ub[r],
            group=base.row_groups[r],
        )

    lev = parts.tpl.built.vars.leverage
    if lev is None:
        raise ValueError("the scenario's model has no leverage columns")
    eta = None
    if criterion in ("quantile", "cvar", "worst"):
        eta = m.add_var("eta", lb=-math.inf, ub=math.inf, obj=1.0)
    picks: list[int] = []
    weights: list[float] = []
    world_rows = np.flatnonzero(world_row).tolist()
    for entry in entries:
        tag, weight, mode, co, world = entry.tag, entry.weight, entry.mode, entry.co, entry.world
        assert world is not None
        w_starts, w_cols, w_vals = _row_slices(world)
        col_map = {}
        for j in world_cols.tolist():
            col_map[j] = m.add_var(
                f"{base.var_names[j]}@{tag}", lb=base.lb[j], ub=base.ub[j], integer=False
            )
        pick = None
        if mode == "weighted" and criterion in ("chance", "quantile"):
            obj = weight if criterion == "chance" else 0.0
            lo_pick = 1.0 if force_works else 0.0
            pick = m.add_var(f"works@{tag}", lb=lo_pick, ub=1.0, integer=True, obj=obj)
            picks.append(pick)
            weights.append(weight)
        tight: dict[int, float] = {}
        relax = mode == "weighted" and criterion == "chance"
        if relax and big_m == "tight":
            tight = _tight_big_m(parts, world)
        for r in world_rows:
            sl = slice(w_starts[r], w_starts[r + 1])
            coefs = {
                col_map.get(int(c), int(c)): float(x)
                for c, x in zip(w_cols[sl], w_vals[sl], strict=True)
            }
            lo, hi = world.row_lb[r], world.row_ub[r]
            group = base.row_groups[r]
            condition = group in CONDITION_GROUPS
            if condition and (mode == "exposure" or (mode == "weighted" and criterion != "chance")):
                continue  # only the world's leverage (or exposure) counts
            if condition and relax:
                assert pick is not None
                big_lo, big_hi = _big_m(m, coefs, lo, hi, co)
                if r in tight:
                    big_lo = min(big_lo, tight[r])
                if math.isfinite(lo) and big_lo > 0:
                    m.add_row(
                        f"{base.row_names[r]} @{tag}",
                        {**coefs, pick: -big_lo},
                        lb=lo - big_lo,
                        group=group,
                    )
                if math.isfinite(hi) and big_hi > 0:
                    m.add_row(
                        f"{base.row_names[r]} @{tag}",
                        {**coefs, pick: big_hi},
                        ub=hi + big_hi,
                        group=group,
                    )
                continue  # a row that can never fail needs no copy
            m.add_row(f"{base.row_names[r]} @{tag}", coefs, lb=lo, ub=hi, group=group)
        if mode == "exposure":
            assert entry.bound is not None
            _exposure_rows(m, base, col_map, co, entry.bound, tag)
        if eta is not None and mode == "weighted":
            levels = [col_map[int(j)] for j in lev]
            if criterion == "worst":
                for c in levels:
                    m.add_row(f"eta <= L @{tag}", {eta: 1.0, c: -1.0}, ub=0.0, group="robust")
            elif criterion == "quantile":
                assert pick is not None
                big = _lev_bound(co)
                for c in levels:
                    m.add_row(
                        f"eta <= L unless dropped @{tag}",
                        {eta: 1.0, c: -1.0, pick: big},
                        ub=big,
                        group="robust",
                    )
            else:  # cvar: eta - (1/a) sum_s p_s u_s, u_s >= eta - L
                s_col = m.add_var(f"shortfall@{tag}", lb=0.0, obj=-weight / level)
                for c in levels:
                    m.add_row(
                        f"shortfall >= eta - L @{tag}",
                        {s_col: 1.0, eta: -1.0, c: 1.0},
                        lb=0.0,
                        group="robust",
                    )
    if criterion == "quantile":
        m.add_row(
            "worlds counted",
            dict(zip(picks, weights, strict=True)),
            lb=(1.0 - level) * sum(weights) - 1e-9,
            group="robust",
        )
    return m, picks


def _exposure_rows(
    m: LinearModel,
    base: LinearModel,
    col_map: dict[int, int],
    co: Any,
    bound: float,
    tag: str,
) -> None:
    """``G_k (R_k - Q_k - C_k + B_k) + sum_{t<=k} O_t <= bound`` for every phase ``k``."""
    g = co.timeline.annuity
    for k in range(co.phases):
        coefs: dict[int, float] = {}
        for name, sign in (("R", 1.0), ("Q", -1.0), ("C", -1.0), ("B", 1.0)):
            coefs[col_map[base.var(f"{name}[{k + 1}]")]] = sign * float(g[k])
        for t in range(k + 1):
            j = col_map[base.var(f"O[{t + 1}]")]
            coefs[j] = coefs.get(j, 0.0) + 1.0
        m.add_row(f"exposure after phase {k + 1} @{tag}", coefs, ub=bound, group="robust")


def _world_model(tpl: StepTemplate, variant: Scenario, co: Any) -> LinearModel:
    """The template's model with the world blocks recomputed for ``variant``."""
    m = tpl.built.model
    vals = m.nonzero_values().copy()
    row_lb = np.asarray(m.row_lb, dtype=float).copy()
    row_ub = np.asarray(m.row_ub, dtype=float).copy()
    for span in m.blocks:
        if span.make.__name__ not in _WORLD_BLOCKS:
            continue
        blk = span.make(variant, co, *span.args, names=False)
        (r0, r1), (n0, n1) = span.rows, span.nonzeros
        new = np.concatenate(blk.vals) if blk.vals else np.zeros(0)
        if len(blk.cols) != r1 - r0 or new.size != n1 - n0:
            raise ValueError(
                f"world block {span.make.__name__} changed shape: a sampled number changes "
                "which terms the model has (vary it by a smaller range, or fix it)"
            )
        vals[n0:n1] = new
        row_lb[r0:r1] = blk.lb
        row_ub[r0:r1] = blk.ub
    return m.copy(row_lb=row_lb, row_ub=row_ub, values=vals, blocks=())


def _activity_range(m: LinearModel, coefs: dict[int, float]) -> tuple[float, float]:
    lo = hi = 0.0
    for j, a in coefs.items():
        lb, ub = m.lb[j], m.ub[j]
        lo += a * (lb if a > 0 else ub)
        hi += a * (ub if a > 0 else lb)
    return lo, hi


def _lev_bound(co: Any) -> float:
    """A bound on ``|L_k|`` and every value in the world (USD m): all flows for all time."""
    g = float(np.max(co.timeline.annuity)) + float(sum(co.timeline.years))
    total = float(np.abs(co.v).sum() * 2 + np.abs(co.c).sum() * 2)
    return 2.0 * (g * total + float(np.abs(co.v * co.once).sum())) + 1.0


def _big_m(
    m: LinearModel, coefs: dict[int, float], lo: float, hi: float, co: Any
) -> tuple[float, float]:
    """How far a condition row can be from holding (for the chance relaxation)."""
    amin, amax = _activity_range(m, coefs)
    if not (math.isfinite(amin) and math.isfinite(amax)):  # a leverage column: bound it
        bound = _lev_bound(co)
        amin, amax = -bound, bound
    big_lo = (lo - amin) if math.isfinite(lo) else 0.0
    big_hi = (amax - hi) if math.isfinite(hi) else 0.0
    return max(0.0, big_lo), max(0.0, big_hi)


# --- tight big-M for the incentive rows ---------------------------------------------------
#
# A relaxed incentive row reads L_k >= -M (1 - w).  M is valid when every plan has a
# completion of the world's hard rows with L_k >= -M; then w = 0 never cuts a plan off.
# The completion used for the proof: every column defined by an equality row (R_k, Q_k, ...)
# at its value, every column only pushed up by its rows and never helped by being larger
# (the restored costs rho, the activity flags) at its least value, every column that is only
# capped from above and free below (Lmin) as low as needed, and L_k at its largest value,
# the smallest of its caps.  Interval arithmetic over the plan columns' bounds bounds each
# of these, in the order they depend on each other, so that
#     L_k >= min over L_k's caps of (cap's right side - the largest activity of the rest),
# and M = max(0, row bound - that).  The order and the rows used are read once from the
# template's pattern (_BoundProgramme); each world evaluates them with its own numbers.


@dataclass(frozen=True)
class _BoundProgramme:
    """The order in which a world's column bounds follow from its rows (template pattern)."""

    defs: tuple[tuple[int, int], ...]  # (column, equality row): the column's range
    least: tuple[tuple[int, tuple[int, ...]], ...]  # (column, rows pushing it up)
    caps: dict[int, tuple[int, tuple[int, ...]]]  # condition row -> (its column, capping rows)


def _programme(parts: _Parts) -> _BoundProgramme:
    base = parts.base
    a = base.matrix()
    csc = a.tocsc()
    lb = np.asarray(base.lb, dtype=float)
    ub = np.asarray(base.ub, dtype=float)
    rlb = np.asarray(base.row_lb, dtype=float)
    rub = np.asarray(base.row_ub, dtype=float)
    condition = np.array([g in CONDITION_GROUPS for g in base.row_groups])
    known = np.isfinite(lb) & np.isfinite(ub)
    rows_of = {
        j: (
            csc.indices[csc.indptr[j] : csc.indptr[j + 1]],
            csc.data[csc.indptr[j] : csc.indptr[j + 1]],
        )
        for j in range(base.num_vars)
    }

    def others_known(r: int, j: int) -> bool:
        c = a.indices[a.indptr[r] : a.indptr[r + 1]]
        return bool(known[c[c != j]].all())

    defs: list[tuple[int, int]] = []
    least: list[tuple[int, tuple[int, ...]]] = []
    progress = True
    while progress:
        progress = False
        for j in np.flatnonzero(~known).tolist():
            rows, coef = rows_of[j]
            eq = [
                int(r)
                for r, c in zip(rows, coef, strict=True)
                if c != 0 and rlb[r] == rub[r] and not condition[r] and others_known(int(r), j)
            ]
            if eq:
                defs.append((j, eq[0]))
                known[j] = progress = True
                continue
            if not (math.isfinite(lb[j]) and not math.isfinite(ub[j])):
                continue
            push = [
                int(r)
                for r, c in zip(rows, coef, strict=True)
                if (c > 0 and math.isfinite(rlb[r])) or (c < 0 and math.isfinite(rub[r]))
            ]
            one_sided = all(not (math.isfinite(rlb[r]) and math.isfinite(rub[r])) for r in push)
            if one_sided and all(not condition[r] and others_known(r, j) for r in push):
                least.append((j, tuple(push)))
                known[j] = progress = True
    free_down = {
        j
        for j in np.flatnonzero(~known).tolist()
        if not math.isfinite(lb[j])
        and all(
            (c > 0 and not math.isfinite(rlb[r])) or (c < 0 and not math.isfinite(rub[r]))
            for r, c in zip(*rows_of[j], strict=True)
        )
    }
    caps: dict[int, tuple[int, tuple[int, ...]]] = {}
    for r in np.flatnonzero(condition).tolist():
        c = a.indices[a.indptr[r] : a.indptr[r + 1]]
        if c.size != 1 or known[c[0]]:
            continue
        j = int(c[0])
        capping: list[int] = []
        fine = True
        for q, coef in zip(*rows_of[j], strict=True):
            q = int(q)
            if q == r:
                continue
            caps_j = (coef > 0 and math.isfinite(rub[q])) or (coef < 0 and math.isfinite(rlb[q]))
            pushes_j = (coef > 0 and math.isfinite(rlb[q])) or (coef < 0 and math.isfinite(rub[q]))
            cq = a.indices[a.indptr[q] : a.indptr[q + 1]]
            if pushes_j and not (condition[q] or set(cq.tolist()) & free_down):
                fine = False  # a hard row that needs L_k large: no simple completion
            if caps_j and not condition[q]:
                if not others_known(q, j):
                    fine = False
                capping.append(q)
        if fine and capping:
            caps[r] = (j, tuple(capping))
    return _BoundProgramme(tuple(defs), tuple(least), caps)


def _tight_big_m(parts: _Parts, world: LinearModel) -> dict[int, float]:
    """Per relaxed single-column condition row of ``world``: a valid big-M (see above)."""
    if parts.bounds is None:
        parts.bounds = _programme(parts)
    prog = parts.bounds
    a = world.matrix()
    ptr, idx, val = a.indptr, a.indices, a.data
    lo = np.asarray(world.lb, dtype=float).copy()
    hi = np.asarray(world.ub, dtype=float).copy()
    rlb = np.asarray(world.row_lb, dtype=float)
    rub = np.asarray(world.row_ub, dtype=float)

    def rest(r: int, j: int) -> tuple[float, float, float]:
        c, v = idx[ptr[r] : ptr[r + 1]], val[ptr[r] : ptr[r + 1]]
        own = c == j
        c, v, aj = c[~own], v[~own], float(v[own].sum())
        mn = float(np.sum(np.where(v > 0, v * lo[c], v * hi[c])))
        mx = float(np.sum(np.where(v > 0, v * hi[c], v * lo[c])))
        return mn, mx, aj

    for j, r in prog.defs:
        if rlb[r] != rub[r]:
            return {}  # this world's pattern differs from the template's: keep the loose rule
        mn, mx, aj = rest(r, j)
        if aj == 0.0:
            return {}
        x1, x2 = (rlb[r] - mx) / aj, (rlb[r] - mn) / aj
        lo[j], hi[j] = max(lo[j], min(x1, x2)), min(hi[j], max(x1, x2))
    for j, rows in prog.least:
        need = lo[j]
        for r in rows:
            mn, mx, aj = rest(r, j)
            if aj > 0 and math.isfinite(rlb[r]):
                need = max(need, (rlb[r] - mn) / aj)
            if aj < 0 and math.isfinite(rub[r]):
                need = max(need, (rub[r] - mx) / aj)
        hi[j] = max(lo[j], need)
    out: dict[int, float] = {}
    for r, (j, rows) in prog.caps.items():
        top = math.inf
        for q in rows:
            mn, mx, aj = rest(q, j)
            if aj > 0 and math.isfinite(rub[q]):
                top = min(top, (rub[q] - mx) / aj)
            elif aj < 0 and math.isfinite(rlb[q]):
                top = min(top, (rlb[q] - mn) / aj)
        c0 = float(val[ptr[r] : ptr[r + 1]][0])
        if math.isfinite(top) and math.isfinite(rlb[r]) and c0 > 0:
            out[r] = max(0.0, rlb[r] - c0 * top)
    return out


# --- solving ------------------------------------------------------------------------------


def _solve(
    model: LinearModel,
    backend: str,
    time_limit: float | None,
    start: np.ndarray | None = None,
    presolve: bool = True,
) -> Any:
    """Solve ``model``: highspy in this process (a MIP start and presolve), others as usual.

    highspy is called directly, not in the forked child of the backends' wall-clock guard:
    HiGHS's thread pool, once started in this process (the pool's and screening's solves),
    does not survive a fork (the child hung).  HiGHS's interrupt callbacks stand guard.
    """
    if backend == "highspy":
        from solver.backends.guard import GRACE
        from solver.backends.highspy_direct import solve_highspy

        deadline = None if time_limit is None else time.perf_counter() + time_limit + GRACE
        return solve_highspy(
            model, time_limit=time_limit, start=start, presolve=presolve, deadline=deadline
        )
    from solver.backends import run_backend

    return run_backend(model, backend, time_limit=time_limit)


def _fix_plan(model: LinearModel, tpl: StepTemplate, schedule: Schedule) -> LinearModel | None:
    """``model`` with its ``y`` and ``z`` columns fixed to ``schedule`` (``None``: outside them)."""
    v = tpl.built.vars
    y, z = schedule.matrices(tpl.built.scenario)
    lb = np.asarray(model.lb, dtype=float).copy()
    ub = np.asarray(model.ub, dtype=float).copy()
    for arr, vals in ((v.y, y), (v.z, z)):
        cols = arr.ravel().astype(int)
        want = vals.ravel().astype(float)
        if np.any(want > ub[cols]) or np.any(want < lb[cols]):
            return None  # a step outside its window: not a plan of this model
        lb[cols] = ub[cols] = want
    return model.copy(lb=lb, ub=ub)


def _weighted_share(scenario: Scenario, schedule: Schedule, worlds: Worlds, types: bool) -> float:
    """Share of the in-sample worlds (types weighted by prior) where ``schedule`` works."""
    from solver.robust.batch import evaluate_plan
    from solver.robust.types import type_worlds

    kinds = scenario.target_types if (types or worlds.n == 0) else ()
    if not kinds:
        return float(evaluate_plan(scenario, schedule, worlds).works.mean())
    place = worlds if worlds.n else Worlds((), np.zeros((1, 0)), -1)
    total = 0.0
    for t in kinds:
        st, wt = type_worlds(scenario, t, place)
        total += t.prior * float(evaluate_plan(st, schedule, wt).works.mean())
    return total


def _one_world_plans(
    parts: _Parts,
    hard: list[_Entry],
    weighted: list[_Entry],
    which: Sequence[int],
    backend: str,
    time_limit: float | None,
    presolve: bool,
    big_m: str,
) -> tuple[np.ndarray, dict[int, Schedule]]:
    """Solve each chosen weighted entry alone (with the hard ones): reached?, and its plan."""
    reached = np.zeros(len(weighted), dtype=bool)
    plans: dict[int, Schedule] = {}
    for i in which:
        model, _ = _assemble(parts, [*hard, weighted[i]], "chance", 0.1, big_m, force_works=True)
        sol = _solve(model, backend, time_limit, presolve=presolve)
        if sol.x is not None and sol.status.has_solution:
            reached[i] = True
            plans[i] = _schedule_of(parts.tpl.built.scenario, parts.tpl, sol.x)
    return reached, plans


def _key(schedule: Schedule) -> tuple[Any, ...]:
    return (tuple(sorted(schedule.measures.items())), tuple(sorted(schedule.milestones.items())))


def solve_robust(
    scenario: Scenario,
    worlds: Worlds,
    *,
    criterion: str = "chance",
    level: float = 0.1,
    two_sided: bool = True,
    backend: str = "highspy",
    time_limit: float | None = 60.0,
    types: bool = False,
    require_types: tuple[str, ...] = (),
    max_exposure: float | None = None,
    nominal: str = "hard",
    pool: Sequence[tuple[str, Schedule | None]] = (),
    pool_worlds: int = POOL_WORLDS,
    screen: bool = False,
    presolve: bool = True,
    big_m: str = "loose",
    merge: bool = True,
    start: bool = True,
) -> RobustSolution:
    """Choose one plan against ``worlds`` by ``criterion`` and solve it.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    worlds : Worlds
        The in-sample worlds.
    criterion : {"chance", "quantile", "cvar", "worst"}, optional
        What to maximise (default ``chance``).
    level : float, optional
        ``a`` for ``quantile``/``cvar`` (default 0.1).
    two_sided : bool, optional
        The members' rows too (default ``True``).
    backend : str, optional
        MIP backend (default ``highspy``, the only one given the start and presolve).
    time_limit : float, optional
        Seconds for everything (default 60): the pool, the screening, the
        build and the MIP, which gets what is left; the best plan found and
        its gap are reported.
    types, require_types, max_exposure
        Target types as weighted worlds, those held hard, the exposure bound
        on the others (see :func:`robust_model`).
    nominal : {"hard", "soft"}, optional
        Whether the plan must work in the scenario as written (default ``hard``).
    pool : sequence of (str, Schedule or None), optional
        Candidate plans with their names (the CLI passes the nominal optimum
        and the proposal); ``None`` entries are skipped.
    pool_worlds : int, optional
        Also solve the first this many weighted worlds alone and add their
        plans to the pool (default :data:`POOL_WORLDS`).
    screen : bool, optional
        Solve every weighted world alone first (``chance`` only): worlds no
        plan reaches are dropped (exact: their binary is 0 in every
        solution), every plan found joins the pool, and the share reached is
        reported as ``ceiling`` (default ``False``: about 0.1 s a world).
    presolve : bool, optional
        HiGHS presolve for the robust MIP (default ``True``; highspy only).
    big_m : {"loose", "tight"}, optional
        See :func:`robust_model`.
    merge : bool, optional
        Merge identical worlds (default ``True``).
    start : bool, optional
        Pass the pool's best plan to the MIP as its start (default ``True``).

    Returns
    -------
    RobustSolution
        The plan and the solve's figures.

    Raises
    ------
    ValueError
        For a bad criterion, level, nominal or big-M rule, or ``pool_worlds < 0``.
    """
    _check(criterion, level, nominal, big_m)
    if pool_worlds < 0:
        raise ValueError(f"pool_worlds is {pool_worlds}; it must be >= 0")
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    def left() -> float | None:
        return None if time_limit is None else max(1.0, time_limit - (time.perf_counter() - t0))

    parts = _parts(scenario, two_sided, None)
    entries = _entries(scenario, worlds, types, require_types, max_exposure, nominal)
    _fill(parts, entries)
    merged = 0
    if merge:
        entries, merged = _merge(entries)
    hard = [e for e in entries if e.mode != "weighted"]
    weighted = [e for e in entries if e.mode == "weighted"]
    use_types = bool(types or require_types or max_exposure is not None or worlds.n == 0)
    timings["build_worlds"] = time.perf_counter() - t0

    # the candidate pool: given plans, one-world optima (all of them with screening)
    t1 = time.perf_counter()
    candidates: list[tuple[str, Schedule]] = [(n, p) for n, p in pool if p is not None]
    ceiling_share = None
    screened_out = 0
    one_time = None if time_limit is None else min(10.0, time_limit)
    if screen and criterion == "chance" and weighted:
        reached, plans = _one_world_plans(
            parts, hard, weighted, range(len(weighted)), backend, one_time, presolve, big_m
        )
        ceiling_share = float(sum(e.weight for e, r in zip(weighted, reached, strict=True) if r))
        ceiling_share /= sum(e.weight for e in weighted)
        screened_out = int((~reached).sum())
        weighted = [e for e, r in zip(weighted, reached, strict=True) if r]
        timings["screen"] = time.perf_counter() - t1
    elif criterion == "chance":
        which = range(min(pool_worlds, len(weighted)))
        _, plans = _one_world_plans(
            parts, hard, weighted, which, backend, one_time, presolve, big_m
        )
    else:
        plans = {}
    seen = {_key(p) for _, p in candidates}
    for i, p in sorted(plans.items()):
        if _key(p) not in seen:
            seen.add(_key(p))
            candidates.append((f"world {i} alone", p))
    shares = [(name, _weighted_share(scenario, p, worlds, use_types), p) for name, p in candidates]
    timings["pool"] = time.perf_counter() - t1 - timings.get("screen", 0.0)

    t2 = time.perf_counter()
    model, _picks = _assemble(parts, [*hard, *weighted], criterion, level, big_m)
    timings["build"] = time.perf_counter() - t2

    # the incumbent: the best pool plan that fits the hard rows, completed in the MIP
    t3 = time.perf_counter()
    incumbent = None
    incumbent_schedule: Schedule | None = None
    x0 = None
    order = sorted(shares, key=lambda r: -r[1]) if criterion == "chance" else shares
    best_value = -math.inf
    for name, share, p in order:
        fixed = _fix_plan(model, parts.tpl, p)
        if fixed is None:
            continue
        sol = _solve(fixed, backend, left(), presolve=presolve)
        if sol.x is None or not sol.status.has_solution or sol.objective is None:
            continue  # breaks a hard row (the scenario as written, a required type)
        if sol.objective > best_value + 1e-9:
            best_value = sol.objective
            x0 = sol.x
            incumbent = {"source": name, "in_sample": share, "objective": sol.objective}
            incumbent_schedule = p
        if criterion == "chance":
            break  # the best share that fits: the pool's answer
    timings["start"] = time.perf_counter() - t3

    t4 = time.perf_counter()
    sol = _solve(model, backend, left(), start=x0 if start else None, presolve=presolve)
    timings["solve"] = time.perf_counter() - t4
    tpl = parts.tpl
    schedule = None
    if sol.x is not None and sol.status.has_solution:
        schedule = _schedule_of(scenario, tpl, sol.x)
    gap = None
    if sol.objective is not None and sol.bound is not None:
        gap = abs(sol.bound - sol.objective) / max(1e-9, abs(sol.objective), 1e-9)
        if criterion == "chance":
            gap = abs(sol.bound - sol.objective)
    in_sample = None
    chosen = "mip"
    if criterion == "chance":
        if schedule is not None:
            in_sample = _weighted_share(scenario, schedule, worlds, use_types)
        if (
            incumbent is not None
            and incumbent_schedule is not None
            and (in_sample is None or incumbent["in_sample"] > in_sample)
        ):
            schedule, in_sample, chosen = incumbent_schedule, incumbent["in_sample"], "pool"
    return RobustSolution(
        schedule=schedule,
        status=sol.status.value,
        objective=sol.objective,
        bound=sol.bound,
        gap=gap,
        seconds=time.perf_counter() - t0,
        rows=model.num_rows,
        columns=model.num_vars,
        binaries=int(sum(model.integer)),
        in_sample=in_sample,
        incumbent=incumbent,
        pool=tuple({"source": n, "in_sample": s} for n, s, _ in shares),
        chosen=chosen,
        ceiling=ceiling_share,
        merged=merged,
        screened_out=screened_out,
        nodes=sol.nodes,
        timings={k: round(v, 3) for k, v in timings.items()},
    )


def _schedule_of(s: Scenario, tpl: StepTemplate, x: np.ndarray) -> Schedule:
    v = tpl.built.vars

    def first(row: np.ndarray) -> int | None:
        on = np.flatnonzero(x[row] > 0.5)
        return int(on[0]) + 1 if on.size else None

    return Schedule(
        measures={m.id: first(v.y[i]) for i, m in enumerate(s.measures)},
        milestones={d.id: first(v.z[i]) for i, d in enumerate(s.milestones)},
    )


def ceiling(
    scenario: Scenario,
    worlds: Worlds,
    *,
    two_sided: bool = True,
    backend: str = "highspy",
    time_limit: float | None = 10.0,
    nominal: str = "hard",
    plans: bool = False,
) -> Any:
    """Per world, whether *some* plan works there (and, ``nominal="hard"``, as written too).

    The ceiling of any single plan the robust solve can return (which, with
    the scenario as written hard, must work there too): world by world, the
    robust model over that one world with its ``works`` binary fixed at 1,
    solved for feasibility.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    worlds : Worlds
        The worlds.
    two_sided : bool, optional
        Both sides' conditions (default ``True``).
    backend : str, optional
        MIP backend.
    time_limit : float, optional
        Seconds per world (a world not settled in time counts as not reached).
    nominal : {"hard", "soft"}, optional
        ``hard`` (default): some plan works in the world *and* in the scenario
        as written; ``soft``: in the world.
    plans : bool, optional
        Also return each reached world's plan.

    Returns
    -------
    numpy.ndarray or tuple
        ``(n,)`` booleans; with ``plans``, ``(reached, {world index: Schedule})``.
    """
    _check("chance", 0.1, nominal, "loose")
    parts = _parts(scenario, two_sided, None)
    entries = _entries(scenario, worlds, False, (), None, nominal)
    _fill(parts, entries)
    hard = [e for e in entries if e.mode != "weighted"]
    weighted = [e for e in entries if e.mode == "weighted"]
    reached, found = _one_world_plans(
        parts, hard, weighted, range(len(weighted)), backend, time_limit, True, "loose"
    )
    return (reached, found) if plans else reached
