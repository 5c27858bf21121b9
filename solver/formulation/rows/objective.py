"""The objective of the step model (``docs/formulation.md``, Objectives)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from solver import transformation
from solver.formulation.common import (
    OBJECTIVES,
    SECONDARY_WEIGHT,
    TIEBREAK_WEIGHT,
    WEIGHT_KEYS,
    BuildOptions,
    VarMap,
)
from solver.model import LinearModel
from solver.payoffs import Coefficients
from solver.scenario import Scenario

PRESET_WEIGHTS: Mapping[str, tuple[float, ...]] = {
    "leverage": (1.0, 0.0, 0.0, 0.0),
    "speed": (0.0, 1.0, 0.0, 0.0),
    "weighted": (1.0, 1.0, 0.0, 0.0),
    "maxmin": (1.0, 0.0, 0.0, 0.0),
    "transformation": (0.0, 0.0, 0.0, 1.0),
}
"""Per objective, its weights in :data:`~solver.formulation.common.WEIGHT_KEYS` order;
``weighted`` starts from these and takes ``parameters.weights`` on top."""

MEAN_TERM: frozenset[str] = frozenset({"maxmin", "weighted"})
"""Objectives whose leverage term is ``Lmin + theta * mean_k L_k`` (``theta`` =
:data:`~solver.formulation.common.SECONDARY_WEIGHT`); for ``leverage`` the model's
objective is the first leximin level, ``Lmin`` alone (the later levels are
:mod:`solver.leximin`'s)."""


def objective_weights(s: Scenario, objective: str) -> dict[str, float]:
    """The weight of each objective term (:data:`~solver.formulation.common.WEIGHT_KEYS`).

    Parameters
    ----------
    s : Scenario
        The scenario (its ``parameters.weights`` for ``weighted``).
    objective : str
        One of :data:`~solver.formulation.common.OBJECTIVES`.

    Returns
    -------
    dict
        Term -> weight.

    Raises
    ------
    ValueError
        For an unknown objective.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> objective_weights(load_scenario(default_scenario_path()), "speed")
    {'leverage': 0.0, 'speed': 1.0, 'relief': 0.0, 'transformation': 0.0}
    """
    if objective not in PRESET_WEIGHTS:
        raise ValueError(f"objective is {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    weights = dict(zip(WEIGHT_KEYS, PRESET_WEIGHTS[objective], strict=True))
    if objective == "weighted":
        weights |= dict(s.parameters.weights)
    return weights


def objective(
    model: LinearModel, s: Scenario, vm: VarMap, co: Coefficients, opts: BuildOptions
) -> dict[str, Any]:
    """Set the objective coefficients (see ``docs/formulation.md``, Objectives).

    Parameters
    ----------
    model : LinearModel
        Model whose objective is set (its columns must all exist).
    s : Scenario
        The scenario.
    vm : VarMap
        Column indices.
    co : Coefficients
        Scenario coefficients.
    opts : BuildOptions
        Which objective.

    Returns
    -------
    dict
        ``{"weights": ...}``: the weights used.
    """
    c, info = objective_vector(model.num_vars, s, vm, co, opts)
    model.obj = c.tolist()
    return info


def objective_vector(
    n: int, s: Scenario, vm: VarMap, co: Coefficients, opts: BuildOptions
) -> tuple[np.ndarray, dict[str, Any]]:
    """The objective coefficients of a model with ``n`` columns, as one vector.

    Parameters
    ----------
    n : int
        Number of columns.
    s : Scenario
        The scenario.
    vm : VarMap
        Column indices.
    co : Coefficients
        Scenario coefficients.
    opts : BuildOptions
        Which objective.

    Returns
    -------
    tuple
        The vector and ``{"weights": ...}`` (the weights used).
    """
    kk, tl = s.phases, co.timeline
    disc = tl.discount[0, :kk]  # beta^(T_{k-1}): value at the start of the deal of phase k
    delta = tl.beta ** tl.years[0]
    weights = objective_weights(s, opts.objective)
    scale = max(1.0, float(co.v.sum() + co.c.sum()))
    tb = TIEBREAK_WEIGHT
    c = np.zeros(n)
    if weights["leverage"] and vm.lmin is not None and vm.leverage is not None:
        c[vm.lmin] += weights["leverage"]
        if opts.objective in MEAN_TERM:
            c[vm.leverage] += weights["leverage"] * SECONDARY_WEIGHT / kk
    speed_w = weights["speed"] if weights["speed"] else tb * scale / max(1.0, float(co.u.sum()))
    c[vm.z] += speed_w * np.outer(co.u, disc) * (1 - delta)
    relief_w = weights["relief"] if weights["relief"] else tb
    c[vm.y] -= relief_w * np.outer(co.annual_equivalent() + 1.0, disc) * (1 - delta)
    if weights["transformation"]:
        c += weights["transformation"] * transformation_vector(n, s, vm, co)
    return c, {"weights": dict(weights)}


def transformation_vector(n: int, s: Scenario, vm: VarMap, co: Coefficients) -> np.ndarray:
    """The transformation value ``T`` (USD m) as objective coefficients of ``n`` columns.

    ``T = sum_t w_t (sum_m t_m e_m h[m,t] + sum_d t_d c_d z[d,t])`` with the
    weights of :func:`solver.transformation.phase_weights` on the held columns
    ``h`` (``vm.held``, else ``vm.y``) and the step columns ``z``; for a fixed
    schedule it equals :func:`solver.transformation.transformation_value`.

    Parameters
    ----------
    n : int
        Number of columns.
    s : Scenario
        The scenario.
    vm : VarMap
        Column indices.
    co : Coefficients
        Scenario coefficients.

    Returns
    -------
    numpy.ndarray
        The coefficients (zero on every other column).
    """
    w = transformation.phase_weights(co.timeline)
    per_measure, per_step = transformation.rates(s, co)
    c = np.zeros(n)
    held = vm.y if vm.held is None else vm.held
    np.add.at(c, held, np.outer(per_measure, w))
    np.add.at(c, vm.z, np.outer(per_step, w))
    return c
