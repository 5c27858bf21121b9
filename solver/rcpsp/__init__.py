"""Resource-constrained project scheduling (RCPSP): the milestone side with durations.

Read PSPLIB ``.sm`` files (:func:`read_sm`), build a heuristic schedule
(:func:`heuristic_schedule`), minimize the makespan with one of three
time-indexed MILP formulations (:func:`solve_rcpsp`), narrow start windows
and prove lower bounds by constraint propagation (:func:`propagate`,
:func:`shave`, :func:`destructive_lower_bound`) and by the preemptive
feasible-set LP (:func:`preemptive_refutes`, :func:`lp_shave`,
:func:`preemptive_lower_bound`), and check any schedule against the instance
(:func:`verify_schedule`).
"""

from __future__ import annotations

from solver.rcpsp.formulations import FORMULATIONS, TimeIndexedModel, build_model, root_lp_bound
from solver.rcpsp.preemptive import (
    FeasibleSets,
    lp_shave,
    preemptive_lower_bound,
    preemptive_refutes,
)
from solver.rcpsp.propagate import Windows, destructive_lower_bound, propagate, shave
from solver.rcpsp.psplib import PSPLIBError, RCPSPInstance, parse_sm, read_sm
from solver.rcpsp.sgs import Schedule, heuristic_schedule, lower_bound, serial_sgs
from solver.rcpsp.solve import BACKENDS, RCPSPResult, solve_rcpsp, verify_schedule

__all__ = [
    "BACKENDS",
    "FORMULATIONS",
    "FeasibleSets",
    "PSPLIBError",
    "RCPSPInstance",
    "RCPSPResult",
    "Schedule",
    "TimeIndexedModel",
    "Windows",
    "build_model",
    "destructive_lower_bound",
    "heuristic_schedule",
    "lower_bound",
    "lp_shave",
    "parse_sm",
    "preemptive_lower_bound",
    "preemptive_refutes",
    "propagate",
    "read_sm",
    "root_lp_bound",
    "serial_sgs",
    "shave",
    "solve_rcpsp",
    "verify_schedule",
]
