"""Thresholds against closed forms: grim trigger, detection, credibility, discount, inspection."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from solver.game import InspectionGame, check, equilibria, violation_probability
from solver.game.examples import toy_scenario
from solver.game.thresholds import critical_discount, grim_trigger_margin, grim_trigger_threshold


def test_grim_trigger_textbook_values():
    # Prisoner's dilemma T=5, R=3, P=1: delta* = (5-3)/(5-1) = 1/2.
    assert grim_trigger_threshold(5, 3, 1) == pytest.approx(0.5)
    # Detection p = 1/2: delta* = 2 / (2 + 0.5 * 2) = 2/3.
    assert grim_trigger_threshold(5, 3, 1, p=0.5) == pytest.approx(2 / 3)


def test_bisection_recovers_grim_trigger_closed_form():
    rng = np.random.default_rng(5)
    n = 500
    P = rng.uniform(0, 1, n)
    R = P + rng.uniform(0.1, 2, n)
    T = R + rng.uniform(0.1, 2, n)
    p = rng.uniform(0.3, 1, n)
    want = grim_trigger_threshold(T, R, P, p)
    got = critical_discount(lambda d: grim_trigger_margin(T, R, P, d, p), np.full(n, 0.5))
    ok = (want > 0.01) & (want < 0.99)
    np.testing.assert_allclose(got[ok], want[ok], atol=1e-8)
    # below the threshold deviating pays, above it cooperating does
    assert np.all(grim_trigger_margin(T, R, P, want * 0.99, p)[ok] < 0)
    assert np.all(grim_trigger_margin(T, R, P, np.minimum(want * 1.01, 0.999), p)[ok] > 0)


def test_toy_critical_detection_credibility_and_discount():
    # The toy (solver/game/examples.py; one-year phases): the covert reversal binds.
    # With every step detected x a year (h = x): covert = 0.9 X / (0.1 + 0.9 x),
    # X = 15 + x P, P = 9 (15 - 13.5) = 13.5; it equals V^C = 63 at
    # 0.9 (15 + 13.5 x) = 63 (0.1 + 0.9 x), i.e. x = 7.2 / 44.55 = 16/99 (the open
    # reversal, 9 (10 - 9) = 9, never binds).
    # One credibility q for every measure: P = 9 * 15 (1 - q), X = 15 + 0.9 P and
    # 0.9 X / 0.91 = 63 at q = 1 - 48.7 / 121.5.
    # Annual discount beta (G = beta / (1 - beta)): 7 / (1 - beta) =
    # (15 (1 - beta) + 1.35 beta) / ((1 - beta)(1 - 0.1 beta)) at beta = 8 / 12.95.
    s, sched = toy_scenario()
    ph = check(s, sched).phases
    for p in ph:
        assert p.critical_detection == pytest.approx(16 / 99)
        assert p.critical_credibility == pytest.approx(1 - 48.7 / 121.5)
        assert p.critical_discount == pytest.approx(8 / 12.95, abs=1e-8)


def test_thresholds_are_where_the_checked_margin_changes_sign():
    # Re-check the toy with each parameter just below and above its threshold.
    s, sched = toy_scenario()
    p0 = check(s, sched).phases[0]
    for eps in (-1e-4, 1e-4):
        beta = p0.critical_discount + eps
        other = replace(s, parameters=replace(s.parameters, discount=beta))
        assert (check(other, sched).phases[0].ic_margin >= 0) == (eps > 0)
        det = p0.critical_detection + eps
        other = replace(s, milestones=tuple(replace(d, detection=det) for d in s.milestones))
        assert (check(other, sched).phases[0].ic_margin >= 0) == (eps > 0)


@pytest.mark.parametrize(
    ("g", "f", "p", "e", "d"),
    [(1.0, 3.0, 0.5, 1.0, 10.0), (2.0, 8.0, 0.9, 0.3, 4.0), (5.0, 1.0, 0.7, 2.0, 30.0)],
)
def test_inspection_mixed_equilibrium_closed_form(g, f, p, e, d):
    game = InspectionGame(g, f, p, e, d)
    t, s = violation_probability(game)
    eq = equilibria(*game.bimatrix())
    assert len(eq) == 1
    x, y = eq.pairs[0]
    assert x[0] == pytest.approx(t) and y[0] == pytest.approx(s)
    if 0 < s < 1:  # Tsebelis: the violation rate ignores the target's penalty
        assert violation_probability(InspectionGame(g, 10 * f, p, e, d))[0] == pytest.approx(t)


def test_inspection_random_parameters_agree_with_enumeration():
    rng = np.random.default_rng(2)
    for _ in range(100):
        game = InspectionGame(
            *rng.uniform(0.1, 10, 2), rng.uniform(0.05, 1), *rng.uniform(0.1, 10, 2)
        )
        t, s = violation_probability(game)
        eq = equilibria(*game.bimatrix())
        assert [(round(x[0], 9), round(y[0], 9)) for x, y in eq.pairs] == [
            (round(t, 9), round(s, 9))
        ]


def test_inspection_pure_cases():
    assert violation_probability(InspectionGame(-1.0, 1.0, 0.5, 1.0, 10.0)) == (0.0, 0.0)
    assert violation_probability(InspectionGame(1.0, 1.0, 0.5, 6.0, 10.0)) == (1.0, 0.0)
    assert violation_probability(InspectionGame(1.0, 0.5, 0.5, 1.0, 10.0)) == (1.0, 1.0)
