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
  when 0.  The design rules, and the conditions of the scenario as written
  (the plan must work in the analyst's own estimate), are hard.
* ``quantile`` (level ``a``): maximise ``eta`` such that the minimum
  leverage is at least ``eta`` in a share ``1 - a`` of the worlds.
* ``cvar`` (level ``a``): maximise the mean of the minimum leverage over the
  worst share ``a`` of the worlds (Rockafellar and Uryasev 2000).
* ``worst``: maximise the smallest minimum leverage over all worlds.

For the last three, too, the conditions of the scenario as written
(incentive, members, participation, cohesion, ratio) are hard, as in a
nominal solve, and each sampled world adds only its leverage.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from solver.formulation.common import BuildOptions
from solver.formulation.template import StepTemplate
from solver.model import LinearModel
from solver.payoffs import coefficients
from solver.plan import Schedule
from solver.robust.batch import Worlds
from solver.scenario import Scenario

__all__ = ["CRITERIA", "RobustSolution", "ceiling", "robust_model", "solve_robust"]

CRITERIA = ("chance", "quantile", "cvar", "worst")
"""The robust criteria."""

CONDITION_GROUPS = ("incentive", "coalition", "participation", "cohesion", "reversibility")
"""Row groups that say whether the plan works in a world (relaxed per world by ``chance``)."""

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
        The plan (``None`` without a solution).
    status : str
        The backend's status value.
    objective : float or None
        The criterion's value: a share of worlds for ``chance``, USD m otherwise.
    bound : float or None
        The best proven bound on it (same units).
    gap : float or None
        Relative gap between the two (0 when proven optimal).
    seconds : float
        Wall-clock time to build and solve.
    rows, columns, binaries : int
        Size of the robust model.
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


def _variants(scenario: Scenario, worlds: Worlds) -> list[Scenario]:
    from solver.sensitivity.paths import SampleApplier

    make = SampleApplier(scenario)
    return [make(worlds.sample(i)) for i in range(worlds.n)]


def _row_slices(model: LinearModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row starts, columns and values of ``model``'s rows (its CSR matrix)."""
    a = model.matrix()
    return a.indptr, a.indices, a.data


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

    Returns
    -------
    model : LinearModel
        The robust MIP (maximise).
    info : dict
        ``{"template": StepTemplate, "world_columns": int, "worlds": int}``;
        the plan columns keep the template's indices.

    Raises
    ------
    ValueError
        For an unknown criterion or a level outside (0, 1).
    """
    if criterion not in CRITERIA:
        raise ValueError(f"criterion is {criterion!r}; choose one of {', '.join(CRITERIA)}")
    if criterion in ("quantile", "cvar") and not 0.0 < level < 1.0:
        raise ValueError(f"level is {level!r}; it must lie strictly between 0 and 1")
    opts = BuildOptions(objective="leverage", require_ic=True, two_sided=two_sided)
    tpl = template if template is not None else StepTemplate(scenario, opts)
    base = tpl.built.model
    v = tpl.built.vars
    plan_cols = set(v.y.ravel().tolist()) | set(v.z.ravel().tolist())
    if v.held is not None:
        plan_cols |= set(v.held.ravel().tolist())
    world_cols = np.array([j for j in range(base.num_vars) if j not in plan_cols], dtype=int)
    block_rows: dict[str, tuple[int, int]] = {}
    for span in base.blocks:
        block_rows[span.make.__name__] = span.rows
    world_row = np.zeros(base.num_rows, dtype=bool)
    for name in _WORLD_BLOCKS:
        if name in block_rows:
            r0, r1 = block_rows[name]
            world_row[r0:r1] = True
    starts, cols, vals = _row_slices(base)
    for r in range(base.num_rows):  # rows on the world's columns: the incentive rows
        if np.isin(cols[starts[r] : starts[r + 1]], world_cols).any():
            world_row[r] = True

    m = LinearModel(f"{base.name}-robust-{criterion}", maximize=True)
    for j in range(base.num_vars):  # the plan columns first, at their own indices
        if j in plan_cols:
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

    lev = v.leverage
    if lev is None:
        raise ValueError("the scenario's model has no leverage columns")
    n = worlds.n
    entries = _entries(scenario, worlds, types, require_types, max_exposure)
    eta = None
    if criterion in ("quantile", "cvar", "worst"):
        eta = m.add_var("eta", lb=-math.inf, ub=math.inf, obj=1.0)
    picks: list[tuple[int, float]] = []
    for entry in entries:
        variant, tag, weight, mode = entry.scenario, entry.tag, entry.weight, entry.mode
        co = coefficients(variant)
        world = _world_model(tpl, variant, co)
        w_starts, w_cols, w_vals = _row_slices(world)
        col_map = {}
        for j in world_cols:
            col_map[int(j)] = m.add_var(
                f"{base.var_names[j]}@{tag}", lb=base.lb[j], ub=base.ub[j], integer=False
            )
        pick = None
        if mode == "weighted" and criterion in ("chance", "quantile"):
            obj = weight if criterion == "chance" else 0.0
            pick = m.add_var(f"works@{tag}", lb=0.0, ub=1.0, integer=True, obj=obj)
            picks.append((pick, weight))
        for r in np.flatnonzero(world_row).tolist():
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
            if condition and mode == "weighted":
                assert pick is not None
                big_lo, big_hi = _big_m(m, coefs, lo, hi, co)
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
            {p: w for p, w in picks},
            lb=(1.0 - level) * sum(w for _, w in picks) - 1e-9,
            group="robust",
        )
    info = {"template": tpl, "world_columns": int(world_cols.size), "worlds": n}
    return m, info


@dataclass(frozen=True)
class _Entry:
    """One copy of the world block: its scenario, weight and what it must satisfy."""

    scenario: Scenario
    tag: str
    weight: float
    mode: str  # "hard", "weighted" (counts in the criterion) or "exposure"
    bound: float | None = None


def _entries(
    s: Scenario,
    worlds: Worlds,
    types: bool,
    require_types: tuple[str, ...],
    max_exposure: float | None,
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
    out = [_Entry(s, "as written", 0.0, "hard")]
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
        MIP backend (default ``highspy``).
    time_limit : float, optional
        Seconds (default 60); the best plan found and its gap are reported.
    types, require_types, max_exposure
        Target types as weighted worlds, those held hard, the exposure bound
        on the others (see :func:`robust_model`).

    Returns
    -------
    RobustSolution
        The plan and the solve's figures.
    """
    from solver.backends import run_backend

    t0 = time.perf_counter()
    model, info = robust_model(
        scenario,
        worlds,
        criterion=criterion,
        level=level,
        two_sided=two_sided,
        types=types,
        require_types=require_types,
        max_exposure=max_exposure,
    )
    sol = run_backend(model, backend, time_limit=time_limit)
    seconds = time.perf_counter() - t0
    tpl: StepTemplate = info["template"]
    schedule = None
    if sol.x is not None and sol.status.has_solution:
        schedule = _schedule_of(scenario, tpl, sol.x)
    gap = None
    if sol.objective is not None and sol.bound is not None:
        gap = abs(sol.bound - sol.objective) / max(1e-9, abs(sol.objective), 1e-9)
        if criterion == "chance":
            gap = abs(sol.bound - sol.objective)
    return RobustSolution(
        schedule=schedule,
        status=sol.status.value,
        objective=sol.objective,
        bound=sol.bound,
        gap=gap,
        seconds=seconds,
        rows=model.num_rows,
        columns=model.num_vars,
        binaries=int(sum(model.integer)),
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
) -> np.ndarray:
    """Per world, whether *some* plan works there and in the scenario as written.

    The ceiling of any single plan the robust solve can return (which must
    work in the scenario as written too): world by world, the robust model
    over that one world, solved for its ``works`` binary.

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

    Returns
    -------
    numpy.ndarray
        ``(n,)`` booleans.
    """
    from solver.backends import run_backend

    opts = BuildOptions(objective="leverage", require_ic=True, two_sided=two_sided)
    tpl = StepTemplate(scenario, opts)
    out = np.zeros(worlds.n, dtype=bool)
    for i in range(worlds.n):
        one = Worlds(worlds.paths, worlds.values[i : i + 1], worlds.seed)
        model, _ = robust_model(scenario, one, two_sided=two_sided, template=tpl, types=False)
        sol = run_backend(model, backend, time_limit=time_limit)
        out[i] = bool(sol.status.has_solution and sol.objective is not None and sol.objective > 0.5)
    return out
