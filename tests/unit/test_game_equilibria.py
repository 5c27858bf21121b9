"""Unit tests of the equilibrium enumerator on textbook games (our own fixtures)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from solver.game import equilibria, is_equilibrium, read_nfg
from solver.game.equilibria import polytope_vertices, positive_shift

GAMES = Path(__file__).resolve().parents[1] / "fixtures" / "games"


def _as_set(eq, digits=9):
    return {(tuple(np.round(x, digits)), tuple(np.round(y, digits))) for x, y in eq.pairs}


def _exact(pairs):
    return {
        (
            tuple(round(float(Fraction(v)), 9) for v in x),
            tuple(round(float(Fraction(v)), 9) for v in y),
        )
        for x, y in pairs
    }


def test_matching_pennies_unique_mixed():
    g = read_nfg(GAMES / "matching_pennies.nfg")
    eq = equilibria(g.A, g.B)
    assert _as_set(eq) == _exact([(("1/2", "1/2"), ("1/2", "1/2"))])
    assert not eq.degenerate


def test_battle_of_the_sexes_three_equilibria():
    # Row indifferent when column plays Opera w.p. 2/5; column when row plays Opera w.p. 3/5.
    g = read_nfg(GAMES / "battle_of_sexes.nfg")
    eq = equilibria(g.A, g.B)
    assert _as_set(eq) == _exact(
        [((1, 0), (1, 0)), ((0, 1), (0, 1)), (("3/5", "2/5"), ("2/5", "3/5"))]
    )


def test_prisoners_dilemma_unique_defection():
    g = read_nfg(GAMES / "prisoners_dilemma.nfg")
    assert _as_set(equilibria(g.A, g.B)) == _exact([((0, 1), (0, 1))])


def test_coordination_3x3_has_seven_equilibria():
    # Every nonempty support S gives the uniform equilibrium on S: 2^3 - 1 = 7.
    g = read_nfg(GAMES / "coordination_3x3.nfg")
    eq = equilibria(g.A, g.B)
    assert len(eq) == 7
    supports = {tuple(x > 0) for x, _ in eq.pairs}
    assert len(supports) == 7
    for x, y in eq.pairs:
        np.testing.assert_allclose(x, y)
        np.testing.assert_allclose(x[x > 0], 1.0 / np.count_nonzero(x))


def test_degenerate_game_lists_extreme_points_of_the_continuum():
    # von Stengel (2002): against the top row the column player is indifferent, so
    # ((1,0,0), y) is an equilibrium for every y = (a, 1-a) with a in [2/3, 1].
    g = read_nfg(GAMES / "degenerate_continuum.nfg")
    eq = equilibria(g.A, g.B)
    assert eq.degenerate
    assert _as_set(eq) == _exact(
        [
            ((1, 0, 0), (1, 0)),
            ((1, 0, 0), ("2/3", "1/3")),
            ((0, "1/3", "2/3"), ("1/3", "2/3")),
        ]
    )
    for a in np.linspace(2 / 3, 1, 7):  # the whole segment is in equilibrium
        assert is_equilibrium(g.A, g.B, [1, 0, 0], [a, 1 - a])
    assert not is_equilibrium(g.A, g.B, [1, 0, 0], [0.5, 0.5])


def test_generic_3x3_where_support_enumeration_drops_equilibria():
    # Measured: nashpy 0.0.43's support_enumeration returns no equilibrium for this
    # game (float noise makes a probability -1e-17 and it rejects the solution);
    # pygambit's exact enummixed finds exactly one, as we do.
    rng = np.random.default_rng(14)
    A, B = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    eq = equilibria(A, B)
    assert len(eq) == 1
    x, y = eq.pairs[0]
    assert is_equilibrium(A, B, x, y)


def test_equilibria_invariant_under_positive_affine_maps():
    rng = np.random.default_rng(3)
    A, B = rng.integers(-5, 6, (4, 3)).astype(float), rng.integers(-5, 6, (4, 3)).astype(float)
    base = _as_set(equilibria(A, B), 7)
    assert _as_set(equilibria(1e6 * A - 3e7, 0.01 * B + 2), 7) == base


def test_one_row_game():
    eq = equilibria([[1.0, 3.0, 3.0]], [[0.0, 2.0, 2.0]])
    assert _as_set(eq) == _exact([((1,), (0, 1, 0)), ((1,), (0, 0, 1))])
    assert eq.degenerate


def test_to_dict_shape():
    d = equilibria([[1, 0], [0, 1]], [[1, 0], [0, 1]]).to_dict()
    assert set(d) == {"equilibria", "degenerate"}
    assert all(set(e) == {"row", "col"} for e in d["equilibria"])
    assert len(d["equilibria"]) == 3


@pytest.mark.parametrize(
    ("A", "B", "match"),
    [
        ([[1, 2]], [[1, 2], [3, 4]], "same shape"),
        ([1, 2], [1, 2], "2-D"),
        ([[1, np.nan]], [[1, 2]], "finite"),
        ([[1, np.inf]], [[1, 2]], "finite"),
    ],
)
def test_bad_payoffs_rejected(A, B, match):
    with pytest.raises(ValueError, match=match):
        equilibria(A, B)


def test_polytope_vertices_of_a_simplex_corner():
    H = np.array([[-1.0, 0.0], [0.0, -1.0], [1.0, 1.0]])
    v, t = polytope_vertices(H, np.array([0.0, 0.0, 1.0]))
    assert sorted(map(tuple, np.round(v, 12))) == [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0)]
    assert t.sum(axis=1).tolist() == [2, 2, 2]


def test_positive_shift_range():
    M = positive_shift(np.array([[-7.0, 3.0], [0.0, 13.0]]))
    assert M.min() == 1.0 and M.max() == 2.0
    assert positive_shift(np.zeros((2, 2))).tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_is_equilibrium_rejects_non_distributions():
    A = np.eye(2)
    assert not is_equilibrium(A, A, [0.7, 0.7], [1, 0])
    assert not is_equilibrium(A, A, [1.1, -0.1], [1, 0])
