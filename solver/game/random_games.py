"""Random bimatrix games for cross-checks and benchmarks.

Families:

* ``"float"``: i.i.d. standard normal payoffs (generic with probability 1);
* ``"int"``: integers in ``[-1000, 1000]`` (generic in practice);
* ``"small"``: integers in ``{0, 1, 2}`` (ties everywhere: degenerate games
  with equilibrium components are common).
"""

from __future__ import annotations

import numpy as np

from solver.seeds import SeedLike, as_generator

FAMILIES = ("float", "int", "small")


def random_game(
    shape: tuple[int, int], *, family: str = "float", seed: SeedLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Draw one bimatrix game.

    Parameters
    ----------
    shape : (int, int)
        ``(m, n)`` strategies of the row and column player.
    family : str, optional
        One of :data:`FAMILIES`.
    seed : int, numpy.random.Generator or None, optional
        Randomness (normalised by :func:`solver.seeds.as_generator`).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Payoff matrices ``A`` and ``B`` as floats.

    Examples
    --------
    >>> A, B = random_game((2, 3), family="small", seed=0)
    >>> A.shape, bool(np.all(np.isin(A, [0, 1, 2])))
    ((2, 3), True)
    """
    rng = as_generator(seed)
    if family == "float":
        return rng.standard_normal(shape), rng.standard_normal(shape)
    if family == "int":
        return (
            rng.integers(-1000, 1001, shape).astype(float),
            rng.integers(-1000, 1001, shape).astype(float),
        )
    if family == "small":
        return rng.integers(0, 3, shape).astype(float), rng.integers(0, 3, shape).astype(float)
    raise ValueError(f"family is {family!r}; it must be one of {', '.join(FAMILIES)}")
