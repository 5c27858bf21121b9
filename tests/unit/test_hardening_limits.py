"""Issue 16: the time limit is one deadline for the whole command, and the game-size guard.

No test here asserts a wall-clock duration (project rule); they assert the
structure: each stage is handed what is left of the one deadline, a stage
reached after it is skipped and named in ``Plan.cut``, a backend that does not
stop is stopped, and a game above the enumeration bound is refused by name.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import solver
import solver.model
from solver import pipeline
from solver.backends import Solution, Status, run_backend
from solver.backends.guard import needs_guard, solve_guarded
from solver.game.equilibria import (
    MAX_LEX_MEMORY,
    MAX_LEX_WORK,
    MAX_WORK,
    check_size,
    enumeration_work,
    equilibria,
    lex_memory_bytes,
    lex_work,
)
from solver.rcpsp.preemptive import FeasibleSets, OutOfTime
from solver.rcpsp.psplib import RCPSPInstance

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "fixtures" / "scenarios" / "small.toml"


def _small() -> solver.Scenario:
    return solver.load_scenario(SMALL)


def _expired(s: solver.Scenario, **kw: object) -> pipeline.Request:
    """A request whose 5 s limit started an hour ago."""
    return pipeline.check_args(s, time_limit=5.0, **kw).started(time.perf_counter() - 3600)  # type: ignore[arg-type]


# --- the deadline ------------------------------------------------------------------------


def test_a_started_request_hands_each_stage_what_is_left() -> None:
    req = pipeline.check_args(_small(), time_limit=50.0)
    assert req.left() == 50.0 and req.deadline is None  # not started: the whole limit
    now = time.perf_counter()
    started = req.started(now - 20.0)
    assert started.started() is started  # starting twice keeps the first start
    left = started.left()
    assert left is not None and 29.0 < left <= 30.0
    assert started.budget() == pytest.approx(left, abs=1.0)
    assert _expired(_small()).expired()
    assert _expired(_small()).budget() == pipeline.MIN_STAGE_SECONDS
    assert pipeline.check_args(_small()).started().budget() is None  # no limit, no deadline


def test_every_leximin_level_gets_the_remaining_budget() -> None:
    s = _small()
    req = pipeline.check_args(s, time_limit=100.0).started()
    built = pipeline.build(s, req)
    limits: list[float | None] = []

    def solve(model: solver.model.LinearModel, limit: float | None, start: object) -> Solution:
        limits.append(limit)
        return run_backend(model, "highs", time_limit=limit)

    plan = pipeline.leximin_round(built, req, 0.0, solve=solve)
    assert plan.status is Status.OPTIMAL and plan.cut == ()
    assert len(limits) == s.phases + 1  # K levels and the tie-break stage
    assert all(x is not None and x <= 100.0 for x in limits)
    assert all(a >= b for a, b in itertools.pairwise(limits))  # shrinking


def test_a_solve_started_after_its_deadline_skips_the_build_and_says_so() -> None:
    s = _small()
    plan = pipeline.solve_request(s, _expired(s, ranges=True))
    assert plan.status is Status.TIME_LIMIT and plan.schedule is None
    assert plan.cut == ("build",)
    assert "solve" not in plan.timings and "build" not in plan.timings
    assert "before the build stage" in plan.message
    doc = plan.to_dict()
    assert doc["status"] == "time_limit" and doc["cut"] == ["build"]


def test_the_incentive_loop_reports_a_round_cut_by_the_deadline() -> None:
    s = _small()
    plan = pipeline.solve_request(s, _expired(s, require_ic=True))
    assert plan.status is Status.TIME_LIMIT
    assert plan.cut == ("build",)
    assert any("time limit reached" in line for line in plan.explanation)


def test_ranges_reached_after_the_deadline_are_skipped_and_marked_incomplete() -> None:
    s = _small()
    plan = solver.solve(s)
    assert plan.status is Status.OPTIMAL
    cut = pipeline.add_ranges(plan, _expired(s))
    assert cut.phase_range is None and cut.ranges_complete is False
    assert cut.cut == ("ranges",) and "phase ranges skipped: time limit" in cut.message
    assert cut.to_dict()["phase_range_complete"] is False
    full = pipeline.add_ranges(plan, pipeline.check_args(s, time_limit=60.0).started())
    assert full.ranges_complete is True and full.cut == ()


def test_cli_counts_reading_the_scenario_and_exits_1_with_time_limit(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    cmd = [sys.executable, "-m", "solver.cli", "solve", str(SMALL), "--time-limit", "1e-9",
           "--json", "--out", str(out)]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(out.read_text())
    assert doc["status"] == "time_limit" and doc["cut"] == ["build"]
    assert "Traceback" not in proc.stderr


# --- the backend guard -------------------------------------------------------------------


def _overrunning(model: solver.model.LinearModel, *, time_limit: float | None = None) -> Solution:
    """A solver that ignores its limit (what HiGHS's presolve did on 12.8M nonzeros)."""
    time.sleep(600)
    raise AssertionError("not reached")


def test_a_backend_that_does_not_stop_is_stopped_with_time_limit() -> None:
    m = solver.model.LinearModel("toy")
    m.add_var("x", ub=1.0)
    sol = solve_guarded(_overrunning, m, 0.05, backend="cbc", grace=0.05)
    assert sol.status is Status.TIME_LIMIT and sol.x is None
    assert "did not stop at its time limit of 0.05 s" in sol.message


def test_a_guarded_solve_gives_the_same_answer() -> None:
    s = _small()
    built = pipeline.build(s, pipeline.check_args(s, objective="maxmin"))
    plain = run_backend(built.model, "highs")
    assert needs_guard(built.model, 30.0, "cbc") and not needs_guard(built.model, 30.0, "highs")
    from solver.backends import solver_for

    guarded = solve_guarded(solver_for("highs"), built.model, 30.0, backend="highs")
    assert guarded.status is plain.status is Status.OPTIMAL
    assert guarded.objective == pytest.approx(plain.objective, rel=1e-9)
    assert run_backend(built.model, "cbc", time_limit=30.0).objective == pytest.approx(
        plain.objective, rel=1e-6
    )


# --- RCPSP: the feasible-set test gives up at its deadline (never a false refutation) ------


def test_an_enumeration_stopped_by_its_deadline_is_not_cached() -> None:
    # 14 unrelated unit jobs on a capacity of 7: C(14, 7) maximal sets, many steps
    n = 14
    succ = (tuple(range(1, n + 1)), *[(n + 1,)] * n, ())
    inst = RCPSPInstance("wide", (0, *[1] * n, 0), succ, ((0,), *[(1,)] * n, (0,)), (7,))
    sets = FeasibleSets(inst, max_sets=10**6)
    every = sum(1 << j for j in range(1, n + 1))
    with pytest.raises(OutOfTime):
        sets.maximal(every, 0, deadline=time.perf_counter() - 1.0)
    found = sets.maximal(every, 0)
    assert found is not None and len(found) == 3432  # C(14, 7): computed, not the give-up


# --- the game-size guard -----------------------------------------------------------------


def _nfg(path: Path, m: int, n: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    pay = rng.integers(-9, 10, size=(n, m, 2))  # payoff list: row strategy varies fastest
    body = " ".join(f"{a} {b}" for a, b in pay.reshape(-1, 2))
    path.write_text(f'NFG 1 R "g" {{ "A" "B" }} {{ {m} {n} }}\n{body}\n')
    return path


def _game(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "solver.cli", "game", str(path), "--json", *extra]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_bounds_are_between_the_shapes_they_name() -> None:
    # method="lex" (default): worst-case work and memory from the upper bound theorem
    assert lex_work(15, 15) <= MAX_LEX_WORK < lex_work(16, 16)
    assert lex_memory_bytes(15, 15) <= MAX_LEX_MEMORY < lex_memory_bytes(16, 16)
    assert lex_work(2, 300) <= MAX_LEX_WORK < lex_work(2, 400)
    check_size(15, 15)
    check_size(12, 12)
    # method="bases" (the cross-check): every basis
    assert enumeration_work(10, 10) <= MAX_WORK < enumeration_work(10, 11)
    assert enumeration_work(2, 61) <= MAX_WORK < enumeration_work(2, 64)
    assert enumeration_work(12, 12) > MAX_WORK
    check_size(10, 10, method="bases")


@pytest.mark.parametrize(("m", "n"), [(16, 16), (2, 400)])
def test_a_game_above_the_bound_is_refused_naming_file_sizes_and_bound(
    tmp_path: Path, m: int, n: int
) -> None:
    path = _nfg(tmp_path / f"g{m}x{n}.nfg", m, n)
    proc = _game(path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert str(path) in proc.stderr and f"a {m} x {n} game" in proc.stderr
    assert f"above the bounds of {MAX_LEX_WORK:g} and" in proc.stderr
    assert "Traceback" not in proc.stderr
    with pytest.raises(ValueError, match="above the bounds"):
        equilibria(np.zeros((m, n)), np.zeros((m, n)))


@pytest.mark.parametrize(("m", "n"), [(12, 12), (2, 64)])
def test_the_bases_method_refuses_above_its_own_bound(tmp_path: Path, m: int, n: int) -> None:
    path = _nfg(tmp_path / f"g{m}x{n}.nfg", m, n)
    proc = _game(path, "--method", "bases")
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"a {m} x {n} game" in proc.stderr and f"above the bound of {MAX_WORK:g}" in proc.stderr
    with pytest.raises(ValueError, match="above the bound"):
        equilibria(np.zeros((m, n)), np.zeros((m, n)), method="bases")


@pytest.mark.parametrize(("m", "n", "extra"), [(12, 12, ()), (2, 61, ("--method", "bases"))])
def test_a_game_below_the_bound_is_solved(tmp_path: Path, m: int, n: int, extra: tuple) -> None:
    path = _nfg(tmp_path / f"g{m}x{n}.nfg", m, n)
    proc = _game(path, *extra)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["equilibria"]  # every finite game has one


# --- relief bench: atomic results, no temporaries, no worker left -------------------------


def _workers_of(tmp_root: Path) -> list[Path]:
    return sorted(tmp_root.glob("relief-bench-*"))


def test_sigterm_of_a_bench_leaves_results_and_temporaries_as_they_were(tmp_path: Path) -> None:
    from tests.unit.test_hardening_files import wait_for_sigterm_handler

    out = tmp_path / "out"
    out.mkdir()
    (out / "results.csv").write_text("old results\n")
    tmp_root = tmp_path / "tmp"
    tmp_root.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp_root)}
    cmd = [sys.executable, "-m", "solver.cli", "bench", "--suite", "relief", "--sizes", "large",
           "--backends", "cbc", "--time-limit", "600", "--out", str(out)]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for_sigterm_handler(proc)
    deadline = time.monotonic() + 120  # a hang guard, not a timing
    while not _workers_of(tmp_root) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _workers_of(tmp_root), "the worker's temporary folder never appeared"
    worker_tmp = _workers_of(tmp_root)[0]
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err.decode()
    assert b"interrupted" in err and b"Traceback" not in err
    assert (out / "results.csv").read_text() == "old results\n"
    assert sorted(p.name for p in out.iterdir()) == ["results.csv"]
    assert not worker_tmp.exists() and _workers_of(tmp_root) == []
    assert _still_running(str(worker_tmp)) == []  # the worker and its CBC are gone


def _processes_with(text: str) -> list[int]:
    """Pids whose environment mentions ``text`` (the worker has it as TMPDIR)."""
    found = []
    for env in Path("/proc").glob("[0-9]*/environ"):
        try:
            if text.encode() in env.read_bytes():
                found.append(int(env.parent.name))
        except OSError:
            continue
    return found


def _still_running(text: str, settle: float = 10.0) -> list[int]:
    """:func:`_processes_with` once the killed ones have had ``settle`` seconds to exit.

    A SIGKILLed process on a loaded machine can take a moment to go; what this
    asks is that none is left running, not how fast they die.
    """
    deadline = time.monotonic() + settle
    found = _processes_with(text)
    while found and time.monotonic() < deadline:
        time.sleep(0.1)
        found = _processes_with(text)
    return found


def test_bench_writes_every_file_at_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "solver.cli", "bench", "--suite", "relief", "--sizes", "small",
           "--formulations", "step", "--backends", "highs", "--time-limit", "30", "--out",
           str(out)]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["results.csv", "results.md", "root_gap.png", "time.png"]
    assert (out / "results.csv").read_text().startswith("instance,")
