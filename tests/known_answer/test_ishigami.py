"""The Sobol and Morris pipeline on the Ishigami function, against analytic values.

Ishigami and Homma (1990): f(x) = sin x1 + a sin^2 x2 + b x3^4 sin x1 with
x uniform on [-pi, pi]^3, a = 7, b = 0.1.  Analytic indices (Saltelli et al.
2008, section 4.8): S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
The pipeline is the one sweeps use: design on the unit cube
(solver.sensitivity.design), map to values, evaluate, analyse on the unit cube
(solver.sensitivity.indices).  Two tolerance regimes, as in SALib's own tests:
loose against the analytic values, tight for a seeded regression.
"""

from __future__ import annotations

import numpy as np
import pytest

from solver.sensitivity.design import morris_unit, sobol_unit
from solver.sensitivity.indices import (
    ishigami,
    ishigami_analytic,
    morris_indices,
    sobol_indices,
)

NAMES = ["x1", "x2", "x3"]


def _sobol(n: int, seed: int) -> dict:
    u = sobol_unit(3, n, seed)
    return sobol_indices(ishigami(-np.pi + 2 * np.pi * u), NAMES, seed)


def test_analytic_values_by_hand():
    # V1 = (1 + 0.1 pi^4 / 5)^2 / 2 = 4.3459, V2 = 49 / 8, V13 = 0.01 pi^8 (1/18 - 1/50) = 3.3730
    a = ishigami_analytic()
    assert a["S1"] == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4)
    assert a["ST"] == pytest.approx([0.5576, 0.4424, 0.2437], abs=1e-4)


def test_sobol_matches_analytic_loosely():
    got = _sobol(2048, seed=7)
    a = ishigami_analytic()
    assert [got["S1"][n] for n in NAMES] == pytest.approx(a["S1"], abs=0.05)
    assert [got["ST"][n] for n in NAMES] == pytest.approx(a["ST"], abs=0.05)
    for n in NAMES:  # the bootstrap intervals are positive and not absurdly wide
        assert 0 < got["S1_conf"][n] < 0.15 and 0 < got["ST_conf"][n] < 0.15


def test_sobol_seeded_regression_is_tight():
    # Recorded with SALib 1.6.0 / SciPy 1.17 (scrambled Sobol, seed 42, N = 1024).
    got = _sobol(1024, seed=42)
    assert [got["S1"][n] for n in NAMES] == pytest.approx(
        [0.32486791442901697, 0.44550749928831807, -0.004416686400059617], rel=1e-9, abs=1e-12
    )
    assert [got["ST"][n] for n in NAMES] == pytest.approx(
        [0.5633339420061019, 0.44550828016816596, 0.2445124845529829], rel=1e-9, abs=1e-12
    )
    assert got == _sobol(1024, seed=42)  # bootstrap intervals are seeded too
    assert got != _sobol(1024, seed=43)


def test_morris_known_answer():
    # On a 4-level grid every step in x2 is 2/3 of the range between -pi <-> pi/3 or
    # -pi/3 <-> pi, where sin^2 changes by 0.75: |EE| = 7 * 0.75 / (2/3) = 7.875 exactly.
    u = morris_unit(3, 50, seed=42)
    got = morris_indices(u, ishigami(-np.pi + 2 * np.pi * u), NAMES, seed=42)
    assert got["mu_star"]["x2"] == pytest.approx(7.875, rel=1e-12)
    assert got["mu_star"]["x1"] > got["mu_star"]["x2"] > got["mu_star"]["x3"]
    # x3 acts only through its interaction with x1: signed effects cancel, spread is large
    assert abs(got["mu"]["x3"]) < got["mu_star"]["x3"] / 5 < got["sigma"]["x3"]
