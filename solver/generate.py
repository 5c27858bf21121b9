"""Seeded generator of relief-scenario families (for benchmarks and tests).

Every generated scenario is feasible by construction: a hidden plan is drawn
first (a phase per milestone and measure), and windows, prerequisites,
capacities, mandatory deadlines and the participation and irreversibility
balances are then set so that the hidden plan satisfies them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from solver.scenario import Scenario, scenario_from_dict
from solver.seeds import SeedLike, as_generator


def _milestones(
    rng: np.random.Generator, n: int, k: int
) -> tuple[list[dict[str, Any]], np.ndarray]:
    phase = np.sort(rng.integers(1, k + 1, size=n))
    phase[: min(n, k)] = np.arange(1, min(n, k) + 1)  # progress in every phase
    phase = np.sort(phase)
    out = []
    for i in range(n):
        d: dict[str, Any] = {
            "id": f"M{i:04d}",
            "value": int(rng.integers(1, 9)),
            "cost": round(float(rng.uniform(5, 60)), 2),
            "reversibility": round(float(rng.uniform(0.05, 0.95)), 2),
            "detection": round(float(rng.uniform(0.2, 0.95)), 2),
        }
        earlier = [j for j in range(i) if phase[j] < phase[i]]
        if earlier and rng.random() < 0.6:
            d["after"] = [f"M{int(rng.choice(earlier)):04d}"]
        lo = int(max(1, phase[i] - rng.integers(0, 2)))
        hi = int(min(k, phase[i] + rng.integers(0, 3)))
        d["phase_window"] = [lo, hi]
        if rng.random() < 0.3:
            d["mandatory_by"] = hi
        out.append(d)
    return out, phase


def _measures(
    rng: np.random.Generator, n: int, k: int, mil_phase: np.ndarray
) -> tuple[list[dict[str, Any]], np.ndarray]:
    out = []
    phases = rng.integers(1, k + 1, size=n)
    for i in range(n):
        ph = int(phases[i])
        rev = round(float(rng.uniform(0.1, 1.0)), 2)
        m: dict[str, Any] = {
            "id": f"R{i:04d}",
            "value": round(float(rng.uniform(1, 40)), 2),
            "reversibility": rev,
            "instrument": str(rng.choice(["unsc", "exec", "statute", "ally"])),
            "phase_window": [int(max(1, ph - 1)), int(min(k, ph + 1))],
        }
        done = np.nonzero(mil_phase <= ph)[0]
        if done.size and rng.random() < 0.5:
            m["requires_milestones"] = [f"M{int(rng.choice(done)):04d}"]
        out.append(m)
    return out, phases


def _reciprocity(
    milestones: list[dict[str, Any]],
    mil_phase: np.ndarray,
    measures: list[dict[str, Any]],
    meas_phase: np.ndarray,
    k: int,
) -> float:
    """Largest reciprocity (capped at 0.5) that the hidden plan satisfies in every phase."""
    ratio = 0.5
    for ph in range(1, k + 1):
        cost = sum(d["cost"] for d, p in zip(milestones, mil_phase, strict=True) if p <= ph)
        relief = sum(m["value"] for m, p in zip(measures, meas_phase, strict=True) if p <= ph)
        if cost > 0:
            ratio = min(ratio, relief / cost)
    return round(ratio * 0.999, 4)


def generate(
    n_measures: int, n_phases: int, *, n_milestones: int | None = None, seed: SeedLike = 0
) -> Scenario:
    """Generate a feasible relief scenario.

    Parameters
    ----------
    n_measures : int
        Number of relief measures (>= 1).
    n_phases : int
        Number of phases (>= 2).
    n_milestones : int, optional
        Number of milestones; default ``max(n_phases, n_measures // 5)``.
    seed : int, Generator or None, optional
        Seed; the same seed gives the same scenario.

    Returns
    -------
    Scenario
        A validated scenario whose constraints admit at least one plan.

    Examples
    --------
    >>> s = generate(30, 4, seed=1)
    >>> len(s.measures), s.phases
    (30, 4)
    """
    if n_measures < 1 or n_phases < 2:
        raise ValueError(f"need n_measures >= 1 and n_phases >= 2, got {n_measures}, {n_phases}")
    rng = as_generator(seed)
    n_d = n_milestones if n_milestones is not None else max(n_phases, n_measures // 5)
    milestones, mil_phase = _milestones(rng, n_d, n_phases)
    measures, meas_phase = _measures(rng, n_measures, n_phases, mil_phase)
    alpha = _reciprocity(milestones, mil_phase, measures, meas_phase, n_phases)
    doc = {
        "name": f"generated-{n_measures}x{n_phases}",
        "phases": n_phases,
        "parameters": {"discount": 0.85, "reciprocity": alpha},
        "actors": [{"id": "us"}, {"id": "cn", "permanent_member": True}],
        "instruments": [
            {"id": "unsc", "kind": "reverse_veto", "credibility": 0.7},
            {"id": "exec", "kind": "executive", "credibility": 0.9},
            {"id": "statute", "kind": "statute", "credibility": 0.5},
            {"id": "ally", "kind": "unilateral", "credibility": 0.8},
        ],
        "measures": measures,
        "milestones": milestones,
    }
    return scenario_from_dict(doc, source=f"<generated seed={seed!r}>")
