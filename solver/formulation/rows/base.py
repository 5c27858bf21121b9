"""What every row family shares: the build context, the phase-change helper, a row collector."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from solver.formulation.common import BuildOptions
from solver.model import RowBlock
from solver.payoffs import Coefficients
from solver.scenario import Scenario


@dataclass(frozen=True)
class Context:
    """Everything a row family reads while the step model is built.

    Attributes
    ----------
    scenario : Scenario
        The scenario.
    y, z : numpy.ndarray
        Column indices of ``y[m, k]`` and ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    co : Coefficients
        The scenario's coefficients (with the build's credibility overrides).
    options : BuildOptions
        The build options.
    held : numpy.ndarray
        Per measure and phase, the column that says the target holds it: the
        flow's ``active[m, k]`` column (its ``y`` unless it ends with an
        event) or, for a transfer, its ``y`` (received by then).
    """

    scenario: Scenario
    y: np.ndarray
    z: np.ndarray
    co: Coefficients
    options: BuildOptions
    held: np.ndarray


def phase_change(
    arr: np.ndarray,
    weights: np.ndarray,
    k: int,
    last: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pattern and values of ``sum_i w_i (x[i, last_i] - x[i, k-1])`` (1-based phases).

    With ``last`` omitted (``last_i = k``) this is the change during phase
    ``k``: what is granted or done *in* it.  ``x[i, 0]`` is zero, so for
    ``k = 1`` only the ``x[i, last_i]`` terms remain.

    Parameters
    ----------
    arr : numpy.ndarray
        Column indices ``x[i, k-1]``, one row per item.
    weights : numpy.ndarray
        ``w_i`` per item.
    k : int
        The phase (``1..K``).
    last : numpy.ndarray, optional
        ``last_i`` per item (``>= k``); default ``k``.

    Returns
    -------
    tuple of numpy.ndarray
        Columns and values, item by item: ``x[i, last_i]`` with ``w_i``, then
        (for ``k > 1``) ``x[i, k-1]`` with ``-w_i``.  The columns repeat only
        when ``last_i = k - 1``, which ``last_i >= k`` rules out.

    Examples
    --------
    >>> arr = np.array([[10, 11, 12], [20, 21, 22]])
    >>> [a.tolist() for a in phase_change(arr, np.array([2.0, 3.0]), 2)]
    [[11, 10, 21, 20], [2.0, -2.0, 3.0, -3.0]]
    >>> [a.tolist() for a in phase_change(arr, np.array([2.0, 3.0]), 1, np.array([3, 1]))]
    [[12, 20], [2.0, 3.0]]
    """
    w = np.asarray(weights, dtype=float)
    hi = arr[:, k - 1] if last is None else arr[np.arange(arr.shape[0]), np.asarray(last) - 1]
    if k == 1:
        return hi.copy(), w.copy()
    cols = np.stack([hi, arr[:, k - 2]], axis=1).ravel()
    vals = np.stack([w, -w], axis=1).ravel()
    return cols, vals


def as_coefs(cols: np.ndarray, vals: np.ndarray) -> dict[int, float]:
    """The ``{column: coefficient}`` mapping of :meth:`~solver.model.LinearModel.add_row`.

    Parameters
    ----------
    cols, vals : numpy.ndarray
        Columns and values (as :func:`phase_change` returns them); values on a
        repeated column add up.

    Returns
    -------
    dict
        Column -> coefficient, in first-appearance order.

    Examples
    --------
    >>> as_coefs(np.array([3, 1, 3]), np.array([1.0, 2.0, 0.5]))
    {3: 1.5, 1: 2.0}
    """
    out: dict[int, float] = {}
    for c, v in zip(cols.tolist(), vals.tolist(), strict=True):
        out[c] = out.get(c, 0.0) + v
    return out


class RowCollector:
    """Collects the rows of one :class:`~solver.model.RowBlock`.

    Parameters
    ----------
    names : bool
        Whether to make row names (a refill does not need them).
    """

    def __init__(self, names: bool) -> None:
        self.names = names
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lbs: list[float] = []
        self.ubs: list[float] = []
        self.labels: list[str] = []

    def add(
        self, cols: np.ndarray, vals: np.ndarray, lb: float, ub: float, label: str = ""
    ) -> None:
        """Add one row ``lb <= sum vals * x[cols] <= ub``.

        Parameters
        ----------
        cols, vals : numpy.ndarray
            Its columns (no repeats) and coefficients (zeros kept).
        lb, ub : float
            Its bounds.
        label : str, optional
            Its name (kept when :attr:`names` is set; callers skip formatting
            it otherwise, as a refill needs no names).
        """
        self.cols.append(cols)
        self.vals.append(vals)
        self.lbs.append(lb)
        self.ubs.append(ub)
        if self.names:
            self.labels.append(label)

    def extend(
        self,
        cols: Iterable[np.ndarray],
        vals: Iterable[np.ndarray],
        lb: float,
        ub: float,
        labels: Callable[[], Iterable[str]],
    ) -> None:
        """Add several rows with the same bounds.

        Parameters
        ----------
        cols, vals : iterable of numpy.ndarray
            Per row, its columns and coefficients.
        lb, ub : float
            The bounds of every row.
        labels : callable
            Returns the rows' names (called only when names are wanted).
        """
        before = len(self.cols)
        self.cols.extend(cols)
        self.vals.extend(vals)
        n = len(self.cols) - before
        self.lbs.extend([lb] * n)
        self.ubs.extend([ub] * n)
        if self.names:
            self.labels.extend(labels())

    def block(self, group: str, *, snap: float = 0.0) -> RowBlock:
        """The collected rows as a block.

        Parameters
        ----------
        group : str
            The constraint family of every row.
        snap : float, optional
            Set to zero (keeping the position) every coefficient whose size is
            at most ``snap`` times the row's largest: the residue of weights that
            cancel in floating point (``3.6e-15`` beside ``9e3``), which HiGHS
            can fail on.  Default 0: nothing snapped.

        Returns
        -------
        RowBlock
            The rows, named when :attr:`names` is set.
        """
        vals = self.vals
        if snap > 0.0:
            vals = []
            for v in self.vals:
                top = float(np.abs(v).max()) if len(v) else 0.0
                vals.append(np.where(np.abs(v) <= snap * top, 0.0, v))
        return RowBlock(
            group, self.cols, vals, self.lbs, self.ubs, self.labels if self.names else None
        )
