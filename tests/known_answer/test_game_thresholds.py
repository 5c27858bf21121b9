"""Thresholds against closed forms: grim trigger, detection, credibility, discount."""

from __future__ import annotations

import numpy as np
import pytest

from solver.game import InspectionGame, check, equilibria, violation_probability
from solver.game.examples import toy_scenario
from solver.game.phase_thresholds import PhaseTerms, comply_values, phase_thresholds
from solver.game.thresholds import critical_discount, grim_trigger_margin, grim_trigger_threshold
from solver.payoffs import continuation_weights
from solver.plan import Schedule
from solver.scenario import Instrument, Measure, Milestone, Parameters, Scenario


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


def test_toy_critical_detection_and_credibility():
    # Phase 1: margin = 63 - 9 (10 - 10 p q) = -27 + 90 p q; with q = 0.9: p* = 1/3,
    # with p = 0.9: q* = 1/3.  Phase 2: -72 + 135 p q: p* = q* = 16/27.
    s, sched = toy_scenario()
    ph = check(s, sched).phases
    assert ph[0].critical_detection == pytest.approx(1 / 3)
    assert ph[0].critical_credibility == pytest.approx(1 / 3)
    assert ph[1].critical_detection == pytest.approx(16 / 27)
    assert ph[1].critical_credibility == pytest.approx(16 / 27)
    assert ph[0].critical_discount is None  # margin = 9 * 5.1 delta/(1-delta) > 0


def _three_phase():
    # F = (1, 1, 11); deviating after phase 1 keeps flow 6 (the step is fully
    # restorable, the relief irreversible).  Phase-1 margin x (1-delta)/delta is
    # (1-delta) F_2 + delta F_3 - 6, zero at delta* = (6 - 1) / (11 - 1) = 1/2.
    s = Scenario(
        name="three",
        phases=3,
        measures=(Measure("M1", 6.0, 0.0, "x"), Measure("M2", 10.0, 1.0, "x")),
        milestones=(Milestone("D1", value=1.0, cost=5.0, reversibility=1.0, detection=0.5),),
        instruments=(Instrument("x", "executive", credibility=1.0),),
        parameters=Parameters(discount=0.9),
    )
    return s, Schedule(measures={"M1": 1, "M2": 3}, milestones={"D1": 1})


def test_plan_critical_discount_by_bisection_matches_closed_form():
    s, sched = _three_phase()
    ph = check(s, sched).phases
    assert ph[0].incentive_compatible
    assert ph[0].critical_discount == pytest.approx(0.5, abs=1e-8)
    assert ph[1].critical_discount is None
    s_low = Scenario(**{**s.__dict__, "parameters": Parameters(discount=0.45)})
    assert not check(s_low, sched).phases[0].incentive_compatible
    assert check(s_low, sched).phases[0].critical_discount == pytest.approx(0.5, abs=1e-8)


def test_comply_values_match_payoffs_module():
    rng = np.random.default_rng(0)
    for k in (1, 2, 5):
        F = rng.normal(size=k)
        for d in (0.2, 0.9):
            np.testing.assert_allclose(
                comply_values(F, np.array([d])), continuation_weights(d, k) @ F
            )


def test_vectorised_thresholds_equal_one_at_a_time():
    rng = np.random.default_rng(1)
    S, K = 50, 4
    terms = PhaseTerms(
        flow=rng.normal(5, 3, (S, K)),
        relief=rng.uniform(5, 20, (S, K)),
        kept_cost=rng.uniform(0, 5, (S, K)),
        clawback=rng.uniform(0, 10, (S, K)),
        clawback_full=rng.uniform(10, 20, (S, K)),
        detection=rng.uniform(0, 1, (S, K)),
        delta=rng.uniform(0.5, 0.95, S),
    )
    batch = phase_thresholds(terms)
    for i in range(0, S, 7):
        one = phase_thresholds(
            PhaseTerms(
                *(
                    getattr(terms, f)[i]
                    for f in (
                        "flow",
                        "relief",
                        "kept_cost",
                        "clawback",
                        "clawback_full",
                        "detection",
                        "delta",
                    )
                )
            )
        )
        for key in batch:
            np.testing.assert_allclose(batch[key][i], one[key], equal_nan=True, atol=1e-9)


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
