"""Issue 15: every shipped scenario's report reads at a glance in a real browser.

For each scenario that ``relief models`` lists (the default, its variants, the
teaching example and the past deals' scenarios), the report is built with
(synthetic) sweep results, opened in headless Chromium (the harness of
``test_issue4_report_browser.py``: Debian's ``chromium`` over the DevTools
pipe), and measured there:

* the plan figure carries every measure and milestone id of the scenario file,
  in its data (``data-items``) and as the text of its row label, and every row
  label is inside the figure (not cut);
* no two pieces of text of a figure overlap (tick labels, titles, legends,
  in-plot labels: every ``<text>`` of the inline SVG, by
  ``getBoundingClientRect``), and none sticks out of its figure;
* the findings come first, one list item per finding, none overlapping
  another or running out of the page.

A generated scenario larger than any shipped one (12 phases with long names,
62 items) is measured the same way, and a hand-written page shows that the
measurements catch overlapping and cut text.

Without Chromium the tests skip, except under CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import solver
from solver.report import build_report
from solver.report.sample import sample_sensitivity
from solver.shipped import ShippedModel, shipped_models
from tests.regression.test_issue4_report_browser import Browser, chromium_or_skip, console_errors

pytestmark = pytest.mark.slow  # eight reports built and measured (about a minute)

PAD = 1.0
"""Pixels two boxes may share before they count as overlapping (anti-aliasing)."""

PROBE = """JSON.stringify((() => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; };
  const figures = Array.from(document.querySelectorAll('svg.report-figure')).map(svg => ({
    id: svg.dataset.figure,
    items: svg.dataset.items === undefined ? null : svg.dataset.items.split(' '),
    box: box(svg),
    texts: Array.from(svg.querySelectorAll('text')).map(t => ({
      text: t.textContent, box: box(t),
      group: t.parentElement.id || ''})),
  }));
  const findings = document.querySelector('section#findings');
  const first = document.querySelector('main > section');
  return {
    figures,
    first_section: first ? first.id : null,
    findings: findings === null ? null : {
      box: box(findings),
      items: Array.from(findings.querySelectorAll('li')).map(li => ({
        text: li.textContent, box: box(li)})),
    },
    page_width: document.documentElement.clientWidth,
    scroll_width: document.documentElement.scrollWidth,
  };
})())"""


LARGE = "generated: 12 phases, 14 steps, 48 measures, long names"
"""A scenario larger than any shipped one, written by :func:`large_scenario`."""


def scenarios() -> list[Any]:
    """The shipped scenarios (``relief models``), the default first."""
    found = [m for m in shipped_models() if m.kind == "scenario"]
    assert len(found) >= 4, found  # the default, its variant, the teaching example, cases
    return sorted(found, key=lambda m: (not m.default, m.name))


def large_scenario(phases: int = 12, steps: int = 14, measures: int = 48) -> dict[str, Any]:
    """A scenario with many phases and items and long names (each item in one phase's window).

    Every step and most measures are due in their phase, so the solve is quick;
    every fifth measure may also never be granted.
    """
    name = "verification of the declaration by special inspections at every site"
    doc: dict[str, Any] = {
        "name": "large_layout",
        "phases": phases,
        "phase_names": [f"stage {k}: {name}" for k in range(1, phases + 1)],
        "parameters": {
            "discount": 0.85,
            "reciprocity": 0.2,
            "irreversibility_ratio": 100.0,
            "objective": "leverage",
        },
        "instruments": [{"id": "us_exec", "kind": "executive", "credibility": 0.9}],
        "measures": [],
        "milestones": [],
    }
    for j in range(1, steps + 1):
        k = 1 + (j - 1) * phases // steps
        doc["milestones"].append(
            {
                "id": f"M{j:02d}",
                "name": f"Denuclearization step {j}, verified by inspectors on site",
                "value": 1,
                "cost": 2.0 + j % 5,
                "reversibility": 0.3,
                "detection": 0.6,
                "phase_window": [k, k],
                "mandatory_by": k,
            }
        )
    for i in range(1, measures + 1):
        k = 1 + (i - 1) * phases // measures
        m = {
            "id": f"R{i:02d}",
            "name": f"Relief measure {i}: exports of goods of category {i}",
            "value": 5.0 + 3 * (i % 7),
            "reversibility": 0.5 + 0.5 * (i % 2),
            "instrument": "us_exec",
            "phase_window": [k, k],
        }
        if i % 5:
            m["mandatory_by"] = k
        doc["measures"].append(m)
    return doc


def _build(model: Any, out: Path) -> dict[str, Any]:
    out.mkdir(parents=True)
    if model.name == LARGE:
        model.path.write_text(json.dumps(large_scenario()))
    scenario = solver.load_scenario(model.path)
    sweep = out / "sweep.json"
    sweep.write_text(json.dumps(sample_sensitivity(scenario, seed=7)))
    parts = Path(model.name).parts
    if parts[0] == "cases":  # a past deal: its plan as agreed beside the optimum, its backtest
        return build_report(None, case=parts[1], out_dir=out / "r", sensitivity_path=sweep)
    path = None if model.default else model.path  # the default: compared with the proposal
    return build_report(path, out_dir=out / "r", sensitivity_path=sweep)


def measure(browser: Browser, page: Path) -> tuple[dict[str, Any], list[str]]:
    """Open ``page`` in a new tab of ``browser``; return :data:`PROBE`'s answer and the errors."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    sid = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log"):
        browser.send(f"{domain}.enable", session=sid)
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1280, "height": 2000, "deviceScaleFactor": 1, "mobile": False},
        sid,
    )
    browser.events.clear()
    browser.send("Page.navigate", {"url": page.resolve().as_uri()}, sid)
    browser.wait_for("Page.loadEventFired")
    probe = browser.send("Runtime.evaluate", {"expression": PROBE, "returnByValue": True}, sid)
    errors = console_errors(browser.events)
    browser.send("Target.closeTarget", {"targetId": target})
    return json.loads(probe["result"]["value"]), errors


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Per scenario: its report document, the browser's measurements, console errors."""
    exe = chromium_or_skip()
    root = tmp_path_factory.mktemp("layout")
    browser = Browser(exe, root / "profile")
    large = ShippedModel(LARGE, root / "large.json", "scenario", LARGE, default=False)
    out: dict[str, dict[str, Any]] = {}
    try:
        for i, model in enumerate([*scenarios(), large]):
            doc = _build(model, root / f"s{i}")
            probe, errors = measure(browser, root / f"s{i}" / "r" / "report.html")
            out[model.name] = {"model": model, "doc": doc, "probe": probe, "errors": errors}
    finally:
        browser.close()
    return out


def overlapping(boxes: list[tuple[str, dict[str, float]]]) -> list[tuple[str, str]]:
    """Pairs of labelled boxes that overlap by more than :data:`PAD` pixels both ways."""
    bad = []
    for i, (a, p) in enumerate(boxes):
        for b, q in boxes[i + 1 :]:
            dx = min(p["x1"], q["x1"]) - max(p["x0"], q["x0"])
            dy = min(p["y1"], q["y1"]) - max(p["y0"], q["y0"])
            if dx > PAD and dy > PAD:
                bad.append((a, b))
    return bad


def inside(box: dict[str, float], frame: dict[str, float]) -> bool:
    """Whether ``box`` lies within ``frame`` (give or take :data:`PAD` pixels)."""
    return (
        box["x0"] >= frame["x0"] - PAD
        and box["y0"] >= frame["y0"] - PAD
        and box["x1"] <= frame["x1"] + PAD
        and box["y1"] <= frame["y1"] + PAD
    )


NAMES = [*(m.name for m in scenarios()), LARGE]


@pytest.mark.parametrize("name", NAMES)
def test_plan_figure_has_every_measure_and_milestone(
    rendered: dict[str, dict[str, Any]], name: str
) -> None:
    r = rendered[name]
    scenario = solver.load_scenario(r["model"].path)
    ids = [d.id for d in scenario.milestones] + [m.id for m in scenario.measures]
    (plan,) = [f for f in r["probe"]["figures"] if f["id"] == "plan"]
    assert plan["items"] == ids
    labels = {
        t["text"].split(" ", 1)[0]: t
        for t in plan["texts"]
        if t["group"].endswith(tuple(f"-row-{i}" for i in ids))
    }
    assert sorted(labels) == sorted(ids), set(ids) ^ set(labels)
    for item in ids:
        label = labels[item]
        assert label["group"] == f"fig-plan-row-{item}"
        assert inside(label["box"], plan["box"]), (item, label["box"], plan["box"])
        assert label["box"]["x1"] - label["box"]["x0"] > 5, item  # drawn, not empty


@pytest.mark.parametrize("name", NAMES)
def test_no_figure_text_overlaps_or_is_cut(rendered: dict[str, dict[str, Any]], name: str) -> None:
    r = rendered[name]
    assert r["errors"] == []
    figures = r["probe"]["figures"]
    assert [f["id"] for f in figures] == [f["id"] for f in r["doc"]["figures"]]
    assert {"plan", "relief", "leverage", "tornado", "stability", "sobol"} <= {
        f["id"] for f in figures
    }
    for fig in figures:
        texts = [t for t in fig["texts"] if t["text"].strip()]
        assert texts, fig["id"]
        out = [t["text"] for t in texts if not inside(t["box"], fig["box"])]
        assert out == [], (fig["id"], out)
        clash = overlapping([(t["text"], t["box"]) for t in texts])
        assert clash == [], (fig["id"], clash[:5])
    assert r["probe"]["scroll_width"] <= r["probe"]["page_width"]  # nothing runs off the page


@pytest.mark.parametrize("name", NAMES)
def test_findings_come_first_and_do_not_overlap(
    rendered: dict[str, dict[str, Any]], name: str
) -> None:
    r = rendered[name]
    probe, doc = r["probe"], r["doc"]
    assert probe["first_section"] == "findings"
    items = probe["findings"]["items"]
    assert [i["text"] for i in items] == [f["text"] for f in doc["findings"]]
    topics = {f["topic"] for f in doc["findings"]}
    assert {"plan", "weakest", "sensitivity"} <= topics, topics
    assert overlapping([(i["text"][:40], i["box"]) for i in items]) == []
    for i in items:
        assert inside(i["box"], probe["findings"]["box"]), i["text"][:60]


def test_the_measurements_catch_overlapping_and_cut_text(tmp_path: Path) -> None:
    # The checks must be able to fail: two labels on top of each other, one
    # running out of its figure, one apart from both.
    exe = chromium_or_skip()
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>bad</title></head><body><main>"
        '<section id="findings"><ul><li>one</li></ul></section>'
        '<svg class="report-figure" data-figure="x" width="200" height="100">'
        '<text x="10" y="50" style="font-size:12px">R01 overlapping</text>'
        '<text x="20" y="52" style="font-size:12px">R02 overlapping</text>'
        '<text x="150" y="90" style="font-size:12px">R03 runs out</text>'
        '<text x="10" y="15" style="font-size:12px">R04</text>'
        "</svg></main></body></html>"
    )
    browser = Browser(exe, tmp_path / "profile")
    try:
        probe, errors = measure(browser, page)
    finally:
        browser.close()
    assert errors == []
    (fig,) = probe["figures"]
    texts = [(t["text"], t["box"]) for t in fig["texts"]]
    assert overlapping(texts) == [("R01 overlapping", "R02 overlapping")]
    assert [t for t, box in texts if not inside(box, fig["box"])] == ["R03 runs out"]
