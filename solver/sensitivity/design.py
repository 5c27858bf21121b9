"""Sample designs: which points of the parameter space each method solves.

Designs are drawn in the unit hypercube and mapped to parameter values by each
parameter's inverse CDF (:meth:`Param.ppf`).  Sobol and Morris indices are
computed on the unit-cube coordinates: a monotone per-parameter transform does
not change variance-based indices, and Morris effects then read "per full
range" for every parameter alike.  All randomness comes from one integer seed;
sample ``i`` of a Monte Carlo design uses its own generator derived from
``(seed, i)``, so a design never depends on how it is executed.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from solver.seeds import as_generator
from solver.sensitivity.spec import Param

MORRIS_LEVELS = 4
"""Grid levels of the Morris design (SALib's default)."""


def derived_seed(seed: int, *key: int) -> int:
    """Return a positive 31-bit seed derived from ``seed`` and ``key``.

    Positive on purpose: SALib treats ``seed=0`` as "unseeded" (``if seed:``).

    Parameters
    ----------
    seed : int
        The sweep's seed.
    *key : int
        What the derived seed is for (sample index, stage number, ...).

    Returns
    -------
    int
        In ``1 .. 2**31 - 1``.

    Examples
    --------
    >>> derived_seed(0, 1) == derived_seed(0, 1) != derived_seed(0, 2)
    True
    """
    state = np.random.SeedSequence(seed, spawn_key=tuple(key)).generate_state(1, np.uint64)
    return int(state[0] % np.uint64(2**31 - 1)) + 1


def unit_problem(d: int) -> dict[str, object]:
    """SALib problem dict for ``d`` variables on the unit cube.

    Parameters
    ----------
    d : int
        Number of variables.

    Returns
    -------
    dict
        ``num_vars``, ``names`` (``x0``..), ``bounds`` (all ``[0, 1]``).
    """
    return {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}


def sobol_unit(d: int, n: int, seed: int) -> np.ndarray:
    """Saltelli design for first and total Sobol indices (``n * (d + 2)`` rows).

    Parameters
    ----------
    d : int
        Number of variables.
    n : int
        Base sample size (a power of two keeps the Sobol sequence balanced).
    seed : int
        The sweep's seed (scrambling).

    Returns
    -------
    numpy.ndarray
        Points in ``[0, 1]^d``.
    """
    from SALib.sample import sobol

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        x = sobol.sample(unit_problem(d), n, calc_second_order=False, seed=derived_seed(seed, 1, 1))
    return np.asarray(x, dtype=float)


def morris_unit(d: int, n: int, seed: int) -> np.ndarray:
    """Morris design of ``n`` trajectories (``n * (d + 1)`` rows).

    Parameters
    ----------
    d : int
        Number of variables.
    n : int
        Number of trajectories.
    seed : int
        The sweep's seed.

    Returns
    -------
    numpy.ndarray
        Points on the ``MORRIS_LEVELS`` grid of ``[0, 1]^d``.
    """
    from SALib.sample import morris

    x = morris.sample(unit_problem(d), n, num_levels=MORRIS_LEVELS, seed=derived_seed(seed, 1, 2))
    return np.asarray(x, dtype=float)


def mc_unit(d: int, n: int, seed: int) -> np.ndarray:
    """Independent uniform draws, row ``i`` from its own generator ``(seed, i)``.

    Parameters
    ----------
    d : int
        Number of variables.
    n : int
        Number of samples.
    seed : int
        The sweep's seed.

    Returns
    -------
    numpy.ndarray
        ``n x d`` draws in ``[0, 1)``; the first ``m`` rows do not depend on ``n``.
    """
    rows = [as_generator(derived_seed(seed, 0, i)).random(d) for i in range(n)]
    return np.array(rows, dtype=float).reshape(n, d)


def to_values(params: Sequence[Param], u: np.ndarray) -> np.ndarray:
    """Map unit-cube points to parameter values column by column.

    Parameters
    ----------
    params : sequence of Param
        The spec's parameters.
    u : numpy.ndarray
        ``n x d`` points in ``[0, 1]``.

    Returns
    -------
    numpy.ndarray
        ``n x d`` values in the parameters' units.
    """
    cols = [p.ppf(u[:, j]) for j, p in enumerate(params)]
    return np.column_stack(cols) if cols else np.zeros((u.shape[0], 0))


def oat_points(params: Sequence[Param]) -> np.ndarray:
    """One-at-a-time design: the baseline, then each parameter at low and at high.

    Parameters
    ----------
    params : sequence of Param
        The spec's parameters.

    Returns
    -------
    numpy.ndarray
        ``(1 + 2 d) x d`` values; row ``1 + 2 j`` has parameter ``j`` low,
        row ``2 + 2 j`` has it high, every other entry at its baseline.
    """
    base = np.array([p.baseline for p in params], dtype=float)
    rows = [base.copy()]
    for j, p in enumerate(params):
        for v in (p.low, p.high):
            row = base.copy()
            row[j] = v
            rows.append(row)
    return np.array(rows)


def grid_points(p: Param, n: int) -> list[float]:
    """``n`` evenly spaced values over ``p``'s range, plus its baseline when inside.

    Parameters
    ----------
    p : Param
        The parameter.
    n : int
        Grid size (at least 2).

    Returns
    -------
    list of float
        Sorted, without duplicates.
    """
    pts = set(np.linspace(p.low, p.high, max(2, n)).tolist())
    if p.low <= p.baseline <= p.high:
        pts.add(p.baseline)
    return sorted(pts)
