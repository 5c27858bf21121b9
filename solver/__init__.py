"""phased-relief: sequence sanctions relief against a target's denuclearization steps.

Public API
----------
load_scenario
    Read and validate a scenario file (TOML or JSON).
solve
    Find the best phasing (a :class:`Plan`).
evaluate
    Score a given phasing instead of optimising.
verify_plan
    Independently re-check a plan against its scenario.
check
    Subgame-perfect incentive check of a plan, phase by phase.
"""

from __future__ import annotations

from pathlib import Path

from solver.backends import BACKENDS, Status
from solver.game import ICReport, check
from solver.plan import Plan, Schedule, load_schedule
from solver.scenario import Scenario, ScenarioError, load_scenario
from solver.solve import FORMULATIONS, evaluate, solve
from solver.verify import Verification, verify_plan

__version__ = "0.1.0"

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
"""Directory of the shipped scenario models (in a source or editable install)."""


def default_scenario_path() -> Path:
    """Return the path of the shipped default scenario (``models/dprk_2018.toml``).

    Returns
    -------
    Path
        The default scenario file.
    """
    return MODELS_DIR / "dprk_2018.toml"


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
    "solve",
    "verify_plan",
]
