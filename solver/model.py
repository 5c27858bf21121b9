"""A backend-neutral sparse mixed-integer linear model.

Formulation builders produce a :class:`LinearModel`; backends consume it.
Builders never solve and backends never read scenario files.  Rows and
columns carry names so that infeasibility diagnoses and LP files are readable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

INF = float("inf")


@dataclass(frozen=True)
class RowBlock:
    """Rows whose sparsity is fixed by a scenario's structure, not by its numbers.

    A family of rows that depends on scenario numbers (values, costs,
    detection, discount...) is written as a function returning a
    ``RowBlock``.  Its column pattern never depends on those numbers (a
    coefficient that happens to be zero is kept as an explicit zero), so the
    same function can refill the numbers of an already built model: see
    :class:`solver.formulation.template.StepTemplate`.

    Attributes
    ----------
    group : str
        Constraint family of every row.
    cols, vals : sequence of numpy.ndarray
        Per row, the column indices (no duplicates) and their coefficients.
    lb, ub : sequence of float
        Per row, the bounds.
    names : sequence of str or None
        Per row, the name; ``None`` when the caller only needs the numbers.
    """

    group: str
    cols: Sequence[np.ndarray]
    vals: Sequence[np.ndarray]
    lb: Sequence[float]
    ub: Sequence[float]
    names: Sequence[str] | None = None


BlockMaker = Callable[..., RowBlock]
"""``make(scenario, coefficients, *args, names=bool) -> RowBlock``."""


@dataclass(frozen=True)
class BlockSpan:
    """Where :meth:`LinearModel.add_block` put a block, and how to remake it.

    Attributes
    ----------
    make : callable
        The block function.
    args : tuple
        Its structural arguments (column index arrays), after the scenario and
        the coefficients.
    rows : tuple of int
        ``(first, end)`` row range.
    nonzeros : tuple of int
        ``(first, end)`` range in the model's coefficient list.
    """

    make: BlockMaker
    args: tuple[Any, ...]
    rows: tuple[int, int]
    nonzeros: tuple[int, int]


@dataclass
class LinearModel:
    """A mixed-integer linear program ``max/min c'x`` s.t. ``rl <= Ax <= ru``.

    Parameters
    ----------
    name : str
        Model name (used in LP files and messages).
    maximize : bool, optional
        Direction of the objective; default ``True``.

    Notes
    -----
    Columns are added with :meth:`add_var`, rows with :meth:`add_row`.  Each
    row also carries a *group* label (for example ``"participation"``) which
    the infeasibility analysis uses to relax whole constraint families.

    Examples
    --------
    >>> m = LinearModel("toy")
    >>> x = m.add_var("x", ub=1, integer=True, obj=1.0)
    >>> r = m.add_row("cap", {x: 2.0}, ub=1.0, group="capacity")
    >>> m.num_vars, m.num_rows
    (1, 1)
    """

    name: str
    maximize: bool = True
    var_names: list[str] = field(default_factory=list)
    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    obj: list[float] = field(default_factory=list)
    obj_constant: float = 0.0
    row_names: list[str] = field(default_factory=list)
    row_groups: list[str] = field(default_factory=list)
    row_lb: list[float] = field(default_factory=list)
    row_ub: list[float] = field(default_factory=list)
    _rows: list[int] = field(default_factory=list)
    _cols: list[int] = field(default_factory=list)
    _vals: list[float] = field(default_factory=list)
    _index: dict[str, int] = field(default_factory=dict)
    blocks: list[BlockSpan] = field(default_factory=list)

    @property
    def num_vars(self) -> int:
        """Number of columns."""
        return len(self.var_names)

    @property
    def num_rows(self) -> int:
        """Number of rows."""
        return len(self.row_names)

    def add_var(
        self,
        name: str,
        *,
        lb: float = 0.0,
        ub: float = INF,
        integer: bool = False,
        obj: float = 0.0,
    ) -> int:
        """Add a column and return its index.

        Parameters
        ----------
        name : str
            Unique column name.
        lb, ub : float, optional
            Bounds; default ``[0, inf)``.
        integer : bool, optional
            Whether the column is integral.
        obj : float, optional
            Objective coefficient.

        Returns
        -------
        int
            The column index.
        """
        if name in self._index:
            raise ValueError(f"duplicate variable name {name!r}")
        idx = len(self.var_names)
        self._index[name] = idx
        self.var_names.append(name)
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(integer)
        self.obj.append(obj)
        return idx

    def var(self, name: str) -> int:
        """Return the index of the column called ``name``."""
        return self._index[name]

    def add_row(
        self,
        name: str,
        coefs: Mapping[int, float],
        *,
        lb: float = -INF,
        ub: float = INF,
        group: str = "other",
    ) -> int:
        """Add a row ``lb <= sum coefs[j] x[j] <= ub`` and return its index.

        Parameters
        ----------
        name : str
            Row name (need not be unique, but builders keep it so).
        coefs : Mapping[int, float]
            Column index to coefficient; zero coefficients are dropped.
        lb, ub : float, optional
            Row bounds.
        group : str, optional
            Constraint family, used by infeasibility analysis.

        Returns
        -------
        int
            The row index.
        """
        r = len(self.row_names)
        self.row_names.append(name)
        self.row_groups.append(group)
        self.row_lb.append(lb)
        self.row_ub.append(ub)
        for j, v in coefs.items():
            if v != 0.0:
                self._rows.append(r)
                self._cols.append(j)
                self._vals.append(float(v))
        return r

    def add_block(self, make: BlockMaker, scenario: Any, co: Any, *args: Any) -> BlockSpan:
        """Add the rows of ``make(scenario, co, *args, names=True)``, zeros included.

        Unlike :meth:`add_row`, explicit zero coefficients are kept, so the
        block's sparsity pattern is the same for every value of the numbers
        and :class:`~solver.formulation.template.StepTemplate` can overwrite
        them in place.

        Parameters
        ----------
        make : callable
            ``make(scenario, co, *args, names) -> RowBlock``.
        scenario, co
            The scenario and its :class:`~solver.payoffs.Coefficients`.
        *args
            Structural arguments (column indices), recorded for refills.

        Returns
        -------
        BlockSpan
            The rows and coefficient positions the block occupies (also
            appended to :attr:`blocks`).
        """
        blk = make(scenario, co, *args, names=True)
        if blk.names is None or not len(blk.names) == len(blk.cols) == len(blk.vals):
            raise ValueError(f"block {make.__name__} must name each of its rows")
        r0, nz0 = self.num_rows, len(self._vals)
        for r, (cols, vals) in enumerate(zip(blk.cols, blk.vals, strict=True)):
            if len(cols) != len(vals) or len(set(cols.tolist())) != len(cols):
                raise ValueError(f"block {make.__name__} row {r}: bad column pattern")
            self._rows.extend([r0 + r] * len(cols))
            self._cols.extend(int(c) for c in cols)
            self._vals.extend(float(v) for v in vals)
        self.row_names.extend(blk.names)
        self.row_groups.extend([blk.group] * len(blk.cols))
        self.row_lb.extend(float(x) for x in blk.lb)
        self.row_ub.extend(float(x) for x in blk.ub)
        span = BlockSpan(make, args, (r0, self.num_rows), (nz0, len(self._vals)))
        self.blocks.append(span)
        return span

    def matrix(self) -> sp.csr_matrix:
        """Return the constraint matrix as CSR (duplicates summed)."""
        return sp.csr_matrix(
            (self._vals, (self._rows, self._cols)),
            shape=(self.num_rows, self.num_vars),
        )

    def arrays(self) -> dict[str, np.ndarray]:
        """Return the bounds, objective and integrality as numpy arrays."""
        return {
            "c": np.asarray(self.obj, dtype=float),
            "lb": np.asarray(self.lb, dtype=float),
            "ub": np.asarray(self.ub, dtype=float),
            "integrality": np.asarray(self.integer, dtype=np.uint8),
            "row_lb": np.asarray(self.row_lb, dtype=float),
            "row_ub": np.asarray(self.row_ub, dtype=float),
        }

    def objective_value(self, x: np.ndarray) -> float:
        """Evaluate the objective (with constant) at ``x``."""
        return float(np.dot(self.obj, x)) + self.obj_constant
