"""The pipeline: arguments checked at the door, one chain, one IC predicate (issue 10)."""

from __future__ import annotations

import json
import math

import pytest

from solver import MODELS_DIR, evaluate, load_scenario, pipeline, solve, verify_plan
from solver import tolerances as tol
from solver.backends import BACKENDS, Status
from solver.cli import main
from solver.game import check
from solver.plan import Schedule
from solver.resolver import Resolver
from solver.sensitivity.evaluate import result_of

DEFAULT = MODELS_DIR / "dprk_2018.toml"
NO_VETO = MODELS_DIR / "dprk_2018_no_reverse_veto.toml"
PROPOSAL = MODELS_DIR / "plans" / "proposal_2018.toml"


def _strict(text: str) -> object:
    def refuse(const: str) -> float:
        raise ValueError(f"non-standard JSON constant {const}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def default():
    return load_scenario(DEFAULT)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("limit", [math.nan, -1.0, 0.0, math.inf, True, "10"])
def test_time_limit_is_checked_for_every_backend(default, backend, limit):
    with pytest.raises(ValueError, match="time_limit"):
        solve(default, backend=backend, time_limit=limit)


def test_a_valid_time_limit_still_solves(default):
    assert solve(default, backend="cbc", time_limit=30).status is Status.OPTIMAL


def test_cli_time_limit_nan_is_bad_input_not_infeasible(capsys):
    code = main(["solve", "--backend", "cbc", "--time-limit", "nan"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--time-limit is nan" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"backend": "highpsy"}, "did you mean 'highspy'"),
        ({"objective": "leverag"}, "did you mean 'leverage'"),
        ({"formulation": "plse"}, "did you mean 'pulse'"),
        ({"credibility": {"no-such-instrument": 0.5}}, "instrument 'no-such-instrument'"),
    ],
)
def test_bad_arguments_name_the_argument_and_the_rule(default, kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        solve(default, **kwargs)


def test_credibility_overrides_are_checked(default):
    inst = default.instruments[0].id
    with pytest.raises(ValueError, match=f"did you mean {inst!r}"):
        solve(default, credibility={inst + "x": 0.5})
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        solve(default, credibility={inst: 1.5})
    assert solve(default, credibility={inst: 0.5}).status is Status.OPTIMAL


def test_resolver_checks_its_arguments_too(default):
    with pytest.raises(ValueError, match="time_limit"):
        Resolver(default, time_limit=-3)
    with pytest.raises(ValueError, match="backend"):
        Resolver(default, backend="gurobi")


def test_solve_is_the_composition_of_the_stages(default):
    # one-solve objectives: build -> run -> read_out
    request = pipeline.check_args(default, objective="maxmin")
    built = pipeline.build(default, request)
    one = pipeline.read_out(built, pipeline.run(built.model, request), request, 0.0)
    assert one.schedule == solve(default, objective="maxmin").schedule
    request = pipeline.check_args(default)
    built = pipeline.build(default, request)
    plan = pipeline.solve_built(built, request, 0.0)  # leximin: every level, then read out
    ref = solve(default)
    assert plan.status is ref.status is Status.OPTIMAL
    assert plan.schedule == ref.schedule
    assert plan.objective == pytest.approx(ref.objective)
    assert verify_plan(default, plan).ok


def test_chain_conflicts_stop_before_building(small_doc):
    from solver.scenario import scenario_from_dict

    small_doc["milestones"][-1]["mandatory_by"] = 1
    s = scenario_from_dict(small_doc)
    calls = []

    def round_(cred):
        calls.append(cred)
        raise AssertionError("no round should run")

    plan = pipeline.drive(s, pipeline.check_args(s), round_)
    if plan.status is Status.INFEASIBLE and "prerequisite chains" in plan.message:
        assert calls == []
        assert plan.explanation
    else:  # the fixture's last milestone has no chain: then a round must have run
        pytest.fail(f"expected a chain conflict, got {plan.status}: {plan.message}")


def test_one_incentive_predicate_for_verifier_game_check_and_sweeps(monkeypatch):
    """Loosen the one tolerance: the three judges must all follow it."""
    from solver.game.examples import toy_scenario

    s, sch = toy_scenario(credible=False)  # China vetoes the snapback: margins -72
    plan = evaluate(s, sch)
    assert plan.status is Status.FEASIBLE
    assert not check(s, sch).incentive_compatible
    assert not result_of(s, plan).incentive_compatible
    assert any(v.startswith("incentive") for v in verify_plan(s, sch, require_ic=True).violations)
    monkeypatch.setattr(tol, "IC_TOL", 1e12)
    assert check(s, sch).incentive_compatible
    assert result_of(s, plan).incentive_compatible
    assert not any(
        v.startswith("incentive") for v in verify_plan(s, sch, require_ic=True).violations
    )


def test_verifier_flags_negative_leverage_through_the_predicate():
    from solver.game.examples import toy_scenario

    s, sch = toy_scenario(credible=False)
    lev = sch.values(s).leverage
    bad = [k + 1 for k, v in enumerate(lev) if v < 0]
    flagged = [v for v in verify_plan(s, sch, require_ic=True).violations if v.startswith("incent")]
    assert bad and len(flagged) == len(bad)


def test_ic_margin_sign_is_the_verdict():
    for comply, dev in [(100.0, 100.0), (100.0, 100.00001), (100.0, 101.0), (5.0, 1.0)]:
        assert tol.margin_holds(tol.ic_margin(comply, dev)) == tol.incentive_compatible(comply, dev)


def test_evaluate_without_objective_is_strict_json(default, tmp_path, capsys):
    """A plan the model cannot score gives ``null`` with the reason, never NaN."""
    bad = {m.id: 1 for m in default.measures}  # everything at once: breaks precedence
    sch = Schedule(measures=bad, milestones={d.id: None for d in default.milestones})
    plan = evaluate(default, sch)
    assert plan.status is Status.INFEASIBLE
    assert plan.objective is None
    assert "no objective value" in plan.message
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"measures": bad}))
    code = main(["solve", "--plan", str(path), "--json"])
    doc = _strict(capsys.readouterr().out)
    assert code == 1
    assert doc["objective"] is None and "no objective value" in doc["message"]
