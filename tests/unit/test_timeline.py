"""The covert closed form at its limits, and the undetected share against a simulation.

Limits derived by hand (docs/formulation.md, "covert"): with detection 0 a year
a secret reversal is never caught, so ``V^cov_k = V^C_k + G_k rho_k``; with
detection 1 a year it is caught at the start of phase ``k + 1``, after that
phase's relief was granted, so ``V^cov_k = G_k P_{k+1}`` with the punished flow
``P = R - Q - C + B`` and nothing of phase ``k + 1``'s transfers.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from solver.timeline import Timeline, covert_weights, undetected_share

TIMELINES = [
    Timeline((1.0, 2.0, 0.5), 0.85),
    Timeline((3.0, 3.0, 3.0, 3.0), 0.95),
    Timeline((0.25, 4.0), 0.7),
]


@pytest.mark.parametrize("tl", TIMELINES)
def test_undetectable_cheating_keeps_everything(tl):
    w, c = covert_weights(tl, 0.0), tl.comply
    for x in "RCO":
        assert getattr(w, x) == pytest.approx(getattr(c, x))
    assert np.abs(w.Q).max() == 0.0 and np.abs(w.B).max() == 0.0
    # the restored cost is saved forever after the deciding phase
    assert w.rho[:-1] == pytest.approx(tl.annuity[:-1])


@pytest.mark.parametrize("tl", TIMELINES)
def test_certain_detection_is_the_punished_state_with_the_next_grants(tl):
    w, kk = covert_weights(tl, 1.0), tl.phases
    for k in range(kk):
        nxt = min(k + 1, kk - 1)
        expect = np.zeros(kk)
        expect[nxt] = tl.annuity[k]
        for x in "RCQB":
            assert getattr(w, x)[k] == pytest.approx(expect, abs=1e-12)
    assert np.abs(w.O).max() == 0.0 and np.abs(w.rho).max() == 0.0


def test_undetected_share_matches_a_simulated_poisson_clock():
    # tau ~ exponential with rate -ln(1 - p); E[min(tau, a)] / a against the closed form
    rng = np.random.default_rng(3)
    for p, a in [(0.1, 1.0), (0.5, 2.0), (0.9, 0.5)]:
        tau = rng.exponential(1.0 / -np.log1p(-p), 400_000)
        assert np.minimum(tau, a).mean() / a == pytest.approx(undetected_share(p, a), rel=5e-3)


def test_a_larger_hazard_leaves_less_undetected_time():
    shares = [undetected_share(p, 2.0) for p in (0.0, 0.05, 0.3, 0.7, 0.99, 1.0)]
    assert shares[0] == 1.0 and shares[-1] == 0.0
    assert all(a > b for a, b in itertools.pairwise(shares))
