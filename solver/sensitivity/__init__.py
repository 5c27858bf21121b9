"""Sensitivity analysis: which conclusions survive the uncertainty in a scenario.

A *spec* (:mod:`solver.sensitivity.spec`) names uncertain scenario parameters
by path with a range or a distribution.  A *design*
(:mod:`solver.sensitivity.design`) turns the spec into samples; every sample
is solved through the one function :func:`evaluate_batch`; results are kept
in a resumable SQLite store (:mod:`solver.sensitivity.store`); the analysis
(:mod:`solver.sensitivity.analysis`, :mod:`solver.sensitivity.indices`)
summarises them.  :func:`run_sweep` ties these together.

Public API
----------
load_spec
    Read and validate a sensitivity spec for a scenario.
apply_sample
    A scenario variant with some parameters replaced.
SampleApplier
    The same for many samples of one scenario (paths resolved once).
evaluate_batch
    Solve and check a batch of samples.
run_sweep
    Run one method end to end (design, execution, store, summary).
"""

from __future__ import annotations

from solver.sensitivity.evaluate import SampleResult, evaluate_batch
from solver.sensitivity.paths import SampleApplier
from solver.sensitivity.runner import METHODS, SweepResult, run_sweep
from solver.sensitivity.spec import Param, Spec, apply_sample, load_spec, spec_from_dict

__all__ = [
    "METHODS",
    "Param",
    "SampleApplier",
    "SampleResult",
    "Spec",
    "SweepResult",
    "apply_sample",
    "evaluate_batch",
    "load_spec",
    "run_sweep",
    "spec_from_dict",
]
