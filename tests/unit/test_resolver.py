"""The sweep engine: templates, the HiGHS session and the resolver (issue 4).

The resolver must return what :func:`solver.solve` returns for every
variant, while building each model structure once.
"""

from __future__ import annotations

import math

import pytest

from solver import MODELS_DIR, default_scenario_path, load_scenario, solve
from solver.backends.highspy_direct import HighsSession
from solver.formulation import step
from solver.formulation.common import BuildOptions
from solver.formulation.template import StepTemplate, StructureChanged, structure_key
from solver.resolver import Resolver
from solver.sensitivity import apply_sample, load_spec
from solver.sensitivity.design import mc_unit, to_values


@pytest.fixture(scope="module")
def base():
    return load_scenario(default_scenario_path())


@pytest.fixture(scope="module")
def variants(base):
    spec = load_spec(MODELS_DIR / "dprk_2018_sensitivity.toml", base)
    x = to_values(spec.params, mc_unit(len(spec.params), 24, 7))
    return [apply_sample(base, spec.resolve(row)) for row in x]


def _same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-5 * max(1.0, abs(a))  # two MIP solves, each within a 1e-6 gap


def test_resolver_matches_solve_on_every_variant(base, variants):
    r = Resolver(base)
    for v in variants:
        got, want = r.solve(v), solve(v, explain=False)
        assert got.status == want.status
        assert _same(got.objective, want.objective), (got.objective, want.objective)
        assert not got.violations
    assert r.refills == len(variants)
    assert r.builds <= 3  # the sweep meets a handful of structures, not one per sample


def test_every_backend_gets_the_refilled_model(base, variants):
    for backend in ("highs", "cbc"):
        r = Resolver(base, backend=backend)
        for v in variants[:3]:
            assert _same(r.solve(v).objective, solve(v, explain=False).objective)


def test_resolver_runs_the_incentive_check_loop():
    s = load_scenario(MODELS_DIR / "dprk_2018_no_reverse_veto.toml")
    got = Resolver(s, require_ic=True).solve(s)
    want = solve(s, require_ic=True, explain=False)
    assert got.status == want.status
    assert [e.split(":")[0] for e in got.explanation][: len(want.explanation)] == [
        e.split(":")[0] for e in want.explanation
    ][: len(got.explanation)]


def test_structure_key_tracks_what_shapes_the_model(base):
    o = BuildOptions()
    m = base.milestones[0]
    tied = next(d for d in base.milestones[1:] if d.detection != m.detection)
    moved = apply_sample(base, {f"milestones.{m.id}.detection": tied.detection})
    assert structure_key(moved, o) != structure_key(base, o)  # new tie between levels
    assert structure_key(moved, BuildOptions(dense_classes=True)) == structure_key(
        base, BuildOptions(dense_classes=True)
    )
    with pytest.raises(StructureChanged):
        StepTemplate(base, o).refill(moved)


def test_refill_is_the_builder_model(base, variants):
    o = BuildOptions(dense_classes=True)
    t = StepTemplate(base, o)
    fitting = [v for v in variants if t.fits(v)]
    assert len(fitting) >= 5
    for v in fitting[:6]:
        got, want = t.refill(v), step.build(v, o).model
        assert (got.matrix() != want.matrix()).nnz == 0
        assert got.obj == want.obj and got.row_lb == want.row_lb and got.row_ub == want.row_ub
    assert t.built.model.blocks  # the numeric families are blocks


def test_session_rejects_a_model_of_another_shape(base):
    small = load_scenario(MODELS_DIR / "dprk_minimal.toml")
    sess = HighsSession(step.build(base).model)
    with pytest.raises(ValueError, match="shape"):
        sess.solve(step.build(small).model)
    sol = sess.solve(step.build(base).model)
    assert sol.status.value == "optimal" and math.isfinite(sol.objective)


def test_session_runs_after_a_multithreaded_highs_in_the_same_process(base):
    """HiGHS keeps one thread pool per process; a single-threaded session created
    after a default (multi-threaded) solve must still run, and vice versa."""
    import highspy

    from solver.backends.highspy_direct import solve_highspy

    model = step.build(base).model
    highspy.Highs.resetGlobalScheduler(True)
    assert solve_highspy(model).status.value == "optimal"  # starts the default pool
    assert HighsSession(model).solve(model).status.value == "optimal"
    assert solve_highspy(model).status.value == "optimal"
