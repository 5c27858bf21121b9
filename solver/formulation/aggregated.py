"""Aggregated big-M precedence: the pulse model with one row per precedence pair.

The pulse formulation states precedence ``y[s,k] <= y[p,k-shift]`` once per
phase (disaggregated).  Here each pair gets a single row on the phase
expressions ``P_e = sum_k k x[e,k] + (K+1)(1 - sum_k x[e,k])`` (``K+1`` means
never):

    P_s - P_p >= shift - M (1 - sum_k x[s,k]),   M = K + shift + 1,

which is vacuous when the successor never happens.  It is the same integer
set with a much weaker LP relaxation (the textbook contrast between
aggregated and disaggregated precedence; see ``docs/formulation.md``).
"""

from __future__ import annotations

import numpy as np

from solver.formulation.common import BuildOptions, Built
from solver.formulation.pulse import big_m, from_step, phase_expression
from solver.formulation.step import build as build_step
from solver.scenario import Scenario


def precedence_pairs(s: Scenario) -> list[tuple[str, int, str, int, int]]:
    """All precedence pairs ``(succ_kind, succ, pred_kind, pred, shift)``.

    ``kind`` is ``"y"`` (measure) or ``"z"`` (milestone); ``shift`` is the
    number of phases the predecessor must lead by (0 weak, 1 strict, plus
    duration effects for milestones).
    """
    mi = {m.id: i for i, m in enumerate(s.measures)}
    di = {d.id: i for i, d in enumerate(s.milestones)}
    out = []
    for i, d in enumerate(s.milestones):
        out += [("z", i, "z", di[p], d.duration - 1) for p in d.requires]
        out += [("z", i, "z", di[p], d.duration) for p in d.after]
    for i, m in enumerate(s.measures):
        out += [("y", i, "y", mi[p], 0) for p in m.requires_measures]
        out += [("y", i, "y", mi[p], 1) for p in m.after_measures]
        out += [("y", i, "z", di[p], 0) for p in m.requires_milestones]
        out += [("y", i, "z", di[p], 1) for p in m.after_milestones]
    return out


def build(scenario: Scenario, options: BuildOptions | None = None) -> Built:
    """Build the aggregated big-M formulation of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    options : BuildOptions, optional
        Objective, incentive rows, credibility overrides.

    Returns
    -------
    Built
        The model (``info["encoding"] == "pulse"``, precedence aggregated).

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> b = build(load_scenario(default_scenario_path()))
    >>> "aggregated precedence" in " ".join(b.model.row_groups)
    True
    """
    step = build_step(scenario, options)
    built = from_step(
        step, name=f"{scenario.name}-aggregated", skip=frozenset({"monotone", "precedence"})
    )
    k = scenario.phases
    arrays = {"y": built.vars.y, "z": built.vars.z}
    for sk, si, pk, pi, shift in precedence_pairs(scenario):
        succ: np.ndarray = arrays[sk][si]
        pred: np.ndarray = arrays[pk][pi]
        m = big_m(k, shift)
        coefs = phase_expression(succ, k)
        for col, v in phase_expression(pred, k).items():
            coefs[col] = coefs.get(col, 0.0) - v
        for col in succ:
            coefs[int(col)] = coefs.get(int(col), 0.0) - m
        model = built.model
        model.add_row(
            f"aggregated precedence: {sk}{si} at least {shift} phase(s) after {pk}{pi}",
            coefs,
            lb=float(shift) - m,
            group="aggregated precedence",
        )
    built.info["encoding"] = "pulse"
    return built
