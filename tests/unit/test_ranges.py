"""Phase ranges (issue 11, item 6): each item's phases over the plans within 1 % of the optimum.

Most checks run on the hand-solved three-phase scenario of
``tests/unit/test_leximin.py`` (derivation there), whose every plan the
enumerator lists: the ranges must be exactly those of the enumerated plans
within 1 % (every leximin level within 1 % of its optimum), and every range
end must be shown by a plan that the verifier accepts and that is within 1 %.

With a fourth measure D worth 0.2 a year the leximin optimum takes D in
phase 2 (it raises ``V^C_1`` by 0.2 while the phase-1 stall keeps only what
is held: ``L_1 = 25.2``); anywhere else, or never, costs at most 0.2 of the
smallest leverage (0.8 %) and 0.1 of ``Q_3 / 2`` (0.2 %): D is free.  A must
come in phase 3 (earlier, the phase-2 stall keeps A's 60 a year and the
phase-2 leverage falls below zero): A is forced.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from solver import BACKENDS, MODELS_DIR, Status, evaluate, load_scenario, pipeline, solve
from solver.backends import run_backend
from solver.cli import main
from solver.pipeline import FORMULATIONS, extract_schedule
from solver.ranges import NEAR_TOL, PROBE_ENGINES, near_optimal, phase_ranges
from solver.render import render_plan
from solver.report.build import assemble
from solver.report.sections import plan_section
from solver.scenario import scenario_from_dict
from solver.shipped import shipped_models
from solver.verify import verify_plan
from tests.unit.leximin_cases import (
    THREE_PHASES,
    enumerate_plans,
    phase_of,
    three_phases,
    within,
)

DEFAULT = MODELS_DIR / "dprk_2018.toml"


def _ranges(s, near):
    """Exact ranges from a list of schedules within the tolerance (never: None)."""
    k1 = s.phases + 1
    out = {}
    for item in [d.id for d in s.milestones] + [m.id for m in s.measures]:
        ks = [phase_of(sch, item, s.phases) for sch in near]
        out[item] = tuple(None if k == k1 else k for k in (min(ks), max(ks)))
    return out


@pytest.fixture(scope="module")
def free_case():
    s = three_phases(D={"value": 0.2, "reversibility": 1.0})
    return s, enumerate_plans(s), solve(s, ranges=True)


@pytest.fixture(scope="module")
def default():
    s = load_scenario(DEFAULT)
    return s, solve(s, ranges=True)


def test_ranges_are_those_of_the_enumerated_plans_within_one_percent(free_case):
    s, plans, plan = free_case
    assert plan.status is Status.OPTIMAL and plan.levels[0] == pytest.approx(25.2)
    levels = np.asarray(plan.levels)
    near = [sch for sch, lev in plans if within(levels, lev, NEAR_TOL)]
    assert len(near) > 1
    assert dict(plan.phase_range) == _ranges(s, near)


@pytest.mark.parametrize("engine", PROBE_ENGINES)
def test_both_probe_engines_give_the_enumerated_ranges(free_case, engine):
    s, plans, plan = free_case
    near = [sch for sch, lev in plans if within(np.asarray(plan.levels), lev, NEAR_TOL)]
    found = phase_ranges(plan, engine=engine)
    assert found.complete and found.ranges == _ranges(s, near)


# every shipped scenario but the two cases whose terms no phasing meets (docs/cases.md)
NO_PLAN = {"cases/agreed_framework_1994/scenario.toml", "cases/leap_day_2012/scenario.toml"}
SCENARIOS = [m for m in shipped_models() if m.kind == "scenario" and m.name not in NO_PLAN]


@pytest.mark.parametrize("path", [m.path for m in SCENARIOS], ids=[m.name for m in SCENARIOS])
def test_the_probe_engines_agree_on_every_shipped_scenario(path):
    # SciPy's HiGHS with presolve (the default) against highspy with presolve off
    s = load_scenario(path)
    plan = solve(s)
    assert plan.status is Status.OPTIMAL, plan.message
    fast, slow = phase_ranges(plan, engine="highs"), phase_ranges(plan, engine="highspy")
    assert fast.complete and slow.complete
    assert fast.ranges == slow.ranges
    for (item, end), sch in fast.witnesses.items():
        want = fast.ranges[item][0 if end == "earliest" else 1]
        assert phase_of(sch, item, s.phases) == (want or s.phases + 1)
        assert verify_plan(s, sch).ok, (item, end)


def test_an_unknown_probe_engine_is_refused(free_case):
    with pytest.raises(ValueError, match="engine must be one of highs, highspy"):
        phase_ranges(free_case[2], engine="cplex")


def test_bundled_items_share_their_range_exactly():
    # D and E come together (a bundle): the ranges skip E's probes (D's answer them)
    bundle = {"reversibility": 1.0, "bundle": "de"}
    s = three_phases(D={"value": 0.2, **bundle}, E={"value": 0.1, **bundle})
    plan = solve(s, ranges=True)
    plans = enumerate_plans(s)
    near = [sch for sch, lev in plans if within(np.asarray(plan.levels), lev, NEAR_TOL)]
    assert dict(plan.phase_range) == _ranges(s, near)
    assert plan.phase_range["D"] == plan.phase_range["E"] == (2, 3)  # free, as enumerated
    assert phase_ranges(plan).skipped >= 2


def test_a_unique_optimal_phase_is_forced_and_a_cheap_item_is_free(free_case):
    _, plans, plan = free_case
    a_phases = {sch.measures["A"] for sch, lev in plans if lev.min() >= 25.2 - 1e-9}
    assert a_phases == {3}  # A's optimal phase is unique
    assert plan.phase_range["A"] == (3, 3)
    assert plan.phase_range["D"] == (1, None)  # every phase, or never
    lo, hi = plan.phase_range["D"]
    assert lo != hi
    # ... and moving D does not move any level by more than 1 %
    for sch, lev in plans:
        if {k: v for k, v in sch.measures.items() if k != "D"} == {"A": 3, "B": 1, "C": 1}:
            assert within(np.asarray(plan.levels), lev, NEAR_TOL)


def test_ranges_contain_the_optimal_phase(free_case, default):
    for s, plan in ((free_case[0], free_case[2]), default):
        sch = plan.schedule
        for item, (lo, hi) in plan.phase_range.items():
            k = phase_of(sch, item, s.phases)
            kk = s.phases + 1
            assert (lo or kk) <= k <= (hi or kk), (item, k, lo, hi)


def test_every_range_end_has_a_plan_within_one_percent(free_case, default):
    for s, plan in ((free_case[0], free_case[2]), default):
        found = phase_ranges(plan)
        assert found.complete and found.ranges == plan.phase_range
        for (item, end), sch in found.witnesses.items():
            want = found.ranges[item][0 if end == "earliest" else 1]
            assert phase_of(sch, item, s.phases) == (want or s.phases + 1)
            assert verify_plan(s, sch).ok, (item, end)
            assert within(np.asarray(plan.levels), sch.values(s).leverage, NEAR_TOL), (item, end)


def _fix(built, model, item, phase):
    """Copy of the near-optimal model with ``item`` fixed at ``phase`` (``None``: never).

    ``None`` when the column bounds (phase windows) already rule that phase out.
    """
    s = built.scenario
    ids = [m.id for m in s.measures]
    cols = built.vars.y[ids.index(item)] if item in ids else None
    if cols is None:
        cols = built.vars.z[[d.id for d in s.milestones].index(item)]
    k = s.phases + 1 if phase is None else phase
    want = np.array([1.0 if t + 1 >= k else 0.0 for t in range(s.phases)])
    lb, ub = np.asarray(model.lb, dtype=float), np.asarray(model.ub, dtype=float)
    if np.any(want < lb[cols]) or np.any(want > ub[cols]):
        return None
    lb[cols] = ub[cols] = want
    return model.copy(lb=lb, ub=ub)


@pytest.mark.parametrize("backend", BACKENDS)
def test_resolving_with_an_item_at_a_range_end_is_feasible_and_within(free_case, backend):
    s, _, plan = free_case
    built, model = near_optimal(plan)
    for item, (lo, hi) in plan.phase_range.items():
        for end in {lo, hi}:
            fixed = _fix(built, model, item, end)
            assert fixed is not None, (item, end)
            sol = run_backend(fixed, backend)
            assert sol.status is Status.OPTIMAL, (item, end, sol.message)
            sch = extract_schedule(built, sol.x)
            assert phase_of(sch, item, s.phases) == (end or s.phases + 1)
            assert verify_plan(s, sch).ok
            assert within(np.asarray(plan.levels), sch.values(s).leverage, NEAR_TOL)
        # one phase beyond either end is outside the tolerance
        kk = s.phases + 1
        for beyond in ((lo or kk) - 1, (hi or kk) + 1):
            if 1 <= beyond <= kk:
                fixed = _fix(built, model, item, None if beyond == kk else beyond)
                if fixed is not None:  # else the window itself rules it out
                    sol = run_backend(fixed, backend)
                    assert sol.status is Status.INFEASIBLE, (item, beyond, sol.status)


def test_resolving_the_default_model_at_its_range_ends(default):
    s, plan = default
    built, model = near_optimal(plan)
    free = [i for i, (lo, hi) in plan.phase_range.items() if lo != hi]
    assert free  # the default plan has free items (and forced ones)
    assert len(free) < len(plan.phase_range)
    for item in free:
        for end in plan.phase_range[item]:
            sol = run_backend(_fix(built, model, item, end), "highs")
            assert sol.status is Status.OPTIMAL, (item, end, sol.message)
            sch = extract_schedule(built, sol.x)
            assert verify_plan(s, sch).ok
            assert within(np.asarray(plan.levels), sch.values(s).leverage, NEAR_TOL)


def test_ranges_for_a_single_objective_are_those_within_one_percent_of_it(free_case):
    s, plans, _ = free_case
    plan = solve(s, objective="maxmin", ranges=True)
    value = {id(sch): evaluate(s, sch, objective="maxmin").objective for sch, _ in plans}
    best = max(value.values())
    assert best == pytest.approx(plan.objective, rel=1e-7)
    floor = best - NEAR_TOL * max(1.0, abs(best))
    near = [sch for sch, _ in plans if value[id(sch)] >= floor - 1e-9]
    assert dict(plan.phase_range) == _ranges(s, near)


@pytest.mark.parametrize("formulation", FORMULATIONS)
def test_ranges_do_not_depend_on_the_formulation(free_case, formulation):
    s, _, ref = free_case
    plan = solve(s, formulation=formulation, ranges=True)
    assert plan.phase_range == ref.phase_range


def test_ranges_keep_incentive_compatibility_when_required(small_doc):
    small_doc["actors"][1]["snapback_cost"] = 0  # the UNSC snapback is credible
    s = scenario_from_dict(small_doc)
    plan = solve(s, require_ic=True)
    found = phase_ranges(plan, require_ic=True)
    assert found.complete
    for sch in found.witnesses.values():
        assert verify_plan(s, sch, require_ic=True).ok


def test_a_time_limit_leaves_inner_ranges_with_a_message(free_case):
    s, _, plan = free_case
    found = phase_ranges(plan, time_limit=1e-9)
    assert not found.complete and found.solves == 0
    assert found.message.startswith("phase ranges incomplete (time limit")
    for item, (lo, hi) in found.ranges.items():
        k = phase_of(plan.schedule, item, s.phases)
        assert (lo or 4) == k == (hi or 4)  # only what the optimal plan shows
    # through the pipeline: the plan says so, in its message, its JSON and its text
    short = pipeline.check_args(s, time_limit=1e-9, ranges=True)
    out = pipeline.add_ranges(replace(plan, phase_range=None), short)
    assert out.ranges_complete is False and "phase ranges incomplete" in out.message
    assert out.to_dict()["phase_range_complete"] is False
    assert "(incomplete: the probes stopped at the time limit" in render_plan(out)


def test_ranges_are_skipped_for_a_plan_that_is_not_optimal(free_case):
    s, _, plan = free_case
    request = pipeline.check_args(s, ranges=True)
    feasible = replace(plan, status=Status.FEASIBLE, phase_range=None)
    out = pipeline.add_ranges(feasible, request)
    assert out.phase_range is None and "phase ranges skipped" in out.message
    assert solve(s).phase_range is None  # off unless asked for
    assert solve(s).to_dict()["phase_range"] is None


def _strict(text):
    def bad(x):
        raise ValueError(f"non-strict JSON constant {x}")

    return json.loads(text, parse_constant=bad)


def test_cli_json_has_a_top_level_phase_range(tmp_path, capsys):
    path = tmp_path / "three.json"
    path.write_text(json.dumps(THREE_PHASES))
    assert main(["solve", str(path), "--json"]) == 0
    doc = _strict(capsys.readouterr().out)
    assert doc["phase_range"] == {"M1": [1, 1], "M2": [3, 3], "A": [3, 3], "B": [1, 1], "C": [1, 1]}
    assert doc["levels"] == pytest.approx([25.0, 50.0, 85.0])
    assert doc["phase_range_complete"] is True and "ranges" in doc["timings"]
    assert main(["solve", str(path), "--json", "--no-ranges"]) == 0
    assert _strict(capsys.readouterr().out)["phase_range"] is None


def test_cli_text_shows_the_range_table(tmp_path, capsys):
    path = tmp_path / "three.json"
    doc = json.loads(json.dumps(THREE_PHASES))
    doc["measures"].append({"id": "D", "value": 0.2, "reversibility": 1.0, "instrument": "exec"})
    path.write_text(json.dumps(doc))
    assert main(["solve", str(path)]) == 0
    out = capsys.readouterr().out
    # D (0.2 a year, reversible) in phase 2: F = (35, 35.2, 85.2), L_1 = 60.2 - 35,
    # L_2 = 85.2 - 35.2 (stall), L_3 = Q_3 = 85.2 (docstring of test_leximin.py)
    assert "Leximin levels (leverage sorted, USD m): 25.2 <= 50.0 <= 85.2" in out
    assert "Phase ranges over the plans within 1 % of the optimum on every leximin level" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("  ")}
    assert rows["A"] == ["3", "3", "forced"]
    assert rows["D"] == ["2", "1-never", "free"]


def test_cli_default_model_json(capsys):
    assert main(["solve", "--json"]) == 0
    doc = _strict(capsys.readouterr().out)
    s = load_scenario(DEFAULT)
    ids = {d.id for d in s.milestones} | {m.id for m in s.measures}
    assert set(doc["phase_range"]) == ids
    for lo, hi in doc["phase_range"].values():
        assert lo is None or 1 <= lo <= s.phases
        assert hi is None or (lo is not None and lo <= hi <= s.phases)


def test_the_report_shows_a_phase_range_column(free_case):
    s, _, _ = free_case
    doc = assemble(s, solve(s))  # the report computes the ranges of an optimal plan
    assert doc["plans"][0]["phase_range"]["D"] == [1, None]
    section = plan_section(doc)
    assert [t.title for t in section.tables] == ["Phase per item", "Phase ranges: Optimized plan"]
    table = section.tables[1]
    assert table.columns == ["id", "name", "phase", "phase range", "forced / free"]
    cells = {row[0]: row[2:] for row in table.rows}
    assert cells["A"] == [3, "3", "forced"] and cells["D"] == [2, "1-never", "free"]
    assert any("Phase range" in p for p in section.paragraphs)
