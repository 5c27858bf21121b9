"""Constraint families of the sequencing MIP, by kind, and the table that builds them.

* :mod:`~solver.formulation.rows.structural`: rows whose coefficients the
  scenario's structure fixes (monotone state, windows, mandatory, precedence,
  bundles, consent, capacity, resources, incentive compatibility), added one
  by one;
* :mod:`~solver.formulation.rows.numeric`: numeric, vectorised
  :class:`~solver.model.RowBlock` families a template refills (cohesion,
  progress, participation, reversibility);
* :mod:`~solver.formulation.rows.leverage`: the leverage columns and rows;
* :mod:`~solver.formulation.rows.objective`: the objective.

:data:`FAMILIES` lists the state-column families in the order the step model
holds their rows; :func:`add_families` adds them.  A new family is one
function and one entry there.  Row names are phrased for analysts because the
infeasibility analysis reports them verbatim.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from solver.formulation.rows import leverage, numeric, objective, structural
from solver.formulation.rows.base import Context
from solver.model import BlockMaker, LinearModel


@dataclass(frozen=True)
class RowFamily:
    """A structural family: ``add(model, ctx)`` adds its rows one by one.

    Attributes
    ----------
    group : str
        The row group its rows carry (what the infeasibility analysis relaxes).
    add : callable
        ``add(model, ctx) -> None``.
    """

    group: str
    add: Callable[[LinearModel, Context], None]

    def apply(self, model: LinearModel, ctx: Context) -> None:
        """Add the family's rows.

        Parameters
        ----------
        model : LinearModel
            Model receiving the rows.
        ctx : Context
            The build context.
        """
        self.add(model, ctx)


@dataclass(frozen=True)
class BlockFamily:
    """A numeric family: one :class:`~solver.model.RowBlock` over the state columns.

    Attributes
    ----------
    group : str
        The group of the block's rows.
    make : callable
        ``make(scenario, co, y, z, *, names) -> RowBlock``, recorded in the
        model so that a template can refill the block.
    when : callable, optional
        ``when(ctx) -> bool``: whether the block exists for this scenario (a
        part of the model's structure); default always.
    held : bool, optional
        Pass the held-relief columns (:attr:`Context.held`) instead of ``y``.
    """

    group: str
    make: BlockMaker
    when: Callable[[Context], bool] | None = None
    held: bool = False

    def apply(self, model: LinearModel, ctx: Context) -> None:
        """Add the block (if :attr:`when` allows).

        Parameters
        ----------
        model : LinearModel
            Model receiving the rows.
        ctx : Context
            The build context.

        Raises
        ------
        ValueError
            If the block's rows carry another group than :attr:`group`.
        """
        if self.when is not None and not self.when(ctx):
            return
        cols = ctx.held if self.held else ctx.y
        span = model.add_block(self.make, ctx.scenario, ctx.co, cols, ctx.z)
        r0, r1 = span.rows
        if any(g != self.group for g in model.row_groups[r0:r1]):
            raise ValueError(f"block {self.make.__name__} does not make {self.group!r} rows")


def _has_rho(ctx: Context) -> bool:
    return ctx.scenario.parameters.irreversibility_ratio is not None


FAMILIES: tuple[RowFamily | BlockFamily, ...] = (
    RowFamily("monotone", structural.monotone),
    RowFamily("ends", structural.ends),
    RowFamily("window", structural.windows),
    RowFamily("mandatory", structural.mandatory),
    RowFamily("precedence", structural.precedence),
    RowFamily("bundle", structural.bundles),
    RowFamily("consent", structural.consent),
    RowFamily("capacity", structural.capacity),
    BlockFamily("cohesion", numeric.cohesion_block),
    RowFamily("resource", structural.resources),
    BlockFamily("progress", numeric.progress_block),
    BlockFamily("participation", numeric.participation_block, held=True),
    BlockFamily("reversibility", numeric.reversibility_block, when=_has_rho),
)
"""The families over the state columns ``y``, ``z``, in row order (see
``docs/formulation.md``, Constraints).  The leverage block, the incentive rows
and the objective come after them (:func:`solver.formulation.step.build`):
:func:`~solver.formulation.rows.leverage.leverage`,
:func:`~solver.formulation.rows.structural.incentive` and
:func:`~solver.formulation.rows.objective.objective`."""


def add_families(
    model: LinearModel,
    ctx: Context,
    families: tuple[RowFamily | BlockFamily, ...] = FAMILIES,
) -> None:
    """Add the rows of every family in ``families``, in order.

    Parameters
    ----------
    model : LinearModel
        Model receiving the rows (with the state columns of ``ctx``).
    ctx : Context
        The build context.
    families : tuple, optional
        The table (default :data:`FAMILIES`).
    """
    for family in families:
        family.apply(model, ctx)


__all__ = [
    "FAMILIES",
    "BlockFamily",
    "Context",
    "RowFamily",
    "add_families",
    "leverage",
    "numeric",
    "objective",
    "structural",
]
