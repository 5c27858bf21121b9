"""Cross-check the enumerator against pygambit (exact) and quantecon on random games.

pygambit is GPL and a test-only dependency: only tests import it, never ``solver``.
Families (``solver.game.random_games``): generic float, generic integer, and
small-integer games (degenerate, with equilibrium components).  pygambit's
``enummixed_solve(rational=True)`` lists exactly the extreme equilibria, so the
sets must be equal.  quantecon's ``vertex_enumeration`` assumes nondegeneracy,
so it is compared on the generic families only.
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
