"""The teaching model's hand solution (derivation in models/dprk_minimal.toml)."""

from __future__ import annotations

import numpy as np
import pytest

from solver import MODELS_DIR, load_scenario, solve


def test_minimal_matches_the_hand_derivation():
    s = load_scenario(MODELS_DIR / "dprk_minimal.toml")
    plan = solve(s)
    assert plan.schedule.milestones == {"M1": 1, "M2": 2}
    assert plan.schedule.measures == {"R1": 1, "R2": 2, "R3": 2}
    values = plan.schedule.values(s)
    assert values.leverage.tolist() == pytest.approx([20.0, 12.5])
    # Phase 2's best deviation reverses only the dismantlement (detection 0.5).
    assert values.detection.tolist() == pytest.approx([1.0, 0.5])
    assert np.flatnonzero(values.reversed[1]).tolist() == [1]
    assert plan.objective == pytest.approx(12.5 + 0.01 * (20 + 12.5) / 2, abs=0.01)
