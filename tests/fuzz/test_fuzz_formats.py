"""Fuzz suite (issue 16): every input format, mutated, against the bad-input contract.

For each format (scenario TOML and JSON, plan TOML and JSON, sensitivity spec
TOML and JSON, ``.nfg`` games, PSPLIB ``.sm`` files, a result store) valid
shipped documents are mutated (``tests/fuzz/mutations.py``) and the real
command runs in-process (``solver.cli.main``): it must exit 2 naming the file
with no traceback, or exit 0/1 with a valid result; it must not run past the
per-case limit, and an ``--out`` file is either absent or complete JSON.
``make test`` runs ``FUZZ_EXAMPLES=25`` examples per format, ``make fuzz``
2000 (derandomized both times).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.plan import dumps as dump_plan
from solver.scenario import ScenarioError, load_scenario
from solver.sensitivity import load_spec
from solver.sensitivity.runner import run_sweep
from solver.sensitivity.spec import named_scenario
from solver.solve import solve
from tests.conftest import FIXTURES, ROOT, SMALL
from tests.fuzz.mutations import (
    EXTREMES,
    FUZZ,
    UNICODE,
    case_limit,
    check_output_file,
    count,
    damaged,
    dump,
    encode,
    mutated,
    run_cli,
)
from tests.unit.test_rcpsp_reader import make_sm, tiny_text

MODELS = ROOT / "models"
DPRK = MODELS / "dprk_2018.toml"
SPEC_SMALL = 'description = "fuzz seed"\n[[parameter]]\npath = "discount"\nrange = [0.7, 0.9]\n'
PLAN_SMALL = "[measures]\nR1 = 1\nR2 = 2\nR3 = 2\nR4 = 3\n[milestones]\nM1 = 1\nM2 = 2\nM3 = 3\n"


@dataclass(frozen=True)
class Seed:
    """A valid document: its file name, bytes, parsed form and the scenario it goes with."""

    name: str
    raw: bytes
    doc: Any
    scenario: Path = SMALL


def _toml_seed(path: Path, scenario: Path = SMALL) -> Seed:
    return Seed(path.name, path.read_bytes(), tomllib.loads(path.read_text()), scenario)


def _json_seed(name: str, doc: Any, scenario: Path = SMALL) -> Seed:
    return Seed(name, json.dumps(doc, indent=1).encode(), doc, scenario)


def _text_seed(name: str, text: str, scenario: Path = SMALL) -> Seed:
    return Seed(name, text.encode(), tomllib.loads(text), scenario)


SCENARIO_TOML = [_toml_seed(SMALL), _toml_seed(MODELS / "dprk_minimal.toml")]
SCENARIO_JSON = [_json_seed(s.name.replace(".toml", ".json"), s.doc) for s in SCENARIO_TOML]
PLAN_TOML = [
    _text_seed("plan.toml", PLAN_SMALL),
    _toml_seed(MODELS / "plans" / "proposal_2018.toml", DPRK),
]
SPEC_TOML = [
    _text_seed("spec.toml", SPEC_SMALL),
    _toml_seed(MODELS / "dprk_2018_sensitivity.toml", DPRK),
]
SPEC_JSON = [_json_seed("spec.json", SPEC_TOML[0].doc)]


def _plan_json_seeds() -> list[Seed]:
    scenario = load_scenario(SMALL)
    document = json.loads(dump_plan(solve(scenario, ranges=False)))
    return [
        _json_seed("plan.json", document),
        _json_seed("table.json", tomllib.loads(PLAN_SMALL)),
    ]


PLAN_JSON = _plan_json_seeds()
NFG = sorted((FIXTURES / "games").glob("*.nfg"))
SM = [
    tiny_text().encode(),
    make_sm(
        [0, 1, 2, 3, 0],
        [[2, 3, 4], [5], [5], [5], []],
        [[0, 0], [1, 2], [2, 1], [1, 1], [0, 0]],
        [2, 2],
    ).encode(),
]


def _structured(seeds: list[Seed], fmt: str) -> st.SearchStrategy[tuple[Seed, bytes]]:
    """Either a structured mutation written back as ``fmt``, or text damage of the seed."""

    def cases(seed: Seed) -> st.SearchStrategy[tuple[Seed, bytes]]:
        written = st.tuples(mutated(seed.doc), st.booleans()).map(
            lambda d: encode(dump(d[0], fmt, ascii_only=d[1]))
        )
        return st.tuples(st.just(seed), st.one_of(written, damaged(seed.raw)))

    return st.sampled_from(seeds).flatmap(cases)


def _text(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    """Text damage of one seed, applied once or twice."""
    once = st.sampled_from(seeds).flatmap(damaged)
    return st.one_of(once, once.flatmap(damaged))


@pytest.fixture
def folder() -> Iterator[Callable[[], Path]]:
    """A fresh temporary folder per example (hypothesis reuses function fixtures)."""
    made: list[str] = []

    def new() -> Path:
        made.append(tempfile.mkdtemp(prefix="fuzz-"))
        return Path(made[-1])

    yield new
    for d in made:
        shutil.rmtree(d, ignore_errors=True)


def _write(folder: Path, name: str, raw: bytes) -> Path:
    f = folder / name
    f.write_bytes(raw)
    return f


# --- scenarios --------------------------------------------------------------------------


def _scenario_case(capsys: Any, fmt: str, f: Path, out_dir: Path) -> None:
    code, _, _ = run_cli(capsys, fmt, ["validate", str(f)], [f])
    assert code in (0, 2)
    if code == 0:  # a valid scenario: solve it, with --out
        out = out_dir / "plan.json"
        args = ["solve", str(f), "--no-ranges", "--time-limit", "5", "--json", "--out", str(out)]
        code, _, _ = run_cli(capsys, fmt, args, [f, out], json_out=True)
        check_output_file(out, code)


@FUZZ
@given(case=_structured(SCENARIO_TOML, "toml"))
def test_fuzz_scenario_toml(case: tuple[Seed, bytes], capsys: Any, folder: Any) -> None:
    count("scenario toml")
    d = folder()
    _scenario_case(capsys, "scenario toml", _write(d, "scenario.toml", case[1]), d)


@FUZZ
@given(case=_structured(SCENARIO_JSON, "json"))
def test_fuzz_scenario_json(case: tuple[Seed, bytes], capsys: Any, folder: Any) -> None:
    count("scenario json")
    d = folder()
    _scenario_case(capsys, "scenario json", _write(d, "scenario.json", case[1]), d)


# --- plans ------------------------------------------------------------------------------


def _plan_case(capsys: Any, fmt: str, seed: Seed, f: Path) -> None:
    args = ["validate", "--plan", str(f), str(seed.scenario)]
    code, _, _ = run_cli(capsys, fmt, args, [f])
    assert code in (0, 2)
    if code == 0 and seed.scenario == SMALL:  # a valid plan: check it
        code, _, _ = run_cli(capsys, fmt, ["check", str(SMALL), "--plan", str(f), "--json"], [f],
                             json_out=True)  # fmt: skip


@FUZZ
@given(case=_structured(PLAN_TOML, "toml"))
def test_fuzz_plan_toml(case: tuple[Seed, bytes], capsys: Any, folder: Any) -> None:
    count("plan toml")
    _plan_case(capsys, "plan toml", case[0], _write(folder(), "plan.toml", case[1]))


@FUZZ
@given(case=_structured(PLAN_JSON, "json"))
def test_fuzz_plan_json(case: tuple[Seed, bytes], capsys: Any, folder: Any) -> None:
    count("plan json")
    _plan_case(capsys, "plan json", case[0], _write(folder(), "plan.json", case[1]))


# --- sensitivity specs ------------------------------------------------------------------

SCENARIOS = {SMALL: load_scenario(SMALL), DPRK: load_scenario(DPRK)}


def _spec_case(capsys: Any, fmt: str, seed: Seed, f: Path) -> None:
    with case_limit():
        try:
            named_scenario(f)
            spec = load_spec(f, SCENARIOS[seed.scenario])
        except ScenarioError as exc:
            assert exc.problems and all(str(f) in p for p in exc.problems), exc.problems
            return
    assert spec.names
    if seed.scenario == SMALL and len(spec.names) <= 3:  # a valid small spec: run it
        args = ["sensitivity", str(SMALL), "--spec", str(f), "--method", "oat", "--json"]
        run_cli(capsys, fmt, args, [f], json_out=True)


@FUZZ
@given(case=_structured(SPEC_TOML, "toml"))
def test_fuzz_spec_toml(case: tuple[Seed, bytes], capsys: Any, folder: Any) -> None:
    count("spec toml")
    _spec_case(capsys, "spec toml", case[0], _write(folder(), "spec.toml", case[1]))


@FUZZ
@given(case=_structured(SPEC_JSON, "json"))
def test_fuzz_spec_json(case: tuple[Seed, bytes], capsys: Any, folder: Any) -> None:
    count("spec json")
    _spec_case(capsys, "spec json", case[0], _write(folder(), "spec.json", case[1]))


# --- games and RCPSP instances ----------------------------------------------------------


@FUZZ
@given(raw=_text([f.read_bytes() for f in NFG]))
def test_fuzz_nfg(raw: bytes, capsys: Any, folder: Any) -> None:
    count("nfg")
    f = _write(folder(), "game.nfg", raw)
    run_cli(capsys, "nfg", ["game", str(f), "--json"], [f], json_out=True)


@FUZZ
@given(raw=_text(SM))
def test_fuzz_psplib(raw: bytes, capsys: Any, folder: Any) -> None:
    count("psplib")
    f = _write(folder(), "instance.sm", raw)
    run_cli(capsys, "psplib", ["rcpsp", str(f), "--time-limit", "1", "--json"], [f],
            json_out=True)  # fmt: skip


# --- result stores ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_store() -> Iterator[tuple[Path, Path]]:
    """A complete store of a 3-sample oat sweep of the small scenario, and its spec."""
    d = Path(tempfile.mkdtemp(prefix="fuzz-store-"))
    spec = d / "spec.toml"
    spec.write_text(SPEC_SMALL)
    store = d / "sweep.sqlite"
    scenario = SCENARIOS[SMALL]
    run_sweep(scenario, load_spec(spec, scenario), method="oat", store=store)
    yield spec, store
    shutil.rmtree(d, ignore_errors=True)


def _sql_json(doc: Any) -> st.SearchStrategy[str]:
    return st.tuples(mutated(doc), st.booleans()).map(lambda d: dump(d[0], "json", d[1]))


@st.composite
def store_edit(
    draw: Callable[..., Any], rows: list[tuple[int, str, str]]
) -> Callable[[Path], None]:
    """One damage to a store: its bytes, its tables, its meta or one row."""
    kind = draw(st.sampled_from(["bytes", "row", "meta", "schema"]))
    if kind == "bytes":
        how = draw(st.sampled_from(["truncate", "flip", "zero"]))
        at = draw(st.integers(0, 2**16))

        def edit(p: Path) -> None:
            data = bytearray(p.read_bytes())
            if not data:
                return
            i = at % len(data)
            if how == "truncate":
                del data[i:]
            elif how == "flip":
                data[i] ^= 0xFF
            else:
                data[i : i + 512] = bytes(len(data[i : i + 512]))
            p.write_bytes(bytes(data))

        return edit
    if kind == "row":
        idx, sample, result = draw(st.sampled_from(rows))
        column = draw(st.sampled_from(["sample", "result", "digest", "idx"]))
        doc = json.loads(sample if column == "sample" else result)
        value: Any = draw(
            _sql_json(doc)
            if column in ("sample", "result")
            else st.sampled_from([*UNICODE, "", "0" * 64, -1, 10**18, 1.5, None])
        )
        sql, params = f"UPDATE results SET {column} = ? WHERE idx = ?", (value, idx)
    elif kind == "meta":
        key = draw(st.sampled_from(["format", "method", "seed", "samples", "spec_sha256", "zzz"]))
        value = draw(st.one_of(st.sampled_from([*UNICODE, "null", "{}", "[]"]),
                               st.sampled_from(EXTREMES[4:12]).map(json.dumps)))  # fmt: skip
        sql, params = "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value)
    else:
        sql = draw(
            st.sampled_from(
                [
                    "DROP TABLE results",
                    "DROP TABLE meta",
                    "DELETE FROM meta",
                    "ALTER TABLE results ADD COLUMN extra TEXT",
                    "INSERT INTO results VALUES (99, '{}', '{}', '')",
                    "CREATE TABLE extra (x)",
                    "DELETE FROM results WHERE idx = 1",
                ]
            )
        )
        params = ()

    def run_sql(p: Path) -> None:
        db = sqlite3.connect(p)
        try:
            db.execute(sql, params)
            db.commit()
        except (sqlite3.Error, UnicodeError):
            pass  # the UNIQUE idx, a lone surrogate SQLite cannot bind: no change
        finally:
            db.close()

    return run_sql


def _rows(store: Path) -> list[tuple[int, str, str]]:
    db = sqlite3.connect(store)
    try:
        return list(db.execute("SELECT idx, sample, result FROM results ORDER BY idx"))
    finally:
        db.close()


@FUZZ
@given(data=st.data())
def test_fuzz_result_store(
    data: st.DataObject, good_store: tuple[Path, Path], capsys: Any, folder: Any
) -> None:
    count("store")
    spec, good = good_store
    store = folder() / "sweep.sqlite"
    shutil.copyfile(good, store)
    for _ in range(data.draw(st.integers(1, 2))):
        data.draw(store_edit(_rows(good)))(store)
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    args = ["sensitivity", str(SMALL), "--spec", str(spec), "--method", "oat"]
    code, _, _ = run_cli(capsys, "store", [*args, "--store", str(store), "--json"], [store],
                         json_out=True)  # fmt: skip
    if code == 2:  # a refused store is left byte for byte as it was
        assert hashlib.sha256(store.read_bytes()).hexdigest() == before


# --- a sample as real processes ---------------------------------------------------------

PROCESS_CASES = {
    "scenario.json": (
        ["validate"],
        b'{"name": "x", "phases": 99, "phases": 2, "measures": [], "milestones": []}',
    ),
    "scenario.toml": (["validate"], SMALL.read_bytes().replace(b"value = 10", b"value = 1e308")),
    "deep.json": (["validate"], b"[" * 100_000 + b"]" * 100_000),
    "surrogate.json": (["validate"], SMALL.read_bytes()[:0] + b'{"name": "\\ud800"}'),
    "game.nfg": (["game"], b'NFG 1 R "g" { "a" "b" } { 1000000000 1 }\n'),
    "instance.sm": (["rcpsp", "--time-limit", "1"], SM[0][: len(SM[0]) // 2]),
}


@pytest.mark.parametrize("name", sorted(PROCESS_CASES))
def test_fuzz_sample_as_a_subprocess(name: str, tmp_path: Path) -> None:
    """A few nasty cases through the real ``relief`` process: exit 2, the file, no traceback."""
    command, raw = PROCESS_CASES[name]
    f = tmp_path / name
    f.write_bytes(raw)
    out = subprocess.run(
        [sys.executable, "-m", "solver.cli", command[0], str(f), *command[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr and f"error: {f}" in out.stderr, out.stderr
