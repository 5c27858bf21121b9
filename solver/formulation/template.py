"""Build the step model's structure once; refill only its numbers per scenario variant.

A sensitivity sweep solves hundreds of variants of one scenario that differ
only in numbers (values, costs, detection, credibility, discount...).  The
sparsity pattern of the step model depends on those numbers in just a few
ways, which :func:`structure_key` collects: the phase windows (a measure's
reversibility against ``reversibility_threshold``), which measures are
transfers or end with an event, which steps verify which, whether
``irreversibility_ratio`` and each actor's ``reservation`` are set.  (The
deviation classes are written inline on every milestone, so detection values
never change the pattern.)  Variants with the same key share one
:class:`StepTemplate`: its model is built once by :func:`solver.formulation.step.build`
and :meth:`StepTemplate.refill` recomputes only the numeric row blocks
(:class:`~solver.model.RowBlock`, vectorised) and the objective, with the same
functions the builder used, so the two can never disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable

import numpy as np

from solver.formulation import step
from solver.formulation.common import BuildOptions, Built
from solver.formulation.rows.objective import objective_vector
from solver.model import LinearModel
from solver.payoffs import coefficients
from solver.scenario import Scenario

__all__ = ["StepTemplate", "StructureChanged", "structure_key"]


class StructureChanged(ValueError):
    """A variant's model would not have the template's sparsity pattern."""


def structure_key(scenario: Scenario, options: BuildOptions) -> Hashable:
    """Everything numeric that shapes the step model's sparsity pattern.

    Two variants of one scenario (differing only in number fields, as built
    by :func:`solver.sensitivity.apply_sample`) with equal keys have models
    with identical rows, columns and nonzero positions.

    Parameters
    ----------
    scenario : Scenario
        The variant.
    options : BuildOptions
        Build options (their objective and IC flag shape the model too).

    Returns
    -------
    Hashable
        The key.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> from dataclasses import replace
    >>> s = load_scenario(default_scenario_path())
    >>> o = BuildOptions()
    >>> structure_key(s, o) == structure_key(replace(s, name="other"), o)
    True
    """
    return (
        scenario.phases,
        len(scenario.measures),
        len(scenario.milestones),
        options.objective,
        options.require_ic,
        options.elastic_windows,
        tuple(scenario.measure_window(m) for m in scenario.measures),
        tuple(scenario.milestone_window(d) for d in scenario.milestones),
        tuple((m.kind, m.ends_with) for m in scenario.measures),
        tuple(tuple(sorted(d.raises_detection)) for d in scenario.milestones),
        scenario.parameters.irreversibility_ratio is None,
        tuple(a.reservation is None for a in scenario.actors),
        options.two_sided,
        _coalition_structure(scenario) if options.two_sided else (),
    )


def _coalition_structure(scenario: Scenario) -> tuple[tuple[str, bool, bool], ...]:
    """Which members the two-sided rows cover, which have enforcement rows, which renege rows."""
    from solver.coalition import actor_payoffs

    return tuple((p.actor, bool(p.enforcing.sum() > 0), p.funds) for p in actor_payoffs(scenario))


class StepTemplate:
    """The step model of one structure, refilled with each variant's numbers.

    Parameters
    ----------
    scenario : Scenario
        A variant that fixes the structure (see :func:`structure_key`).
    options : BuildOptions
        Build options; ``credibility`` overrides may differ per refill.

    Attributes
    ----------
    key : Hashable
        The structure key the template serves.
    built : Built
        The model as the builder made it for ``scenario``.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> from solver.sensitivity import apply_sample
    >>> s = load_scenario(default_scenario_path())
    >>> t = StepTemplate(s, BuildOptions())
    >>> v = apply_sample(s, {"discount": 0.8})
    >>> m = t.refill(v)
    >>> bool(np.allclose(m.matrix().toarray(), step.build(v).model.matrix().toarray()))
    True
    """

    def __init__(self, scenario: Scenario, options: BuildOptions) -> None:
        self.options = options
        self.key = structure_key(scenario, options)
        self.built = step.build(scenario, options)
        m = self.built.model
        self._vals = m.nonzero_values()
        self._row_lb = np.asarray(m.row_lb, dtype=float)
        self._row_ub = np.asarray(m.row_ub, dtype=float)

    def fits(self, scenario: Scenario, options: BuildOptions | None = None) -> bool:
        """Whether ``scenario`` has this template's structure.

        Parameters
        ----------
        scenario : Scenario
            A variant.
        options : BuildOptions, optional
            Its build options (default: the template's).

        Returns
        -------
        bool
            ``structure_key(scenario, options) == self.key``.
        """
        return structure_key(scenario, options or self.options) == self.key

    def refill(
        self,
        scenario: Scenario,
        credibility: dict[str, float] | None = None,
        *,
        key: Hashable | None = None,
    ) -> LinearModel:
        """The model of ``scenario``: this template's structure with its numbers.

        Parameters
        ----------
        scenario : Scenario
            A variant with this template's structure.
        credibility : dict, optional
            Instrument id -> credibility override (as in :class:`BuildOptions`).
        key : Hashable, optional
            The variant's :func:`structure_key`, when the caller has it already.

        Returns
        -------
        LinearModel
            A new, independent model (:meth:`~solver.model.LinearModel.copy`)
            with the template's names, pattern and column bounds (and so its
            :attr:`~solver.model.LinearModel.bounds_version`) and no block
            records; equal, up to explicit zeros, to what
            :func:`solver.formulation.step.build` gives.

        Raises
        ------
        StructureChanged
            When the variant does not fit (check :meth:`fits` first).
        """
        opts = self._options(credibility)
        if (structure_key(scenario, opts) if key is None else key) != self.key:
            raise StructureChanged("the variant's structure differs from the template's")
        m = self.built.model
        co = coefficients(scenario, credibility=opts.credibility)
        vals = self._vals.copy()
        row_lb = self._row_lb.copy()
        row_ub = self._row_ub.copy()
        for span in m.blocks:
            blk = span.make(scenario, co, *span.args, names=False)
            (r0, r1), (n0, n1) = span.rows, span.nonzeros
            new = np.concatenate(blk.vals) if blk.vals else np.zeros(0)
            if len(blk.cols) != r1 - r0 or new.size != n1 - n0:
                raise StructureChanged(f"block {span.make.__name__} changed shape")
            vals[n0:n1] = new
            row_lb[r0:r1] = blk.lb
            row_ub[r0:r1] = blk.ub
        obj, _ = objective_vector(m.num_vars, scenario, self.built.vars, co, opts)
        return m.copy(obj=obj, row_lb=row_lb, row_ub=row_ub, values=vals, blocks=())

    def built_for(
        self, scenario: Scenario, model: LinearModel, credibility: dict[str, float] | None = None
    ) -> Built:
        """A :class:`Built` for a refilled model (variable map shared with the template).

        Parameters
        ----------
        scenario : Scenario
            The variant ``model`` was refilled for.
        model : LinearModel
            The output of :meth:`refill`.
        credibility : dict, optional
            The overrides used for the refill.

        Returns
        -------
        Built
            What :func:`solver.solve.build_model` would return for the variant.
        """
        return Built(
            model=model,
            vars=self.built.vars,
            scenario=scenario,
            options=self._options(credibility),
            info=dict(self.built.info),
        )

    def _options(self, credibility: dict[str, float] | None) -> BuildOptions:
        if credibility is None:
            return self.options
        return dataclasses.replace(self.options, credibility=dict(credibility))
