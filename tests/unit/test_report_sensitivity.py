"""The report's sweep-results contract: normalisation, validation messages, loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solver import ScenarioError, default_scenario_path, load_scenario
from solver.report.sensitivity import load_sensitivity, normalize

OAT_ROW = {"parameter": "discount", "low": 0.7, "high": 0.9, "output_low": 1.0, "output_high": 3.0}


def test_single_result_list_and_document_normalise_alike() -> None:
    one = {"method": "tornado", "summary": {"rows": [OAT_ROW]}}
    a = normalize(one, "f.json")
    b = normalize([one], "f.json")
    c = normalize({"results": [one], "seed": 7, "spec": {"n": 10}}, "f.json")
    assert a["results"] == b["results"] == c["results"]
    assert a["results"][0]["method"] == "oat"
    assert (a["seed"], c["seed"], c["spec"]) == (None, 7, {"n": 10})


def test_aliases_map_to_canonical_methods() -> None:
    doc = normalize(
        [
            {"method": "stability", "summary": {"rows": []}},
            {"method": "monte_carlo", "summary": {"rows": []}},
            {"method": "breakeven", "summary": {"rows": []}},
        ],
        "f.json",
    )
    assert [r["method"] for r in doc["results"]] == ["montecarlo", "montecarlo", "thresholds"]


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (
            {"method": "fft", "summary": {"rows": []}},
            r"method is 'fft'; it must be one of",
        ),
        (
            {"method": "oat", "summary": {}},
            r"summary\.rows is None; it must be a list",
        ),
        (
            {"method": "oat", "summary": {"rows": [{**OAT_ROW, "high": "x"}]}},
            r"summary\.rows\[0\]\.high is 'x'; it must be a finite number",
        ),
        (
            {"method": "sobol", "summary": {"rows": [{"parameter": "a", "S1": 0.1}]}},
            r"summary\.rows\[0\] has no 'S1_conf'; a sobol row needs",
        ),
        (
            {
                "method": "montecarlo",
                "summary": {
                    "rows": [
                        {"id": "R1", "kind": "measure", "probabilities": [0.5, 1.5], "never": 0.0}
                    ]
                },
            },
            r"summary\.rows\[0\]\.probabilities is \[0\.5, 1\.5\]; it must list shares in \[0, 1\]",
        ),
        (
            {
                "method": "morris",
                "summary": {"rows": [{"parameter": "", "mu_star": 1, "sigma": 1}]},
            },
            r"summary\.rows\[0\]\.parameter is ''; it must be a non-empty string",
        ),
        (
            {
                "method": "thresholds",
                "summary": {
                    "rows": [],
                    "curves": [{"parameter": "d", "x": [1], "y": [1, 2], "threshold": None}],
                },
            },
            r"summary\.curves\[0\]\.x/y are \[1\]/\[1, 2\]; they must be equal-length number lists",
        ),
        (
            {"method": "oat", "summary": {"rows": [{**OAT_ROW, "low": float("nan")}]}},
            r"summary\.rows\[0\]\.low is nan; it must be a finite number",
        ),
    ],
)
def test_contract_violations_name_file_field_value_and_rule(result: dict, message: str) -> None:
    with pytest.raises(ScenarioError, match=r"^sweep\.json: results\[0\]\." + message):
        normalize([result], "sweep.json")


def test_threshold_may_be_null_but_seed_must_be_an_integer() -> None:
    row = {"parameter": "discount", "base": 0.8, "threshold": None}
    assert normalize([{"method": "thresholds", "summary": {"rows": [row]}}], "f")["results"]
    with pytest.raises(ScenarioError, match=r"f: seed is 'x'"):
        normalize({"results": [], "seed": "x"}, "f")
    with pytest.raises(ScenarioError, match=r"f: results is missing"):
        normalize({"rows": []}, "f")


def test_every_problem_is_reported_at_once() -> None:
    bad = [{"method": "oat", "summary": {"rows": [{"parameter": "a"}]}}]
    with pytest.raises(ScenarioError) as err:
        normalize(bad, "f")
    assert len(err.value.problems) == 4  # low, high, output_low, output_high


def test_load_sensitivity_reads_json_and_rejects_missing_or_garbage(tmp_path: Path) -> None:
    good = tmp_path / "s.json"
    good.write_text(json.dumps({"method": "oat", "summary": {"rows": [OAT_ROW]}}))
    assert load_sensitivity(good)["results"][0]["summary"]["rows"] == [OAT_ROW]
    with pytest.raises(ScenarioError, match=r"nope\.db: sensitivity store not found"):
        load_sensitivity(tmp_path / "nope.db")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01not json")
    with pytest.raises(ScenarioError, match=r"junk\.bin: not a sensitivity store"):
        load_sensitivity(junk)


def test_sample_sensitivity_satisfies_the_contract() -> None:
    from solver.report.sample import sample_sensitivity

    s = load_scenario(default_scenario_path())
    doc = sample_sensitivity(s, seed=1)
    again = normalize(json.loads(json.dumps(doc)), "sample")
    assert again["results"] == doc["results"]
    mc = next(r for r in doc["results"] if r["method"] == "montecarlo")["summary"]
    assert len(mc["rows"]) == len(s.measures) + len(s.milestones)
    for row in mc["rows"]:
        assert len(row["probabilities"]) == s.phases
        assert sum(row["probabilities"]) + row["never"] == pytest.approx(1.0, abs=1e-9)
