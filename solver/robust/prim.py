"""PRIM scenario discovery: boxes of the parameter space where a plan fails.

A plan is evaluated in many sampled worlds (rows of ``X``, one column per
uncertain parameter) and fails in some of them.  The Patient Rule Induction
Method (Friedman and Fisher 1999) looks for a *box*, a set of intervals on a
few parameters, inside which failures are concentrated; scenario discovery
(Bryant and Lempert 2010) reads such boxes as the conditions under which the
plan fails.  The steps, each from those papers:

1. **Peeling.**  Start from the box that holds every point.  At each step try,
   for every parameter, removing the share ``alpha`` of the box's points with
   the lowest values and, separately, the share with the highest values; take
   the peel that raises the box's density (share of failures inside) the most
   per point removed.  Stop when no peel raises the density or the next peel
   would leave fewer points than the minimum support.  The sequence of boxes is
   the *peeling trajectory*.
2. **Selection.**  From the trajectory take the box with the highest coverage
   (share of all failures inside) among those whose density reaches
   ``threshold``; equal coverage goes to the higher density.  Or the caller
   names a step.
3. **Pasting.**  Widen the chosen box again, one side of one restricted
   parameter at a time (``alpha`` of its points), while that raises density.
4. **Pruning.**  Drop restrictions that do not matter: those whose quasi-p-value
   (Bryant and Lempert's one-sided binomial test) exceeds ``max_p`` or whose
   removal lowers density by less than ``prune_tol``, as long as the box keeps
   the density threshold.
5. **Covering.**  Remove the points inside the box and search again, for up to
   ``max_boxes`` boxes.

Coverage and support are shares of *all* failures and points given; density
is measured on the points the box was found among (for a second box, those
outside the first).  A limit lies halfway between the nearest values inside
and outside the box, so "above 0.5" reads right for a 0/1 parameter too; a
side that is not restricted is ``None``.

No third-party PRIM code is used: the method is implemented here from the
papers (sources in ``docs/sources.md``; usage in ``docs/robust.md``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Bound",
    "Box",
    "PrimResult",
    "TrajectoryStep",
    "describe",
    "find_box",
    "find_boxes",
]

_EPS = 1e-12

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class Bound:
    """The restriction of one parameter in a box.

    Parameters
    ----------
    name : str
        The parameter's name (its column in ``X``).
    index : int
        Its column number in ``X``.
    low, high : float or None
        Limits (a point on a limit is inside), halfway between the nearest
        data values inside and outside the box; ``None`` for a side that is
        not restricted.
    quasi_p : float or None
        Quasi-p-value of the restriction (Bryant and Lempert 2010): the
        probability, under a binomial model, of at least as many failures in
        the box if the restriction did not matter.  ``None`` in trajectory
        steps, where it is not computed.

    Examples
    --------
    >>> Bound("discount", 0, None, 0.8).to_dict()
    {'name': 'discount', 'index': 0, 'low': None, 'high': 0.8, 'quasi_p': None}
    """

    name: str
    index: int
    low: float | None
    high: float | None
    quasi_p: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The bound as plain JSON-safe values.

        Returns
        -------
        dict
            ``name``, ``index``, ``low``, ``high``, ``quasi_p``.
        """
        return {
            "name": self.name,
            "index": self.index,
            "low": self.low,
            "high": self.high,
            "quasi_p": self.quasi_p,
        }

    def contains(self, values: ArrayLike) -> BoolArray:
        """Which values lie within the bound (limits included).

        Parameters
        ----------
        values : array_like
            Values of this parameter.

        Returns
        -------
        numpy.ndarray
            Booleans, one per value.

        Examples
        --------
        >>> Bound("x", 0, 0.2, None).contains([0.1, 0.2, 0.9]).tolist()
        [False, True, True]
        """
        v = np.asarray(values, dtype=float)
        ok = np.ones(v.shape, dtype=bool)
        if self.low is not None:
            ok &= v >= self.low
        if self.high is not None:
            ok &= v <= self.high
        return ok


@dataclass(frozen=True)
class TrajectoryStep:
    """One box of a peeling trajectory and its statistics.

    Parameters
    ----------
    step : int
        0 for the box that holds every point searched, then one per peel.
    bounds : tuple of Bound
        The restricted parameters (quasi-p-values not computed).
    coverage : float
        Failures inside as a share of all failures.
    density : float
        Share of the points inside that fail.
    support : float
        Points inside as a share of all points.
    n_points, n_failures : int
        Points and failures inside.
    n_restricted : int
        Number of restricted parameters.

    Examples
    --------
    >>> TrajectoryStep(0, (), 1.0, 0.25, 1.0, 8, 2, 0).to_dict()["density"]
    0.25
    """

    step: int
    bounds: tuple[Bound, ...]
    coverage: float
    density: float
    support: float
    n_points: int
    n_failures: int
    n_restricted: int

    def to_dict(self) -> dict[str, Any]:
        """The step as plain JSON-safe values.

        Returns
        -------
        dict
            Every field; ``bounds`` as a list of :meth:`Bound.to_dict`.
        """
        return {
            "step": self.step,
            "bounds": [b.to_dict() for b in self.bounds],
            "coverage": self.coverage,
            "density": self.density,
            "support": self.support,
            "n_points": self.n_points,
            "n_failures": self.n_failures,
            "n_restricted": self.n_restricted,
        }


@dataclass(frozen=True)
class Box:
    """A box where the plan fails, with its statistics.

    Parameters
    ----------
    bounds : tuple of Bound
        Restricted parameters only, in column order, with quasi-p-values.
    coverage : float
        Failures inside (and outside earlier boxes) as a share of all failures.
    density : float
        Share of the points inside (and outside earlier boxes) that fail.
    support : float
        Points inside (and outside earlier boxes) as a share of all points.
    n_points, n_failures : int
        Those points and failures, counted.
    rank : int
        1 for the first box found, 2 for the next (covering), and so on.
    step : int
        The trajectory step the box was selected at (before pasting/pruning).
    trajectory : tuple of TrajectoryStep
        The peeling trajectory it was selected from.
    pruned : tuple of str
        Parameters whose restriction pruning dropped.
    pasted : bool
        Whether pasting widened the selected box.

    Examples
    --------
    >>> box = Box((Bound("x", 0, None, 0.3, 0.001),), 0.9, 0.95, 0.3, 30, 28)
    >>> box.names
    ('x',)
    >>> box.contains([[0.1], [0.5]]).tolist()
    [True, False]
    """

    bounds: tuple[Bound, ...]
    coverage: float
    density: float
    support: float
    n_points: int
    n_failures: int
    rank: int = 1
    step: int = 0
    trajectory: tuple[TrajectoryStep, ...] = ()
    pruned: tuple[str, ...] = ()
    pasted: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the restricted parameters, in column order."""
        return tuple(b.name for b in self.bounds)

    @property
    def quasi_p(self) -> dict[str, float | None]:
        """Quasi-p-value of each restricted parameter, by name."""
        return {b.name: b.quasi_p for b in self.bounds}

    def contains(self, X: ArrayLike) -> BoolArray:
        """Which rows of ``X`` lie inside the box (limits included).

        Parameters
        ----------
        X : array_like, shape (n, d)
            Points with the columns of the data the box was found on.

        Returns
        -------
        numpy.ndarray
            Booleans, one per row.  For a box of rank > 1 the points it
            explains are those inside it and outside the earlier boxes.
        """
        arr = np.asarray(X, dtype=float)
        if arr.ndim != 2:
            raise ValueError(f"X must be 2-D (points x parameters); got shape {arr.shape}")
        ok = np.ones(arr.shape[0], dtype=bool)
        for b in self.bounds:
            ok &= b.contains(arr[:, b.index])
        return ok

    def to_dict(self, trajectory: bool = True) -> dict[str, Any]:
        """The box as plain JSON-safe values.

        Parameters
        ----------
        trajectory : bool
            Include the peeling trajectory (it can be long).

        Returns
        -------
        dict
            Every field; bounds and trajectory steps as lists of dicts.
        """
        out: dict[str, Any] = {
            "rank": self.rank,
            "bounds": [b.to_dict() for b in self.bounds],
            "coverage": self.coverage,
            "density": self.density,
            "support": self.support,
            "n_points": self.n_points,
            "n_failures": self.n_failures,
            "step": self.step,
            "pruned": list(self.pruned),
            "pasted": self.pasted,
        }
        if trajectory:
            out["trajectory"] = [s.to_dict() for s in self.trajectory]
        return out


@dataclass(frozen=True)
class PrimResult:
    """The boxes found, and why the search stopped.

    Parameters
    ----------
    boxes : tuple of Box
        In the order found (covering); empty when none qualifies.
    reason : str
        Why the search stopped, in words.
    names : tuple of str
        Every parameter's name, in column order.
    n_points, n_failures : int
        Points and failures given.
    last_trajectory : tuple of TrajectoryStep
        When the search stopped because no box reached the density threshold:
        the trajectory of that last search, to see what was possible.
        Otherwise empty.

    Examples
    --------
    >>> PrimResult((), "no failures", ("x",), 10, 0).covered
    0.0
    """

    boxes: tuple[Box, ...]
    reason: str
    names: tuple[str, ...]
    n_points: int
    n_failures: int
    last_trajectory: tuple[TrajectoryStep, ...] = field(default=())

    @property
    def covered(self) -> float:
        """Share of all failures that lie inside some box."""
        if not self.n_failures:
            return 0.0
        return sum(b.n_failures for b in self.boxes) / self.n_failures

    def to_dict(self, trajectory: bool = True) -> dict[str, Any]:
        """The result as plain JSON-safe values.

        Parameters
        ----------
        trajectory : bool
            Include the peeling trajectories.

        Returns
        -------
        dict
            ``boxes`` (list of :meth:`Box.to_dict`), ``reason``, ``names``,
            ``n_points``, ``n_failures``, ``covered`` and, with
            ``trajectory``, ``last_trajectory``.
        """
        out: dict[str, Any] = {
            "boxes": [b.to_dict(trajectory) for b in self.boxes],
            "reason": self.reason,
            "names": list(self.names),
            "n_points": self.n_points,
            "n_failures": self.n_failures,
            "covered": self.covered,
        }
        if trajectory:
            out["last_trajectory"] = [s.to_dict() for s in self.last_trajectory]
        return out


# --- input checks --------------------------------------------------------------------


def _check_X(X: ArrayLike) -> FloatArray:
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"X must be a 2-D array of numbers; it cannot be read as one ({exc})"
        ) from None
    if arr.ndim != 2:
        raise ValueError(
            f"X has shape {arr.shape}; it must be 2-D, one row per world and one column "
            "per parameter"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"X has shape {arr.shape}; it needs at least one row and one column")
    bad = ~np.isfinite(arr)
    if bad.any():
        rows, cols = np.nonzero(bad)
        raise ValueError(
            f"X has {int(bad.sum())} values that are NaN or infinite (first at row "
            f"{int(rows[0])}, column {int(cols[0])}: {arr[rows[0], cols[0]]}); every "
            "parameter value must be a finite number"
        )
    return np.ascontiguousarray(arr)


def _check_failed(failed: ArrayLike, n: int) -> BoolArray:
    arr = np.asarray(failed)
    if arr.ndim != 1:
        raise ValueError(f"failed has shape {arr.shape}; it must be 1-D, one value per row of X")
    if arr.shape[0] != n:
        raise ValueError(
            f"failed has {arr.shape[0]} values but X has {n} rows; they must have one per world"
        )
    if arr.dtype == bool:
        return arr
    try:
        num = arr.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"failed must hold booleans or 0/1; it cannot be read so ({exc})"
        ) from None
    odd = ~((num == 0) | (num == 1))
    if odd.any():
        i = int(np.nonzero(odd)[0][0])
        raise ValueError(f"failed[{i}] is {arr[i].item()!r}; failed must hold booleans or 0/1")
    return num == 1


def _check_names(names: Sequence[str] | None, X: ArrayLike, d: int) -> tuple[str, ...]:
    if names is None:
        columns = getattr(X, "columns", None)  # a pandas DataFrame
        if columns is not None and len(columns) == d:
            names = [str(c) for c in columns]
        else:
            return tuple(f"x{j}" for j in range(d))
    out = tuple(names)
    if len(out) != d:
        raise ValueError(f"names has {len(out)} entries but X has {d} columns; give one per column")
    if not all(isinstance(s, str) for s in out):
        raise ValueError("names must be strings, one per column of X")
    if len(set(out)) != len(out):
        dup = sorted({s for s in out if out.count(s) > 1})
        raise ValueError(f"names repeats {dup}; each column needs its own name")
    return out


def _check_share(name: str, value: float, high: float, *, high_included: bool) -> float:
    """``value`` in (0, high), or (0, high] with ``high_included``."""
    rule = f"in (0, {high:g}]" if high_included else f"strictly between 0 and {high:g}"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"{name} is {value!r}; it must be a number {rule}")
    v = float(value)
    if not (0 < v < high or (high_included and v == high)):
        raise ValueError(f"{name} is {value!r}; it must be {rule}")
    return v


def _min_count(min_support: float, n: int) -> int:
    if isinstance(min_support, bool):
        raise ValueError(f"min_support is {min_support!r}; give a share in (0, 1) or a count")
    if isinstance(min_support, (int, np.integer)):
        if not 1 <= min_support <= n:
            raise ValueError(
                f"min_support is {min_support}; a count of points must be between 1 and the "
                f"number of rows of X ({n})"
            )
        return int(min_support)
    if isinstance(min_support, (float, np.floating)):
        if not 0 < min_support < 1:
            raise ValueError(
                f"min_support is {min_support!r}; a share of the points must be strictly "
                "between 0 and 1 (give an int for a count)"
            )
        return max(1, math.ceil(float(min_support) * n - 1e-9))
    raise ValueError(f"min_support is {min_support!r}; give a share in (0, 1) or an int count")


def _check_count(name: str, value: int, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} is {value!r}; it must be an integer of at least {low}")
    return int(value)


# --- the algorithm -------------------------------------------------------------------


def _tie_span(S: FloatArray, pos: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Per sorted row: where the run of values equal to ``S[:, pos]`` starts and ends."""
    d, m = S.shape
    v = S[:, pos]
    left = np.full(d, pos, dtype=np.intp)
    right = np.full(d, pos + 1, dtype=np.intp)
    tied = np.zeros(d, dtype=bool)
    if pos > 0:
        tied |= S[:, pos - 1] == v
    if pos + 1 < m:
        tied |= S[:, pos + 1] == v
    for j in np.nonzero(tied)[0]:
        left[j] = np.searchsorted(S[j], v[j], "left")
        right[j] = np.searchsorted(S[j], v[j], "right")
    return left, right


def _peel(
    X: FloatArray, y: BoolArray, alpha: float, min_count: int
) -> list[tuple[FloatArray, FloatArray, int, int]]:
    """Peeling trajectory: (low, high, n inside, failures inside) per step.

    Each parameter's values are sorted once (row ``j`` of ``S``, point ids in
    ``order``); a peel filters every row by the same mask, which keeps the rows
    sorted, so the quantile of a row is a lookup and tie counts a binary search.
    """
    m, d = X.shape
    low = np.full(d, -np.inf)
    high = np.full(d, np.inf)
    order = np.argsort(X.T, axis=1)
    S = np.take_along_axis(X.T, order, axis=1)
    alive = np.ones(m, dtype=bool)
    F = int(y.sum())
    steps = [(low.copy(), high.copy(), m, F)]
    rows = np.arange(d)
    while m - 1 >= min_count and F > 0:
        k = max(1, math.floor(alpha * m + 1e-9))
        # Peel sizes at the quantile value: strictly beyond it, or including its
        # ties; per row the one nearer k, never none and never all points.
        lo_left, lo_right = _tie_span(S, k - 1)
        hi_left, hi_right = _tie_span(S, m - k)
        lo_strict, lo_incl = lo_left, lo_right
        hi_strict, hi_incl = m - hi_right, m - hi_left
        gains, sizes = [], []
        for strict, incl, from_low in ((lo_strict, lo_incl, True), (hi_strict, hi_incl, False)):
            use_incl = (strict == 0) | ((np.abs(incl - k) < np.abs(strict - k)) & (incl < m))
            size = np.where(use_incl, incl, strict)  # >= 1 in every row
            width = int(min(size.max(), m))
            ends = order[:, :width] if from_low else order[:, m - width :][:, ::-1]
            failures = np.cumsum(y[ends], axis=1)[rows, size - 1]
            valid = m - size >= min_count
            with np.errstate(divide="ignore", invalid="ignore"):
                gain = ((F - failures) / (m - size) - F / m) * m / size
            gains.append(np.where(valid, gain, -np.inf))
            sizes.append(size)
        flat = np.concatenate(gains)
        best = int(np.argmax(flat))
        if not flat[best] > _EPS:
            break
        j, from_low = best % d, best < d
        r = int(sizes[0 if from_low else 1][j])
        gone = order[j, :r] if from_low else order[j, m - r :]
        cut = S[j, r - 1] if from_low else S[j, m - r]
        alive[gone] = False
        keep = alive[order]
        m -= r
        S = S[keep].reshape(d, m)
        order = order[keep].reshape(d, m)
        F = int(y[order[0]].sum())
        # The new limit lies halfway between the nearest values kept and peeled.
        if from_low:
            low[j] = (S[j, 0] + cut) / 2
        else:
            high[j] = (S[j, -1] + cut) / 2
        steps.append((low.copy(), high.copy(), m, F))
    return steps


def _inside(X: FloatArray, low: FloatArray, high: FloatArray) -> BoolArray:
    dims = np.nonzero(np.isfinite(low) | np.isfinite(high))[0]
    ok = np.ones(X.shape[0], dtype=bool)
    for j in dims:
        ok &= (X[:, j] >= low[j]) & (X[:, j] <= high[j])
    return ok


def _paste(
    X: FloatArray, y: BoolArray, low: FloatArray, high: FloatArray, alpha: float
) -> tuple[FloatArray, FloatArray, bool]:
    """Widen the box one side at a time while that raises density."""
    low, high = low.copy(), high.copy()
    pasted = False
    while True:
        dims = np.nonzero(np.isfinite(low) | np.isfinite(high))[0]
        if dims.size == 0:
            break
        sub = X[:, dims]
        out_lo = sub < low[dims]
        out_hi = sub > high[dims]
        n_out = (out_lo | out_hi).sum(1)
        inside = n_out == 0
        m, F = int(inside.sum()), int(y[inside].sum())
        density = F / m
        k = max(1, math.floor(alpha * m + 1e-9))
        near = n_out == 1  # outside the box in exactly one parameter
        best: tuple[float, int, bool, float] | None = None
        for c, dim in enumerate(dims):
            j = int(dim)
            for below, out in ((True, out_lo), (False, out_hi)):
                rows = near & out[:, c]
                if not rows.any():
                    continue
                vals = X[rows, j]
                if vals.size <= k:
                    edge = vals.min() if below else vals.max()
                elif below:
                    edge = np.partition(vals, vals.size - k)[vals.size - k]
                else:
                    edge = np.partition(vals, k - 1)[k - 1]
                add = vals >= edge if below else vals <= edge
                new_density = (F + int(y[rows][add].sum())) / (m + int(add.sum()))
                if new_density > density + _EPS and (best is None or new_density > best[0]):
                    # Halfway to the nearest value still outside; none: unrestricted.
                    rest = vals[~add]
                    if below:
                        limit = (edge + rest.max()) / 2 if rest.size else -np.inf
                    else:
                        limit = (edge + rest.min()) / 2 if rest.size else np.inf
                    best = (new_density, j, below, float(limit))
        if best is None:
            break
        _, jb, below, limit = best
        pasted = True
        if below:
            low[jb] = limit
        else:
            high[jb] = limit
    return low, high, pasted


def _restriction_tests(
    X: FloatArray, y: BoolArray, low: FloatArray, high: FloatArray
) -> tuple[NDArray[np.intp], FloatArray, FloatArray, int, int]:
    """Per restricted dimension: quasi-p-value and density without it."""
    from scipy.stats import binomtest  # imported here: scipy.stats is slow to import

    dims = np.nonzero(np.isfinite(low) | np.isfinite(high))[0]
    sub = X[:, dims]
    out = (sub < low[dims]) | (sub > high[dims])
    n_out = out.sum(1)
    inside = n_out == 0
    n, f = int(inside.sum()), int(y[inside].sum())
    near = out[n_out == 1]
    n_wo = n + near.sum(0)
    f_wo = f + near[y[n_out == 1]].sum(0)
    density_wo = f_wo / n_wo
    p = np.array(
        [binomtest(f, n, min(1.0, float(q)), alternative="greater").pvalue for q in density_wo]
    )
    return dims, p, density_wo, n, f


def _prune(
    X: FloatArray,
    y: BoolArray,
    low: FloatArray,
    high: FloatArray,
    max_p: float,
    prune_tol: float,
    floor: float,
) -> tuple[FloatArray, FloatArray, list[int]]:
    low, high = low.copy(), high.copy()
    dropped: list[int] = []
    while np.isfinite(low).any() or np.isfinite(high).any():
        dims, p, density_wo, n, f = _restriction_tests(X, y, low, high)
        density = f / n
        weak = ((p > max_p) | (density - density_wo < prune_tol)) & (density_wo >= floor - _EPS)
        if not weak.any():
            break
        order = np.lexsort((-p, -density_wo))  # least loss first, then least significant
        c = next(int(i) for i in order if weak[i])
        j = int(dims[c])
        low[j], high[j] = -np.inf, np.inf
        dropped.append(j)
    return low, high, dropped


def _bounds(
    low: FloatArray, high: FloatArray, names: tuple[str, ...], p: Mapping[int, float] | None
) -> tuple[Bound, ...]:
    out = []
    for dim in np.nonzero(np.isfinite(low) | np.isfinite(high))[0]:
        j = int(dim)
        out.append(
            Bound(
                names[j],
                j,
                float(low[j]) if np.isfinite(low[j]) else None,
                float(high[j]) if np.isfinite(high[j]) else None,
                None if p is None else p[j],
            )
        )
    return tuple(out)


def _select(steps: Sequence[TrajectoryStep], threshold: float, select: int | None) -> int | None:
    if select is not None:
        if not -len(steps) <= select < len(steps):
            raise ValueError(
                f"select is {select}; the trajectory has {len(steps)} steps (0 to "
                f"{len(steps) - 1}, or negative from the end)"
            )
        return select % len(steps)
    ok = [s for s in steps if s.density >= threshold - _EPS]
    if not ok:
        return None
    return max(ok, key=lambda s: (s.coverage, s.density)).step


def _validate(
    X: ArrayLike,
    failed: ArrayLike,
    names: Sequence[str] | None,
    alpha: float,
    min_support: float,
    threshold: float,
    max_p: float,
    prune_tol: float,
) -> tuple[FloatArray, BoolArray, tuple[str, ...], int]:
    arr = _check_X(X)
    y = _check_failed(failed, arr.shape[0])
    labels = _check_names(names, X, arr.shape[1])
    _check_share("alpha", alpha, 0.5, high_included=False)
    _check_share("threshold", threshold, 1.0, high_included=True)
    _check_share("max_p", max_p, 1.0, high_included=True)
    if isinstance(prune_tol, bool) or not isinstance(prune_tol, (int, float)):
        raise ValueError(f"prune_tol is {prune_tol!r}; it must be a number in [0, 1)")
    if not 0 <= prune_tol < 1:
        raise ValueError(f"prune_tol is {prune_tol!r}; it must be a number in [0, 1)")
    return arr, y, labels, _min_count(min_support, arr.shape[0])


def _search(
    X: FloatArray,
    y: BoolArray,
    names: tuple[str, ...],
    n_total: int,
    f_total: int,
    *,
    rank: int,
    alpha: float,
    min_count: int,
    threshold: float,
    select: int | None,
    paste: bool,
    prune: bool,
    max_p: float,
    prune_tol: float,
) -> tuple[Box | None, tuple[TrajectoryStep, ...]]:
    raw = _peel(X, y, alpha, min_count)
    traj = tuple(
        TrajectoryStep(
            step=i,
            bounds=(b := _bounds(lo, hi, names, None)),
            coverage=f / f_total,
            density=f / m,
            support=m / n_total,
            n_points=m,
            n_failures=f,
            n_restricted=len(b),
        )
        for i, (lo, hi, m, f) in enumerate(raw)
    )
    chosen = _select(traj, threshold, select)
    if chosen is None:
        return None, traj
    low, high = raw[chosen][0], raw[chosen][1]
    pasted = False
    if paste:
        low, high, pasted = _paste(X, y, low, high, alpha)
    dropped: list[int] = []
    if prune:
        density0 = traj[chosen].density
        if pasted:
            ins = _inside(X, low, high)
            density0 = float(y[ins].mean())
        floor = threshold if density0 >= threshold - _EPS else density0 - prune_tol
        low, high, dropped = _prune(X, y, low, high, max_p, prune_tol, floor)
    inside = _inside(X, low, high)
    m, f = int(inside.sum()), int(y[inside].sum())
    pvals: dict[int, float] = {}
    if np.isfinite(low).any() or np.isfinite(high).any():
        dims, p, _, _, _ = _restriction_tests(X, y, low, high)
        pvals = {int(j): float(v) for j, v in zip(dims, p, strict=True)}
    box = Box(
        bounds=_bounds(low, high, names, pvals),
        coverage=f / f_total,
        density=f / m,
        support=m / n_total,
        n_points=m,
        n_failures=f,
        rank=rank,
        step=chosen,
        trajectory=traj,
        pruned=tuple(names[j] for j in dropped),
        pasted=pasted,
    )
    return box, traj


def find_boxes(
    X: ArrayLike,
    failed: ArrayLike,
    *,
    names: Sequence[str] | None = None,
    max_boxes: int = 5,
    alpha: float = 0.05,
    min_support: float = 0.05,
    threshold: float = 0.8,
    min_failures: int = 10,
    paste: bool = True,
    prune: bool = True,
    max_p: float = 0.05,
    prune_tol: float = 0.01,
) -> PrimResult:
    """Boxes of the parameter space where the plan fails (PRIM with covering).

    Finds a box (peeling, selection, pasting, pruning: see the module
    docstring), removes the points inside it, and searches the rest again,
    until ``max_boxes`` boxes are found, no box reaches ``threshold``, or
    fewer than ``min_failures`` failures remain outside the boxes.

    Parameters
    ----------
    X : array_like, shape (n, d)
        One row per sampled world, one column per uncertain parameter; finite
        numbers.  A pandas DataFrame's column names are used as ``names``.
    failed : array_like of bool, shape (n,)
        Whether the plan fails in each world (booleans or 0/1).
    names : sequence of str, optional
        Parameter names, one per column (default ``x0``, ``x1``, ...).
    max_boxes : int
        Most boxes to find (default 5).
    alpha : float
        Share of a box's points each peel (and each paste) moves, strictly
        between 0 and 0.5 (default 0.05, Friedman and Fisher's suggestion).
    min_support : float or int
        Peeling stops before a box would hold fewer points: a float is a share
        of all points (default 0.05), an int a count.
    threshold : float
        Least density a box must reach to be reported (default 0.8).
    min_failures : int
        Stop covering when fewer failures than this remain outside the boxes
        (default 10; also needed for the first box).
    paste : bool
        Widen the selected box where that raises density (default True).
    prune : bool
        Drop restrictions that do not matter (default True).
    max_p : float
        Pruning drops a restriction whose quasi-p-value exceeds this
        (default 0.05).
    prune_tol : float
        Pruning drops a restriction whose removal lowers density by less than
        this (default 0.01).  Pruning never takes a box below ``threshold``.

    Returns
    -------
    PrimResult
        The boxes in the order found, and why the search stopped.  When no
        world fails the result has no box and says so: a plan that never
        fails is an answer, not an input error.

    Raises
    ------
    ValueError
        On malformed input (``X`` not 2-D or with NaN, ``failed`` of another
        length or not 0/1, bad names) or a parameter outside its range; the
        message names the argument, its value and the rule.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> X = rng.uniform(size=(3000, 4))
    >>> failed = ((X[:, 0] < 0.3) & (X[:, 2] > 0.6)) | ((X[:, 1] > 0.8) & (X[:, 3] > 0.7))
    >>> result = find_boxes(X, failed, names=["a", "b", "c", "d"])
    >>> [box.names for box in result.boxes]
    [('a', 'c'), ('b', 'd')]
    >>> print(result.reason)
    every failure is inside a box
    """
    arr, y, labels, min_count = _validate(
        X, failed, names, alpha, min_support, threshold, max_p, prune_tol
    )
    max_boxes = _check_count("max_boxes", max_boxes, 1)
    min_failures = _check_count("min_failures", min_failures, 1)
    n, f_total = arr.shape[0], int(y.sum())
    return _cover(
        arr,
        y,
        labels,
        n,
        f_total,
        max_boxes=max_boxes,
        min_failures=min_failures,
        alpha=alpha,
        min_count=min_count,
        threshold=threshold,
        select=None,
        paste=paste,
        prune=prune,
        max_p=max_p,
        prune_tol=prune_tol,
    )


def _cover(
    X: FloatArray,
    y: BoolArray,
    names: tuple[str, ...],
    n: int,
    f_total: int,
    *,
    max_boxes: int,
    min_failures: int,
    alpha: float,
    min_count: int,
    threshold: float,
    select: int | None,
    paste: bool,
    prune: bool,
    max_p: float,
    prune_tol: float,
) -> PrimResult:
    if f_total == 0:
        return PrimResult((), f"no failures among the {_fmt_count(n)} worlds", names, n, 0)
    boxes: list[Box] = []
    remaining = np.ones(n, dtype=bool)
    last: tuple[TrajectoryStep, ...] = ()
    reason = f"reached max_boxes ({max_boxes})"
    for rank in range(1, max_boxes + 1):
        f_left = int(y[remaining].sum())
        if f_left == 0:
            reason = "every failure is inside a box"
            break
        if f_left < min_failures:
            where = "remain outside the boxes" if boxes else "in all"
            reason = (
                f"only {_fmt_count(f_left)} failures {where}, fewer than "
                f"min_failures ({min_failures})"
            )
            break
        Xr, yr = X[remaining], y[remaining]
        box, traj = _search(
            Xr,
            yr,
            names,
            n,
            f_total,
            rank=rank,
            alpha=alpha,
            min_count=min_count,
            threshold=threshold,
            select=select,
            paste=paste,
            prune=prune,
            max_p=max_p,
            prune_tol=prune_tol,
        )
        if box is None:
            best = max(s.density for s in traj)
            reason = (
                f"no {'further ' if boxes else ''}box reaches density {_fmt(threshold)} "
                f"(the best on the trajectory has {best:.2f})"
            )
            last = traj
            break
        boxes.append(box)
        idx = np.nonzero(remaining)[0]
        remaining[idx[box.contains(Xr)]] = False
    return PrimResult(tuple(boxes), reason, names, n, f_total, last)


def find_box(
    X: ArrayLike,
    failed: ArrayLike,
    *,
    names: Sequence[str] | None = None,
    alpha: float = 0.05,
    min_support: float = 0.05,
    threshold: float = 0.8,
    select: int | None = None,
    min_failures: int = 10,
    paste: bool = True,
    prune: bool = True,
    max_p: float = 0.05,
    prune_tol: float = 0.01,
) -> PrimResult:
    """One box where the plan fails (PRIM without covering).

    The same search as :func:`find_boxes` with ``max_boxes=1``; in addition
    the box can be picked from the peeling trajectory by its step number.

    Parameters
    ----------
    X : array_like, shape (n, d)
        One row per sampled world, one column per parameter; finite numbers.
    failed : array_like of bool, shape (n,)
        Whether the plan fails in each world (booleans or 0/1).
    names : sequence of str, optional
        Parameter names, one per column (default ``x0``, ``x1``, ...).
    alpha : float
        Share of a box's points each peel (and paste) moves, in (0, 0.5);
        default 0.05.
    min_support : float or int
        Smallest box: share of all points (float, default 0.05) or a count
        (int).
    threshold : float
        Least density for the automatic selection (default 0.8): the box with
        the highest coverage among those that reach it.
    select : int, optional
        Take this step of the peeling trajectory instead (negative counts from
        the end); ``threshold`` then only bounds pruning.
    min_failures : int
        No box is sought with fewer failures than this (default 10).
    paste : bool
        Widen the selected box where that raises density (default True).
    prune : bool
        Drop restrictions that do not matter (default True).
    max_p : float
        Pruning drops a restriction with a larger quasi-p-value (default 0.05).
    prune_tol : float
        Pruning drops a restriction whose removal lowers density by less than
        this (default 0.01).

    Returns
    -------
    PrimResult
        At most one box; ``reason`` says why there is none, and
        ``last_trajectory`` then holds the trajectory searched.

    Raises
    ------
    ValueError
        As :func:`find_boxes`, and for a ``select`` outside the trajectory.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(size=(2000, 3))
    >>> failed = (X[:, 0] < 0.3) & (X[:, 2] > 0.6)
    >>> box = find_box(X, failed, names=["a", "b", "c"]).boxes[0]
    >>> print(describe(box))
    fails when a is below 0.309 and c is above 0.598: 100 % of the failures, density 0.96
    >>> last = box.trajectory[-1]  # peeling went on to density 1, losing failures
    >>> round(last.density, 2), round(last.coverage, 2)
    (1.0, 0.95)
    """
    arr, y, labels, min_count = _validate(
        X, failed, names, alpha, min_support, threshold, max_p, prune_tol
    )
    min_failures = _check_count("min_failures", min_failures, 1)
    if isinstance(select, bool) or not isinstance(select, (int, np.integer, type(None))):
        raise ValueError(f"select is {select!r}; it must be an integer step of the trajectory")
    return _cover(
        arr,
        y,
        labels,
        arr.shape[0],
        int(y.sum()),
        max_boxes=1,
        min_failures=min_failures,
        alpha=alpha,
        min_count=min_count,
        threshold=threshold,
        select=None if select is None else int(select),
        paste=paste,
        prune=prune,
        max_p=max_p,
        prune_tol=prune_tol,
    )


# --- words ---------------------------------------------------------------------------


def _fmt(x: float, digits: int = 3) -> str:
    """A number for reading: ``digits`` significant figures, thousands separators."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    r = float(f"{x:.{digits}g}")
    mag = math.floor(math.log10(abs(r)))
    if mag < -4:
        return f"{r:.{digits - 1}e}"
    decimals = max(0, digits - 1 - mag)
    s = f"{r:,.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def _fmt_count(n: int) -> str:
    return f"{n:,}"


def _fmt_share(share: float) -> str:
    pct = round(100 * share)
    if pct == 0 and share > 0:
        return "<1 %"
    if pct == 100 and share < 1:
        pct = 99
    return f"{pct} %"


def describe(box: Box, labels: Mapping[str, str] | None = None, *, digits: int = 3) -> str:
    """A box in plain words.

    Template: ``fails when <condition> and <condition>: <coverage> of the
    failures, density <density>``, one condition per restricted parameter in
    column order (``is below H``, ``is above L``, ``is between L and H``, or
    ``is L`` when both limits are equal); a box with no restriction reads
    ``fails anywhere in the sampled ranges`` (``anywhere else`` for a box
    found after others, which holds the worlds outside them).  Limits have ``digits``
    significant figures and thousands separators; coverage is a whole
    percentage; density has two decimals.

    Parameters
    ----------
    box : Box
        The box.
    labels : mapping of str to str, optional
        Display label by parameter name (path); names without one are shown
        as they are.
    digits : int
        Significant figures of the limits (default 3).

    Returns
    -------
    str
        One sentence, without a final full stop.

    Examples
    --------
    >>> box = Box(
    ...     (Bound("milestones.M06.detection", 3, None, 0.14),
    ...      Bound("actors.china.snapback_cost", 7, 1400.0, None)),
    ...     coverage=0.83, density=0.912, support=0.1, n_points=200, n_failures=182)
    >>> print(describe(box))  # doctest: +NORMALIZE_WHITESPACE
    fails when milestones.M06.detection is below 0.14 and actors.china.snapback_cost
    is above 1,400: 83 % of the failures, density 0.91
    >>> describe(box, {"milestones.M06.detection": "M06 detection"}).split(" and ")[0]
    'fails when M06 detection is below 0.14'
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits is {digits!r}; it must be an integer of at least 1")
    labels = labels or {}
    parts = []
    for b in box.bounds:
        label = labels.get(b.name, b.name)
        if b.low is not None and b.high is not None:
            lo, hi = _fmt(b.low, digits), _fmt(b.high, digits)
            parts.append(f"{label} is {lo}" if lo == hi else f"{label} is between {lo} and {hi}")
        elif b.high is not None:
            parts.append(f"{label} is below {_fmt(b.high, digits)}")
        elif b.low is not None:
            parts.append(f"{label} is above {_fmt(b.low, digits)}")
    if not parts:
        # A later box without restriction is the rest of the worlds.
        where = "fails anywhere " + ("else " if box.rank > 1 else "") + "in the sampled ranges"
    elif len(parts) == 1:
        where = f"fails when {parts[0]}"
    else:
        where = "fails when " + ", ".join(parts[:-1]) + " and " + parts[-1]
    density = f"{box.density:.2f}"
    if density == "1.00" and box.density < 1:
        density = "0.99"
    return f"{where}: {_fmt_share(box.coverage)} of the failures, density {density}"
