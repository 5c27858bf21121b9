"""Executors for sweeps: in-process, a local process pool, or a Dask cluster.

Everything downstream uses only the :class:`concurrent.futures.Executor`
interface (``submit`` and futures), so the engine never changes the results:
samples are fixed before execution and results are keyed by sample index.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

MIN_BATCH, MAX_BATCH = 10, 50
"""Solves per task: enough to amortise task overhead, few enough to balance load."""


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
    if workers == 1:
        yield InlineExecutor()
        return
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        yield pool
    except BaseException:
        # Ctrl-C or an error: drop queued batches instead of finishing the sweep.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


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
            n_workers=int(n), threads_per_worker=1, processes=True, dashboard_address=None
        )
        with cluster, Client(cluster) as client:
            yield client.get_executor()
        return
    with Client(address) as client:
        yield client.get_executor()


def default_workers() -> int:
    """Number of local workers when ``--workers`` is not given (the CPU count)."""
    return max(1, os.cpu_count() or 1)


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
