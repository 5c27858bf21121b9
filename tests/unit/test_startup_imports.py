"""Fast start (issue 15): what ``relief`` imports, not how long it takes.

No wall-clock assertions: each test runs a fresh interpreter and checks which
modules got imported.  ``relief --help`` must import no subcommand module and no
heavy library; a subcommand imports its own module only.  The timings are
measured by ``benchmarks/bench_startup.py``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

import pytest

import solver
import solver.cli
from tests.conftest import ROOT

HEAVY = ("numpy", "scipy", "matplotlib", "pandas", "highspy", "pulp", "dask", "SALib")
SUBCOMMAND_MODULES = sorted({c.module for c in solver.cli.COMMANDS} - {"solver.cli"})

PROBE = """
import json, sys
import solver.cli
try:
    code = solver.cli.main({argv!r})
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print("\\n" + json.dumps({{"code": code, "modules": sorted(sys.modules)}}))
"""


def loaded_after(*argv: str) -> tuple[int, set[str]]:
    """Run ``relief ARGV`` in a fresh interpreter; return its exit code and the modules loaded."""
    r = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=list(argv))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    doc: dict[str, Any] = json.loads(r.stdout.rstrip().rsplit("\n", 1)[-1])
    return doc["code"], set(doc["modules"])


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def test_help_imports_no_subcommand_module_and_no_heavy_library() -> None:
    code, modules = loaded_after("--help")
    assert code == 0
    assert heavy(modules) == []
    assert [m for m in SUBCOMMAND_MODULES if m in modules] == []


def test_import_solver_alone_loads_nothing_heavy() -> None:
    r = subprocess.run(
        [sys.executable, "-c", "import sys, solver; print(sorted(sys.modules))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert heavy(set(eval(r.stdout))) == []


def test_models_listing_loads_nothing_heavy() -> None:
    code, modules = loaded_after("models", "--json")
    assert code == 0 and heavy(modules) == []


@pytest.mark.parametrize("name", ["check", "rcpsp", "report", "bench", "sensitivity"])
def test_a_subcommand_imports_only_its_own_module(name: str) -> None:
    code, modules = loaded_after(name, "--help")
    assert code == 0
    own = next(c.module for c in solver.cli.COMMANDS if c.name == name)
    assert own in modules
    assert [m for m in SUBCOMMAND_MODULES if m in modules and m != own] == []


def test_the_short_help_lines_are_the_ones_each_command_registers() -> None:
    lazy = solver.cli.build_parser(full=False).format_help()
    full = solver.cli.build_parser().format_help()  # imports every subcommand module
    assert lazy == full
    assert all(c.name in lazy for c in solver.cli.COMMANDS)


def test_every_subcommand_parser_builds_alone() -> None:
    for command in solver.cli.COMMANDS:
        parser = solver.cli.build_parser(command.name)
        (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        assert callable(sub.choices[command.name].get_default("func")), command.name
        others = [c.name for c in solver.cli.COMMANDS if c.name != command.name]
        assert all(sub.choices[o].get_default("func") is None for o in others)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["solve", "--json"], "solve"),
        (["--help"], None),
        ([], None),
        (["slove"], None),
        (["-h", "check"], "check"),
        (["--", "solve"], None),
    ],
)
def test_command_of(argv: list[str], expected: str | None) -> None:
    assert solver.cli.command_of(argv) == expected


def test_lazy_package_names_resolve_and_solve_stays_the_function() -> None:
    import solver.solve as solve_module  # noqa: F401  (sets the package attribute)

    assert callable(solver.solve) and solver.solve.__module__ == "solver.solve"
    assert solver.load_scenario.__module__ == "solver.scenario"
    assert solver.pipeline.__name__ == "solver.pipeline"  # a submodule, imported on access
    assert set(solver.__all__) <= set(dir(solver))
    with pytest.raises(AttributeError):
        _ = solver.no_such_name
