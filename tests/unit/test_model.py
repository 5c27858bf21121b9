"""LinearModel's public API: copies, coefficient access, in-place refills, bounds tokens."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import numpy as np
import pytest
import scipy.sparse as sp

from solver import default_scenario_path, load_scenario
from solver.backends.highspy_direct import HighsSession, solve_highspy
from solver.formulation import step
from solver.formulation.common import BuildOptions
from solver.formulation.template import StepTemplate
from solver.model import LinearModel
from solver.sensitivity import apply_sample


@pytest.fixture(scope="module")
def base():
    return load_scenario(default_scenario_path())


def _snapshot(m: LinearModel) -> dict:
    rows, cols, vals = m.coo()
    return {
        "vars": (list(m.var_names), list(m.lb), list(m.ub), list(m.integer), list(m.obj)),
        "rows": (list(m.row_names), list(m.row_groups), list(m.row_lb), list(m.row_ub)),
        "coo": (rows.tolist(), cols.tolist(), vals.tolist()),
        "index": {n: m.var(n) for n in m.var_names},
        "blocks": list(m.blocks),
    }


def _toy() -> LinearModel:
    m = LinearModel("toy")
    x = m.add_var("x", ub=10.0, obj=1.0)
    y = m.add_var("y", ub=10.0, integer=True, obj=1.0)
    m.add_row("cap", {x: 1.0, y: 2.0}, ub=8.0)
    m.add_row("link", {x: 1.0, y: -1.0}, lb=-3.0, ub=3.0)
    return m


def test_a_copy_is_independent_both_ways(base):
    m = step.build(base).model
    before = _snapshot(m)
    c = m.copy()
    assert _snapshot(c) == before
    j = c.add_var("extra", ub=2.0)
    c.add_row("extra row", {j: 1.0, 0: 1.0}, ub=1.0)
    c.add_coefficient(0, j, 5.0)
    c.set_bounds([0, 1], lb=1.0, ub=1.0)
    c.set_coefficients(np.zeros(3), start=2)
    c.obj[0] = 99.0
    c.row_lb[0] = -99.0
    c.row_groups[0] = "changed"
    c.blocks.clear()
    assert _snapshot(m) == before
    m.set_bounds([2], ub=0.0)
    m.set_coefficients([7.0], start=0)
    assert c.ub[2] == before["vars"][2][2] and c.coo()[2][0] == before["coo"][2][0]
    assert "extra" not in m.var_names and c.var("extra") == j


def test_copy_replaces_numbers_and_checks_their_lengths():
    m = _toy()
    c = m.copy(ub=[1.0, 1.0], integer=[False, False], values=[1.0, 1.0, 1.0, 1.0], maximize=False)
    assert (c.ub, c.integer, c.maximize, c.matrix().toarray().tolist()) == (
        [1.0, 1.0],
        [False, False],
        False,
        [[1.0, 1.0], [1.0, 1.0]],
    )
    assert (m.ub, m.integer, m.maximize) == ([10.0, 10.0], [False, True], True)
    assert c.copy(obj=np.array([2.0, 3.0])).obj == [2.0, 3.0]
    for bad in ({"lb": [0.0]}, {"row_ub": [1.0] * 3}, {"values": [1.0]}):
        with pytest.raises(ValueError, match="entries"):
            m.copy(**bad)


def test_coo_round_trips_to_the_matrix(base):
    for model in (
        step.build(base).model,
        step.build(base, BuildOptions()).model,  # explicit zeros
        _toy(),
    ):
        rows, cols, vals = model.coo()
        assert rows.dtype == cols.dtype == np.int64 and vals.dtype == float
        assert len(vals) == model.num_nonzeros
        assert np.array_equal(vals, model.nonzero_values())
        rebuilt = sp.coo_matrix((vals, (rows, cols)), shape=(model.num_rows, model.num_vars))
        assert (rebuilt.tocsr() != model.matrix()).nnz == 0
        assert np.array_equal(rebuilt.toarray(), model.matrix().toarray())
    # the arrays are copies: changing them changes nothing
    m = _toy()
    m.coo()[2][:] = 0.0
    m.nonzero_values()[:] = 0.0
    assert m.matrix().toarray().tolist() == [[1.0, 2.0], [1.0, -1.0]]
    # a repeated position (add_coefficient) stays two entries in coo and sums in matrix
    m.add_coefficient(0, 0, 0.5)
    assert m.coo()[1].tolist() == [0, 1, 0, 1, 0] and m.matrix()[0, 0] == 1.5
    with pytest.raises(IndexError):
        m.add_coefficient(5, 0, 1.0)


def test_set_coefficients_overwrites_a_block_span_in_place(base):
    s2 = apply_sample(base, {"discount": 0.7})
    m = step.build(base).model
    want = step.build(s2).model
    for span in m.blocks:
        n0, n1 = span.nonzeros
        m.set_coefficients(want.nonzero_values()[n0:n1], start=n0)
    assert np.array_equal(m.nonzero_values(), want.nonzero_values())
    with pytest.raises(ValueError, match="outside"):
        m.set_coefficients([1.0, 2.0], start=m.num_nonzeros - 1)


def test_bounds_version_tracks_the_column_bounds(base):
    m = _toy()
    v = m.bounds_version
    assert v != _toy().bounds_version  # every model its own token
    assert m.copy().bounds_version == v and m.copy(obj=[0.0, 0.0]).bounds_version == v
    assert m.copy(ub=[1.0, 1.0]).bounds_version != v
    assert dataclasses.replace(m).bounds_version != v  # replace may change anything
    assert pickle.loads(pickle.dumps(m)).bounds_version != v  # tokens are per process
    assert copy.deepcopy(m).bounds_version != v
    m.set_coefficients([3.0], start=0)
    assert m.bounds_version == v  # coefficients are not bounds
    m.set_bounds([1], ub=4.0)
    assert m.bounds_version != v and m.ub == [10.0, 4.0]
    w = m.bounds_version
    m.add_var("z")
    assert m.bounds_version != w


def test_template_refills_keep_the_template_bounds_token(base):
    t = StepTemplate(base, BuildOptions())
    a = t.refill(apply_sample(base, {"discount": 0.7}))
    b = t.refill(apply_sample(base, {"discount": 0.6}))
    assert a.bounds_version == b.bounds_version == t.built.model.bounds_version
    assert a is not b and a.blocks == [] and t.built.model.blocks
    assert step.build(base).model.bounds_version != a.bounds_version
    a.set_bounds([0], ub=0.0)  # a refill is independent of the template
    assert t.built.model.ub[0] == 1.0 and a.bounds_version != b.bounds_version


def test_the_session_notices_an_in_place_refill_of_the_same_model():
    m = _toy()
    sess = HighsSession(m)
    assert sess.solve(m).objective == pytest.approx(6.0)  # x = 4, y = 2
    # new coefficients, same object: cap becomes x + y <= 8
    m.set_coefficients([1.0, 1.0, 1.0, -1.0])
    assert sess.solve(m).objective == pytest.approx(8.0)
    # new column bounds on the same object: the session must not reuse the old ones
    m.set_bounds([0], ub=2.0)
    sol = sess.solve(m)
    assert sol.objective == pytest.approx(solve_highspy(m).objective) == pytest.approx(7.0)
    assert sol.x.tolist() == pytest.approx([2.0, 5.0])
    m.set_bounds([0], ub=10.0)
    assert sess.solve(m).objective == pytest.approx(8.0)


def test_the_session_solves_an_in_place_refill_like_a_fresh_build(base):
    t = StepTemplate(base, BuildOptions())
    m = t.built.model.copy()
    sess = HighsSession(m)
    first = sess.solve(m).objective
    v = apply_sample(base, {"discount": 0.7})
    fresh = t.refill(v)
    m.set_coefficients(fresh.nonzero_values())
    m.row_lb[:], m.row_ub[:], m.obj[:] = fresh.row_lb, fresh.row_ub, fresh.obj
    got = sess.solve(m).objective
    assert got == pytest.approx(solve_highspy(fresh).objective, rel=1e-6)
    assert got != pytest.approx(first, rel=1e-6)
