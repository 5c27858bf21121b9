"""phased-relief: sequence sanctions relief against a target's denuclearization steps.

Public API
----------
load_scenario
    Read and validate a scenario file (TOML or JSON).
scenario_from_dict
    Validate a scenario document already in memory (same rules and messages).
solve
    Find the best phasing (a :class:`Plan`).
evaluate
    Score a given phasing instead of optimising.
verify_plan
    Independently re-check a plan against its scenario.
check
    Subgame-perfect incentive check of a plan, phase by phase.
load_schedule
    Read a plan file (TOML or JSON) for a scenario.
default_scenario_path, MODELS_DIR, shipped_models
    Where the shipped scenarios, specs and plans are (package data).

The names are imported on first use (:pep:`562`), so ``import solver`` (and
every ``import solver.x``, which runs this file first) stays cheap: NumPy,
SciPy and the solver backends load only when something needs them.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solver.backends import BACKENDS, Status
    from solver.game.check import ICReport, check
    from solver.plan import Plan, Schedule, load_schedule
    from solver.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict
    from solver.shipped import MODELS_DIR, default_scenario_path, shipped_models
    from solver.solve import FORMULATIONS, evaluate, solve
    from solver.verify import Verification, verify_plan

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "BACKENDS": "solver.backends",
    "Status": "solver.backends",
    "ICReport": "solver.game",
    "check": "solver.game",
    "Plan": "solver.plan",
    "Schedule": "solver.plan",
    "load_schedule": "solver.plan",
    "Scenario": "solver.scenario",
    "ScenarioError": "solver.scenario",
    "load_scenario": "solver.scenario",
    "scenario_from_dict": "solver.scenario",
    "MODELS_DIR": "solver.shipped",
    "default_scenario_path": "solver.shipped",
    "shipped_models": "solver.shipped",
    "FORMULATIONS": "solver.solve",
    "evaluate": "solver.solve",
    "solve": "solver.solve",
    "Verification": "solver.verify",
    "verify_plan": "solver.verify",
}

__all__ = [
    "BACKENDS",
    "FORMULATIONS",
    "MODELS_DIR",
    "ICReport",
    "Plan",
    "Scenario",
    "ScenarioError",
    "Schedule",
    "Status",
    "Verification",
    "check",
    "default_scenario_path",
    "evaluate",
    "load_scenario",
    "load_schedule",
    "scenario_from_dict",
    "shipped_models",
    "solve",
    "verify_plan",
]


class _Package(types.ModuleType):
    """This package's module type: ``solver.solve`` stays the function.

    Loading the submodule :mod:`solver.solve` sets the package attribute of the
    same name to the module; the eager ``from solver.solve import solve`` used to
    rebind it to the function right away.  Here the function replaces the module
    whenever the import system (or anyone) sets it.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "solve" and isinstance(value, types.ModuleType):
            value = value.solve
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    """Import a public name (or a submodule, ``solver.pipeline``) on first access.

    Parameters
    ----------
    name : str
        The attribute asked for.

    Returns
    -------
    Any
        The object, cached in the module's namespace for the next access.

    Raises
    ------
    AttributeError
        When ``name`` is neither a public name nor a submodule.
    """
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif name.startswith("_"):
        raise AttributeError(f"module 'solver' has no attribute {name!r}")
    else:
        try:
            value = importlib.import_module(f"solver.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"solver.{name}":
                raise
            raise AttributeError(f"module 'solver' has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Return the module's names, the lazily imported public ones included.

    Returns
    -------
    list of str
        Sorted attribute names.
    """
    return sorted(set(globals()) | set(_EXPORTS))
