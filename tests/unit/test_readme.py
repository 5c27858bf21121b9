"""The README's Python example runs as written (from the repository root)."""

from __future__ import annotations

import os
import re

from tests.conftest import ROOT


def test_readme_python_example_runs(capsys):
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(block, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("optimal ")
    assert "True False" in out  # the target complies; a donor would stop paying
    assert out[out.index("None None") + 1] == "True"  # the two-sided plan holds both sides
    # the figures the example's comments quote are the ones it prints
    objective = re.search(r"# 'optimal' ([0-9.]+)\.\.\.", block).group(1)
    assert out[0].startswith(f"optimal {objective}")
    ranges = re.search(r"# \((\d), (\d)\) forced; \((\d), None\) free", block).groups()
    assert f"({ranges[0]}, {ranges[1]}) ({ranges[2]}, None)" in out
