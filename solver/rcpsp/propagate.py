"""Constraint propagation on start windows for a makespan deadline.

Given a horizon ``T`` (the project must end by ``T``), every job ``j`` gets a
start window ``[ES_j, LS_j]`` that contains the start of *every* schedule of
makespan at most ``T``.  Three sound rules shrink the windows, repeated until
nothing changes (a fixpoint):

precedence
    ``ES_j >= ES_i + d_i`` and ``LS_i <= LS_j - d_i`` for every arc ``(i, j)``.
time-tabling
    A job whose window is narrower than its duration runs for sure in its
    *compulsory part* ``[LS_j, ES_j + d_j)``.  The compulsory parts of the other
    jobs form a resource profile; job ``j`` cannot start at ``s`` if for some
    period ``u`` in ``[s, s + d_j)`` and resource ``r`` the profile plus
    ``k_jr`` exceeds ``R_r``.  ``ES_j`` moves to the first such-free ``s``,
    ``LS_j`` to the last.
energetic reasoning
    For an interval ``[t1, t2)`` a job must spend at least
    ``mi_j = max(0, min(t2 - t1, d_j, ES_j + d_j - t1, t2 - LS_j))`` periods
    inside it (left- or right-shifted as far as its window allows).  If
    ``sum_j k_jr mi_j > R_r (t2 - t1)`` there is no schedule.  Otherwise job
    ``j`` may overlap the interval by at most ``q_j = min_r floor((R_r (t2 - t1)
    - sum_{i != j} k_ir mi_i) / k_jr)`` periods; when ``q_j < min(d_j, t2 -
    t1)`` every start in ``[t1 + q_j - d_j + 1, t2 - q_j - 1]`` overlaps more,
    so ``ES_j`` inside that range moves past it and ``LS_j`` inside it moves
    before it (Baptiste, Le Pape and Nuijten 2001).

A window that becomes empty (``ES_j > LS_j``) or an interval whose mandatory
energy exceeds its capacity *refutes* ``T``: no schedule of makespan at most
``T`` exists.  :func:`destructive_lower_bound` raises ``T`` from the simple
bounds until propagation no longer refutes it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.rcpsp.psplib import RCPSPInstance
from solver.rcpsp.sgs import earliest_starts, latest_starts, lower_bound, topological_order

__all__ = ["Windows", "destructive_lower_bound", "propagate", "shave"]


@dataclass(frozen=True)
class Windows:
    """Start windows ``[es_j, ls_j]`` valid for every schedule ending by ``horizon``."""

    horizon: int
    es: tuple[int, ...]
    ls: tuple[int, ...]

    @property
    def width(self) -> int:
        """Total number of start periods over all jobs."""
        return sum(b - a + 1 for a, b in zip(self.es, self.ls, strict=True))


class _Infeasible(Exception):
    """Raised inside the propagation loop when the horizon is refuted."""


class _State:
    """Arrays shared by the propagation rules of one instance."""

    def __init__(self, inst: RCPSPInstance) -> None:
        self.inst = inst
        self.d = np.array(inst.durations, dtype=np.int64)
        self.k = np.array(inst.demands, dtype=np.int64).reshape(inst.n_jobs, -1)
        self.cap = np.array(inst.capacities, dtype=np.int64)
        self.arcs = inst.arcs
        self.topo = topological_order(inst)
        self.real = np.array([j for j in inst.jobs if inst.durations[j] > 0], dtype=np.int64)

    # -- precedence ------------------------------------------------------------

    def precedence(self, es: np.ndarray, ls: np.ndarray) -> None:
        inst = self.inst
        for i in self.topo:
            f = es[i] + inst.durations[i]
            for j in inst.successors[i]:
                if es[j] < f:
                    es[j] = f
        for i in reversed(self.topo):
            for j in inst.successors[i]:
                lim = ls[j] - inst.durations[i]
                if ls[i] > lim:
                    ls[i] = lim
        if (es > ls).any():
            raise _Infeasible

    # -- time-tabling ----------------------------------------------------------

    def timetable(self, es: np.ndarray, ls: np.ndarray, horizon: int) -> bool:
        """One pass of compulsory-part filtering; return whether a window changed."""
        d, k, cap = self.d, self.k, self.cap
        length = horizon + int(d.max()) + 1
        prof = np.zeros((length, k.shape[1]), dtype=np.int64)
        cp_lo = ls.copy()  # compulsory parts [cp_lo, cp_hi), kept apart from the windows
        cp_hi = es + d
        has_cp = (cp_lo < cp_hi) & (d > 0)
        for j in np.flatnonzero(has_cp):
            prof[cp_lo[j] : cp_hi[j]] += k[j]
        if (prof > cap).any():
            raise _Infeasible
        changed = False
        for j in self.real:
            kj = k[j]
            if not kj.any():
                continue
            others = prof
            if has_cp[j]:
                others = prof.copy()
                others[cp_lo[j] : cp_hi[j]] -= kj
            bad = (others + kj > cap).any(axis=1)
            dj = int(d[j])
            s = int(es[j])
            while s <= ls[j]:
                hit = np.flatnonzero(bad[s : s + dj])
                if hit.size == 0:
                    break
                s += int(hit[-1]) + 1
            if s > ls[j]:
                raise _Infeasible
            t = int(ls[j])
            while t >= s:
                hit = np.flatnonzero(bad[t : t + dj])
                if hit.size == 0:
                    break
                t += int(hit[0]) - dj
            if t < s:
                raise _Infeasible
            if s != es[j] or t != ls[j]:
                changed = True
                es[j], ls[j] = s, t
                # keep the profile current for the next jobs
                if has_cp[j]:
                    prof[cp_lo[j] : cp_hi[j]] -= kj
                lo, hi = t, s + dj
                has_cp[j] = lo < hi
                cp_lo[j], cp_hi[j] = lo, hi
                if lo < hi:
                    prof[lo:hi] += kj
                    if (prof[lo:hi] > cap).any():
                        raise _Infeasible
        return changed

    # -- energetic reasoning ---------------------------------------------------

    def energetic(self, es: np.ndarray, ls: np.ndarray) -> bool:
        """One pass of energetic reasoning; return whether a window changed."""
        idx = self.real
        d = self.d[idx]
        k = self.k[idx]
        e, s_l = es[idx], ls[idx]
        ef, lf = e + d, s_l + d
        t1 = np.unique(np.concatenate([e, s_l, ef]))
        t2 = np.unique(np.concatenate([lf, ef, s_l]))
        length = t2[None, :] - t1[:, None]  # (a, b)
        ok = length > 0
        ln = length[:, :, None]
        mi = np.minimum(
            np.minimum(ln, d[None, None, :]),
            np.minimum(
                ef[None, None, :] - t1[:, None, None], t2[None, :, None] - s_l[None, None, :]
            ),
        )
        mi = np.maximum(mi, 0)  # (a, b, n)
        mi[~ok] = 0
        work = mi @ k  # (a, b, R)
        room = self.cap[None, None, :] * length[:, :, None]  # (a, b, R)
        if ((work > room) & ok[:, :, None]).any():
            raise _Infeasible
        # slack left for job j once the others' mandatory work is in: (a, b, n, R)
        slack = room[:, :, None, :] - work[:, :, None, :] + mi[:, :, :, None] * k[None, None, :, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            qr = np.where(
                k[None, None, :, :] > 0, slack // np.maximum(k, 1)[None, None, :, :], 1 << 40
            )
        q = qr.min(axis=3)  # (a, b, n)
        active = ok[:, :, None] & (q < np.minimum(ln, d[None, None, :]))
        if not active.any():
            return False
        lo = t1[:, None, None] + q - d[None, None, :] + 1  # forbidden starts [lo, hi]
        hi = t2[None, :, None] - q - 1
        changed = False
        hit_es = active & (lo <= e[None, None, :]) & (e[None, None, :] <= hi)
        if hit_es.any():
            new_e = np.where(hit_es, hi + 1, e[None, None, :]).max(axis=(0, 1))
            if (new_e != e).any():
                es[idx] = new_e
                changed = True
        hit_ls = active & (lo <= s_l[None, None, :]) & (s_l[None, None, :] <= hi)
        if hit_ls.any():
            new_l = np.where(hit_ls, lo - 1, s_l[None, None, :]).min(axis=(0, 1))
            if (new_l != s_l).any():
                ls[idx] = new_l
                changed = True
        if (es > ls).any():
            raise _Infeasible
        return changed

    def fixpoint(self, es: np.ndarray, ls: np.ndarray, horizon: int, energetic: bool) -> None:
        while True:
            self.precedence(es, ls)
            changed = self.timetable(es, ls, horizon)
            if changed:
                continue
            if energetic and self.energetic(es, ls):
                continue
            return


def propagate(
    inst: RCPSPInstance,
    horizon: int,
    *,
    energetic: bool = True,
    es: list[int] | tuple[int, ...] | None = None,
    ls: list[int] | tuple[int, ...] | None = None,
) -> Windows | None:
    """Shrink the start windows of every job for makespan at most ``horizon``.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance (job 0 the dummy source, job ``n-1`` the sink).
    horizon : int
        Deadline ``T`` for the sink's start (the makespan).
    energetic : bool, optional
        Also apply energetic reasoning (time-tabling and precedence always run).
    es, ls : sequence of int, optional
        Starting windows (already valid for ``horizon``); default the
        critical-path windows.

    Returns
    -------
    Windows or None
        The fixpoint windows, or ``None`` when propagation proves that no
        schedule of makespan at most ``horizon`` exists.

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> propagate(inst, 4) is None
    True
    >>> w = propagate(inst, 5)
    >>> w.es, w.ls
    ((0, 0, 0, 3), (0, 3, 2, 5))
    """
    st = _State(inst)
    e = np.array(earliest_starts(inst) if es is None else es, dtype=np.int64)
    lt = np.array(latest_starts(inst, horizon) if ls is None else ls, dtype=np.int64)
    if inst.durations[0] == 0 and not inst.predecessors[0]:
        lt[0] = min(lt[0], 0)  # a dummy source can always start at 0
    try:
        st.fixpoint(e, lt, horizon, energetic)
    except _Infeasible:
        return None
    return Windows(horizon, tuple(int(v) for v in e), tuple(int(v) for v in lt))


def shave(
    inst: RCPSPInstance,
    windows: Windows,
    *,
    energetic: bool = True,
    time_limit: float | None = None,
) -> Windows | None:
    """Shaving: drop a window end whose tentative fixing propagation refutes.

    For each job ``j`` the start is tentatively fixed at ``ES_j`` (window
    ``[ES_j, ES_j]``); if :func:`propagate` refutes that, no schedule ending
    by the horizon starts ``j`` at ``ES_j``, so ``ES_j`` grows by one and the
    whole window set is propagated again.  Likewise for ``LS_j``.  Rounds
    repeat until none of the tests refutes (or the time runs out).

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    windows : Windows
        Propagated windows (a fixpoint of :func:`propagate`).
    energetic : bool, optional
        Use energetic reasoning in the tentative propagations.
    time_limit : float, optional
        Stop after this many seconds with the windows reached so far (still valid).

    Returns
    -------
    Windows or None
        Narrower (or equal) windows, or ``None`` when the horizon is refuted.

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> w = shave(inst, propagate(inst, 5))
    >>> w.es, w.ls
    ((0, 0, 0, 5), (0, 3, 2, 5))
    """
    horizon = windows.horizon

    def test(es: list[int], ls: list[int]) -> Windows | None:
        return propagate(inst, horizon, es=es, ls=ls, energetic=energetic)

    return shave_with(inst, windows, test, time_limit=time_limit)


def shave_with(
    inst: RCPSPInstance,
    windows: Windows,
    test: Callable[[list[int], list[int]], Windows | None],
    *,
    time_limit: float | None = None,
) -> Windows | None:
    """The shaving loop of :func:`shave`, with any refutation test.

    For each job ``j`` and each end of its window in turn: tentatively fix
    the start at that end; unless ``test`` refutes it, move on; if it does,
    drop that end (``ES_j + 1`` or ``LS_j - 1``) and propagate the narrowed
    windows with ``test``, which refuting them too proves the horizon
    infeasible.  Rounds repeat until nothing changes or the time is up.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    windows : Windows
        Valid windows at some horizon (what ``test`` returns for them).
    test : callable
        ``test(es, ls)``: the propagated windows for start windows
        ``[es, ls]``, or ``None`` when no schedule within the horizon has
        every start in them.  It must never refute a window set that holds a
        schedule.
    time_limit : float, optional
        Stop after this many seconds with the windows reached so far (valid).

    Returns
    -------
    Windows or None
        Narrower (or equal) windows, or ``None`` when the horizon is refuted.
    """
    deadline = math.inf if time_limit is None else time.perf_counter() + time_limit
    w = windows
    changed = True
    while changed:
        changed = False
        for j in inst.jobs:
            for side in (0, 1):
                while w.es[j] < w.ls[j]:
                    if time.perf_counter() > deadline:
                        return w
                    es, ls = list(w.es), list(w.ls)
                    if side == 0:
                        ls[j] = es[j]
                    else:
                        es[j] = ls[j]
                    if test(es, ls) is not None:
                        break
                    es, ls = list(w.es), list(w.ls)
                    if side == 0:
                        es[j] += 1
                    else:
                        ls[j] -= 1
                    narrowed = test(es, ls)
                    if narrowed is None:
                        return None
                    w, changed = narrowed, True
    return w


def destructive_lower_bound(
    inst: RCPSPInstance,
    upper: int,
    *,
    start: int | None = None,
    time_limit: float | None = None,
) -> tuple[int, Windows | None]:
    """Smallest horizon propagation cannot refute, searched upward from a bound.

    Every refuted ``T`` proves the optimum exceeds ``T``; and a refuted ``T``
    refutes every smaller horizon, so the first unrefuted one is a lower bound.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    upper : int
        A known feasible makespan (never refuted; the search stops there).
    start : int, optional
        First horizon to try (default :func:`solver.rcpsp.sgs.lower_bound`).
    time_limit : float, optional
        Stop after this many seconds with the bound reached so far.

    Returns
    -------
    tuple of (int, Windows or None)
        The lower bound ``LB`` and the propagated windows at horizon ``LB``
        (``None`` when the time ran out before ``LB`` was tested).

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> destructive_lower_bound(inst, 5)[0]
    5
    """
    lb = lower_bound(inst) if start is None else start
    deadline = math.inf if time_limit is None else time.perf_counter() + time_limit
    while lb < upper:
        if time.perf_counter() > deadline:
            return lb, None
        w = propagate(inst, lb)
        if w is not None:
            return lb, w
        lb += 1
    return upper, None
