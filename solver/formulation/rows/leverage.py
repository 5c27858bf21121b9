"""The leverage family: columns and rows that make ``L_k`` the leverage of phase ``k``.

The rows (group ``"definition"``) follow ``docs/formulation.md`` (Payoffs and
leverage) and :mod:`solver.payoffs`; per phase ``k`` they are, in order:

1. the definitions of ``G_k``, ``A_k`` and the chain ``B[k, pi]`` over the
   distinct detection levels (absent with dense classes),
2. one *class row* per milestone ``d``: ``L_k`` against reversing every step
   with ``p <= p_d``, switched off by ``M_k (1 - z[d,k])`` when ``d`` is not done,
3. the *guard rows*: ``n_k <= sum_d z[d,k]``, ``L_k <= G_k + M'_k n_k`` (nothing
   done, nothing to reverse) and ``Lmin <= L_k``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from solver.formulation.rows.base import RowCollector
from solver.model import INF, LinearModel, RowBlock
from solver.payoffs import Coefficients, continuation_weights
from solver.scenario import Scenario


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
        Model receiving the columns and rows.
    s : Scenario
        The scenario.
    y, z : numpy.ndarray
        Column indices of ``y[m, k]`` and ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    co : Coefficients
        Scenario coefficients.
    dense : bool, optional
        Inline the restored cost (see :class:`~solver.formulation.common.BuildOptions`
        ``dense_classes``).

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
    model.add_block(leverage_block, s, co, y, z, lev, lmin, aux)
    return lev, lmin


class _Numbers(NamedTuple):
    """The numbers the leverage rows of one scenario share (see :func:`_numbers`)."""

    ann: float  # annuity factor a
    weights: np.ndarray  # W[k, t]: years x continuation weights
    clawback: np.ndarray  # v q r per measure
    a_max: float
    p_max: float
    big: float  # M_k
    restored: np.ndarray  # c b per milestone
    levels: np.ndarray  # distinct detection levels (none with dense classes)
    level_of: np.ndarray  # level index per milestone
    dense: bool


def _numbers(s: Scenario, co: Coefficients, aux: np.ndarray) -> _Numbers:
    clawback = co.v * co.q * co.r
    a_max, p_max = float(clawback.sum()), float(co.p.max(initial=0.0))
    dense = aux.shape[1] == 3
    levels, level_of = np.unique(co.p, return_inverse=True)
    if dense:
        levels = levels[:0]
    elif aux.shape[1] != 3 + len(levels):
        raise ValueError("the detection levels differ from the model's structure")
    return _Numbers(
        ann=co.annuity,
        weights=co.years * continuation_weights(co.delta, s.phases),
        clawback=clawback,
        a_max=a_max,
        p_max=p_max,
        big=co.annuity * (p_max * a_max + float(co.c @ co.b)) + 1.0,
        restored=co.c * co.b,
        levels=levels,
        level_of=level_of,
        dense=dense,
    )


class _Phase(NamedTuple):
    """The columns of phase ``k`` (0-based) that its rows use."""

    k: int
    lev: int  # L_k
    g: int  # G_k
    a: int  # A_k
    n: int  # n_k
    b: np.ndarray  # B[k, level] per level


def _definitions(
    rows: RowCollector,
    nu: _Numbers,
    co: Coefficients,
    y: np.ndarray,
    z: np.ndarray,
    ph: _Phase,
) -> None:
    """``G_k``, ``A_k`` and the ``B`` chain, each as an equality row."""
    k, kk = ph.k, y.shape[1]
    # G_k - sum_{t>=k} (W[k,t] - a [t=k]) (sum_m v_m y[m,t] - sum_d c_d z[d,t]) = 0
    gc, gv = [np.array([ph.g])], [np.array([1.0])]
    for t in range(k, kk):
        f = nu.weights[k, t] - (nu.ann if t == k else 0.0)
        gc += [y[:, t], z[:, t]]
        gv += [-f * co.v, f * co.c]
    rows.add(np.concatenate(gc), np.concatenate(gv), 0.0, 0.0, f"definition of G_{k + 1}")
    rows.add(
        np.concatenate([[ph.a], y[:, k]]),
        np.concatenate([[1.0], -nu.clawback]),
        0.0,
        0.0,
        f"definition of A_{k + 1}",
    )
    # B[k, pi_j] = B[k, pi_{j-1}] + sum_{d: p_d = pi_j} c_d b_d z[d,k]
    for j, pi in enumerate(nu.levels):
        members = np.nonzero(nu.level_of == j)[0]
        head = [ph.b[j]] if j == 0 else [ph.b[j], ph.b[j - 1]]
        rows.add(
            np.concatenate([head, z[members, k]]),
            np.concatenate([[1.0, -1.0][: len(head)], -nu.restored[members]]),
            0.0,
            0.0,
            f"definition of B_{k + 1} at p={pi:g}",
        )


def _class_rows(
    rows: RowCollector, nu: _Numbers, co: Coefficients, z: np.ndarray, ph: _Phase
) -> None:
    """``L_k <= G_k + a p_d A_k - a B_{k,d} + M_k (1 - z[d,k])``, one row per step ``d``."""
    k, n_d = ph.k, len(co.p)
    if nu.dense:  # B_{k,d} inline: a c_e b_e [p_e <= p_d] on every z[e,k]
        vals = np.zeros((n_d, 3 + n_d))
        vals[:, 3:] = nu.ann * nu.restored[None, :] * (co.p[None, :] <= co.p[:, None])
        vals[np.arange(n_d), 3 + np.arange(n_d)] += nu.big
        head = np.array([ph.lev, ph.g, ph.a])
        cols = np.broadcast_to(np.concatenate([head, z[:, k]]), vals.shape)
    else:  # through the chain column of d's detection level
        vals = np.zeros((n_d, 5))
        vals[:, 3], vals[:, 4] = nu.ann, nu.big
        cols = np.column_stack(
            [
                np.full(n_d, ph.lev),
                np.full(n_d, ph.g),
                np.full(n_d, ph.a),
                ph.b[nu.level_of],
                z[:, k],
            ]
        )
    vals[:, 0], vals[:, 1], vals[:, 2] = 1.0, -1.0, -nu.ann * co.p
    rows.extend(
        list(cols),
        list(vals),
        -INF,
        nu.big,
        lambda: (
            f"L_{k + 1} <= leverage against reversing every step with p <= {pd:g}" for pd in co.p
        ),
    )


def _guard_rows(rows: RowCollector, nu: _Numbers, z: np.ndarray, ph: _Phase, lmin: int) -> None:
    """``n_k <= sum_d z[d,k]``, ``L_k <= G_k + M'_k n_k`` and ``Lmin <= L_k``."""
    k, n_d = ph.k, z.shape[0]
    rows.add(
        np.concatenate([[ph.n], z[:, k]]),
        np.concatenate([[1.0], -np.ones(n_d)]),
        -INF,
        0.0,
        f"some step done by phase {k + 1}",
    )
    rows.add(
        np.array([ph.lev, ph.g, ph.n]),
        np.array([1.0, -1.0, -(nu.ann * nu.p_max * nu.a_max + 1.0)]),
        -INF,
        0.0,
        f"L_{k + 1} <= leverage when no step is done",
    )
    rows.add(np.array([lmin, ph.lev]), np.array([1.0, -1.0]), -INF, 0.0, f"Lmin <= L_{k + 1}")


def leverage_block(
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
    """Every row of :func:`leverage`, phase by phase (the block maker a template refills).

    Parameters
    ----------
    s : Scenario
        The scenario.
    co : Coefficients
        Scenario coefficients.
    y, z : numpy.ndarray
        Column indices of ``y[m, k]`` and ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    lev : numpy.ndarray
        Columns of ``L_k``.
    lmin : int
        Column of ``Lmin``.
    aux : numpy.ndarray
        Per phase, the columns ``G_k, A_k, n_k`` and then ``B[k, level]`` per
        detection level (none with dense classes).
    names : bool
        Whether to name the rows.

    Returns
    -------
    RowBlock
        Group ``"definition"``.

    Raises
    ------
    ValueError
        If the scenario's detection levels do not match the ``B`` columns.
    """
    nu = _numbers(s, co, aux)
    rows = RowCollector(names)
    for k in range(s.phases):
        g, a, n = (int(x) for x in aux[k, :3])
        ph = _Phase(k, int(lev[k]), g, a, n, aux[k, 3:])
        _definitions(rows, nu, co, y, z, ph)
        _class_rows(rows, nu, co, z, ph)
        _guard_rows(rows, nu, z, ph, lmin)
    return rows.block("definition")
