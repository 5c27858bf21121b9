"""The CP-SAT RCPSP engine: hand-solved instances, PSPLIB j30 known answers, the CLI.

Published optimal makespans come from ``optimum.csv`` beside the instances
(Kolisch and Sprecher 1996, PSPLIB); the full runs are ``benchmarks/psplib_j30.py
--engine cpsat`` and ``benchmarks/psplib_j60.py --engine cpsat``.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from solver.backends import Status
from solver.cli import main
from solver.rcpsp import RCPSPInstance, read_sm, solve_rcpsp, verify_schedule
from solver.rcpsp.cpsat import build_cpsat_model, longest_paths, solve_rcpsp_cpsat

ROOT = Path(__file__).resolve().parents[2]
J30 = ROOT.parent / "shared" / "data" / "psplib" / "j30"
needs_psplib = pytest.mark.skipif(
    not J30.is_dir() and not os.environ.get("CI"), reason=f"PSPLIB data not found at {J30}"
)

# Hand-solved instances (job 0 the source, the last job the sink).
# Two jobs of 2 and 3 periods that both need the single unit of R1: 5.
SERIAL = RCPSPInstance("serial", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
                       ((0,), (1,), (1,), (0,)), (1,))  # fmt: skip
# The same jobs with capacity 2: they run side by side, 3.
PARALLEL = RCPSPInstance("parallel", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
                         ((0,), (1,), (1,), (0,)), (2,))  # fmt: skip
# A chain 1 -> 2 plus a job 3 that conflicts with both on R1 (capacity 1):
# 1 (2) and 2 (2) in sequence, 3 (3) before or after: 7.
CHAIN = RCPSPInstance(
    "chain", (0, 2, 2, 3, 0), ((1, 3), (2,), (4,), (4,), ()),
    ((0,), (1,), (1,), (1,), (0,)), (1,),
)  # fmt: skip
# Two resources: jobs a (3, uses R1), b (3, uses R2), c (2, uses R1 and R2);
# a and b run together, c cannot overlap either: 5.
TWO = RCPSPInstance(
    "two", (0, 3, 3, 2, 0), ((1, 2, 3), (4,), (4,), (4,), ()),
    ((0, 0), (1, 0), (0, 1), (1, 1), (0, 0)), (1, 1),
)  # fmt: skip


@pytest.mark.parametrize(("inst", "optimum"), [(SERIAL, 5), (PARALLEL, 3), (CHAIN, 7), (TWO, 5)])
@pytest.mark.parametrize("aids", [True, False])
def test_hand_solved_instances(inst: RCPSPInstance, optimum: int, aids: bool) -> None:
    res = solve_rcpsp_cpsat(inst, workers=1, aids=aids)
    assert res.status is Status.OPTIMAL
    assert res.makespan == res.lower_bound == optimum
    assert verify_schedule(inst, res.schedule).ok
    assert res.engine == "cpsat" and res.workers == 1 and res.formulation == "interval"


def test_model_refuses_a_horizon_below_the_bound() -> None:
    with pytest.raises(ValueError, match="below the lower bound"):
        build_cpsat_model(CHAIN, 6)


def test_precedence_closure_distances() -> None:
    dist = longest_paths(CHAIN)
    assert dist[(0, 4)] == 4  # 0 -> 1 -> 2 -> 4: 2 + 2 (the longest path)
    assert dist[(1, 2)] == 2 and (2, 1) not in dist


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_bad_workers_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="workers"):
        solve_rcpsp_cpsat(SERIAL, workers=bad)  # type: ignore[arg-type]


def test_workers_only_with_the_cpsat_engine() -> None:
    with pytest.raises(ValueError, match="CP-SAT engine only"):
        solve_rcpsp(SERIAL, workers=2)
    with pytest.raises(ValueError, match="unknown engine"):
        solve_rcpsp(SERIAL, engine="cp")


def published() -> dict[str, int]:
    with (J30 / "optimum.csv").open(newline="") as fh:
        return {r["problem"]: int(r["optimum"]) for r in csv.DictReader(fh)}


# A few j30 instances across resource strengths, two of them hard for the MIP
# engine (j3013_4, j3025_2 took it 5-18 s); CP-SAT with its bounds proves each.
@needs_psplib
@pytest.mark.parametrize("name", ["j301_1.sm", "j3010_1.sm", "j3013_4.sm", "j3025_2.sm",
                                  "j3045_4.sm"])  # fmt: skip
def test_cpsat_matches_published_optimum(name: str) -> None:
    inst = read_sm(J30 / name)
    res = solve_rcpsp(inst, engine="cpsat", time_limit=60)
    assert verify_schedule(inst, res.schedule).ok
    assert res.status is Status.OPTIMAL, res.message
    assert res.makespan == published()[name] == res.lower_bound


@needs_psplib
def test_cpsat_without_aids_never_passes_the_optimum() -> None:
    inst = read_sm(J30 / "j3029_3.sm")  # optimum 78: CP-SAT alone does not prove it in 2 s
    res = solve_rcpsp_cpsat(inst, time_limit=2, aids=False)
    assert res.lower_bound <= 78 <= res.makespan
    assert verify_schedule(inst, res.schedule).ok
    if res.status is not Status.OPTIMAL:
        assert res.status is Status.FEASIBLE and "time limit" in res.message


def _sm(tmp_path: Path) -> Path:
    text = (J30 / "j301_1.sm").read_text() if J30.is_dir() else None
    if text is None:
        pytest.skip("PSPLIB data not found")
    f = tmp_path / "j301_1.sm"
    f.write_text(text)
    return f


@needs_psplib
def test_cli_json_parses(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "solver.cli", "rcpsp", str(_sm(tmp_path)), "--engine", "cpsat",
         "--workers", "1", "--time-limit", "30", "--json"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["status"] == "optimal" and doc["makespan"] == doc["lower_bound"] == 43
    assert doc["engine"] == "cpsat" and doc["workers"] == 1 and doc["backend"] == "cpsat"
    assert len(doc["schedule"]) == 32


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--engine", "cpsat", "--workers", "0"], "--workers: 0 is not a number of CP-SAT"),
        (["--engine", "cpsat", "--workers", "two"], "'two' is not a number of CP-SAT"),
        (["--workers", "2"], "applies to --engine cpsat only"),
        (["--engine", "cpsat", "--time-limit", "0"], "must be a positive number of seconds"),
    ],
)
def test_cli_bad_options_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                args: list[str], needle: str) -> None:  # fmt: skip
    f = tmp_path / "x.sm"
    f.write_text("not read before the options are checked\n")
    try:
        code = main(["rcpsp", str(f), *args])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err
    assert "Traceback" not in err
