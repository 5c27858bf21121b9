"""The CP-SAT relief formulation agrees with the step MIP (same optimum, verified plans).

Every shipped scenario in ``models/`` (the default model, its variant, the
teaching example and the four historical cases) and two fixtures, with the
default ``leverage`` objective (leximin, every level solved by CP-SAT) and
``speed``; the default model also with incentive compatibility required.  The
tolerance is the leximin level tolerance (``LEVEL_TOL`` = 1e-6 relative).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import solver
from solver.backends import Status
from solver.formulation import cpsat
from solver.model import LinearModel
from solver.pipeline import FORMULATIONS

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = [
    "models/dprk_2018.toml",
    "models/dprk_2018_no_reverse_veto.toml",
    "models/dprk_minimal.toml",
    "models/cases/agreed_framework_1994/scenario.toml",
    "models/cases/hanoi_2019/scenario.toml",
    "models/cases/leap_day_2012/scenario.toml",
    "models/cases/six_party_2007/scenario.toml",
    "tests/fixtures/scenarios/small.toml",
    "tests/fixtures/scenarios/all_zero_levels.json",
]
TOL = 1e-6


def test_cpsat_is_a_formulation() -> None:
    assert "cpsat" in FORMULATIONS


def test_every_shipped_scenario_is_covered() -> None:
    shipped = {p.relative_to(ROOT).as_posix() for p in (ROOT / "models").glob("*.toml")
               if "sensitivity" not in p.name}  # fmt: skip
    shipped |= {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "models/cases").glob("*/scenario.toml")
    }
    assert shipped <= set(SCENARIOS)


# CP-SAT proves these only in part: on the no-reverse-veto variant OR-tools 9.15 calls
# leximin level 2 infeasible although the level-1 plan meets it, and its retries
# (without the LP relaxation, which stalled there past any time limit) find that
# plan again but prove nothing more within the limit (docs/formulation.md).
PARTLY = {"models/dprk_2018_no_reverse_veto.toml"}


def _lex_at_most(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Whether sorted vector ``a`` is lexicographically at most ``b`` (within TOL)."""
    for x, y in zip(a, b, strict=True):
        if x < y - TOL * max(1.0, abs(y)):
            return True
        if x > y + TOL * max(1.0, abs(y)):
            return False
    return True


def _agree(path: str, **kw: object) -> None:
    s = solver.load_scenario(ROOT / path)
    mip = solver.solve(s, formulation="step", ranges=False, time_limit=120, **kw)
    cp = solver.solve(s, formulation="cpsat", ranges=False, time_limit=120, **kw)
    if mip.status is Status.INFEASIBLE:
        assert cp.status is Status.INFEASIBLE, cp.message
        return
    assert mip.status is Status.OPTIMAL
    assert cp.schedule is not None and solver.verify_plan(s, cp).ok
    assert cp.formulation == "cpsat"
    if cp.status is not Status.OPTIMAL:  # a verified plan, never better than the optimum
        assert path in PARTLY and cp.status is Status.FEASIBLE, cp.message
        assert cp.objective <= mip.objective + TOL * max(1.0, abs(mip.objective))
        if mip.levels:
            assert _lex_at_most(cp.levels, mip.levels)
        return
    assert cp.objective == pytest.approx(mip.objective, rel=TOL, abs=TOL)
    if mip.levels:
        assert np.allclose(cp.levels, mip.levels, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("path", SCENARIOS)
def test_leverage_agrees_with_step(path: str) -> None:
    _agree(path)


@pytest.mark.parametrize("path", SCENARIOS)
def test_speed_agrees_with_step(path: str) -> None:
    _agree(path, objective="speed")


def test_required_ic_agrees_with_step() -> None:
    _agree("models/dprk_2018.toml", require_ic=True)


def test_a_row_without_an_exact_scale_is_refused() -> None:
    # w has two different fractional coefficients, and the first row mixes it with x:
    # no factor makes both rows integral on the money grid.
    m = LinearModel("odd")
    x = m.add_var("x", lb=-10.0, ub=10.0)
    w = m.add_var("w", lb=-10.0, ub=10.0, obj=1.0)
    m.add_row("r1", {x: 1.0, w: 1.5}, ub=3.0)
    m.add_row("r2", {x: 1.0, w: 2.7}, lb=0.0)
    with pytest.raises(cpsat.CPSATRefused, match="no common factor"):
        cpsat.translate(m)
    sol = cpsat.solve_model(m)
    assert sol.status is Status.ERROR and sol.message.startswith("refused:")


def test_and_columns_and_substitution() -> None:
    # a = y AND NOT z (a flow in force until an event), R = 2.5 a defined by an equality row
    m = LinearModel("and")
    y = m.add_var("y", ub=1.0, integer=True)
    z = m.add_var("z", ub=1.0, integer=True, obj=-0.25)
    a = m.add_var("a", ub=1.0)
    r = m.add_var("R", lb=-np.inf, obj=1.0)
    m.add_row("a<=y", {a: 1.0, y: -1.0}, ub=0.0)
    m.add_row("a<=1-z", {a: 1.0, z: 1.0}, ub=1.0)
    m.add_row("a>=y-z", {a: 1.0, y: -1.0, z: 1.0}, lb=0.0)
    m.add_row("R", {r: 1.0, a: -2.5}, lb=0.0, ub=0.0)
    tr = cpsat.translate(m)
    assert tr.kinds[a] == "and" and tr.substituted == [r]
    sol = cpsat.solve_model(m)
    assert sol.status is Status.OPTIMAL
    assert sol.x is not None and list(np.round(sol.x, 9)) == [1.0, 0.0, 1.0, 2.5]
    assert sol.objective == pytest.approx(2.5)
