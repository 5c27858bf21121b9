"""Reports: figures and HTML / Markdown / JSON writers (``relief report``).

Public API
----------
build_report
    Solve, compare, check and write ``report.html``, ``report.md``, ``report.json``.
load_sensitivity
    Read sweep results in the report's input contract.
"""

from __future__ import annotations

from solver.report.build import REPORT_FILES, assemble, build_report, render
from solver.report.sensitivity import load_sensitivity

__all__ = ["REPORT_FILES", "assemble", "build_report", "load_sensitivity", "render"]
