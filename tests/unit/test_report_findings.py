"""Issue 15: the report's findings are generated from its numbers, and come first."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import pytest

import solver
from solver.report import build_report
from solver.report.findings import TOPICS, findings, usd
from solver.report.sample import sample_sensitivity
from solver.timeline import Timeline

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios" / "small.toml"


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    tmp = tmp_path_factory.mktemp("findings")
    scenario = solver.load_scenario(solver.default_scenario_path())
    (tmp / "sweep.json").write_text(json.dumps(sample_sensitivity(scenario, seed=5)))
    doc = build_report(None, out_dir=tmp / "out", sensitivity_path=tmp / "sweep.json")
    return tmp / "out", doc


def _by_topic(doc: dict, topic: str) -> list[str]:
    return [f["text"] for f in doc["findings"] if f["topic"] == topic]


def test_findings_are_in_topic_order_and_first_on_both_pages(default: tuple[Path, dict]) -> None:
    out, doc = default
    order = [TOPICS.index(f["topic"]) for f in doc["findings"]]
    assert order == sorted(order)
    assert findings(doc) == doc["findings"]  # a pure function of the document
    html = (out / "report.html").read_text()
    md = (out / "report.md").read_text()
    assert html.index('<section id="findings">') < html.index('<section id="summary">')
    assert md.index("## Findings") < md.index("## Summary")
    for f in doc["findings"]:
        assert f"<li>{escape(f['text'])}</li>" in html


def test_the_plan_lines_name_every_item_of_each_phase(default: tuple[Path, dict]) -> None:
    _, doc = default
    opt = doc["plans"][0]
    intro, *lines = _by_topic(doc, "plan")
    assert intro.startswith("Optimized plan, in 4 phases")
    assert len(lines) == len(opt["phases"])
    for line, row in zip(lines, opt["phases"], strict=True):
        assert line.startswith(f"Phase {row['phase']} ")
        for item in [*row["milestones"], *row["measures"]]:
            assert item in line, (item, line)
        if row["new_relief"] > 0:
            assert f"{usd(row['new_relief'])} USD m a year of new relief" in line
    (never,) = _by_topic(doc, "never")
    for item in opt["never"]:
        assert item in never


def test_the_weakest_point_is_the_first_defection_with_its_margin_per_year(
    default: tuple[Path, dict],
) -> None:
    _, doc = default
    s = solver.load_scenario(solver.default_scenario_path())
    ic = solver.check(s, solver.solve(s))
    annuity = Timeline(s.phase_lengths(), s.annual_discount()).annuity
    assert doc["scenario"]["annuity"] == pytest.approx(list(annuity))
    (weakest,) = _by_topic(doc, "weakest")
    leaver = ic.first_leaver
    assert leaver is not None  # the default target-only plan loses a member
    k, actor, _ = leaver
    margin = next(
        r["margin"] for r in ic.to_dict()["coalition"] if r["actor"] == actor and r["phase"] == k
    )
    assert weakest.startswith(f"The plan breaks first in phase {k} ")
    assert actor in weakest
    assert f"{usd(margin)} USD m ({usd(margin / annuity[k - 1])} USD m a year" in weakest
    (target,) = _by_topic(doc, "target")
    margins = {p.phase: p.ic_margin for p in ic.phases}
    low = min(margins, key=lambda j: margins[j] / annuity[j - 1])
    assert target.startswith("The target complies in every phase")
    assert f"phase {low} " in target and f"{usd(margins[low])} USD m" in target


def test_forced_and_free_follow_the_phase_ranges(default: tuple[Path, dict]) -> None:
    _, doc = default
    ranges = doc["plans"][0]["phase_range"]
    forced = sorted(i for i, (lo, hi) in ranges.items() if lo == hi)
    (text,) = _by_topic(doc, "forced")
    assert f"Of the {len(ranges)} items, {len(forced)} are forced" in text
    head, free = text.split(" Free: ")
    for item in ranges:
        assert item in (head if item in forced else free), item


def test_sensitivity_findings_name_the_parameters_that_matter_most(
    default: tuple[Path, dict],
) -> None:
    _, doc = default
    texts = " ".join(_by_topic(doc, "sensitivity"))
    oat = next(r for r in doc["sensitivity"]["results"] if r["method"] == "oat")["summary"]
    top = max(oat["rows"], key=lambda r: abs(r["output_high"] - r["output_low"]))
    assert f"swings most with {top['parameter']}" in texts
    assert "Across 200 sampled worlds" in texts


def test_a_plan_without_a_feasible_optimum_says_why_first(tmp_path: Path) -> None:
    text = FIXTURE.read_text().replace("min_progress = [1, 1, 1]", "min_progress = [1, 1, 100]")
    bad = tmp_path / "infeasible.toml"
    bad.write_text(text)
    doc = build_report(bad, out_dir=tmp_path / "out")
    first = doc["findings"][0]
    assert first["topic"] == "infeasible"
    assert first["text"].startswith("No phasing satisfies every constraint")
    assert [f["topic"] for f in doc["findings"]] == ["infeasible"]


def test_the_incentive_table_has_per_year_columns_and_explains_negative_deviate_values(
    default: tuple[Path, dict],
) -> None:
    out, doc = default
    md = (out / "report.md").read_text()
    assert "leverage per year" in md and "IC margin per year" in md
    assert "A negative deviate value means that even its best deviation" in md
    lev = doc["plans"][0]["phases"][0]["leverage"]
    per_year = lev / doc["scenario"]["annuity"][0]
    assert f"| {lev:,.1f} | {per_year:,.1f} |" in md


def test_robust_findings_give_each_plans_share_and_the_failure_box(tmp_path: Path) -> None:
    import subprocess
    import sys

    fix = Path(__file__).resolve().parents[1] / "fixtures" / "robust"
    scenario, spec, robust = (
        fix / "two_worlds.toml",
        fix / "two_worlds_spec.toml",
        tmp_path / "r.json",
    )
    args = ["--robust", str(spec), "--worlds", "10", "--check-worlds", "300", "--out", str(robust)]
    solve = [sys.executable, "-m", "solver.cli", "solve", str(scenario), *args]
    assert subprocess.run(solve, capture_output=True, timeout=300).returncode == 0
    doc = build_report(scenario, out_dir=tmp_path / "out", robust_path=robust)
    texts = _by_topic(doc, "robust")
    for p in doc["robust"]["plans"]:
        assert f"{p['plan']} {100 * p['works']:.0f} %" in texts[0]
    boxes = doc["robust"]["failure_boxes"]
    if boxes:
        assert all(b["text"].removeprefix("fails ") in texts[1] for b in boxes)
    else:
        assert texts[1].startswith("No simple box")


def test_a_fixed_plan_across_worlds_gives_the_share_where_it_works(tmp_path: Path) -> None:
    import subprocess
    import sys

    models = solver.MODELS_DIR
    sweep = tmp_path / "plan_mc.json"
    spec, plan = models / "dprk_2018_sensitivity.toml", models / "plans" / "proposal_2018.toml"
    args = ["--method", "mc", "--plan", str(plan), "--samples", "60", "--seed", "3", "--json"]
    cmd = [sys.executable, "-m", "solver.cli", "sensitivity", "--spec", str(spec), *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    sweep.write_text(r.stdout)
    summary = json.loads(r.stdout)["summary"]
    doc = build_report(None, out_dir=tmp_path / "out", sensitivity_path=sweep)
    (text,) = [t for t in _by_topic(doc, "sensitivity") if t.startswith("Held fixed")]
    assert "across 60 sampled worlds, proposal_2018.toml works" in text
    assert f"in {100 * summary['works']:.0f} % of them" in text
    md = (tmp_path / "out" / "report.md").read_text()
    assert "## A fixed plan across sampled worlds" in md
    rate = summary["constraints_hold"]
    assert f"| every constraint holds | {100 * rate:.1f} % |" in md


def test_a_broken_fixed_plan_document_is_refused_naming_the_field(tmp_path: Path) -> None:
    from solver.scenario import ScenarioError

    bad = tmp_path / "bad.json"
    summary = {
        "worlds": 10,
        "works": 2.0,
        "constraints_hold": 0.5,
        "incentive_compatible": 0.5,
        "phase_incentive_compatible": [0.5, "x"],
    }
    bad.write_text(json.dumps({"method": "mc", "plan": "p.toml", "summary": summary}))
    with pytest.raises(ScenarioError) as err:
        build_report(FIXTURE, out_dir=tmp_path / "out", sensitivity_path=bad)
    text = "\n".join(err.value.problems)
    assert "summary.works is 2.0; it must be a share in [0, 1]" in text
    assert "phase_incentive_compatible[1] is 'x'" in text
    assert not (tmp_path / "out").exists()
