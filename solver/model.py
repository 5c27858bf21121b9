"""A backend-neutral sparse mixed-integer linear model.

Formulation builders produce a :class:`LinearModel`; backends consume it.
Builders never solve and backends never read scenario files.  Rows and
columns carry names so that infeasibility diagnoses and LP files are readable.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

INF = float("inf")

_STAMPS = itertools.count(1)
"""Source of :attr:`LinearModel.bounds_version` values (unique in the process)."""


def _floats(values: Any, size: int, what: str) -> bytes:
    """``values`` as the bytes of ``size`` float64 numbers (for ``array("d", ...)``)."""
    out = np.asarray(values, dtype=float).ravel()
    if len(out) != size:
        raise ValueError(f"{what} has {len(out)} entries; the model has {size}")
    return out.tobytes()


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
    Columns are added with :meth:`add_var`, rows with :meth:`add_row` and
    :meth:`add_block`.  Each row also carries a *group* label (for example
    ``"participation"``) which the infeasibility analysis uses to relax whole
    constraint families.

    The coefficients are stored as a list of nonzeros in the order they were
    added (:meth:`coo`); that order is the model's *pattern*, which
    :class:`~solver.model.BlockSpan` positions and solver sessions refer to.
    Read them with :meth:`coo`, :meth:`matrix` or :meth:`nonzero_values`;
    change them with :meth:`set_coefficients` and :meth:`add_coefficient`.
    Change column bounds with :meth:`set_bounds` or :meth:`copy` (not by
    editing :attr:`lb` and :attr:`ub` in place), so that
    :attr:`bounds_version` tells a solver session when they changed.

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
    # the nonzeros, in pattern order: typed arrays, so that numpy reads and writes them
    # without a Python loop (never keep a numpy view of them: it would block appends)
    _rows: array[int] = field(default_factory=lambda: array("q"))
    _cols: array[int] = field(default_factory=lambda: array("q"))
    _vals: array[float] = field(default_factory=lambda: array("d"))
    _index: dict[str, int] = field(default_factory=dict)
    blocks: list[BlockSpan] = field(default_factory=list)
    _bounds_version: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # a new object (including one from dataclasses.replace) may have any bounds
        self._bounds_version = next(_STAMPS)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # unpickled (maybe from another process, whose tokens are not ours): a new token
        self.__dict__.update(state)
        self._bounds_version = next(_STAMPS)

    @property
    def num_vars(self) -> int:
        """Number of columns."""
        return len(self.var_names)

    @property
    def num_rows(self) -> int:
        """Number of rows."""
        return len(self.row_names)

    @property
    def num_nonzeros(self) -> int:
        """Number of stored coefficients (explicit zeros of blocks included)."""
        return len(self._vals)

    @property
    def bounds_version(self) -> int:
        """A token for the column bounds: equal tokens mean equal bounds.

        Every new model gets a token no other model has; :meth:`copy` keeps it
        when the bounds are not replaced (so do template refills), and
        :meth:`set_bounds` draws a new one.  A solver session compares tokens
        to know whether it may reuse the bounds it passed last time.  Editing
        :attr:`lb` or :attr:`ub` in place bypasses it: use :meth:`set_bounds`.

        Examples
        --------
        >>> m = LinearModel("toy")
        >>> x = m.add_var("x", ub=1.0)
        >>> c = m.copy()
        >>> c.bounds_version == m.bounds_version
        True
        >>> c.set_bounds([x], ub=0.0)
        >>> c.bounds_version == m.bounds_version, m.ub, c.ub
        (False, [1.0], [0.0])
        """
        return self._bounds_version

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
        self._bounds_version = next(_STAMPS)
        return idx

    def var(self, name: str) -> int:
        """Return the index of the column called ``name``.

        Parameters
        ----------
        name : str
            Column name.

        Returns
        -------
        int
            The column index.
        """
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

    def add_coefficient(self, row: int, col: int, value: float) -> None:
        """Append the coefficient ``value`` of column ``col`` to an existing row.

        The nonzero goes to the end of the pattern (so block positions stay
        valid); the row must not have a coefficient on ``col`` yet, or the two
        add up in :meth:`matrix`.

        Parameters
        ----------
        row, col : int
            Row and column index (both must exist).
        value : float
            The coefficient (kept even if zero).

        Raises
        ------
        IndexError
            If the row or the column does not exist.
        """
        if not (0 <= row < self.num_rows and 0 <= col < self.num_vars):
            raise IndexError(f"no row {row} or column {col} in a {self.num_rows} x "
                             f"{self.num_vars} model")  # fmt: skip
        self._rows.append(int(row))
        self._cols.append(int(col))
        self._vals.append(float(value))

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
            self._cols.frombytes(np.asarray(cols, dtype=np.int64).tobytes())
            self._vals.frombytes(np.asarray(vals, dtype=float).tobytes())
        self.row_names.extend(blk.names)
        self.row_groups.extend([blk.group] * len(blk.cols))
        self.row_lb.extend(float(x) for x in blk.lb)
        self.row_ub.extend(float(x) for x in blk.ub)
        span = BlockSpan(make, args, (r0, self.num_rows), (nz0, len(self._vals)))
        self.blocks.append(span)
        return span

    def coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the coefficients as ``(rows, cols, vals)`` arrays, in pattern order.

        Returns
        -------
        tuple of numpy.ndarray
            Row indices and column indices (``int64``) and values (``float``),
            one entry per stored nonzero (explicit zeros and, from
            :meth:`add_coefficient`, repeated positions included; :meth:`matrix`
            sums those).  The arrays are new: changing them leaves the model alone.

        Examples
        --------
        >>> m = LinearModel("toy")
        >>> x, y = m.add_var("x"), m.add_var("y")
        >>> _ = m.add_row("r", {x: 1.0, y: -2.0}, ub=0.0)
        >>> [a.tolist() for a in m.coo()]
        [[0, 0], [0, 1], [1.0, -2.0]]
        """
        return (
            np.frombuffer(self._rows, dtype=np.int64).copy(),
            np.frombuffer(self._cols, dtype=np.int64).copy(),
            self.nonzero_values(),
        )

    def nonzero_values(self) -> np.ndarray:
        """Return the coefficient values in pattern order (the third array of :meth:`coo`).

        Returns
        -------
        numpy.ndarray
            A new ``float`` array of length :attr:`num_nonzeros`.
        """
        return np.frombuffer(self._vals, dtype=float).copy()

    def set_coefficients(self, values: Sequence[float] | np.ndarray, start: int = 0) -> None:
        """Overwrite stored coefficient values in place; the pattern does not change.

        Parameters
        ----------
        values : array_like of float
            New values for the nonzeros ``start .. start + len(values) - 1``
            (for a block, its :attr:`BlockSpan.nonzeros` range).
        start : int, optional
            Position of the first value in the pattern.

        Raises
        ------
        ValueError
            If the range runs outside the pattern.

        Examples
        --------
        >>> m = LinearModel("toy")
        >>> x = m.add_var("x")
        >>> _ = m.add_row("r", {x: 1.0}, ub=1.0)
        >>> m.set_coefficients([3.0])
        >>> m.matrix().toarray().tolist()
        [[3.0]]
        """
        new = np.asarray(values, dtype=float).ravel()
        end = start + len(new)
        if start < 0 or end > len(self._vals):
            raise ValueError(f"nonzeros {start}..{end} outside the model's {len(self._vals)}")
        np.frombuffer(self._vals, dtype=float)[start:end] = new

    def set_bounds(
        self,
        cols: Sequence[int] | np.ndarray,
        *,
        lb: float | Sequence[float] | np.ndarray | None = None,
        ub: float | Sequence[float] | np.ndarray | None = None,
    ) -> None:
        """Change the bounds of some columns in place (and :attr:`bounds_version`).

        Parameters
        ----------
        cols : array_like of int
            Column indices.
        lb, ub : float or array_like of float, optional
            New lower / upper bounds, one per column or one for all; ``None``
            leaves them as they are.
        """
        idx = np.asarray(cols, dtype=np.int64).ravel()
        for bounds, new in ((self.lb, lb), (self.ub, ub)):
            if new is None:
                continue
            vals = np.broadcast_to(np.asarray(new, dtype=float), idx.shape)
            for j, v in zip(idx.tolist(), vals.tolist(), strict=True):
                bounds[j] = v
        self._bounds_version = next(_STAMPS)

    def copy(
        self,
        *,
        name: str | None = None,
        maximize: bool | None = None,
        lb: Sequence[float] | np.ndarray | None = None,
        ub: Sequence[float] | np.ndarray | None = None,
        integer: Sequence[bool] | np.ndarray | None = None,
        obj: Sequence[float] | np.ndarray | None = None,
        obj_constant: float | None = None,
        row_lb: Sequence[float] | np.ndarray | None = None,
        row_ub: Sequence[float] | np.ndarray | None = None,
        values: Sequence[float] | np.ndarray | None = None,
        blocks: Sequence[BlockSpan] | None = None,
    ) -> LinearModel:
        """Return an independent copy, optionally with new numbers.

        Every list and the name index are copied, so rows, columns, bounds and
        coefficients of the copy can change without touching this model (and
        the other way round).  The structure (names, groups, pattern) is
        always this model's; the arguments replace its numbers.

        Parameters
        ----------
        name, maximize, obj_constant : optional
            New name, direction, objective constant.
        lb, ub : array_like of float, optional
            New column bounds (length :attr:`num_vars`); without them the copy
            keeps :attr:`bounds_version`.
        integer : array_like of bool, optional
            New integrality flags.
        obj : array_like of float, optional
            New objective coefficients.
        row_lb, row_ub : array_like of float, optional
            New row bounds (length :attr:`num_rows`).
        values : array_like of float, optional
            New coefficient values in pattern order (length :attr:`num_nonzeros`).
        blocks : sequence of BlockSpan, optional
            The copy's block records (default: this model's; ``()`` for none).

        Returns
        -------
        LinearModel
            The copy.

        Raises
        ------
        ValueError
            If a replacement has the wrong length.

        Examples
        --------
        >>> m = LinearModel("toy")
        >>> x = m.add_var("x", ub=1.0, integer=True)
        >>> relaxed = m.copy(integer=[False], ub=[2.0])
        >>> m.integer, m.ub, relaxed.integer, relaxed.ub
        ([True], [1.0], [False], [2.0])
        """
        n, m_rows, nnz = self.num_vars, self.num_rows, self.num_nonzeros

        def take(new: Any, old: list[Any], size: int, what: str, kind: type = float) -> list[Any]:
            if new is None:
                return list(old)
            out: list[Any] = np.asarray(new, dtype=kind).ravel().tolist()
            if len(out) != size:
                raise ValueError(f"{what} has {len(out)} entries; the model has {size}")
            return out

        out = LinearModel(
            self.name if name is None else name,
            maximize=self.maximize if maximize is None else bool(maximize),
            var_names=list(self.var_names),
            lb=take(lb, self.lb, n, "lb"),
            ub=take(ub, self.ub, n, "ub"),
            integer=take(integer, self.integer, n, "integer", bool),
            obj=take(obj, self.obj, n, "obj"),
            obj_constant=self.obj_constant if obj_constant is None else float(obj_constant),
            row_names=list(self.row_names),
            row_groups=list(self.row_groups),
            row_lb=take(row_lb, self.row_lb, m_rows, "row_lb"),
            row_ub=take(row_ub, self.row_ub, m_rows, "row_ub"),
            _rows=self._rows[:],
            _cols=self._cols[:],
            _vals=self._vals[:] if values is None else array("d", _floats(values, nnz, "values")),
            _index=dict(self._index),
            blocks=list(self.blocks if blocks is None else blocks),
        )
        if lb is None and ub is None:
            out._bounds_version = self._bounds_version
        return out

    def matrix(self) -> sp.csr_matrix:
        """Return the constraint matrix as CSR (duplicates summed).

        Returns
        -------
        scipy.sparse.csr_matrix
            ``num_rows x num_vars``.
        """
        rows, cols, vals = self.coo()
        return sp.csr_matrix((vals, (rows, cols)), shape=(self.num_rows, self.num_vars))

    def arrays(self) -> dict[str, np.ndarray]:
        """Return the bounds, objective and integrality as numpy arrays.

        Returns
        -------
        dict of str to numpy.ndarray
            Keys ``c``, ``lb``, ``ub``, ``integrality``, ``row_lb``, ``row_ub``.
        """
        return {
            "c": np.asarray(self.obj, dtype=float),
            "lb": np.asarray(self.lb, dtype=float),
            "ub": np.asarray(self.ub, dtype=float),
            "integrality": np.asarray(self.integer, dtype=np.uint8),
            "row_lb": np.asarray(self.row_lb, dtype=float),
            "row_ub": np.asarray(self.row_ub, dtype=float),
        }

    def objective_value(self, x: np.ndarray) -> float:
        """Evaluate the objective (with constant) at ``x``.

        Parameters
        ----------
        x : numpy.ndarray
            A value for every column.

        Returns
        -------
        float
            ``c'x + obj_constant``.
        """
        return float(np.dot(self.obj, x)) + self.obj_constant
