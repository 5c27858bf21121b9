"""Issue 16: text from input files is drawn verbatim, never parsed as mathtext.

A name holding ``$\\foo$`` (an unknown TeX command between dollars) made
matplotlib raise a parse error while drawing the report's figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from solver.report.canvas import literal, literal_doc, new_figure, png_base64

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "fixtures" / "scenarios" / "small.toml"
NAME = r"relief $\foo$ and $x^$ for $5"


def _scenario(tmp_path: Path) -> Path:
    text = SMALL.read_text()
    text = text.replace('name = "small"', 'name = "small $\\\\foo$"', 1)
    text = text.replace('phase_names = ["halt"', 'phase_names = ["$\\\\bar$"', 1)
    text = text.replace('id = "R1"\n', f'id = "R1"\nname = {json.dumps(NAME)}\n', 1)
    f = tmp_path / "dollars.toml"
    f.write_text(text)
    return f


def test_literal_escapes_every_dollar() -> None:
    assert literal(NAME) == r"relief \$\foo\$ and \$x^\$ for \$5"
    doc = literal_doc({"a$": [NAME, 1, None, ("$",)], "n": 2.5})
    assert doc == {r"a\$": [literal(NAME), 1, None, [r"\$"]], "n": 2.5}


def test_a_figure_with_mathtext_like_labels_draws() -> None:
    fig = new_figure(3, 2)
    ax = fig.add_subplot()
    ax.barh([0, 1], [1, 2])
    ax.set_yticks([0, 1], [literal(NAME), literal(r"$\frac{$")])
    ax.set_title(literal(NAME))
    assert png_base64(fig)


def test_relief_report_draws_names_with_dollars(tmp_path: Path) -> None:
    f = _scenario(tmp_path)
    out_dir = tmp_path / "report"
    out = subprocess.run(
        [sys.executable, "-m", "solver.cli", "report", str(f), "--out", str(out_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads((out_dir / "report.json").read_text())
    assert len(doc["figures"]) >= 3
    assert doc["scenario"]["name"] == r"small $\foo$"  # the document keeps the text as written
    assert NAME in [m.get("name") for m in doc["items"]["measures"]]
