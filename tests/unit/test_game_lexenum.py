"""Unit tests of the lexicographic vertex enumeration (solver.game.lexenum) on known polytopes."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np
import pytest

from solver.game.equilibria import best_response_polytopes, standard_forms
from solver.game.lexenum import (
    INT64_SAFE,
    StandardForm,
    _Collision,
    _KeySet,
    chunk_capacity,
    enumerate_vertices,
    exact_values,
    key_hash,
    max_vertices,
    unique_rows,
)
from solver.game.random_games import random_game


def _form(rows: list[list[int]], rhs: list[int]) -> StandardForm:
    """``{x >= 0 : rows x <= rhs}`` with a slack per row (slacks after the x columns)."""
    a = np.array(rows, dtype=object)
    r, d = a.shape
    eye = np.eye(r, dtype=np.int64).astype(object)
    return StandardForm(
        np.concatenate([a, eye], axis=1), np.array(rhs, dtype=object), d + np.arange(r)
    )


def _fraction_solve(M: np.ndarray, b: np.ndarray) -> list[Fraction]:
    """Gauss-Jordan elimination in Fractions (an independent exact solve)."""
    n = len(b)
    aug = [[Fraction(int(v)) for v in row] + [Fraction(int(b[i]))] for i, row in enumerate(M)]
    for k in range(n):
        p = next(i for i in range(k, n) if aug[i][k] != 0)
        aug[k], aug[p] = aug[p], aug[k]
        for i in range(n):
            if i != k and aug[i][k] != 0:
                f = aug[i][k] / aug[k][k]
                aug[i] = [u - f * v for u, v in zip(aug[i], aug[k], strict=True)]
    return [aug[i][n] / aug[i][i] for i in range(n)]


def test_cube_has_all_corners():
    d = 4
    sf = _form(np.eye(d, dtype=int).tolist(), [1] * d)
    v = enumerate_vertices(sf, np.arange(d))
    assert sorted(map(tuple, v.values.tolist())) == sorted(product([0.0, 1.0], repeat=d))
    assert v.bases == 2**d and v.exact_bases == 0  # simple and well conditioned: floats decide
    assert np.all(v.tight.sum(axis=1) == d)


def test_degenerate_simplex_with_redundant_facets():
    # x >= 0, x1 + x2 + x3 <= 1, x_i <= 1: each unit vector lies on 4 facets in R^3
    sf = _form([[1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], [1, 1, 1, 1])
    v = enumerate_vertices(sf, np.arange(3))
    assert sorted(map(tuple, v.values.tolist())) == sorted(
        [(0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)]
    )
    labels = sorted(int(t) for t in v.tight.sum(axis=1))
    assert labels == [3, 4, 4, 4]  # the origin is simple, each corner has one label too many
    assert v.bases > len(v.values)  # degenerate corners are reached by several lex bases
    assert v.exact_bases > 0  # a zero basic variable is never certified in floating point


@pytest.mark.parametrize("family", ["float", "int", "small"])
def test_vertices_and_labels_match_every_basis_enumeration(family):
    rng = np.random.default_rng(5)
    for _ in range(25):
        m, n = (int(v) for v in rng.integers(1, 6, size=2))
        A, B = random_game((m, n), family=family, seed=rng)
        sp, sq = standard_forms(A, B)
        (_, old_p), (_, old_q) = best_response_polytopes(A, B)
        for sf, old, keep in ((sp, old_p, np.arange(m)), (sq, old_q, m + np.arange(n))):
            v = enumerate_vertices(sf, keep)
            assert {tuple(t) for t in v.tight.tolist()} == {tuple(t) for t in old.tolist()}
            assert v.bases <= max_vertices(len(keep), m + n)


@pytest.mark.parametrize("family", ["float", "int", "small"])
def test_error_bounds_cover_the_exact_values(family):
    rng = np.random.default_rng(8)
    for _ in range(6):
        A, B = random_game((7, 7), family=family, seed=rng)
        sp, _ = standard_forms(A, B)
        v = enumerate_vertices(sp, np.arange(14))
        exact = exact_values(sp, v.basis, np.arange(14))
        assert np.all(np.abs(v.values - exact) <= v.error[:, None])
        assert np.array_equal(v.values == 0.0, v.tight)  # zero exactly when tight


def test_exact_values_switch_from_int64_to_python_integers():
    big = INT64_SAFE + 12345
    rows = [[big, 3, 7], [5, big - 1, 2], [1, 4, big + 2]]
    sf = _form(rows, [big * 3, big * 2 + 1, big])
    basis = np.zeros((1, 6), dtype=bool)
    basis[0, :3] = True
    got = exact_values(sf, basis, np.arange(3))[0]
    want = _fraction_solve(np.array(rows, dtype=object), np.array([big * 3, big * 2 + 1, big]))
    assert got.tolist() == [float(w) for w in want]  # exactly rounded


def test_exact_values_of_random_bases_equal_a_fraction_solve():
    rng = np.random.default_rng(3)
    A, B = random_game((5, 5), family="int", seed=rng)
    sp, _ = standard_forms(A, B)
    v = enumerate_vertices(sp, np.arange(10))
    for g in range(len(v.basis)):
        cols = np.nonzero(v.basis[g])[0]
        want = dict(zip(cols.tolist(), _fraction_solve(sp.M[:, cols], sp.b), strict=True))
        got = exact_values(sp, v.basis[g : g + 1], np.arange(10))[0]
        assert got.tolist() == [float(want.get(j, 0)) for j in range(10)]


def test_max_vertices_known_values():
    assert [max_vertices(2, k) for k in range(3, 8)] == [3, 4, 5, 6, 7]  # polygons
    assert [max_vertices(3, k) for k in range(4, 9)] == [2 * k - 4 for k in range(4, 9)]
    assert [max_vertices(d, d + 1) for d in range(1, 9)] == list(range(2, 10))  # simplices
    assert max_vertices(15, 30) == 341088 and max_vertices(12, 24) == 24752


def test_chunk_capacity_shrinks_with_wide_keys():
    assert chunk_capacity(12, 12) > chunk_capacity(12, 12, 8) >= 1
    assert chunk_capacity(1, 100_000, 2000) == 1


def _colliding_pair() -> np.ndarray:
    """Two distinct 2-word keys with the same hash (the word mix is invertible)."""
    mask = np.uint64(2**64 - 1)

    def mix(h: int) -> int:
        h = (h * 0x9E3779B97F4A7C15) & int(mask)
        return h ^ (h >> 29)

    seed = 0x243F6A8885A308D3
    w0, w1, w0b = 5, 77, 6
    w1b = mix(seed ^ w0) ^ w1 ^ mix(seed ^ w0b)
    return np.array([[w0, w1], [w0b, w1b]], dtype=np.uint64)


def test_a_hash_collision_is_detected_and_resolved_exactly():
    keys = _colliding_pair()
    h = key_hash(keys)
    assert h[0] == h[1] and not np.array_equal(keys[0], keys[1])
    with pytest.raises(_Collision):
        _KeySet(keys[:0], exact=False).add(keys)
    seen = _KeySet(keys[:1], exact=False)
    with pytest.raises(_Collision):  # against a key already seen, too
        seen.add(keys[1:])
    assert unique_rows(keys).tolist() == [0, 1]
    assert unique_rows(np.concatenate([keys, keys[::-1]])).tolist() == [0, 1]


def test_the_walk_refuses_more_bases_than_its_bound():
    sf = _form(np.eye(3, dtype=int).tolist(), [1, 1, 1])
    with pytest.raises(RuntimeError, match="more than 5 lex-feasible bases"):
        enumerate_vertices(sf, np.arange(3), max_bases=5)
