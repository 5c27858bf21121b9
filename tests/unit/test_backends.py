"""One backend registry, one status rule fed by a table per backend, one gap formula."""

from __future__ import annotations

import subprocess
import sys

import highspy
import pulp
import pytest

import solver.rcpsp
import solver.rcpsp.solve
from solver.backends import (
    BACKENDS,
    REGISTRY,
    Solution,
    Status,
    base,
    highs_scipy,
    highspy_direct,
    pulp_backend,
    run_backend,
    solver_for,
)
from solver.model import LinearModel

LIMIT = Status.TIME_LIMIT


def _toy() -> LinearModel:
    m = LinearModel("toy")
    x = m.add_var("x", ub=3.0, integer=True, obj=1.0)
    m.add_row("cap", {x: 2.0}, ub=5.0)
    return m


@pytest.mark.parametrize(
    "table",
    [highs_scipy.STATUS_TABLE, highspy_direct.STATUS_TABLE, pulp_backend.STATUS_TABLE],
    ids=["highs", "highspy", "pulp"],
)
def test_the_one_rule_over_each_backends_table(table):
    assert table and all(isinstance(v, Status) for v in table.values())
    assert LIMIT in table.values()
    for raw, status in table.items():
        with_x, without = (
            base.resolve_status(table, raw, True),
            base.resolve_status(table, raw, False),
        )
        if status is LIMIT:
            assert (with_x, without) == (Status.FEASIBLE, Status.TIME_LIMIT)
        else:
            assert with_x is without is status
    assert base.resolve_status(table, object(), True) is Status.ERROR


def test_scipy_limit_with_and_without_an_incumbent():
    assert highs_scipy.map_status(1, True) is Status.FEASIBLE
    assert highs_scipy.map_status(1, False) is Status.TIME_LIMIT
    assert highs_scipy.map_status(0, True) is Status.OPTIMAL
    assert highs_scipy.map_status(99, True) is Status.ERROR


@pytest.mark.parametrize(
    "raw",
    [
        highspy.HighsModelStatus.kTimeLimit,
        highspy.HighsModelStatus.kIterationLimit,
        highspy.HighsModelStatus.kSolutionLimit,
        highspy.HighsModelStatus.kInterrupt,
        highspy.HighsModelStatus.kObjectiveBound,
        highspy.HighsModelStatus.kObjectiveTarget,
    ],
)
def test_highspy_every_limit_with_and_without_an_incumbent(raw):
    assert highspy_direct.map_status(raw, True) is Status.FEASIBLE
    assert highspy_direct.map_status(raw, False) is Status.TIME_LIMIT


def test_highspy_maps_every_model_status():
    assert set(highspy.HighsModelStatus.__members__.values()) <= set(highspy_direct.STATUS_TABLE)


def test_pulp_limit_with_and_without_an_incumbent():
    for status in (pulp.LpStatusNotSolved, pulp.LpStatusOptimal, pulp.LpStatusUndefined):
        assert pulp_backend.map_status(status, pulp.LpSolutionIntegerFeasible) is Status.FEASIBLE
    assert pulp_backend.map_status(pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound) is LIMIT
    # a limit without an incumbent and an undefined problem status is an error
    assert pulp_backend.map_status(pulp.LpStatusUndefined, pulp.LpSolutionNoSolutionFound) is (
        Status.ERROR
    )
    # the problem status settles infeasible and unbounded whatever the solution status
    assert pulp_backend.map_status(pulp.LpStatusInfeasible, pulp.LpSolutionIntegerFeasible) is (
        Status.INFEASIBLE
    )
    assert pulp_backend.map_status(pulp.LpStatusUnbounded, pulp.LpSolutionOptimal) is (
        Status.UNBOUNDED
    )


def test_run_backend_dispatches_through_the_registry():
    assert BACKENDS == tuple(REGISTRY) == ("highs", "highspy", "cbc", "pulp-highs")
    for name in BACKENDS:
        sol = run_backend(_toy(), name)
        assert sol.status is Status.OPTIMAL and sol.objective == pytest.approx(2.0)
        assert sol.backend == name
        assert callable(solver_for(name))


def test_an_unknown_backend_names_the_known_ones():
    with pytest.raises(ValueError, match="nope") as err:
        run_backend(_toy(), "nope")
    assert all(name in str(err.value) for name in BACKENDS)
    with pytest.raises(ValueError, match="highspy"):
        solver_for("HiGHS")


def test_rcpsp_backends_are_the_registrys():
    assert solver.rcpsp.BACKENDS == solver.rcpsp.solve.BACKENDS == tuple(REGISTRY)


def test_backends_load_on_first_use():
    code = (
        "import sys, solver.backends as b; assert 'pulp' not in sys.modules; "
        "b.run_backend(__import__('solver.model').model.LinearModel('e'), 'cbc'); "
        "assert 'pulp' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_relative_gap_is_the_solution_gap():
    assert base.relative_gap(100.0, 101.0) == pytest.approx(0.01)
    assert base.relative_gap(0.2, 0.7) == pytest.approx(0.5)  # below 1 the scale is 1
    assert base.relative_gap(-50.0, -49.0) == pytest.approx(0.02)
    assert base.relative_gap(None, 1.0) is None and base.relative_gap(1.0, None) is None
    sol = Solution(Status.FEASIBLE, "", None, 200.0, 201.0, None, 0.0, "highs")
    assert sol.gap == base.relative_gap(200.0, 201.0) == pytest.approx(0.005)
