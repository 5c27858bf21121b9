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
"""

from __future__ import annotations

from solver.backends import BACKENDS, Status
from solver.game import ICReport, check
from solver.plan import Plan, Schedule, load_schedule
from solver.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict
from solver.shipped import MODELS_DIR, default_scenario_path
from solver.solve import FORMULATIONS, evaluate, solve
from solver.verify import Verification, verify_plan

__version__ = "0.1.0"


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
    "solve",
    "verify_plan",
]
