"""The leverage family: columns and rows that make ``L_k`` the leverage of phase ``k``.

The rows (group ``"definition"``) follow ``docs/formulation.md`` (Payoffs and
leverage) and are the linear form of :mod:`solver.payoffs`: every value is
``Weights.value`` (:mod:`solver.timeline`) of the per-phase aggregates, which
are columns here:

1. the aggregates ``R_t, C_t, O_t, Q_t, B_t`` (relief flows in force, step
   cost, transfers paid, expected clawback, restorable cost), each an
   equality row;
2. per phase ``k < K``, the *stall row* ``L_k <= V^C_k - V^S_k + M_k (1 - n_k)``
   with ``n_k >= z[d,K] - z[d,k]`` for every ``d`` (on while a later step remains);
3. per phase ``k``, the *overt row* ``L_k <= V^C_k - V^O_k + M_k (1 - o_k)`` with
   ``o_k >= z[d,k]`` for every ``d`` (on once a step is done);
4. per phase ``k`` and *class source* (a milestone ``d`` at its own detection
   level, or at the level a verification step guarantees it), a *covert row*
   ``L_k <= V^C_k - V^cov_k(pi) + M_k (1 - act)``, switched on exactly when
   ``d`` is done and ``pi`` is its detection level in phase ``k``;
   the class's restored cost ``rho_k(pi)`` is written inline on ``z[., k]``
   (every milestone, zeros kept, so detection values never change the
   pattern), through ``rho`` columns for steps whose detection a verification
   step can raise;
5. ``L_k <= M sum_d z[d,K]`` (a plan with no step at all offers no deviation:
   ``L_k = 0``) and ``Lmin <= L_k``.

Maximising ``L_k`` makes it the minimum over the options that exist, and
pushes every activation and ``rho`` column down to its lower bound, where the
linearisation is exact for binary ``y, z``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from solver.formulation.rows.base import RowCollector, phase_change
from solver.model import INF, LinearModel, RowBlock
from solver.payoffs import Coefficients
from solver.scenario import Scenario
from solver.timeline import Weights

AGGREGATES = ("R", "C", "O", "Q", "B")
"""The aggregate columns per phase, in column order."""


class Source(NamedTuple):
    """One way a detection class arises: milestone ``d`` at the level of ``verifier``.

    ``verifier`` is ``-1`` for ``d``'s own ``detection``.
    """

    d: int
    verifier: int


def sources(co: Coefficients) -> list[Source]:
    """Every class source, milestone by milestone (own level first, then its verifiers).

    Parameters
    ----------
    co : Coefficients
        Scenario coefficients (``raises``).

    Returns
    -------
    list of Source
        The structure of the class rows (it depends on which steps verify
        which, never on the numbers).
    """
    out = []
    for d in range(len(co.c)):
        out.append(Source(d, -1))
        out += [Source(d, int(v)) for v in np.nonzero(co.raises[:, d] > 0)[0]]
    return out


def raised(co: Coefficients) -> np.ndarray:
    """Indices of the milestones whose detection some verification step raises."""
    return np.nonzero((co.raises > 0).any(axis=0))[0]


class Columns(NamedTuple):
    """The leverage family's columns."""

    lev: np.ndarray  # L_k
    lmin: int
    stall: np.ndarray  # n_k: a later step remains (a stall is possible), phases 1..K-1
    overt: np.ndarray  # o_k: some step is done (an open reversal is possible)
    agg: np.ndarray  # (5, K): R, C, O, Q, B per phase
    act: np.ndarray  # (K, n_sources): activation column, -1 where z[d, k] serves
    rho: np.ndarray  # (K, n_sources, n_raised): restored cost of a raised member


def leverage(
    model: LinearModel,
    s: Scenario,
    y: np.ndarray,
    held: np.ndarray,
    z: np.ndarray,
    co: Coefficients,
) -> tuple[np.ndarray, int]:
    """Define ``L_k`` as the leverage against the target's best deviation (``solver.payoffs``).

    Parameters
    ----------
    model : LinearModel
        Model receiving the columns and rows.
    s : Scenario
        The scenario.
    y, held, z : numpy.ndarray
        Column indices of ``y[m, k]``, of the held columns ``h[m, k]`` and of
        ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    co : Coefficients
        Scenario coefficients.

    Returns
    -------
    tuple
        Columns of ``L_k`` and of ``Lmin``.
    """
    kk = s.phases
    src, up = sources(co), raised(co)
    lev = np.array([model.add_var(f"L[{k + 1}]", lb=-INF) for k in range(kk)])
    lmin = model.add_var("Lmin", lb=-INF)
    stall = np.array([model.add_var(f"n[{k + 1}]", ub=1.0) for k in range(kk - 1)], dtype=int)
    overt = np.array([model.add_var(f"o[{k + 1}]", ub=1.0) for k in range(kk)], dtype=int)
    agg = np.array(
        [[model.add_var(f"{a}[{t + 1}]", lb=-INF) for t in range(kk)] for a in AGGREGATES]
    )
    act = np.full((kk, len(src)), -1, dtype=int)
    rho = np.zeros((kk, len(src), len(up)), dtype=int)
    ids = [d.id for d in s.milestones]
    for k in range(kk):
        for j, (d, v) in enumerate(src):
            if d in up:
                act[k, j] = model.add_var(f"act[{ids[d]},{'own' if v < 0 else ids[v]},{k + 1}]")
            for e_pos, e in enumerate(up):
                rho[k, j, e_pos] = model.add_var(f"rho[{ids[d]},{v},{ids[e]},{k + 1}]")
    cols = Columns(lev, lmin, stall, overt, agg, act, rho)
    model.add_block(leverage_block, s, co, y, held, z, cols)
    return lev, lmin


class _Numbers(NamedTuple):
    """Numbers the rows of one scenario share."""

    comply: Weights
    stall: Weights
    overt: Weights
    big: float
    source_level: np.ndarray  # detection level per source
    up: np.ndarray  # raised milestones
    share_on: np.ndarray  # (n_d, n_d): c_e (b_e [f == e] - cap[e, f]) on z_f, member e
    inline: dict[float, np.ndarray]  # level -> inline shares (filled by _inline)


COEFFICIENT_SNAP = 1e-12
"""Relative size below which a leverage-row coefficient is a rounding residue
(weights of two options that are equal in exact arithmetic): snapped to zero."""


def _numbers(co: Coefficients, src: list[Source]) -> _Numbers:
    tl = co.timeline
    n_d = len(co.c)
    share_on = co.c[:, None] * (np.diag(co.b) - co.cap) if n_d else np.zeros((0, 0))
    level = np.array([co.p[d] if v < 0 else co.raises[v, d] for d, v in src], dtype=float)
    flows = ~co.once
    top = {
        "R": float(co.v[flows].sum()),
        "C": float(co.c.sum()),
        "O": float(co.v[co.once].sum()),
        "Q": float((co.v * co.r)[flows].sum()),
        "B": float(co.c @ co.b),
    }

    def reach(w: Weights) -> float:
        mats = {"R": w.R, "C": w.C, "O": w.O, "Q": w.Q, "B": w.B}
        return float(
            max(sum(np.abs(mats[a][k]).sum() * top[a] for a in top) for k in range(tl.phases))
            + np.abs(w.rho).max(initial=0.0) * top["B"]
        )

    levels = sorted(set(level.tolist()))
    kinds = [tl.stall, tl.comply, tl.overt, *(tl.covert(x) for x in levels)]
    big = 2.0 * max(reach(w) for w in kinds) + 1.0
    return _Numbers(
        comply=tl.comply,
        stall=tl.stall,
        overt=tl.overt,
        big=big,
        source_level=level,
        up=raised(co),
        share_on=share_on,
        inline={},
    )


def _aggregate_rows(
    rows: RowCollector,
    co: Coefficients,
    y: np.ndarray,
    held: np.ndarray,
    z: np.ndarray,
    agg: np.ndarray,
) -> None:
    """``R_t, C_t, O_t, Q_t, B_t`` as equality rows, phase by phase."""
    flow = (~co.once).astype(float)
    once = co.once.astype(float)
    restorable = _restorable(co)  # the same on every phase: computed once per refill
    for t in range(co.phases):
        r, c, o, q, b = (int(agg[i, t]) for i in range(5))
        rows.add(
            np.concatenate([[r], held[:, t]]),
            np.concatenate([[1.0], -co.v * flow]),
            0.0,
            0.0,
            f"definition of R_{t + 1}",
        )
        rows.add(
            np.concatenate([[c], z[:, t]]), np.concatenate([[1.0], -co.c]), 0.0, 0.0,
            f"definition of C_{t + 1}",
        )  # fmt: skip
        oc, ov = phase_change(y, co.v * once, t + 1)
        rows.add(
            np.concatenate([[o], oc]), np.concatenate([[1.0], -ov]), 0.0, 0.0,
            f"definition of O_{t + 1}",
        )  # fmt: skip
        rows.add(
            np.concatenate([[q], held[:, t]]),
            np.concatenate([[1.0], -co.v * co.r * co.q[:, t] * flow]),
            0.0,
            0.0,
            f"definition of Q_{t + 1}",
        )
        rows.add(
            np.concatenate([[b], z[:, t]]),
            np.concatenate([[1.0], -restorable]),
            0.0,
            0.0,
            f"definition of B_{t + 1}",
        )


def _restorable(co: Coefficients) -> np.ndarray:
    """Coefficient of ``z[f, t]`` in ``B_t = sum_d c_d (b_d z_d - sum_e cap[d,e] z_e)``."""
    return co.c * co.b - co.c @ co.cap if len(co.c) else np.zeros(0)


def _value_terms(w: Weights, k: int, agg: np.ndarray) -> np.ndarray:
    """Coefficients of ``V_k`` (without ``rho``) on the aggregate columns ``agg.ravel()``."""
    return np.stack([w.R[k], -w.C[k], w.O[k], -w.Q[k], w.B[k]]).ravel()


def _activation_row(
    rows: RowCollector, co: Coefficients, z: np.ndarray, k: int, j: int, src: list[Source],
    nu: _Numbers, a: int,
) -> None:  # fmt: skip
    """``act >= z_d - [v] (1 - z_v) - sum_{sources above} z_v' - [p_d above]`` (raised ``d``).

    One coefficient per milestone on ``z[., k]`` (zeros kept), so the pattern
    does not depend on which levels are higher.
    """
    d, v = src[j]
    mine = nu.source_level[j]
    coef = np.zeros(len(co.c))
    coef[d] -= 1.0
    if v >= 0:
        coef[v] -= 1.0
    for jj, (dd, vv) in enumerate(src):
        if dd == d and vv >= 0 and vv != v and nu.source_level[jj] > mine:
            coef[vv] += 1.0
    own_above = 1.0 if (v >= 0 and co.p[d] > mine) else 0.0
    lb = -(1.0 if v >= 0 else 0.0) - own_above
    rows.add(
        np.concatenate([[a], z[:, k]]),
        np.concatenate([[1.0], coef]),
        lb,
        INF,
        f"class {j} of phase {k + 1} is on when its step is done at that detection level",
    )


def _rho_row(
    rows: RowCollector, co: Coefficients, z: np.ndarray, k: int, level: float, e: int, col: int,
    nu: _Numbers,
) -> None:  # fmt: skip
    """``rho >= [p_e <= pi] c_e share_e z_e - c_e b_e sum_{v raising e above pi} z_v`` (>= 0)."""
    coef = -(1.0 if co.p[e] <= level else 0.0) * nu.share_on[e]
    coef = coef + co.c[e] * co.b[e] * (co.raises[:, e] > level)
    rows.add(
        np.concatenate([[col], z[:, k]]),
        np.concatenate([[1.0], coef]),
        0.0,
        INF,
        f"restored cost of step {e} in a class of phase {k + 1}",
    )


def _inline(co: Coefficients, nu: _Numbers, level: float) -> np.ndarray:
    """Restored-cost shares on ``z[., k]`` of the unraised steps with detection ``<= level``.

    Depends on the level only (not on the phase or the class), so it is computed
    once per level: a 10,000-measure scenario has about 2,000 milestones and as
    many classes per phase, but a few dozen distinct levels.
    """
    key = float(level)
    got = nu.inline.get(key)
    if got is None:
        members = co.p <= key
        members[np.asarray(nu.up, dtype=int)] = False
        got = members.astype(float) @ nu.share_on if len(co.c) else np.zeros(0)
        nu.inline[key] = got
    return got


def _class_rows(
    rows: RowCollector, co: Coefficients, z: np.ndarray, k: int, j: int, src: list[Source],
    nu: _Numbers, cols: Columns,
) -> None:  # fmt: skip
    """The covert row of one class source in phase ``k``."""
    d, _ = src[j]
    level = float(nu.source_level[j])
    inline = _inline(co, nu, level)
    comply = _value_terms(nu.comply, k, cols.agg)
    w = co.timeline.covert(level)
    zc = w.rho[k] * inline
    if d not in nu.up:  # the activation is z[d, k] itself
        zc[d] += nu.big
    cc = [np.array([int(cols.lev[k])]), cols.agg.ravel(), z[:, k], cols.rho[k, j]]
    vv = [np.array([1.0]), _value_terms(w, k, cols.agg) - comply, zc,
          np.full(len(nu.up), w.rho[k])]  # fmt: skip
    if d in nu.up:
        cc.append(np.array([int(cols.act[k, j])]))
        vv.append(np.array([nu.big]))
    rows.add(
        np.concatenate(cc),
        np.concatenate(vv),
        -INF,
        nu.big,
        f"L_{k + 1} <= leverage against covert reversal of every step with detection "
        f"<= {level:g} (class {j})",
    )


def _overt_rows(rows: RowCollector, nu: _Numbers, z: np.ndarray, k: int, cols: Columns) -> None:
    """``o_k >= z[d,k]`` per step and ``L_k <= V^C_k - V^O_k + M (1 - o_k)``."""
    o = int(cols.overt[k])
    for d in range(z.shape[0]):
        rows.add(
            np.array([o, int(z[d, k])]),
            np.array([1.0, -1.0]),
            0.0,
            INF,
            f"an open reversal after phase {k + 1} is possible if step {d} is done",
        )
    comply = _value_terms(nu.comply, k, cols.agg)
    rows.add(
        np.concatenate([[int(cols.lev[k])], cols.agg.ravel(), [o]]),
        np.concatenate([[1.0], _value_terms(nu.overt, k, cols.agg) - comply, [nu.big]]),
        -INF,
        nu.big,
        f"L_{k + 1} <= leverage against an open reversal of every done step",
    )


def _stall_rows(rows: RowCollector, nu: _Numbers, z: np.ndarray, k: int, cols: Columns) -> None:
    """``n_k >= z[d,K] - z[d,k]`` per step and ``L_k <= V^C_k - V^S_k + M (1 - n_k)``."""
    n = int(cols.stall[k])
    for d in range(z.shape[0]):
        rows.add(
            np.array([n, int(z[d, -1]), int(z[d, k])]),
            np.array([1.0, -1.0, 1.0]),
            0.0,
            INF,
            f"a stall after phase {k + 1} is possible if step {d} comes later",
        )
    comply = _value_terms(nu.comply, k, cols.agg)
    rows.add(
        np.concatenate([[int(cols.lev[k])], cols.agg.ravel(), [n]]),
        np.concatenate([[1.0], _value_terms(nu.stall, k, cols.agg) - comply, [nu.big]]),
        -INF,
        nu.big,
        f"L_{k + 1} <= leverage against stalling",
    )


def leverage_block(
    s: Scenario,
    co: Coefficients,
    y: np.ndarray,
    held: np.ndarray,
    z: np.ndarray,
    cols: Columns,
    *,
    names: bool,
) -> RowBlock:
    """Every row of :func:`leverage` (the block maker a template refills).

    Parameters
    ----------
    s : Scenario
        The scenario.
    co : Coefficients
        Scenario coefficients.
    y, held, z : numpy.ndarray
        Column indices of ``y[m, k]``, ``h[m, k]`` and ``z[d, k]``.
    cols : Columns
        The family's columns.
    names : bool
        Whether to name the rows.

    Returns
    -------
    RowBlock
        Group ``"definition"``.

    Raises
    ------
    ValueError
        If the scenario's verification structure differs from the columns'.
    """
    src = sources(co)
    if cols.act.shape[1] != len(src) or cols.rho.shape[2] != len(raised(co)):
        raise ValueError("the verification structure differs from the model's")
    nu = _numbers(co, src)
    rows = RowCollector(names)
    _aggregate_rows(rows, co, y, held, z, cols.agg)
    for k in range(s.phases):
        if k < s.phases - 1:
            _stall_rows(rows, nu, z, k, cols)
        _overt_rows(rows, nu, z, k, cols)
        for j in range(len(src)):
            if src[j].d in nu.up:
                _activation_row(rows, co, z, k, j, src, nu, int(cols.act[k, j]))
            for e_pos, e in enumerate(nu.up):
                _rho_row(rows, co, z, k, float(nu.source_level[j]), int(e),
                         int(cols.rho[k, j, e_pos]), nu)  # fmt: skip
            _class_rows(rows, co, z, k, j, src, nu, cols)
        rows.add(
            np.concatenate([[int(cols.lev[k])], z[:, -1]]),
            np.concatenate([[1.0], np.full(z.shape[0], -nu.big)]),
            -INF,
            0.0,
            f"L_{k + 1} <= 0 when the plan has no step at all (no deviation, nothing to lose)",
        )
        rows.add(
            np.array([cols.lmin, int(cols.lev[k])]), np.array([1.0, -1.0]), -INF, 0.0,
            f"Lmin <= L_{k + 1}",
        )  # fmt: skip
    return rows.block("definition", snap=COEFFICIENT_SNAP)
