"""All extreme Nash equilibria of a bimatrix game, by best-response polytope vertices.

Theory (von Stengel 2002, Handbook of Game Theory vol. 3 ch. 45; Avis,
Rosenberg, Savani and von Stengel 2010, "Enumeration of Nash equilibria for
two-player games", Economic Theory 42): after an affine map that makes both
payoff matrices strictly positive, the best-response polytopes

* ``P = {x in R^m : x >= 0, B'^T x <= 1}`` and
* ``Q = {y in R^n : A' y <= 1, y >= 0}``

are bounded.  A point carries label ``i`` (a row) when ``x_i = 0`` resp.
``(A' y)_i = 1`` and label ``m + j`` (a column) when ``(B'^T x)_j = 1`` resp.
``y_j = 0``.  The extreme equilibria are exactly the completely labelled
vertex pairs ``(x, y) != (0, 0)``, normalised to probabilities; this holds for
degenerate games too (where a vertex has more labels than its dimension and
equilibria form connected components whose extreme points we list).

Two enumerations of the vertices, same contract:

* ``method="lex"`` (default): a traversal of the lexicographically feasible
  bases of each polytope (:mod:`solver.game.lexenum`), exact on the payoffs as
  given (floats are dyadic rationals, made integers by
  :func:`integer_payoffs`): floating-point pivots with rigorous error bounds,
  integer pivoting wherever a decision is uncertain.  Vertex pairs are matched
  by their label sets (:func:`complete_pairs`).  Work and memory are bounded by
  the upper-bound theorem (:func:`check_size`).
* ``method="bases"``: the earlier algorithm, kept as a cross-check: every
  basis (``m`` of the ``m + n`` constraints), solved in batched
  :func:`numpy.linalg.solve`, tight sets with :data:`VERTEX_TOL`; cost
  ``C(m + n, m) (m^3 + n^3)``.

Every candidate is then *verified* on the original payoffs (best-response
condition with :data:`~solver.game.tolerances.EQ_TOL`), so only true
equilibria are returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, islice
from math import comb, gcd

import numpy as np
from numpy.typing import ArrayLike

from solver.game.lexenum import CHUNK_BYTES as LEX_CHUNK_BYTES
from solver.game.lexenum import (
    StandardForm,
    Vertices,
    enumerate_vertices,
    exact_values,
    flat_keys,
    max_vertices,
    pack_rows,
)
from solver.game.tolerances import EQ_TOL, PROB_TOL, SINGULAR_TOL, VERTEX_TOL

METHODS = ("lex", "bases")
"""Vertex enumerations :func:`equilibria` offers; the first is the default."""

MAX_WORK = 5.0e8
"""Refuse ``method="bases"`` on games whose work (:func:`enumeration_work`) exceeds this.

The work is ``C(m + n, m) (m^3 + n^3)``: both polytopes have ``C(m + n, m)``
bases (``m`` of ``m + n`` constraints for ``P``, ``n`` for ``Q``), and each
basis of dimension ``d`` costs an SVD and a solve of a ``d x d`` system.
Measured on the 2-core development machine (``docs/hardening.md``): 8 x 8
(1.3e7) in 0.7 s, 10 x 10 (3.7e8) in about 9 s with 250 MB peak; 11 x 11
(1.9e9) would take about 45 s and 12 x 12 (9.3e9) minutes.  So 10 x 10 is
the largest square game accepted; 10 x 11 (8.2e8) is refused."""

MAX_LEX_WORK = 2.5e8
"""Refuse ``method="lex"`` on games whose worst-case work (:func:`lex_work`) exceeds this.

The work counts, from the upper bound theorem, the lex-feasible bases of both
polytopes and what each costs.  15 x 15 (2.0e8) is the largest square game
accepted, 16 x 16 (6.6e8) is refused; ``docs/game.md`` has the measured times."""

MAX_LEX_MEMORY = 2 * 2**30
"""Refuse ``method="lex"`` on games whose memory bound (:func:`lex_memory_bytes`) exceeds
this: 2 GiB (15 x 15: 1.4 GiB at worst; random 15 x 15 games peak near 0.2 GiB)."""

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
    """The work of ``method="bases"`` on an ``m x n`` game: ``C(m + n, m) (m^3 + n^3)``.

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


def lex_bases(m: int, n: int) -> int:
    """Upper bound on the lex-feasible bases of both best-response polytopes of an ``m x n`` game.

    ``P`` is an ``m``-polytope and ``Q`` an ``n``-polytope, each with ``m + n``
    facets; lexicographically perturbed they are simple, so each has at most
    :func:`~solver.game.lexenum.max_vertices` vertices, one per lex-feasible
    basis.

    Parameters
    ----------
    m, n : int
        The numbers of row and column strategies.

    Returns
    -------
    int
        ``max_vertices(m, m + n) + max_vertices(n, m + n)``.

    Examples
    --------
    >>> lex_bases(2, 2), lex_bases(12, 12)
    (8, 49504)
    """
    return max_vertices(m, m + n) + max_vertices(n, m + n)


def _lex_polytopes(m: int, n: int) -> list[tuple[int, int, int]]:
    """``(bases bound, rows r, nonbasic columns d)`` of ``P`` and ``Q``."""
    return [(max_vertices(m, m + n), n, m), (max_vertices(n, m + n), m, n)]


def lex_work(m: int, n: int) -> int:
    """Worst-case work of ``method="lex"`` on an ``m x n`` game.

    Per polytope, the upper-bound-theorem count of lex-feasible bases times what
    each costs: its ``r x (d + 1)`` dictionary (pivot and ratio tests) and its
    ``d`` neighbours' keys of ``W = ceil((m + n) / 64)`` words (weighted 4: they
    are sorted and searched).

    Parameters
    ----------
    m, n : int
        The numbers of row and column strategies.

    Returns
    -------
    int
        ``sum over P, Q of bases x (r (d + 1) + 4 d W)``.

    Examples
    --------
    >>> lex_work(12, 12), lex_work(15, 15), lex_work(16, 16)
    (10098816, 204652800, 658982016)
    """
    w = -(-(m + n) // 64)
    return sum(v * (r * (d + 1) + 4 * d * w) for v, r, d in _lex_polytopes(m, n))


def lex_memory_bytes(m: int, n: int) -> int:
    """Bound on the peak memory of ``method="lex"`` on an ``m x n`` game, in bytes.

    The polytopes are walked one after the other.  A walk holds, per
    lex-feasible basis, at most its dictionary and error bounds while pending
    (``16 r (d + 1)`` bytes) and a record (basic variables, zero flags, values,
    error, key: ``13 r + 8 + 8 W`` bytes) plus its key among those seen (``8 W``),
    with at most the upper-bound-theorem count of bases; and chunk workspace
    (:data:`~solver.game.lexenum.CHUNK_BYTES` twice).  The first walk's vertices
    (``m + n + 8 (max(m, n) + 1)`` bytes each) are kept during the second.

    Parameters
    ----------
    m, n : int
        The numbers of row and column strategies.

    Returns
    -------
    int
        An upper bound on the bytes the enumeration allocates.

    Examples
    --------
    >>> round(lex_memory_bytes(12, 12) / 2**20), round(lex_memory_bytes(15, 15) / 2**20)
    (98, 1404)
    """
    w = -(-(m + n) // 64)
    walks = [v * (16 * r * (d + 1) + 13 * r + 8 + 16 * w) for v, r, d in _lex_polytopes(m, n)]
    kept = max_vertices(m, m + n) * (m + n + 8 * (max(m, n) + 1))
    return max(walks) + kept + 2 * LEX_CHUNK_BYTES


def check_size(m: int, n: int, method: str = "lex") -> None:
    """Refuse a game above the size ``method`` supports (before any allocation).

    Parameters
    ----------
    m, n : int
        The numbers of row and column strategies.
    method : {"lex", "bases"}
        The enumeration: ``"lex"`` is bounded by :data:`MAX_LEX_WORK` on
        :func:`lex_work` and :data:`MAX_LEX_MEMORY` on :func:`lex_memory_bytes`,
        ``"bases"`` by :data:`MAX_WORK` on :func:`enumeration_work`.

    Raises
    ------
    ValueError
        Naming the sizes, the bound on the bases, the work and the limit.

    Examples
    --------
    >>> check_size(15, 15)
    >>> check_size(16, 16)
    Traceback (most recent call last):
    ...
    ValueError: a 16 x 16 game may have up to 1961256 lex-feasible bases in its best-response polytopes (upper bound theorem); enumerating them is up to 6.6e+08 units of work and 4476 MiB, above the bounds of 2.5e+08 and 2048 MiB (15 x 15 is the largest square game; docs/game.md)
    >>> check_size(10, 11, method="bases")
    Traceback (most recent call last):
    ...
    ValueError: a 10 x 11 game has 352716 bases per best-response polytope; enumerating them is 8.2e+08 units of work (C(m+n, m) (m^3 + n^3)), above the bound of 5e+08 (10 x 10 is the largest square game for method 'bases'; docs/hardening.md)
    """  # noqa: E501
    if method not in METHODS:
        raise ValueError(f"method is {method!r}; it must be one of {', '.join(METHODS)}")
    if method == "bases":
        work = enumeration_work(m, n)
        if work > MAX_WORK:
            raise ValueError(
                f"a {m} x {n} game has {comb(m + n, m)} bases per best-response polytope; "
                f"enumerating them is {work:.2g} units of work (C(m+n, m) (m^3 + n^3)), above "
                f"the bound of {MAX_WORK:g} (10 x 10 is the largest square game for method "
                "'bases'; docs/hardening.md)"
            )
        return
    work, memory = lex_work(m, n), lex_memory_bytes(m, n)
    if work > MAX_LEX_WORK or memory > MAX_LEX_MEMORY:
        raise ValueError(
            f"a {m} x {n} game may have up to {lex_bases(m, n)} lex-feasible bases in its "
            f"best-response polytopes (upper bound theorem); enumerating them is up to "
            f"{work:.2g} units of work and {memory / 2**20:.0f} MiB, above the bounds of "
            f"{MAX_LEX_WORK:g} and {MAX_LEX_MEMORY / 2**20:.0f} MiB (15 x 15 is the largest "
            "square game; docs/game.md)"
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


INT_BITS = 960
"""Largest exact payoff integer (in bits) :func:`integer_payoffs` keeps: beyond it
(payoffs spanning about 290 decimal orders of magnitude) the integers would not
convert to floats for the floating-point pivots."""


def integer_payoffs(M: np.ndarray) -> np.ndarray:
    """The payoffs as exact positive integers, an affine image of ``M`` (equilibria unchanged).

    Every float is a dyadic rational, so multiplying by the largest denominator
    (a power of two) makes all entries integers exactly.  Then ``M' = M - min M
    + c`` with ``c = max(1, span // 2)``: strictly positive (the polytopes are
    bounded) and within a factor of 3 of each other (well conditioned, like the
    map to ``[1, 2]`` of ``method="bases"``), divided by the common divisor of
    all entries to keep the integers small.  If that needs integers above
    :data:`INT_BITS` bits, the payoffs are first mapped to ``[1, 2]`` in double
    precision (:func:`positive_shift`), which keeps about 16 significant digits
    relative to the payoff range, and those doubles are made integers.

    Parameters
    ----------
    M : numpy.ndarray
        Finite payoffs, shape ``(m, n)``.

    Returns
    -------
    numpy.ndarray
        Object array of Python integers ``>= 1``, same shape.

    Examples
    --------
    >>> integer_payoffs(np.array([[-3.0, 1.0], [0.5, 0.0]])).tolist()
    [[4, 12], [11, 10]]
    >>> integer_payoffs(np.array([[0.0, 2.0, 1.0]])).tolist()
    [[1, 3, 2]]
    """
    ratios = [v.as_integer_ratio() for v in M.ravel().tolist()]
    den = max(q for _, q in ratios)
    ints = [p * (den // q) for p, q in ratios]
    low = min(ints)
    span = max(ints) - low
    shift = max(1, span // 2)
    vals = [v - low + shift for v in ints]
    g = gcd(*vals)
    vals = [v // g for v in vals]
    if max(vals).bit_length() > INT_BITS:
        return integer_payoffs(positive_shift(M))
    out = np.empty(M.size, dtype=object)
    out[:] = vals
    return out.reshape(M.shape)


def standard_forms(A: np.ndarray, B: np.ndarray) -> tuple[StandardForm, StandardForm]:
    """The best-response polytopes ``P`` and ``Q`` in integer standard form.

    ``P``: variables ``x_0..x_{m-1}, r_0..r_{n-1}`` with ``B'^T x + r = 1``;
    ``Q``: variables ``s_0..s_{m-1}, y_0..y_{n-1}`` with ``s + A' y = 1``, where
    ``A'``, ``B'`` are :func:`integer_payoffs`.  Variable ``k`` of either is
    zero exactly when the point has label ``k``.
    """
    m, n = A.shape
    ap, bp = integer_payoffs(A), integer_payoffs(B)

    def ints(a: np.ndarray) -> np.ndarray:
        return a.astype(np.int64).astype(object)

    p = StandardForm(
        np.concatenate([bp.T, ints(np.eye(n))], axis=1), ints(np.ones(n)), m + np.arange(n)
    )
    q = StandardForm(np.concatenate([ints(np.eye(m)), ap], axis=1), ints(np.ones(m)), np.arange(m))
    return p, q


def _subset_pairs(need: np.ndarray, have: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i, j)`` with row ``need[i]`` a subset of row ``have[j]`` (boolean label rows).

    Counts the labels needed and absent with a float32 matrix product (exact:
    counts stay below 2^24), in blocks of at most 16 MiB.
    """
    if len(need) == 0 or len(have) == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    absent = (~have).astype(np.float32).T
    step = max(1, (16 * 2**20) // (4 * len(have)))
    rows, cols = [], []
    for lo in range(0, len(need), step):
        i, j = np.nonzero(need[lo : lo + step].astype(np.float32) @ absent == 0)
        rows.append(i + lo)
        cols.append(j)
    return np.concatenate(rows), np.concatenate(cols)


def complete_pairs(tp: np.ndarray, tq: np.ndarray, m: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(i, j)`` of the completely labelled vertex pairs of ``P`` and ``Q``.

    Parameters
    ----------
    tp, tq : numpy.ndarray
        Boolean label sets of the distinct vertices, shapes ``(v_P, m + n)`` and
        ``(v_Q, m + n)``.
    m, n : int
        Dimensions of ``P`` and ``Q``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Row indices into ``tp`` and ``tq``; every pair whose labels cover all ``m + n``.

    Notes
    -----
    Two nondegenerate vertices (``m`` and ``n`` labels) are complete exactly
    when their label sets are complements: a sorted join.  A pair with a
    degenerate vertex needs a subset test (:func:`_subset_pairs`), run only on
    the degenerate vertices.

    Examples
    --------
    >>> tp = np.array([[1, 0, 0, 1], [0, 1, 1, 0]], bool)
    >>> tq = np.array([[0, 1, 1, 0], [1, 0, 0, 1], [1, 1, 1, 0]], bool)
    >>> [tuple(map(int, v)) for v in complete_pairs(tp, tq, 2, 2)]
    [(0, 0, 1), (0, 2, 1)]
    """
    ndp, ndq = tp.sum(axis=1) == m, tq.sum(axis=1) == n
    ip, iq = np.nonzero(ndp)[0], np.nonzero(ndq)[0]
    _, a, b = np.intersect1d(
        flat_keys(pack_rows(~tp[ip])), flat_keys(pack_rows(tq[iq])), return_indices=True
    )
    dp, dq = np.nonzero(~ndp)[0], np.nonzero(~ndq)[0]
    i1, j1 = _subset_pairs(~tp[dp], tq)  # degenerate x, any y
    j2, i2 = _subset_pairs(~tq[dq], tp[ip])  # nondegenerate x, degenerate y
    rows = np.concatenate([ip[a], dp[i1], ip[i2]]).astype(np.intp)
    cols = np.concatenate([iq[b], j1, dq[j2]]).astype(np.intp)
    order = np.lexsort((cols, rows))
    return rows[order], cols[order]


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


VALUE_RTOL = 1e-9
"""Each nonzero coordinate of a returned vertex is within this relative distance
of the exact rational: taken from the walk where its rigorous error bound
guarantees it, recomputed exactly (correctly rounded) otherwise."""


def _vertex_values(sf: StandardForm, v: Vertices, idx: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Values of the kept variables at vertices ``idx``, each within :data:`VALUE_RTOL` relative."""
    vals = v.values[idx].copy()
    smallest = np.where(vals > 0, vals, np.inf).min(axis=1, initial=np.inf)
    loose = v.error[idx] > VALUE_RTOL * smallest
    if np.any(loose):
        vals[loose] = exact_values(sf, v.basis[idx[loose]], keep)
    return vals


def _lex_equilibria(a: np.ndarray, b: np.ndarray) -> Equilibria:
    m, n = a.shape
    sp, sq = standard_forms(a, b)
    kp, kq = np.arange(m), m + np.arange(n)
    vp, vq = enumerate_vertices(sp, kp), enumerate_vertices(sq, kq)
    degenerate = bool(np.any(vp.tight.sum(axis=1) > m) or np.any(vq.tight.sum(axis=1) > n))
    i, j = complete_pairs(vp.tight, vq.tight, m, n)
    origin = vp.tight[i, :m].all(axis=1)  # x = 0 pairs only with y = 0: the artificial pair
    i, j = i[~origin], j[~origin]
    xs, ys = _vertex_values(sp, vp, i, kp), _vertex_values(sq, vq, j, kq)
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    for xv, yv in zip(xs, ys, strict=True):
        x, y = xv / xv.sum(), yv / yv.sum()  # zeros are exact zeros: nothing to clip
        if is_equilibrium(a, b, x, y):
            pairs.append((x, y))
    pairs.sort(key=lambda p: (p[0].tolist(), p[1].tolist()))
    return Equilibria(pairs=pairs, degenerate=degenerate)


def _bases_equilibria(a: np.ndarray, b: np.ndarray) -> Equilibria:
    m, n = a.shape
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


def equilibria(A: ArrayLike, B: ArrayLike, *, method: str = "lex") -> Equilibria:
    """Every extreme Nash equilibrium of the bimatrix game ``(A, B)``.

    Parameters
    ----------
    A, B : array_like
        Row and column player's payoffs, shape ``(m, n)``.
    method : {"lex", "bases"}, optional
        Vertex enumeration: ``"lex"`` (default) walks the lexicographically
        feasible bases with exact decisions; ``"bases"`` tries every basis (the
        earlier algorithm, kept as a cross-check; up to 10 x 10).

    Returns
    -------
    Equilibria
        The verified extreme equilibria and the degeneracy flag.

    Raises
    ------
    ValueError
        If the matrices are not finite, 2-D and of one shape, if the method is
        unknown, or if the game is larger than the method supports (:func:`check_size`).

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
    check_size(m, n, method)
    if method == "bases":
        return _bases_equilibria(a, b)
    return _lex_equilibria(a, b)
