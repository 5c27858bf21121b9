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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solver.sensitivity.evaluate import SampleResult, evaluate_batch
    from solver.sensitivity.paths import SampleApplier
    from solver.sensitivity.runner import METHODS, SweepResult, run_sweep
    from solver.sensitivity.spec import Param, Spec, apply_sample, load_spec, spec_from_dict

# The names load on first use (PEP 562): loading a scenario with target types
# imports solver.sensitivity.paths, which runs this file first, and must not
# pull in the sweep runner with SciPy's statistics (0.5 s of `relief solve`).
_EXPORTS: dict[str, str] = {
    "SampleResult": "solver.sensitivity.evaluate",
    "evaluate_batch": "solver.sensitivity.evaluate",
    "SampleApplier": "solver.sensitivity.paths",
    "METHODS": "solver.sensitivity.runner",
    "SweepResult": "solver.sensitivity.runner",
    "run_sweep": "solver.sensitivity.runner",
    "Param": "solver.sensitivity.spec",
    "Spec": "solver.sensitivity.spec",
    "apply_sample": "solver.sensitivity.spec",
    "load_spec": "solver.sensitivity.spec",
    "spec_from_dict": "solver.sensitivity.spec",
}

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


def __getattr__(name: str) -> Any:
    """Import a public name on first access (:pep:`562`).

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
        When ``name`` is not a public name of the package.
    """
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'solver.sensitivity' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
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
