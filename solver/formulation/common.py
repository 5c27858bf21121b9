"""Options and variable maps shared by the relief-sequencing formulations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from solver.model import LinearModel

if TYPE_CHECKING:  # solver.scenario imports the validator, which imports these constants
    from solver.scenario import Scenario

OBJECTIVES: tuple[str, ...] = ("leverage", "speed", "weighted", "maxmin", "transformation")
"""Objective names (``parameters.objective``, ``--objective``); see ``docs/formulation.md``.

``leverage`` (the default) is lexicographic over phases (:data:`LEXICOGRAPHIC`);
``maxmin`` is the earlier one-solve rule (minimum plus a small weight on the mean);
``transformation`` maximises the relief reaching markets rather than the state
(:mod:`solver.transformation`)."""

LEXICOGRAPHIC: frozenset[str] = frozenset({"leverage"})
"""Objectives solved level by level (leximin over the phases' leverage, :mod:`solver.leximin`);
a model built for one carries its first level (``Lmin``) and the tie-breaks as its objective."""

LEVERAGE_OBJECTIVES: frozenset[str] = frozenset({"leverage", "maxmin", "weighted"})
"""Objectives whose model carries the leverage columns ``L_k`` and ``Lmin``."""

WEIGHT_KEYS: tuple[str, ...] = ("leverage", "speed", "relief", "transformation")
"""Keys of ``parameters.weights``: the terms of the ``weighted`` objective."""

SECONDARY_WEIGHT = 1e-2
"""theta: weight of the mean leverage behind the minimum in the ``maxmin`` and ``weighted``
objectives."""

TIEBREAK_WEIGHT = 1e-4
"""Weight (relative to the objective's scale) of the deterministic tie-break terms."""


@dataclass(frozen=True)
class BuildOptions:
    """How to build a sequencing model.

    Attributes
    ----------
    objective : {"leverage", "maxmin", "speed", "weighted", "transformation"}
        The objective (see ``docs/formulation.md``); ``leverage`` and
        ``maxmin`` build the same rows, ``maxmin`` adds the mean-leverage term
        to the objective.
    require_ic : bool
        Add the linear incentive-compatibility rows ``L_k >= 0``.
    two_sided : bool
        Also add every coalition member's rows (stay and enforce in every
        phase; :mod:`solver.formulation.rows.coalition`).
    credibility : dict
        Instrument id -> snapback credibility replacing the nominal value
        (used by the incentive-check loop).
    elastic_windows : bool
        Emit phase-window lower bounds as rows (so infeasibility analysis can
        relax them) instead of variable bounds.
    """

    objective: str = "leverage"
    require_ic: bool = False
    credibility: dict[str, float] = field(default_factory=dict)
    two_sided: bool = False
    elastic_windows: bool = False


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
    held : numpy.ndarray or None
        Columns saying the target holds each measure (``y``, or the in-force
        column of a flow that ends with an event); ``None``: the same as ``y``.
    """

    y: np.ndarray
    z: np.ndarray
    leverage: np.ndarray | None
    lmin: int | None
    held: np.ndarray | None = None


@dataclass
class Built:
    """A built model with its variable map and metadata."""

    model: LinearModel
    vars: VarMap
    scenario: Scenario
    options: BuildOptions
    info: dict[str, Any] = field(default_factory=dict)
