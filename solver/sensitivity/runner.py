"""Run a sweep: design, reuse stored results, execute the rest in batches, summarise.

The design is fixed before anything runs and every sample has an index, so
the summary depends only on the scenario, the spec, the method, the sample
count and the seed, never on the number of workers or the engine.  Adaptive
methods (thresholds) ask for samples in rounds; each round depends only on
earlier results, so a rerun asks for the same samples under the same indices.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, as_completed, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solver.scenario import Scenario
from solver.sensitivity.evaluate import SampleResult, evaluate_batch
from solver.sensitivity.executors import (
    InlineExecutor,
    batches,
    cap_workers,
    engine_name,
    make_executor,
)
from solver.sensitivity.progress import Progress
from solver.sensitivity.spec import Spec
from solver.sensitivity.store import Store, StoreError, StoreMismatch, default_store_path

METHODS = ("oat", "thresholds", "mc", "sobol", "morris")
"""Methods accepted by :func:`run_sweep`."""

DEFAULT_SAMPLES = {"oat": 0, "thresholds": 5, "mc": 200, "sobol": 64, "morris": 10}
"""``--samples`` when not given: unused for oat; grid points per parameter for
thresholds; draws for mc; base size N for sobol; trajectories for morris."""


@dataclass
class SweepResult:
    """Outcome of :func:`run_sweep` (the ``--json`` document without the header).

    Attributes
    ----------
    completed : int
        Samples with a result at the end of the run.
    reused : int
        Of those, samples read from the store instead of solved.
    summary : dict
        The method's results (identical for identical inputs).
    store : str
        The store file.
    engine : str
        How samples were executed.
    """

    completed: int
    reused: int
    summary: dict[str, Any]
    store: str
    engine: str
    meta: dict[str, Any] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        """HTML for Jupyter: method, samples and the sweep's rows (:mod:`solver.notebook`)."""
        from solver.notebook import sweep_html

        return sweep_html(self)

    def to_frame(self) -> Any:
        """The sweep's rows as a pandas DataFrame (one per item or per parameter).

        Returns
        -------
        pandas.DataFrame
            The rows; the columns by method are
            :func:`solver.notebook.sweep_frame`'s (needs the ``notebook`` extra).
        """
        from solver.notebook import sweep_frame

        return sweep_frame(self)


@dataclass
class _Context:
    scenario: Scenario
    store: Store
    executor: Executor
    slots: int
    backend: str
    objective: str | None
    progress: Progress
    stored: dict[int, tuple[dict[str, float], SampleResult]]
    next_index: int = 0
    reused: int = 0
    computed: int = 0


def _task(
    scenario: Scenario, batch: list[tuple[int, dict[str, float]]], backend: str, objective: Any
) -> list[tuple[int, dict[str, float], SampleResult]]:
    results = evaluate_batch(scenario, [s for _, s in batch], backend=backend, objective=objective)
    return [(i, s, r) for (i, s), r in zip(batch, results, strict=True)]


class Evaluator:
    """Hands samples to the executor, reusing and recording results in the store.

    Parameters
    ----------
    ctx : _Context
        The sweep's scenario, store, executor and counters.
    """

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx

    def __call__(self, samples: list[dict[str, float]], label: str = "") -> list[SampleResult]:
        """Return the results of ``samples`` (indexed next in the sweep), in order.

        Parameters
        ----------
        samples : list of dict
            Concrete samples for :func:`evaluate_batch`.
        label : str, optional
            Progress-bar label.

        Returns
        -------
        list of SampleResult
            One per sample.
        """
        ctx = self.ctx
        first = ctx.next_index
        ctx.next_index += len(samples)
        out: dict[int, SampleResult] = {}
        todo: list[tuple[int, dict[str, float]]] = []
        for i, sample in enumerate(samples, start=first):
            if i in ctx.stored:
                out[i] = self._reuse(i, sample)
            else:
                todo.append((i, sample))
        ctx.progress.start(label, len(samples), len(out))
        by_index = dict(todo)
        pending: set[Future] = set()
        # A bounded window of tasks in flight: results reach the store as each
        # batch finishes (with the inline executor, after every batch).
        window = 1 if isinstance(ctx.executor, InlineExecutor) else 2 * ctx.slots
        for b in batches([i for i, _ in todo], ctx.slots):
            pending.add(
                ctx.executor.submit(
                    _task, ctx.scenario, [(i, by_index[i]) for i in b], ctx.backend, ctx.objective
                )
            )
            if len(pending) >= window:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                self._record(done, out)
        self._record(as_completed(pending), out)
        return [out[i] for i in range(first, first + len(samples))]

    def _record(self, futures: Iterable[Future], out: dict[int, SampleResult]) -> None:
        """Store finished batches as they complete and collect their results."""
        ctx = self.ctx
        for fut in futures:
            rows = fut.result()
            ctx.store.add(rows)
            out.update({i: r for i, _, r in rows})
            ctx.computed += len(rows)
            ctx.progress.advance(len(rows))

    def _reuse(self, i: int, sample: Mapping[str, float]) -> SampleResult:
        old_sample, result = self.ctx.stored[i]
        if old_sample != dict(sample):
            raise StoreMismatch(
                f"{self.ctx.store.path}: sample {i} in the store differs from this sweep's "
                "sample; the store belongs to another sweep (use another --store)"
            )
        self.ctx.store.verify(i)
        problem = _foreign(result, self.ctx.scenario)
        if problem:
            raise StoreError(
                f"{self.ctx.store.path}: results row {i}: {problem}; stored results are only "
                "reused when they fit the scenario (delete the store or use another --store)"
            )
        self.ctx.reused += 1
        return result


ROW_OVERHEAD = 2048
"""Bytes a sweep holds per sample besides its numbers (dicts, result objects, batches)."""


def design_rows(method: str, n: int, d: int) -> int:
    """Number of samples ``method`` solves (for thresholds: its first round, the largest).

    Parameters
    ----------
    method : str
        One of :data:`METHODS`.
    n : int
        ``--samples``.
    d : int
        Number of parameters.

    Returns
    -------
    int
        Rows of the design.

    Examples
    --------
    >>> design_rows("sobol", 64, 3), design_rows("morris", 10, 3), design_rows("oat", 0, 3)
    (320, 40, 7)
    """
    return {
        "oat": 1 + 2 * d,
        "thresholds": n * d + d,
        "mc": n,
        "sobol": n * (d + 2),
        "morris": n * (d + 1),
    }[method]


def memory_budget() -> int:
    """Bytes a sweep may plan to hold: half the memory of this machine (or its cgroup).

    Returns
    -------
    int
        Half of the smaller of physical memory and the cgroup limit (8 GiB if unknown).
    """
    total = 16 * 2**30
    with contextlib.suppress(AttributeError, OSError, ValueError):  # not POSIX: the default
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            total = min(total, int(limit))
    except OSError:
        pass
    return total // 2


def check_size(method: str, n: int, spec: Spec, scenario: Scenario) -> None:
    """Refuse a ``--samples`` whose design cannot be held in memory, before building it.

    Parameters
    ----------
    method : str
        One of :data:`METHODS`.
    n : int
        ``--samples``.
    spec : Spec
        The parameters (their number and targets size each sample).
    scenario : Scenario
        The scenario (its items and phases size each result).

    Raises
    ------
    ValueError
        Naming ``--samples``, the value, the estimated memory and the largest
        size that fits (:func:`memory_budget`).
    """
    d = len(spec.params)
    targets = sum(len(p.targets) for p in spec.params)
    items = len(scenario.measures) + len(scenario.milestones)
    per_row = ROW_OVERHEAD + 16 * d + 120 * targets + 120 * items + 48 * scenario.phases
    rows = design_rows(method, n, d)
    need, budget = rows * per_row, memory_budget()
    if need <= budget:
        return
    most = budget // per_row // max(1, design_rows(method, 1, d))
    raise ValueError(
        f"--samples is {n}; method {method} would solve {rows:.3g} samples and hold about "
        f"{need / 2**30:.3g} GiB of design and results, more than the {budget / 2**30:.3g} GiB "
        f"(half this machine's memory) a sweep may use; use --samples {max(1, most)} or fewer"
    )


def _foreign(result: SampleResult, scenario: Scenario) -> str | None:
    """Return how a stored result does not fit ``scenario`` (``None`` when it fits)."""
    ids = {m.id for m in scenario.measures} | {m.id for m in scenario.milestones}
    for key, phase in result.schedule.items():
        if key not in ids:
            return f"result.schedule names {key!r}, which is not an id of the scenario"
        if phase is not None and not 1 <= phase <= scenario.phases:
            return f"result.schedule.{key} is {phase!r}; it must be a phase 1..{scenario.phases}"
    if result.schedule and len(result.leverage) != scenario.phases:
        return (
            f"result.leverage has {len(result.leverage)} entries; it must have one per phase "
            f"({scenario.phases})"
        )
    return None


def _slots(workers: int, dask: str | None) -> int:
    if dask and dask.startswith("local:") and dask[6:].isdigit():
        return max(1, cap_workers(int(dask[6:]))[0])
    return max(1, workers) if not dask else 4


def run_sweep(
    scenario: Scenario,
    spec: Spec,
    *,
    method: str,
    samples: int | None = None,
    seed: int = 0,
    workers: int = 1,
    dask: str | None = None,
    store: str | Path | None = None,
    backend: str = "highspy",
    objective: str | None = None,
    progress: bool = False,
) -> SweepResult:
    """Run one sensitivity method end to end.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    spec : Spec
        The uncertain parameters.
    method : {"oat", "thresholds", "mc", "sobol", "morris"}
        What to compute.
    samples : int, optional
        Method-specific size (see :data:`DEFAULT_SAMPLES`).
    seed : int, optional
        The one seed every random choice derives from.
    workers : int, optional
        Local processes (1: in process).
    dask : str, optional
        Dask scheduler address or ``local:N`` (overrides ``workers``).
    store : str or Path, optional
        SQLite file; default a file under ``.relief-sweeps/`` named by the sweep.
    backend, objective : str, optional
        Passed to :func:`evaluate_batch`.
    progress : bool, optional
        Draw a progress bar on standard error.

    Returns
    -------
    SweepResult
        Counts and the method's summary.

    Raises
    ------
    ValueError
        For an unknown method or bad sizes; :class:`StoreMismatch` when the
        store belongs to another sweep.
    """
    from solver.sensitivity.methods import summarise

    if method not in METHODS:
        raise ValueError(f"method is {method!r}; choose one of {', '.join(METHODS)}")
    n = DEFAULT_SAMPLES[method] if samples is None else samples
    if method != "oat" and n < (2 if method == "thresholds" else 1):
        raise ValueError(f"--samples is {n}; it is too small for method {method}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"--seed is {seed!r}; it must be a non-negative integer")
    check_size(method, n, spec, scenario)
    if workers >= 1:
        workers = cap_workers(workers)[0]
    meta = {
        "scenario_sha256": scenario.digest(),
        "spec_sha256": spec.digest(),
        "method": method,
        "seed": seed,
        "samples": n,
        "backend": backend,
        "objective": objective or scenario.parameters.objective,
    }
    path = Path(store) if store is not None else default_store_path(meta)
    bar = Progress(progress and sys.stderr.isatty())
    # The engine first: a scheduler that cannot be reached leaves no new store behind.
    with make_executor(workers, dask) as ex, Store(path, meta) as st:
        ctx = _Context(scenario, st, ex, _slots(workers, dask), backend, objective, bar, st.load())
        try:
            summary = summarise(method, scenario, spec, Evaluator(ctx), n, seed)
            st.save_summary(summary)
        finally:
            if ctx.next_index:
                bar.close()
    return SweepResult(
        completed=ctx.reused + ctx.computed,
        reused=ctx.reused,
        summary=summary,
        store=str(path),
        engine=engine_name(workers, dask),
        meta=meta,
    )
