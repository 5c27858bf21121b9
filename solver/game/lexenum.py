"""Vertex enumeration of a polytope by a traversal of its lexicographically feasible bases.

The polytope is given in standard form ``{z >= 0 : M z = b}`` with integer
``M`` (``r x N``), integer ``b > 0`` and an identity basis (the *slack*
columns: ``M[:, slack[i]] = e_i``).  A basis is a set of ``r`` columns; its
dictionary is ``T = M_B^{-1} [M | b]``.  Following Avis's lrs (Avis and Fukuda
1992; Avis 2000; Avis, Rosenberg, Savani and von Stengel 2010), the right-hand
side is perturbed lexicographically, ``b + (eps, eps^2, ..., eps^r)``: a basis
is *lex-feasible* when every row of ``[T_b | M_B^{-1}]`` is lexicographically
positive, the perturbed polytope is simple, and its vertices are exactly the
lex-feasible bases.  Its vertex graph is connected (an edge is a pivot with the
lexicographic ratio test), and every vertex of the unperturbed polytope is the
limit of at least one perturbed vertex, so a traversal of that graph from the
slack basis visits every vertex of the polytope, degenerate ones included.

lrs walks the graph by *reverse search* (a depth-first walk that needs no
memory of visited bases).  Here the graph is walked breadth first, one level
of bases at a time, so that the ratio tests and pivots of a whole level run as
vectorised NumPy operations; the visited bases are kept as bit keys (8 bytes a
basis while ``N <= 64``).  The number of lex-feasible bases is at most the
upper-bound-theorem value :func:`max_vertices` of a simple ``(N - r)``-polytope
with ``N`` facets, which bounds time and memory before anything is allocated.

Arithmetic.  The walk pivots in floating point and carries, for every
dictionary entry, a rigorous bound on its distance from the exact rational
entry (first- and second-order propagation through each pivot plus the
rounding of every operation, :func:`_pivot`).  A decision (the sign of a
pivot-column entry, which row wins the ratio test, whether a basic variable is
zero) is taken in floating point only when the bound makes it certain.  Any
basis with an uncertain decision is recomputed exactly by integer pivoting (the
lrs pivot ``a'_ij = (a_ij a_rs - a_is a_rj) / d``, all entries integer minors)
from the slack basis, in int64 while every entry stays below 2^31 (so no
product can overflow) and in Python integers otherwise; its decisions are then exact, its
floating-point dictionary is refreshed from the exact one, and the walk goes on
from there.  A vertex with a basic variable at zero (a degenerate vertex) can
never be certified in floating point, so every degenerate basis is decided
exactly.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from math import ceil, comb, floor

import numpy as np

U = 2.0**-53
"""Unit roundoff of IEEE double precision."""

CHUNK_BYTES = 16 * 2**20
"""Bases are processed in chunks whose arrays (:func:`chunk_capacity`) take at
most about this many bytes."""

_INFLATE = 1.0 + 2.0**-30
"""Error bounds are multiplied by this where they are used (in the decisions,
and for the pivot column and row inside a pivot, where a bound that falls short
would be amplified by the division by ``|piv| - ep``): each pivot's bound
formulas round by at most ``3u`` relative, and ``2^-30`` covers ``3u`` times
more than 10^6 pivots on any path (beyond the largest supported polytope)."""


def max_vertices(d: int, k: int) -> int:
    """McMullen's upper bound on the vertices of a ``d``-polytope with ``k`` facets.

    Parameters
    ----------
    d : int
        Dimension (``d >= 1``).
    k : int
        Number of facets (inequalities), ``k > d``.

    Returns
    -------
    int
        ``C(k - ceil(d/2), floor(d/2)) + C(k - floor(d/2) - 1, ceil(d/2) - 1)``,
        attained by the dual of the cyclic polytope; a simple polytope (such as a
        lexicographically perturbed one) has no more vertices than this.

    Examples
    --------
    >>> max_vertices(2, 5), max_vertices(3, 6), max_vertices(12, 24)
    (5, 8, 24752)
    """
    if d < 1 or k <= d:
        return 1 if k >= d else 0
    h, f = ceil(d / 2), floor(d / 2)
    return comb(k - h, f) + comb(k - f - 1, h - 1)


@dataclass(frozen=True)
class StandardForm:
    """An integer polytope ``{z >= 0 : M z = b}`` with an identity basis.

    Attributes
    ----------
    M : numpy.ndarray
        Object array of Python integers, shape ``(r, N)``.
    b : numpy.ndarray
        Object array of positive Python integers, shape ``(r,)``.
    slack : numpy.ndarray
        ``slack[i]`` is the column equal to the ``i``-th unit vector.
    """

    M: np.ndarray
    b: np.ndarray
    slack: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(r, N)``: rows and variables."""
        r, n = self.M.shape
        return int(r), int(n)

    @cached_property
    def max_abs(self) -> int:
        """The largest absolute entry of ``M`` and ``b``."""
        return max(max(abs(int(v)) for v in self.M.ravel()), max(abs(int(v)) for v in self.b))


@dataclass(frozen=True)
class Vertices:
    """The distinct vertices of a polytope in standard form.

    Attributes
    ----------
    tight : numpy.ndarray
        Boolean, shape ``(v, N)``: variable ``j`` is zero at vertex ``v``.
    values : numpy.ndarray
        Shape ``(v, len(keep))``: the values of the requested variables.
    error : numpy.ndarray
        Shape ``(v,)``: a rigorous bound on the absolute error of ``values``
        (0 where they were computed from the exact dictionary and are exactly
        representable, else at most a unit roundoff relative).
    basis : numpy.ndarray
        Boolean, shape ``(v, N)``: one lex-feasible basis of each vertex.
    bases : int
        Lex-feasible bases visited (at least ``v``; more on degenerate polytopes).
    exact_bases : int
        Bases whose decisions needed exact arithmetic.
    """

    tight: np.ndarray
    values: np.ndarray
    error: np.ndarray
    basis: np.ndarray
    bases: int
    exact_bases: int


# --- bit keys ------------------------------------------------------------------------------


def pack_rows(mask: np.ndarray) -> np.ndarray:
    """Rows of a boolean ``(F, N)`` array as ``(F, W)`` uint64 words, ``W = ceil(N / 64)``.

    Parameters
    ----------
    mask : numpy.ndarray
        Boolean, shape ``(F, N)``.

    Returns
    -------
    numpy.ndarray
        uint64, shape ``(F, W)``; bit ``j % 64`` of word ``j // 64`` is ``mask[:, j]``.

    Examples
    --------
    >>> pack_rows(np.array([[True, False, True]])).tolist()
    [[5]]
    """
    f, n = mask.shape
    w = max(1, -(-n // 64))
    packed = np.packbits(mask, axis=1, bitorder="little")
    out = np.zeros((f, 8 * w), dtype=np.uint8)
    out[:, : packed.shape[1]] = packed
    return out.view(np.uint64).reshape(f, w)


def _unpack(words: np.ndarray, n: int) -> np.ndarray:
    """Inverse of :func:`_pack`."""
    f = words.shape[0]
    bits = np.unpackbits(np.ascontiguousarray(words).view(np.uint8).reshape(f, -1), axis=1,
                         bitorder="little")  # fmt: skip
    return bits[:, :n].astype(bool)


def flat_keys(words: np.ndarray) -> np.ndarray:
    """One sortable key per row of ``(F, W)`` words (uint64 if ``W == 1``, else bytes).

    Parameters
    ----------
    words : numpy.ndarray
        uint64, shape ``(F, W)`` (from :func:`pack_rows`).

    Returns
    -------
    numpy.ndarray
        Shape ``(F,)``; equal keys exactly for equal rows, usable by
        :func:`numpy.unique`, :func:`numpy.isin` and :func:`numpy.intersect1d`.

    Examples
    --------
    >>> flat_keys(np.array([[5], [3]], dtype=np.uint64)).tolist()
    [5, 3]
    """
    if words.shape[1] == 1:
        return words[:, 0].copy()
    w = words.shape[1]
    return np.ascontiguousarray(words).view(np.dtype((np.void, 8 * w))).ravel()


_MIX = np.uint64(0x9E3779B97F4A7C15)


def key_hash(words: np.ndarray) -> np.ndarray:
    """A uint64 hash of each row of ``(F, W)`` key words (the word itself when ``W == 1``).

    Parameters
    ----------
    words : numpy.ndarray
        uint64, shape ``(F, W)``.

    Returns
    -------
    numpy.ndarray
        uint64, shape ``(F,)``.  Equal rows hash equal; for ``W > 1`` distinct rows
        may collide, which callers detect by comparing the full rows.

    Examples
    --------
    >>> key_hash(np.array([[5], [3]], dtype=np.uint64)).tolist()
    [5, 3]
    """
    if words.shape[1] == 1:
        return words[:, 0].copy()
    h = np.full(words.shape[0], 0x243F6A8885A308D3, dtype=np.uint64)
    for k in range(words.shape[1]):
        h ^= words[:, k]
        h *= _MIX
        h ^= h >> np.uint64(29)
    return h


class _Collision(Exception):
    """Two distinct keys with one hash: the caller redoes the work with exact keys."""


class _KeySet:
    """The keys seen so far, sorted by hash, with their full words to verify every match."""

    def __init__(self, words: np.ndarray, exact: bool) -> None:
        self.exact = exact or words.shape[1] == 1  # one word: the hash is the key
        self.hash = self._h(words)
        self.words = words.copy()  # kept sorted by hash when hashes may collide

    def _h(self, words: np.ndarray) -> np.ndarray:
        return key_hash(words) if self.exact is False else flat_keys(words)

    def add(self, words: np.ndarray) -> np.ndarray:
        """Add the rows of ``words`` not seen yet; return the index of the first of each, ascending.

        The candidates are sorted by hash (an unstable sort: each run of equal
        hashes is represented by its smallest index, so the result does not
        depend on the sort), and the runs are looked up in the seen keys by a
        search of sorted needles.
        """
        h = self._h(words)
        if len(h) == 0:
            return np.zeros(0, dtype=np.intp)
        order = np.argsort(h)
        sh = h[order]
        starts = np.flatnonzero(np.concatenate([[True], sh[1:] != sh[:-1]]))
        if not self.exact:  # equal hashes must be equal keys
            run = np.cumsum(np.concatenate([[False], sh[1:] != sh[:-1]]))
            if np.any(words[order] != words[order[starts]][run]):
                raise _Collision
        uniq = sh[starts]
        first = np.minimum.reduceat(order, starts)
        pos = np.searchsorted(self.hash, uniq)
        if len(self.hash):
            hit = self.hash[np.minimum(pos, len(self.hash) - 1)] == uniq
            if not self.exact and np.any(self.words[pos[hit]] != words[first[hit]]):
                raise _Collision
            novel = ~hit
            uniq, first, pos = uniq[novel], first[novel], pos[novel]
        self.hash = np.insert(self.hash, pos, uniq)
        if not self.exact:
            self.words = np.insert(self.words, pos, words[first], axis=0)
        return np.sort(first)


def unique_rows(words: np.ndarray) -> np.ndarray:
    """Indices of the first occurrence of each distinct row of ``(F, W)`` key words, ascending.

    Parameters
    ----------
    words : numpy.ndarray
        uint64, shape ``(F, W)``.

    Returns
    -------
    numpy.ndarray
        Sorted row indices, one per distinct row.

    Examples
    --------
    >>> unique_rows(np.array([[5, 1], [3, 0], [5, 1]], dtype=np.uint64)).tolist()
    [0, 1]
    """
    try:
        return _KeySet(words[:0], exact=False).add(words)
    except _Collision:
        return _KeySet(words[:0], exact=True).add(words)


# --- exact integer pivoting ---------------------------------------------------------------


INT64_SAFE = 2**31
"""Integer pivoting runs in int64 while every dictionary entry is below this in
absolute value: then each product ``a_ij a_rs`` is below ``2^62`` and each
difference of two below ``2^63``, so nothing can overflow."""


def _exact_tableaux(sf: StandardForm, in_basis: np.ndarray) -> tuple[np.ndarray, ...]:
    """Exact integer dictionaries of a batch of bases, pivoting from the slack basis.

    Each pivot is lrs's ``a'_ij = (a_ij a_rs - a_is a_rj) / d`` (the division is
    exact: every entry is a minor of ``[M | b]``).  The batch runs in int64 while
    all its entries stay below :data:`INT64_SAFE` and in Python integers from the
    first pivot where one does not.

    Returns ``(A, det, rowvar)``: ``A`` of shape ``(G, r, N + 1)`` (int64 or
    Python integers), ``det > 0`` of shape ``(G,)`` with ``M_B^{-1} [M | b] = A /
    det``, and ``rowvar[g, i]`` the basic variable of row ``i``.
    """
    r, n = sf.shape
    g = in_basis.shape[0]
    base = np.concatenate([sf.M, sf.b[:, None]], axis=1)
    if sf.max_abs < INT64_SAFE:
        a = np.broadcast_to(base.astype(np.int64), (g, r, n + 1)).copy()
        det = np.ones(g, dtype=np.int64)
    else:
        a = np.empty((g, r, n + 1), dtype=object)
        a[...] = base[None]
        det = np.ones(g, dtype=object)
    rowvar = np.broadcast_to(sf.slack, (g, r)).copy()
    is_slack = np.zeros(n, dtype=bool)
    is_slack[sf.slack] = True
    enter = in_basis & ~is_slack[None, :]
    counts = enter.sum(axis=1)
    order = np.argsort(~enter, axis=1, kind="stable")  # entering variables first, ascending
    for k in range(int(counts.max(initial=0))):
        if a.dtype != object and np.abs(a).max(initial=0) >= INT64_SAFE:
            a, det = a.astype(object), det.astype(object)
        act = np.nonzero(counts > k)[0]
        j = order[act, k]
        sub = a[act]
        ar = np.arange(len(act))
        colj = sub[ar, :, j]  # (G', r)
        leaving_ok = ~np.take_along_axis(in_basis[act], rowvar[act], axis=1)
        p = np.argmax(leaving_ok & (colj != 0), axis=1)
        piv = colj[ar, p]
        rowp = sub[ar, p, :].copy()
        sub *= piv[:, None, None]
        sub -= colj[:, :, None] * rowp[:, None, :]
        sub //= det[act][:, None, None]
        sub[ar, p, :] = rowp
        a[act] = sub
        det[act] = piv
        rowvar[act, p] = j
    if a.dtype != object and np.abs(a).max(initial=0) >= INT64_SAFE:  # products must fit
        a, det = a.astype(object), det.astype(object)
    neg = det < 0
    if np.any(neg):
        a[neg] = -a[neg]
        det[neg] = -det[neg]
    return a, det, rowvar


def _lex_leaving(a: np.ndarray, cols: np.ndarray, slack: np.ndarray, rhs: int) -> np.ndarray:
    """Exact lexicographic ratio test for every entering column of every basis.

    ``a`` is ``(G, r, N + 1)`` with positive determinants, ``cols`` ``(G, d)`` the
    entering variables.  The rows with the least ``b_i / a_is`` are found
    vectorised (cross-multiplied, exact in int64 below :data:`INT64_SAFE` and in
    Python integers); the rare remaining ties are broken per ``(g, c)`` by the
    columns of ``M_B^{-1}`` (the slack columns, in row order), skipping those
    that vanish on all tied rows.  Returns the leaving row per ``(g, c)``, shape ``(G, d)``.
    """
    g, r, _ = a.shape
    ar = np.arange(g)[:, None]
    den = np.transpose(a[ar, :, cols], (0, 2, 1))  # (G, r, d): column cols[g, c] in row i
    num = np.broadcast_to(a[:, :, rhs][:, :, None], den.shape)
    tied = den > 0
    best_n = np.ones((g, den.shape[2]), dtype=a.dtype)
    best_d = np.zeros((g, den.shape[2]), dtype=a.dtype)  # 1/0: +infinity
    for i in range(r):
        better = tied[:, i, :] & (num[:, i, :] * best_d < best_n * den[:, i, :])
        best_n = np.where(better, num[:, i, :], best_n)
        best_d = np.where(better, den[:, i, :], best_d)
    tied &= num * best_d[:, None, :] == best_n[:, None, :] * den
    count = tied.sum(axis=1)
    if np.any(count == 0):  # a bounded polytope has a positive entry in every column
        raise ArithmeticError("a column without a positive entry: the polytope is unbounded")
    leave = np.argmax(tied, axis=1)
    for gg, cc in zip(*np.nonzero(count > 1), strict=True):
        rows = np.nonzero(tied[gg, :, cc])[0]
        piv = [int(v) for v in den[gg, rows, cc]]
        comps = a[gg][np.ix_(rows, slack)]  # (|T|, r): the rows of M_B^{-1} times det
        for k in np.nonzero(np.any(comps != 0, axis=0))[0]:
            vals = [Fraction(int(v), q) for v, q in zip(comps[:, k], piv, strict=True)]
            low = min(vals)
            keep = [i for i, v in enumerate(vals) if v == low]
            rows, comps = rows[keep], comps[keep]
            piv = [piv[i] for i in keep]
            if len(rows) == 1:
                break
        if len(rows) != 1:  # rows of M_B^{-1} are independent: never
            raise ArithmeticError("lexicographic ratio test without a unique winner")
        leave[gg, cc] = rows[0]
    return leave


def exact_values(sf: StandardForm, in_basis: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Values of the variables ``keep`` at the basic solutions of the given bases, exactly rounded.

    Parameters
    ----------
    sf : StandardForm
        The polytope.
    in_basis : numpy.ndarray
        Boolean, shape ``(G, N)``: the basic variables of each basis.
    keep : numpy.ndarray
        Variable indices.

    Returns
    -------
    numpy.ndarray
        Shape ``(G, len(keep))``: each value the float nearest the exact rational.

    Examples
    --------
    >>> sf = StandardForm(np.array([[2, 1, 1]], object), np.array([1], object), np.array([2]))
    >>> exact_values(sf, np.array([[True, False, False]]), np.array([0, 1])).tolist()
    [[0.5, 0.0]]
    """
    n = sf.shape[1]
    a, det, rowvar = _exact_tableaux(sf, in_basis)
    out = np.zeros((len(in_basis), n))
    rhs = a[:, :, n]
    if a.dtype == object:  # int / int is correctly rounded
        vals = (rhs / det[:, None]).astype(float)
    else:  # entries below 2^31 convert exactly: one rounding
        vals = rhs.astype(float) / det.astype(float)[:, None]
    np.put_along_axis(out, rowvar, vals, axis=1)
    return out[:, np.asarray(keep, dtype=np.intp)]


# --- floating-point pivoting with error bounds ----------------------------------------------
#
# A batch of G dictionaries is stored as one array of shape (d + 1, r, G): column j (the
# j-th nonbasic variable, the right-hand side last), row i, basis g.  The batch axis is
# innermost so that every elementwise operation and every reduction over the rows runs
# as one long contiguous loop; large results are written in place (``out=``), which
# also avoids NumPy's per-temporary elision check.


def _pivot(D: np.ndarray, E: np.ndarray, c: np.ndarray, p: np.ndarray, tmp: np.ndarray) -> None:
    """Pivot each dictionary of a batch on ``(column c[g], row p[g])``, in place, with error bounds.

    ``D`` is ``(d + 1, r, G)``, ``E`` bounds ``|D - exact|`` elementwise, ``tmp``
    is workspace of the same shape.  Column ``c`` then holds the leaving
    variable.  With ``rho = D[:, p] / piv`` (the pivot row) and ``a = D[c]`` (the
    pivot column), the new entries ``D - rho a`` are off the exact ones by at
    most ``E + |a| erho + ea (|rho| + erho)`` (input errors to second order)
    plus ``2u (|D| + |rho a|)`` (rounding of the product and the difference);
    ``rho`` by ``(E[:, p] + |rho| ep) / (|piv| - ep) + u |rho|``.  The bound
    formulas themselves round by about ``3u`` relative a pivot, covered by
    :data:`_INFLATE` where bounds are used.
    """
    g = np.arange(D.shape[2])
    a = D[c, :, g].T  # (r, G): the entering column
    ea = E[c, :, g].T * _INFLATE
    piv = a[p, g]
    ep = ea[p, g]
    apiv = np.abs(piv)
    den = apiv - ep  # > 0: the pivot is certainly nonzero
    rho = D[:, p, g] / piv  # (d + 1, G): the pivot row over the pivot
    arho = np.abs(rho)
    erho = (E[:, p, g] * _INFLATE + arho * ep) / den + U * arho
    aa = np.abs(a)
    np.abs(D, out=tmp)
    tmp *= 2.0 * U
    E += tmp
    np.multiply((erho + 2.0 * U * arho)[:, None, :], aa[None, :, :], out=tmp)
    E += tmp
    np.multiply((arho + erho)[:, None, :], ea[None, :, :], out=tmp)
    E += tmp
    np.multiply(rho[:, None, :], a[None, :, :], out=tmp)
    D -= tmp
    q = -a / piv
    aq = np.abs(q)
    D[c, :, g] = q.T
    E[c, :, g] = ((ea + aq * ep) / den + U * aq).T
    D[:, p, g] = rho
    E[:, p, g] = erho
    inv = 1.0 / piv
    D[c, p, g] = inv
    E[c, p, g] = ep / (apiv * den) + U * np.abs(inv)


def _float_decisions(
    D: np.ndarray, E: np.ndarray, hi: np.ndarray, lo: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Certain floating-point decisions of a batch of dictionaries (``(d + 1, r, F)``).

    ``hi`` and ``lo`` are ``(d, r, F)`` workspace.  Returns ``(ok, leave)``:
    ``ok[g]`` when every basic variable is certainly positive and every column's
    ratio test has a certain winner (its largest possible ratio below every
    other row's smallest), and ``leave[g, c]`` the winning row (meaningful where ``ok``).
    """
    d1, r, f = D.shape
    d = d1 - 1
    b = D[d]
    eb = E[d] * _INFLATE
    ok = np.all(b > eb, axis=0)
    A = D[:d]
    np.multiply(E[:d], _INFLATE, out=lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.subtract(A, lo, out=hi)
        np.maximum(hi, 0.0, out=hi)
        np.divide((b + eb)[None], hi, out=hi)  # largest ratio; +inf where the entry may be <= 0
        np.add(A, lo, out=lo)
        np.maximum(lo, 0.0, out=lo)
        np.divide(np.maximum(b - eb, 0.0)[None], lo, out=lo)  # smallest; +inf if surely <= 0
    best = hi.min(axis=1)  # (d, F)
    if r > 32:
        leave = np.argmin(hi, axis=1)
    else:  # faster than argmin over a short middle axis: the first row attaining the minimum
        leave = np.zeros((d, f), dtype=np.intp)
        for i in range(r - 1, -1, -1):
            leave[hi[:, i, :] == best] = i
    lo[np.arange(d)[:, None], leave, np.arange(f)[None, :]] = np.inf
    second = lo.min(axis=1)
    with np.errstate(invalid="ignore"):
        col_ok = best * (1.0 + 8 * U) < second * (1.0 - 8 * U)
    ok &= np.all(col_ok, axis=0)
    return ok, leave.T


# --- the walk -----------------------------------------------------------------------------


@dataclass
class _Chunk:
    """Pending bases, at most the pool's capacity, in pooled buffers."""

    basic: np.ndarray  # (F, r) int: the basic variable of each row
    nonbasic: np.ndarray  # (F, d) int: the variable of each dictionary column
    buffers: tuple[np.ndarray, np.ndarray]  # (d + 1, r, capacity) dictionaries and bounds
    key: np.ndarray  # (F, W) uint64: the basic variables as bits

    def __len__(self) -> int:
        return int(self.basic.shape[0])

    @property
    def D(self) -> np.ndarray:
        return self.buffers[0][:, :, : len(self)]

    @property
    def E(self) -> np.ndarray:
        return self.buffers[1][:, :, : len(self)]


class _Pool:
    """Reusable ``(d + 1, r, capacity)`` buffer pairs: pages are mapped once per walk."""

    def __init__(self, shape: tuple[int, int, int]) -> None:
        self.shape = shape
        self.free: list[tuple[np.ndarray, np.ndarray]] = []
        self.allocated = 0

    def get(self) -> tuple[np.ndarray, np.ndarray]:
        if self.free:
            return self.free.pop()
        self.allocated += 1
        return np.empty(self.shape), np.empty(self.shape)

    def put(self, buffers: tuple[np.ndarray, np.ndarray]) -> None:
        self.free.append(buffers)


def chunk_capacity(r: int, d: int, words: int = 1) -> int:
    """Bases per chunk, so that a chunk's arrays fit :data:`CHUNK_BYTES`.

    A chunk holds five ``(d + 1) x r`` float64 arrays of dictionaries (values,
    error bounds, three of workspace) and about four copies of its neighbours'
    keys (``d`` a basis, ``words`` uint64 each).

    Parameters
    ----------
    r, d : int
        Rows and nonbasic columns of a dictionary.
    words : int, optional
        uint64 words of a key, ``ceil(N / 64)``.

    Returns
    -------
    int
        At least 1.

    Examples
    --------
    >>> chunk_capacity(12, 12), chunk_capacity(1, 1500, 24)
    (2532, 13)
    """
    per_basis = 5 * 8 * (d + 1) * r + 4 * 8 * d * words
    return max(1, CHUNK_BYTES // per_basis)


def enumerate_vertices(
    sf: StandardForm, keep: np.ndarray, *, max_bases: int | None = None
) -> Vertices:
    """Every vertex of ``{z >= 0 : M z = b}``, exactly, with its zero variables.

    Parameters
    ----------
    sf : StandardForm
        The polytope (bounded: the caller's responsibility).
    keep : numpy.ndarray
        Indices of the variables whose values are returned.
    max_bases : int, optional
        Stop with ``RuntimeError`` if more lex-feasible bases are met (a guard
        against a wrong bound; default :func:`max_vertices` of the polytope).

    Returns
    -------
    Vertices
        Distinct vertices (by their sets of zero variables), each with one basis.

    Examples
    --------
    The triangle ``x1, x2 >= 0, x1 + x2 <= 1`` (slack ``s``):

    >>> sf = StandardForm(np.array([[1, 1, 1]], object), np.array([1], object), np.array([2]))
    >>> v = enumerate_vertices(sf, np.array([0, 1]))
    >>> sorted(map(tuple, v.values.tolist()))
    [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0)]
    """
    r, n = sf.shape
    limit = max_bases if max_bases is not None else max_vertices(n - r, n)
    try:
        return _walk(sf, keep, limit, exact_keys=False)
    except _Collision:  # two distinct multi-word keys hashed alike: redo with exact keys
        return _walk(sf, keep, limit, exact_keys=True)


def _walk(sf: StandardForm, keep: np.ndarray, limit: int, exact_keys: bool) -> Vertices:
    r, n = sf.shape
    d = n - r
    keep = np.asarray(keep, dtype=np.intp)
    is_slack = np.zeros(n, dtype=bool)
    is_slack[sf.slack] = True
    nonbasic0 = np.nonzero(~is_slack)[0]
    cols0 = np.concatenate([sf.M[:, nonbasic0], sf.b[:, None]], axis=1).T  # (d + 1, r)
    cap = min(chunk_capacity(r, d, -(-n // 64)), limit)
    pool = _Pool((d + 1, r, cap))
    tmp = np.empty((d + 1, r, cap))
    hi, lo = np.empty((d, r, cap)), np.empty((d, r, cap))
    bufs = pool.get()
    bufs[0][:, :, 0] = cols0.astype(float)
    bufs[1][:, :, 0] = np.where(np.abs(cols0) <= 2**53, 0.0, U * np.abs(bufs[0][:, :, 0]))
    mask0 = np.zeros((1, n), dtype=bool)
    mask0[0, sf.slack] = True
    queue = deque(
        [_Chunk(sf.slack[None, :].astype(np.intp), nonbasic0[None, :], bufs, pack_rows(mask0))]
    )
    words = queue[0].key.shape[1]
    seen = _KeySet(queue[0].key, exact=exact_keys)
    rec_basic, rec_zero, rec_rhs, rec_err, rec_key = [], [], [], [], []
    visited = exact_count = 0
    while queue:
        ch = queue.popleft()
        f = len(ch)
        visited += f
        if visited > limit:
            raise RuntimeError(f"more than {limit} lex-feasible bases: the bound does not hold")
        D, E = ch.D, ch.E
        ok, leave = _float_decisions(D, E, hi[:, :, :f], lo[:, :, :f])
        bad = np.nonzero(~ok)[0]
        zero_rows = np.zeros((f, r), dtype=bool)  # basic variables at zero
        if len(bad):
            exact_count += len(bad)
            a, det, rowvar = _exact_tableaux(sf, _unpack(ch.key[bad], n))
            nb = ch.nonbasic[bad]
            leave[bad] = _lex_leaving(a, nb, sf.slack, n)
            zero_rows[bad] = a[:, :, n] == 0
            # refresh the floating-point dictionaries from the exact ones
            cols = np.concatenate([nb, np.full((len(bad), 1), n)], axis=1)
            exact_d = a[np.arange(len(bad))[:, None], :, cols]  # (G, d + 1, r)
            if a.dtype == object:  # Python integers: int / int is correctly rounded
                fresh = (exact_d / det[:, None, None]).astype(float)
            else:  # int64 entries below 2^31 convert exactly: one rounding
                fresh = exact_d.astype(float) / det.astype(float)[:, None, None]
            D[:, :, bad] = fresh.transpose(1, 2, 0)
            E[:, :, bad] = U * np.abs(fresh).transpose(1, 2, 0)
            ch.basic[bad] = rowvar
        rec_basic.append(ch.basic.astype(np.int32))
        rec_zero.append(zero_rows)
        rec_rhs.append(D[d].T.copy())
        rec_err.append(E[d].max(axis=0))
        rec_key.append(ch.key)
        # neighbours: column c enters, row leave[c] leaves (flip two bits of the key)
        gi = np.arange(f)[:, None]
        lvar = np.take_along_axis(ch.basic, leave, axis=1)
        ckeys = np.repeat(ch.key[:, None, :], d, axis=1)
        ci = np.arange(d)[None, :]
        for var in (ch.nonbasic, lvar):
            ckeys[gi, ci, var // 64] ^= np.left_shift(np.uint64(1), (var % 64).astype(np.uint64))
        ckeys = ckeys.reshape(f * d, words)
        first = seen.add(ckeys)
        for lo_i in range(0, len(first), cap):  # the children, in pooled chunks
            part = first[lo_i : lo_i + cap]
            parent, col = np.divmod(part, d)
            row = leave[parent, col]
            k = len(part)
            nbufs = pool.get()
            nD, nE = nbufs[0][:, :, :k], nbufs[1][:, :, :k]
            np.take(D, parent, axis=2, out=nD, mode="clip")
            np.take(E, parent, axis=2, out=nE, mode="clip")
            _pivot(nD, nE, col, row, tmp[:, :, :k])
            kk = np.arange(k)
            basic = ch.basic[parent]
            nonbasic = ch.nonbasic[parent]
            entering = nonbasic[kk, col]
            nonbasic[kk, col] = basic[kk, row]
            basic[kk, row] = entering
            queue.append(_Chunk(basic, nonbasic, nbufs, ckeys[part]))
        pool.put(ch.buffers)
    # one record per basis; a vertex is its set of zero variables
    basic = np.concatenate(rec_basic)
    tight = np.ones((len(basic), n), dtype=bool)
    np.put_along_axis(tight, basic, np.concatenate(rec_zero), axis=1)
    packed = pack_rows(tight)
    first = _KeySet(packed[:0], exact=exact_keys).add(packed)
    values = np.zeros((len(first), n))
    np.put_along_axis(values, basic[first], np.concatenate(rec_rhs)[first], axis=1)
    return Vertices(
        tight=tight[first],
        values=values[:, keep],
        error=np.concatenate(rec_err)[first],
        basis=_unpack(np.concatenate(rec_key)[first], n),
        bases=visited,
        exact_bases=exact_count,
    )
