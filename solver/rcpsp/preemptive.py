"""Refuting a horizon with the preemptive feasible-set LP (Brucker and Knust 2000).

Given start windows ``[ES_j, LS_j]`` valid for every schedule ending by ``T``,
each job must be processed for ``d_j`` periods inside ``[ES_j, LS_j + d_j)``.
Cut ``[0, T)`` at every ``ES_j``, ``LS_j``, ``ES_j + d_j`` and ``LS_j + d_j``
into intervals ``I_k`` of length ``L_k``.  In a schedule, the set of jobs
running in a period of ``I_k`` is a *feasible set*: no two of its jobs are
(transitively) precedence-related, their demands fit every capacity, and
each job's window covers ``I_k``.  A job whose compulsory part
``[LS_j, ES_j + d_j)`` covers ``I_k`` runs in every period of ``I_k``.

Relaxing non-preemption gives the linear program, with ``x_{F,k} >= 0`` the
number of periods of ``I_k`` during which exactly the set ``F`` runs::

    sum_F x_{F,k} <= L_k                 for every interval k   (= L_k if a job
                                                                 must run throughout)
    sum_k sum_{F contains j} x_{F,k} >= d_j   for every job j

where ``F`` ranges over the inclusion-maximal feasible sets of ``I_k`` that
contain every job compulsory in ``I_k`` (any feasible set lies in a maximal
one, and running more jobs never hurts a ``>=`` row).  Every schedule of
makespan at most ``T`` inside the windows gives a solution, so an infeasible
LP proves that no such schedule exists: ``T`` is refuted.  With tight
resources few jobs fit together, so all maximal sets are enumerated outright
(no column generation); an interval with too many sets makes the test give up
(never a false refutation).

:func:`lp_shave` uses the test inside shaving: tentatively fix a job at the
end of its window, propagate (:func:`solver.rcpsp.propagate.propagate`) and
solve the LP; if either refutes, that start is impossible.  This is the
destructive bound of Brucker and Knust (2000), "A linear programming and
constraint propagation-based lower bound for the RCPSP", *European Journal of
Operational Research* 127(2), 355-362.
"""

from __future__ import annotations

import itertools
import math
import time

import highspy
import numpy as np

from solver.backends.base import quiet_stdout
from solver.rcpsp.propagate import Windows, propagate, shave_with
from solver.rcpsp.psplib import RCPSPInstance
from solver.rcpsp.sgs import topological_order

__all__ = ["FeasibleSets", "lp_shave", "preemptive_lower_bound", "preemptive_refutes"]

MAX_SETS = 4000
"""Most maximal feasible sets enumerated for one interval before the test gives up."""

_TOO_MANY: list[int] = []  # cache marker: an interval with more than max_sets sets

_CLOCK_EVERY = 1024
"""Enumeration steps between two looks at the clock."""


class OutOfTime(OverflowError):
    """An enumeration stopped at its deadline (the test gives up; never cached)."""


class FeasibleSets:
    """Maximal feasible sets of one instance, enumerated on demand and cached.

    Sets are bit masks over the job indices.  The cache is keyed by the
    candidate and compulsory jobs of an interval, which repeat across
    intervals, horizons and shaving tests.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    max_sets : int, optional
        Give up on an interval with more maximal sets than this.

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 2, 3, 1, 0), ((1, 2, 3), (4,), (4,), (4,), ()),
    ...                      ((0,), (1,), (1,), (1,), (0,)), (2,))
    >>> sorted(FeasibleSets(inst).maximal(0b1110, 0))
    [6, 10, 12]
    """

    def __init__(self, inst: RCPSPInstance, *, max_sets: int = MAX_SETS) -> None:
        self.inst = inst
        self.max_sets = max_sets
        reach = [0] * inst.n_jobs
        for i in reversed(topological_order(inst)):
            for j in inst.successors[i]:
                reach[i] |= (1 << j) | reach[j]
        everyone = (1 << inst.n_jobs) - 1
        self.compatible = [
            everyone & ~reach[j] & ~(1 << j) & ~sum(1 << i for i in inst.jobs if reach[i] >> j & 1)
            for j in inst.jobs
        ]
        self._cache: dict[tuple[int, int], list[int] | None] = {}
        self._arrays: dict[tuple[int, int], tuple[np.ndarray, np.ndarray] | None] = {}

    def maximal(self, cands: int, forced: int, deadline: float = math.inf) -> list[int] | None:
        """Maximal feasible subsets of ``cands`` that contain ``forced``.

        Parameters
        ----------
        cands : int
            Bit mask of the jobs whose window covers the interval.
        forced : int
            Bit mask of the jobs that must run throughout it (a subset of ``cands``).
        deadline : float, optional
            A :func:`time.perf_counter` instant at which the enumeration
            stops (:class:`OutOfTime`, not cached).

        Returns
        -------
        list of int or None
            The sets as bit masks; ``None`` when the forced jobs cannot run
            together (no schedule exists).

        Raises
        ------
        OverflowError
            When there are more than ``max_sets`` of them, or
            :class:`OutOfTime` at the deadline.
        """
        key = (cands, forced)
        if key not in self._cache:
            try:
                self._cache[key] = self._enumerate(cands, forced, deadline)
            except OutOfTime:
                raise
            except OverflowError:
                self._cache[key] = _TOO_MANY
        found = self._cache[key]
        if found is _TOO_MANY:
            raise OverflowError(f"more than {self.max_sets} maximal feasible sets")
        return found

    def columns(
        self, cands: int, forced: int, deadline: float = math.inf
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The sets of :meth:`maximal` as arrays: sizes, and all members in order.

        Parameters
        ----------
        cands, forced : int
            As for :meth:`maximal`.
        deadline : float, optional
            As for :meth:`maximal`.

        Returns
        -------
        tuple of numpy.ndarray or None
            ``(sizes, members)``; ``None`` when the forced jobs cannot run together.

        Raises
        ------
        OverflowError
            When there are more than ``max_sets`` sets.
        """
        key = (cands, forced)
        if key not in self._arrays:
            found = self.maximal(cands, forced, deadline)
            if found is None:
                self._arrays[key] = None
            else:
                members = [[j for j in self.inst.jobs if mask >> j & 1] for mask in found]
                self._arrays[key] = (
                    np.array([len(m) for m in members], dtype=np.int64),
                    np.array([j for m in members for j in m], dtype=np.int64),
                )
        return self._arrays[key]

    def _enumerate(self, cands: int, forced: int, deadline: float) -> list[int] | None:
        inst, comp = self.inst, self.compatible
        cap = inst.capacities
        dem = inst.demands
        forced_jobs = [j for j in inst.jobs if forced >> j & 1]
        use0 = [sum(dem[j][r] for j in forced_jobs) for r in range(len(cap))]
        if any(u > c for u, c in zip(use0, cap, strict=True)):
            return None
        if any(forced & ~(1 << j) & ~comp[j] for j in forced_jobs):
            return None

        def fits(j: int, chosen: int, use: list[int]) -> bool:
            return chosen & ~comp[j] == 0 and all(
                u + k <= c for u, k, c in zip(use, dem[j], cap, strict=True)
            )

        free = [
            j for j in inst.jobs if cands >> j & 1 and not forced >> j & 1 and fits(j, forced, use0)
        ]
        out: list[int] = []
        steps = [0]

        def rec(i: int, chosen: int, use: list[int], skipped: list[int]) -> None:
            steps[0] += 1
            if steps[0] % _CLOCK_EVERY == 0 and time.perf_counter() > deadline:
                raise OutOfTime
            if i == len(free):
                if not any(fits(j, chosen, use) for j in skipped):  # maximal
                    out.append(chosen)
                    if len(out) > self.max_sets:
                        raise OverflowError
                return
            j = free[i]
            if fits(j, chosen, use):
                rec(i + 1, chosen | 1 << j, [u + k for u, k in zip(use, dem[j], strict=True)],
                    skipped)  # fmt: skip
                skipped.append(j)
                rec(i + 1, chosen, use, skipped)
                skipped.pop()
            else:
                rec(i + 1, chosen, use, skipped)

        rec(0, forced, use0, [])
        return out


def preemptive_refutes(
    inst: RCPSPInstance,
    windows: Windows,
    *,
    sets: FeasibleSets | None = None,
    deadline: float = math.inf,
) -> bool:
    """Whether the preemptive feasible-set LP on ``windows`` is infeasible.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    windows : Windows
        Start windows valid for every schedule ending by ``windows.horizon``
        (e.g. from :func:`solver.rcpsp.propagate.propagate`).
    sets : FeasibleSets, optional
        Cache of feasible sets to reuse across calls on the same instance.
    deadline : float, optional
        A :func:`time.perf_counter` instant after which the test gives up
        (the set enumeration and the LP both watch it).

    Returns
    -------
    bool
        ``True`` only when no schedule of makespan at most the horizon lies in
        the windows; ``False`` when the LP is feasible or the test gave up
        (too many sets, or the deadline).

    Examples
    --------
    Two jobs of 2 and 3 periods on a unit resource; at horizon 5 the windows
    ``S_1 in [0, 0]``, ``S_2 in [0, 1]`` force both to run in period 1:

    >>> inst = RCPSPInstance("two", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> preemptive_refutes(inst, propagate(inst, 5))
    False
    >>> preemptive_refutes(inst, Windows(5, (0, 0, 0, 3), (0, 0, 1, 5)))
    True
    """
    sets = FeasibleSets(inst) if sets is None else sets
    d, es, ls = inst.durations, windows.es, windows.ls
    real = [j for j in inst.jobs if d[j] > 0]
    if not real:
        return False
    cuts = {0, windows.horizon}
    for j in real:
        cuts.update((es[j], ls[j], es[j] + d[j], ls[j] + d[j]))
    pts = sorted(c for c in cuts if 0 <= c <= windows.horizon)
    lengths, must_fill, sizes, members = [], [], [], []
    try:
        for a, b in itertools.pairwise(pts):
            cands = sum(1 << j for j in real if es[j] <= a and b <= ls[j] + d[j])
            forced = sum(1 << j for j in real if ls[j] <= a and b <= es[j] + d[j])
            found = sets.columns(cands, forced, deadline)
            if found is None:
                return True
            lengths.append(b - a)
            must_fill.append(forced != 0)
            sizes.append(found[0])
            members.append(found[1])
    except OverflowError:
        return False
    left = deadline - time.perf_counter()
    if left <= 0:
        return False
    return _lp_infeasible(inst, lengths, must_fill, sizes, members, left)


def _lp_infeasible(
    inst: RCPSPInstance,
    lengths: list[int],
    must_fill: list[bool],
    sizes: list[np.ndarray],
    members: list[np.ndarray],
    time_limit: float = math.inf,
) -> bool:
    """Whether HiGHS proves the feasible-set LP infeasible (built column-wise).

    Rows: one per interval, then one per job (job ``j`` is row ``n_int + j``).
    Column ``c`` has a 1 in its interval's row followed by its members' rows.
    """
    n_int = len(lengths)
    per_col = np.concatenate(sizes) + 1
    n_col = len(per_col)
    if n_col == 0:
        return True  # some job has an empty window: no interval can hold it
    start = np.concatenate([[0], np.cumsum(per_col)])
    index = np.empty(start[-1], dtype=np.int64)
    is_head = np.zeros(start[-1], dtype=bool)
    is_head[start[:-1]] = True
    index[is_head] = np.repeat(np.arange(n_int), [len(s) for s in sizes])
    index[~is_head] = n_int + np.concatenate(members)
    inf = highspy.kHighsInf
    length = np.array(lengths, dtype=float)
    dur = np.array(inst.durations, dtype=float)
    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = n_int + inst.n_jobs
    lp.col_cost_ = np.zeros(n_col)
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = np.full(n_col, inf)
    lp.row_lower_ = np.concatenate([np.where(must_fill, length, -inf), dur])
    lp.row_upper_ = np.concatenate([length, np.full(inst.n_jobs, inf)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start.astype(np.int32)
    lp.a_matrix_.index_ = index.astype(np.int32)
    lp.a_matrix_.value_ = np.ones(len(index))
    with quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")
    if math.isfinite(time_limit):
        h.setOptionValue("time_limit", float(time_limit))
    h.passModel(lp)
    h.run()
    return bool(h.getModelStatus() == highspy.HighsModelStatus.kInfeasible)


def _refuted(inst: RCPSPInstance, horizon: int, es: list[int], ls: list[int],
             sets: FeasibleSets, energetic: bool,
             deadline: float = math.inf) -> Windows | None:  # fmt: skip
    """Propagated windows from ``es``/``ls``, or ``None`` if propagation or the LP refutes."""
    w = propagate(inst, horizon, es=es, ls=ls, energetic=energetic)
    if w is None or preemptive_refutes(inst, w, sets=sets, deadline=deadline):
        return None
    return w


def lp_shave(
    inst: RCPSPInstance,
    windows: Windows,
    *,
    sets: FeasibleSets | None = None,
    energetic: bool = False,
    time_limit: float | None = None,
) -> Windows | None:
    """Shaving with propagation and the preemptive LP as the refutation test.

    For each job ``j`` the start is tentatively fixed at ``ES_j``; if
    propagation or :func:`preemptive_refutes` refutes that, ``ES_j`` grows by
    one (and the windows are propagated and tested again).  Likewise for
    ``LS_j``.  Rounds repeat until no test refutes or the time is up.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    windows : Windows
        Propagated windows at some horizon.
    sets : FeasibleSets, optional
        Cache of feasible sets to reuse.
    energetic : bool, optional
        Use energetic reasoning in the tentative propagations (off by default:
        on the hard PSPLIB j30 instances the LP refutes the same starts and
        shaving takes about half as long without it).
    time_limit : float, optional
        Stop after this many seconds with the (valid) windows reached so far.

    Returns
    -------
    Windows or None
        Narrower (or equal) windows, or ``None`` when the horizon is refuted.

    Examples
    --------
    >>> inst = RCPSPInstance("two", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> w = lp_shave(inst, propagate(inst, 5))
    >>> w.es, w.ls
    ((0, 0, 0, 5), (0, 3, 2, 5))
    """
    t0 = time.perf_counter()
    deadline = math.inf if time_limit is None else t0 + time_limit
    cache = FeasibleSets(inst) if sets is None else sets
    if preemptive_refutes(inst, windows, sets=cache, deadline=deadline):
        return None
    horizon = windows.horizon

    def test(es: list[int], ls: list[int]) -> Windows | None:
        return _refuted(inst, horizon, es, ls, cache, energetic, deadline)

    left = None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - t0))
    return shave_with(inst, windows, test, time_limit=left)


def preemptive_lower_bound(
    inst: RCPSPInstance,
    start: int,
    upper: int,
    *,
    sets: FeasibleSets | None = None,
    time_limit: float | None = None,
) -> int:
    """Smallest horizon from ``start`` that neither propagation nor the LP refutes.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.
    start : int
        A proven lower bound (first horizon tested).
    upper : int
        A known feasible makespan (never tested; the search stops there).
    sets : FeasibleSets, optional
        Cache of feasible sets to reuse.
    time_limit : float, optional
        Stop after this many seconds with the bound reached so far.

    Returns
    -------
    int
        A lower bound on the optimal makespan, between ``start`` and ``upper``.

    Examples
    --------
    >>> inst = RCPSPInstance("two", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> preemptive_lower_bound(inst, 3, 6)
    5
    """
    deadline = math.inf if time_limit is None else time.perf_counter() + time_limit
    sets = FeasibleSets(inst) if sets is None else sets
    lb = start
    while lb < upper and time.perf_counter() < deadline:
        w = propagate(inst, lb)
        if w is not None and not preemptive_refutes(inst, w, sets=sets, deadline=deadline):
            break  # not refuted (or the test gave up at the deadline): lb stands
        lb += 1
    return lb
