"""Thresholds against closed forms: grim trigger, detection, credibility, discount, inspection."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.optimize import brentq

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


def _share(x):
    """Undetected share of a one-year phase at detection ``x`` a year: x / -ln(1 - x)."""
    return x / -math.log(1 - x)


def test_toy_critical_detection_credibility_and_discount():
    # The toy (solver/game/examples.py; one-year phases): the covert reversal binds.
    # With every step detected x a year (h = x, undetected share u = x / -ln(1 - x)):
    # covert = 0.9 X / (0.1 + 0.9 x), X = 15 u + (1 - u + 9 x) P, P = 15 - 13.5 = 1.5
    # a year; it equals V^C = 63 at the root of a transcendental equation, found
    # here by bracketing (x = 0.1418; the open reversal, 9 (10 - 9) = 9, never binds).
    # One credibility q for every measure (x = 0.9, u = 0.9 / ln 10): P = 15 (1 - q),
    # 0.9 X / 0.91 = 63 at q = 1 - (63 * 0.91 / 0.9 - 15 u) / (15 (9.1 - u)) = 0.5573.
    # Annual discount beta (G = beta / (1 - beta)), x = 0.9: V^C = 7 G against
    # beta (15 u + (1 - u + 0.9 G) 1.5) / (1 - 0.1 beta); cross-multiplied,
    # 7 - c = beta (2.05 - c) with c = 1.5 + 13.5 u = 6.777 < 7: no root in (0, 1),
    # the plan holds at every discount (reported as None).
    s, sched = toy_scenario()
    ph = check(s, sched).phases

    def gap(x):
        u = _share(x)
        return 0.9 * (15 * u + (1 - u + 9 * x) * 1.5) / (0.1 + 0.9 * x) - 63

    x_star = brentq(gap, 0.01, 0.9, xtol=1e-14)
    assert x_star == pytest.approx(0.1418, abs=1e-4)
    u = _share(0.9)
    q_star = 1 - (63 * 0.91 / 0.9 - 15 * u) / (15 * (9.1 - u))
    for p in ph:
        assert p.critical_detection == pytest.approx(x_star)
        assert p.critical_credibility == pytest.approx(q_star)
        assert p.critical_discount is None


def test_toy_critical_discount_with_a_poorly_detected_step():
    # The toy with detection 0.1 a year (h = 0.1, u = 0.1 / -ln 0.9 = 0.94912):
    # 7 (1 - 0.9 beta) = c (1 - beta) + 0.15 beta with c = 1.5 + 13.5 u, so
    # beta* = (c - 7) / (c - 6.3 - 0.15) = 0.9300: at the toy's 0.9 the covert
    # reversal pays, from 0.93 on it does not.
    s, sched = toy_scenario()
    s = replace(s, milestones=tuple(replace(d, detection=0.1) for d in s.milestones))
    c = 1.5 + 13.5 * _share(0.1)
    beta_star = (c - 7) / (c - 6.45)
    assert beta_star == pytest.approx(0.9300, abs=1e-4)
    for p in check(s, sched).phases:
        assert p.ic_margin < 0
        assert p.critical_discount == pytest.approx(beta_star, abs=1e-8)
    for eps in (-1e-4, 1e-4):
        other = replace(s, parameters=replace(s.parameters, discount=beta_star + eps))
        assert (check(other, sched).phases[0].ic_margin >= 0) == (eps > 0)


def test_thresholds_are_where_the_checked_margin_changes_sign():
    # Re-check the toy with each parameter just below and above its threshold.
    s, sched = toy_scenario()
    p0 = check(s, sched).phases[0]
    for eps in (-1e-4, 1e-4):
        q = p0.critical_credibility + eps
        other = replace(s, instruments=tuple(replace(i, credibility=q) for i in s.instruments))
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
