"""One benchmark cell, run in its own process: ``python -m solver.bench.worker``.

Reads a JSON job on standard input, prints one JSON row per formulation on
standard output.  Each backend runs in a separate process so that a crash or
a stuck solver cannot affect the other rows.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from solver import pipeline
from solver.bench.run import ENGINE_FORMULATIONS
from solver.generate import generate
from solver.solve import root_lp_bound
from solver.verify import verify_plan


def relief_row(job: dict[str, Any], formulation: str) -> dict[str, Any]:
    """Build, solve and verify one generated relief instance in one formulation.

    Parameters
    ----------
    job : dict
        ``{"measures", "phases", "seed", "backend", "time_limit", "instance"}``.
    formulation : str
        Formulation name.

    Returns
    -------
    dict
        One results row (see :data:`solver.bench.run.COLUMNS`).
    """
    s = generate(job["measures"], job["phases"], seed=job["seed"])
    request = pipeline.check_args(
        s,
        backend=job["backend"],
        formulation=formulation,
        objective="leverage",
        require_ic=False,
        time_limit=job["time_limit"],
        explain=False,
    )
    t0 = time.perf_counter()
    built = pipeline.build(s, request)
    build_s = time.perf_counter() - t0
    sol = pipeline.run(built.model, request)
    plan = pipeline.read_out(built, sol, request, build_s)
    verified = plan.schedule is not None and verify_plan(s, plan).ok
    engine = formulation in ENGINE_FORMULATIONS  # CP-SAT: no backend, no LP relaxation
    return {
        "instance": job["instance"], "size": job["measures"], "phases": job["phases"],
        "formulation": formulation, "backend": sol.backend if engine else job["backend"],
        "status": plan.status.value,
        "objective": plan.objective, "bound": plan.bound, "gap": plan.gap,
        "build_seconds": build_s, "solve_seconds": sol.seconds,
        "root_lp_bound": None if engine else root_lp_bound(built), "nodes": sol.nodes,
        "verified": verified,
    }  # fmt: skip


def psplib_row(job: dict[str, Any], formulation: str) -> dict[str, Any]:
    """Solve one PSPLIB instance (makespan minimisation) in one formulation.

    Parameters
    ----------
    job : dict
        ``{"path", "backend", "time_limit", "instance", "optimum"}``.
    formulation : str
        Formulation name.

    Returns
    -------
    dict
        One results row; ``objective`` is the makespan, ``bound`` the lower bound.
    """
    from solver.rcpsp import read_sm, solve_rcpsp, verify_schedule

    inst = read_sm(Path(job["path"]))
    if formulation in ENGINE_FORMULATIONS:  # the CP-SAT engine (interval model)
        r = solve_rcpsp(inst, engine="cpsat", time_limit=job["time_limit"])
    else:
        r = solve_rcpsp(
            inst, formulation=formulation, backend=job["backend"], time_limit=job["time_limit"]
        )
    gap = (r.makespan - r.lower_bound) / max(1, r.makespan)
    return {
        "instance": job["instance"], "size": len(inst.durations), "phases": "",
        "formulation": formulation, "backend": r.backend if r.engine == "cpsat" else job["backend"],
        "status": r.status.value, "objective": r.makespan, "bound": r.lower_bound, "gap": gap,
        "build_seconds": "", "solve_seconds": r.seconds, "root_lp_bound": r.root_lp_bound,
        "nodes": r.nodes, "verified": verify_schedule(inst, r.schedule).ok,
        "published_optimum": job.get("optimum"),
    }  # fmt: skip


def main() -> None:
    """Run the job read from standard input; one JSON row per line on standard output."""
    job = json.loads(sys.stdin.read())
    fn = relief_row if job["suite"] == "relief" else psplib_row
    for f in job["formulations"]:
        print(json.dumps(fn(job, f)), flush=True)


if __name__ == "__main__":
    main()
