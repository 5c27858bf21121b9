"""The "step" (done-by) formulation of relief sequencing.

``y[m,k] = 1`` if measure ``m`` is granted by the end of phase ``k`` and
``z[d,k] = 1`` if milestone ``d`` is done by the end of phase ``k``; both are
monotone in ``k``.  Every row is documented, with its scenario field, in
``docs/formulation.md``; row groups name the constraint families used by the
infeasibility analysis.
"""

from __future__ import annotations

import numpy as np

from solver.formulation import rows
from solver.formulation.common import BuildOptions, Built, VarMap
from solver.model import LinearModel
from solver.payoffs import coefficients
from solver.scenario import Scenario


def _state_vars(
    model: LinearModel, s: Scenario, opts: BuildOptions
) -> tuple[np.ndarray, np.ndarray]:
    """Create ``y`` and ``z`` with monotonicity and window bounds."""
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
    ids = [(y, [m.id for m in s.measures], "granted"), (z, [d.id for d in s.milestones], "done")]
    for arr, names, what in ids:
        for i, eid in enumerate(names):
            for k in range(1, k_all):
                model.add_row(
                    f"{eid} {what} by phase {k} stays {what} in phase {k + 1}",
                    {int(arr[i, k - 1]): 1.0, int(arr[i, k]): -1.0},
                    ub=0.0,
                    group="monotone",
                )
    return y, z


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
    rows.windows(model, s, y, z, opts)
    rows.mandatory(model, s, y, z)
    rows.precedence(model, s, y, z)
    rows.coordination(model, s, y, z)
    rows.resources(model, s, z)
    rows.progress(model, s, y, z, co)
    rows.participation(model, s, y, z, co)
    rows.reversibility(model, s, y, z, co)
    needs_leverage = opts.objective in ("leverage", "weighted") or opts.require_ic
    lev = lmin = None
    if needs_leverage:
        lev, lmin = rows.leverage(model, s, y, z, co, dense=opts.dense_classes)
        if opts.require_ic:
            for k in range(s.phases):
                model.add_row(
                    f"incentive compatibility in phase {k + 1}: leverage L_{k + 1} >= 0",
                    {int(lev[k]): 1.0},
                    lb=0.0,
                    group="incentive",
                )
    vm = VarMap(y=y, z=z, leverage=lev, lmin=lmin)
    info = rows.objective(model, s, vm, co, opts)
    return Built(model=model, vars=vm, scenario=s, options=opts, info=info)
