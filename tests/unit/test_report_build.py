"""``relief report`` output: files, provenance, self-containment, figures and their tables."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import solver
from solver.report import build_report
from solver.report.sample import sample_sensitivity

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios" / "small.toml"
SENSITIVITY_FIGURES = {"tornado", "thresholds", "stability", "sobol", "morris"}


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The default scenario's report with (synthetic) sweep results."""
    tmp = tmp_path_factory.mktemp("full")
    scenario = solver.load_scenario(solver.default_scenario_path())
    (tmp / "sweep.json").write_text(json.dumps(sample_sensitivity(scenario, seed=3)))
    doc = build_report(None, out_dir=tmp / "out" / "nested", sensitivity_path=tmp / "sweep.json")
    return tmp / "out" / "nested", doc


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A report of a scenario without comparison plan or sweep."""
    out = tmp_path_factory.mktemp("small")
    return out, build_report(FIXTURE, out_dir=out)


def test_writes_three_files_and_no_temporaries(full: tuple[Path, dict]) -> None:
    out, doc = full
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
    assert json.loads((out / "report.json").read_text()) == doc


def test_provenance_records_hash_spec_seed_backend_and_versions(full: tuple[Path, dict]) -> None:
    _, doc = full
    pv = doc["provenance"]
    scenario = solver.load_scenario(solver.default_scenario_path())
    assert pv["scenario"]["sha256"] == scenario.digest()
    assert pv["seed"] == 3
    assert pv["backend"] == "highs"
    assert pv["spec"]["report"]["plan"].endswith("proposal_2018.toml")
    assert pv["spec"]["report"]["sensitivity"][0].endswith("sweep.json")
    assert pv["spec"]["sensitivity"]["note"].startswith("synthetic")
    for pkg in ("python", "phased-relief", "numpy", "scipy", "matplotlib"):
        assert pv["versions"][pkg], pkg
    html = (full[0] / "report.html").read_text()
    md = (full[0] / "report.md").read_text()
    for text in (html, md):
        assert scenario.digest() in text
        assert pv["versions"]["matplotlib"] in text


def test_optimized_plan_matches_solver_and_is_compared_with_the_proposal(
    full: tuple[Path, dict],
) -> None:
    _, doc = full
    s = solver.load_scenario(solver.default_scenario_path())
    plan = solver.solve(s)
    opt, cmp_ = doc["plans"]
    assert [r["leverage"] for r in opt["phases"]] == [r["leverage"] for r in plan.phases()]
    assert opt["objective"] == pytest.approx(plan.objective)
    proposal = solver.evaluate(
        s, solver.load_schedule(solver.MODELS_DIR / "plans/proposal_2018.toml", s)
    )
    assert cmp_["objective"] == pytest.approx(proposal.objective)
    moved = {r["id"] for r in doc["comparison"]["rows"] if r["optimized"] != r["comparison"]}
    expected = {
        i
        for i, k in opt["assignments"]["measures"].items()
        if cmp_["assignments"]["measures"][i] != k
    } | {
        i
        for i, k in opt["assignments"]["milestones"].items()
        if cmp_["assignments"]["milestones"][i] != k
    }
    assert moved == expected and moved  # the proposal is not the optimum
    html = (full[0] / "report.html").read_text()
    assert 'id="comparison"' in html


def test_html_is_self_contained(full: tuple[Path, dict]) -> None:
    html = (full[0] / "report.html").read_text()
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert "Content-Security-Policy" in html
    for attr in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert attr.startswith(("data:", "#")), attr
    for ref in re.findall(r"url\(([^)]*)\)", html):  # the inline figures' clip paths
        assert ref.startswith("#fig-"), ref
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # several figures on one page: ids stay unique


def test_every_figure_is_an_inline_svg_with_a_table(full: tuple[Path, dict]) -> None:
    out, doc = full
    html = (out / "report.html").read_text()
    md = (out / "report.md").read_text()
    ids = [f["id"] for f in doc["figures"]]
    assert set(ids) == {"plan", "relief", "leverage", "frontier"} | SENSITIVITY_FIGURES
    svgs = re.findall(r'<svg class="report-figure" data-figure="([^"]+)"', html)
    assert svgs == ids
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html
    for fid in ids:
        section = html.split(f'<section id="{fid}">', 1)[1].split("</section>", 1)[0]
        assert f'id="fig-{fid}"' in section and "<table>" in section, fid
        assert "<text " in section and "</svg>" in section, fid  # text stays text
    for f in doc["figures"]:
        assert f"Figure: {f['title']}" in md


def test_tables_carry_the_numbers_the_figures_draw(full: tuple[Path, dict]) -> None:
    out, doc = full
    md = (out / "report.md").read_text()
    sobol = next(r for r in doc["sensitivity"]["results"] if r["method"] == "sobol")["summary"]
    for row in sobol["rows"]:
        assert f"| {row['parameter']} | {row['S1']:.4g} |" in md.replace("\\_", "_")
    lev = doc["plans"][0]["phases"][0]["leverage"]
    assert f"{lev:,.1f}" in md


def test_sections_appear_only_with_their_data(small: tuple[Path, dict]) -> None:
    out, doc = small
    assert [f["id"] for f in doc["figures"]] == ["plan", "relief", "leverage"]
    assert len(doc["plans"]) == 1 and doc["comparison"] is None and doc["sensitivity"] is None
    html = (out / "report.html").read_text()
    for absent in ("comparison", *SENSITIVITY_FIGURES):
        assert f'<section id="{absent}">' not in html
    assert doc["provenance"]["seed"] is None and doc["provenance"]["spec"]["report"]["plan"] is None


def test_incentive_check_is_reported_when_the_game_module_is_there(full: tuple[Path, dict]) -> None:
    _, doc = full
    try:
        from solver.game.check import check
    except ImportError:
        pytest.skip("solver.game.check not available")
    s = solver.load_scenario(solver.default_scenario_path())
    ic = check(s, solver.solve(s))
    got = doc["plans"][0]["incentives"]
    assert got["incentive_compatible"] == ic.incentive_compatible
    assert [p["ic_margin"] for p in got["phases"]] == pytest.approx(
        [p.ic_margin for p in ic.phases]
    )
    # the coalition's side: every judged member and phase, and its table in the HTML
    assert {(m["actor"], m["phase"]) for m in got["coalition"]} == {
        (v.actor, k + 1) for v in ic.coalition for k in range(s.phases)
    }
    folder, _ = full
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "coalition members" in html and "china" in html


def test_infeasible_scenario_still_gets_a_report(tmp_path: Path) -> None:
    text = FIXTURE.read_text().replace("min_progress = [1, 1, 1]", "min_progress = [1, 1, 100]")
    bad = tmp_path / "infeasible.toml"
    bad.write_text(text)
    doc = build_report(bad, out_dir=tmp_path / "out")
    assert doc["plans"][0]["status"] == "infeasible"
    assert doc["figures"] == []
    assert "infeasible" in (tmp_path / "out" / "report.html").read_text()
