"""The sweep engine: templates, the HiGHS session and the resolver (issue 4).

The resolver must return what :func:`solver.solve` returns for every
variant, while building each model structure once.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import replace

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
    # detection values never shape the model (classes are written inline on every step)
    moved = apply_sample(base, {f"milestones.{m.id}.detection": tied.detection})
    assert structure_key(moved, o) == structure_key(base, o)
    # which steps verify which, and which measures are transfers, do
    other = base.milestones[1]
    verified = replace(
        base,
        milestones=(replace(m, raises_detection={other.id: 0.9}), *base.milestones[1:]),
    )
    assert structure_key(verified, o) != structure_key(base, o)
    with pytest.raises(StructureChanged):
        StepTemplate(base, o).refill(verified)
    first = base.measures[0]
    once = replace(base, measures=(replace(first, kind="transfer", reversibility=0.0),
                                   *base.measures[1:]))  # fmt: skip
    assert structure_key(once, o) != structure_key(base, o)


def test_refill_is_the_builder_model(base, variants):
    o = BuildOptions()
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


def test_implied_equalities_merge_cycles_only_and_the_session_maps_back():
    """a <= b <= c <= a is one class; d <= a alone is not; the session solves the
    merged model and returns a solution of the original one."""
    from solver.model import LinearModel
    from solver.presolve import implied_equalities

    m = LinearModel("cycle", maximize=True)
    a, b, c, d = (m.add_var(n, ub=1.0, integer=True) for n in "abcd")
    m.obj[:] = [1.0, -3.0, 1.0, 1.0]
    m.add_row("a<=b", {a: 1.0, b: -1.0}, ub=0.0)
    m.add_row("b<=c", {b: 1.0, c: -1.0}, ub=0.0)
    m.add_row("c<=a (as a-c>=0)", {a: 1.0, c: -1.0}, lb=0.0)
    m.add_row("d<=a", {d: 1.0, a: -1.0}, ub=0.0)
    m.add_row("budget", {a: 2.0, b: 2.0, d: 1.0}, ub=4.0)
    eq = implied_equalities(m, {})
    assert eq.representative == {b: a, c: a}
    assert eq.rows.tolist() == [True, True, True, False, False]
    sess = HighsSession(m, drop_rows=eq.rows, merge=eq.representative)
    assert sess.size == (2, 2)  # d<=a and budget (4a + d <= 4) over columns a, d
    sol = sess.solve(m)
    # a = b = c = 1 gains 1 - 3 + 1 = -1, so a = 0 and then d <= a forces d = 0
    assert sol.status.value == "optimal" and sol.x.tolist() == [0.0, 0.0, 0.0, 0.0]
    m.obj[:] = [1.0, -0.5, 1.0, 1.0]
    sol = sess.solve(m)
    # the budget's coefficients on a and b add up: d = 1 would break it
    assert sol.x.tolist() == [1.0, 1.0, 1.0, 0.0] and sol.objective == 1.5
    # new column bounds (a model that does not share the previous one's) are taken up
    tight = dataclasses.replace(m, ub=[1.0, 1.0, 0.0, 1.0])
    assert sess.solve(tight).x.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert sess.solve(m).x.tolist() == [1.0, 1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="representatives"):
        HighsSession(m, merge={b: c, c: a})


def test_default_model_merges_window_tails_and_bundles(base):
    from solver.presolve import implied_equalities, implied_fixings

    model = step.build(base).model
    eq = implied_equalities(model, implied_fixings(model))
    names = {model.var_names[j]: model.var_names[r] for j, r in eq.representative.items()}
    assert names["y[R09,2]"] == "y[R08,2]"  # one bundle, one column
    assert names["y[R01,4]"] == "y[R01,1]"  # nothing new after a window's last phase
    assert sum(eq.rows) >= len(names)


def test_sweep_sessions_with_presolve_give_the_answers_of_presolve_off(base, monkeypatch):
    """The sweep's sessions run HiGHS presolve (resolver.SESSION_PRESOLVE); on sampled
    variants of the default model the statuses, leximin levels and schedules must be
    those of sessions without it, and of the one-off solve (scipy's HiGHS)."""
    import solver.resolver as resolver_module

    spec = load_spec(MODELS_DIR / "dprk_2018_sensitivity.toml", base)
    rows = to_values(spec.params, mc_unit(len(spec.params), 24, 29))
    variants = [apply_sample(base, spec.resolve(r)) for r in rows]
    assert resolver_module.SESSION_PRESOLVE

    def answers():
        r = Resolver(base, backend="highspy")
        out = []
        for v in variants:
            p = r.solve(v)
            out.append((p.status, p.levels, None if p.schedule is None else p.schedule.measures))
        return out

    on = answers()
    monkeypatch.setattr(resolver_module, "SESSION_PRESOLVE", False)
    off = answers()
    solved = 0
    for v, a, b in zip(variants, on, off, strict=True):
        assert a[0] == b[0]
        assert a[1] == pytest.approx(b[1], rel=1e-6, abs=1e-6)
        assert a[2] == b[2]
        if a[1]:
            solved += 1
            assert a[1] == pytest.approx(solve(v).levels, rel=1e-6, abs=1e-6)
    assert solved >= 10  # most samples have a plan
