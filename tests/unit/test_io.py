"""``solver.io``: the atomic writer, its errors, the umask, and strict JSON (issue 10)."""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from solver import io as sio
from solver.io import (
    WriteError,
    check_writable,
    dumps_json,
    ensure_folder,
    strict_loads,
    to_json_safe,
    write_atomic,
    write_files,
)


def refuse(constant: str) -> object:
    raise ValueError(constant)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- write_atomic -------------------------------------------------------------------------


def test_write_atomic_writes_text_and_bytes(tmp_path: Path) -> None:
    assert write_atomic(tmp_path / "a.txt", "héllo\n") == tmp_path / "a.txt"
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "héllo\n"
    write_atomic(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin"]


def test_write_atomic_replaces_an_existing_file(tmp_path: Path) -> None:
    dest = tmp_path / "x.json"
    dest.write_text("old")
    write_atomic(dest, "new")
    assert dest.read_text() == "new"
    assert list(tmp_path.iterdir()) == [dest]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_mode_follows_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        write_atomic(tmp_path / "f.txt", "x")
        write_files(tmp_path / "d", {"g.txt": "y"})
    finally:
        os.umask(old)
    assert mode(tmp_path / "f.txt") == 0o666 & ~umask
    assert mode(tmp_path / "d" / "g.txt") == 0o666 & ~umask


def test_mode_is_0644_under_umask_022_even_over_a_private_file(
    tmp_path: Path, umask_022: None
) -> None:
    dest = tmp_path / "f.txt"
    dest.write_text("old")
    dest.chmod(0o600)
    write_atomic(dest, "new")
    assert mode(dest) == 0o644


def test_destination_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(WriteError) as info:
        write_atomic(tmp_path / "d", "x")
    assert info.value.filename == str(tmp_path / "d")
    assert "is a directory" in str(info.value)
    assert str(info.value).startswith(f"{tmp_path / 'd'}: ")
    assert list((tmp_path / "d").iterdir()) == []


def test_missing_folder(tmp_path: Path) -> None:
    dest = tmp_path / "missing" / "x.json"
    with pytest.raises(WriteError, match=r"folder .*missing does not exist") as info:
        write_atomic(dest, "x")
    assert info.value.filename == str(dest)
    assert isinstance(info.value, OSError) and info.value.errno is not None
    assert not (tmp_path / "missing").exists()


def test_folder_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "somefile").write_text("keep")
    with pytest.raises(WriteError, match="is not a directory"):
        write_atomic(tmp_path / "somefile" / "x.json", "x")
    assert (tmp_path / "somefile").read_text() == "keep"
    with pytest.raises(WriteError, match="is not a directory"):
        check_writable(tmp_path / "somefile" / "x.json")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(WriteError, match="Permission denied"):
            check_writable(ro / "x.json")
        with pytest.raises(WriteError, match="Permission denied"):
            write_atomic(ro / "x.json", "x")
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


def test_failure_while_writing_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "x.json"
    dest.write_text("old")

    def broken_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(sio.os, "fsync", broken_fsync)
    with pytest.raises(WriteError, match="Input/output error") as info:
        write_atomic(dest, "new")
    assert info.value.filename == str(dest)
    assert list(tmp_path.iterdir()) == [dest] and dest.read_text() == "old"


def test_failed_rename_leaves_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_replace(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sio.os, "replace", broken_replace)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "x.json", "new")
    assert list(tmp_path.iterdir()) == []


# --- write_files --------------------------------------------------------------------------


def test_write_files_creates_the_folder_and_writes_all(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    got = write_files(out, {"r.csv": "x,y\n", "p.png": b"\x89PNG"})
    assert got == [out / "r.csv", out / "p.png"]
    assert sorted(p.name for p in out.iterdir()) == ["p.png", "r.csv"]


def test_write_files_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write_files(out, {"a.txt": "old a", "b.txt": "old b"})
    calls = []
    real = sio._write_temp

    def fail_second(dest: Path, data: bytes) -> Path:
        calls.append(dest.name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(dest, data)

    monkeypatch.setattr(sio, "_write_temp", fail_second)
    with pytest.raises(WriteError, match="No space left on device") as info:
        write_files(out, {"a.txt": "new a", "b.txt": "new b"})
    assert info.value.filename == str(out / "b.txt")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]
    assert (out / "a.txt").read_text() == "old a"


def test_write_files_entry_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "out" / "a.txt").mkdir(parents=True)
    with pytest.raises(WriteError, match="is a directory"):
        write_files(tmp_path / "out", {"b.txt": "b", "a.txt": "a"})
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.txt"]


def test_ensure_folder_with_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    with pytest.raises(WriteError, match="in the way") as info:
        ensure_folder(tmp_path / "taken")
    assert info.value.filename == str(tmp_path / "taken")
    with pytest.raises(WriteError):
        write_files(tmp_path / "taken", {"a": "b"})
    assert (tmp_path / "taken").read_text() == "x"


# --- strict JSON --------------------------------------------------------------------------


def test_dumps_json_turns_non_finite_numbers_into_null() -> None:
    text = dumps_json({"a": float("nan"), "b": [np.float64("inf")]})
    assert json.loads(text, parse_constant=refuse) == {"a": None, "b": [None]}


def test_dumps_json_recursive_and_numpy() -> None:
    doc = {
        "nested": {"x": (1.0, -math.inf, {"y": np.float32("nan")})},
        "arr": np.array([1.5, np.nan]),
        "i": np.int64(3),
        "ok": 2.5,
        "s": "NaN",
    }
    back = strict_loads(dumps_json(doc, sort_keys=True))
    assert back == {
        "arr": [1.5, None],
        "i": 3,
        "nested": {"x": [1.0, None, {"y": None}]},
        "ok": 2.5,
        "s": "NaN",
    }


def test_dumps_json_keeps_finite_documents_and_options() -> None:
    doc = {"b": 1, "a": [0.1, 2]}
    assert dumps_json(doc, indent=2, sort_keys=True) == json.dumps(doc, indent=2, sort_keys=True)
    assert dumps_json(doc, allow_nan=True) == json.dumps(doc)  # allow_nan is ignored


def test_dumps_json_applies_default_and_cleans_its_result() -> None:
    assert strict_loads(dumps_json({"s": {math.inf, 1.0}}, default=sorted)) == {"s": [1.0, None]}
    with pytest.raises(TypeError):
        dumps_json({"o": object()})


def test_to_json_safe_leaves_the_input_alone() -> None:
    doc = {"a": [math.nan]}
    assert to_json_safe(doc) == {"a": [None]}
    assert math.isnan(doc["a"][0])


@pytest.mark.parametrize("text", ["NaN", '{"a": Infinity}', "[-Infinity]"])
def test_strict_loads_refuses_the_extensions(text: str) -> None:
    with pytest.raises(ValueError):
        strict_loads(text)
