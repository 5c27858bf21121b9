"""Conflict cliques: sets of jobs no two of which can run in the same period.

Two jobs that can never overlap (one precedes the other, or together they need
more of some resource than there is) give the valid inequality
``running_i(t) + running_j(t) <= 1`` in any time-indexed model; a clique of
pairwise conflicting jobs gives the stronger ``sum_{j in C} running_j(t) <= 1``.
"""

from __future__ import annotations

from solver.rcpsp.psplib import RCPSPInstance
from solver.rcpsp.sgs import topological_order

__all__ = ["conflict_cliques"]


def _conflict_graph(inst: RCPSPInstance) -> dict[int, set[int]]:
    """Adjacency of the jobs (positive duration) that can never run together."""
    reach: list[set[int]] = [set() for _ in inst.jobs]
    for i in reversed(topological_order(inst)):
        for j in inst.successors[i]:
            reach[i] |= {j} | reach[j]
    real = [j for j in inst.jobs if inst.durations[j] > 0]
    adj: dict[int, set[int]] = {j: set() for j in real}
    for a in real:
        for b in real:
            over = any(
                inst.demands[a][r] + inst.demands[b][r] > c for r, c in enumerate(inst.capacities)
            )
            if a < b and (over or b in reach[a] or a in reach[b]):
                adj[a].add(b)
                adj[b].add(a)
    return adj


def conflict_cliques(inst: RCPSPInstance) -> list[list[int]]:
    """Sets of jobs no two of which can run in the same period.

    Two jobs of positive duration conflict when one (transitively) precedes the
    other or when their demands on some resource exceed its capacity together.
    The conflict graph's edges are covered greedily by cliques, each grown from
    an uncovered edge by adding the candidate adjacent to most other candidates.

    Parameters
    ----------
    inst : RCPSPInstance
        The instance.

    Returns
    -------
    list of list of int
        Cliques (job indices) covering every conflict edge.

    Examples
    --------
    >>> inst = RCPSPInstance("t", (0, 2, 3, 0), ((1, 2), (3,), (3,), ()),
    ...                      ((0,), (1,), (1,), (0,)), (1,))
    >>> conflict_cliques(inst)
    [[1, 2]]
    """
    adj = _conflict_graph(inst)
    covered: set[tuple[int, int]] = set()
    out: list[list[int]] = []
    for a in sorted(adj, key=lambda v: (-len(adj[v]), v)):
        for b in sorted(adj[a], key=lambda v: (-len(adj[v]), v)):
            if (min(a, b), max(a, b)) in covered:
                continue
            clique, cand = [a, b], adj[a] & adj[b]
            while cand:
                v = max(sorted(cand), key=lambda v: len(adj[v] & cand))
                clique.append(v)
                cand &= adj[v]
            covered.update((x, y) for x in clique for y in clique if x < y)
            out.append(clique)
    return out
