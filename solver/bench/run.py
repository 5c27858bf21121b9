"""Run a benchmark suite: instances x formulations x backends, each backend in a subprocess."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

COLUMNS: tuple[str, ...] = (
    "instance", "size", "phases", "formulation", "backend", "status", "objective", "bound",
    "gap", "build_seconds", "solve_seconds", "root_lp_bound", "nodes", "verified",
    "published_optimum",
)  # fmt: skip
"""Columns of ``results.csv``."""

ENGINE_FORMULATIONS: frozenset[str] = frozenset({"cpsat"})
"""Formulations that bring their own solver (the backend does not apply): one row per
instance, not one per backend."""

RELIEF_SIZES: dict[str, list[tuple[int, int, int]]] = {
    "small": [(25, 4, 1), (25, 4, 2), (25, 4, 3)],
    "medium": [(200, 8, 1), (200, 8, 2)],
    "large": [(1000, 8, 1)],
}
"""Per size class: ``(measures, phases, seed)`` of each generated instance."""


def relief_jobs(sizes: Sequence[str]) -> list[dict[str, Any]]:
    """Jobs for the generated relief-scenario families of the named sizes.

    Parameters
    ----------
    sizes : sequence of str
        Keys of :data:`RELIEF_SIZES`.

    Returns
    -------
    list of dict
        One job per instance (backend and formulations are added later).
    """
    return [
        {"suite": "relief", "instance": f"relief-{n}x{k}-s{seed}", "measures": n, "phases": k,
         "seed": seed}
        for size in sizes for n, k, seed in RELIEF_SIZES[size]
    ]  # fmt: skip


def psplib_jobs(data: Path, limit: int) -> list[dict[str, Any]]:
    """Jobs for the first ``limit`` PSPLIB instances of ``data`` (with published optima).

    Parameters
    ----------
    data : Path
        A folder of ``.sm`` files with ``optimum.csv``.
    limit : int
        How many instances (in sorted order).

    Returns
    -------
    list of dict
        One job per instance.
    """
    if not data.is_dir():
        raise ValueError(f"--data is {str(data)!r}; no such folder of PSPLIB .sm files")
    optima: dict[str, str] = {}
    opt_file = data / "optimum.csv"
    if opt_file.exists():
        with opt_file.open() as fh:
            optima = {row["problem"]: row["optimum"] for row in csv.DictReader(fh)}
    files = sorted(data.glob("*.sm"), key=lambda p: [int(x) for x in p.stem[3:].split("_")])
    return [
        {"suite": "psplib", "instance": p.stem, "path": str(p), "optimum": optima.get(p.name)}
        for p in files[:limit]
    ]


TEMP_PREFIX = "relief-bench-"
"""Prefix of the private temporary folder each worker runs in (``TMPDIR``)."""


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Kill a worker and everything it started (its own session: CBC too)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


def _run_job(job: dict[str, Any], timeout: float) -> list[dict[str, Any]]:
    """Run one job in a fresh interpreter; rows for formulations that never reported say why.

    The worker runs in its own session with its own temporary folder (its
    ``TMPDIR``, where PuLP writes its model and solution files).  However the
    call ends (done, over ``timeout``, an exception, Ctrl-C or a SIGTERM
    turned into :class:`solver.io.Terminated`), the worker's process group is
    killed and the folder removed.
    """
    tmp = tempfile.mkdtemp(prefix=TEMP_PREFIX)
    env = {**os.environ, "TMPDIR": tmp, "TMP": tmp, "TEMP": tmp}
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "solver.bench.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            start_new_session=True,
        )  # fmt: skip
        status = "error"
        try:
            out, err = proc.communicate(json.dumps(job), timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            status = "timeout"
        finally:
            if proc.returncode is None:  # interrupted: the worker must not outlive us
                _kill_group(proc)
                proc.wait()
            for pipe in (proc.stdin, proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    done = {r["formulation"] for r in rows}
    for f in job["formulations"]:
        if f not in done:
            rows.append({"instance": job["instance"], "formulation": f,
                         "backend": job["backend"], "status": status,
                         "verified": False, "message": err.strip()[-300:]})  # fmt: skip
    return rows


def run_suite(
    jobs: list[dict[str, Any]],
    *,
    formulations: Sequence[str],
    backends: Sequence[str],
    time_limit: float,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every job with every backend (one subprocess per job and backend).

    Parameters
    ----------
    jobs : list of dict
        From :func:`relief_jobs` or :func:`psplib_jobs`.
    formulations, backends : sequence of str
        What to compare.
    time_limit : float
        Seconds per solve; the subprocess gets a generous multiple before it
        is killed and its rows marked ``timeout``.
    progress : callable, optional
        Receives one line per finished subprocess.

    Returns
    -------
    list of dict
        One row per instance x formulation x backend, except that the
        ``cpsat`` formulation (CP-SAT, whatever the backend) runs once per
        instance, with the first backend's job, and its rows say backend ``cpsat``.
    """
    rows: list[dict[str, Any]] = []
    budget = (time_limit * 2.0 + 30.0) * len(formulations) + 30.0
    for job in jobs:
        for k, backend in enumerate(backends):
            forms = [f for f in formulations if k == 0 or f not in ENGINE_FORMULATIONS]
            if not forms:
                continue
            got = _run_job({**job, "backend": backend, "formulations": forms,
                            "time_limit": time_limit}, budget)  # fmt: skip
            rows += got
            if progress is not None:
                summary = ", ".join(f"{r['formulation']} {r['status']}" for r in got)
                progress(f"{job['instance']} [{backend}]: {summary}")
    return rows
