"""The "step" (done-by) formulation of relief sequencing.

``y[m,k] = 1`` if measure ``m`` is granted by the end of phase ``k`` and
``z[d,k] = 1`` if milestone ``d`` is done by the end of phase ``k``; both are
monotone in ``k``.  Every row is documented, with its scenario field, in
``docs/formulation.md``; the row families are in :mod:`solver.formulation.rows`
(the table :data:`~solver.formulation.rows.FAMILIES`), and row groups name the
constraint families used by the infeasibility analysis.
"""

from __future__ import annotations

import numpy as np

from solver.formulation import rows
from solver.formulation.common import LEVERAGE_OBJECTIVES, BuildOptions, Built, VarMap
from solver.formulation.rows.coalition import coalition_block
from solver.model import LinearModel
from solver.payoffs import coefficients
from solver.scenario import Scenario


def _state_vars(
    model: LinearModel, s: Scenario, opts: BuildOptions
) -> tuple[np.ndarray, np.ndarray]:
    """Create ``y`` and ``z`` with window bounds (``ub = 0`` before a window opens)."""
    k_all = s.phases
    y = np.zeros((len(s.measures), k_all), dtype=int)
    z = np.zeros((len(s.milestones), k_all), dtype=int)
    for i, m in enumerate(s.measures):
        lo, _ = s.measure_window(m)
        for k in range(1, k_all + 1):
            ub = 0.0 if (k < lo and not opts.elastic_windows) else 1.0
            y[i, k - 1] = model.add_var(f"y[{m.id},{k}]", ub=ub, integer=True)
    for i, d in enumerate(s.milestones):
        lo, _ = s.milestone_window(d)
        for k in range(1, k_all + 1):
            ub = 0.0 if (k < lo and not opts.elastic_windows) else 1.0
            z[i, k - 1] = model.add_var(f"z[{d.id},{k}]", ub=ub, integer=True)
    return y, z


def _held(model: LinearModel, s: Scenario, y: np.ndarray) -> np.ndarray:
    """Columns saying the target holds each measure: ``y``, or ``a[m,k]`` for a flow that ends."""
    held = y.copy()
    for i, m in enumerate(s.measures):
        if m.ends_with is not None and not m.once:
            for k in range(s.phases):
                held[i, k] = model.add_var(f"a[{m.id},{k + 1}]", ub=1.0)
    return held


def build(scenario: Scenario, options: BuildOptions | None = None) -> Built:
    """Build the step formulation of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    options : BuildOptions, optional
        Objective, incentive rows, credibility overrides.

    Returns
    -------
    Built
        The model and its variable map; the builder never solves.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> b = build(load_scenario(default_scenario_path()))
    >>> b.model.num_vars > 0 and b.model.maximize
    True
    """
    opts = options or BuildOptions()
    s = scenario
    model = LinearModel(f"{s.name}-step", maximize=True)
    y, z = _state_vars(model, s, opts)
    co = coefficients(s, credibility=opts.credibility)
    ctx = rows.Context(s, y, z, co, opts, _held(model, s, y))
    rows.add_families(model, ctx)
    needs_leverage = opts.objective in LEVERAGE_OBJECTIVES or opts.require_ic
    lev = lmin = None
    if needs_leverage:
        lev, lmin = rows.leverage.leverage(model, s, y, ctx.held, z, co)
        if opts.require_ic:
            rows.structural.incentive(model, ctx, lev)
    if opts.two_sided:
        model.add_block(coalition_block, s, co, y, ctx.held, z)
    vm = VarMap(y=y, z=z, leverage=lev, lmin=lmin, held=ctx.held)
    info = rows.objective.objective(model, s, vm, co, opts)
    return Built(model=model, vars=vm, scenario=s, options=opts, info=info)
