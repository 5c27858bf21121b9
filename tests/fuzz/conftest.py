"""Fuzz suite: print how many cases each format ran (the figures ``make fuzz`` reports)."""

from __future__ import annotations

import json
from typing import Any

from tests.fuzz.mutations import EXAMPLES, TRIED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """After the run, one line with the cases tried per format."""
    if TRIED:
        terminalreporter.write_line(
            f"fuzz: FUZZ_EXAMPLES={EXAMPLES}; cases per format "
            f"{json.dumps(TRIED, sort_keys=True)}; total {sum(TRIED.values())}"
        )
