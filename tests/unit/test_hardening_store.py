"""Issue 16: the sweep store is checked at open (file, schema, meta, rows) and refused clearly.

Every bad ``--store`` runs the real ``relief sensitivity`` in a subprocess and
must give exit code 2, an error naming the file and the rule, no traceback,
and leave the file as it was (a refused store is never re-stamped).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from solver.scenario import load_scenario
from solver.sensitivity.runner import run_sweep
from solver.sensitivity.spec import load_spec
from solver.sensitivity.store import FORMAT, Store, StoreError, StoreMismatch, row_digest

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "fixtures" / "scenarios" / "small.toml"
SPEC = '[[parameter]]\npath = "discount"\nrange = [0.75, 0.85]\n'
META = {"scenario_sha256": "a", "spec_sha256": "b", "method": "oat", "seed": 0, "samples": 0}


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    f = tmp_path / "spec.toml"
    f.write_text(SPEC)
    return f


@pytest.fixture
def store(tmp_path: Path, spec: Path) -> Path:
    """A complete store of a 3-sample oat sweep of the small scenario."""
    f = tmp_path / "sweep.sqlite"
    scenario = load_scenario(SMALL)
    run_sweep(scenario, load_spec(spec, scenario), method="oat", store=f)
    return f


def relief(spec: Path, store: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "solver.cli", "sensitivity", str(SMALL), "--spec", str(spec)]
    cmd += ["--method", "oat", "--workers", "1", "--store", str(store), "--json"]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)


def assert_refused(out: subprocess.CompletedProcess[str], path: Path, *words: str) -> None:
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert out.stderr.startswith(f"error: {path}: "), out.stderr
    for w in words:
        assert w in out.stderr, out.stderr


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_good_store_resumes(spec: Path, store: Path) -> None:
    out = relief(spec, store)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["reused"] == 3


def test_store_in_a_missing_folder_or_on_a_folder(tmp_path: Path, spec: Path) -> None:
    missing = tmp_path / "nowhere" / "s.sqlite"
    assert_refused(relief(spec, missing), missing, "does not exist")
    assert not missing.parent.exists()
    with pytest.raises(StoreError, match=r"folder .* does not exist"):
        Store(missing, META)
    assert_refused(relief(spec, tmp_path), tmp_path, "directory")
    with pytest.raises(StoreError, match="is a directory"):
        Store(tmp_path, META)


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path, spec: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("my precious notes\n" * 100)
    before = fingerprint(f)
    assert_refused(relief(spec, f), f, "not an SQLite database")
    assert fingerprint(f) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("notes")] == ["notes.txt"]


@pytest.mark.parametrize("keep", [100, 2000, 5000])
def test_a_truncated_store_is_refused(spec: Path, store: Path, keep: int) -> None:
    data = store.read_bytes()
    assert len(data) > keep
    store.write_bytes(data[:keep])
    assert_refused(relief(spec, store), store, "store")
    assert store.stat().st_size == keep


def test_an_overwritten_store_is_refused(spec: Path, store: Path) -> None:
    data = bytearray(store.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)  # header intact, every page garbage
    store.write_bytes(bytes(data))
    before = fingerprint(store)
    assert_refused(relief(spec, store), store, "damaged")
    assert fingerprint(store) == before


def test_a_store_whose_meta_was_dropped_is_not_restamped(spec: Path, store: Path) -> None:
    with sqlite3.connect(store) as db:
        db.execute("DROP TABLE meta")
    db.close()
    before = fingerprint(store)
    assert_refused(relief(spec, store), store, "no 'meta' table")
    assert fingerprint(store) == before
    with sqlite3.connect(store) as db:
        assert [n for (n,) in db.execute("SELECT name FROM sqlite_master")] == ["results"]
    db.close()


def test_a_store_whose_meta_rows_were_deleted_is_refused(spec: Path, store: Path) -> None:
    with sqlite3.connect(store) as db:
        db.execute("DELETE FROM meta")
    db.close()
    assert_refused(relief(spec, store), store, "meta has no format entry")
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT COUNT(*) FROM meta").fetchone()[0] == 0
    db.close()


def test_wrong_columns_are_refused(tmp_path: Path, spec: Path) -> None:
    f = tmp_path / "old.sqlite"
    with sqlite3.connect(f) as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE results (idx INTEGER PRIMARY KEY, sample TEXT)")
        db.execute("INSERT INTO meta VALUES ('format', ?)", (json.dumps(FORMAT),))
    db.close()
    assert_refused(relief(spec, f), f, "table results has the columns idx, sample")


def _edit_result(store: Path, idx: int, edit: dict, *, fix_digest: bool) -> None:
    with sqlite3.connect(store) as db:
        (s, r) = db.execute("SELECT sample, result FROM results WHERE idx = ?", (idx,)).fetchone()
        d = json.loads(r)
        d.update(edit)
        for k in [k for k, v in edit.items() if v is KeyError]:
            del d[k]
        r = json.dumps(d, sort_keys=True)
        digest = row_digest(idx, s, r) if fix_digest else "0" * 64
        db.execute("UPDATE results SET result = ?, digest = ? WHERE idx = ?", (r, digest, idx))
    db.close()


def test_a_row_missing_keys_is_refused_at_open(spec: Path, store: Path) -> None:
    _edit_result(store, 1, {"status": KeyError}, fix_digest=True)
    assert_refused(relief(spec, store), store, "results row 1", "result has no 'status'")


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        ({"objective": "lots"}, "result.objective is 'lots'"),
        ({"leverage": 5}, "result.leverage is 5"),
        ({"schedule": {"R1": 0}}, "result.schedule is"),
        ({"status": "great"}, "result.status is 'great'"),
    ],
)
def test_rows_of_the_wrong_shape_are_refused(
    spec: Path, store: Path, edit: dict, words: str
) -> None:
    _edit_result(store, 2, edit, fix_digest=True)
    assert_refused(relief(spec, store), store, "results row 2", words)


def test_a_tampered_result_is_not_reused(spec: Path, store: Path) -> None:
    _edit_result(store, 0, {"objective": 1.0e6, "min_leverage": 1.0e6}, fix_digest=False)
    assert_refused(relief(spec, store), store, "results row 0: digest", "edited or damaged")


def test_a_result_of_another_scenario_is_not_reused(spec: Path, store: Path) -> None:
    _edit_result(store, 0, {"schedule": {"NOPE": 1}}, fix_digest=True)
    assert_refused(relief(spec, store), store, "results row 0", "'NOPE', which is not an id")


def test_store_mismatch_is_a_store_error(tmp_path: Path) -> None:
    f = tmp_path / "s.sqlite"
    Store(f, META).close()
    with pytest.raises(StoreError, match=r"meta\.seed"):
        Store(f, {**META, "seed": 1})
    assert issubclass(StoreMismatch, StoreError) and issubclass(StoreError, ValueError)


def test_an_empty_file_becomes_a_store(tmp_path: Path, spec: Path) -> None:
    f = tmp_path / "new.sqlite"
    f.touch()
    out = relief(spec, f)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["computed"] == 3
