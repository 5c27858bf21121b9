"""Validate the RCPSP solver on PSPLIB j30 against the published optimal makespans.

Usage::

    python benchmarks/psplib_j30.py [--limit N] [--only NAMES] [--time-limit S]
        [--formulation step] [--backend highspy] [--data DIR] [--out CSV]
    python benchmarks/psplib_j30.py --lp-bounds [--limit N]

The second form only compares the formulations' root LP bounds (with and
without the clique inequalities) against the published optima.

One process, one instance at a time (the figures are per-instance wall-clock on
this machine).  Every answer is checked inside the timed loop: the schedule with
:func:`solver.rcpsp.verify_schedule`, the makespan and the lower bound against the
published optimum.  A CSV row is written (and flushed) per instance, so a partial
run still leaves usable figures in ``benchmarks/out/``.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from solver.backends.highspy_direct import quiet_stdout  # noqa: E402
from solver.rcpsp import (  # noqa: E402
    RCPSP_FORMULATIONS,
    build_rcpsp_model,
    heuristic_schedule,
    rcpsp_root_lp_bound,
    read_sm,
    solve_rcpsp,
    verify_schedule,
)

FIELDS = [
    "problem", "optimum", "status", "makespan", "lower_bound", "heuristic", "root_lp_bound",
    "nodes", "seconds", "verified", "proven_at_optimum", "below_optimum", "bound_above_optimum",
]  # fmt: skip


def interleaved_key(name: str) -> tuple[int, ...]:
    """Order ``j30G_I.sm`` by instance index ``I``, then parameter group ``G``.

    The first 48 instances then cover every parameter group once, so a run cut
    short (or ``--limit``) is still a sample across all groups.
    """
    m = re.match(r"j(?:30|60|90|120)(\d+)_(\d+)", name)
    if m is None:
        return (1 << 30, 0)
    return int(m.group(2)), int(m.group(1))


def read_optima(path: Path) -> dict[str, int]:
    """Published optima from ``optimum.csv``; open instances (``lb..ub``) are skipped."""
    with path.open(newline="") as fh:
        return {
            r["problem"]: int(r["optimum"]) for r in csv.DictReader(fh) if ".." not in r["optimum"]
        }


def run_one(path: Path, optimum: int, args: argparse.Namespace) -> dict[str, object]:
    """Solve one instance and check the answer against the instance and the optimum."""
    inst = read_sm(path)
    with quiet_stdout():
        res = solve_rcpsp(
            inst, formulation=args.formulation, backend=args.backend, time_limit=args.time_limit
        )
    verified = verify_schedule(inst, list(res.schedule)).ok
    return {
        "problem": path.name,
        "optimum": optimum,
        "status": res.status.value,
        "makespan": res.makespan,
        "lower_bound": res.lower_bound,
        "heuristic": res.heuristic_makespan,
        "root_lp_bound": None if res.root_lp_bound is None else round(res.root_lp_bound, 4),
        "nodes": res.nodes,
        "seconds": round(res.seconds, 3),
        "verified": verified,
        "proven_at_optimum": res.status.value == "optimal" and res.makespan == optimum,
        "below_optimum": res.makespan < optimum,
        "bound_above_optimum": res.lower_bound > optimum,
    }


def _line(row: dict[str, object]) -> str:
    return (
        f"published {row['optimum']} -> {row['status']} {row['makespan']}"
        f" (lb {row['lower_bound']}), {row['seconds']} s"
    )


def summarize(rows: list[dict[str, object]]) -> str:
    """The figures the validation goal is stated in."""
    n = len(rows)
    if n == 0:
        return "no instances run"
    proven = sum(bool(r["proven_at_optimum"]) for r in rows)
    secs = [float(str(r["seconds"])) for r in rows]
    return "\n".join(
        [
            f"instances              {n}",
            f"proven optimal at the published value  {proven} ({proven / n:.1%})",
            f"makespan below published optimum       {sum(bool(r['below_optimum']) for r in rows)}",
            f"lower bound above published optimum    "
            f"{sum(bool(r['bound_above_optimum']) for r in rows)}",
            f"schedules failing verify_schedule      {sum(not r['verified'] for r in rows)}",
            f"seconds: median {statistics.median(secs):.2f}, mean {statistics.mean(secs):.2f}, "
            f"max {max(secs):.2f}, total {sum(secs):.0f}",
            f"heuristic at the published optimum    "
            f"{sum(r['heuristic'] == r['optimum'] for r in rows)}",
            "not proven: "
            + (
                ", ".join(
                    f"{str(r['problem']).removesuffix('.sm')} ({r['lower_bound']}..{r['makespan']}"
                    f" vs {r['optimum']})"
                    for r in rows
                    if not r["proven_at_optimum"]
                )
                or "none"
            ),
        ]
    )


def lp_bounds(names: list[str], optima: dict[str, int], args: argparse.Namespace) -> int:
    """Root LP bound of every formulation, with and without cliques, per instance."""
    cols = [f"{f}{'+cliques' if c else ''}" for c in (False, True) for f in RCPSP_FORMULATIONS]
    gaps: dict[str, list[float]] = {c: [] for c in cols}
    out = args.out.with_name(args.out.stem + "_lp.csv")
    with out.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["problem", "optimum", "horizon", *cols])
        for name in names:
            inst = read_sm(args.data / name)
            horizon = heuristic_schedule(inst).makespan
            row: list[object] = [name, optima[name], horizon]
            for col in cols:
                form, cliques = col.split("+")[0], col.endswith("+cliques")
                lp = rcpsp_root_lp_bound(
                    build_rcpsp_model(inst, horizon=horizon, formulation=form, cliques=cliques)
                )
                if lp > optima[name] + 1e-6:
                    raise AssertionError(f"{name}: {col} LP bound {lp} above the optimum")
                gaps[col].append((optima[name] - lp) / optima[name])
                row.append(round(lp, 4))
            writer.writerow(row)
    print(f"root LP gap to the published optimum, mean over {len(names)} instances ({out}):")
    for col in cols:
        print(f"  {col:22s} {statistics.mean(gaps[col]):.2%}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 if any answer contradicts a published optimum."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared/data/psplib/j30")
    ap.add_argument(
        "--limit",
        type=int,
        default=None,
        help="first N instances (interleaved over parameter groups)",
    )
    ap.add_argument(
        "--only",
        default=None,
        help="comma-separated instance names (e.g. j3013_4,j3025_2) instead of all",
    )
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--formulation", default="step")
    ap.add_argument("--backend", default="highspy")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks/out/psplib_j30.csv")
    ap.add_argument("--lp-bounds", action="store_true", help="compare root LP bounds only")
    args = ap.parse_args(argv)
    optima = read_optima(args.data / "optimum.csv")
    names = sorted(optima, key=interleaved_key)
    if args.only:
        wanted = {n.strip().removesuffix(".sm") + ".sm" for n in args.only.split(",")}
        unknown = sorted(wanted - set(names))
        if unknown:
            ap.error(f"--only: no published optimum for {', '.join(unknown)}")
        names = [n for n in names if n in wanted]
    names = names[: args.limit]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.lp_bounds:
        return lp_bounds(names, optima, args)
    rows: list[dict[str, object]] = []
    with args.out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for k, name in enumerate(names, 1):
            row = run_one(args.data / name, optima[name], args)
            rows.append(row)
            writer.writerow(row)
            fh.flush()
            print(f"[{k}/{len(names)}] {name}:", _line(row), flush=True)
    print(summarize(rows))
    bad = any(r["below_optimum"] or r["bound_above_optimum"] or not r["verified"] for r in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
