"""Unit tests for the PSPLIB ``.sm`` reader (solver.rcpsp.psplib)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from solver.rcpsp.psplib import PSPLIBError, RCPSPInstance, parse_sm, read_sm

J30 = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "psplib" / "j30"
needs_j30 = pytest.mark.skipif(
    not J30.is_dir() and not os.environ.get("CI"), reason=f"PSPLIB data not found at {J30}"
)

STAR = "*" * 72


def make_sm(
    durations: list[int],
    successors: list[list[int]],
    demands: list[list[int]],
    capacities: list[int],
) -> str:
    """Write an instance in PSPLIB ``.sm`` layout (1-based job numbers in ``successors``)."""
    n, k = len(durations), len(capacities)
    head = [
        STAR,
        "file with basedata            : test.bas",
        STAR,
        "projects                      :  1",
        f"jobs (incl. supersource/sink ):  {n}",
        "horizon                       :  99",
        "RESOURCES",
        f"  - renewable                 :  {k}   R",
        "  - nonrenewable              :  0   N",
        "  - doubly constrained        :  0   D",
        STAR,
        "PRECEDENCE RELATIONS:",
        "jobnr.    #modes  #successors   successors",
    ]
    prec = [
        f"   {j + 1}        1          {len(s)}      " + "   ".join(map(str, s))
        for j, s in enumerate(successors)
    ]
    res_head = "  ".join(f"R {r + 1}" for r in range(k))
    req = [STAR, "REQUESTS/DURATIONS:", f"jobnr. mode duration  {res_head}", "-" * 72]
    req += [
        f"  {j + 1}      1     {d}       " + "    ".join(map(str, q))
        for j, (d, q) in enumerate(zip(durations, demands, strict=True))
    ]
    tail = [
        STAR,
        "RESOURCEAVAILABILITIES:",
        "  " + res_head,
        "   " + "   ".join(map(str, capacities)),
        STAR,
    ]
    return "\n".join(head + prec + req + tail) + "\n"


def tiny_text(**changes: object) -> str:
    """A valid 4-job instance, with keyword overrides of make_sm's arguments."""
    args: dict[str, object] = {
        "durations": [0, 2, 3, 0],
        "successors": [[2, 3], [4], [4], []],
        "demands": [[0], [1], [1], [0]],
        "capacities": [1],
    }
    args.update(changes)
    return make_sm(**args)  # type: ignore[arg-type]


def test_parse_tiny_instance() -> None:
    inst = parse_sm(tiny_text(), name="tiny")
    assert inst == RCPSPInstance(
        "tiny", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()), ((0,), (1,), (1,), (0,)), (1,)
    )
    assert inst.predecessors == ((), (0,), (0,), (1, 2))
    assert inst.arcs == [(0, 1), (0, 2), (1, 3), (2, 3)]


@needs_j30
def test_read_j301_1_matches_the_file() -> None:
    inst = read_sm(J30 / "j301_1.sm")
    assert inst.name == "j301_1.sm"
    assert inst.n_jobs == 32 and inst.n_resources == 4
    assert inst.capacities == (12, 13, 4, 12)
    assert inst.successors[0] == (1, 2, 3)  # job 1 -> jobs 2 3 4
    assert inst.successors[7] == (11, 18, 26)  # job 8 -> 12 19 27
    assert inst.durations[1] == 8 and inst.demands[1] == (4, 0, 0, 0)
    assert inst.durations[-1] == 0 and inst.successors[-1] == ()


@needs_j30
def test_read_all_j30_files() -> None:
    files = sorted(J30.glob("*.sm"))
    assert len(files) == 480
    for f in files:
        inst = read_sm(f)
        assert inst.n_jobs == 32


def test_instance_is_frozen() -> None:
    inst = parse_sm(tiny_text())
    with pytest.raises(AttributeError):
        inst.durations = (1,)  # type: ignore[misc]


def test_error_is_a_value_error() -> None:
    assert issubclass(PSPLIBError, ValueError)


def sub(old: str, new: str) -> str:
    """The tiny instance's text with one substring replaced (it must occur)."""
    text = tiny_text()
    assert old in text
    return text.replace(old, new)


JOBS_LINE = "jobs (incl. supersource/sink ):  4"
NONRENEWABLE = "  - nonrenewable              :  "
BAD_CAPS = tiny_text().split("RESOURCEAVAILABILITIES")[0] + "RESOURCEAVAILABILITIES:\n R 1\n 1 1\n"
MALFORMED = [
    (sub("REQUESTS/DURATIONS:", "REQUESTS:"), "no line starting with 'REQUESTS/DURATIONS'"),
    (sub(JOBS_LINE, JOBS_LINE[:-1] + "x"), "line 5: expected an integer"),
    (tiny_text(successors=[[2, 3], [9], [4], []]), r"line 15: job 2 has successor 9, not a job"),
    (
        tiny_text(successors=[[2, 3], [3, 4], [2, 4], []]),
        r"the precedence relations contain a cycle; jobs on or after it: \[2, 3, 4\]",
    ),
    (tiny_text(successors=[[2, 3], [4], [4], [1]]), r"the precedence relations contain a cycle"),
    (tiny_text(successors=[[2], [4], [4], []]), "job 3 has no predecessor"),
    (tiny_text(successors=[[2, 3], [4], [], []]), "job 3 has no successor"),
    (
        tiny_text(demands=[[0], [2], [1], [0]]),
        "job 2 demands 2 of resource R1, above its capacity 1",
    ),
    (tiny_text(durations=[0, -2, 3, 0]), "line 23: job 2 has a negative duration"),
    (sub("  3      1     3", "  3      2     3"), "line 24: job 3 has mode 2; a single-mode file"),
    (sub("   2        1 ", "   2        2 "), "line 15: job 2 has 2 modes; only single-mode"),
    (sub("   1        1          2", "   1        1          3"), "line 14: job 1 declares 3 succ"),
    (sub("  2      1     2", "  2      1     two"), "line 23: expected integers for the request"),
    (sub(NONRENEWABLE + "0", NONRENEWABLE + "1"), "line 9: nonrenewable resources are not supp"),
    (
        tiny_text().split("RESOURCEAVAILABILITIES")[0],
        "no line starting with 'RESOURCEAVAILABILITIES'",
    ),
    (BAD_CAPS, r"line \d+: expected 1 capacities, got 2"),
    (tiny_text().split("   2        1")[0], "file ends before the precedence line of job 2"),
]


@pytest.mark.parametrize(("text", "match"), MALFORMED)
def test_malformed_files_name_file_line_and_problem(text: str, match: str) -> None:
    with pytest.raises(PSPLIBError, match=r"^x\.sm: " + match):
        parse_sm(text, source="x.sm")


def test_unreadable_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sm"
    with pytest.raises(PSPLIBError, match=r"nope\.sm: cannot read file"):
        read_sm(missing)


def test_read_sm_reports_path_in_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sm"
    bad.write_text(tiny_text(demands=[[0], [5], [1], [0]]))
    with pytest.raises(PSPLIBError, match=rf"^{bad}: job 2 demands 5"):
        read_sm(bad)
