"""Backward induction on the hand-solved toy (derivation in solver/game/examples.py).

beta = 0.9 a year, phases of one year: G_1 = G_2 = 9, V^C_1 = V^C_2 = 9 * 7 = 63.
One step (cost 8, fully restorable, detected 0.9 a year: h = 0.9 per phase,
undetected for the share u = 0.9 / ln 10 = 0.39087 of a phase) done in phase 1;
relief 10 (phase 1) and 5 more (phase 2), clawback q r v.

* overt at k: V^O_k = 9 (R_k - 0.9 Q_k - 8 + 8): 90 - 81 q (k = 1), 135 - 121.5 q (k = 2);
* covert at k = 2 (tail only): V = 0.9 / (1 - 0.9 * 0.1) * X with
  X = u (15 - 8 + 8) + (1 - u + 0.9 * 9) P, P = 15 - 15 q a year (caught: held relief
  minus clawback, every step restored, for the rest of the year and after):
  q = 0.9 -> X = 5.863 + 8.7091 * 1.5 = 18.927, V = 18.719; q = 0 -> X = 136.5, V = 135;
* covert at k = 1: one phase of phase-2 relief, then the same tail:
  V = 0.9 X + 0.9 * 0.1 * 0.9 / 0.91 X = the same 18.719 (q = 0.9) or 135 (q = 0).

So with a credible snapback (q = 0.9) the covert reversal is the best deviation in
both phases: margin 63 - 18.719 = 44.281 (overt would leave 45.9 and 37.35).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from solver.game import check, stage_equilibria
from solver.game.examples import toy_scenario
from solver.game.stage import chain_phases
from solver.payoffs import coefficients

U = 0.9 / math.log(10)
X_CREDIBLE = U * 15.0 + (1 - U + 0.9 * 9) * (15 - 0.9 * 15)
COVERT = 0.9 / (1 - 0.9 * 0.1) * X_CREDIBLE  # 18.719...
MARGIN = 63.0 - COVERT  # 44.281
assert abs(COVERT - 18.719) < 1e-3


def _check(**kw):
    s, sched = toy_scenario(**kw)
    return check(s, sched)


def test_credible_snapback_margins_and_the_covert_deviation():
    r = _check(credible=True)
    assert [p.ic_margin for p in r.phases] == pytest.approx([MARGIN, MARGIN])
    assert [p.deviation for p in r.phases] == ["covert", "covert"]
    assert r.phases[0].reverses == ("D1",)


def test_vetoed_snapback_margins():
    # China nets 1 - 5 = -4 < 0 and holds a veto: q_eff = 0.  Phase 1: covert
    # 135 > overt 90, margin -72; phase 2: overt 135 = covert 135 (tie: overt).
    r = _check(credible=False)
    assert [p.ic_margin for p in r.phases] == pytest.approx([-72.0, -72.0])
    assert [p.deviation for p in r.phases] == ["covert", "overt"]


def test_reverse_veto_restores_credibility_without_china():
    # Any one participant can snap back; the US nets 5 - 1 = 4 >= 0.
    r = _check(credible=False, kind="reverse_veto")
    assert [p.ic_margin for p in r.phases] == pytest.approx([MARGIN, MARGIN])


def test_override_uses_nominal_credibility():
    r = _check(credible=False, override=True)
    assert [p.ic_margin for p in r.phases] == pytest.approx([MARGIN, MARGIN])


def test_chained_phases_target_backslides_from_phase_one():
    # C_2 = 63 < V^D_2 = 135: backslide at 2.  C_1 = 0.9 (F_2 + max(C_2, V^D_2))
    # = 0.9 (7 + 135) = 127.8 < V^D_1 = 135 (covert): backslide at 1 too.
    s, sched = toy_scenario(credible=False)
    r = check(s, sched)
    y, z = sched.matrices(s)
    comply, actions = chain_phases(r.games, coefficients(s, nominal=True), y, z)
    assert comply == pytest.approx([127.8, 63.0])
    assert actions == ["backslide", "backslide"]
    assert r.first_backslide == 1
    assert not r.incentive_compatible


def _tags(credible):
    s, sched = toy_scenario(credible=credible)
    g = check(s, sched).games[0]
    return [
        (tuple(e.row), tuple(np.round(e.col, 6)), e.subgame_perfect)
        for e in stage_equilibria(g, "unsc")
    ]


def test_nash_equilibrium_with_non_credible_threat_is_rejected():
    # Normal form, phase 1: (comply, snapback) is a Nash equilibrium -- against
    # comply the coalition's move is never reached -- so a Nash-only check would
    # pass the plan.  China prefers to sustain at its own node, so the only
    # subgame-perfect outcome is (backslide, sustain) and check() fails phase 1.
    tags = _tags(credible=False)
    nash_comply = [t for t in tags if t[0] == (1.0, 0.0)]
    assert nash_comply and not any(t[2] for t in nash_comply)
    assert ((1.0, 0.0), (1.0, 0.0), False) in tags
    spe = [t for t in tags if t[2]]
    assert spe == [((0.0, 1.0), (0.0, 1.0), True)]
    s, sched = toy_scenario(credible=False)
    assert not check(s, sched).phases[0].incentive_compatible


def test_threshold_mix_of_the_non_credible_threat():
    # Backsliding is worth 135 against sustain and COVERT (18.72) against snapback
    # (the best option either way is the covert reversal), so comply stays a best
    # response while the snapback probability s satisfies
    # 63 >= s COVERT + (1 - s) 135  =>  s >= (135 - 63) / (135 - COVERT).
    tags = _tags(credible=False)
    mixes = [t[1][0] for t in tags if t[0] == (1.0, 0.0)]
    assert min(mixes) == pytest.approx(72 / (135 - COVERT), abs=1e-6)


def test_credible_threat_comply_snapback_is_the_spe():
    tags = _tags(credible=True)
    spe = [t for t in tags if t[2]]
    assert spe == [((1.0, 0.0), (1.0, 0.0), True)]
