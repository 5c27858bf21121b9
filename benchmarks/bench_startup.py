"""Start-up time of the ``relief`` command, side by side with ``python -c pass``.

Each round runs every command once, in turn, as a fresh subprocess (so the
rounds interleave and a busy moment hits them all alike); the figure is the
median wall time over the rounds.  Every run must exit 0, and ``solve --json``
must print one strict JSON document with an optimal status, so nothing is timed
that did not do its work.

    python benchmarks/bench_startup.py [--repeat 11] [--bytecode-cache] [--breakdown]

Goals (issue 15): ``relief --help`` <= 0.2 s, ``relief solve --json`` <= 0.6 s.

With ``PYTHONDONTWRITEBYTECODE`` set (some sandboxes and CI images set it),
Python compiles the package's own modules again in every run, which an
installed package never does (``pip`` compiles them at install time, and a
development checkout writes them on first import).  The first line says
whether it is set; ``--bytecode-cache`` times the children without it
(Python's default), so both figures can be reported side by side.
``--breakdown`` also prints where one ``solve --json`` spends its time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOALS = {"relief --help": 0.2, "relief solve --json": 0.6}


def relief_command() -> list[str]:
    """Return the ``relief`` console script beside this Python, or ``python -m solver.cli``.

    Returns
    -------
    list of str
        The argv prefix that runs ``relief``.
    """
    script = Path(sys.executable).with_name("relief")
    if script.is_file():
        return [str(script)]
    found = shutil.which("relief")
    return [found] if found else [sys.executable, "-m", "solver.cli"]


def _strict_optimal(stdout: str) -> None:
    def refuse(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    doc = json.loads(stdout, parse_constant=refuse)
    if doc.get("status") != "optimal":
        raise SystemExit(f"relief solve --json: status {doc.get('status')!r}, not optimal")


def commands(relief: list[str]) -> dict[str, tuple[list[str], bool]]:
    """Return the timed commands: label -> (argv, whether stdout is a solve document).

    Parameters
    ----------
    relief : list of str
        The argv prefix that runs ``relief``.

    Returns
    -------
    dict
        In the order they are printed.
    """
    return {
        "python -c pass": ([sys.executable, "-c", "pass"], False),
        "relief --help": ([*relief, "--help"], False),
        "relief solve --json --no-ranges": ([*relief, "solve", "--json", "--no-ranges"], True),
        "relief solve --json": ([*relief, "solve", "--json"], True),
    }


BREAKDOWN = """
import time
t0 = time.perf_counter()
import numpy, scipy.sparse, scipy.optimize, highspy
t1 = time.perf_counter()
import solver.cli, solver.plan
from solver.solve import solve
t2 = time.perf_counter()
scenario = solver.cli.scenario_arg(None)
t3 = time.perf_counter()
plan = solve(scenario, ranges=True)  # as `relief solve` (ranges on by default)
t4 = time.perf_counter()
solver.plan.dumps(plan)
t5 = time.perf_counter()
tm = plan.timings
print(f"  libraries (NumPy, SciPy sparse and optimize, highspy)  {t1 - t0:6.3f} s")
print(f"  the package's modules for a solve                      {t2 - t1:6.3f} s")
print(f"  read and validate the default scenario                 {t3 - t2:6.3f} s")
print(f"  solve: build {tm.get('build', 0):.3f} s, leximin levels {tm.get('solve', 0):.3f} s, "
      f"verify {tm.get('verify', 0):.3f} s, phase ranges {tm.get('ranges', 0):.3f} s"
      f" (together {t4 - t3:.3f} s)")
print(f"  the JSON document                                      {t5 - t4:6.3f} s")
"""
"""Run in a fresh interpreter by ``--breakdown``: one ``solve --json``'s time, part by part."""


def child_env(bytecode_cache: bool) -> dict[str, str]:
    """Return the environment of the timed commands.

    Parameters
    ----------
    bytecode_cache : bool
        Drop ``PYTHONDONTWRITEBYTECODE``, so the children cache compiled
        modules as Python does by default.

    Returns
    -------
    dict
        A copy of this process's environment.
    """
    env = dict(os.environ)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def time_once(
    argv: list[str], solve_document: bool, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> float:
    """Run ``argv`` once in ``cwd``; return its wall time in seconds.

    Parameters
    ----------
    argv : list of str
        The command.
    solve_document : bool
        Whether its stdout must be an optimal ``relief solve --json`` document.
    cwd : Path, optional
        Working folder (default: the repository root).
    env : dict, optional
        Environment (default: this process's).

    Returns
    -------
    float
        Seconds from start to exit.
    """
    start = time.perf_counter()
    r = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)
    seconds = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {r.returncode}\n{r.stderr[-2000:]}")
    if solve_document:
        _strict_optimal(r.stdout)
    return seconds


def main(argv: list[str] | None = None) -> int:
    """Time every command ``--repeat`` times, interleaved; print the medians.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 (a failed run exits with its message).
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=11, help="rounds (default 11)")
    parser.add_argument(
        "--relief",
        default=None,
        help="command that runs relief, split on spaces (default: the console script "
        "beside this Python); e.g. 'python -m solver.cli' with --cwd OLD_TREE to time "
        "another checkout",
    )
    parser.add_argument("--cwd", type=Path, default=ROOT, help="working folder")
    parser.add_argument(
        "--bytecode-cache",
        action="store_true",
        help="run the commands without PYTHONDONTWRITEBYTECODE (Python's default caching)",
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="also print where one solve --json spends time"
    )
    args = parser.parse_args(argv)
    relief = args.relief.split() if args.relief else relief_command()
    todo = commands(relief)
    env = child_env(args.bytecode_cache)
    rounds = max(1, args.repeat)
    times: dict[str, list[float]] = {label: [] for label in todo}
    for cmd, doc in todo.values():  # one warm-up round: page cache, .pyc files
        time_once(cmd, doc, args.cwd, env)
    for _ in range(rounds):
        for label, (cmd, doc) in todo.items():
            times[label].append(time_once(cmd, doc, args.cwd, env))
    print(f"start-up, median of {rounds} interleaved runs ({' '.join(relief)}, in {args.cwd})")
    cached = "PYTHONDONTWRITEBYTECODE" not in env
    print(
        "  bytecode: "
        + ("cached (Python's default)" if cached else "PYTHONDONTWRITEBYTECODE is set: the "
           "package's modules are compiled in every run (--bytecode-cache: without it)")
    )  # fmt: skip
    print(f"  {'command':<34} {'median':>8} {'min':>8} {'max':>8}  goal")
    for label, ts in times.items():
        goal = GOALS.get(label)
        verdict = ""
        if goal is not None:
            verdict = f"<= {goal:.1f} s: {'met' if statistics.median(ts) <= goal else 'not met'}"
        print(
            f"  {label:<34} {statistics.median(ts):>7.3f}s {min(ts):>7.3f}s {max(ts):>7.3f}s  "
            f"{verdict}"
        )
    if args.breakdown:
        print("one solve --json of the default scenario, part by part (a fresh interpreter):")
        r = subprocess.run(
            [sys.executable, "-c", BREAKDOWN],
            cwd=args.cwd,
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        if r.returncode != 0:
            raise SystemExit(f"breakdown failed:\n{r.stderr[-2000:]}")
        print(r.stdout.rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
