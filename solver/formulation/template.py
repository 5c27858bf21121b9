"""Build the step model's structure once; refill only its numbers per scenario variant.

A sensitivity sweep solves hundreds of variants of one scenario that differ
only in numbers (values, costs, detection, credibility, discount...).  The
sparsity pattern of the step model depends on those numbers in just a few
ways, which :func:`structure_key` collects: the phase windows (a measure's
reversibility against ``reversibility_threshold``), which milestones share a
detection level, whether ``irreversibility_ratio`` and each actor's
``reservation`` are set.  Variants with the same key share one
:class:`StepTemplate`: its model is built once by :func:`solver.formulation.step.build`
and :meth:`StepTemplate.refill` recomputes only the numeric row blocks
(:class:`~solver.model.RowBlock`, vectorised) and the objective, with the same
functions the builder used, so the two can never disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from solver.formulation import rows, step
from solver.formulation.common import BuildOptions, Built
from solver.model import LinearModel
from solver.payoffs import coefficients
from solver.scenario import Scenario

__all__ = [
    "Equalities",
    "StepTemplate",
    "StructureChanged",
    "constant_rows",
    "implied_equalities",
    "implied_fixings",
    "redundant_rows",
    "structure_key",
]


class StructureChanged(ValueError):
    """A variant's model would not have the template's sparsity pattern."""


def structure_key(scenario: Scenario, options: BuildOptions) -> Hashable:
    """Everything numeric that shapes the step model's sparsity pattern.

    Two variants of one scenario (differing only in number fields, as built
    by :func:`solver.sensitivity.apply_sample`) with equal keys have models
    with identical rows, columns and nonzero positions.

    Parameters
    ----------
    scenario : Scenario
        The variant.
    options : BuildOptions
        Build options (their objective and IC flag shape the model too).

    Returns
    -------
    Hashable
        The key.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> from dataclasses import replace
    >>> s = load_scenario(default_scenario_path())
    >>> o = BuildOptions()
    >>> structure_key(s, o) == structure_key(replace(s, name="other"), o)
    True
    """
    p = np.array([d.detection for d in scenario.milestones], dtype=float)
    _, level_of = np.unique(p, return_inverse=True)
    levels = () if options.dense_classes else tuple(level_of.tolist())
    return (
        scenario.phases,
        len(scenario.measures),
        len(scenario.milestones),
        options.objective,
        options.require_ic,
        options.elastic_windows,
        tuple(scenario.measure_window(m) for m in scenario.measures),
        tuple(scenario.milestone_window(d) for d in scenario.milestones),
        options.dense_classes,
        levels,
        scenario.parameters.irreversibility_ratio is None,
        tuple(a.reservation is None for a in scenario.actors),
    )


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


class StepTemplate:
    """The step model of one structure, refilled with each variant's numbers.

    Parameters
    ----------
    scenario : Scenario
        A variant that fixes the structure (see :func:`structure_key`).
    options : BuildOptions
        Build options; ``credibility`` overrides may differ per refill.

    Attributes
    ----------
    key : Hashable
        The structure key the template serves.
    built : Built
        The model as the builder made it for ``scenario``.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> from solver.sensitivity import apply_sample
    >>> s = load_scenario(default_scenario_path())
    >>> t = StepTemplate(s, BuildOptions())
    >>> v = apply_sample(s, {"discount": 0.8})
    >>> m = t.refill(v)
    >>> bool(np.allclose(m.matrix().toarray(), step.build(v).model.matrix().toarray()))
    True
    """

    def __init__(self, scenario: Scenario, options: BuildOptions) -> None:
        self.options = options
        self.key = structure_key(scenario, options)
        self.built = step.build(scenario, options)
        m = self.built.model
        self._vals = np.asarray(m._vals, dtype=float)
        self._row_lb = np.asarray(m.row_lb, dtype=float)
        self._row_ub = np.asarray(m.row_ub, dtype=float)

    def fits(self, scenario: Scenario, options: BuildOptions | None = None) -> bool:
        """Whether ``scenario`` has this template's structure.

        Parameters
        ----------
        scenario : Scenario
            A variant.
        options : BuildOptions, optional
            Its build options (default: the template's).

        Returns
        -------
        bool
            ``structure_key(scenario, options) == self.key``.
        """
        return structure_key(scenario, options or self.options) == self.key

    def refill(
        self,
        scenario: Scenario,
        credibility: dict[str, float] | None = None,
        *,
        key: Hashable | None = None,
    ) -> LinearModel:
        """The model of ``scenario``: this template's structure with its numbers.

        Parameters
        ----------
        scenario : Scenario
            A variant with this template's structure.
        credibility : dict, optional
            Instrument id -> credibility override (as in :class:`BuildOptions`).
        key : Hashable, optional
            The variant's :func:`structure_key`, when the caller has it already.

        Returns
        -------
        LinearModel
            A new model sharing the template's names and pattern; equal, up to
            explicit zeros, to what :func:`solver.formulation.step.build` gives.

        Raises
        ------
        StructureChanged
            When the variant does not fit (check :meth:`fits` first).
        """
        opts = self._options(credibility)
        if (structure_key(scenario, opts) if key is None else key) != self.key:
            raise StructureChanged("the variant's structure differs from the template's")
        m = self.built.model
        co = coefficients(scenario, credibility=opts.credibility)
        vals = self._vals.copy()
        row_lb = self._row_lb.copy()
        row_ub = self._row_ub.copy()
        for span in m.blocks:
            blk = span.make(scenario, co, *span.args, names=False)
            (r0, r1), (n0, n1) = span.rows, span.nonzeros
            new = np.concatenate(blk.vals) if blk.vals else np.zeros(0)
            if len(blk.cols) != r1 - r0 or new.size != n1 - n0:
                raise StructureChanged(f"block {span.make.__name__} changed shape")
            vals[n0:n1] = new
            row_lb[r0:r1] = blk.lb
            row_ub[r0:r1] = blk.ub
        obj, _ = rows.objective_vector(m.num_vars, scenario, self.built.vars, co, opts)
        return dataclasses.replace(
            m,
            obj=obj.tolist(),
            row_lb=row_lb.tolist(),
            row_ub=row_ub.tolist(),
            _vals=vals.tolist(),
            blocks=[],
        )

    def built_for(
        self, scenario: Scenario, model: LinearModel, credibility: dict[str, float] | None = None
    ) -> Built:
        """A :class:`Built` for a refilled model (variable map shared with the template).

        Parameters
        ----------
        scenario : Scenario
            The variant ``model`` was refilled for.
        model : LinearModel
            The output of :meth:`refill`.
        credibility : dict, optional
            The overrides used for the refill.

        Returns
        -------
        Built
            What :func:`solver.solve.build_model` would return for the variant.
        """
        return Built(
            model=model,
            vars=self.built.vars,
            scenario=scenario,
            options=self._options(credibility),
            info=dict(self.built.info),
        )

    def _options(self, credibility: dict[str, float] | None) -> BuildOptions:
        if credibility is None:
            return self.options
        return dataclasses.replace(self.options, credibility=dict(credibility))
