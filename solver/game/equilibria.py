"""All extreme Nash equilibria of a bimatrix game, by best-response polytope vertices.

Algorithm (Avis, Rosenberg, Savani and von Stengel 2010, "Enumeration of Nash
equilibria for two-player games", Economic Theory 42; von Stengel 2002,
Handbook of Game Theory vol. 3 ch. 45): after an affine shift that makes both
payoff matrices strictly positive, the best-response polytopes

* ``P = {x in R^m : x >= 0, B'^T x <= 1}`` and
* ``Q = {y in R^n : A' y <= 1, y >= 0}``

are bounded.  A point carries label ``i`` (a row) when ``x_i = 0`` resp.
``(A' y)_i = 1`` and label ``m + j`` (a column) when ``(B'^T x)_j = 1`` resp.
``y_j = 0``.  The extreme equilibria are exactly the completely labelled
vertex pairs ``(x, y) != (0, 0)``, normalised to probabilities; this holds for
degenerate games too (where a vertex has more labels than its dimension and
equilibria form connected components whose extreme points we list).

Vertices are found by trying every basis (``m`` of the ``m + n`` constraints),
solved in one batched :func:`numpy.linalg.solve`; a vertex is identified by its
set of tight constraints, so duplicates from degenerate bases collapse.  Every
candidate is then *verified* on the original payoffs (best-response condition
with :data:`~solver.game.tolerances.EQ_TOL`), so only true equilibria are
returned.  The cost grows as ``C(m + n, m) (m^3 + n^3)``
(:func:`enumeration_work`); :func:`check_size` refuses games above
:data:`MAX_WORK` before anything is allocated, and the bases are solved in
chunks of :data:`CHUNK_BYTES`, so memory stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, islice
from math import comb

import numpy as np
from numpy.typing import ArrayLike

from solver.game.tolerances import EQ_TOL, PROB_TOL, SINGULAR_TOL, VERTEX_TOL

MAX_WORK = 5.0e8
"""Refuse games whose enumeration work (:func:`enumeration_work`) exceeds this.

The work is ``C(m + n, m) (m^3 + n^3)``: both polytopes have ``C(m + n, m)``
bases (``m`` of ``m + n`` constraints for ``P``, ``n`` for ``Q``), and each
basis of dimension ``d`` costs an SVD and a solve of a ``d x d`` system.
Measured on the 2-core development machine (``docs/hardening.md``): 8 x 8
(1.3e7) in 0.7 s, 10 x 10 (3.7e8) in about 9 s with 250 MB peak; 11 x 11
(1.9e9) would take about 45 s and 12 x 12 (9.3e9) minutes.  So 10 x 10 is
the largest square game accepted; 10 x 11 (8.2e8) is refused."""

CHUNK_BYTES = 64 * 2**20
"""Bases are solved in chunks whose ``d x d`` matrices take at most this many
bytes, so the peak memory of :func:`polytope_vertices` is a few times this
plus the vertices found, whatever the game's size."""


@dataclass(frozen=True)
class Equilibria:
    """The extreme Nash equilibria of a bimatrix game.

    Attributes
    ----------
    pairs : list of (numpy.ndarray, numpy.ndarray)
        Row and column mixed strategies, sorted lexicographically.
    degenerate : bool
        Whether some vertex of a best-response polytope has more labels than
        its dimension (some mixed strategy has more pure best responses than
        the size of its support).
    """

    pairs: list[tuple[np.ndarray, np.ndarray]]
    degenerate: bool

    def __len__(self) -> int:
        return len(self.pairs)

    def to_dict(self) -> dict[str, object]:
        """Return ``{"equilibria": [{"row": [...], "col": [...]}], "degenerate": bool}``."""
        return {
            "equilibria": [{"row": x.tolist(), "col": y.tolist()} for x, y in self.pairs],
            "degenerate": self.degenerate,
        }


def _as_payoffs(A: ArrayLike, B: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    if a.ndim != 2 or a.shape != b.shape or a.size == 0:
        raise ValueError(
            f"payoff matrices have shapes {a.shape} and {b.shape}; "
            "they must be two non-empty 2-D arrays of the same shape"
        )
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("payoff matrices contain inf or nan; every payoff must be finite")
    return a, b


def positive_shift(M: np.ndarray) -> np.ndarray:
    """Affinely map ``M`` to ``[1, 2]`` (equilibria are invariant under this).

    Examples
    --------
    >>> positive_shift(np.array([[-3.0, 1.0]])).tolist()
    [[1.0, 2.0]]
    """
    span = float(np.ptp(M))
    return 1.0 + (M - M.min()) / (span if span > 0 else 1.0)


def polytope_vertices(H: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All vertices of the bounded polytope ``{z : H z <= h}`` and their tight sets.

    Parameters
    ----------
    H : numpy.ndarray
        Constraint matrix, shape ``(c, d)``.
    h : numpy.ndarray
        Right-hand sides, shape ``(c,)``.

    Returns
    -------
    vertices : numpy.ndarray
        Shape ``(v, d)``, one row per distinct vertex.
    tight : numpy.ndarray
        Boolean, shape ``(v, c)``: constraint ``r`` is tight at vertex ``v``.

    Examples
    --------
    >>> H = np.array([[-1.0, 0.0], [0.0, -1.0], [1.0, 1.0]])
    >>> v, t = polytope_vertices(H, np.array([0.0, 0.0, 1.0]))
    >>> len(v), int(t.sum())
    (3, 6)
    """
    c, d = H.shape
    chunk = max(1, CHUNK_BYTES // (8 * max(1, d * d)))
    bases = combinations(range(c), d)
    sols, tights = [], []
    while True:
        block = list(islice(bases, chunk))
        if not block:
            break
        idx = np.array(block, dtype=np.intp).reshape(-1, d)
        mats = H[idx]
        sv = np.linalg.svd(mats, compute_uv=False)
        ok = sv[:, -1] > SINGULAR_TOL * np.maximum(sv[:, 0], 1.0)
        sol = np.linalg.solve(mats[ok], h[idx[ok]][..., None])[..., 0]
        slack = h[None, :] - sol @ H.T
        feasible = np.all(slack >= -VERTEX_TOL, axis=1)
        sols.append(sol[feasible])
        tights.append(np.abs(slack[feasible]) <= VERTEX_TOL)
    sol = np.concatenate(sols) if sols else np.zeros((0, d))
    tight = np.concatenate(tights) if tights else np.zeros((0, c), dtype=bool)
    _, first = np.unique(tight, axis=0, return_index=True)
    first = np.sort(first)
    return sol[first], tight[first]


def enumeration_work(m: int, n: int) -> int:
    """The work of enumerating an ``m x n`` game's vertices: ``C(m + n, m) (m^3 + n^3)``.

    Parameters
    ----------
    m, n : int
        The numbers of row and column strategies.

    Returns
    -------
    int
        Bases of both polytopes, each weighted by the cube of its dimension.

    Examples
    --------
    >>> enumeration_work(2, 2), enumeration_work(12, 12)
    (96, 9345563136)
    """
    return comb(m + n, m) * (m**3 + n**3)


def check_size(m: int, n: int) -> None:
    """Refuse a game whose enumeration work exceeds :data:`MAX_WORK` (before any allocation).

    Parameters
    ----------
    m, n : int
        The numbers of row and column strategies.

    Raises
    ------
    ValueError
        Naming the sizes, the bases, the work and the bound.

    Examples
    --------
    >>> check_size(10, 10)
    >>> check_size(10, 11)
    Traceback (most recent call last):
    ...
    ValueError: a 10 x 11 game has 352716 bases per best-response polytope; enumerating them is 8.2e+08 units of work (C(m+n, m) (m^3 + n^3)), above the bound of 5e+08 (10 x 10 is the largest square game; docs/hardening.md)
    """  # noqa: E501
    work = enumeration_work(m, n)
    if work > MAX_WORK:
        raise ValueError(
            f"a {m} x {n} game has {comb(m + n, m)} bases per best-response polytope; "
            f"enumerating them is {work:.2g} units of work (C(m+n, m) (m^3 + n^3)), above "
            f"the bound of {MAX_WORK:g} (10 x 10 is the largest square game; docs/hardening.md)"
        )


def best_response_polytopes(
    A: np.ndarray, B: np.ndarray
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Vertices and label sets of ``P`` (row player) and ``Q`` (column player).

    Labels are columns ``0..m-1`` (rows of the game) and ``m..m+n-1`` (its
    columns), so a pair is completely labelled when the union is all ``m + n``.
    """
    m, n = A.shape
    ap, bp = positive_shift(A), positive_shift(B)
    # P: -x <= 0 (labels 0..m-1), B'^T x <= 1 (labels m..m+n-1)
    hp = np.vstack([-np.eye(m), bp.T])
    rp = np.concatenate([np.zeros(m), np.ones(n)])
    # Q: A' y <= 1 (labels 0..m-1), -y <= 0 (labels m..m+n-1)
    hq = np.vstack([ap, -np.eye(n)])
    rq = np.concatenate([np.ones(m), np.zeros(n)])
    return polytope_vertices(hp, rp), polytope_vertices(hq, rq)


def is_equilibrium(
    A: ArrayLike, B: ArrayLike, x: ArrayLike, y: ArrayLike, *, tol: float = EQ_TOL
) -> bool:
    """Whether ``(x, y)`` is a Nash equilibrium of ``(A, B)`` up to ``tol``.

    Each player's expected payoff must be at least its best pure reply's
    minus ``tol`` times that player's payoff range (QuantEcon's
    ``is_best_response`` convention), and both strategies must be
    probability vectors.

    Parameters
    ----------
    A, B : array_like
        Payoff matrices, shape ``(m, n)``.
    x, y : array_like
        Row and column mixed strategies.
    tol : float, optional
        Relative best-response tolerance.

    Returns
    -------
    bool
        Whether neither player gains more than ``tol`` by deviating.

    Examples
    --------
    >>> A = np.array([[1.0, -1.0], [-1.0, 1.0]])
    >>> is_equilibrium(A, -A, [0.5, 0.5], [0.5, 0.5])
    True
    >>> is_equilibrium(A, -A, [1.0, 0.0], [0.5, 0.5])
    False
    """
    a, b = _as_payoffs(A, B)
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    for s in (xs, ys):
        if np.any(s < -PROB_TOL) or abs(float(s.sum()) - 1.0) > 1e3 * PROB_TOL:
            return False
    ra, rb = max(float(np.ptp(a)), 1.0), max(float(np.ptp(b)), 1.0)
    row_ok = float(xs @ a @ ys) >= float(np.max(a @ ys)) - tol * ra
    col_ok = float(xs @ b @ ys) >= float(np.max(xs @ b)) - tol * rb
    return row_ok and col_ok


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.where(np.abs(v) <= PROB_TOL * max(1.0, float(np.abs(v).max())), 0.0, v)
    return v / v.sum()


def equilibria(A: ArrayLike, B: ArrayLike) -> Equilibria:
    """Every extreme Nash equilibrium of the bimatrix game ``(A, B)``.

    Parameters
    ----------
    A, B : array_like
        Row and column player's payoffs, shape ``(m, n)``.

    Returns
    -------
    Equilibria
        The verified extreme equilibria and the degeneracy flag.

    Raises
    ------
    ValueError
        If the matrices are not finite, 2-D and of one shape, or too large.

    Examples
    --------
    Battle of the sexes has two pure equilibria and one mixed:

    >>> eq = equilibria([[3, 0], [0, 2]], [[2, 0], [0, 3]])
    >>> [(x.round(2).tolist(), y.round(2).tolist()) for x, y in eq.pairs]
    [([0.0, 1.0], [0.0, 1.0]), ([0.6, 0.4], [0.4, 0.6]), ([1.0, 0.0], [1.0, 0.0])]
    >>> eq.degenerate
    False
    """
    a, b = _as_payoffs(A, B)
    m, n = a.shape
    check_size(m, n)
    (xv, xt), (yv, yt) = best_response_polytopes(a, b)
    degenerate = bool(np.any(xt.sum(axis=1) > m) or np.any(yt.sum(axis=1) > n))
    missing = (~xt).astype(np.int64) @ (~yt).astype(np.int64).T
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    for i, j in zip(*np.nonzero(missing == 0), strict=True):
        if xv[i].sum() <= VERTEX_TOL or yv[j].sum() <= VERTEX_TOL:
            continue  # the artificial equilibrium (0, 0)
        x, y = _normalise(xv[i]), _normalise(yv[j])
        if is_equilibrium(a, b, x, y):
            pairs.append((x, y))
    pairs.sort(key=lambda p: (p[0].tolist(), p[1].tolist()))
    return Equilibria(pairs=pairs, degenerate=degenerate)
