"""SciPy's HiGHS fails inside presolve on a model the other backends solve.

Found by ``tests/property/test_random_scenarios.py`` (issue 11's model): the first
leximin level of this scenario gives "HiGHS Status 4: Solve error" through
``scipy.optimize.milp`` with presolve on; with presolve off it solves to the
optimum highspy and CBC find.  The ``highs`` backend retries once without
presolve (``solver/backends/highs_scipy.py``); the plan must be optimal with
the levels of the other backends.
"""

from __future__ import annotations

import pytest

from solver import Status, solve
from solver.scenario import scenario_from_dict

DOC = {'name': 'random',
 'phases': 4,
 'parameters': {'reciprocity': 0.5,
                'irreversibility_ratio': 2.0,
                'annual_discount': 0.945536822256883,
                'phase_years': [0.25, 0.25, 1.0, 2.5]},
 'actors': [{'id': 'us'}],
 'instruments': [{'id': 'unsc', 'kind': 'unsc_resolution', 'capacity': 2, 'credibility': 0.96},
                 {'id': 'exec', 'kind': 'executive', 'veto_players': ['us']},
                 {'id': 'snap', 'kind': 'reverse_veto', 'credibility': [0.0, 0.0, 0.0, 0.0]}],
 'measures': [{'id': 'R0',
               'value': 49,
               'reversibility': 0.77,
               'instrument': 'unsc',
               'requires_milestones': ['M0'],
               'bundle': 'b',
               'phase_window': [1, 3]},
              {'id': 'R1', 'value': 61, 'reversibility': 0.22, 'instrument': 'unsc'}],
 'milestones': [{'id': 'M0',
                 'value': 0,
                 'cost': 9,
                 'reversibility': 0.2,
                 'detection': 0.89,
                 'phase_window': [3, 3]},
                {'id': 'M1',
                 'value': 0,
                 'cost': 42,
                 'reversibility': 0.0,
                 'detection': 0.88,
                 'phase_window': [2, 2]},
                {'id': 'M2',
                 'value': 0,
                 'cost': 15,
                 'reversibility': 0.0,
                 'detection': 0.82,
                 'requires': ['M0'],
                 'raises_detection': {'M0': 0.06},
                 'phase_window': [2, 4]},
                {'id': 'M3',
                 'value': 0,
                 'cost': 25,
                 'reversibility': 0.77,
                 'detection': 0.96}],
 'resources': [{'id': 'inspectors', 'capacity': 1}]}  # fmt: skip


def test_the_scipy_backend_recovers_from_a_presolve_solve_error():
    s = scenario_from_dict(DOC)
    plan = solve(s, explain=False)
    ref = solve(s, backend="cbc", explain=False)
    assert plan.status is Status.OPTIMAL, plan.message
    assert ref.status is Status.OPTIMAL
    assert plan.levels == pytest.approx(ref.levels, rel=1e-6)


def _zero_levels_path():  # type: ignore[no-untyped-def]
    from tests.conftest import ROOT

    return ROOT / "tests" / "fixtures" / "scenarios" / "all_zero_levels.json"


def test_scipy_infeasible_answer_on_a_zero_level_is_rechecked_without_presolve() -> None:
    # Found by the property test after issue 12's members: every leximin level is 0, and
    # SciPy's HiGHS with presolve calls level 4 infeasible although the previous plan
    # meets every floor; without presolve it solves, like highspy and CBC.
    from solver.scenario import load_scenario

    s = load_scenario(_zero_levels_path())
    plans = {b: solve(s, backend=b, explain=False) for b in ("highs", "highspy", "cbc")}
    assert {b: p.status for b, p in plans.items()} == dict.fromkeys(plans, Status.OPTIMAL)
    assert len({p.levels for p in plans.values()}) == 1


def test_json_stdout_is_one_document_even_when_highs_prints_from_c(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the same solve makes HiGHS print "HighsMipSolverData::transformNewIntegerFeasibleSolution
    # tmpSolver.run();" from C; stdout must still be exactly one JSON document
    import json
    import subprocess
    import sys

    for backend in ("highs", "highspy"):
        cmd = [sys.executable, "-m", "solver.cli", "solve", str(_zero_levels_path()),
               "--backend", backend, "--json"]  # fmt: skip
        out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["status"] == "optimal"
