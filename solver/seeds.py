"""Seed handling: one helper turns ``int | Generator | None`` into a Generator."""

from __future__ import annotations

import numpy as np

SeedLike = int | np.random.Generator | None


def as_generator(seed: SeedLike) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``seed``.

    Parameters
    ----------
    seed : int, numpy.random.Generator or None
        An integer seed (``0`` included), an existing generator (returned
        as is) or ``None`` for fresh OS entropy.

    Returns
    -------
    numpy.random.Generator
        The generator.

    Examples
    --------
    >>> a, b = as_generator(0), as_generator(0)
    >>> bool(a.integers(1 << 30) == b.integers(1 << 30))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed is {seed!r}; it must be an int, a numpy Generator or None")
    return np.random.default_rng(int(seed))
