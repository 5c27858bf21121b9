"""Target types: their overrides apply, and the exposure bound binds (issue 14).

Two phases of one year, discount 0.5 a year (``G_1 = G_2 = 1``, ``V^C_2 = F_2``;
see ``test_tiny.py``), reciprocity 1.  Measure R (20 USD m/yr, fully
reversible, credibility 1), a one-off transfer T (8 USD m, annual equivalent
``8 (1 - 0.5) / 0.5 = 8``), milestone M (cost 10, irreversible, detected at
once, mandatory by phase 2).  Two types, prior 0.5 each: *strategic* is the
scenario as written; *tactical* believes it keeps R if it reneges
(``overrides = {measures.R.reversibility = 0}``).

* Plan R@1, T@2, M@1 (the scenario's optimum).  Phase 2: ``V^C_2 = F_2 =
  20 - 10 = 10``; an open reversal is worth ``G_2 (R - Q - C + B) = 20 - Q -
  10``: ``Q = 20`` for the strategic type (margin 20), ``Q = 0`` for the
  tactical one (margin 0).  Exposure ``X_2 = G_2 (R - Q - C + B) + O_1 + O_2``:
  -2 and 18.
* The least exposure to the tactical type: M must be done by phase 2, and in
  its phase participation needs relief held >= 10 USD m/yr: T alone brings 8,
  so R is granted by then, and ``X = 20 - 10 = 10`` at least (T adds its 8).
  So a bound of 12 removes T (R and M in the same phase, 1 or 2, both
  optimal: X = 10), and a bound of 9 leaves no plan.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from solver import solve
from solver.robust.batch import Worlds
from solver.robust.saa import solve_robust
from solver.robust.types import exposure, type_scenario, type_verdicts
from solver.scenario import ScenarioError, scenario_from_dict

DOC = {
    "name": "tiny-types",
    "phases": 2,
    "parameters": {"discount": 0.5, "reciprocity": 1.0},
    "instruments": [{"id": "exec", "kind": "executive", "credibility": 1.0}],
    "measures": [
        {"id": "R", "value": 20, "reversibility": 1.0, "instrument": "exec"},
        {"id": "T", "value": 8, "reversibility": 0.0, "instrument": "exec", "kind": "transfer"},
    ],
    "milestones": [
        {"id": "M", "value": 1, "cost": 10, "reversibility": 0.0, "detection": 1.0,
         "mandatory_by": 2},
    ],
    "target_types": [
        {"id": "tactical", "prior": 0.5, "overrides": {"measures.R.reversibility": 0.0}},
        {"id": "strategic", "prior": 0.5},
    ],
}  # fmt: skip
NONE = Worlds((), np.zeros((0, 0)))


def test_overrides_and_factors_apply() -> None:
    s = scenario_from_dict(DOC)
    tactical, strategic = s.target_types
    assert type_scenario(s, tactical).measure("R").reversibility == 0.0
    assert type_scenario(s, strategic) is s
    doc = copy.deepcopy(DOC)
    doc["target_types"][0]["scale"] = {"measures.*.value": 0.5}
    scaled = type_scenario(scenario_from_dict(doc), scenario_from_dict(doc).target_types[0])
    assert [m.value for m in scaled.measures] == [10.0, 4.0]


def test_verdict_and_exposure_per_type_by_hand() -> None:
    s = scenario_from_dict(DOC)
    plan = solve(s, require_ic="both")
    assert plan.schedule is not None
    assert (dict(plan.schedule.measures), dict(plan.schedule.milestones)) == (
        {"R": 1, "T": 2},
        {"M": 1},
    )
    rows = {r["type"]: r for r in type_verdicts(s, plan)}
    assert rows["strategic"]["min_margin"] == pytest.approx(20.0)
    assert rows["tactical"]["min_margin"] == pytest.approx(0.0, abs=1e-9)
    assert rows["tactical"]["incentive_compatible"] and rows["strategic"]["incentive_compatible"]
    assert rows["strategic"]["exposure"] == pytest.approx(-2.0)
    assert rows["tactical"]["exposure"] == pytest.approx(18.0)
    assert rows["tactical"]["exposure_phase"] == 2
    np.testing.assert_allclose(exposure(type_scenario(s, s.target_types[0]), plan), [10.0, 18.0])


def test_exposure_bound_binds() -> None:
    s = scenario_from_dict(DOC)
    free = solve_robust(s, NONE, require_types=("strategic",))
    assert free.status == "optimal" and free.schedule is not None
    assert max(r["exposure"] for r in type_verdicts(s, free.schedule)) == pytest.approx(18.0)
    bound = solve_robust(s, NONE, require_types=("strategic",), max_exposure=12.0)
    assert bound.status == "optimal" and bound.schedule is not None
    phase = bound.schedule.milestones["M"]
    assert phase in (1, 2) and dict(bound.schedule.measures) == {"R": phase, "T": None}
    tactical = {r["type"]: r for r in type_verdicts(s, bound.schedule)}["tactical"]
    assert tactical["exposure"] == pytest.approx(10.0)
    none = solve_robust(s, NONE, require_types=("strategic",), max_exposure=9.0)
    assert none.status == "infeasible" and none.schedule is None


def test_unknown_required_type_and_bad_priors_are_refused() -> None:
    s = scenario_from_dict(DOC)
    with pytest.raises(ValueError, match="no such target type"):
        solve_robust(s, NONE, require_types=("cautious",))
    doc = copy.deepcopy(DOC)
    doc["target_types"][0]["prior"] = 0.7
    with pytest.raises(ScenarioError, match="sum to 1"):
        scenario_from_dict(doc)
    doc = copy.deepcopy(DOC)
    doc["target_types"][0]["overrides"] = {"measures.R.reversibility": 2.0}
    with pytest.raises(ScenarioError, match=r"overrides\.measures\.R\.reversibility"):
        scenario_from_dict(doc)
