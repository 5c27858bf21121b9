"""Every backend on scenarios at the edge of the sane numeric range (issue 16).

The loader accepts magnitudes up to 1e9 USD m, a discount up to 1 - 1e-6 and
phases from a day to a century (``docs/hardening.md``); inside that range the
solvers' coefficients stay representable, but the models are badly scaled.
On each of these scenarios every backend that answers must have a plan with the
same objective to a relative 1e-6, passing the independent verifier (or every
one says infeasible); a backend that cannot cope says ``error`` with its reason,
or ``feasible`` when a leximin stage failed numerically (highspy on the mixed
scales, 1e-3 beside 9e8: it then proves only its first level), never a wrong
``infeasible`` or ``unbounded``.  A per-phase discount that implies an annual
discount below 1e-6 is refused at load time.
"""

from __future__ import annotations

import copy

import pytest

from solver import BACKENDS, solve, verify_plan
from solver.scenario import scenario_from_dict

BASE = {
    "name": "edge",
    "phases": 3,
    "parameters": {"discount": 0.8, "reciprocity": 1.0},
    "instruments": [
        {"id": "exec", "kind": "executive", "credibility": 0.9},
        {"id": "law", "kind": "statute", "credibility": 0.6},
    ],
    "measures": [
        {"id": "R1", "value": 30, "reversibility": 1.0, "instrument": "exec"},
        {"id": "R2", "value": 50, "reversibility": 0.5, "instrument": "law"},
        {"id": "R3", "value": 20, "reversibility": 0.0, "instrument": "exec", "kind": "transfer"},
    ],
    "milestones": [
        {"id": "M1", "value": 2, "cost": 10, "reversibility": 0.9, "detection": 0.8},
        {"id": "M2", "value": 5, "cost": 25, "reversibility": 0.3, "detection": 0.4,
         "requires": ["M1"], "mandatory_by": 3},
    ],
}  # fmt: skip


def _edge(kind: str) -> dict:
    doc = copy.deepcopy(BASE)
    p = doc["parameters"]
    if kind == "huge values":
        for m in doc["measures"]:
            m["value"] *= 1e7  # up to 5e8 USD m/yr
        for d in doc["milestones"]:
            d["cost"] *= 1e7
    elif kind == "tiny values":
        for m in doc["measures"]:
            m["value"] *= 1e-6
        for d in doc["milestones"]:
            d["cost"] *= 1e-6
    elif kind == "patient":
        p["discount"] = 1 - 1e-6
    elif kind == "impatient":
        p["discount"] = 1e-6
    elif kind == "day phases":
        p["phase_years"] = 1 / 365
        p["discount"] = 0.9995  # about 0.83 a year
    elif kind == "century phases":
        p["phase_years"] = 100.0
        p["discount"] = 0.999
    elif kind == "mixed scales":
        doc["measures"][0]["value"] = 9e8
        doc["measures"][1]["value"] = 1e-3
        doc["milestones"][0]["cost"] = 1e-3
    return doc


KINDS = [
    "huge values",
    "tiny values",
    "patient",
    "impatient",
    "day phases",
    "century phases",
    "mixed scales",
]


@pytest.mark.parametrize("kind", KINDS)
def test_backends_agree_near_the_numeric_limits(kind: str) -> None:
    s = scenario_from_dict(_edge(kind))
    results = {b: solve(s, backend=b, ranges=False) for b in BACKENDS}
    statuses = {b: p.status.value for b, p in results.items()}
    assert "unbounded" not in statuses.values(), statuses
    answered = {b: st for b, st in statuses.items() if st != "error"}
    assert answered, statuses
    solved = {b: p for b, p in results.items() if p.status.has_solution}
    if not solved:  # then every backend that answers says infeasible
        assert set(answered.values()) == {"infeasible"}, statuses
        return
    # a backend that answers has a plan ("feasible" when a leximin stage failed
    # numerically: it then says so and claims no more than the levels it proved)
    assert set(answered.values()) <= {"optimal", "feasible"}, statuses
    assert "optimal" in answered.values(), statuses
    ref = next(iter(solved.values())).objective
    assert ref is not None
    for b, p in solved.items():
        assert p.objective == pytest.approx(ref, rel=1e-6, abs=1e-9 * max(1.0, abs(ref))), b
        assert verify_plan(s, p).ok, (b, verify_plan(s, p).violations)


def test_a_per_phase_discount_implying_a_negligible_year_is_refused() -> None:
    from solver.scenario import ScenarioError

    doc = copy.deepcopy(BASE)
    doc["parameters"]["phase_years"] = 1 / 365
    with pytest.raises(ScenarioError, match=r"parameters\.discount is 0\.8; numeric bound"):
        scenario_from_dict(doc)
