"""On-disk SQLite store of sweep results, so an interrupted sweep resumes.

Two tables: ``meta`` (key, value) identifies the sweep (scenario digest, spec
digest, method, seed, sample count, backend, objective); ``results`` holds one
row per finished sample, keyed by its index, with the sample and its result as
JSON.  Each batch is written in one transaction as it arrives, so a sweep
killed at any moment loses at most the batches in flight.  Opening a store
written for a different sweep raises :class:`StoreMismatch` instead of mixing
results.

Every open checks the store's integrity before anything is read or written:
the file must be an SQLite database (or empty, or missing), its tables and
columns those of this layout, its ``meta`` complete, and every stored row of
the right shape with an intact checksum (``digest``, the SHA-256 of its
index, sample and result).  A store that fails any of these raises
:class:`StoreError` (a :class:`ValueError`, so ``relief`` reports it with exit
code 2) naming the file, the part, the value and the rule; such a file is
never re-stamped or written to.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from solver.io import dumps_json
from solver.sensitivity.evaluate import SampleResult

FORMAT = "phased-relief-sweep/2"
"""Version tag of the store layout (part of the meta checked on open); ``/2``
added the per-row ``digest`` column."""

SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite 3 database file."""

COLUMNS = {"meta": ("key", "value"), "results": ("idx", "sample", "result", "digest")}
"""The tables of the layout and their columns, in order."""

STATUSES = ("optimal", "feasible", "infeasible", "unbounded", "time_limit", "error")
"""Values a stored result's ``status`` may take (:class:`solver.backends.base.Status`)."""


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


class StoreError(ValueError):
    """The store cannot be used: not a store, damaged, edited, or unreadable.

    The message names the file, the part (table, column, row and field), the
    value found and the rule it breaks; ``relief`` prints it with exit code 2.
    """


class StoreMismatch(StoreError):
    """The store holds results of another sweep (different scenario, spec, ...)."""


def row_digest(idx: int, sample: str, result: str) -> str:
    """Return the checksum of one stored row (SHA-256 of its index, sample and result).

    Parameters
    ----------
    idx : int
        The sample's index.
    sample, result : str
        The row's JSON texts, as stored.

    Returns
    -------
    str
        64 hex digits.

    Examples
    --------
    >>> len(row_digest(0, "{}", "{}"))
    64
    """
    return hashlib.sha256(f"{idx}\n{sample}\n{result}".encode()).hexdigest()


def _number(v: Any) -> bool:
    if not isinstance(v, int | float) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an integer beyond float range
        return False


def _check_sample(sample: Any) -> str | None:
    """Return what is wrong with a stored sample (``None`` when it is sound)."""
    if not isinstance(sample, dict):
        return f"sample is {sample!r}; it must be an object of path -> number"
    for k, v in sample.items():
        if not _number(v):
            return f"sample.{k} is {v!r}; it must be a finite number"
    return None


def _check_result(d: Any) -> str | None:
    """Return what is wrong with a stored result (``None`` when it is sound)."""
    if not isinstance(d, dict):
        return f"result is {d!r}; it must be an object"
    need = (
        *("status", "objective", "min_leverage", "leverage", "ic_margins"),
        *("incentive_compatible", "schedule"),
    )
    missing = [k for k in need if k not in d]
    if missing:
        return f"result has no {missing[0]!r}; a result has the keys {', '.join(need)}"
    extra = sorted(set(d) - {*need, "ic_source"})
    if extra:
        return f"result.{extra[0]} is not a known key; a result has the keys {', '.join(need)}"
    if d["status"] not in STATUSES:
        return f"result.status is {d['status']!r}; it must be one of {', '.join(STATUSES)}"
    for key in ("objective", "min_leverage"):
        if d[key] is not None and not _number(d[key]):
            return f"result.{key} is {d[key]!r}; it must be a finite number or null"
    for key in _NAN_LISTS:
        v = d[key]
        if not isinstance(v, list) or not all(x is None or _number(x) for x in v):
            return f"result.{key} is {v!r}; it must be a list of finite numbers or nulls"
    if not isinstance(d["incentive_compatible"], bool):
        return f"result.incentive_compatible is {d['incentive_compatible']!r}; it must be a bool"
    sch = d["schedule"]
    if not isinstance(sch, dict) or not all(
        v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 1)
        for v in sch.values()
    ):
        return f"result.schedule is {sch!r}; it must map ids to phases (integers >= 1) or null"
    if not isinstance(d.get("ic_source", "leverage"), str):
        return f"result.ic_source is {d['ic_source']!r}; it must be a string"
    return None


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
    StoreError
        When the path cannot hold a store (a folder, a missing folder, a file
        that is not SQLite) or the store fails its integrity check (damaged
        file, missing table or meta, wrong columns, a row of the wrong shape
        or whose checksum does not match).  Such a file is left untouched.
    """

    def __init__(self, path: str | Path, meta: Mapping[str, Any]) -> None:
        self.path = str(path)
        self.stored: dict[int, tuple[dict[str, float], SampleResult]] = {}
        self.edited: dict[int, str] = {}
        _check_file(self.path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot be opened as a result store ({exc})") from None
        try:
            self._open({"format": FORMAT, **meta})
        except BaseException:
            self._db.close()
            raise

    def _open(self, meta: Mapping[str, Any]) -> None:
        """Check the store's integrity, then verify its meta (or create a new store)."""
        try:
            tables = self._tables()
            if tables:
                self._check_schema(tables)
                self._check_meta(meta)
                self.stored = self._read_rows()
            else:  # a new (or empty) file: tables and meta appear in one transaction
                self._create(meta)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        except (sqlite3.Error, UnicodeDecodeError) as exc:  # damaged bytes in a text cell
            raise StoreError(
                f"{self.path}: not a readable result store ({exc}); the file is damaged "
                "or not a store (delete it or use another --store)"
            ) from None

    def _tables(self) -> list[str]:
        rows = self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        return sorted(str(n) for (n,) in rows)

    def _check_schema(self, tables: list[str]) -> None:
        """Refuse a damaged file, a missing table or wrong columns."""
        bad = [str(r[0]) for r in self._db.execute("PRAGMA quick_check").fetchall()]
        if bad != ["ok"]:
            raise StoreError(
                f"{self.path}: the SQLite integrity check fails ({bad[0]}); the store is "
                "damaged (truncated or overwritten): delete it or use another --store"
            )
        for table, want in COLUMNS.items():
            if table not in tables:
                raise StoreError(
                    f"{self.path}: the store has no {table!r} table (tables: "
                    f"{', '.join(tables)}); a result store has the tables meta and results, "
                    "and one without meta cannot show which sweep it belongs to "
                    "(delete it or use another --store)"
                )
            have = tuple(str(r[1]) for r in self._db.execute(f"PRAGMA table_info({table})"))
            if have != want:
                raise StoreError(
                    f"{self.path}: table {table} has the columns {', '.join(have)}; a result "
                    f"store's {table} has {', '.join(want)} (written by another version, or "
                    "edited: use another --store)"
                )

    def _create(self, meta: Mapping[str, Any]) -> None:
        """Create the tables and stamp the meta in one transaction (all or nothing)."""
        want = {k: dumps_json(v, sort_keys=True) for k, v in meta.items()}
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._db.execute(
                "CREATE TABLE results (idx INTEGER PRIMARY KEY, sample TEXT NOT NULL, "
                "result TEXT NOT NULL, digest TEXT NOT NULL)"
            )
            self._db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(want.items()))

    def _check_meta(self, meta: Mapping[str, Any]) -> None:
        want = {k: dumps_json(v, sort_keys=True) for k, v in meta.items()}
        have = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        have.pop(SUMMARY_KEY, None)  # the finished result, not part of the sweep's identity
        if "format" not in have:
            raise StoreError(
                f"{self.path}: meta has no format entry ({len(have)} entries); the store's "
                "meta is incomplete, so which sweep it belongs to cannot be checked "
                "(delete it or use another --store)"
            )
        if have["format"] != want["format"]:
            raise StoreMismatch(
                f"{self.path}: meta.format is {have['format']} in the store but "
                f"{want['format']} in this version; use another --store"
            )
        for key in sorted(set(want) | set(have)):
            if want.get(key) != have.get(key):
                raise StoreMismatch(
                    f"{self.path}: meta.{key} is {have.get(key)} in the store but "
                    f"{want.get(key)} for this sweep; a store is only resumed by the same "
                    "scenario, spec, method, seed and sample count (use another --store)"
                )

    def _read_rows(self) -> dict[int, tuple[dict[str, float], SampleResult]]:
        """Read and validate every stored row (shape and checksum)."""
        out: dict[int, tuple[dict[str, float], SampleResult]] = {}
        rows = self._db.execute("SELECT idx, sample, result, digest FROM results ORDER BY idx")
        for i, s, r, digest in rows:
            where = f"{self.path}: results row {i!r}"
            problem: str | None = None
            if not isinstance(i, int) or i < 0:
                problem = f"idx is {i!r}; it must be a non-negative integer"
            elif not (isinstance(s, str) and isinstance(r, str)):
                problem = f"sample/result are {type(s).__name__}/{type(r).__name__}; text"
            if problem is None:
                try:
                    sample, result = json.loads(s), json.loads(r)
                except (ValueError, RecursionError) as exc:
                    problem = f"is not valid JSON ({exc})"
                else:
                    problem = _check_sample(sample) or _check_result(result)
            if problem is not None:
                raise StoreError(
                    f"{where}: {problem}; stored results are only reused when intact "
                    "(delete the store or use another --store)"
                )
            out[i] = ({k: float(v) for k, v in sample.items()}, _result(result))
            if digest != row_digest(i, s, r):
                self.edited[i] = str(digest)
        return out

    def verify(self, idx: int) -> None:
        """Raise :class:`StoreError` when stored row ``idx`` fails its checksum.

        Called before a stored result is reused (after its sample was compared
        with the sweep's, so a changed sample reads as another sweep's).

        Parameters
        ----------
        idx : int
            The row's sample index.

        Raises
        ------
        StoreError
            The row's ``digest`` does not match its content: it was edited or damaged.
        """
        if idx in self.edited:
            raise StoreError(
                f"{self.path}: results row {idx}: digest is {self.edited[idx]!r}, which does "
                "not match the row's sample and result; the row was edited or damaged, and "
                "stored results are only reused when intact (delete the store or use "
                "another --store)"
            )

    def load(self) -> dict[int, tuple[dict[str, float], SampleResult]]:
        """Return every stored sample and result, by index (validated when opened).

        Returns
        -------
        dict
            Index -> (sample, result).
        """
        return dict(self.stored)

    def add(self, rows: Iterable[tuple[int, Mapping[str, float], SampleResult]]) -> None:
        """Write a batch of results in one transaction.

        Parameters
        ----------
        rows : iterable of (int, Mapping, SampleResult)
            Index, sample and result of each finished sample.

        Raises
        ------
        StoreError
            When SQLite cannot write (disk full, file removed or made read-only).
        """
        data = []
        for i, s, r in rows:
            st = dumps_json(dict(s), sort_keys=True)
            rt = dumps_json(r.to_dict(), sort_keys=True)
            data.append((i, st, rt, row_digest(i, st, rt)))
        try:
            with self._db:
                self._db.execute("BEGIN")
                self._db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)", data)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: results cannot be written ({exc})") from None

    def save_summary(self, summary: Mapping[str, Any]) -> None:
        """Keep the finished sweep's summary (read by ``relief report --sensitivity STORE``).

        Parameters
        ----------
        summary : Mapping
            The method's summary, as printed under ``summary`` by ``--json``.
        """
        try:
            with self._db:
                self._db.execute("BEGIN")
                self._db.execute(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    (SUMMARY_KEY, dumps_json(summary, sort_keys=True)),
                )
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: the summary cannot be written ({exc})") from None

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


def _check_file(path: str) -> None:
    """Refuse a path that cannot hold a store, before SQLite touches it.

    Nothing is created or changed here: a folder, a missing folder, a special
    file or a file that is not an SQLite database raises :class:`StoreError`.
    """
    if path == ":memory:" or path.startswith("file:"):
        return
    p = Path(path)
    if p.is_dir():
        raise StoreError(f"{path}: --store is a directory; it must name a result store file")
    if not p.parent.is_dir():
        why = "does not exist" if not p.parent.exists() else "is not a directory"
        raise StoreError(f"{path}: --store cannot be created: folder {p.parent} {why}")
    if not p.exists():
        return
    if not p.is_file():
        raise StoreError(f"{path}: --store is not a regular file; it must name a store file")
    try:
        with p.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"{path}: --store cannot be read ({exc.strerror or exc})") from None
    if not head:
        return
    if head != SQLITE_HEADER:
        raise StoreError(
            f"{path}: --store is not an SQLite database (it starts with {head[:8]!r}); it must "
            "name a result store written by relief sensitivity or a new file (nothing written)"
        )
    if os.path.getsize(p) < 512:
        raise StoreError(
            f"{path}: the store is truncated ({os.path.getsize(p)} bytes, less than one SQLite "
            "page); delete it or use another --store"
        )


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
