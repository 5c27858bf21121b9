"""Unit tests for the RCPSP heuristic, formulations, highspy backend, solve facade and CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import highspy
import numpy as np
import pytest

from solver.backends import Status
from solver.backends.highspy_direct import map_status, solve_highspy
from solver.model import LinearModel
from solver.rcpsp import (
    RCPSP_FORMULATIONS,
    RCPSPInstance,
    build_rcpsp_model,
    heuristic_schedule,
    lower_bound,
    rcpsp_root_lp_bound,
    read_sm,
    serial_sgs,
    solve_rcpsp,
    verify_schedule,
)
from solver.rcpsp.cli import main
from solver.rcpsp.cliques import conflict_cliques
from solver.rcpsp.sgs import critical_path_bound, earliest_starts, priority_order, resource_bound
from solver.verify import Verification

REPO = Path(__file__).resolve().parents[2]
J30 = REPO / ".." / "shared" / "data" / "psplib" / "j30"
needs_j30 = pytest.mark.skipif(
    not J30.is_dir() and not os.environ.get("CI"), reason=f"PSPLIB data not found at {J30}"
)

# source, two parallel jobs sharing one unit of capacity, sink: optimum 5
TWO = RCPSPInstance("two", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()), ((0,), (1,), (1,), (0,)), (1,))


def j30(name: str) -> RCPSPInstance:
    return read_sm(J30 / name)


def optimum(name: str) -> int:
    for line in (J30 / "optimum.csv").read_text().splitlines()[1:]:
        problem, value = line.split(",")
        if problem == name:
            return int(value)
    raise KeyError(name)


# --- verifier ---------------------------------------------------------------------


def test_verify_accepts_a_feasible_schedule() -> None:
    assert verify_schedule(TWO, [0, 0, 2, 5]).ok
    assert verify_schedule(TWO, [0, 3, 0, 5]).ok


def test_verify_names_a_resource_overload() -> None:
    assert verify_schedule(TWO, [0, 1, 0, 5]).violations == (
        "resource R1 in period 1: use 2 > capacity 1 (jobs 2, 3)",
        "resource R1 in period 2: use 2 > capacity 1 (jobs 2, 3)",
    )


def test_verify_names_a_precedence_violation() -> None:
    (msg,) = verify_schedule(TWO, [0, 0, 2, 4]).violations
    assert msg == "precedence 3 -> 4: job 4 starts at 4 before job 3 finishes at 5"


def test_verify_rejects_wrong_length_and_negative_starts() -> None:
    assert verify_schedule(TWO, [0, 0, 2]).violations == ("schedule has 3 start times for 4 jobs",)
    assert verify_schedule(TWO, [0, -1, 2, 5]).violations == (
        "job 2 starts at -1, not a period >= 0",
    )


def test_verify_returns_the_plan_verifiers_type() -> None:
    # One result type for both verifiers: solver.verify.Verification(ok, violations).
    good, bad = verify_schedule(TWO, [0, 0, 2, 5]), verify_schedule(TWO, [0, 0, 2, 4])
    assert type(good) is Verification and type(bad) is Verification
    assert good == Verification(ok=True, violations=())
    assert not bad.ok and len(bad.violations) == 1


# --- heuristic and bounds ------------------------------------------------------------


def test_serial_sgs_respects_order_and_capacity() -> None:
    sched = serial_sgs(TWO, [0, 2, 1, 3])
    assert sched.starts == (0, 3, 0, 5) and sched.makespan == 5


def test_priority_order_is_precedence_feasible_even_with_adverse_keys() -> None:
    order = priority_order(TWO, [9.0, 0.0, 0.0, -5.0])
    assert order.index(3) == 3 and order[0] == 0


def test_bounds_on_two() -> None:
    assert critical_path_bound(TWO) == 3
    assert resource_bound(TWO) == 5
    assert lower_bound(TWO) == 5
    assert earliest_starts(TWO) == [0, 0, 0, 3]


def test_heuristic_is_seeded_and_reproducible() -> None:
    a = heuristic_schedule(TWO, seed=0)
    b = heuristic_schedule(TWO, seed=np.random.default_rng(0))
    assert a == b and a.makespan == 5


@needs_j30
@pytest.mark.parametrize("name", ["j301_1.sm", "j305_3.sm", "j3013_1.sm", "j3045_2.sm"])
def test_heuristic_and_bounds_bracket_the_published_optimum(name: str) -> None:
    inst = j30(name)
    sched = heuristic_schedule(inst, iterations=20)
    assert verify_schedule(inst, sched.starts).ok
    assert lower_bound(inst) <= optimum(name) <= sched.makespan


# --- formulations --------------------------------------------------------------------


@pytest.mark.parametrize("formulation", RCPSP_FORMULATIONS)
def test_encode_decode_round_trip(formulation: str) -> None:
    tim = build_rcpsp_model(TWO, horizon=6, formulation=formulation)
    for starts in [(0, 0, 2, 5), (0, 3, 0, 5), (0, 1, 3, 6)]:
        assert tim.decode(tim.encode(starts)) == starts


def test_encode_rejects_a_start_outside_the_window() -> None:
    tim = build_rcpsp_model(TWO, horizon=5)
    with pytest.raises(ValueError, match=r"job 2 starts at 4, outside \[0, 3\]"):
        tim.encode((0, 4, 0, 5))


def test_build_rejects_unknown_formulation_and_short_horizon() -> None:
    with pytest.raises(ValueError, match="unknown formulation 'weird'; choose one of step"):
        build_rcpsp_model(TWO, horizon=5, formulation="weird")
    with pytest.raises(ValueError, match="horizon 2 is below the critical path length 3"):
        build_rcpsp_model(TWO, horizon=2)


def test_conflict_cliques_cover_resource_and_precedence_conflicts() -> None:
    assert conflict_cliques(TWO) == [[1, 2]]
    chain = RCPSPInstance("c", (0, 1, 1, 0), ((1,), (2,), (3,), ()), ((0,), (1,), (1,), (0,)), (2,))
    assert conflict_cliques(chain) == [[1, 2]]  # precedence-related jobs never overlap


@needs_j30
def test_root_lp_bounds_order_and_validity() -> None:
    inst, opt = j30("j301_2.sm"), optimum("j301_2.sm")
    horizon = heuristic_schedule(inst).makespan
    lp = {
        f: rcpsp_root_lp_bound(
            build_rcpsp_model(inst, horizon=horizon, formulation=f, cliques=False)
        )
        for f in RCPSP_FORMULATIONS
    }
    # step and pulse are a unimodular change of variables of each other: same LP
    assert lp["step"] == pytest.approx(lp["pulse"], abs=1e-6)
    assert lp["aggregated"] <= lp["pulse"] + 1e-6
    assert max(lp.values()) <= opt + 1e-6
    with_cliques = rcpsp_root_lp_bound(build_rcpsp_model(inst, horizon=horizon, cliques=True))
    assert lp["step"] - 1e-6 <= with_cliques <= opt + 1e-6


# --- highspy backend -------------------------------------------------------------------


def test_every_highs_model_status_is_mapped() -> None:
    statuses = [
        getattr(highspy.HighsModelStatus, n)
        for n in dir(highspy.HighsModelStatus)
        if n.startswith("k")
    ]
    assert {map_status(s, False) for s in statuses} <= set(Status)
    assert map_status(highspy.HighsModelStatus.kOptimal, True) is Status.OPTIMAL
    assert map_status(highspy.HighsModelStatus.kInfeasible, False) is Status.INFEASIBLE
    assert map_status(highspy.HighsModelStatus.kUnbounded, False) is Status.UNBOUNDED
    assert map_status(highspy.HighsModelStatus.kTimeLimit, True) is Status.FEASIBLE
    assert map_status(highspy.HighsModelStatus.kTimeLimit, False) is Status.TIME_LIMIT
    assert map_status(highspy.HighsModelStatus.kInterrupt, True) is Status.FEASIBLE
    assert map_status(highspy.HighsModelStatus.kSolveError, True) is Status.ERROR


def test_highspy_solves_small_models() -> None:
    m = LinearModel("knap", maximize=True)
    x = [m.add_var(f"x{i}", ub=1, integer=True, obj=v) for i, v in enumerate((5.0, 4.0, 3.0))]
    m.add_row("cap", {x[0]: 2.0, x[1]: 3.0, x[2]: 1.0}, ub=3.0)
    sol = solve_highspy(m)
    assert sol.status is Status.OPTIMAL and sol.objective == pytest.approx(8.0)
    assert sol.bound == pytest.approx(8.0) and sol.backend == "highspy"
    m.add_row("need", {x[1]: 1.0}, lb=1.0)
    m.add_row("also", {x[0]: 1.0}, lb=1.0)
    assert solve_highspy(m).status is Status.INFEASIBLE


def test_highspy_unbounded_lp() -> None:
    m = LinearModel("unb", maximize=True)
    m.add_var("x", obj=1.0)
    assert solve_highspy(m).status in (Status.UNBOUNDED, Status.INFEASIBLE)


@needs_j30
def test_highspy_time_limit_keeps_the_mip_start_as_feasible() -> None:
    inst = j30("j3013_1.sm")
    sched = heuristic_schedule(inst, iterations=0)
    tim = build_rcpsp_model(inst, horizon=sched.makespan)
    sol = solve_highspy(tim.model, time_limit=0.5, start=tim.encode(sched.starts))
    assert sol.status is Status.FEASIBLE
    assert sol.objective is not None and sol.objective <= sched.makespan + 1e-6
    assert sol.bound is None or sol.bound < sol.objective
    assert verify_schedule(inst, tim.decode(sol.x)).ok


@needs_j30
def test_highspy_deadline_interrupts_before_the_time_limit() -> None:
    # the deadline guard stops HiGHS through its interrupt callbacks; the slack is
    # generous (a loaded machine), the point is the status and that 60 s are not used
    inst = j30("j3013_1.sm")
    sched = heuristic_schedule(inst, iterations=0)
    tim = build_rcpsp_model(inst, horizon=sched.makespan)
    t0 = time.perf_counter()
    sol = solve_highspy(
        tim.model, time_limit=60.0, start=tim.encode(sched.starts), deadline=t0 + 0.5
    )
    assert time.perf_counter() - t0 < 30.0
    assert sol.status is Status.FEASIBLE and "kInterrupt" in sol.message
    assert verify_schedule(inst, tim.decode(sol.x)).ok
    gone = solve_highspy(tim.model, time_limit=60.0, deadline=time.perf_counter() - 1.0)
    assert gone.status in (Status.TIME_LIMIT, Status.FEASIBLE) and "kInterrupt" in gone.message


# --- facade --------------------------------------------------------------------------


def test_solve_rejects_unknown_backend() -> None:
    with pytest.raises(ValueError, match="unknown backend 'gurobi'; choose one of highs, highspy"):
        solve_rcpsp(TWO, backend="gurobi")


@needs_j30
def test_time_limit_is_respected_on_a_hard_instance() -> None:
    # j3013_8 overran a 60 s limit by 20 s in HiGHS before the deadline guard;
    # a generous slack keeps this robust on a busy machine
    res = solve_rcpsp(j30("j3013_8.sm"), backend="highspy", time_limit=3.0)
    assert res.status is Status.FEASIBLE
    assert res.seconds < 3.0 + 10.0
    assert res.lower_bound <= optimum("j3013_8.sm") <= res.makespan


@needs_j30
def test_time_limited_solve_reports_feasible_with_bounds() -> None:
    res = solve_rcpsp(j30("j3013_1.sm"), backend="highspy", time_limit=1.0)
    assert res.status is Status.FEASIBLE
    assert res.lower_bound <= optimum("j3013_1.sm") <= res.makespan
    assert res.lower_bound < res.makespan and 0 < res.gap < 1
    assert verify_schedule(j30("j3013_1.sm"), res.schedule).ok


# --- CLI -------------------------------------------------------------------------------


@needs_j30
def test_cli_json_document_and_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([str(J30 / "j301_1.sm"), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["status"] == "optimal" and doc["makespan"] == 43 == doc["lower_bound"]
    assert isinstance(doc["seconds"], float)


@needs_j30
def test_cli_human_summary_and_exit_one_when_not_proven(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([str(J30 / "j3013_1.sm"), "--backend", "highspy", "--time-limit", "1"])
    out = capsys.readouterr().out
    assert code == 1
    assert "j3013_1.sm: feasible" in out and "makespan" in out and "lower bound" in out


def test_cli_malformed_file_exits_two_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "broken.sm"
    bad.write_text("jobs (incl. supersource/sink ):  x\n")
    proc = subprocess.run(
        [sys.executable, "-m", "solver.rcpsp.cli", str(bad), "--json"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert f"{bad}: line 1: expected an integer" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


@needs_j30
def test_cli_json_stdout_is_one_document_even_with_highspy() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "solver.rcpsp.cli", str(J30 / "j301_1.sm"), "--json",
         "--backend", "highspy", "--formulation", "pulse"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["makespan"] == 43


@pytest.mark.parametrize("backend", ["highs", "highspy", "cbc", "pulp-highs"])
def test_degenerate_instances_with_fixed_windows(backend: str) -> None:
    empty = RCPSPInstance("z", (0, 0, 0), ((1,), (2,), ()), ((0,), (0,), (0,)), (1,))
    res = solve_rcpsp(empty, backend=backend)
    assert (res.status, res.makespan, res.lower_bound, res.schedule) == (
        Status.OPTIMAL,
        0,
        0,
        (0, 0, 0),
    )
    chain = RCPSPInstance("one", (0, 3, 0), ((1,), (2,), ()), ((0,), (1,), (0,)), (1,))
    res = solve_rcpsp(chain, backend=backend)
    assert res.status is Status.OPTIMAL and res.schedule == (0, 0, 3)
