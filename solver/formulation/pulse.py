"""The "pulse" (granted-in) formulation, derived from the step formulation.

``x[e,k] = 1`` if measure or milestone ``e`` is granted / done *in* phase
``k``, with ``sum_k x[e,k] <= 1``.  Every step row is rewritten through the
substitution ``y[e,k] = sum_{t<=k} x[e,t]`` (so both formulations state the
same constraints, row for row); the monotonicity rows become redundant and are
dropped.  Pritsker, Watters and Wolfe (1969) introduced this encoding for
scheduling.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from solver.formulation.common import BuildOptions, Built, VarMap
from solver.formulation.step import build as build_step
from solver.model import LinearModel
from solver.scenario import Scenario


def _substitution(step: Built, model: LinearModel) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Create the pulse columns in ``model`` and the matrix ``T`` with ``x_step = T x_pulse``."""
    old = step.model
    state = {int(c) for arr in (step.vars.y, step.vars.z) for c in arr.ravel()}
    new_index: dict[int, int] = {}
    for j in range(old.num_vars):
        if j not in state:
            new_index[j] = model.add_var(
                old.var_names[j], lb=old.lb[j], ub=old.ub[j], integer=old.integer[j]
            )
    rows: list[int] = []
    cols: list[int] = []
    xs = []
    for arr, prefix in ((step.vars.y, "x"), (step.vars.z, "w")):
        out = np.zeros_like(arr)
        for i in range(arr.shape[0]):
            for k in range(arr.shape[1]):
                fixed_zero = old.ub[int(arr[i, k])] == 0.0
                out[i, k] = model.add_var(
                    f"{prefix}[{i},{k + 1}]", ub=0.0 if fixed_zero else 1.0, integer=True
                )
            for k in range(arr.shape[1]):
                for t in range(k + 1):
                    rows.append(int(arr[i, k]))
                    cols.append(int(out[i, t]))
        xs.append(out)
    for j, nj in new_index.items():
        rows.append(j)
        cols.append(nj)
    t_mat = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(old.num_vars, model.num_vars))
    return t_mat, xs[0], xs[1]


def _copy_rows(step: Built, model: LinearModel, t_mat: sp.csr_matrix, skip: frozenset[str]) -> None:
    old = step.model
    a = (old.matrix() @ t_mat).tocsr()
    for r in range(old.num_rows):
        if old.row_groups[r] in skip:
            continue
        lo, hi = a.indptr[r], a.indptr[r + 1]
        coefs = {int(j): float(v) for j, v in zip(a.indices[lo:hi], a.data[lo:hi], strict=True)}
        model.add_row(
            old.row_names[r], coefs, lb=old.row_lb[r], ub=old.row_ub[r], group=old.row_groups[r]
        )
    obj = np.asarray(old.obj) @ t_mat
    model.obj = [float(v) for v in obj]
    model.obj_constant = old.obj_constant


def from_step(step: Built, *, name: str, skip: frozenset[str] = frozenset({"monotone"})) -> Built:
    """Rewrite a step-formulation model in pulse variables.

    Parameters
    ----------
    step : Built
        A model from :func:`solver.formulation.step.build`.
    name : str
        Name of the new model.
    skip : frozenset of str, optional
        Row groups not carried over (``monotone`` is implied by the encoding).

    Returns
    -------
    Built
        The pulse model; ``vars.y`` / ``vars.z`` hold the *pulse* columns and
        ``info["encoding"] == "pulse"``.
    """
    model = LinearModel(name, maximize=step.model.maximize)
    t_mat, x, w = _substitution(step, model)
    _copy_rows(step, model, t_mat, skip)
    for arr, what in ((x, "granted"), (w, "done")):
        for i in range(arr.shape[0]):
            model.add_row(
                f"item {i} {what} in at most one phase",
                {int(c): 1.0 for c in arr[i]},
                ub=1.0,
                group="assignment",
            )
    old_to_new = t_mat.tocsr()
    lev = (
        None
        if step.vars.leverage is None
        else np.array([int(old_to_new[int(c)].indices[0]) for c in step.vars.leverage])
    )
    lmin = None if step.vars.lmin is None else int(old_to_new[step.vars.lmin].indices[0])
    vm = VarMap(y=x, z=w, leverage=lev, lmin=lmin)
    info = dict(step.info) | {"encoding": "pulse"}
    return Built(model=model, vars=vm, scenario=step.scenario, options=step.options, info=info)


def build(scenario: Scenario, options: BuildOptions | None = None) -> Built:
    """Build the pulse formulation of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    options : BuildOptions, optional
        Objective, incentive rows, credibility overrides.

    Returns
    -------
    Built
        The model (``info["encoding"] == "pulse"``).

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> b = build(load_scenario(default_scenario_path()))
    >>> b.info["encoding"]
    'pulse'
    """
    step = build_step(scenario, options)
    return from_step(step, name=f"{scenario.name}-pulse")


def phase_expression(cols: np.ndarray, phases: int) -> dict[int, float]:
    """Coefficients of ``P_e - (K+1) = -sum_k (K+1-k) x[e,k]`` (``P_e = K+1``: never)."""
    return {int(c): -float(phases + 1 - k) for k, c in enumerate(cols, start=1)}


def big_m(phases: int, shift: int) -> float:
    """Big-M making an aggregated precedence row vacuous when the successor never happens."""
    return float(phases + shift + 1)
