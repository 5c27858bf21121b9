"""Options and variable maps shared by the relief-sequencing formulations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from solver.model import LinearModel

if TYPE_CHECKING:  # solver.scenario imports the validator, which imports these constants
    from solver.scenario import Scenario

OBJECTIVES: tuple[str, ...] = ("leverage", "speed", "weighted")
"""Objective names (``parameters.objective``, ``--objective``); see ``docs/formulation.md``."""

WEIGHT_KEYS: tuple[str, ...] = ("leverage", "speed", "relief")
"""Keys of ``parameters.weights``: the terms of the ``weighted`` objective."""

SECONDARY_WEIGHT = 1e-2
"""theta: weight of the mean leverage behind the minimum in the ``leverage`` objective."""

TIEBREAK_WEIGHT = 1e-4
"""Weight (relative to the objective's scale) of the deterministic tie-break terms."""


@dataclass(frozen=True)
class BuildOptions:
    """How to build a sequencing model.

    Attributes
    ----------
    objective : {"leverage", "speed", "weighted"}
        Objective (see ``docs/formulation.md``).
    require_ic : bool
        Add the linear incentive-compatibility rows ``L_k >= 0``.
    credibility : dict
        Instrument id -> snapback credibility replacing the nominal value
        (used by the incentive-check loop).
    elastic_windows : bool
        Emit phase-window lower bounds as rows (so infeasibility analysis can
        relax them) instead of variable bounds.
    dense_classes : bool
        Write each deviation class's restored cost inline in its leverage row
        (one coefficient per milestone) instead of through the chain of
        ``B`` columns over detection levels.  The same constraints; the
        pattern no longer depends on which milestones share a detection
        level, which sweeps over detection need (``n_d^2`` nonzeros per phase
        instead of about ``3 n_d``).
    """

    objective: str = "leverage"
    require_ic: bool = False
    credibility: dict[str, float] = field(default_factory=dict)
    elastic_windows: bool = False
    dense_classes: bool = False


@dataclass(frozen=True)
class VarMap:
    """Column indices of the model's variables.

    Attributes
    ----------
    y : numpy.ndarray
        ``y[m, k-1]``: measure ``m`` granted by the end of phase ``k``.
    z : numpy.ndarray
        ``z[d, k-1]``: milestone ``d`` done by the end of phase ``k``.
    leverage : numpy.ndarray or None
        ``L_k`` columns (absent for pure ``speed`` models).
    lmin : int or None
        Column of ``min_k L_k``.
    """

    y: np.ndarray
    z: np.ndarray
    leverage: np.ndarray | None
    lmin: int | None


@dataclass
class Built:
    """A built model with its variable map and metadata."""

    model: LinearModel
    vars: VarMap
    scenario: Scenario
    options: BuildOptions
    info: dict[str, Any] = field(default_factory=dict)
