"""Robust plans: how a plan fares across many sampled worlds (issue 14).

Public API
----------
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
    from solver.robust.prim import Bound as Bound
    from solver.robust.prim import Box as Box
    from solver.robust.prim import PrimResult as PrimResult
    from solver.robust.prim import TrajectoryStep as TrajectoryStep
    from solver.robust.prim import describe as describe
    from solver.robust.prim import find_box as find_box
    from solver.robust.prim import find_boxes as find_boxes

_LAZY = {
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
