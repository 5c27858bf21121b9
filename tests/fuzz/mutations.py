"""Mutation strategies, serialisers and the contract check of the fuzz suite (issue 16).

A *case* is a valid shipped document (``models/``, ``tests/fixtures/``) changed
by one to three mutations: type swaps, shape changes, extreme numbers, deep
nesting, unicode (lone surrogates, right-to-left marks, NUL), deleted and
unknown keys, duplicate keys, and text damage (truncation, dropped or
repeated lines, bad bytes).  Structured mutations act on the parsed document,
which is then written back as JSON or TOML by the small serialisers here
(they can write what no library writer would: repeated keys, 5,000-digit
integers, 100,000-deep arrays); text mutations act on the file's bytes.

The number of examples per format is ``FUZZ_EXAMPLES`` (default 25, what
``make test`` runs; ``make fuzz`` sets 2000); runs are derandomized, so a
failure is reproducible from the same ``FUZZ_EXAMPLES``.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from solver.io import strict_loads

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
"""Examples per format: 25 in ``make test``, ``FUZZ_EXAMPLES`` otherwise."""

CASE_SECONDS = float(os.environ.get("FUZZ_CASE_SECONDS", "60"))
"""Per-case limit: a case still running after this long is a hang (a failure)."""

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
"""Settings of every fuzz test."""

TRIED: dict[str, int] = {}
"""Cases (examples) run per format in this process (the suite's summary prints them)."""


def count(fmt: str) -> None:
    """Count one case of format ``fmt`` in :data:`TRIED`."""
    TRIED[fmt] = TRIED.get(fmt, 0) + 1


class Raw(str):
    """Text written into a document verbatim (a number no float holds, deep nesting)."""


class Dup(dict):  # type: ignore[type-arg]
    """A table/object whose serialisation repeats ``repeat`` (key, value) pairs."""

    repeat: list[tuple[str, Any]]


def nested(depth: int) -> Raw:
    """An array nested ``depth`` deep."""
    return Raw("[" * depth + "]" * depth)


EXTREMES: list[Any] = [
    Raw("1" + "0" * 400),
    Raw("-" + "9" * 5000),
    Raw("1e999"),
    Raw("-1e999"),
    1e308,
    -1e308,
    1.7976931348623157e308,
    5e-324,
    -0.0,
    2**63,
    -(2**63) - 1,
    2**64 + 1,
    math.nan,
    math.inf,
    -math.inf,
    1e9 + 1,
    1 - 1e-16,
    1 - 1e-11,
    -1,
    0,
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "1e308",
    "0x10",
    "",
]
"""Numbers at and beyond the limits, and strings that look like numbers."""

UNICODE: list[str] = [
    "\ud800",
    "x\udfffy",
    "\u202eevil",
    "\u200f\u05d0",
    "\x00",
    "a\x00b",
    "\ufeffbom",
    "\U0001d54f",
    "e\u0301",
    "$\\foo$",
    "line\u2028sep",
    "<script>",
    "a" * 5000,
]
"""Strings that break naive readers and writers."""

SWAPS: list[Any] = ["x", 1, 1.5, True, False, [], {}, [1, 2], ["a"], {"a": 1}, None]
"""Values of every type, for type swaps (``None`` only survives in JSON)."""


def _paths(doc: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*prefix, i))


def _get(doc: Any, path: tuple) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _set(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def _shape(v: Any, how: int) -> Any:
    if how == 0:
        return [v]
    if how == 1:
        return {"v": v}
    if how == 2 and isinstance(v, list):
        return v[0] if v else None
    if how == 2 and isinstance(v, dict):
        return list(v.values())
    if how == 3:
        return [v, copy.deepcopy(v)]
    return type(v)() if isinstance(v, list | dict | str) else [v]


@st.composite
def mutated(draw: Callable[..., Any], seed: Any) -> Any:
    """A copy of the parsed document ``seed`` with one to three structured mutations."""
    doc = copy.deepcopy(seed)  # never share a mutable value between cases (or with SWAPS)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        here = _get(doc, path)
        op = draw(
            st.sampled_from(
                ["swap", "shape", "extreme", "nest", "unicode", "key", "dup", "drop", "extra"]
            )
        )
        if op == "swap":
            doc = _set(doc, path, copy.deepcopy(draw(st.sampled_from(SWAPS))))
        elif op == "shape":
            doc = _set(doc, path, _shape(here, draw(st.integers(0, 4))))
        elif op == "extreme":
            doc = _set(doc, path, draw(st.sampled_from(EXTREMES)))
        elif op == "nest":
            doc = _set(doc, path, nested(draw(st.sampled_from([30, 1000, 100_000]))))
        elif op == "unicode":
            doc = _set(doc, path, draw(st.sampled_from(UNICODE)))
        elif isinstance(here, dict) and here:
            key = draw(st.sampled_from(sorted(here)))
            if op == "key":  # rename a key to a strange one
                here[draw(st.sampled_from(UNICODE))] = here.pop(key)
            elif op == "dup":  # the key again, with another value
                d = Dup(here)
                d.repeat = [(key, copy.deepcopy(draw(st.sampled_from([*SWAPS, *EXTREMES[4:8]]))))]
                doc = _set(doc, path, d)
            elif op == "drop":
                del here[key]
            else:
                here[draw(st.sampled_from(["zzz", "Id", "value ", key.upper()]))] = 1
        elif isinstance(here, list) and here and op in ("drop", "dup"):
            if op == "drop":
                del here[draw(st.integers(0, len(here) - 1))]
            else:
                here.append(json.loads(json.dumps(here[-1], default=str)))
    return doc


def _number(v: float | int, fmt: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if math.isnan(v):
        return "NaN" if fmt == "json" else "nan"
    if math.isinf(v):
        return (
            ("Infinity" if fmt == "json" else "inf")
            if v > 0
            else ("-Infinity" if fmt == "json" else "-inf")
        )
    return repr(v)


def dump(doc: Any, fmt: str, ascii_only: bool = True) -> str:
    """Write ``doc`` as JSON or TOML (``fmt``), with :class:`Raw` and :class:`Dup` honoured.

    TOML is written as top-level ``key = value`` lines with inline tables and
    arrays; a top level that is not a table gives ``value = ...`` (refused).
    """

    def val(v: Any) -> str:
        if isinstance(v, Raw):
            return str(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=ascii_only)
        if v is None:
            return "null" if fmt == "json" else '""'
        if isinstance(v, bool | int | float):
            return _number(v, fmt)
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        pairs = [*v.items(), *getattr(v, "repeat", [])]
        sep = ": " if fmt == "json" else " = "
        return (
            "{"
            + ", ".join(
                json.dumps(str(k), ensure_ascii=ascii_only) + sep + val(x) for k, x in pairs
            )
            + "}"
        )

    if fmt == "json":
        return val(doc)
    if not isinstance(doc, dict):
        return f"value = {val(doc)}\n"
    pairs = [*doc.items(), *getattr(doc, "repeat", [])]
    return "".join(f"{json.dumps(str(k), ensure_ascii=ascii_only)} = {val(v)}\n" for k, v in pairs)


def encode(text: str) -> bytes:
    """UTF-8, with lone surrogates written as their (invalid) three-byte forms."""
    return text.encode("utf-8", "surrogatepass")


@st.composite
def damaged(draw: Callable[..., Any], data: bytes) -> bytes:
    """``data`` with text damage: truncated, lines dropped/repeated/swapped, bad bytes."""
    op = draw(st.sampled_from(["truncate", "drop", "repeat", "swap", "bytes", "tokens"]))
    if op == "truncate":
        return data[: draw(st.integers(0, max(0, len(data) - 1)))]
    if op == "bytes":
        at = draw(st.integers(0, len(data)))
        junk = draw(st.sampled_from([b"\xff", b"\x00", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\x80"]))
        return data[:at] + junk + data[at:]
    lines = data.split(b"\n")
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(0, len(lines) - 1))
    if op == "drop":
        del lines[i]
    elif op == "repeat":
        lines.insert(j, lines[i])
    elif op == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    else:  # replace one whitespace-separated token
        words = lines[i].split(b" ")
        k = draw(st.integers(0, len(words) - 1))
        words[k] = draw(
            st.sampled_from(
                [
                    b"1" + b"0" * 400,
                    b"-1",
                    b"1e308",
                    b"nan",
                    b"1.5",
                    b"{",
                    b"}",
                    b'"',
                    b"",
                    b"1000000000",
                    b"100000",
                    b"\xe2\x80\xae",
                    b"0",
                ]
            )
        )
        lines[i] = b" ".join(words)
    return b"\n".join(lines)


class HangError(AssertionError):
    """A case ran past :data:`CASE_SECONDS`."""


@contextlib.contextmanager
def case_limit(seconds: float = CASE_SECONDS) -> Iterator[None]:
    """Fail a case that runs longer than ``seconds`` (a hang guard, not a timing test)."""

    def hang(signum: int, frame: Any) -> None:
        raise HangError(f"the case ran longer than {seconds:g} s (a hang)")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(
    capsys: Any, fmt: str, args: list[str], named: list[str], json_out: bool = False
) -> tuple[int, str, str]:
    """Run ``relief ARGS`` in-process and check the contract; return ``(code, out, err)``.

    Exit 2 must print an error naming one of ``named`` (the input files) and no
    traceback; exit 0 or 1 must print a valid result (with ``json_out``, one
    strict JSON document); any other outcome, an exception, or a run past the
    per-case limit fails the test.
    """
    from solver.cli import main

    capsys.readouterr()
    # the streams of a real process: stdout strict UTF-8, stderr with Python's
    # backslashreplace (a lone surrogate in an error message is printed escaped)
    streams = [
        io.TextIOWrapper(io.BytesIO(), "utf-8", errors=e) for e in ("strict", "backslashreplace")
    ]
    with (
        case_limit(),
        contextlib.redirect_stdout(streams[0]),
        contextlib.redirect_stderr(streams[1]),
    ):
        code = main(args)
    out, err = (s.flush() or s.buffer.getvalue().decode("utf-8") for s in streams)  # type: ignore[attr-defined]
    assert "Traceback" not in err and "Traceback" not in out, err
    assert code in (0, 1, 2), (code, err)
    if code == 2:
        assert err.startswith("error: ") or "\nerror: " in err, err
        assert any(str(n) in err for n in named), (named, err)
    elif json_out:
        doc = strict_loads(out)
        assert isinstance(doc, dict) and doc, out[:200]
    return code, out, err


def check_output_file(path: Any, code: int) -> None:
    """An ``--out`` file is absent, or complete strict JSON (never written on exit 2)."""
    if code == 2:
        assert not path.exists(), "a refused input still wrote --out"
        return
    if path.exists():
        doc = strict_loads(path.read_text(encoding="utf-8"))
        assert isinstance(doc, dict) and "status" in doc
