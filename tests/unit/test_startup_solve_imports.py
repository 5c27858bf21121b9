"""Fast start (issue 15): ``relief solve --json`` imports only what the solve needs.

No wall-clock assertions (the figures are in benchmarks/README.md, measured by
``benchmarks/bench_startup.py``): a fresh interpreter runs the command and the
test checks which modules it loaded.  The default scenario has target types,
whose validation reads sensitivity paths; that once pulled in the whole sweep
package with SciPy's statistics (half a second of every solve).
"""

from __future__ import annotations

import pytest

from tests.unit.test_startup_imports import loaded_after

NOT_FOR_A_SOLVE = ("scipy.stats", "matplotlib", "pandas", "SALib", "dask", "pulp")
"""Libraries a solve of the default scenario with the default backend never uses."""

NOT_FOR_A_SOLVE_OWN = (
    "solver.report",
    "solver.sensitivity.runner",
    "solver.sensitivity.spec",
    "solver.sensitivity.design",
    "solver.robust.batch",
    "solver.robust.saa",
    "solver.backtest",
    "solver.game.equilibria",
    "solver.game.nfg",
    "solver.game.normal_form",
)
"""Modules of the package a plain solve does not run (report, sweeps, robust solve, the
enumeration of equilibria of ``relief game``)."""


def _unneeded(modules: set[str]) -> list[str]:
    return sorted(
        m
        for m in modules
        if any(m == p or m.startswith(p + ".") for p in (*NOT_FOR_A_SOLVE, *NOT_FOR_A_SOLVE_OWN))
    )


@pytest.mark.parametrize("argv", [["solve", "--json"], ["solve", "--json", "--no-ranges"]])
def test_solve_json_loads_no_library_it_does_not_use(argv: list[str]) -> None:
    code, modules = loaded_after(*argv)
    assert code == 0
    assert "solver.sensitivity.paths" in modules  # the target types were validated
    assert _unneeded(modules) == []


def test_the_sweep_package_still_exports_its_names_on_access() -> None:
    import solver.sensitivity as sensitivity

    assert sensitivity.METHODS == ("oat", "thresholds", "mc", "sobol", "morris")
    assert callable(sensitivity.load_spec) and callable(sensitivity.run_sweep)
    assert set(sensitivity.__all__) <= set(dir(sensitivity))
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = sensitivity.no_such_name


def test_the_game_package_keeps_its_functions_when_submodules_of_their_name_load() -> None:
    # solver.game.check and solver.game.equilibria are modules and functions; importing
    # the module must not leave the package attribute (or solver.check) the module.
    import subprocess
    import sys

    probe = (
        "import types, solver.game.check, solver.game.equilibria, solver, solver.game as g\n"
        "from solver.game import check, equilibria\n"
        "print(all(isinstance(f, types.FunctionType) for f in "
        "(g.check, g.equilibria, check, equilibria, solver.check)))"
    )
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True"
