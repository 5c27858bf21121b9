"""``relief report`` on the command line: usage, bad input (exit 2), atomic output, escaping."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import solver.cli
from solver.report import cli as report_cli

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios" / "small.toml"
HOSTILE = "<script>alert('x')</script> & | *bold* <img src=x onerror=alert(1)>"


def relief(argv: list[str]) -> int:
    """Run ``relief report ...`` through the main command once it is registered."""
    if any(mod == "solver.report.cli" for mod, _, _ in solver.cli._PLUGINS):
        return solver.cli.main(argv)
    assert argv[0] == "report"
    return report_cli.main(argv[1:])


def test_report_command_writes_the_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "new" / "dir"
    assert relief(["report", str(FIXTURE), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
    assert "3 figures" in capsys.readouterr().out


def test_plan_option_compares_with_a_plan_file(tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(
        "[measures]\nR1 = 1\nR2 = 2\nR3 = 2\nR4 = 3\n[milestones]\nM1 = 1\nM2 = 2\nM3 = 3\n"
    )
    assert relief(["report", str(FIXTURE), "--plan", str(plan), "--out", str(tmp_path / "o")]) == 0
    doc = json.loads((tmp_path / "o" / "report.json").read_text())
    assert doc["plans"][1]["source"] == str(plan)
    assert doc["plans"][1]["assignments"]["measures"] == {"R1": 1, "R2": 2, "R3": 2, "R4": 3}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.toml"], r"missing\.toml: file not found"),
        (
            [str(FIXTURE), "--sensitivity", "nostore.db"],
            r"nostore\.db: sensitivity store not found",
        ),
        (
            [str(FIXTURE), "--plan", "PLAN"],
            r"plan\.toml: measures\.R9 is 'R9'; the scenario has no",
        ),
    ],
)
def test_bad_input_exits_2_with_a_message_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture, args: list[str], message: str
) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text("[measures]\nR9 = 1\n")
    args = [str(plan) if a == "PLAN" else a for a in args]
    out = tmp_path / "out"
    assert relief(["report", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert re.search(message, err), err
    assert not out.exists()


def test_out_that_is_a_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    assert relief(["report", str(FIXTURE), "--out", str(blocker)]) == 2
    assert f"{blocker}: --out cannot be written" in capsys.readouterr().err
    assert blocker.read_text() == "x"


def test_failed_run_leaves_an_earlier_report_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert relief(["report", str(FIXTURE), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"method": "sobol", "summary": {"rows": [{"parameter": "a"}]}}))
    assert relief(["report", str(FIXTURE), "--sensitivity", str(bad), "--out", str(out)]) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_scenario_text_is_escaped_in_html_and_markdown(tmp_path: Path) -> None:
    text = FIXTURE.read_text().replace('name = "small"', f"name = {json.dumps(HOSTILE)}")
    text = text.replace('phase_names = ["halt"', f"phase_names = [{json.dumps('<b>' + HOSTILE)}")
    text = text.replace('id = "R1"\n', f'id = "R1"\nname = {json.dumps(HOSTILE)}\n')
    text = 'description = "line one <i>\\nline | two"\n' + text
    src = tmp_path / "hostile.toml"
    src.write_text(text)
    assert relief(["report", str(src), "--out", str(tmp_path / "o")]) == 0
    html = (tmp_path / "o" / "report.html").read_text()
    md = (tmp_path / "o" / "report.md").read_text()
    assert "<script" not in html and "<img src=x" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "line one &lt;i&gt;" in html
    assert "<script" not in md and "<img" not in md and "<i>" not in md
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; \\| \\*bold\\*" in md
    row = next(line for line in md.splitlines() if line.startswith("| R1 |"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 6  # 5 columns: the escaped pipe adds none
