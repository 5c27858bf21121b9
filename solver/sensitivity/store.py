"""On-disk SQLite store of sweep results, so an interrupted sweep resumes.

Two tables: ``meta`` (key, value) identifies the sweep (scenario digest, spec
digest, method, seed, sample count, backend, objective); ``results`` holds one
row per finished sample, keyed by its index, with the sample and its result as
JSON.  Each batch is written in one transaction as it arrives, so a sweep
killed at any moment loses at most the batches in flight.  Opening a store
written for a different sweep raises :class:`StoreMismatch` instead of mixing
results.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from solver.io import dumps_json
from solver.sensitivity.evaluate import SampleResult

FORMAT = "phased-relief-sweep/1"
"""Version tag of the store layout (part of the meta checked on open)."""


SUMMARY_KEY = "summary"
"""Meta key under which a finished sweep keeps its summary."""


_NAN_LISTS = ("leverage", "ic_margins")
"""Result fields whose undefined entries are stored as ``null`` and read back as NaN."""


def _result(d: dict[str, Any]) -> SampleResult:
    """Rebuild a stored result; ``null`` in a list of margins is an undefined value (NaN)."""
    for key in _NAN_LISTS:
        if key in d:
            d[key] = [math.nan if x is None else x for x in d[key]]
    return SampleResult.from_dict(d)


class StoreMismatch(ValueError):
    """The store holds results of another sweep (different scenario, spec, ...)."""


class Store:
    """A sweep's result store.

    Parameters
    ----------
    path : str or Path
        SQLite file (created if missing); ``":memory:"`` for a throwaway store.
    meta : Mapping[str, Any]
        What identifies the sweep; compared with the stored meta on open.

    Raises
    ------
    StoreMismatch
        When the file already belongs to a sweep with different meta.
    """

    def __init__(self, path: str | Path, meta: Mapping[str, Any]) -> None:
        self.path = str(path)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS results "
            "(idx INTEGER PRIMARY KEY, sample TEXT NOT NULL, result TEXT NOT NULL)"
        )
        self._check_meta({"format": FORMAT, **meta})

    def _check_meta(self, meta: Mapping[str, Any]) -> None:
        want = {k: dumps_json(v, sort_keys=True) for k, v in meta.items()}
        have = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        have.pop(SUMMARY_KEY, None)  # the finished result, not part of the sweep's identity
        if not have:
            with self._db:
                self._db.execute("BEGIN")
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(want.items()))
            return
        for key in sorted(set(want) | set(have)):
            if want.get(key) != have.get(key):
                raise StoreMismatch(
                    f"{self.path}: meta.{key} is {have.get(key)} in the store but "
                    f"{want.get(key)} for this sweep; a store is only resumed by the same "
                    "scenario, spec, method, seed and sample count (use another --store)"
                )

    def load(self) -> dict[int, tuple[dict[str, float], SampleResult]]:
        """Return every stored sample and result, by index.

        Returns
        -------
        dict
            Index -> (sample, result).
        """
        rows = self._db.execute("SELECT idx, sample, result FROM results").fetchall()
        return {int(i): (json.loads(s), _result(json.loads(r))) for i, s, r in rows}

    def add(self, rows: Iterable[tuple[int, Mapping[str, float], SampleResult]]) -> None:
        """Write a batch of results in one transaction.

        Parameters
        ----------
        rows : iterable of (int, Mapping, SampleResult)
            Index, sample and result of each finished sample.
        """
        data = [
            (i, dumps_json(dict(s), sort_keys=True), dumps_json(r.to_dict(), sort_keys=True))
            for i, s, r in rows
        ]
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", data)

    def save_summary(self, summary: Mapping[str, Any]) -> None:
        """Keep the finished sweep's summary (read by ``relief report --sensitivity STORE``).

        Parameters
        ----------
        summary : Mapping
            The method's summary, as printed under ``summary`` by ``--json``.
        """
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                (SUMMARY_KEY, dumps_json(summary, sort_keys=True)),
            )

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def default_store_path(meta: Mapping[str, Any], folder: str | Path = ".relief-sweeps") -> Path:
    """Return a store file name derived from a sweep's meta (used without ``--store``).

    Parameters
    ----------
    meta : Mapping
        The sweep's meta (scenario and spec digests, method, seed, samples).
    folder : str or Path, optional
        Directory for the file (created if missing).

    Returns
    -------
    Path
        ``<folder>/<method>-<scenario8>-<spec8>-s<seed>-n<samples>.sqlite``.
    """
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    name = (
        f"{meta['method']}-{str(meta['scenario_sha256'])[:8]}-{str(meta['spec_sha256'])[:8]}"
        f"-s{meta['seed']}-n{meta['samples']}.sqlite"
    )
    return d / name
