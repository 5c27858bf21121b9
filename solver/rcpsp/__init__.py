"""Resource-constrained project scheduling (RCPSP): the milestone side with durations.

Read PSPLIB ``.sm`` files (:func:`read_sm`), build a heuristic schedule
(:func:`heuristic_schedule`), minimize the makespan with one of three
time-indexed MILP formulations (:func:`solve_rcpsp`), narrow start windows
and prove lower bounds by constraint propagation (:func:`propagate`,
:func:`shave`, :func:`destructive_lower_bound`) and by the preemptive
feasible-set LP (:func:`preemptive_refutes`, :func:`lp_shave`,
:func:`preemptive_lower_bound`), and check any schedule against the instance
(:func:`verify_schedule`, which returns a :class:`solver.verify.Verification`
like :func:`solver.verify_plan`).

Names carry an ``RCPSP``/``rcpsp`` prefix where the plan solver has the same
concept (:class:`RCPSPSchedule`, :data:`RCPSP_FORMULATIONS`,
:func:`build_rcpsp_model`, :func:`rcpsp_root_lp_bound`), so that neither is
mistaken for :class:`solver.plan.Schedule`, :data:`solver.FORMULATIONS` or the
functions of :mod:`solver.solve`.
"""

from __future__ import annotations

from solver.rcpsp.formulations import (
    RCPSP_FORMULATIONS,
    TimeIndexedModel,
    build_rcpsp_model,
    rcpsp_root_lp_bound,
)
from solver.rcpsp.preemptive import (
    FeasibleSets,
    lp_shave,
    preemptive_lower_bound,
    preemptive_refutes,
)
from solver.rcpsp.propagate import Windows, destructive_lower_bound, propagate, shave
from solver.rcpsp.psplib import PSPLIBError, RCPSPInstance, parse_sm, read_sm
from solver.rcpsp.sgs import RCPSPSchedule, heuristic_schedule, lower_bound, serial_sgs
from solver.rcpsp.solve import BACKENDS, RCPSPResult, solve_rcpsp, verify_schedule

__all__ = [
    "BACKENDS",
    "RCPSP_FORMULATIONS",
    "FeasibleSets",
    "PSPLIBError",
    "RCPSPInstance",
    "RCPSPResult",
    "RCPSPSchedule",
    "TimeIndexedModel",
    "Windows",
    "build_rcpsp_model",
    "destructive_lower_bound",
    "heuristic_schedule",
    "lower_bound",
    "lp_shave",
    "parse_sm",
    "preemptive_lower_bound",
    "preemptive_refutes",
    "propagate",
    "rcpsp_root_lp_bound",
    "read_sm",
    "serial_sgs",
    "shave",
    "solve_rcpsp",
    "verify_schedule",
]
