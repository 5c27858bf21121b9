"""A hand-solved 5-activity RCPSP: optimum 9, above both simple lower bounds (7).

Jobs (PSPLIB numbering; 1 and 7 are the dummy source and sink), one resource of
capacity 4::

    job  duration  demand  successors
     2      3        2       5
     3      2        3       5
     4      4        1       6
     5      2        3       7
     6      3        2       7

Lower bounds: the critical path 1-4-6-7 is 4 + 3 = 7; the energy bound is
(3*2 + 2*3 + 4*1 + 2*3 + 3*2) / 4 = 28 / 4 = 7.

Derivation of the optimum.  Pairs whose demands exceed 4 together cannot
overlap: 2-3 (5), 3-5 (6), 3-6 (5), 5-6 (5); 2-5 is a precedence.  Job 5 follows
2 and 3, which cannot overlap, so S5 >= 3 + 2 = 5; job 6 follows 4, so S6 >= 4.
Jobs 5 and 6 cannot overlap, so either
  (a) 6 before 5: S5 >= S6 + 3 >= 7, makespan >= S5 + 2 >= 9; or
  (b) 5 before 6: S6 >= S5 + 2 >= 7, makespan >= S6 + 3 >= 10.
Hence makespan >= 9, and 9 is reached (case a) by the starts
job 3 at 0, job 4 at 0, job 2 at 2, job 6 at 4, job 5 at 7, sink at 9:
period 0-1 use 3+1 = 4, period 2-3 use 2+1 = 3, period 4 use 2+2 = 4, periods
5-6 use 2, periods 7-8 use 3.  Ties exist (e.g. job 3 at 1), so the tests accept
any schedule of makespan 9 that the verifier accepts.
"""

from __future__ import annotations

import pytest

from solver.backends import Status, run_backend
from solver.rcpsp import (
    BACKENDS,
    RCPSP_FORMULATIONS,
    build_rcpsp_model,
    lower_bound,
    parse_sm,
    rcpsp_root_lp_bound,
    solve_rcpsp,
    verify_schedule,
)

TINY_SM = """\
************************************************************************
file with basedata            : tiny.bas
************************************************************************
projects                      :  1
jobs (incl. supersource/sink ):  7
horizon                       :  16
RESOURCES
  - renewable                 :  1   R
  - nonrenewable              :  0   N
  - doubly constrained        :  0   D
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          3           2   3   4
   2        1          1           5
   3        1          1           5
   4        1          1           6
   5        1          1           7
   6        1          1           7
   7        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1
------------------------------------------------------------------------
  1      1     0       0
  2      1     3       2
  3      1     2       3
  4      1     4       1
  5      1     2       3
  6      1     3       2
  7      1     0       0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1
    4
************************************************************************
"""

OPTIMUM = 9
HAND_SCHEDULE = (0, 2, 0, 0, 7, 4, 9)


@pytest.fixture(scope="module")
def tiny():
    return parse_sm(TINY_SM, name="tiny")


def test_simple_bounds_are_seven(tiny) -> None:
    assert lower_bound(tiny) == 7


def test_hand_schedule_is_feasible_and_the_one_step_shift_is_not(tiny) -> None:
    assert verify_schedule(tiny, HAND_SCHEDULE).ok
    shifted = (0, 2, 0, 0, 6, 4, 8)  # job 5 one period earlier overlaps job 6
    assert any("resource R1 in period 6" in p for p in verify_schedule(tiny, shifted).violations)


@pytest.mark.parametrize("formulation", RCPSP_FORMULATIONS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_every_formulation_and_backend_finds_nine(tiny, formulation: str, backend: str) -> None:
    res = solve_rcpsp(tiny, formulation=formulation, backend=backend)
    assert res.status is Status.OPTIMAL
    assert res.makespan == OPTIMUM and res.lower_bound == OPTIMUM
    assert verify_schedule(tiny, res.schedule).ok


@pytest.mark.parametrize("formulation", RCPSP_FORMULATIONS)
def test_mip_proves_nine_from_a_looser_horizon(tiny, formulation: str) -> None:
    # With horizon 12 the heuristic plays no part: the MIP itself must reach 9.
    tim = build_rcpsp_model(tiny, horizon=12, formulation=formulation)
    sol = run_backend(tim.model, "highs")
    assert sol.status is Status.OPTIMAL and sol.objective == pytest.approx(OPTIMUM)
    starts = tim.decode(sol.x)
    assert verify_schedule(tiny, starts).ok and starts[-1] == OPTIMUM
    assert rcpsp_root_lp_bound(tim) <= OPTIMUM + 1e-6
