"""Executors for sweeps: in-process, a local process pool, or a Dask cluster.

Everything downstream uses only the :class:`concurrent.futures.Executor`
interface (``submit`` and futures), so the engine never changes the results:
samples are fixed before execution and results are keyed by sample index.
"""

from __future__ import annotations

import math
import os
import socket
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

MIN_BATCH, MAX_BATCH = 10, 50
"""Solves per task: enough to amortise task overhead, few enough to balance load."""

CONNECT_TIMEOUT = 5.0
"""Seconds to reach a Dask scheduler (connection and handshake) before giving up."""


class InlineExecutor(Executor):
    """Run each task at once in the calling process (``--workers 1``)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` now and return a finished future.

        Parameters
        ----------
        fn : callable
            The task.
        *args, **kwargs
            Its arguments.

        Returns
        -------
        concurrent.futures.Future
            Holding the result or the exception.
        """
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future, like a pool
            fut.set_exception(exc)
        return fut


def engine_name(workers: int, dask: str | None) -> str:
    """Describe the engine chosen by ``workers`` and ``dask`` (for reports).

    Parameters
    ----------
    workers : int
        Local worker processes.
    dask : str or None
        Dask scheduler address or ``local:N``.

    Returns
    -------
    str
        ``"inline"``, ``"processes:N"`` or ``"dask:<address>"``.
    """
    if dask:
        return f"dask:{dask}"
    return "inline" if workers <= 1 else f"processes:{workers}"


@contextmanager
def make_executor(workers: int = 1, dask: str | None = None) -> Iterator[Executor]:
    """Yield an executor and shut it down afterwards.

    Parameters
    ----------
    workers : int, optional
        Number of local processes; 1 runs in process.
    dask : str, optional
        A Dask scheduler address (``tcp://host:8786``) or ``local:N`` for a
        local cluster of ``N`` single-threaded worker processes.  Needs the
        ``distributed`` extra (``pip install phased-relief[distributed]``).

    Yields
    ------
    concurrent.futures.Executor
        The executor.

    Raises
    ------
    ValueError
        For a bad worker count, a bad ``local:N`` or when Dask is missing.
    """
    if dask:
        with _dask_executor(dask) as ex:
            yield ex
        return
    if workers < 1:
        raise ValueError(f"--workers is {workers}; it must be at least 1")
    workers = cap_workers(workers)[0]
    if workers == 1:
        yield InlineExecutor()
        return
    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=worker_init, initargs=(os.getpid(),)
    )
    try:
        yield pool
    except BaseException:
        # Ctrl-C, SIGTERM or an error: drop queued batches and stop the running ones
        # (their samples are not in the store yet, so a rerun solves them again).
        running = list((getattr(pool, "_processes", None) or {}).values())  # before shutdown
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in running:
            proc.terminate()
        raise
    pool.shutdown(wait=True)


WATCH_INTERVAL = 0.25
"""Seconds between a pool worker's checks that the sweep's main process is alive."""


def worker_init(parent: int) -> None:
    """Set up a pool worker: leave Ctrl-C to the main process, exit when it is gone.

    Ctrl-C reaches every process of the terminal's group; the workers ignore
    it, so the main process alone decides how a sweep stops, and SIGTERM ends
    a worker at once (the default, not the main process's inherited handler).
    A daemon thread checks every :data:`WATCH_INTERVAL` seconds that
    ``parent`` is still this process's parent and alive, and ends the worker
    at once when not (the main process was killed, even with SIGKILL), so no
    worker outlives its sweep.

    Parameters
    ----------
    parent : int
        Process id of the sweep's main process.
    """
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the main's handler (inherited by fork)
    start_ppid = os.getppid()

    def alive() -> bool:
        if os.getppid() != start_ppid:
            return False
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # pragma: no cover - exists, owned by someone else
            return True
        return True

    def watch() -> None:
        while alive():
            time.sleep(WATCH_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, name="relief-parent-watch", daemon=True).start()


@contextmanager
def _dask_executor(address: str) -> Iterator[Executor]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError(
            f"--dask is {address!r}; Dask is not installed "
            "(pip install 'phased-relief[distributed]')"
        ) from None
    if address.startswith("local:"):
        n = address.split(":", 1)[1]
        if not n.isdigit() or int(n) < 1:
            raise ValueError(f"--dask is {address!r}; use local:N with N >= 1 workers")
        cluster = LocalCluster(
            n_workers=cap_workers(int(n), "--dask local:N")[0],
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        with cluster, Client(cluster) as client:
            yield client.get_executor()
        return
    client = connect_scheduler(address)
    with client:
        yield client.get_executor()


def connect_scheduler(address: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """Connect to the Dask scheduler at ``address``, or fail clearly within ``timeout``.

    The address is first probed with one connection and handshake bounded by
    ``timeout`` (a port where nothing listens, a server that speaks another
    protocol such as HTTP, or one that never answers all fail here), then the
    client connects with the same timeout.

    Parameters
    ----------
    address : str
        ``tcp://host:port`` (or another scheme Dask knows).
    timeout : float, optional
        Seconds for the probe and again for the client (default :data:`CONNECT_TIMEOUT`).

    Returns
    -------
    distributed.Client
        A connected client (close it after use).

    Raises
    ------
    ValueError
        ``--dask is '<address>'; no Dask scheduler answered ...`` with the reason
        (reported by ``relief`` with exit code 2).
    """
    import asyncio

    from distributed import Client
    from distributed.comm import connect

    async def probe() -> None:
        if address.startswith("tcp://"):  # a refused port fails at once, not after retries
            from distributed.comm.addressing import parse_host_port

            host, port = parse_host_port(address[len("tcp://") :])
            socket.create_connection((host, port), timeout=timeout).close()
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
        await comm.close()

    def refuse(exc: BaseException) -> ValueError:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if isinstance(exc, TypeError) and "TLS" in str(exc):
            reason = "tls:// needs Dask's TLS security settings (distributed.comm.tls)"
        elif isinstance(exc, MemoryError):
            reason = "the server does not speak Dask's protocol (is it a web server?)"
        elif isinstance(exc, ConnectionRefusedError):
            reason = "nothing listens on that port (connection refused)"
        elif isinstance(exc, TimeoutError) or "Timed out" in str(exc):
            reason = f"no answer within {timeout:g} s ({exc or 'timed out'})"
        return ValueError(
            f"--dask is {address!r}; no Dask scheduler answered there: {reason}. "
            "Start one (dask scheduler) and pass its tcp://host:port, or use local:N"
        )

    try:
        asyncio.run(probe())
    except Exception as exc:  # every failure to reach a scheduler is bad input
        raise refuse(exc) from None
    try:
        return Client(address, timeout=timeout)
    except Exception as exc:
        raise refuse(exc) from None


def cap_workers(workers: int, what: str = "--workers") -> tuple[int, str | None]:
    """Cap a worker count at the CPUs this process may use.

    Parameters
    ----------
    workers : int
        Requested worker processes.
    what : str, optional
        The option's name, for the note.

    Returns
    -------
    (int, str or None)
        The count to use, and a note saying what was capped (``None`` when not).

    Examples
    --------
    >>> cap_workers(1)
    (1, None)
    """
    most = default_workers()
    if workers <= most:
        return workers, None
    return most, f"{what} is {workers}; this machine has {most} CPUs, so {most} workers are used"


def default_workers() -> int:
    """Number of local workers when ``--workers`` is not given (the CPUs this process may use)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, n)


def batches(indices: list[int], slots: int) -> list[list[int]]:
    """Split sample indices into tasks of ``MIN_BATCH``..``MAX_BATCH`` samples.

    Aims for about four tasks per worker so that progress is smooth and the
    load balances; never more than :data:`MAX_BATCH` per task.

    Parameters
    ----------
    indices : list of int
        Samples still to compute.
    slots : int
        Number of workers.

    Returns
    -------
    list of list of int
        Consecutive chunks of ``indices``.

    Examples
    --------
    >>> sizes = [len(b) for b in batches(list(range(95)), 2)]
    >>> len(sizes), sum(sizes), min(sizes), max(sizes)
    (8, 95, 11, 12)
    """
    if not indices:
        return []
    size = math.ceil(len(indices) / (4 * max(1, slots)))
    size = max(MIN_BATCH, min(MAX_BATCH, size))
    n = math.ceil(len(indices) / size)
    cut = [round(i * len(indices) / n) for i in range(n + 1)]
    return [indices[cut[i] : cut[i + 1]] for i in range(n)]
