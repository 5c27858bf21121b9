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
    assert [(r["method"], r["summary"]) for r in again["results"]] == [
        (r["method"], r["summary"]) for r in doc["results"]
    ]
    mc = next(r for r in doc["results"] if r["method"] == "montecarlo")["summary"]
    assert len(mc["rows"]) == len(s.measures) + len(s.milestones)
    for row in mc["rows"]:
        assert len(row["probabilities"]) == s.phases
        assert sum(row["probabilities"]) + row["never"] == pytest.approx(1.0, abs=1e-9)


def sweep_document(method: str, summary: dict, sha: str, seed: int = 0) -> dict:
    """A document shaped like the output of ``relief sensitivity ... --json``."""
    return {
        "method": method,
        "scenario": {"name": "x", "source": "x.toml", "sha256": sha},
        "spec": {"source": "spec.toml", "sha256": "abc", "parameters": 1},
        "seed": seed,
        "samples": 3,
        "summary": summary,
    }


def test_sweep_json_documents_keep_spec_seed_and_scenario_and_merge() -> None:
    from solver.report.sensitivity import check_scenario, merge

    a = normalize(sweep_document("oat", {"rows": [OAT_ROW]}, "h1"), "a.json")
    b = normalize(sweep_document("mc", {"rows": []}, "h1", seed=5), "b.json")
    assert (a["spec"]["source"], a["seed"], a["results"][0]["scenario_sha256"]) == (
        "spec.toml",
        0,
        "h1",
    )
    both = merge([a, b])
    assert both is not None
    assert [r["method"] for r in both["results"]] == ["oat", "montecarlo"]
    assert both["seed"] is None and both["spec"] == a["spec"]  # seeds differ, spec is shared
    check_scenario(both, "h1")
    with pytest.raises(
        ScenarioError, match=r"^b\.json: scenario\.sha256 is h2; the report's scenario has h1"
    ):
        check_scenario(normalize(sweep_document("mc", {"rows": []}, "h2"), "b.json"), "h1")
    assert merge([]) is None


def test_sqlite_store_without_summary_is_rejected_with_advice(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "sweep.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        con.executemany("INSERT INTO meta VALUES (?, ?)", [("method", '"oat"'), ("seed", "3")])
    con.close()
    with pytest.raises(
        ScenarioError, match=r"sweep\.db: the sweep store \(method 'oat', seed 3\) holds"
    ):
        load_sensitivity(db)
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO meta VALUES ('summary', ?)", (json.dumps({"rows": [OAT_ROW]}),))
    con.close()
    doc = load_sensitivity(db)
    assert doc["seed"] == 3 and doc["results"][0]["summary"]["rows"] == [OAT_ROW]
