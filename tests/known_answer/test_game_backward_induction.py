"""Backward induction on the hand-solved toy (derivation in solver/game/examples.py).

delta = 0.9, so delta/(1-delta) = 9; V^C_1 = V^C_2 = 9 * 7 = 63;
V^D_1 = 90 - 81 q and V^D_2 = 135 - 121.5 q with q = 0.9 (credible) or 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from solver.game import check, stage_equilibria
from solver.game.examples import toy_scenario
from solver.game.stage import chain_phases


def _margins(**kw):
    s, sched = toy_scenario(**kw)
    return [p.ic_margin for p in check(s, sched).phases]


def test_credible_snapback_margins():
    assert _margins(credible=True) == pytest.approx([45.9, 37.35])


def test_vetoed_snapback_margins():
    # China nets 1 - 5 = -4 < 0 and holds a veto: q_eff = 0.
    assert _margins(credible=False) == pytest.approx([-27.0, -72.0])


def test_reverse_veto_restores_credibility_without_china():
    # Any one participant can snap back; the US nets 5 - 1 = 4 >= 0.
    assert _margins(credible=False, kind="reverse_veto") == pytest.approx([45.9, 37.35])


def test_override_uses_nominal_credibility():
    assert _margins(credible=False, override=True) == pytest.approx([45.9, 37.35])


def test_chained_phases_target_complies_then_backslides():
    # C_2 = 63 < V^D_2 = 135: backslide at 2.  C_1 = 0.9 (F_2 + max(C_2, V^D_2))
    # = 0.9 (7 + 135) = 127.8 >= V^D_1 = 90: comply at 1.
    s, sched = toy_scenario(credible=False)
    r = check(s, sched)
    comply, actions = chain_phases(r.games, np.array([2.0, 7.0]))
    assert comply == pytest.approx([127.8, 63.0])
    assert actions == ["comply", "backslide"]
    assert r.first_backslide == 2
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
    # comply stays a best response while snapback probability s satisfies
    # 63 >= 9 (10 - 9 s) ... i.e. 63 >= 90 - 72.9 s  =>  s >= 27 / 72.9.
    tags = _tags(credible=False)
    mixes = [t[1][0] for t in tags if t[0] == (1.0, 0.0)]
    assert min(mixes) == pytest.approx(27 / 72.9, abs=1e-6)


def test_credible_threat_comply_snapback_is_the_spe():
    tags = _tags(credible=True)
    spe = [t for t in tags if t[2]]
    assert spe == [((1.0, 0.0), (1.0, 0.0), True)]
