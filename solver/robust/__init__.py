"""Robust plans: how a plan fares across many sampled worlds (issue 14).

Public API
----------
draw_worlds, evaluate_plan, Worlds, PlanInWorlds
    A fixed plan judged in many sampled worlds at once
    (:mod:`solver.robust.batch`; ``relief sensitivity --plan``).
solve_robust, RobustSolution, ceiling
    One plan chosen against many worlds (:mod:`solver.robust.saa`;
    ``relief solve --robust``).
type_scenario, type_verdicts, exposure
    Target types (:mod:`solver.robust.types`).
find_box, find_boxes
    PRIM scenario discovery: boxes of the parameter space where a plan fails
    (:mod:`solver.robust.prim`).
describe
    Such a box in plain words.
Box, Bound, TrajectoryStep, PrimResult
    The results, frozen, with ``to_dict()``.

The names are imported on first use, so importing this package costs nothing
beyond the package itself.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solver.robust.batch import PlanInWorlds as PlanInWorlds
    from solver.robust.batch import Worlds as Worlds
    from solver.robust.batch import draw_worlds as draw_worlds
    from solver.robust.batch import evaluate_plan as evaluate_plan
    from solver.robust.prim import Bound as Bound
    from solver.robust.prim import Box as Box
    from solver.robust.prim import PrimResult as PrimResult
    from solver.robust.prim import TrajectoryStep as TrajectoryStep
    from solver.robust.prim import describe as describe
    from solver.robust.prim import find_box as find_box
    from solver.robust.prim import find_boxes as find_boxes
    from solver.robust.saa import RobustSolution as RobustSolution
    from solver.robust.saa import ceiling as ceiling
    from solver.robust.saa import solve_robust as solve_robust
    from solver.robust.types import exposure as exposure
    from solver.robust.types import type_scenario as type_scenario
    from solver.robust.types import type_verdicts as type_verdicts

_LAZY = {
    "PlanInWorlds": "solver.robust.batch",
    "Worlds": "solver.robust.batch",
    "draw_worlds": "solver.robust.batch",
    "evaluate_plan": "solver.robust.batch",
    "RobustSolution": "solver.robust.saa",
    "ceiling": "solver.robust.saa",
    "solve_robust": "solver.robust.saa",
    "exposure": "solver.robust.types",
    "type_scenario": "solver.robust.types",
    "type_verdicts": "solver.robust.types",
    "Bound": "solver.robust.prim",
    "Box": "solver.robust.prim",
    "PrimResult": "solver.robust.prim",
    "TrajectoryStep": "solver.robust.prim",
    "describe": "solver.robust.prim",
    "find_box": "solver.robust.prim",
    "find_boxes": "solver.robust.prim",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
