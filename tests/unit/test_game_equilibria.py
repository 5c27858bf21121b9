"""Unit tests of the equilibrium enumerator on textbook games (our own fixtures)."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from solver.game import equilibria, is_equilibrium, read_nfg
from solver.game.equilibria import integer_payoffs, polytope_vertices, positive_shift

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


# --- method="lex" (default) against method="bases", exactness --------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in GAMES.glob("*.nfg")))
def test_both_methods_agree_on_the_fixture_games(name):
    g = read_nfg(GAMES / name)
    lex, bases = equilibria(g.A, g.B), equilibria(g.A, g.B, method="bases")
    assert _as_set(lex) == _as_set(bases)
    assert lex.degenerate == bases.degenerate


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="method is 'simplex'; it must be one of lex, bases"):
        equilibria([[1]], [[1]], method="simplex")


def _support_enumeration(A, B):
    """Every equilibrium of a nondegenerate game, in Fractions (equal-size supports)."""
    A = [[Fraction(v) for v in row] for row in np.asarray(A).tolist()]
    B = [[Fraction(v) for v in row] for row in np.asarray(B).tolist()]
    m, n = len(A), len(A[0])

    def indifferent(M, rows, cols):  # weights on cols making every row in rows equal, sum 1
        k = len(rows)
        aug = [[M[i][j] for j in cols] + [Fraction(-1), Fraction(0)] for i in rows]
        aug.append([Fraction(1)] * k + [Fraction(0), Fraction(1)])
        for c in range(k + 1):
            p = next((i for i in range(c, k + 1) if aug[i][c] != 0), None)
            if p is None:
                return None
            aug[c], aug[p] = aug[p], aug[c]
            for i in range(k + 1):
                if i != c and aug[i][c] != 0:
                    f = aug[i][c] / aug[c][c]
                    aug[i] = [u - f * v for u, v in zip(aug[i], aug[c], strict=True)]
        sol = [aug[i][k + 1] / aug[i][i] for i in range(k + 1)]
        return sol[:k], sol[k]

    found = []
    for k in range(1, min(m, n) + 1):
        for rows in combinations(range(m), k):
            for cols in combinations(range(n), k):
                ys = indifferent(A, rows, cols)
                xs = indifferent([list(c) for c in zip(*B, strict=True)], cols, rows)
                if ys is None or xs is None or min(ys[0]) < 0 or min(xs[0]) < 0:
                    continue
                x, y = [Fraction(0)] * m, [Fraction(0)] * n
                for i, v in zip(rows, xs[0], strict=True):
                    x[i] = v
                for j, v in zip(cols, ys[0], strict=True):
                    y[j] = v
                if all(sum(A[i][j] * y[j] for j in range(n)) <= ys[1] for i in range(m)) and all(
                    sum(B[i][j] * x[i] for i in range(m)) <= xs[1] for j in range(n)
                ):
                    found.append((x, y))
    return found


def test_badly_scaled_game_gives_its_one_exact_equilibrium():
    # payoffs from 5e-9 to 2e10: the float method's tolerance (relative to the range)
    # accepts near-pure profiles; the exact decisions keep only the true equilibrium
    A = np.array([[1e-10, 1e10, 3], [2, 5e-9, 1e9], [7, 1, 0]])
    B = np.array([[1e9, 0, 1], [1e-9, 2e10, 3], [0, 5, 6]])
    (x0, y0), *rest = _support_enumeration(A, B)
    assert rest == []
    eq = equilibria(A, B)
    assert len(eq) == 1 and not eq.degenerate
    x, y = eq.pairs[0]
    np.testing.assert_allclose(x, [float(v) for v in x0], rtol=1e-9, atol=0)
    np.testing.assert_allclose(y, [float(v) for v in y0], rtol=1e-9, atol=0)
    assert np.all(x > 0) and np.all(y > 0)  # full support, exactly


def test_ties_below_double_precision_spacing_are_kept():
    # 1 + 2^-48 is not 1: the exact enumeration sees the game as given (pygambit
    # agrees, tests/property) and returns the equilibrium whose middle row has
    # probability about 2^-48, where the float method of every basis sees a tie
    A = np.array([[1, 1 + 2**-50, 0], [0.0, 1, 1], [1, 0, 1]])
    B = np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1 + 2**-48]])
    eq = equilibria(A, B)
    assert len(eq) == 4 and eq.degenerate
    tiny = [x for x, _ in eq.pairs if 0 < x[1] < 1e-12]
    assert len(tiny) == 1 and tiny[0][1] == pytest.approx(2**-48, rel=1e-9)
    assert all(is_equilibrium(A, B, x, y, tol=0.0) for x, y in eq.pairs)
    assert _as_set(eq) != _as_set(equilibria(A, B, method="bases"))


def test_integer_payoffs_are_an_exact_positive_affine_image():
    M = np.array([[-3.0, 1.0], [0.5, 0.0]])
    ints = integer_payoffs(M)
    assert ints.tolist() == [[4, 12], [11, 10]]  # 2 M + 10
    small = integer_payoffs(np.array([[0.0, 1.0, 2.0]]))
    assert small.tolist() == [[1, 2, 3]]
    # more than 960 bits: falls back to the double-precision map to [1, 2]
    wide = integer_payoffs(np.array([[1e-300, 1e300], [3.0, -1e299]]))
    assert max(int(v) for v in wide.ravel()).bit_length() <= 60


def test_cli_method_option_gives_the_same_json(capsys):
    import argparse
    import json

    from solver.game.cli import add_game_parser

    def run(argv):
        parser = argparse.ArgumentParser()
        add_game_parser(parser.add_subparsers(dest="command"))
        args = parser.parse_args(argv)
        assert args.func(args) == 0
        return json.loads(capsys.readouterr().out)

    path = str(GAMES / "degenerate_continuum.nfg")
    lex, bases = run(["game", path, "--json"]), run(["game", path, "--json", "--method", "bases"])
    assert lex["degenerate"] is bases["degenerate"] is True

    def key(doc):
        return sorted((tuple(np.round(e["row"], 9)), tuple(np.round(e["col"], 9)))
                      for e in doc["equilibria"])  # fmt: skip

    assert key(lex) == key(bases) and len(lex["equilibria"]) == 3
