"""Issue 16: duplicate keys, numeric bounds and solver model errors (regression tests).

The fuzz suite (``test_fuzz_formats.py``) checks the general contract; these
tests pin the rules themselves: a repeated key is refused in JSON and TOML
naming the key, out-of-range magnitudes are refused at load time with the
rule, and a model no backend can solve is ``error`` on every backend, never
``infeasible`` or ``optimal``.
"""

from __future__ import annotations

import copy
import json
import math
import tomllib
from pathlib import Path

import pytest

import solver.backends.highs_scipy as highs_scipy
import solver.backends.highspy_direct as highspy_direct
import solver.backends.pulp_backend as pulp_backend
from solver.backends import BACKENDS, Status, run_backend
from solver.backends.base import LARGE_COEFFICIENT, model_trouble
from solver.cli import main
from solver.model import LinearModel
from solver.plan import load_schedule
from solver.scenario import DUPLICATE_RULE, ScenarioError, load_scenario, scenario_from_dict
from solver.sensitivity import load_spec
from tests.conftest import SMALL

SMALL_DOC = tomllib.loads(SMALL.read_text())
SPEC_TOML = 'description = "fuzz seed"\n[[parameter]]\npath = "discount"\nrange = [0.7, 0.9]\n'
PLAN_TOML = "[measures]\nR1 = 1\nR4 = 3\n[milestones]\nM1 = 1\nM2 = 2\nM3 = 3\n"


def _refused(path: Path, load) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        load(path)
    return err.value.problems


# --- duplicate keys ---------------------------------------------------------------------


def test_json_scenario_with_a_duplicate_key_is_refused(tmp_path: Path) -> None:
    text = json.dumps(SMALL_DOC)
    f = tmp_path / "dup.json"
    f.write_text(text.replace('"phases": 3', '"phases": 99, "phases": 3', 1))
    assert json.loads(f.read_text())["phases"] == 3  # what a plain reader keeps
    problems = _refused(f, load_scenario)
    assert problems == [f"{f}: key 'phases' appears twice in one object; {DUPLICATE_RULE}"]


def test_json_duplicate_key_deep_inside_is_refused(tmp_path: Path) -> None:
    text = json.dumps(SMALL_DOC).replace('"value": 10', '"value": 10, "value": 1e6', 1)
    f = tmp_path / "deep.json"
    f.write_text(text)
    assert "key 'value' appears twice" in _refused(f, load_scenario)[0]


def test_json_plan_and_spec_with_duplicate_keys_are_refused(tmp_path: Path) -> None:
    scenario = load_scenario(SMALL)
    plan = tmp_path / "plan.json"
    plan.write_text('{"measures": {"R1": 1, "R1": 2}, "milestones": {"M1": 1}}')
    assert "key 'R1' appears twice" in _refused(plan, lambda p: load_schedule(p, scenario))[0]
    spec = tmp_path / "spec.json"
    spec.write_text('{"parameter": [{"path": "discount", "range": [0.7, 0.9], "path": "x"}]}')
    assert "key 'path' appears twice" in _refused(spec, lambda p: load_spec(p, scenario))[0]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('name = "a"\nphases = 2\nphases = 3\n', "key 'phases' appears twice at the top level"),
        ("[parameters]\ndiscount = 0.8\ndiscount = 0.9\n", "key 'discount' appears twice in"),
        ("[parameters]\ndiscount = 0.8\n[parameters]\nreciprocity = 1\n", "[parameters] appears"),
    ],
)
def test_toml_duplicate_key_is_refused_naming_it(tmp_path: Path, text: str, named: str) -> None:
    f = tmp_path / "dup.toml"
    f.write_text(text)
    (problem,) = _refused(f, load_scenario)
    assert problem.startswith(f"{f}: not valid TOML (")
    assert named in problem and DUPLICATE_RULE in problem


def test_toml_duplicate_hint_only_for_duplicates(tmp_path: Path) -> None:
    f = tmp_path / "broken.toml"
    f.write_text('description = """\na = 1\na = 2\n"""\nphases = [\n')  # broken, no repeat
    (problem,) = _refused(f, load_scenario)
    assert "appears twice" not in problem


def test_relief_validate_exits_2_on_duplicate_json_key(tmp_path: Path, capsys) -> None:
    f = tmp_path / "dup.json"
    f.write_text(json.dumps(SMALL_DOC).replace('"name": "small"', '"name": "a", "name": "b"'))
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}: key 'name' appears twice" in err and "Traceback" not in err


# --- numeric bounds ---------------------------------------------------------------------


def _with(path: tuple, value: object) -> dict:
    doc = copy.deepcopy(SMALL_DOC)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "field", "rule"),
    [
        (("measures", 0, "value"), 1e308, "measures[0] (R1).value", "[-1e9, 1e9]"),
        (("measures", 0, "value"), 1e9 + 1, "measures[0] (R1).value", "[-1e9, 1e9]"),
        (("milestones", 0, "cost"), 2e9, "milestones[0] (M1).cost", "[-1e9, 1e9]"),
        (("actors", 1, "snapback_cost"), 1e300, "actors[1] (china).snapback_cost", "[-1e9"),
        (("actors", 0, "reservation"), -5e9, "actors[0] (us).reservation", "[-1e9, 1e9]"),
        (("parameters", "reciprocity"), 1e308, "parameters.reciprocity", "[-1e9, 1e9]"),
        (("parameters", "min_progress"), [1, 1e12, 1], "parameters.min_progress[1]", "[-1e9"),
        (("parameters", "discount"), 1 - 1e-16, "parameters.discount", "<= 1 - 1e-6"),
        (("parameters", "discount"), 1 - 1e-11, "parameters.discount", "<= 1 - 1e-6"),
        (("parameters", "phase_years"), 1e308, "parameters.phase_years", "1/365 and 100"),
        (("parameters", "phase_years"), 0.001, "parameters.phase_years", "1/365 and 100"),
    ],
)
def test_out_of_bounds_numbers_are_refused_with_the_rule(
    path: tuple, value: object, field: str, rule: str
) -> None:
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(_with(path, value), source="s.toml")
    (problem,) = err.value.problems
    assert problem.startswith(f"s.toml: {field} is ") and "numeric bound" in problem
    assert rule in problem


def test_per_phase_years_and_annual_discount_are_bounded() -> None:
    doc = _with(("parameters", "phase_years"), [1.0, 200.0, 1 / 400])
    doc["parameters"].pop("discount")
    doc["parameters"]["annual_discount"] = 1.0 - 1e-9
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(doc, source="s.toml")
    fields = sorted(p.split(" is ")[0] for p in err.value.problems)
    assert fields == [
        "s.toml: parameters.annual_discount",
        "s.toml: parameters.phase_years[1]",
        "s.toml: parameters.phase_years[2]",
    ]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("measures", 0, "value"), 1e9),
        (("milestones", 0, "cost"), 1e9),
        (("parameters", "discount"), 1 - 1e-6),
        (("parameters", "phase_years"), 1 / 365),
        (("parameters", "phase_years"), 100),
    ],
)
def test_numbers_on_the_bounds_are_accepted(path: tuple, value: object) -> None:
    doc = _with(path, value)
    if path == ("parameters", "phase_years") and value == 1 / 365:
        # a day-long phase needs a per-phase discount near 1: 0.8 a day would be an
        # annual discount of 4e-36, refused below 1e-6 (the next test)
        doc["parameters"]["discount"] = 0.9995
    scenario_from_dict(doc)


def test_a_per_phase_discount_implying_a_negligible_year_is_refused_with_the_rule() -> None:
    doc = _with(("parameters", "phase_years"), 1 / 365)  # at the scenario's 0.8 a phase
    with pytest.raises(ScenarioError, match=r"parameters\.discount is 0\.8; numeric bound"):
        scenario_from_dict(doc)


def test_relief_solve_refuses_a_huge_value_before_solving(tmp_path: Path, capsys) -> None:
    f = tmp_path / "huge.toml"
    f.write_text(SMALL.read_text().replace("value = 10\n", "value = 1e308\n", 1))
    out = tmp_path / "plan.json"
    assert main(["solve", str(f), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{f}: measures[0] (R1).value is 1e+308; numeric bound" in err
    assert not out.exists()


# --- solver model errors ----------------------------------------------------------------


def _toy(coef: float = 2.0, obj: float = 1.0, rhs: float = 5.0) -> LinearModel:
    m = LinearModel("toy")
    x = m.add_var("x", ub=3.0, integer=True, obj=obj)
    y = m.add_var("y", ub=4.0, obj=1.0)
    m.add_row("cap", {x: coef, y: 1.0}, ub=rhs)
    return m


BAD_MODELS = {
    "nan coefficient": (dict(coef=math.nan), "coefficient of column 'x' in row 'cap' is nan"),
    "inf coefficient": (dict(coef=math.inf), "coefficient of column 'x' in row 'cap' is inf"),
    "huge coefficient": (dict(coef=1e308), f"at most {LARGE_COEFFICIENT:g}"),
    "nan cost": (dict(obj=math.nan), "objective coefficient of column 'x' is nan"),
    "inf cost": (dict(obj=-math.inf), "objective coefficient of column 'x' is -inf"),
    "nan bound": (dict(rhs=math.nan), "bounds of row 'cap' are [-inf, nan]"),
}
LABEL = {
    "highs": "HiGHS via scipy: ",
    "highspy": "HiGHS via highspy: ",
    "cbc": "PuLP cbc: ",
    "pulp-highs": "PuLP pulp-highs: ",
}


def test_the_toy_model_solves_on_every_backend() -> None:
    for backend in BACKENDS:
        sol = run_backend(_toy(), backend, time_limit=10)
        assert sol.status is Status.OPTIMAL, (backend, sol.message)
        assert model_trouble(_toy()) is None


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", sorted(BAD_MODELS))
def test_unsolvable_model_is_error_on_every_backend(backend: str, case: str) -> None:
    kw, says = BAD_MODELS[case]
    sol = run_backend(_toy(**kw), backend, time_limit=10)
    assert sol.status is Status.ERROR, sol.message
    assert sol.message.startswith(LABEL[backend] + "model error: ") and says in sol.message
    assert sol.x is None and sol.objective is None and sol.backend == backend


@pytest.mark.parametrize("backend", BACKENDS)
def test_backend_own_model_error_is_error_not_infeasible(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the shared check, each backend's own refusal of an infinite coefficient
    (HiGHS's model error, which SciPy reports as status 2 "infeasible"; highspy's
    refused ``passModel``; CBC's failed run; PuLP-HiGHS's empty solution) is ``error``."""
    for module in (highs_scipy, highspy_direct, pulp_backend):
        monkeypatch.setattr(module, "model_trouble", lambda model: None)
    sol = run_backend(_toy(coef=math.inf), backend, time_limit=10)
    assert sol.status is Status.ERROR, sol.message
    assert sol.message.startswith(LABEL[backend])
    own = {
        "highs": "Model error",
        "highspy": "passModel refused",
        "cbc": "Error while executing",
        "pulp-highs": "the solver failed",
    }
    assert own[backend] in sol.message


def test_scipy_status_2_is_infeasible_unless_highs_says_model_error() -> None:
    assert highs_scipy.map_status(2, False, "The problem is infeasible.") is Status.INFEASIBLE
    assert highs_scipy.map_status(2, False, "(HiGHS Status 2: Model error)") is Status.ERROR


def test_highs_session_reports_a_model_error() -> None:
    model = _toy()
    session = highspy_direct.HighsSession(model)
    assert session.solve(model).status is Status.OPTIMAL
    bad = _toy(coef=math.nan)
    sol = session.solve(bad)
    assert sol.status is Status.ERROR and "is nan" in sol.message


# --- found by the fuzz suite ------------------------------------------------------------


def test_nfg_declaring_a_billion_strategies_is_refused_before_allocating(
    tmp_path: Path, capsys
) -> None:
    """``{ 1000000000 1 }`` made a billion strategy labels (the process was killed)."""
    f = tmp_path / "huge.nfg"
    f.write_text('NFG 1 R "g" { "a" "b" } { 1000000000 1 }\n')
    assert main(["game", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {f}: line 1: ") and "1000000000 profiles" in err


def test_nfg_short_of_payoffs_still_names_where_they_end(tmp_path: Path, capsys) -> None:
    f = tmp_path / "short.nfg"
    f.write_text('NFG 1 R "g" { "a" "b" } { 2 2 }\n1 2 3')
    assert main(["game", str(f)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {f}: line 2: unexpected end of file")


def test_nfg_count_too_long_for_an_int_is_refused_and_shortened(tmp_path: Path, capsys) -> None:
    f = tmp_path / "digits.nfg"
    f.write_text('NFG 1 R "g" { "a" "b" } { ' + "1" * 5000 + " 1 }\n")
    assert main(["game", str(f)]) == 2
    err = capsys.readouterr().err
    assert "strategy counts must be positive integers" in err and len(err) < 300


@pytest.mark.parametrize("command", [["game"], ["rcpsp", "--time-limit", "1"]])
def test_game_and_rcpsp_reads_are_bounded(command: list[str], capsys) -> None:
    """``/dev/zero`` never ends: the readers stop after their size bound."""
    assert main([command[0], "/dev/zero", *command[1:]]) == 2
    assert "/dev/zero: the file is larger than 64 MiB" in capsys.readouterr().err


@pytest.mark.parametrize("number", ["1" + "0" * 400, "1" + "0" * 5000, "10000000001"])
def test_psplib_integer_beyond_the_bound_is_refused(number: str, tmp_path: Path, capsys) -> None:
    """A 400-digit capacity gave an OverflowError traceback from ``relief rcpsp``."""
    from tests.unit.test_rcpsp_reader import tiny_text

    f = tmp_path / "big.sm"
    f.write_text(tiny_text(capacities=[int(number[:12])]).replace(number[:12], number))
    assert main(["rcpsp", str(f), "--time-limit", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {f}: line ") and "larger than 1e+09" in err and len(err) < 300


@pytest.mark.parametrize(
    ("payoff", "why"),
    [
        ("1e999999999", "10**999999999 as a Fraction"),
        ("1" + "0" * 400 + "/1", "float() overflow"),
        ("1" * 5000, "int digit limit"),
    ],
)
def test_nfg_payoff_beyond_float_range_is_refused(
    payoff: str, why: str, tmp_path: Path, capsys
) -> None:
    """A 400-digit rational payoff gave an OverflowError traceback (``why`` it failed)."""
    f = tmp_path / "big.nfg"
    f.write_text(f'NFG 1 R "g" {{ "a" "b" }} {{ 1 1 }}\n{payoff} 1\n')
    assert main(["game", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {f}: line 2: ") and "within floating-point range" in err


def test_store_row_with_an_integer_beyond_float_range_is_refused(tmp_path: Path, capsys) -> None:
    """A stored sample holding a 400-digit integer gave an OverflowError traceback."""
    import sqlite3

    from solver.sensitivity.runner import run_sweep
    from solver.sensitivity.store import row_digest

    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC_TOML)
    store = tmp_path / "sweep.sqlite"
    scenario = load_scenario(SMALL)
    run_sweep(scenario, load_spec(spec, scenario), method="oat", store=store)
    db = sqlite3.connect(store)
    (result,) = db.execute("SELECT result FROM results WHERE idx = 0").fetchone()
    sample = '{"discount": 1' + "0" * 400 + "}"
    db.execute(
        "UPDATE results SET sample = ?, digest = ? WHERE idx = 0",
        (sample, row_digest(0, sample, result)),
    )
    db.commit()
    db.close()
    args = ["sensitivity", str(SMALL), "--spec", str(spec), "--method", "oat"]
    assert main([*args, "--store", str(store), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {store}: ") and "Traceback" not in err


def test_store_with_damaged_text_bytes_is_refused_naming_it(tmp_path: Path, capsys) -> None:
    """Invalid UTF-8 in a stored cell gave ``error: 'utf-8' codec can't decode ...``
    without the store's name (found by ``make fuzz``)."""
    from solver.sensitivity.runner import run_sweep

    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC_TOML)
    store = tmp_path / "sweep.sqlite"
    scenario = load_scenario(SMALL)
    run_sweep(scenario, load_spec(spec, scenario), method="oat", store=store)
    good = store.read_bytes()
    at = good.find(b"CREATE TABLE results (")  # the schema text in sqlite_master
    assert at > 0
    args = ["sensitivity", str(SMALL), "--spec", str(spec), "--method", "oat"]
    codec = 0
    for k in range(at, at + 60):  # each byte of the schema text made non-UTF-8 in turn
        data = bytearray(good)
        data[k] ^= 0xFF
        store.write_bytes(bytes(data))
        code = main([*args, "--store", str(store), "--json"])
        err = capsys.readouterr().err
        assert code == 2 and err.startswith(f"error: {store}: "), err
        codec += "codec can't decode" in err
    assert codec  # Python's decoding failed on some of them, and still named the store
