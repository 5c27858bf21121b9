"""The teaching model's hand solution (derivation in models/dprk_minimal.toml)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from solver import MODELS_DIR, load_scenario, solve


def test_minimal_matches_the_hand_derivation():
    s = load_scenario(MODELS_DIR / "dprk_minimal.toml")
    plan = solve(s)
    assert plan.schedule.milestones == {"M1": 1, "M2": 2}
    assert plan.schedule.measures == {"R1": 1, "R2": 2, "R3": 2}
    values = plan.schedule.values(s)
    u = 0.5 / math.log(2)
    l2 = (1 - 2 * u / 3) * (25 - 10)
    assert l2 == pytest.approx(7.787, abs=1e-3)
    assert values.leverage.tolist() == pytest.approx([15.0, l2])
    # Phase 1: caught at once (detection 1) after phase 2's relief; phase 2: the
    # secret reversal of the dismantlement alone (detection 0.5) binds.
    assert values.deviation == ("covert", "covert")
    assert values.detection.tolist() == pytest.approx([1.0, 0.5])
    assert np.flatnonzero(values.reversed[0]).tolist() == [0]
    assert np.flatnonzero(values.reversed[1]).tolist() == [1]
    # the options behind the margins (derivation in the model file)
    assert values.stall_value[0] == pytest.approx(0.0)
    assert values.overt_value.tolist() == pytest.approx([0.0, 5.0])
    assert values.covert_value.tolist() == pytest.approx([5.0, 20 - l2])
