"""Shared body of ``benchmarks/psplib_j30.py`` and ``benchmarks/psplib_j60.py``.

Each script solves PSPLIB instances one at a time in one process, checks every
answer inside the timed loop (the schedule with
:func:`solver.rcpsp.verify_schedule`, the makespan and the lower bound against
the published optimum or bounds) and writes one CSV row per instance, flushed
as it goes, so that a partial run leaves usable figures.

Published references: ``optimum.csv`` beside the instances (``problem,optimum``;
``lb..ub`` or ``..ub`` for an open instance) and, for j60, the shipped table
``benchmarks/data/psplib_j60_bounds.csv`` (its header names its source).  Where
both give bounds the tighter pair is used; a conflict between them stops the run.
An answer **contradicts** a reference when its makespan is below the published
lower bound or its proven lower bound is above the published upper bound.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from solver.backends.highspy_direct import quiet_stdout  # noqa: E402
from solver.rcpsp import read_sm, solve_rcpsp, verify_schedule  # noqa: E402

FIELDS = [
    "problem", "published", "published_lb", "published_ub", "engine", "status", "makespan",
    "lower_bound", "heuristic", "root_lp_bound", "nodes", "seconds", "verified", "proven",
    "proven_at_optimum", "below_published", "bound_above_published", "closes_open",
    "message",
]  # fmt: skip

Bounds = dict[str, tuple[int | None, int]]
"""Instance file name -> (published lower bound or None, published upper bound)."""


def interleaved_key(name: str) -> tuple[int, ...]:
    """Order ``j30G_I.sm`` by instance index ``I``, then parameter group ``G``.

    The first 48 instances then cover every parameter group once, so a run cut
    short (or ``--limit``) is still a sample across all groups.
    """
    m = re.match(r"j(?:30|60|90|120)(\d+)_(\d+)", name)
    if m is None:
        return (1 << 30, 0)
    return int(m.group(2)), int(m.group(1))


def _bound_pair(text: str, where: str) -> tuple[int | None, int]:
    text = text.strip()
    if ".." in text:
        lo, _, hi = text.partition("..")
        return (int(lo) if lo.strip() else None), int(hi)
    if not text.isdigit():
        raise ValueError(f"{where}: {text!r} is neither an optimum nor 'lb..ub'")
    return int(text), int(text)


def read_optimum_csv(path: Path) -> Bounds:
    """Published optima (``lb == ub``) and bounds from a PSPLIB ``optimum.csv``.

    Parameters
    ----------
    path : Path
        ``problem,optimum`` with ``optimum`` an integer, ``lb..ub`` or ``..ub``.

    Returns
    -------
    dict
        Instance -> (lower bound or ``None``, upper bound).
    """
    with path.open(newline="") as fh:
        return {
            r["problem"]: _bound_pair(r["optimum"], f"{path}: {r['problem']}")
            for r in csv.DictReader(fh)
        }


def read_bounds_table(path: Path) -> Bounds:
    """The shipped bounds table (``#`` header lines, then ``problem,lower_bound,upper_bound,...``).

    Parameters
    ----------
    path : Path
        For example ``benchmarks/data/psplib_j60_bounds.csv``.

    Returns
    -------
    dict
        Instance -> (lower bound, upper bound).
    """
    with path.open(newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return {
        r["problem"]: (int(r["lower_bound"]), int(r["upper_bound"])) for r in csv.DictReader(lines)
    }


def merge(a: Bounds, b: Bounds, names: tuple[str, str]) -> Bounds:
    """The tighter bounds of two tables; refuse a conflict (one's lower above the other's upper)."""
    out: Bounds = {}
    for key in sorted(set(a) | set(b)):
        pairs = [p for p in (a.get(key), b.get(key)) if p is not None]
        lows = [lo for lo, _ in pairs if lo is not None]
        lo = max(lows) if lows else None
        hi = min(hi for _, hi in pairs)
        if lo is not None and lo > hi:
            raise SystemExit(
                f"{key}: the published tables conflict ({names[0]}: {a.get(key)}, "
                f"{names[1]}: {b.get(key)})"
            )
        out[key] = (lo, hi)
    return out


def published_text(lo: int | None, hi: int) -> str:
    """``"43"`` for a known optimum, ``"82..87"`` (or ``"..87"``) for an open instance."""
    if lo == hi:
        return str(hi)
    return f"{'' if lo is None else lo}..{hi}"


def run_one(path: Path, ref: tuple[int | None, int], args: argparse.Namespace) -> dict[str, object]:
    """Solve one instance and check the answer against the instance and the references."""
    inst = read_sm(path)
    kw: dict[str, object] = {"time_limit": args.time_limit, "engine": args.engine}
    if args.engine == "cpsat":
        kw["workers"] = args.workers
    else:
        kw.update(formulation=args.formulation, backend=args.backend)
    with quiet_stdout():
        res = solve_rcpsp(inst, **kw)  # type: ignore[arg-type]
    verified = verify_schedule(inst, list(res.schedule)).ok
    lo, hi = ref
    proven = res.status.value == "optimal"
    return {
        "problem": path.name,
        "published": published_text(lo, hi),
        "published_lb": lo,
        "published_ub": hi,
        "engine": res.engine,
        "status": res.status.value,
        "makespan": res.makespan,
        "lower_bound": res.lower_bound,
        "heuristic": res.heuristic_makespan,
        "root_lp_bound": None if res.root_lp_bound is None else round(res.root_lp_bound, 4),
        "nodes": res.nodes,
        "seconds": round(res.seconds, 3),
        "verified": verified,
        "proven": proven,
        "proven_at_optimum": proven and lo == hi == res.makespan,
        "below_published": lo is not None and res.makespan < lo,
        "bound_above_published": res.lower_bound > hi,
        "closes_open": proven and lo != hi,
        "message": res.message,
    }


def _line(row: dict[str, object]) -> str:
    flag = ""
    if row["below_published"] or row["bound_above_published"]:
        flag = "  CONTRADICTS THE PUBLISHED BOUNDS"
    elif not row["verified"]:
        flag = "  SCHEDULE REJECTED"
    elif row["closes_open"]:
        flag = "  closes a published open instance"
    return (
        f"published {row['published']} -> {row['status']} {row['makespan']}"
        f" (lb {row['lower_bound']}), {row['seconds']} s{flag}"
    )


def summarize(rows: list[dict[str, object]]) -> str:
    """The figures the validation goals are stated in."""
    n = len(rows)
    if n == 0:
        return "no instances run"
    closed = [r for r in rows if r["published_lb"] == r["published_ub"]]
    proven = sum(bool(r["proven"]) for r in rows)
    at_opt = sum(bool(r["proven_at_optimum"]) for r in rows)
    secs = [float(str(r["seconds"])) for r in rows]
    under = {lim: sum(s <= lim for s in secs) for lim in (1, 10, 60)}

    def count(key: str) -> int:
        return sum(bool(r[key]) for r in rows)

    return "\n".join(
        [
            f"instances              {n} ({len(closed)} with a published optimum)",
            f"proven optimal                         {proven} ({proven / n:.1%})",
            f"proven optimal at the published value  {at_opt} of {len(closed)}",
            f"closing a published open instance      {count('closes_open')}",
            f"makespan below a published lower bound {count('below_published')}",
            f"lower bound above a published upper    {count('bound_above_published')}",
            f"schedules failing verify_schedule      {sum(not r['verified'] for r in rows)}",
            f"seconds: median {statistics.median(secs):.2f}, mean {statistics.mean(secs):.2f}, "
            f"max {max(secs):.2f}, total {sum(secs):.0f}; "
            f"{under[1]} within 1 s, {under[10]} within 10 s, {under[60]} within 60 s",
            f"heuristic at the published upper bound "
            f"{sum(r['heuristic'] == r['published_ub'] for r in rows)}",
            "not proven: "
            + (
                ", ".join(
                    f"{str(r['problem']).removesuffix('.sm')} ({r['lower_bound']}..{r['makespan']}"
                    f" vs {r['published']})"
                    for r in rows
                    if not r["proven"]
                )
                or "none"
            ),
        ]
    )


def positive_int(text: str) -> int:
    """``--workers``: a positive integer."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return value


def parser(description: str, data: str, out: str) -> argparse.ArgumentParser:
    """The options both scripts take."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "psplib" / data,
                    help="folder of .sm files (with optimum.csv)")  # fmt: skip
    ap.add_argument("--limit", type=int, default=None,
                    help="first N instances (interleaved over parameter groups)")  # fmt: skip
    ap.add_argument("--only", default=None,
                    help="comma-separated instance names (e.g. j3013_4,j3025_2)")  # fmt: skip
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--engine", choices=("mip", "cpsat"), default="mip")
    ap.add_argument("--workers", type=positive_int, default=None,
                    help="CP-SAT search workers (default: the machine's cores)")  # fmt: skip
    ap.add_argument("--formulation", default="step")
    ap.add_argument("--backend", default="highspy")
    ap.add_argument("--out", type=Path, default=None,
                    help=f"CSV (default benchmarks/out/{out}[_cpsat].csv)")  # fmt: skip
    return ap


def main_loop(
    args: argparse.Namespace,
    ap: argparse.ArgumentParser,
    refs: Bounds,
    out_stem: str,
    extra: Callable[[list[str]], int] | None = None,
) -> int:
    """Pick the instances, run them, write the CSV and the summary; exit 1 on a contradiction."""
    if args.workers is not None and args.engine != "cpsat":
        ap.error("--workers applies to --engine cpsat only")
    if args.out is None:
        name = out_stem if args.engine == "mip" else f"{out_stem}_{args.engine}"
        args.out = REPO / "benchmarks" / "out" / f"{name}.csv"
    files = {p.name for p in args.data.glob("*.sm")}
    missing = sorted(files - set(refs))
    if missing:
        ap.error(f"no published optimum or bounds for {', '.join(missing[:5])} ...")
    names = sorted(files, key=interleaved_key)
    if args.only:
        wanted = {n.strip().removesuffix(".sm") + ".sm" for n in args.only.split(",")}
        unknown = sorted(wanted - set(names))
        if unknown:
            ap.error(f"--only: no instance {', '.join(unknown)} in {args.data}")
        names = [n for n in names if n in wanted]
    names = names[: args.limit]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if extra is not None:
        return extra(names)
    rows: list[dict[str, object]] = []
    with args.out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for k, name in enumerate(names, 1):
            row = run_one(args.data / name, refs[name], args)
            rows.append(row)
            writer.writerow(row)
            fh.flush()
            print(f"[{k}/{len(names)}] {name}:", _line(row), flush=True)
    print(summarize(rows))
    bad = any(r["below_published"] or r["bound_above_published"] or not r["verified"] for r in rows)
    return 1 if bad else 0
