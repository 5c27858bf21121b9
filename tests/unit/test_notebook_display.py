"""Notebook display (issue 15): ``_repr_html_`` and ``to_frame()`` of plans, checks and sweeps."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import tomllib

import numpy as np
import pandas as pd  # the `test` extra has it (and SALib needs it)
import pytest

from solver import MODELS_DIR, check, default_scenario_path, load_scenario, solve
from solver.notebook import INSTALL_HINT, html_table
from solver.robust import draw_worlds, evaluate_plan
from solver.scenario import scenario_from_dict
from solver.sensitivity import load_spec, run_sweep, spec_from_dict
from tests.conftest import SMALL

HOSTILE = '<script>alert("x")</script> & co'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"
SMALL_SPEC = [
    {"path": "discount", "range": [0.7, 0.9]},
    {"path": "milestones.*.cost", "range": [0.8, 1.2], "relative": True},
]


def body_rows(fragment: str) -> list[str]:
    """The ``<tr>`` rows of every ``<tbody>`` in an HTML fragment."""
    bodies = re.findall(r"<tbody>(.*?)</tbody>", fragment, flags=re.S)
    return [r for b in bodies for r in re.findall(r"<tr>.*?</tr>", b, flags=re.S)]


def first_table_rows(fragment: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", fragment, flags=re.S)
    assert body is not None
    return re.findall(r"<tr>.*?</tr>", body.group(1), flags=re.S)


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(default_scenario_path())


@pytest.fixture(scope="module")
def plan(scenario):
    return solve(scenario, ranges=True)


@pytest.fixture(scope="module")
def report(scenario, plan):
    return check(scenario, plan)


@pytest.fixture(scope="module")
def hostile():
    """The small scenario with markup in its name and phase names, and its plan."""
    doc = tomllib.loads(SMALL.read_text())
    doc["name"] = HOSTILE
    doc["phase_names"] = [f"{HOSTILE} {k}" for k in range(1, len(doc["phase_names"]) + 1)]
    s = scenario_from_dict(doc, source="hostile.toml")
    return s, solve(s)


@pytest.fixture(scope="module")
def in_worlds(scenario, plan):
    spec = load_spec(MODELS_DIR / "dprk_2018_sensitivity.toml", scenario)
    return evaluate_plan(scenario, plan, draw_worlds(scenario, spec, 40, 3))


@pytest.fixture(scope="module")
def mc_sweep(scenario, tmp_path_factory):
    spec = spec_from_dict({"parameter": SMALL_SPEC}, scenario, source="small.toml")
    store = tmp_path_factory.mktemp("sweep") / "mc.sqlite"
    return run_sweep(scenario, spec, method="mc", samples=4, seed=5, workers=1, store=store)


# ---------------------------------------------------------------- HTML


def test_html_table_escapes_headers_cells_and_caption():
    out = html_table([HOSTILE], [[HOSTILE]], caption=HOSTILE)
    assert "<script" not in out
    assert out.count(ESCAPED) == 3


def test_plan_html_has_one_row_per_phase_and_escapes_names(hostile):
    s, p = hostile
    out = p._repr_html_()
    assert len(first_table_rows(out)) == s.phases
    assert "<script" not in out
    assert ESCAPED in out  # the scenario name and every phase name, escaped
    assert out.count(ESCAPED) == 1 + s.phases


def test_plan_html_lists_every_item_and_the_leverage(plan):
    out = plan._repr_html_()
    rows = first_table_rows(out)
    assert len(rows) == plan.scenario.phases
    for row, phase in zip(rows, plan.phases(), strict=True):
        assert f"{phase['leverage']:,.1f}" in row
        for item in phase["measures"] + phase["milestones"]:
            assert item in row
    doc = plan.to_dict()
    assert "Never granted: " + ", ".join(doc["never"]) in out
    assert "Never done: " + ", ".join(doc["never_milestones"]) in out


def test_plan_html_without_a_schedule_shows_the_status():
    from solver.backends.base import Status
    from solver.plan import Plan

    s = load_scenario(default_scenario_path())
    p = Plan(status=Status.INFEASIBLE, message="no <plan>", scenario=s, explanation=("a < b",))
    out = p._repr_html_()
    assert "<table" not in out and "infeasible - no &lt;plan&gt;" in out and "a &lt; b" in out
    assert p.to_frame().empty and p.to_frame("item").empty


def test_check_html_verdict_phases_and_members(report):
    out = report._repr_html_()
    assert "NOT incentive compatible: the target complies; a coalition member defects" in out
    tables = re.findall(r"<table>.*?</table>", out, flags=re.S)
    assert len(tables) == 2
    assert len(body_rows(tables[0])) == len(report.phases)
    assert len(body_rows(tables[1])) == len(report.coalition)
    rok = next(r for r in body_rows(tables[1]) if "<td>rok</td>" in r)
    assert "stop paying after phase 1" in rok and "-1,600.0" in rok


def test_check_html_escapes(hostile):
    s, p = hostile
    out = check(s, p)._repr_html_()
    assert "<script" not in out and ESCAPED in out


def test_worlds_html_shares_match_the_summary(in_worlds):
    out = in_worlds._repr_html_()
    d = in_worlds.summary()
    assert f"works in {100 * d['works']:.1f} %" in out
    rows = first_table_rows(out)
    assert len(rows) == in_worlds.phases
    for k, row in enumerate(rows):
        assert f"{100 * d['phase_incentive_compatible'][k]:.1f} %" in row
    for actor, share in d["members"].items():
        if share < 1.0:
            assert f"<td>{actor}</td>" in out


def test_sweep_html_one_row_per_item(mc_sweep, scenario):
    out = mc_sweep._repr_html_()
    assert "Method mc: 4 samples" in out
    assert len(first_table_rows(out)) == len(scenario.measures) + len(scenario.milestones)


def test_no_javascript_anywhere(plan, report, in_worlds, mc_sweep):
    for obj in (plan, report, in_worlds, mc_sweep):
        out = obj._repr_html_().lower()
        assert "<script" not in out and "javascript:" not in out
        assert not re.search(r"<[^>]*\son\w+\s*=", out)  # no event handlers


# ---------------------------------------------------------------- frames


def test_plan_frame_by_phase_is_the_plan(plan, scenario):
    f = plan.to_frame()
    assert list(f["phase"]) == list(range(1, scenario.phases + 1))
    pv = plan.schedule.values(scenario)
    assert f["leverage"].tolist() == [float(x) for x in pv.leverage]
    assert f["relief"].tolist() == [float(x) for x in pv.relief]
    assert min(f["leverage"]) == pytest.approx(plan.objective)
    for row, phase in zip(f.itertuples(), plan.phases(), strict=True):
        assert row.measures == phase["measures"] and row.milestones == phase["milestones"]
        assert row.deviation == phase["best_deviation"]["kind"]


def test_plan_frame_by_item_has_the_ranges(plan, scenario):
    f = plan.to_frame("item")
    assert len(f) == len(scenario.measures) + len(scenario.milestones)
    by = f.set_index("item")
    for item, (lo, hi) in plan.phase_range.items():
        assert (None if pd.isna(by.at[item, "earliest"]) else by.at[item, "earliest"]) == lo
        assert (None if pd.isna(by.at[item, "latest"]) else by.at[item, "latest"]) == hi
        assert bool(by.at[item, "forced"]) == (lo == hi)
    never = by[by["phase"].isna()].index
    assert set(never) == set(plan.to_dict()["never"]) | set(plan.to_dict()["never_milestones"])
    with pytest.raises(ValueError, match="choose 'phase' or 'item'"):
        plan.to_frame("items")


def test_check_frame_target_is_the_report(report):
    f = report.to_frame()
    assert len(f) == len(report.phases)
    for row, p in zip(f.itertuples(), report.phases, strict=True):
        assert row.ic_margin == p.ic_margin and row.comply_value == p.comply_value
        assert row.incentive_compatible == p.incentive_compatible
        assert row.reverses == list(p.reverses)
        if p.critical_detection is None:
            assert math.isnan(row.critical_detection)
        else:
            assert row.critical_detection == p.critical_detection


def test_check_frame_coalition_is_the_members(report):
    f = report.to_frame("coalition")
    assert len(f) == len(report.coalition) * len(report.phases)
    for v in report.coalition:
        rows = f[f["actor"] == v.actor]
        assert rows["margin"].tolist() == [float(m) for m in v.margin]
        assert rows["stays"].tolist() == list(v.stays)
    rok = f[(f["actor"] == "rok") & (f["phase"] == 1)].iloc[0]
    records = {
        (r["actor"], r["phase"]): r
        for v in report.coalition
        for r in v.records(np.asarray(report.annuity))
    }
    assert rok["side_payment"] == pytest.approx(records[("rok", 1)]["side_payment"], rel=1e-8)
    assert not rok["stays"] and rok["deviation"] == "stop_paying"
    with pytest.raises(ValueError, match="choose 'target' or 'coalition'"):
        report.to_frame("members")


def test_worlds_frame_one_row_per_world(in_worlds):
    f = in_worlds.to_frame()
    assert len(f) == in_worlds.worlds.n
    assert f["works"].tolist() == in_worlds.works.tolist()
    for k in range(in_worlds.phases):
        assert f[f"target_margin_{k + 1}"].tolist() == in_worlds.target_margin[:, k].tolist()
    for path in in_worlds.worlds.paths:
        assert f[path].tolist() == in_worlds.worlds.column(path).tolist()
    assert f["works"].mean() == pytest.approx(in_worlds.summary()["works"])
    lean = in_worlds.to_frame(parameters=False)
    assert not set(in_worlds.worlds.paths) & set(lean.columns)


def test_sweep_frame_mc_rows(mc_sweep, scenario):
    f = mc_sweep.to_frame()
    assert f.attrs["method"] == "mc"
    cols = ["id", "kind", *(f"phase_{k}" for k in range(1, scenario.phases + 1)), "never"]
    assert list(f.columns) == cols
    by = f.set_index("id")
    for item, rec in mc_sweep.summary["measures"].items():
        assert by.at[item, "never"] == rec["phases"]["never"]
        assert by.at[item, "phase_1"] == rec["phases"]["1"]
    shares = f[[c for c in cols if c.startswith("phase_")] + ["never"]].sum(axis=1)
    assert np.allclose(shares, 1.0)


def test_sweep_frame_oat_rows(scenario, tmp_path):
    spec = spec_from_dict({"parameter": SMALL_SPEC[:1]}, scenario, source="small.toml")
    sweep = run_sweep(scenario, spec, method="oat", workers=1, store=tmp_path / "oat.sqlite")
    f = sweep.to_frame()
    assert f.attrs["method"] == "oat"
    assert list(f["parameter"]) == [r["parameter"] for r in sweep.summary["rows"]]
    assert f["output_low"].tolist() == [r["output_low"] for r in sweep.summary["rows"]]
    assert "discount" in sweep._repr_html_()


def test_missing_pandas_names_the_extra():
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "from solver.notebook import require_pandas\n"
        "try:\n    require_pandas()\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert INSTALL_HINT in out and "phased-relief[notebook]" in out
