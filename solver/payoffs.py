"""The target's payoffs along a schedule: aggregates, continuation values, deviations, leverage.

These are the definitions of ``docs/formulation.md`` section "Payoffs",
evaluated for a fixed schedule.  The MIP writes the same quantities as
linear rows with the same :class:`~solver.timeline.Weights`; the verifier and
the game module call these functions, so all three agree by construction.

Timing: at the end of phase ``k`` the target has taken the steps done by
``k`` and holds the relief granted by ``k``.  Complying, it receives the
plan's flows and transfers from phase ``k + 1`` on (:mod:`solver.timeline`).
Its deviations (``docs/game.md``):

* **stall**: keep what is done and held, refuse every later step; no new
  relief, no snapback.  Only a deviation while the plan still asks for a
  step (after the last step, refusing nothing is complying);
* **overt**: openly reverse every done step, restoring its restorable share;
  the reversal is seen at once, so no new relief comes and each measure's
  snapback instrument re-imposes it with credibility ``q``, clawing back
  share ``r`` (one option, when a step is done);
* **covert** (for a detection level ``pi``): secretly reverse every done step
  whose detection (per year) is at most ``pi`` and keep collecting the plan's
  relief until caught (hazard ``1 - (1 - pi)^a_t`` per phase); once caught,
  snapback and open reversal of everything restorable.

For a detection level the best set to reverse in secret is every done step at
or below it, so the covert options are one class per distinct detection level
of the done steps.
A step's detection is its own ``detection`` or, from the phase a verification
step that names it is done, the level that step guarantees
(``raises_detection``).  A step's restorable share is its ``reversibility``,
capped by that of the most advanced done step that supersedes it
(``supersedes``: a dismantled reactor cannot be unfrozen).

Snapback credibility is the effective one (:mod:`solver.credibility`): the
nominal value where the deciding actors would carry the snapback out, else 0,
unless an override says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from solver.credibility import Credibility, credibility_table
from solver.scenario_types import Scenario
from solver.timeline import Timeline, Weights
from solver.tolerances import IC_TOL

__all__ = [
    "DEVIATIONS",
    "Aggregates",
    "Coefficients",
    "PhaseValues",
    "aggregates",
    "coefficients",
    "deviation_classes",
    "phase_values",
    "state_matrices",
    "target_holds",
]

DEVIATIONS = ("stall", "overt", "covert")
"""The target's deviation kinds, in the order ties are broken (first wins)."""


@dataclass(frozen=True)
class Coefficients:
    """Scenario data as arrays in a fixed (file) order.

    Attributes
    ----------
    v, r : numpy.ndarray
        Per measure: value (USD m/yr for a flow, USD m once for a transfer)
        and the share a snapback claws back.
    once : numpy.ndarray
        Per measure: whether it is a one-off transfer.
    q : numpy.ndarray
        ``(n_m, K)`` effective credibility of each measure's snapback
        instrument in each phase.
    ends : tuple
        Per measure: ``None`` or ``("measure" | "milestone", index)`` of the
        event from whose phase its flow stops.
    u, c, b, p : numpy.ndarray
        Per milestone: coalition value, cost to the target (USD m/yr),
        restorable share, detection probability per year.
    cap : numpy.ndarray
        ``(n_d, n_d)``: ``cap[d, e]`` is how much step ``e``, once done,
        lowers ``d``'s restorable share (``supersedes``, telescoped along
        the chain so that the share is that of the most advanced step).
    raises : numpy.ndarray
        ``(n_d, n_d)``: ``raises[v, d]`` is the detection level step ``v``
        guarantees for ``d`` from its phase on (0: none).
    timeline : Timeline
        Phase lengths and the annual discount factor.
    """

    v: np.ndarray
    r: np.ndarray
    once: np.ndarray
    q: np.ndarray
    ends: tuple[tuple[str, int] | None, ...]
    u: np.ndarray
    c: np.ndarray
    b: np.ndarray
    p: np.ndarray
    cap: np.ndarray
    raises: np.ndarray
    timeline: Timeline

    @property
    def phases(self) -> int:
        """Number of phases ``K``."""
        return self.timeline.phases

    @property
    def flow(self) -> np.ndarray:
        """Per measure: whether it is an annual flow (not a transfer)."""
        return ~self.once

    def annual_equivalent(self) -> np.ndarray:
        """Per measure, USD m/yr: a flow's value, a transfer's ``v (1 - beta) / beta``.

        The participation, relief-floor and reversibility rows compare relief
        with step costs per year; a one-off transfer counts there as the
        perpetual annual flow with the same present value.
        """
        beta = self.timeline.beta
        return np.where(self.once, self.v * (1.0 - beta) / beta, self.v)


def supersede_chains(s: Scenario) -> list[list[int]]:
    """Per milestone, the steps that supersede it (transitively), in precedence order.

    Parameters
    ----------
    s : Scenario
        The scenario (its ``supersedes`` and precedence relations).

    Returns
    -------
    list of list of int
        ``chains[d]``: milestone indices, the earliest in a precedence chain first.
    """
    idx = {d.id: i for i, d in enumerate(s.milestones)}
    n = len(idx)
    sup: list[set[int]] = [set() for _ in range(n)]  # who supersedes d, transitively
    for step in s.milestones:
        for old in step.supersedes:
            sup[idx[old]].add(idx[step.id])
    changed = True
    while changed:
        changed = False
        for i in range(n):
            more = set().union(*(sup[j] for j in sup[i])) - sup[i] if sup[i] else set()
            if more:
                sup[i] |= more
                changed = True
    pre = s.prerequisites()
    depth = [len(pre[d.id]) for d in s.milestones]  # orders a precedence chain
    return [sorted(sup[i], key=lambda x: depth[x]) for i in range(n)]


def chain_caps(chains: list[list[int]], b: np.ndarray) -> np.ndarray:
    """``cap[..., d, e]``: how much of step ``d``'s restorable share step ``e`` removes.

    Telescoped along each chain: ``share = b_d``, then for each superseding
    ``e`` in order ``cap[d, e] = share - min(share, b_e)`` and ``share`` drops
    to that minimum.

    Parameters
    ----------
    chains : list of list of int
        From :func:`supersede_chains`.
    b : numpy.ndarray
        Restorable shares, ``(n_d,)`` or a batch ``(..., n_d)``.

    Returns
    -------
    numpy.ndarray
        ``(..., n_d, n_d)``.
    """
    b = np.asarray(b, dtype=float)
    n = b.shape[-1]
    cap = np.zeros((*b.shape[:-1], n, n))
    for i in range(n):
        share = b[..., i]
        for e in chains[i]:
            new = np.minimum(share, b[..., e])
            cap[..., i, e] = share - new
            share = new
    return cap


def _chain_caps(s: Scenario) -> np.ndarray:
    """``cap[d, e]`` from ``supersedes`` (transitive), telescoped in precedence order."""
    b = np.array([d.reversibility for d in s.milestones], dtype=float)
    return chain_caps(supersede_chains(s), b)


def coefficients(
    scenario: Scenario,
    *,
    credibility: Mapping[str, float] | None = None,
    nominal: bool = False,
    table: Mapping[str, Credibility] | None = None,
) -> Coefficients:
    """Extract the payoff coefficients of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    credibility : Mapping, optional
        Instrument id -> credibility replacing the effective value in every
        phase (the require-IC loop and sensitivity overrides pass it).
    nominal : bool, optional
        Use each instrument's nominal credibility instead of the effective
        one (the game module builds its snapback choices on it).
    table : Mapping, optional
        ``credibility_table(scenario)`` when the caller has it already (the
        same derivation, not repeated).

    Returns
    -------
    Coefficients
        Arrays in the scenario's measure and milestone order.
    """
    kk = scenario.phases
    if table is None:
        table = credibility_table(scenario)
    over = dict(credibility or {})

    def q_of(inst: str) -> list[float]:
        if inst in over:
            return [float(over[inst])] * kk
        if inst not in table:
            return [1.0] * kk
        at = table[inst].nominal_at if nominal else table[inst].effective_at
        return [at(k) for k in range(1, kk + 1)]

    ms, ds = scenario.measures, scenario.milestones
    mid = {m.id: i for i, m in enumerate(ms)}
    did = {d.id: i for i, d in enumerate(ds)}
    ends: list[tuple[str, int] | None] = []
    for m in ms:
        if m.ends_with is None:
            ends.append(None)
        elif m.ends_with in mid:
            ends.append(("measure", mid[m.ends_with]))
        else:
            ends.append(("milestone", did[m.ends_with]))
    raises = np.zeros((len(ds), len(ds)))
    for i, d in enumerate(ds):
        for other, level in d.raises_detection.items():
            raises[i, did[other]] = level
    return Coefficients(
        v=np.array([m.value for m in ms], dtype=float),
        r=np.array([m.reversibility for m in ms], dtype=float),
        once=np.array([m.once for m in ms], dtype=bool),
        q=np.array([q_of(m.snapback) for m in ms], dtype=float).reshape(len(ms), kk),
        ends=tuple(ends),
        u=np.array([d.value for d in ds], dtype=float),
        c=np.array([d.cost for d in ds], dtype=float),
        b=np.array([d.reversibility for d in ds], dtype=float),
        p=np.array([d.detection for d in ds], dtype=float),
        cap=_chain_caps(scenario),
        raises=raises,
        timeline=Timeline(scenario.phase_lengths(), scenario.annual_discount()),
    )


def state_matrices(
    measure_phase: list[int | None], milestone_phase: list[int | None], phases: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``Y[m, k]`` and ``Z[d, k]`` (k = 1..K in columns 0..K-1).

    Parameters
    ----------
    measure_phase, milestone_phase : list of int or None
        Phase of each measure / milestone (``None``: never).
    phases : int
        Number of phases ``K``.

    Returns
    -------
    tuple of numpy.ndarray
        ``Y`` and ``Z``; ``Y[m, k] = 1`` when measure ``m`` is granted by the
        end of phase ``k``.

    Examples
    --------
    >>> y, z = state_matrices([2, None], [1], 3)
    >>> y.tolist(), z.tolist()
    ([[0.0, 1.0, 1.0], [0.0, 0.0, 0.0]], [[1.0, 1.0, 1.0]])
    """
    ks = np.arange(1, phases + 1)
    y = np.array([(ks >= g) if g is not None else np.zeros(phases, bool) for g in measure_phase])
    z = np.array([(ks >= g) if g is not None else np.zeros(phases, bool) for g in milestone_phase])
    return y.reshape(len(measure_phase), phases).astype(float), z.reshape(
        len(milestone_phase), phases
    ).astype(float)


@dataclass(frozen=True)
class Aggregates:
    """The per-phase quantities every payoff is a linear map of (arrays of length ``K``).

    Attributes
    ----------
    active : numpy.ndarray
        ``(n_m, K)``: whether each flow is in force (granted, its end event
        not yet come); zero for transfers.
    relief, transfers, cost, clawback, restorable : numpy.ndarray
        ``R_t`` (USD m/yr), ``O_t`` (USD m paid in phase t), ``C_t``,
        ``Q_t = sum q r v`` over active flows, ``B_t = sum c b_eff`` over done
        steps (USD m/yr).
    share : numpy.ndarray
        ``(n_d, K)``: each step's restorable share in each phase (capped by
        superseding steps).
    detection : numpy.ndarray
        ``(n_d, K)``: each step's detection per year in each phase (raised by
        verification steps).
    """

    active: np.ndarray
    relief: np.ndarray
    transfers: np.ndarray
    cost: np.ndarray
    clawback: np.ndarray
    restorable: np.ndarray
    share: np.ndarray
    detection: np.ndarray


def aggregates(
    co: Coefficients, y: np.ndarray, z: np.ndarray, ended: np.ndarray | None = None
) -> Aggregates:
    """Compute the aggregates of the schedule ``(y, z)``.

    Parameters
    ----------
    co : Coefficients
        Scenario coefficients.
    y, z : numpy.ndarray
        State matrices from :func:`state_matrices`.
    ended : numpy.ndarray, optional
        ``(n_m, K)`` boolean: the measure is withdrawn in that phase whatever
        ``y`` says (a flow no longer in force, a transfer not paid).  A
        donor that stops paying ends the relief it funds this way
        (:func:`solver.coalition.coalition_values`); ``y`` itself, and so
        every ``ends_with`` event, stays the plan's.

    Returns
    -------
    Aggregates
        Per-phase aggregates.
    """
    kk = co.phases
    y = y.reshape(len(co.v), kk)
    z = z.reshape(len(co.c), kk)
    active = y * co.flow[:, None]
    for m, end in enumerate(co.ends):
        if end is not None:
            event = y[end[1]] if end[0] == "measure" else z[end[1]]
            active[m] = active[m] * (1.0 - event)
    granted_now = np.diff(np.concatenate([np.zeros((len(co.v), 1)), y], axis=1), axis=1)
    if ended is not None:
        keep = 1.0 - np.asarray(ended, dtype=float).reshape(len(co.v), kk)
        active = active * keep
        granted_now = granted_now * keep
    transfers = (co.v * co.once) @ granted_now if y.size else np.zeros(kk)
    share = co.b[:, None] - co.cap @ z if z.size else np.zeros((0, kk))
    detection = np.maximum(co.p[:, None], (co.raises[:, :, None] * z[:, None, :]).max(axis=0))
    return Aggregates(
        active=active,
        relief=co.v @ active if y.size else np.zeros(kk),
        transfers=transfers,
        cost=co.c @ z if z.size else np.zeros(kk),
        clawback=np.einsum("m,mk->k", co.v * co.r, co.q * active) if y.size else np.zeros(kk),
        restorable=np.einsum("d,dk->k", co.c, share * z) if z.size else np.zeros(kk),
        share=share,
        detection=detection if z.size else np.zeros((0, kk)),
    )


def deviation_classes(p: np.ndarray, done: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """The target's reversal classes given the steps ``done`` (a boolean mask).

    Parameters
    ----------
    p : numpy.ndarray
        Detection probability (per year) of each milestone in this phase.
    done : numpy.ndarray
        Which milestones are done.

    Returns
    -------
    list of (float, numpy.ndarray)
        One ``(pi, reversed_mask)`` per distinct detection level ``pi`` among
        the done steps, in increasing ``pi``: reverse every done step with
        ``p_d <= pi``.  Empty when nothing is done.

    Examples
    --------
    >>> cls = deviation_classes(np.array([0.9, 0.2, 0.5]), np.array([True, True, False]))
    >>> [(pi, m.tolist()) for pi, m in cls]
    [(0.2, [False, True, False]), (0.9, [True, True, False])]
    """
    return [(float(pi), done & (p <= pi)) for pi in np.unique(p[done])]


@dataclass(frozen=True)
class PhaseValues:
    """Per-phase payoff quantities of a schedule (arrays of length ``K``).

    Attributes
    ----------
    aggregates : Aggregates
        ``R, O, C, Q, B`` and the per-step shares and detection.
    comply_value : numpy.ndarray
        ``V^C_k`` (USD m, discounted to the end of phase ``k``).
    stall_value, overt_value, covert_value : numpy.ndarray
        The best deviation of each kind (``-inf`` where a kind has no
        option: overt and covert need a done step).
    deviate_value : numpy.ndarray
        ``V^D_k``: the best of the three.
    deviation : tuple of str
        The best deviation's kind per phase (ties: stall, overt, covert;
        ``"none"`` when nothing is done and nothing remains to refuse).
    detection : numpy.ndarray
        Its detection probability per year (0 for a stall).
    reversed : tuple of numpy.ndarray
        Per phase, the mask of steps it reverses (none for a stall).
    leverage : numpy.ndarray
        ``L_k = V^C_k - V^D_k``.
    """

    aggregates: Aggregates
    comply_value: np.ndarray
    stall_value: np.ndarray
    overt_value: np.ndarray
    covert_value: np.ndarray
    deviate_value: np.ndarray
    deviation: tuple[str, ...]
    detection: np.ndarray
    reversed: tuple[np.ndarray, ...]
    leverage: np.ndarray

    @property
    def relief(self) -> np.ndarray:
        """``R_k``: relief flows in force (USD m/yr)."""
        return self.aggregates.relief

    @property
    def cost(self) -> np.ndarray:
        """``C_k``: cost of the steps done (USD m/yr)."""
        return self.aggregates.cost


def _args(agg: Aggregates) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return agg.relief, agg.cost, agg.transfers, agg.clawback, agg.restorable


def stall_open(z: np.ndarray, k: int) -> bool:
    """Whether the plan asks for a step after phase ``k + 1`` (0-based ``k``): a stall is possible.

    Parameters
    ----------
    z : numpy.ndarray
        Milestone state matrix.
    k : int
        0-based deciding phase.

    Returns
    -------
    bool
        ``sum_d (z[d, K] - z[d, k]) >= 1``.
    """
    return bool(z.size and (z[:, -1] - z[:, k]).max() > 0.5)


def class_values(
    co: Coefficients, agg: Aggregates, z: np.ndarray, k: int, kind: str
) -> list[tuple[float, float, np.ndarray]]:
    """Every option of one deviation kind at the end of phase ``k + 1`` (0-based ``k``).

    Parameters
    ----------
    co : Coefficients
        Scenario coefficients.
    agg : Aggregates
        The schedule's aggregates.
    z : numpy.ndarray
        Milestone state matrix.
    k : int
        0-based deciding phase.
    kind : {"stall", "overt", "covert"}
        The deviation kind.

    Returns
    -------
    list of (float, float, numpy.ndarray)
        ``(value, pi, reversed_mask)`` per option (a stall while a later step
        remains; one overt option and one covert option per detection class
        once a step is done).
    """
    tl, n_d = co.timeline, len(co.c)
    if kind == "stall":
        if not stall_open(z, k):
            return []
        return [(float(tl.stall.value(*_args(agg))[k]), 0.0, np.zeros(n_d, dtype=bool))]
    done = z[:, k] > 0.5 if z.size else np.zeros(0, dtype=bool)
    if kind == "overt":
        if not done.any():
            return []
        return [(float(tl.overt.value(*_args(agg))[k]), 1.0, done)]
    out = []
    for pi, rev in deviation_classes(agg.detection[:, k], done):
        w: Weights = tl.covert(pi)
        restored = float(co.c[rev] @ agg.share[rev, k])
        out.append((float(w.value(*_args(agg), restored)[k]), pi, rev))
    return out


def phase_values(
    co: Coefficients, y: np.ndarray, z: np.ndarray, ended: np.ndarray | None = None
) -> PhaseValues:
    """Evaluate every payoff quantity of the schedule ``(y, z)``.

    Parameters
    ----------
    co : Coefficients
        Scenario coefficients.
    y, z : numpy.ndarray
        State matrices from :func:`state_matrices`.
    ended : numpy.ndarray, optional
        Measures withdrawn per phase (see :func:`aggregates`).

    Returns
    -------
    PhaseValues
        Aggregates, continuation values, the best deviation of each kind and
        overall, and leverage per phase.
    """
    kk, n_d = co.phases, len(co.c)
    agg = aggregates(co, y, z, ended)
    args = _args(agg)
    tl = co.timeline
    vc = tl.comply.value(*args)
    # each weight set evaluated once for every deciding phase (class_values, the
    # per-phase reference, evaluates them phase by phase: same values, same order)
    whole = {"stall": tl.stall.value(*args), "overt": tl.overt.value(*args)}
    covert: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    best = {kind: np.full(kk, -np.inf) for kind in DEVIATIONS}
    vd, det = np.zeros(kk), np.zeros(kk)
    kinds: list[str] = []
    rev: list[np.ndarray] = []
    none = np.zeros(n_d, dtype=bool)
    for k in range(kk):
        done = z[:, k] > 0.5 if n_d else none
        options: list[tuple[float, str, float, np.ndarray]] = []
        if stall_open(z, k):
            options.append((float(whole["stall"][k]), "stall", 0.0, none))
        if done.any():
            options.append((float(whole["overt"][k]), "overt", 1.0, done))
            for pi, mask in deviation_classes(agg.detection[:, k], done):
                if pi not in covert:
                    w = tl.covert(pi)
                    covert[pi] = (w.value(*args), w.rho)
                base, rho = covert[pi]
                restored = float(co.c[mask] @ agg.share[mask, k])
                options.append((float(base[k] + rho[k] * restored), "covert", pi, mask))
        top: tuple[float, str, float, np.ndarray] | None = None
        for value, kind, pi, mask in options:
            best[kind][k] = max(best[kind][k], value)
            if top is None or value > top[0] + 1e-12 * max(1.0, abs(top[0])):
                top = (value, kind, pi, mask)
        if top is None:  # nothing done, nothing left to refuse: no deviation at all
            top = (float(vc[k]), "none", 0.0, none)
        vd[k], det[k] = top[0], top[2]
        kinds.append(top[1])
        rev.append(top[3])
    return PhaseValues(
        aggregates=agg,
        comply_value=vc,
        stall_value=best["stall"],
        overt_value=best["overt"],
        covert_value=best["covert"],
        deviate_value=vd,
        deviation=tuple(kinds),
        detection=det,
        reversed=tuple(rev),
        leverage=vc - vd,
    )


def target_holds(
    co: Coefficients,
    y: np.ndarray,
    z: np.ndarray,
    ended: np.ndarray,
    v: np.ndarray,
    q: np.ndarray,
) -> np.ndarray:
    """Whether the target complies at every node, for many variants of one plan at once.

    A variant withdraws some measures in every phase (``ended``, as
    :func:`aggregates` reads it) and may change their values to the target
    (``v``: a member's share of the pressure gone) and their snapback
    credibility (``q``).  Nothing else differs between variants: the steps,
    their costs, detection and restorable shares are the plan's, so every
    variant has the same deviation classes and restored costs, and each
    weight set is evaluated once for all of them.  Row ``i`` equals
    ``incentive_compatible(V^C_k, V^D_k)`` of :func:`phase_values` on
    ``replace(co, v=v[i], q=q[i])`` with ``ended[i]`` in every phase.

    Parameters
    ----------
    co : Coefficients
        Scenario coefficients.
    y, z : numpy.ndarray
        State matrices.
    ended : numpy.ndarray
        ``(n_var, n_m)`` boolean: measures withdrawn in every phase.
    v : numpy.ndarray
        ``(n_var, n_m)`` values to the target (USD m/yr; once for transfers).
    q : numpy.ndarray
        ``(n_var, n_m, K)`` snapback credibility.

    Returns
    -------
    numpy.ndarray
        ``(n_var, K)`` boolean: complying is a best response at node ``k``.
    """
    kk, n_m = co.phases, len(co.v)
    y = y.reshape(n_m, kk)
    z = z.reshape(len(co.c), kk)
    base = aggregates(co, y, z)
    keep = 1.0 - np.asarray(ended, dtype=float)  # (n_var, n_m)
    vk = np.asarray(v, dtype=float) * keep
    granted_now = np.diff(np.concatenate([np.zeros((n_m, 1)), y], axis=1), axis=1)
    relief = vk @ base.active
    transfers = (vk * co.once) @ granted_now
    clawback = np.einsum("im,imk->ik", vk * co.r, np.asarray(q, dtype=float) * base.active)
    cost = np.broadcast_to(base.cost, relief.shape)
    restorable = np.broadcast_to(base.restorable, relief.shape)
    tl = co.timeline

    def value(w: Weights) -> np.ndarray:
        return (
            relief @ w.R.T
            - cost @ w.C.T
            + transfers @ w.O.T
            - clawback @ w.Q.T
            + restorable @ w.B.T
        )

    vc = value(tl.comply)
    vd = np.full(relief.shape, -np.inf)
    stall, overt = value(tl.stall), value(tl.overt)
    covert: dict[float, np.ndarray] = {}
    for k in range(kk):
        done = z[:, k] > 0.5 if z.size else np.zeros(0, dtype=bool)
        if stall_open(z, k):
            vd[:, k] = np.maximum(vd[:, k], stall[:, k])
        if not done.any():
            continue
        vd[:, k] = np.maximum(vd[:, k], overt[:, k])
        for pi, mask in deviation_classes(base.detection[:, k], done):
            w = tl.covert(pi)
            if pi not in covert:
                covert[pi] = value(w)
            restored = float(co.c[mask] @ base.share[mask, k])
            vd[:, k] = np.maximum(vd[:, k], covert[pi][:, k] + w.rho[k] * restored)
    vd = np.where(np.isneginf(vd), vc, vd)  # no deviation at all: complying is all there is
    return vd <= vc + IC_TOL * np.maximum(1.0, np.abs(vc))
