"""Presolve over a model's constant rows: what holds for every refill of a template.

A :class:`~solver.formulation.template.StepTemplate` refills only the rows in
its :class:`~solver.model.RowBlock` blocks; every other row, and every column
bound, is the same in all the variants it serves.  These functions look at
those constant rows alone, so what they find (columns the structure fixes,
rows that can never bind, columns that are always equal) holds for every
variant; :class:`~solver.backends.highspy_direct.HighsSession` then hands HiGHS
the smaller model once for the whole sweep.  They need only a
:class:`~solver.model.LinearModel`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from solver.model import LinearModel

__all__ = [
    "Equalities",
    "constant_rows",
    "implied_equalities",
    "implied_fixings",
    "redundant_rows",
]


def constant_rows(model: LinearModel) -> np.ndarray:
    """Per row of a template's model, whether no refill ever changes it (not in a block).

    Parameters
    ----------
    model : LinearModel
        A model built with row blocks.

    Returns
    -------
    numpy.ndarray
        Boolean mask over rows.
    """
    const = np.ones(model.num_rows, dtype=bool)
    for span in model.blocks:
        const[span.rows[0] : span.rows[1]] = False
    return const


def implied_fixings(model: LinearModel, max_rounds: int = 50) -> dict[int, float]:
    """Integer columns whose value the constant rows force, for every refill.

    Bound propagation to a fixed point over the rows in :func:`constant_rows`
    whose columns are all integer (monotonicity, windows, mandatory steps,
    precedence, bundles, consent, capacities): each row's activity range gives
    every column an implied bound, rounded to an integer.  Those rows and the
    bounds never change between refills, so the fixings hold for every
    variant of the structure.  This is the part of presolve a sweep can do
    once (HiGHS presolve stays off: see :func:`solver.backends.highspy_direct.solve_highspy`).

    Parameters
    ----------
    model : LinearModel
        A template's model.
    max_rounds : int, optional
        Bound on propagation sweeps over the rows.

    Returns
    -------
    dict
        Column index -> forced value (columns fixed by their own bounds
        included); empty if propagation finds the structure infeasible (the
        solver then reports it).

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> from solver.formulation import step
    >>> m = step.build(load_scenario(default_scenario_path())).model
    >>> fixed = implied_fixings(m)
    >>> len(fixed) > 0 and set(fixed.values()) <= {0.0, 1.0}
    True
    """
    lb = np.asarray(model.lb, dtype=float).copy()
    ub = np.asarray(model.ub, dtype=float).copy()
    integer = np.asarray(model.integer, dtype=bool)
    a = model.matrix().tocsr()
    const = constant_rows(model)
    rows = [
        (a.indices[a.indptr[r] : a.indptr[r + 1]], a.data[a.indptr[r] : a.indptr[r + 1]], r)
        for r in np.nonzero(const)[0]
    ]
    rows = [
        (c, v, r) for c, v, r in rows if len(c) and integer[c].all() and np.isfinite(lb[c]).all()
    ]
    rlb = np.asarray(model.row_lb, dtype=float)
    rub = np.asarray(model.row_ub, dtype=float)
    eps = 1e-9
    for _ in range(max_rounds):
        changed = False
        for cols, vals, r in rows:
            lo = np.where(vals > 0, vals * lb[cols], vals * ub[cols])
            hi = np.where(vals > 0, vals * ub[cols], vals * lb[cols])
            if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
                continue
            min_act, max_act = lo.sum(), hi.sum()
            if min_act > rub[r] + eps or max_act < rlb[r] - eps:
                return {}
            for j, v, lj, hj in zip(cols, vals, lo, hi, strict=True):
                if np.isfinite(rub[r]):  # v x_j <= rub - (min_act - lo_j)
                    cap = (rub[r] - (min_act - lj)) / v
                    if v > 0 and np.floor(cap + eps) < ub[j]:
                        ub[j], changed = np.floor(cap + eps), True
                    elif v < 0 and np.ceil(cap - eps) > lb[j]:
                        lb[j], changed = np.ceil(cap - eps), True
                if np.isfinite(rlb[r]):  # v x_j >= rlb - (max_act - hi_j)
                    floor_ = (rlb[r] - (max_act - hj)) / v
                    if v > 0 and np.ceil(floor_ - eps) > lb[j]:
                        lb[j], changed = np.ceil(floor_ - eps), True
                    elif v < 0 and np.floor(floor_ + eps) < ub[j]:
                        ub[j], changed = np.floor(floor_ + eps), True
                if lb[j] > ub[j]:
                    return {}
                lo_j = v * lb[j] if v > 0 else v * ub[j]
                hi_j = v * ub[j] if v > 0 else v * lb[j]
                min_act += lo_j - lj
                max_act += hi_j - hj
        if not changed:
            break
    return {int(j): float(lb[j]) for j in np.nonzero(integer & (lb == ub))[0]}


def redundant_rows(model: LinearModel, fixed: dict[int, float]) -> np.ndarray:
    """Constant rows that hold for every value of the columns within their bounds.

    With the columns in ``fixed`` at their values, a constant row (see
    :func:`constant_rows`) whose activity range lies inside its bounds can
    never bind, in any refill: a solver may drop it.

    Parameters
    ----------
    model : LinearModel
        A template's model.
    fixed : dict
        Column -> value, from :func:`implied_fixings`.

    Returns
    -------
    numpy.ndarray
        Boolean mask over rows.
    """
    lb = np.asarray(model.lb, dtype=float).copy()
    ub = np.asarray(model.ub, dtype=float).copy()
    for j, v in fixed.items():
        lb[j] = ub[j] = v
    a = model.matrix().tocsr()
    pos, neg = a.maximum(0), a.minimum(0)
    with np.errstate(invalid="ignore"):  # 0 * inf on columns a row does not touch
        hi = pos @ np.nan_to_num(ub, posinf=1e300) + neg @ np.nan_to_num(lb, neginf=-1e300)
        lo = pos @ np.nan_to_num(lb, neginf=-1e300) + neg @ np.nan_to_num(ub, posinf=1e300)
    tol = 1e-9
    inside = (hi <= np.asarray(model.row_ub) + tol) & (lo >= np.asarray(model.row_lb) - tol)
    return constant_rows(model) & inside & (np.abs(hi) < 1e299) & (np.abs(lo) < 1e299)


class Equalities(NamedTuple):
    """Columns that every feasible solution of every refill sets equal.

    Attributes
    ----------
    representative : dict of int to int
        Column -> the column it equals (the smallest index of its class);
        representatives themselves are not keys.
    rows : numpy.ndarray
        Boolean mask of the constant rows that say nothing more once the
        classes are merged (``x_a - x_b <= 0`` inside a class).
    """

    representative: dict[int, int]
    rows: np.ndarray


def implied_equalities(model: LinearModel, fixed: dict[int, float]) -> Equalities:
    """Integer columns the constant rows force to be equal, for every refill.

    A constant row (see :func:`constant_rows`) ``x_a - x_b <= 0`` (or ``>= 0``,
    or ``= 0``) between two integer columns not in ``fixed`` is an arc
    ``a -> b`` of "at most"; columns on a common cycle (one strongly connected
    component) are equal in every feasible solution.  In the step formulation
    this finds the columns after a window's last phase (``y[m,k] <= y[m,hi]``
    with the monotone rows ``y[m,hi] <= ... <= y[m,k]``) and bundle members.
    A solver may then keep one column per class; the rows inside a class
    become ``0 <= 0`` and can go.

    Parameters
    ----------
    model : LinearModel
        A template's model.
    fixed : dict
        Column -> value, from :func:`implied_fixings` (these are left alone).

    Returns
    -------
    Equalities
        The classes (as a representative per merged column) and the rows that
        merging makes empty.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> from solver.formulation import step
    >>> m = step.build(load_scenario(default_scenario_path())).model
    >>> eq = implied_equalities(m, implied_fixings(m))
    >>> len(eq.representative) > 0 and all(r < j for j, r in eq.representative.items())
    True
    """
    n = model.num_vars
    integer = np.asarray(model.integer, dtype=bool)
    free = integer.copy()
    free[list(fixed)] = False
    a = model.matrix().tocsr()
    rlb = np.asarray(model.row_lb, dtype=float)
    rub = np.asarray(model.row_ub, dtype=float)
    tails: list[int] = []
    heads: list[int] = []
    arc_rows: list[int] = []
    for r in np.nonzero(constant_rows(model))[0]:
        cols = a.indices[a.indptr[r] : a.indptr[r + 1]]
        vals = a.data[a.indptr[r] : a.indptr[r + 1]]
        if len(cols) != 2 or not free[cols].all() or sorted(vals.tolist()) != [-1.0, 1.0]:
            continue
        plus, minus = (int(cols[0]), int(cols[1])) if vals[0] > 0 else (int(cols[1]), int(cols[0]))
        # x_plus - x_minus in [rlb, rub]
        if rub[r] == 0.0:  # x_plus <= x_minus
            tails.append(plus)
            heads.append(minus)
        if rlb[r] == 0.0:  # x_minus <= x_plus
            tails.append(minus)
            heads.append(plus)
        if rub[r] == 0.0 or rlb[r] == 0.0:
            arc_rows.append(int(r))
    graph = sp.csr_matrix((np.ones(len(tails)), (tails, heads)), shape=(n, n))
    _, label = connected_components(graph, directed=True, connection="strong")
    first: dict[int, int] = {}
    representative: dict[int, int] = {}
    for j in range(n):
        rep = first.setdefault(int(label[j]), j)
        if rep != j:
            representative[j] = rep
    rows = np.zeros(model.num_rows, dtype=bool)
    for row in arc_rows:
        c0, c1 = a.indices[a.indptr[row] : a.indptr[row + 1]]
        if label[c0] == label[c1] and rlb[row] <= 0.0 <= rub[row]:
            rows[row] = True
    return Equalities(representative, rows)
