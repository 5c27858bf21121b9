"""Global sensitivity indices through SALib: Sobol (first, total) and Morris.

Designs come from :mod:`solver.sensitivity.design` on the unit cube; the
indices are computed on the unit-cube coordinates (see that module for why
this is exact for Sobol and "per full range" for Morris).  The Ishigami
function and its analytic indices validate the pipeline (Ishigami and Homma
1990; analytic variances as in Saltelli et al. 2008, *Global Sensitivity
Analysis: The Primer*, section 4.8, and SALib's own tests).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from solver.sensitivity.design import MORRIS_LEVELS, derived_seed, unit_problem

NUM_RESAMPLES = 100
"""Bootstrap resamples for the confidence intervals."""

CONF_LEVEL = 0.95
"""Confidence level of the reported intervals."""


def _degenerate(y: np.ndarray) -> str | None:
    if not np.all(np.isfinite(y)):
        return f"{int(np.sum(~np.isfinite(y)))} samples have no value (no feasible plan)"
    if np.ptp(y) == 0:
        return "the output is constant over the design"
    return None


def sobol_indices(y: np.ndarray, names: Sequence[str], seed: int) -> dict[str, Any]:
    """First-order and total Sobol indices with bootstrap confidence intervals.

    Parameters
    ----------
    y : numpy.ndarray
        Outputs on a :func:`~solver.sensitivity.design.sobol_unit` design.
    names : sequence of str
        Parameter names (``d`` of them).
    seed : int
        The sweep's seed (bootstrap resampling).

    Returns
    -------
    dict
        ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` as ``{name: value}``; or
        ``{"skipped": reason}`` when the output is constant or has gaps.
    """
    from SALib.analyze import sobol

    y = np.asarray(y, dtype=float)
    why = _degenerate(y)
    if why:
        return {"skipped": why}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = sobol.analyze(
            unit_problem(len(names)),
            y,
            calc_second_order=False,
            num_resamples=NUM_RESAMPLES,
            conf_level=CONF_LEVEL,
            seed=derived_seed(seed, 2, 1),
        )
    return {
        key: {n: float(v) for n, v in zip(names, res[key], strict=True)}
        for key in ("S1", "S1_conf", "ST", "ST_conf")
    }


def morris_indices(u: np.ndarray, y: np.ndarray, names: Sequence[str], seed: int) -> dict[str, Any]:
    """Morris elementary-effect statistics (mu, mu*, sigma, mu* confidence).

    Parameters
    ----------
    u : numpy.ndarray
        The unit-cube design from :func:`~solver.sensitivity.design.morris_unit`.
    y : numpy.ndarray
        Outputs on that design.
    names : sequence of str
        Parameter names.
    seed : int
        The sweep's seed (bootstrap of the mu* interval).

    Returns
    -------
    dict
        ``mu``, ``mu_star``, ``sigma``, ``mu_star_conf`` as ``{name: value}``
        (effects per full range of each parameter); or ``{"skipped": reason}``.
    """
    from SALib.analyze import morris

    y = np.asarray(y, dtype=float)
    why = _degenerate(y)
    if why:
        return {"skipped": why}
    res = morris.analyze(
        unit_problem(len(names)),
        u,
        y,
        num_resamples=NUM_RESAMPLES,
        conf_level=CONF_LEVEL,
        num_levels=MORRIS_LEVELS,
        seed=derived_seed(seed, 2, 2),
    )
    return {
        key: {n: float(v) for n, v in zip(names, res[key], strict=True)}
        for key in ("mu", "mu_star", "sigma", "mu_star_conf")
    }


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function ``sin x1 + a sin^2 x2 + b x3^4 sin x1``.

    Parameters
    ----------
    x : numpy.ndarray
        ``n x 3`` points, each coordinate in ``[-pi, pi]``.
    a, b : float, optional
        The usual constants (7 and 0.1).

    Returns
    -------
    numpy.ndarray
        ``n`` values.

    Examples
    --------
    >>> float(ishigami(np.array([[np.pi / 2, np.pi / 2, 0.0]]))[0])
    8.0
    """
    x = np.atleast_2d(x)
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_analytic(a: float = 7.0, b: float = 0.1) -> dict[str, list[float]]:
    """Analytic first-order and total Sobol indices of :func:`ishigami`.

    With ``V1 = (1 + b pi^4 / 5)^2 / 2``, ``V2 = a^2 / 8``,
    ``V13 = b^2 pi^8 (1/18 - 1/50)`` and ``V = V1 + V2 + V13``:
    ``S1 = (V1/V, V2/V, 0)``, ``ST = ((V1 + V13)/V, V2/V, V13/V)``.

    Parameters
    ----------
    a, b : float, optional
        The function's constants.

    Returns
    -------
    dict
        ``S1`` and ``ST``, three values each.

    Examples
    --------
    >>> [round(v, 4) for v in ishigami_analytic()["S1"]]
    [0.3139, 0.4424, 0.0]
    """
    v1 = (1 + b * math.pi**4 / 5) ** 2 / 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return {"S1": [v1 / v, v2 / v, 0.0], "ST": [(v1 + v13) / v, v2 / v, v13 / v]}
