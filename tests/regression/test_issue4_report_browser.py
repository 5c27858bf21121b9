"""Issue 4: ``report.html`` renders in headless Chromium with its figures, without console errors.

Chromium (Debian's ``chromium`` package, installed by ``scripts/install-chromium.sh``)
is driven through the Chrome DevTools Protocol over ``--remote-debugging-pipe``
(NUL-separated JSON on file descriptors 3 and 4), with the standard library
only: no websocket client, no Playwright browser download.  The page is
loaded from ``file://``, console messages, uncaught exceptions and log
entries (CSP violations, failed loads) are collected, every figure (inline
SVG with its text; an ``<img>`` must have decoded) is checked to be drawn,
and a screenshot is checked to be non-blank.

Without Chromium the test skips, except under CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import solver
from solver.report import build_report
from solver.report.sample import sample_sensitivity

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
]
TIMEOUT = 60.0  # seconds per DevTools answer (generous: CI machines may be loaded)


def chromium_or_skip() -> str:
    exe = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if exe:
        return exe
    msg = "chromium not installed (run scripts/install-chromium.sh)"
    if os.environ.get("CI"):
        pytest.fail(msg + "; CI must have it")
    pytest.skip(msg)


class Browser:
    """Minimal CDP client over Chromium's debugging pipe."""

    def __init__(self, exe: str, profile: Path) -> None:
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()

        def wire() -> None:  # in the child: the pipe ends become fds 3 (read) and 4 (write)
            a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=wire,  # the test process is single-threaded
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._r], [], [], left)[0]:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict:
        deadline = time.monotonic() + TIMEOUT
        for i, ev in enumerate(self.events):
            if ev.get("method") == method:
                return self.events.pop(i)
        while True:
            ev = self._read_message(deadline)
            if ev.get("method") == method:
                return ev
            self.events.append(ev)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._w)
        os.close(self._r)


FIGURE_PROBE = """JSON.stringify({
  title: document.title,
  figures: Array.from(document.querySelectorAll('img.report-figure, svg.report-figure')).map(
    f => f.tagName.toLowerCase() === 'img'
      ? {id: f.dataset.figure, ok: f.complete && f.naturalWidth > 0, w: f.naturalWidth}
      : {id: f.dataset.figure, w: Math.round(f.getBoundingClientRect().width),
         ok: f.getBoundingClientRect().height > 50 && f.querySelectorAll('text').length > 0}),
  svgs: document.querySelectorAll('svg').length,
  tables: document.querySelectorAll('table').length,
  height: document.documentElement.scrollHeight})"""


def render_page(exe: str, page: Path, profile: Path) -> tuple[dict, list[str], bytes]:
    """Load ``page``; return the DOM probe, the console/log errors and a PNG screenshot."""
    b = Browser(exe, profile)
    try:
        target = b.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = b.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            b.send(f"{domain}.enable", session=sid)
        b.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 4000, "deviceScaleFactor": 1, "mobile": False},
            sid,
        )
        b.send("Page.navigate", {"url": page.resolve().as_uri()}, sid)
        b.wait_for("Page.loadEventFired")
        probe = b.send("Runtime.evaluate", {"expression": FIGURE_PROBE, "returnByValue": True}, sid)
        shot = b.send("Page.captureScreenshot", {"format": "png"}, sid)["data"]
        errors = console_errors(b.events)
    finally:
        b.close()
    return json.loads(probe["result"]["value"]), errors, base64.b64decode(shot)


def console_errors(events: list[dict[str, Any]]) -> list[str]:
    """Console errors, uncaught exceptions and error-level log entries among CDP events."""
    out = []
    for ev in events:
        method, p = ev.get("method"), ev.get("params", {})
        if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append("console: " + " ".join(str(a.get("value")) for a in p.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            out.append("exception: " + str(p.get("exceptionDetails", {}).get("text")))
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out.append("log: " + str(p["entry"].get("text")))
    return out


def non_white_share(png: bytes) -> tuple[float, int]:
    """Share of non-white pixels and number of distinct colours of a PNG."""
    from matplotlib.image import imread

    img = imread(io.BytesIO(png), format="png")[..., :3]
    share = float(np.mean(np.any(img < 0.94, axis=-1)))
    colours = len(np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    return share, colours


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    scenario = solver.load_scenario(solver.default_scenario_path())
    sens = out / "sweep.json"
    sens.write_text(json.dumps(sample_sensitivity(scenario, seed=4)))
    build_report(None, out_dir=out / "r", sensitivity_path=sens)
    return out / "r"


def test_report_renders_in_chromium_with_figures_and_no_console_errors(
    report_dir: Path, tmp_path: Path
) -> None:
    exe = chromium_or_skip()
    doc = json.loads((report_dir / "report.json").read_text())
    probe, errors, png = render_page(exe, report_dir / "report.html", tmp_path / "profile")
    assert errors == []
    assert probe["title"] == doc["title"]
    expected = [f["id"] for f in doc["figures"]]
    assert {"plan", "relief", "leverage", "tornado", "sobol", "stability", "thresholds"} <= set(
        expected
    )
    assert [f["id"] for f in probe["figures"]] == expected
    assert all(f["ok"] and f["w"] > 300 for f in probe["figures"]), probe["figures"]
    assert probe["tables"] >= len(expected)
    (report_dir / "screenshot.png").write_bytes(png)
    share, colours = non_white_share(png)
    assert share > 0.10, f"screenshot is nearly blank ({share:.1%} non-white)"
    assert colours > 200, f"screenshot has only {colours} colours: figures missing?"


def test_browser_check_catches_console_errors_and_broken_figures(tmp_path: Path) -> None:
    # The harness must be able to fail: a page with a console error, an
    # uncaught exception and an image that does not decode.
    exe = chromium_or_skip()
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>bad</title></head><body>"
        '<img class="report-figure" data-figure="x" src="data:image/png;base64,AAAA">'
        "<script>console.error('boom'); undefinedFunction();</script></body></html>"
    )
    probe, errors, _ = render_page(exe, page, tmp_path / "profile")
    assert any("boom" in e for e in errors)
    assert any(e.startswith("exception") for e in errors)
    assert probe["figures"] == [{"id": "x", "ok": False, "w": 0}]
