"""A hard wall-clock guard around one backend call (``time_limit`` as a promise).

Every backend is given its time limit, but not every solver keeps it: HiGHS
1.12 (inside SciPy) checks its clock only between presolve passes, and on a
10,000-measure relief model (12.8 million nonzeros) its presolve alone ran
32.5 s under a 20 s limit; PuLP spends minutes writing such a model before CBC
starts its own clock.  :func:`solve_guarded` runs the call in a forked child
process (in its own process group, so CBC's process goes with it) and kills
the group :data:`GRACE` seconds after the limit: the caller then gets a
``TIME_LIMIT`` solution saying that the backend overran and was stopped.

The PuLP backends (:data:`ALWAYS_GUARDED`) are guarded under any limit; the
HiGHS ones only for models of at least :data:`GUARD_NONZEROS` coefficients
(:func:`needs_guard`): below that HiGHS keeps its limit to within a fraction
of a second, and a fork per solve would slow the leximin levels of small
models for nothing.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from typing import Any

from solver.backends.base import Solution, Status
from solver.model import LinearModel

__all__ = ["ALWAYS_GUARDED", "GRACE", "GUARD_NONZEROS", "needs_guard", "solve_guarded"]

GUARD_NONZEROS = 200_000
"""Models with at least this many coefficients are solved in a guarded child
when a time limit is set (the default relief model has about 2,000; a
generated 1,000-measure one about 1.3 million)."""

ALWAYS_GUARDED = frozenset({"cbc", "pulp-highs"})
"""Backends guarded under any time limit: PuLP writes the model and starts a
solver process before the solver's clock starts, and CBC's preprocessing ran
40 s past a 2.7 s limit on a 60-job RCPSP model (PSPLIB j6013_1)."""

GRACE = 1.0
"""Seconds a guarded backend may run past its limit before its child is killed."""


def needs_guard(model: LinearModel, time_limit: float | None, backend: str = "highs") -> bool:
    """Whether a solve of ``model`` under ``time_limit`` runs in a guarded child.

    Parameters
    ----------
    model : LinearModel
        The model.
    time_limit : float or None
        The backend's limit (``None``: no limit, no guard).
    backend : str, optional
        The backend's name: those in :data:`ALWAYS_GUARDED` are guarded
        whenever a limit is set.

    Returns
    -------
    bool
        ``True`` for a limit and either a backend of :data:`ALWAYS_GUARDED` or
        at least :data:`GUARD_NONZEROS` coefficients.

    Examples
    --------
    >>> m = LinearModel("toy")
    >>> _ = m.add_var("x", ub=1.0)
    >>> needs_guard(m, 5.0), needs_guard(m, None), needs_guard(m, 5.0, "cbc")
    (False, False, True)
    """
    if time_limit is None:
        return False
    return backend in ALWAYS_GUARDED or model.num_nonzeros >= GUARD_NONZEROS


def _child(
    conn: Any, solve: Callable[..., Solution], model: LinearModel, time_limit: float
) -> None:
    os.setpgid(0, 0)  # its own group: a CBC subprocess is killed with it
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        conn.send(("ok", solve(model, time_limit=time_limit)))
    except BaseException as exc:  # reported to the parent as an error
        conn.send(("raised", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


def solve_guarded(
    solve: Callable[..., Solution],
    model: LinearModel,
    time_limit: float,
    *,
    backend: str,
    grace: float = GRACE,
) -> Solution:
    """Run ``solve(model, time_limit=time_limit)`` in a child killed at ``time_limit + grace``.

    Parameters
    ----------
    solve : callable
        A backend's ``solve(model, *, time_limit)``.
    model : LinearModel
        The model (the child gets it by ``fork``, not by pickling).
    time_limit : float
        Seconds the backend is given.
    backend : str
        The backend's name, for the result.
    grace : float, optional
        Seconds past the limit before the child's process group is killed.

    Returns
    -------
    Solution
        The child's solution, or ``TIME_LIMIT`` without values when the child
        overran (``"... did not stop at its time limit of T s; stopped after
        S s"``), or ``ERROR`` when it died or raised.  An interrupt of the
        parent (Ctrl-C, :class:`solver.io.Terminated`) kills the child too.
    """
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    t0 = time.perf_counter()
    proc = ctx.Process(target=_child, args=(send, solve, model, time_limit), daemon=True)
    proc.start()
    send.close()
    assert proc.pid is not None
    try:
        got = recv.poll(max(0.0, time_limit + grace))
        payload = recv.recv() if got else None
    except EOFError:
        payload = None
        got = True
    finally:
        if proc.is_alive():
            _kill_group(proc.pid)
        proc.join()
        recv.close()
    seconds = time.perf_counter() - t0
    if not got:
        return Solution(
            Status.TIME_LIMIT,
            f"{backend}: the backend did not stop at its time limit of {time_limit:g} s; "
            f"stopped after {seconds:.1f} s",
            None,
            None,
            None,
            None,
            seconds,
            backend,
        )
    if payload is None or payload[0] != "ok":
        why = "it exited without a result" if payload is None else payload[1]
        return Solution(
            Status.ERROR,
            f"{backend}: the guarded solve failed: {why} (exit code {proc.exitcode})",
            None,
            None,
            None,
            None,
            seconds,
            backend,
        )
    sol: Solution = payload[1]
    return sol
