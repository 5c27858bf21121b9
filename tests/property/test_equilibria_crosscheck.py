"""Cross-check the enumerator against pygambit (exact) and quantecon on random games.

pygambit is GPL and a test-only dependency: only tests import it, never ``solver``.
Families (``solver.game.random_games``): generic float, generic integer, and
small-integer games (degenerate, with equilibrium components).  pygambit's
``enummixed_solve(rational=True)`` lists exactly the extreme equilibria, so the
sets must be equal.  quantecon's ``vertex_enumeration`` assumes nondegeneracy,
so it is compared on the generic families only.

The default enumeration (``method="lex"``, lexicographic pivoting with exact
decisions) is also compared with the earlier every-basis method
(``method="bases"``) on every family from 1 x 1 to 8 x 8 (and 9 x 9 to 10 x 10,
its limit, in the slow tests), with pygambit on degenerate 7 x 7 and 8 x 8
games and on a near-tie below double-precision spacing, and with quantecon on
generic 10 x 10 and 12 x 12 games.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pygambit as gbt
import pytest
import quantecon.game_theory as qgt
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.game import equilibria, is_equilibrium
from solver.game.random_games import random_game
from solver.seeds import as_generator

DIGITS = 6


def _key(pairs):
    return {(tuple(np.round(x, DIGITS) + 0.0), tuple(np.round(y, DIGITS) + 0.0)) for x, y in pairs}


def _gambit(A, B):
    """Extreme equilibria by pygambit's exact enummixed (rational payoffs)."""
    to_q = lambda M: [[Fraction(v).limit_denominator(10**6) for v in row] for row in M]  # noqa: E731
    g = gbt.Game.from_arrays(to_q(A.tolist()), to_q(B.tolist()))
    p1, p2 = list(g.players)
    res = gbt.nash.enummixed_solve(g, rational=True)
    return [
        (
            np.array([float(e[s]) for s in p1.strategies]),
            np.array([float(e[s]) for s in p2.strategies]),
        )
        for e in res.equilibria
    ]


def _games(family, count, seed):
    rng = as_generator(seed)
    for _ in range(count):
        m, n = (int(v) for v in rng.integers(2, 7, size=2))
        yield random_game((m, n), family=family, seed=rng)


@pytest.mark.parametrize(("family", "seed"), [("float", 1), ("int", 2), ("small", 3)])
def test_matches_pygambit_enummixed(family, seed):
    count = 0
    for A0, B0 in _games(family, 80, seed):
        # 4 decimals keep float games generic and pygambit's exact rationals small.
        A, B = np.round(A0, 4), np.round(B0, 4)
        ours = equilibria(A, B)
        ref = _gambit(A, B)
        assert _key(ours.pairs) == _key(ref), (A.tolist(), B.tolist())
        count += 1
    assert count == 80


def test_degenerate_family_really_is_degenerate():
    flags = [equilibria(A, B).degenerate for A, B in _games("small", 40, 3)]
    assert sum(flags) >= 20


@pytest.mark.parametrize(("family", "seed"), [("float", 11), ("int", 12)])
def test_matches_quantecon_on_generic_games(family, seed):
    for A, B in _games(family, 40, seed):
        g = qgt.NormalFormGame((qgt.Player(A), qgt.Player(B.T)))
        ref = qgt.vertex_enumeration(g)
        assert _key(equilibria(A, B).pairs) == _key(ref), (A.tolist(), B.tolist())


def test_nashpy_pitfall_game_matches_gambit():
    rng = np.random.default_rng(14)
    A, B = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    assert _key(equilibria(A, B).pairs) == _key(_gambit(A, B))


@settings(max_examples=40, deadline=None)
@given(
    m=st.integers(1, 5),
    n=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
    family=st.sampled_from(["float", "int", "small"]),
)
def test_every_returned_pair_is_an_equilibrium(m, n, seed, family):
    A, B = random_game((m, n), family=family, seed=seed)
    eq = equilibria(A, B)
    assert len(eq) >= 1  # Nash's theorem
    for x, y in eq.pairs:
        assert is_equilibrium(A, B, x, y)
        assert np.all(x >= 0) and np.all(y >= 0)
    if not eq.degenerate:
        assert len(eq) % 2 == 1  # nondegenerate games: odd number of equilibria


# --- method="lex" (the default, used above) against method="bases" and at larger sizes ---


def _sized(family, count, seed, low, high):
    rng = as_generator(seed)
    for _ in range(count):
        m, n = (int(v) for v in rng.integers(low, high + 1, size=2))
        yield random_game((m, n), family=family, seed=rng)


@pytest.mark.parametrize(("family", "seed"), [("float", 21), ("int", 22), ("small", 23)])
def test_lex_matches_every_basis_enumeration(family, seed):
    # every family of the cross-checks above, 1 x 1 to 8 x 8: same set, same flag
    for A, B in _sized(family, 60, seed, 1, 8):
        lex, bases = equilibria(A, B), equilibria(A, B, method="bases")
        assert _key(lex.pairs) == _key(bases.pairs), (A.tolist(), B.tolist())
        assert lex.degenerate == bases.degenerate, (A.tolist(), B.tolist())


@pytest.mark.slow
@pytest.mark.parametrize("family", ["int", "small"])
def test_lex_matches_every_basis_enumeration_up_to_its_limit(family):
    # the largest sizes the every-basis method accepts (10 x 10 takes it about 9 s)
    for shape in [(9, 9), (10, 10), (9, 10)]:
        A, B = random_game(shape, family=family, seed=sum(shape))
        lex, bases = equilibria(A, B), equilibria(A, B, method="bases")
        assert _key(lex.pairs) == _key(bases.pairs), (A.tolist(), B.tolist())
        assert lex.degenerate == bases.degenerate


@pytest.mark.slow
def test_lex_matches_pygambit_on_larger_degenerate_games():
    # small-integer 7 x 7 and 8 x 8 games: dozens of extreme equilibria in components
    for A, B in _sized("small", 6, 31, 7, 8):
        eq = equilibria(A, B)
        assert eq.degenerate
        assert _key(eq.pairs) == _key(_gambit(A, B)), (A.tolist(), B.tolist())


def test_lex_matches_pygambit_below_double_precision_spacing():
    # 1 + 2^-48 is not a tie: pygambit's exact rationals and our exact decisions agree
    A = np.array([[1, 1 + 2**-50, 0], [0.0, 1, 1], [1, 0, 1]])
    B = np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1 + 2**-48]])
    to_q = lambda M: [[Fraction(v) for v in row] for row in M.tolist()]  # noqa: E731
    g = gbt.Game.from_arrays(to_q(A), to_q(B))
    p1, p2 = list(g.players)
    ref = [
        (
            np.array([float(e[s]) for s in p1.strategies]),
            np.array([float(e[s]) for s in p2.strategies]),
        )
        for e in gbt.nash.enummixed_solve(g, rational=True).equilibria
    ]
    assert _key(equilibria(A, B).pairs) == _key(ref)
    tiny = sorted(x[1] for x, _ in ref if 0 < x[1] < 1e-12)
    assert tiny and [x[1] for x, _ in equilibria(A, B).pairs if 0 < x[1] < 1e-12] == tiny


@pytest.mark.parametrize("size", [10, 12])
def test_lex_matches_quantecon_at_the_target_size(size):
    # generic games at 10 x 10 and 12 x 12 (the size of the performance goal)
    for A, B in _sized("float", 3, 40 + size, size, size):
        g = qgt.NormalFormGame((qgt.Player(A), qgt.Player(B.T)))
        assert _key(equilibria(A, B).pairs) == _key(qgt.vertex_enumeration(g))
