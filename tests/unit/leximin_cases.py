"""Hand-solvable scenarios and a brute-force enumerator for the leximin and phase-range tests.

``enumerate_plans`` lists every schedule of a tiny scenario that the
independent verifier accepts, with its leverage from :mod:`solver.payoffs`:
the tests compare the MIP (levels, ranges) against it, so neither side
checks itself.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np

from solver.leximin import level_floor, level_values
from solver.plan import Schedule
from solver.scenario import Scenario, scenario_from_dict
from solver.verify import verify_plan

# Three phases of one year, discount 0.5 a year (so G_k = beta / (1 - beta) = 1, a
# payment one phase ahead counts 1/2, and the tail after phase 3 counts as much as
# phase 3 itself); snapback credibility 1; both steps irreversible (b = 0) and
# detected at once (p = 1).  The derivation is in tests/unit/test_leximin.py.
THREE_PHASES = {
    "name": "leximin-three",
    "phases": 3,
    "parameters": {"discount": 0.5, "reciprocity": 0.5},
    "instruments": [{"id": "exec", "kind": "executive", "credibility": 1.0}],
    "measures": [
        {"id": "A", "value": 60, "reversibility": 1.0, "instrument": "exec",
         "mandatory_by": 3},
        {"id": "B", "value": 30, "reversibility": 0.5, "instrument": "exec",
         "phase_window": [1, 1]},
        {"id": "C", "value": 10, "reversibility": 1.0, "instrument": "exec",
         "phase_window": [1, 1]},
    ],
    "milestones": [
        {"id": "M1", "value": 1, "cost": 5, "reversibility": 0.0, "detection": 1.0,
         "mandatory_by": 1},
        {"id": "M2", "value": 1, "cost": 10, "reversibility": 0.0, "detection": 1.0,
         "phase_window": [3, 3], "mandatory_by": 3},
    ],
}  # fmt: skip


def three_phases(**extra_measures: dict) -> Scenario:
    """The three-phase scenario, with optional extra measures (id -> fields)."""
    doc = copy.deepcopy(THREE_PHASES)
    for mid, fields in extra_measures.items():
        doc["measures"].append({"id": mid, "instrument": "exec", **fields})
    return scenario_from_dict(doc)


def enumerate_plans(s: Scenario) -> list[tuple[Schedule, np.ndarray]]:
    """Every schedule the verifier accepts (phase 1..K or never per item), with its leverage."""
    ms, ds = [m.id for m in s.measures], [d.id for d in s.milestones]
    bundles = [[i for i, m in enumerate(s.measures) if m.bundle == b] for b in
               {m.bundle for m in s.measures if m.bundle}]  # fmt: skip
    choices = [*range(1, s.phases + 1), None]
    out = []
    for combo in itertools.product(choices, repeat=len(ms) + len(ds)):
        if any(len({combo[i] for i in group}) > 1 for group in bundles):
            continue  # the verifier would reject it (bundles go together); save the time
        sch = Schedule(
            measures=dict(zip(ms, combo[: len(ms)], strict=True)),
            milestones=dict(zip(ds, combo[len(ms) :], strict=True)),
        )
        if verify_plan(s, sch).ok:
            out.append((sch, np.asarray(sch.values(s).leverage, dtype=float)))
    return out


def leximin_best(plans: list[tuple[Schedule, np.ndarray]]) -> np.ndarray:
    """The lexicographically largest sorted leverage vector (to 1e-9)."""
    return max((np.sort(lev) for _, lev in plans), key=lambda v: tuple(np.round(v, 9)))


def within(levels: np.ndarray, lev: np.ndarray, tol: float) -> bool:
    """Whether a leverage vector is within ``tol`` of the optimum on every leximin level."""
    best, got = level_values(levels), level_values(lev)
    return all(g >= level_floor(b, tol) - 1e-9 for b, g in zip(best, got, strict=True))


def phase_of(sch: Schedule, item: str, phases: int) -> int:
    """An item's phase in a schedule, ``K + 1`` for never."""
    k = sch.milestones[item] if item in sch.milestones else sch.measures[item]
    return phases + 1 if k is None else k
