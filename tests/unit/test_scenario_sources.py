"""The ``sources`` field of scenario entries (issue 15, "Sources in the data").

Schema and validation of the field, the shipped label list against
``docs/sources.md``, the migrated default models, ``relief validate --sources``
and the report's estimate column and sources list.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from solver import default_scenario_path
from solver.report import build_report
from solver.report.sections import build_sections
from solver.scenario import ScenarioError, load_scenario, read_document, scenario_from_dict
from solver.schema import SECTIONS, json_schema
from solver.source_labels import LABELS
from solver.sources import (
    NUMBER_KINDS,
    coverage,
    is_estimate,
    labels_from_markdown,
    labels_module,
    tag_rule,
)
from tests.conftest import ROOT, SMALL

DOC: dict[str, Any] = {
    "name": "cited",
    "phases": 2,
    "parameters": {"discount": 0.9, "sources": {"discount": "estimate: C0"}},
    "actors": [{"id": "rok", "snapback_cost": 550, "sources": {"snapback_cost": "econ: Kaesong"}}],
    "instruments": [
        {
            "id": "us",
            "kind": "unilateral",
            "credibility": 0.9,
            "sources": {"credibility": "snapback"},
        }
    ],
    "measures": [
        {
            "id": "R1",
            "value": 110.0,
            "reversibility": 0.3,
            "instrument": "us",
            "sources": {"value": "econ: Kaesong", "reversibility": "estimate"},
        }
    ],
    "milestones": [
        {
            "id": "D1",
            "value": 3.0,
            "cost": 2.3,
            "reversibility": 0.85,
            "detection": 0.75,
            "sources": {"value": "steps: Yongbyon freeze", "cost": "estimate: C1"},
        }
    ],
}


def _problems(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(doc, source="x.toml")
    return err.value.problems


# --- schema and validation -------------------------------------------------------


def test_the_five_sections_have_a_sources_field_of_kind_map_str():
    for section in ("parameters", "actors", "instruments", "measures", "milestones"):
        (f,) = [f for f in SECTIONS[section] if f.name == "sources"]
        assert f.kind == "map[str]" and not f.required
    for section in ("", "resources", "target_types"):
        assert "sources" not in {f.name for f in SECTIONS[section]}
    props = json_schema()["properties"]["measures"]["items"]["properties"]
    assert props["sources"]["additionalProperties"] == {"type": "string"}


def test_sources_are_read_into_the_dataclasses_and_leave_the_digest_alone():
    s = scenario_from_dict(DOC)
    assert s.parameters.sources == {"discount": "estimate: C0"}
    assert s.actor("rok").sources == {"snapback_cost": "econ: Kaesong"}
    assert s.instrument("us").sources == {"credibility": "snapback"}
    assert s.measure("R1").sources["value"] == "econ: Kaesong"
    assert s.milestone("D1").sources["cost"] == "estimate: C1"
    bare = copy.deepcopy(DOC)
    for key in ("actors", "instruments", "measures", "milestones"):
        bare[key][0].pop("sources")
    bare["parameters"].pop("sources")
    assert scenario_from_dict(bare).digest() == s.digest()


def test_an_unknown_label_is_refused_with_did_you_mean():
    doc = copy.deepcopy(DOC)
    doc["measures"][0]["sources"]["value"] = "econ: kaesong"
    (msg,) = _problems(doc)
    assert msg.startswith("x.toml: measures[0] (R1).sources.value is 'econ: kaesong'; ")
    assert "entry label of docs/sources.md (did you mean 'econ: Kaesong'?)" in msg


def test_a_field_that_is_not_a_number_field_is_refused_with_did_you_mean():
    doc = copy.deepcopy(DOC)
    doc["milestones"][0]["sources"] = {"costs": "estimate", "name": "estimate"}
    problems = _problems(doc)
    assert len(problems) == 2
    assert problems[0].startswith("x.toml: milestones[0] (D1).sources.costs is 'estimate'; ")
    assert "(did you mean 'cost'?)" in problems[0]
    assert "'name' is not a number field of this table" in problems[1]


def test_sources_must_be_a_table_of_strings():
    doc = copy.deepcopy(DOC)
    doc["parameters"]["sources"] = {"discount": 0.8}
    (msg,) = _problems(doc)
    assert msg == "x.toml: parameters.sources is {'discount': 0.8}; it must be a table of strings"
    doc["parameters"]["sources"] = "estimate"
    assert "it must be a table of strings" in _problems(doc)[0]


def test_tags_and_estimate_marks():
    assert is_estimate("estimate") and is_estimate("estimate: C2")
    assert not is_estimate("estimates") and not is_estimate("est: joint ventures")
    assert tag_rule("est: joint ventures") is None and tag_rule("snapback") is None
    assert tag_rule("steps") is not None  # a bare kind is not an entry
    assert "did you mean" not in (tag_rule("zzz") or "")


def test_the_shipped_labels_equal_docs_sources_md():
    text = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    labels = labels_from_markdown(text)
    assert list(LABELS) == labels, "run: python -c 'import solver.sources as s; s.regenerate()'"
    path = ROOT / "solver" / "source_labels.py"
    assert path.read_text(encoding="utf-8") == labels_module(labels)


# --- the migrated default models --------------------------------------------------

MODELS = ("dprk_2018.toml", "dprk_2018_no_reverse_veto.toml")


@pytest.mark.parametrize("name", MODELS)
def test_every_number_of_every_measure_and_milestone_has_a_source_or_estimate(name):
    doc = read_document(ROOT / "models" / name)
    missing = []
    for key in ("measures", "milestones"):
        numbers = [f.name for f in SECTIONS[key] if f.kind in NUMBER_KINDS]
        for row in doc[key]:
            cited = row.get("sources", {})
            missing += [f"{key}.{row['id']}.{n}" for n in numbers if n in row and n not in cited]
    assert not missing
    cov = coverage(doc)
    assert cov.neither == []
    assert len(cov.sourced) >= 40 and len(cov.estimates) >= 100


def test_the_default_model_cites_known_tags():
    s = load_scenario(default_scenario_path())
    assert s.measure("R18").sources["value"] == "econ: Kaesong"
    assert s.measure("R09").sources["value"] == "econ: textile exports 2016"
    assert s.milestone("M03").sources == {
        "value": "steps: Yongbyon freeze",
        "cost": "estimate: C1",
        "reversibility": "estimate: C4",
        "detection": "estimate: C3",
        "mandatory_by": "estimate",
    }
    assert s.actor("rok").sources["snapback_cost"] == "econ: Kaesong"
    assert s.parameters.sources["discount"] == "estimate: C0"


# --- relief validate --sources ----------------------------------------------------


def _relief(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "solver.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_validate_sources_counts_the_default_model():
    r = _relief("validate", "models/dprk_2018.toml", "--sources")
    assert r.returncode == 0, r.stderr
    assert "warning:" not in r.stdout
    assert r.stdout.splitlines()[-1] == (
        "models/dprk_2018.toml: sources of 184 number fields: 49 sourced, 135 estimates, 0 neither"
    )


def test_validate_sources_warns_about_numbers_with_neither(tmp_path):
    text = SMALL.read_text().replace(
        "discount = 0.8\n", 'discount = 0.8\nsources = { discount = "estimate" }\n', 1
    )
    text = text.replace(
        'id = "R1"\nvalue = 10\n', 'id = "R1"\nvalue = 10\nsources = { value = "econ: Kaesong" }\n'
    )
    path = tmp_path / "cited.toml"
    path.write_text(text)
    r = _relief("validate", str(path), "--sources")
    assert r.returncode == 0, r.stderr
    warnings = [x for x in r.stdout.splitlines() if x.startswith("warning: ")]
    assert (
        f"warning: {path}: parameters.reciprocity has neither a source nor the estimate mark"
        in (warnings)
    )
    assert not any(".R1.value " in w or "parameters.discount " in w for w in warnings)
    last = r.stdout.splitlines()[-1]
    assert last == f"{path}: sources of 27 number fields: 1 sourced, 1 estimates, 25 neither"
    assert len(warnings) == 25
    # without --sources, no warnings; a bad tag is an error either way
    assert "warning:" not in _relief("validate", str(path)).stdout
    path.write_text(text.replace('"econ: Kaesong"', '"econ: Kaesongg"'))
    r = _relief("validate", str(path), "--sources")
    assert r.returncode == 2
    assert "measures[0] (R1).sources.value is 'econ: Kaesongg'" in r.stderr
    assert "did you mean 'econ: Kaesong'?" in r.stderr


# --- the report ------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The default scenario's report (no sweep)."""
    out = tmp_path_factory.mktemp("report")
    return out, build_report(None, out_dir=out)


def test_the_report_marks_estimates_per_item(report: tuple[Path, dict]) -> None:
    out, doc = report
    (plan,) = [s for s in build_sections(doc) if s.id == "plan"]
    table = plan.tables[0]
    assert table.title == "Phase per item" and table.columns[-1] == "estimates"
    rows = {row[0]: row for row in table.rows}
    assert rows["R18"][-1] == ["reversibility", "transformation"]
    assert rows["M03"][-1] == ["cost", "reversibility", "detection", "mandatory_by"]
    assert rows["R04"][-1] == ["reversibility"]
    md = (out / "report.md").read_text()
    assert "| estimates |" in md
    assert "| R18 | Kaesong" in md and "| reversibility, transformation |" in md


def test_the_report_lists_the_sources_used(report: tuple[Path, dict]) -> None:
    out, doc = report
    tags = {t["tag"]: t["fields"] for t in doc["sources"]["tags"]}
    assert tags["econ: Kaesong"] == ["actors.rok.snapback_cost", "measures.R18.value"]
    assert set(tags) <= set(LABELS)
    assert doc["sources"]["estimates"] > 100
    html = (out / "report.html").read_text()
    assert '<section id="sources">' in html and "econ: Kaesong" in html
    assert "## Sources" in (out / "report.md").read_text()


def test_a_scenario_without_sources_gets_neither_column_nor_list(tmp_path: Path) -> None:
    doc = build_report(SMALL, out_dir=tmp_path / "small")
    sections = build_sections(doc)
    assert "sources" not in [s.id for s in sections]
    (plan,) = [s for s in sections if s.id == "plan"]
    assert "estimates" not in plan.tables[0].columns


def test_coverage_names_sources_of_fields_the_entry_does_not_set():
    doc = copy.deepcopy(DOC)
    doc["measures"][0]["sources"]["weight"] = "estimate"
    scenario_from_dict(doc)  # a default may be cited: valid
    cov = coverage(doc)
    assert cov.unset == ["measures.R1.weight"]
    assert cov.counts() == {"sourced": 4, "estimates": 3, "neither": 2}
    assert cov.neither == ["milestones.D1.reversibility", "milestones.D1.detection"]


def test_the_json_schema_names_the_citeable_fields():
    props = json_schema()["properties"]["milestones"]["items"]["properties"]
    names = props["sources"]["propertyNames"]["enum"]
    assert {"value", "cost", "reversibility", "detection", "raises_detection"} <= set(names)
    assert "id" not in names and "requires" not in names and "sources" not in names


def test_validate_sources_warns_about_a_source_of_an_unset_field(tmp_path):
    path = tmp_path / "stale.toml"
    path.write_text(
        SMALL.read_text().replace(
            'id = "R1"\nvalue = 10\n', 'id = "R1"\nvalue = 10\nsources = { weight = "estimate" }\n'
        )
    )
    r = _relief("validate", str(path), "--sources")
    assert r.returncode == 0, r.stderr
    assert f"warning: {path}: measures.R1.weight has a source but the entry does not set it" in (
        r.stdout.splitlines()
    )
