"""Shared fixtures: paths to shipped models and test scenarios."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SMALL = FIXTURES / "scenarios" / "small.toml"


@pytest.fixture
def small_doc() -> dict:
    """The parsed small test scenario, as a fresh mutable dict."""
    return copy.deepcopy(tomllib.loads(SMALL.read_text()))
