"""``relief sensitivity`` through its own entry point (wired into ``relief`` via _PLUGINS)."""

from __future__ import annotations

import json

import pytest

from solver import MODELS_DIR
from solver.sensitivity.cli import main

SPEC = """
[[parameter]]
path = "discount"
range = [0.75, 0.85]

[[parameter]]
path = "milestones.M08.detection"
range = [0.1, 0.4]
"""


@pytest.fixture
def spec(tmp_path):
    f = tmp_path / "spec.toml"
    f.write_text(SPEC)
    return f


def _json(capsys, argv):
    code = main(argv)
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_json_document(tmp_path, spec, capsys):
    argv = ["--spec", str(spec), "--method", "oat", "--workers", "1"]
    doc = _json(capsys, [*argv, "--store", str(tmp_path / "s.sqlite"), "--json"])
    assert doc["completed"] == 5 and doc["reused"] == 0 and doc["computed"] == 5
    assert doc["method"] == "oat" and doc["seed"] == 0 and doc["engine"] == "inline"
    assert doc["scenario"]["name"] == "dprk_2018" and len(doc["spec"]["sha256"]) == 64
    assert {r["path"] for r in doc["summary"]["parameters"]} == {
        "discount",
        "milestones.M08.detection",
    }
    again = _json(capsys, [*argv, "--store", str(tmp_path / "s.sqlite"), "--json"])
    assert again["reused"] == 5 and again["summary"] == doc["summary"]


def test_text_output_and_default_store(tmp_path, spec, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--spec", str(spec), "--method", "thresholds", "--samples", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("thresholds: ") and "milestones.M08.detection" in out
    assert len(list((tmp_path / ".relief-sweeps").glob("thresholds-*.sqlite"))) == 1


def test_bad_spec_exits_2_with_the_rule(spec, capsys):
    spec.write_text('[[parameter]]\npath = "measures.R8.value"\nrange = [1, 2]\n')
    assert main(["--spec", str(spec), "--method", "oat", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "spec.toml: parameter[0] (measures.R8.value).path is 'measures.R8.value'" in err
    assert "no measure 'R8'" in err


def test_store_of_another_scenario_is_refused(tmp_path, spec, capsys):
    store = str(tmp_path / "s.sqlite")
    base = ["--spec", str(spec), "--method", "oat", "--workers", "1", "--store", store, "--json"]
    _json(capsys, base)
    other = str(MODELS_DIR / "dprk_2018_no_reverse_veto.toml")
    assert main([other, *base]) == 2
    assert "meta.scenario_sha256" in capsys.readouterr().err


def test_dask_local_cluster_gives_the_same_summary(tmp_path, spec, capsys):
    pytest.importorskip("distributed")
    argv = ["--spec", str(spec), "--method", "mc", "--samples", "12", "--seed", "5", "--json"]
    local = _json(capsys, [*argv, "--workers", "1", "--store", str(tmp_path / "a.sqlite")])
    dask = _json(capsys, [*argv, "--dask", "local:2", "--store", str(tmp_path / "b.sqlite")])
    assert dask["engine"] == "dask:local:2"
    assert dask["summary"] == local["summary"]
