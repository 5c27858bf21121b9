"""One fixed plan judged in many sampled worlds at once (numpy over the worlds).

A *world* is one draw of a sensitivity spec's uncertain numbers (the same
draws as ``relief sensitivity --method mc`` with the same seed).  For a plan
held fixed, every quantity the verifier and the game check judge is a
function of those numbers only, so it is computed here for all worlds
together, as arrays with the world on the first axis:

* the target's value of complying and of its best deviation in every phase
  (stall, open reversal, a secret reversal of each detection class), with
  the snapback credibility each world's veto players' payoffs give
  (:mod:`solver.credibility`), so its margin is the game check's
  (:func:`solver.game.check.check`; the stage game and the payoffs agree
  by construction, :mod:`solver.game.stage`);
* each coalition member's stay, leave and enforcement margins
  (:mod:`solver.coalition`), and the lapse of a member that would not
  enforce, which takes its share of each measure's pressure out of the
  target's game (:func:`solver.coalition.enforced_scenario`);
* the constraints that depend on the world (:data:`WORLD_FAMILIES`).

The *design rules* (phase windows, mandatory steps, precedence, bundles,
consent, capacity, resources, the progress and relief floors) say what the
plan offers and in what order; they are judged once, on the scenario as
written (see ``docs/robust.md``).  :func:`evaluate_exact` judges the same
worlds one by one with the verifier and the game check; the tests hold the
two to the same verdicts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solver.credibility import deciders
from solver.payoffs import chain_caps, supersede_chains
from solver.plan import Plan, Schedule
from solver.scenario import Scenario, ScenarioError
from solver.tolerances import DECISION_TOL, FEAS_TOL, IC_TOL

__all__ = [
    "DESIGN_FAMILIES",
    "WORLD_FAMILIES",
    "PlanInWorlds",
    "Worlds",
    "draw_worlds",
    "evaluate_batched",
    "evaluate_exact",
    "evaluate_plan",
    "supported",
]

WORLD_FAMILIES = ("participation", "cohesion", "reversibility")
"""Constraint families judged in every world: the target's participation
(relief held against ``reciprocity`` times its step cost), each member's
cohesion (its payoff against its reservation) and the irreversibility ratio,
all of which change with the uncertain values."""

DESIGN_FAMILIES = (
    "window",
    "mandatory",
    "precedence",
    "bundle",
    "consent",
    "capacity",
    "resource",
    "progress",
    "relief",
)
"""Constraint families judged once, on the scenario as written: they fix what
is offered and when, not how the world responds."""

_PARAMETER_FIELDS = (
    "discount",
    "annual_discount",
    "phase_years",
    "reciprocity",
    "irreversibility_ratio",
    "reversibility_threshold",
    "inspection_cost",
)
_ENTITY_FIELDS = {
    "measures": ("value", "reversibility"),
    "milestones": ("value", "cost", "detection", "reversibility"),
    "instruments": ("credibility", "coordination_cost"),
    "actors": ("value_share", "reservation", "snapback_gain", "snapback_cost", "exit_cost"),
}


@dataclass(frozen=True)
class Worlds:
    """Sampled worlds: one row of concrete parameter values per world.

    Attributes
    ----------
    paths : tuple of str
        Concrete paths (``measures.R08.value``), one per column.
    values : numpy.ndarray
        ``(n, len(paths))`` values in the paths' units.
    seed : int
        The seed they were drawn with (``-1`` when given by hand).
    """

    paths: tuple[str, ...]
    values: np.ndarray
    seed: int = -1

    @property
    def n(self) -> int:
        """Number of worlds."""
        return int(self.values.shape[0])

    def sample(self, i: int) -> dict[str, float]:
        """World ``i`` as a sample for :func:`solver.sensitivity.apply_sample`.

        Parameters
        ----------
        i : int
            World index.

        Returns
        -------
        dict
            Concrete path -> value.
        """
        return {p: float(x) for p, x in zip(self.paths, self.values[i], strict=True)}

    def column(self, path: str) -> np.ndarray | None:
        """The values of one concrete path in every world (``None`` when it does not vary)."""
        try:
            return self.values[:, self.paths.index(path)]
        except ValueError:
            return None


def draw_worlds(scenario: Scenario, spec: Any, n: int, seed: int) -> Worlds:
    """Draw ``n`` worlds from a spec: the Monte Carlo sweep's draws for ``seed``.

    Parameters
    ----------
    scenario : Scenario
        The base scenario (only to validate the draws).
    spec : solver.sensitivity.Spec
        The uncertain parameters.
    n : int
        Number of worlds (>= 1).
    seed : int
        Seed (>= 0); world ``i`` depends on ``(seed, i)`` only.

    Returns
    -------
    Worlds
        The draws, one column per concrete path.

    Raises
    ------
    ValueError
        For ``n < 1`` or a negative seed.
    ScenarioError
        When a draw leaves a field's range (as :func:`apply_sample` would).
    """
    from solver.sensitivity.design import mc_unit, to_values
    from solver.sensitivity.paths import bounds_text, in_bounds, parse_path

    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"worlds is {n!r}; it must be a whole number >= 1")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed is {seed!r}; it must be a non-negative integer")
    x = to_values(spec.params, mc_unit(len(spec.params), n, seed))
    paths: list[str] = []
    cols: list[np.ndarray] = []
    for j, p in enumerate(spec.params):
        bases = p.bases if p.relative else (1.0,) * len(p.targets)
        for t, base in zip(p.targets, bases, strict=True):
            col = x[:, j] * base if p.relative else x[:, j]
            if t in paths:  # a later parameter overrides an earlier one (as in Spec.resolve)
                cols[paths.index(t)] = col
            else:
                paths.append(t)
                cols.append(col)
    values = np.column_stack(cols) if cols else np.zeros((n, 0))
    problems = []
    for j, path in enumerate(paths):
        (addr,) = parse_path(path, scenario)
        col = values[:, j]
        lo, hi = addr.field.minimum, addr.field.maximum
        suspect = ~np.isfinite(col)
        if lo is not None:
            suspect |= col <= lo if addr.field.exclusive else col < lo
        if hi is not None:
            suspect |= col >= hi if addr.field.exclusive else col > hi
        bad = [float(v) for v in col[suspect] if not in_bounds(addr.field, float(v))]
        if bad:
            problems.append(
                f"sample: {path} is {bad[0]!r}; it must be {bounds_text(addr.field)} "
                f"({len(bad)} of {n} worlds)"
            )
    if problems:
        raise ScenarioError(problems)
    return Worlds(tuple(paths), values, seed)


def supported(worlds: Worlds, scenario: Scenario) -> list[str]:
    """The paths :func:`evaluate_batched` cannot vary (empty: it covers them all).

    Parameters
    ----------
    worlds : Worlds
        The worlds.
    scenario : Scenario
        The base scenario.

    Returns
    -------
    list of str
        Paths outside the batched engine's fields; :func:`evaluate_plan`
        judges such worlds one by one instead.
    """
    out = []
    for path in worlds.paths:
        parts = path.split(".")
        if parts[0] == "parameters" and len(parts) == 2:
            ok = parts[1] in _PARAMETER_FIELDS
            if parts[1] == "phase_years" and isinstance(scenario.parameters.phase_years, tuple):
                ok = False
        elif len(parts) == 3 and parts[0] in _ENTITY_FIELDS:
            ok = parts[2] in _ENTITY_FIELDS[parts[0]]
            if parts[0] == "instruments" and parts[2] == "credibility":
                ok = not isinstance(_by_id(scenario.instruments)[parts[1]].credibility, tuple)
            if parts[0] == "actors" and parts[2] == "reservation":
                ok = _by_id(scenario.actors)[parts[1]].reservation is not None
        else:
            ok = False
        if not ok:
            out.append(path)
    return out


def _by_id(items: Sequence[Any]) -> dict[str, Any]:
    return {x.id: x for x in items}


@dataclass(frozen=True)
class PlanInWorlds:
    """A fixed plan's verdicts in every world (world on the first axis).

    Attributes
    ----------
    worlds : Worlds
        The worlds judged.
    phases : int
        ``K``.
    design_violations : tuple of str
        The design rules the plan breaks on the scenario as written (then it
        works nowhere).
    family_fails : dict of str to numpy.ndarray
        Per world-dependent family, ``(n,)``: whether it is violated.
    target_margin : numpy.ndarray
        ``(n, K)``: the target's subgame-perfect margin (USD m).
    target_ok : numpy.ndarray
        ``(n, K)``: whether the target complies in each phase.
    members : tuple of str
        The judged coalition members.
    member_margin : numpy.ndarray
        ``(n, A, K)``: each member's margin against its best deviation (USD m).
    member_ok : numpy.ndarray
        ``(n, A, K)``: whether it stays and enforces.
    engine : str
        ``"batched"`` or ``"exact"``.
    """

    worlds: Worlds
    phases: int
    design_violations: tuple[str, ...]
    family_fails: dict[str, np.ndarray]
    target_margin: np.ndarray
    target_ok: np.ndarray
    members: tuple[str, ...]
    member_margin: np.ndarray
    member_ok: np.ndarray
    engine: str = "batched"

    @property
    def constraints_hold(self) -> np.ndarray:
        """``(n,)``: every constraint holds (design rules and the world's families)."""
        ok = np.full(self.worlds.n, not self.design_violations)
        for fails in self.family_fails.values():
            ok &= ~fails
        return ok

    @property
    def phase_ok(self) -> np.ndarray:
        """``(n, K)``: the target and every member keep to the plan in each phase."""
        return np.asarray(self.target_ok & self.member_ok.all(axis=1), dtype=bool)

    @property
    def incentive_compatible(self) -> np.ndarray:
        """``(n,)``: every phase is compatible for both sides."""
        return np.asarray(self.phase_ok.all(axis=1), dtype=bool)

    @property
    def works(self) -> np.ndarray:
        """``(n,)``: every constraint holds and every phase is compatible."""
        return np.asarray(self.constraints_hold & self.incentive_compatible, dtype=bool)

    def summary(self) -> dict[str, Any]:
        """JSON-safe shares and margin distributions (``relief sensitivity --plan --json``).

        Returns
        -------
        dict
            ``works``, ``constraints_hold``, ``incentive_compatible`` (shares
            of worlds in [0, 1]), ``phase_incentive_compatible`` (a share per
            phase), ``target_compatible`` per phase, ``failing`` (share of
            worlds breaking each constraint family), ``members`` (share of
            worlds each member stays in every phase), ``margins`` (per phase,
            the target's margin quantiles in USD m), ``worlds``, ``seed``,
            ``engine`` and ``design_violations``.
        """
        n = self.worlds.n
        q = (0.05, 0.25, 0.5, 0.75, 0.95)

        def share(a: Any) -> float:
            return float(np.count_nonzero(a)) / n

        margins = []
        for k in range(self.phases):
            col = self.target_margin[:, k]
            margins.append(
                {
                    "phase": k + 1,
                    "min": float(col.min()),
                    **{
                        f"p{int(x * 100):02d}": float(v)
                        for x, v in zip(q, np.quantile(col, q), strict=True)
                    },
                }
            )
        return {
            "worlds": n,
            "seed": self.worlds.seed,
            "engine": self.engine,
            "works": share(self.works),
            "constraints_hold": share(self.constraints_hold),
            "incentive_compatible": share(self.incentive_compatible),
            "phase_incentive_compatible": [share(self.phase_ok[:, k]) for k in range(self.phases)],
            "target_compatible": [share(self.target_ok[:, k]) for k in range(self.phases)],
            "failing": {f: share(v) for f, v in self.family_fails.items()},
            "design_violations": list(self.design_violations),
            "members": {
                a: share(self.member_ok[:, i].all(axis=1)) for i, a in enumerate(self.members)
            },
            "margins": margins,
        }

    def _repr_html_(self) -> str:
        """HTML for Jupyter: shares of worlds, per phase and per member (:mod:`solver.notebook`)."""
        from solver.notebook import worlds_html

        return worlds_html(self)

    def to_frame(self, parameters: bool = True) -> Any:
        """The verdicts as a pandas DataFrame, one row per world.

        Parameters
        ----------
        parameters : bool, optional
            Add the world's drawn values, one column per path (default);
            the columns and units are :func:`solver.notebook.worlds_frame`'s.

        Returns
        -------
        pandas.DataFrame
            The rows (needs the ``notebook`` extra).
        """
        from solver.notebook import worlds_frame

        return worlds_frame(self, parameters)


def _schedule(plan: Plan | Schedule) -> Schedule:
    sch = plan.schedule if isinstance(plan, Plan) else plan
    if sch is None:
        raise ValueError("the plan has no schedule; nothing to evaluate")
    return sch


def _design_violations(scenario: Scenario, sch: Schedule) -> tuple[str, ...]:
    from solver.verify import verify_plan

    found = verify_plan(scenario, sch, require_ic=False).violations
    return tuple(v for v in found if v.split(":", 1)[0] in DESIGN_FAMILIES)


def evaluate_plan(
    scenario: Scenario, plan: Plan | Schedule, worlds: Worlds, *, engine: str = "auto"
) -> PlanInWorlds:
    """Judge a fixed plan in every world (not re-optimised).

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    plan : Plan or Schedule
        The plan, held fixed.
    worlds : Worlds
        From :func:`draw_worlds`.
    engine : {"auto", "batched", "exact"}, optional
        ``auto`` (default) is ``batched`` unless a world varies a field the
        batched engine does not cover (:func:`supported`).

    Returns
    -------
    PlanInWorlds
        The verdicts.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path, solve
    >>> from solver.sensitivity import load_spec
    >>> from solver.shipped import MODELS_DIR
    >>> s = load_scenario(default_scenario_path())
    >>> w = draw_worlds(s, load_spec(MODELS_DIR / "dprk_2018_sensitivity.toml", s), 50, seed=3)
    >>> r = evaluate_plan(s, solve(s), w)
    >>> r.engine, r.works.shape, 0.0 <= r.summary()["works"] <= 1.0
    ('batched', (50,), True)
    """
    if engine not in ("auto", "batched", "exact"):
        raise ValueError(f"engine is {engine!r}; choose auto, batched or exact")
    if engine == "auto":
        engine = "exact" if supported(worlds, scenario) else "batched"
    if engine == "exact":
        return evaluate_exact(scenario, plan, worlds)
    return evaluate_batched(scenario, plan, worlds)


def evaluate_exact(scenario: Scenario, plan: Plan | Schedule, worlds: Worlds) -> PlanInWorlds:
    """Judge the plan world by world with the verifier and the game check.

    The reference for :func:`evaluate_batched` (and the engine for fields it
    does not cover); about 5 ms a world.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    plan : Plan or Schedule
        The plan, held fixed.
    worlds : Worlds
        The worlds.

    Returns
    -------
    PlanInWorlds
        The verdicts (``engine = "exact"``).
    """
    from solver.game.check import check
    from solver.sensitivity.paths import SampleApplier
    from solver.verify import verify_plan

    sch = _schedule(plan)
    make = SampleApplier(scenario)
    n, kk = worlds.n, scenario.phases
    fails = {f: np.zeros(n, dtype=bool) for f in WORLD_FAMILIES}
    t_margin, t_ok = np.zeros((n, kk)), np.zeros((n, kk), dtype=bool)
    members: tuple[str, ...] | None = None
    m_margin: list[np.ndarray] = []
    m_ok: list[np.ndarray] = []
    for i in range(n):
        variant = make(worlds.sample(i))
        for v in verify_plan(variant, sch, require_ic=False).violations:
            family = v.split(":", 1)[0]
            if family in fails:
                fails[family][i] = True
        rep = check(variant, sch, thresholds=False, fixes=False)
        t_margin[i] = [p.ic_margin for p in rep.phases]
        t_ok[i] = [p.incentive_compatible for p in rep.phases]
        names = tuple(v.actor for v in rep.coalition)
        members = names if members is None else members
        m_margin.append(np.array([v.margin for v in rep.coalition]).reshape(len(names), kk))
        m_ok.append(np.array([v.stays for v in rep.coalition], dtype=bool).reshape(len(names), kk))
    a = len(members or ())
    return PlanInWorlds(
        worlds=worlds,
        phases=kk,
        design_violations=_design_violations(scenario, sch),
        family_fails=fails,
        target_margin=t_margin,
        target_ok=t_ok,
        members=members or (),
        member_margin=np.array(m_margin).reshape(n, a, kk),
        member_ok=np.array(m_ok, dtype=bool).reshape(n, a, kk),
        engine="exact",
    )


# ---------------------------------------------------------------- the batched engine


@dataclass
class _Arrays:
    """Every number a world can change, with the world on the first axis."""

    v: np.ndarray  # (n, M) measure value
    r: np.ndarray  # (n, M) measure reversibility
    u: np.ndarray  # (n, D) milestone score
    c: np.ndarray  # (n, D) milestone cost
    b: np.ndarray  # (n, D) milestone reversibility
    p: np.ndarray  # (n, D) detection per year
    beta: np.ndarray  # (n,)
    years: np.ndarray  # (n, K)
    reciprocity: np.ndarray  # (n,)
    ratio: np.ndarray | None  # (n,) irreversibility ratio
    credibility: dict[str, np.ndarray] = field(default_factory=dict)  # id -> (n, K) nominal
    coordination: dict[str, np.ndarray] = field(default_factory=dict)  # id -> (n,)
    actor: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # field -> id -> (n,)


def _arrays(s: Scenario, worlds: Worlds) -> _Arrays:
    n, kk = worlds.n, s.phases
    col = worlds.column

    def entity(section: str, items: Sequence[Any], name: str) -> np.ndarray:
        out = np.empty((n, len(items)))
        for j, x in enumerate(items):
            got = col(f"{section}.{x.id}.{name}")
            out[:, j] = float(getattr(x, name)) if got is None else got
        return out

    def param(name: str, value: float | None) -> np.ndarray | None:
        got = col(f"parameters.{name}")
        if got is not None:
            return got
        return None if value is None else np.full(n, float(value))

    p = s.parameters
    years = np.tile(np.asarray(s.phase_lengths(), dtype=float), (n, 1))
    a1 = col("parameters.phase_years")
    if a1 is not None:
        years = np.tile(a1[:, None], (1, kk))
    annual = param("annual_discount", p.annual_discount)
    if annual is not None:
        beta = annual
    else:
        per_phase = param("discount", p.discount)
        assert per_phase is not None
        beta = per_phase ** (1.0 / years[:, 0])
    reciprocity = param("reciprocity", p.reciprocity)
    assert reciprocity is not None
    cred = {}
    coord = {}
    for inst in s.instruments:
        got = col(f"instruments.{inst.id}.credibility")
        if got is not None:
            cred[inst.id] = np.tile(got[:, None], (1, kk))
        else:
            nominal = inst.credibility
            per = [_at(nominal, k) for k in range(1, kk + 1)]
            cred[inst.id] = np.tile(np.asarray(per, dtype=float), (n, 1))
        cc = col(f"instruments.{inst.id}.coordination_cost")
        coord[inst.id] = np.full(n, float(inst.coordination_cost)) if cc is None else cc
    actor: dict[str, dict[str, np.ndarray]] = {}
    for name in _ENTITY_FIELDS["actors"]:
        actor[name] = {}
        for a in s.actors:
            got = col(f"actors.{a.id}.{name}")
            base = getattr(a, name)
            actor[name][a.id] = (
                got if got is not None else np.full(n, np.nan if base is None else float(base))
            )
    return _Arrays(
        v=entity("measures", s.measures, "value"),
        r=entity("measures", s.measures, "reversibility"),
        u=entity("milestones", s.milestones, "value"),
        c=entity("milestones", s.milestones, "cost"),
        b=entity("milestones", s.milestones, "reversibility"),
        p=entity("milestones", s.milestones, "detection"),
        beta=np.asarray(beta, dtype=float),
        years=years,
        reciprocity=reciprocity,
        ratio=param("irreversibility_ratio", p.irreversibility_ratio),
        credibility=cred,
        coordination=coord,
        actor=actor,
    )


def _at(q: float | tuple[float, ...], phase: int) -> float:
    return float(q[min(phase, len(q)) - 1]) if isinstance(q, tuple) else float(q)


def _credible(s: Scenario, x: _Arrays, without: str | None = None) -> dict[str, np.ndarray]:
    """Per instrument, ``(n,)``: whether its snapback is subgame perfect in each world.

    With ``without`` (an actor that has left the deal), only the instruments
    that actor decides and that are no commitment are returned, judged without
    it as :func:`solver.credibility.after_leaving` does: not credible under
    "all", the others' pivotal gain under "any" and "majority".
    """
    gain, cost = x.actor["snapback_gain"], x.actor["snapback_cost"]
    n = x.v.shape[0]
    out = {}
    for inst in s.instruments:
        if inst.credibility_override:
            if without is None:
                out[inst.id] = np.ones(n, dtype=bool)
            continue
        actors, rule = deciders(s, inst)
        if without is not None:
            if without not in {a.id for a in actors}:
                continue
            if rule == "all":
                out[inst.id] = np.zeros(n, dtype=bool)
                continue
            actors = tuple(a for a in actors if a.id != without)
        coord = x.coordination[inst.id]
        if not actors:
            pivotal = -coord
        else:
            g = np.column_stack([gain[a.id] - cost[a.id] - coord for a in actors])
            ranked = -np.sort(-g, axis=1)  # largest first, as credibility._pivot ranks
            if rule == "any":
                pivotal = ranked[:, 0]
            elif rule == "majority":
                pivotal = ranked[:, len(actors) // 2]
            else:
                pivotal = ranked[:, -1]
        out[inst.id] = pivotal >= -DECISION_TOL
    return out


@dataclass
class _Timeline:
    """Discount weights for every world: ``D (n, K+1, K+1)``, ``G (n, K)``, ``tail (n,)``."""

    years: np.ndarray
    beta: np.ndarray
    D: np.ndarray
    G: np.ndarray
    tail: np.ndarray

    @classmethod
    def of(cls, years: np.ndarray, beta: np.ndarray) -> _Timeline:
        n, kk = years.shape
        ends = np.concatenate([np.zeros((n, 1)), np.cumsum(years, axis=1)], axis=1)
        gap = ends[:, None, :] - ends[:, :, None]
        d = np.where(gap >= 0, beta[:, None, None] ** np.maximum(gap, 0.0), 0.0)
        last = beta ** years[:, -1]
        tail = last / (1.0 - last)
        g = np.zeros((n, kk))
        for k in range(1, kk + 1):
            g[:, k - 1] = (d[:, k, k + 1 :] * years[:, k:]).sum(axis=1) + d[:, k, kk] * years[
                :, -1
            ] * tail
        return cls(years, beta, d, g, tail)

    def comply(self, k: int, flow: np.ndarray, once: np.ndarray) -> np.ndarray:
        """``V^C`` at the end of phase ``k`` (1-based) of ``flow`` (n, K) and ``once`` (n, K)."""
        kk = self.years.shape[1]
        out = np.zeros(self.years.shape[0])
        for t in range(k + 1, kk + 1):
            out += self.D[:, k, t] * (self.years[:, t - 1] * flow[:, t - 1] + once[:, t - 1])
        out += self.D[:, k, kk] * self.years[:, -1] * self.tail * flow[:, kk - 1]
        return out


def _hazard(pi: np.ndarray, years: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.expm1(years * np.log1p(-np.minimum(pi, 1.0)))
    return np.where(pi >= 1.0, 1.0, h)


def _undetected(pi: np.ndarray, years: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = -np.log1p(-np.minimum(pi, 1.0))
        u = _hazard(pi, years) / (rate * years)
    return np.where(pi <= 0.0, 1.0, np.where(pi >= 1.0, 0.0, u))


def _covert(
    tl: _Timeline,
    k: int,
    pi: np.ndarray,
    agg: dict[str, np.ndarray],
    restored: np.ndarray,
) -> np.ndarray:
    """``V^cov`` at the end of phase ``k`` (1-based) for detection ``pi`` (n, J).

    The closed form of :func:`solver.timeline.covert_weights`, evaluated on the
    aggregates directly; ``restored`` (n, J) is ``rho`` of each class.
    """
    kk = tl.years.shape[1]
    a, d, g = tl.years, tl.D, tl.G
    value = np.zeros_like(pi)
    rho = np.zeros_like(pi)
    s = np.ones_like(pi)

    def add(t: int, weight: np.ndarray, h: np.ndarray, u: np.ndarray) -> None:
        nonlocal value, rho
        at = a[:, t - 1][:, None]
        punished = weight * ((1.0 - u) * at + h * g[:, t - 1][:, None])
        flows = weight * u * at
        net = (agg["R"][:, t - 1] - agg["C"][:, t - 1])[:, None]
        lost = (agg["B"][:, t - 1] - agg["Q"][:, t - 1])[:, None]
        value = value + (flows + punished) * net + punished * lost
        rho = rho + flows

    for t in range(k + 1, kk + 1):
        at = a[:, t - 1][:, None]
        h, u = _hazard(pi, at), _undetected(pi, at)
        w = d[:, k, t][:, None] * s
        add(t, w, h, u)
        value = value + w * u * agg["O"][:, t - 1][:, None]
        s = s * (1.0 - h)
    last = a[:, -1][:, None]
    h, u = _hazard(pi, last), _undetected(pi, last)
    dd = tl.beta[:, None] ** last
    add(kk, d[:, k, kk][:, None] * s * dd / (1.0 - dd * (1.0 - h)), h, u)
    return value + rho * restored


def _coalition(
    s: Scenario,
    x: _Arrays,
    tl: _Timeline,
    y: np.ndarray,
    z: np.ndarray,
    held: np.ndarray,
    share: np.ndarray,
    respond: Any,
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
    """Members' margins ``(n, A, K)``, stays ``(n, A, K)`` and enforces ``(n, A)``.

    ``respond(ended, leaver)`` gives, per world and node, whether the target
    stays compatible ``(n, K)`` once the measures ``ended`` are withdrawn
    (and, with ``leaver``, that member's enforcement and its part in the
    snapbacks are gone); the target's values at node ``j`` read phases ``j``
    on only, so the first failing node ``j >= k`` is its response to a
    withdrawal from phase ``k + 1`` on (:func:`solver.coalition.coalition_values`).
    """
    n, kk = x.v.shape[0], s.phases
    transfer = np.array([m.once for m in s.measures], dtype=bool)
    granted = np.diff(np.concatenate([np.zeros((len(s.measures), 1)), y], axis=1), axis=1)
    decide = {i.id: tuple(a.id for a in deciders(s, i)[0]) for i in s.instruments}
    names, margins, stays, enforces = [], [], [], []
    zeros = np.zeros((n, kk))

    def first(good: np.ndarray, k: int) -> np.ndarray:
        bad = ~good[:, k:]
        return np.where(bad.any(axis=1), k + np.argmax(bad, axis=1), -1)

    for a in s.actors:
        share_a = x.actor["value_share"][a.id]
        w = (
            np.column_stack(
                [
                    np.full(n, a.step_values[d.id])
                    if d.id in a.step_values
                    else share_a * x.u[:, j]
                    for j, d in enumerate(s.milestones)
                ]
            )
            if s.milestones
            else np.zeros((n, 0))
        )
        c = np.array([m.actor_costs.get(a.id, 0.0) for m in s.measures], dtype=float)
        e = np.array([m.enforcement_costs.get(a.id, 0.0) for m in s.measures], dtype=float)
        exit_cost = x.actor["exit_cost"][a.id]
        funding = np.where(transfer, 0.0, c)
        if not (np.any(exit_cost) or np.any(w) or np.any(c) or np.any(e)):
            continue
        steps = w @ z
        flow = steps - (funding @ held)[None, :] - (e @ (1.0 - y))[None, :]
        once = np.outer(x.beta / (1.0 - x.beta), np.where(transfer, c, 0.0) @ granted)
        stay = np.column_stack([tl.comply(k, flow, -once) for k in range(1, kk + 1)])
        kept = np.einsum("nd,ndk->nk", w, (1.0 - share) * z[None, :, :])
        funded = (funding > 0.0) | (transfer & (c > 0.0))
        # leaving: its relief ends, its enforcement and its part in the snapbacks go
        alone = np.array([decide.get(m.instrument) == (a.id,) for m in s.measures], dtype=bool)
        gone = respond(funded | alone, a.id)
        broke_free = _broken(tl, steps, kept)  # (n, k, j)
        to_enforce = np.tile((e @ (1.0 - y))[None, :], (n, 1))
        saved = np.column_stack([tl.comply(k, to_enforce, zeros) for k in range(1, kk + 1)])
        enforce_margin = np.where(saved > 0.0, exit_cost[:, None] - saved, np.inf)
        spent = np.tile((funding @ held)[None, :], (n, 1))
        bill = np.column_stack([tl.comply(k, spent, once) for k in range(1, kk + 1)])
        bound = exit_cost[:, None] - bill - saved  # the leave margin if the target complies
        leave_margin = np.empty((n, kk))
        for k in range(kk):
            walk = first(gone, k)
            left = broke_free[np.arange(n), k, np.maximum(walk, k)] - exit_cost
            leave_margin[:, k] = np.where(walk < 0, bound[:, k], stay[:, k] - left)
        renege = np.full((n, kk), np.inf)
        if funded.any():
            gain = steps - (e @ (1.0 - y))[None, :]
            broke = _broken(tl, gain, kept) - exit_cost[:, None, None]  # (n, k, j)
            good = respond(funded, None)
            for k in range(kk):
                open_ = bill[:, k] > 0.0
                if not open_.any():
                    continue
                walk = first(good, k)
                after = broke[np.arange(n), k, np.maximum(walk, k)]
                ren = np.where(walk < 0, exit_cost - bill[:, k], stay[:, k] - after)
                renege[:, k] = np.where(open_, ren, np.inf)
        margin = np.minimum(np.minimum(leave_margin, enforce_margin), renege)
        tol = IC_TOL * np.maximum(1.0, np.abs(stay))
        names.append(a.id)
        margins.append(margin)
        stays.append(stay - margin <= stay + tol)
        enforces.append(
            np.where(np.isfinite(enforce_margin), stay - enforce_margin <= stay + tol, True).all(
                axis=1
            )
        )
    if not names:
        return (), np.zeros((n, 0, kk)), np.zeros((n, 0, kk), dtype=bool), np.zeros((n, 0), bool)
    return (
        tuple(names),
        np.stack(margins, axis=1),
        np.stack(stays, axis=1),
        np.stack(enforces, axis=1),
    )


def _broken(tl: _Timeline, gain: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """``B[n, k, j]``: a member's value at the end of phase ``k`` if the deal breaks after ``j``.

    Step values less enforcement in phases ``k+1..j`` (paying nothing), the
    irreversible part from then on (0-based; ``-inf`` below the diagonal), as
    in :func:`solver.coalition.coalition_values`.
    """
    n, kk = gain.shape
    a, d = tl.years, tl.D[:, 1:, 1:]
    out = np.full((n, kk, kk), -np.inf)
    for k in range(kk):
        acc = np.zeros(n)
        for j in range(k, kk):
            if j > k:
                acc = acc + d[:, k, j] * a[:, j] * gain[:, j]
            out[:, k, j] = acc + d[:, k, j] * tl.G[:, j] * kept[:, j]
    return out


def evaluate_batched(scenario: Scenario, plan: Plan | Schedule, worlds: Worlds) -> PlanInWorlds:
    """Judge the plan in all worlds at once (numpy over the worlds).

    The same verdicts as :func:`evaluate_exact` (the tests compare them on
    random plans and worlds), for the fields :func:`supported` lists as
    covered.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    plan : Plan or Schedule
        The plan, held fixed.
    worlds : Worlds
        The worlds.

    Returns
    -------
    PlanInWorlds
        The verdicts (``engine = "batched"``).

    Raises
    ------
    ValueError
        When a world varies a field outside :func:`supported`.
    """
    missing = supported(worlds, scenario)
    if missing:
        raise ValueError(
            f"the batched engine cannot vary {', '.join(missing)}; use engine='exact' or 'auto'"
        )
    s = scenario
    sch = _schedule(plan)
    x = _arrays(s, worlds)
    n, kk = worlds.n, s.phases
    n_m, n_d = len(s.measures), len(s.milestones)
    y, z = sch.matrices(s)
    y = np.asarray(y, dtype=float).reshape(n_m, kk)
    z = np.asarray(z, dtype=float).reshape(n_d, kk)
    tl = _Timeline.of(x.years, x.beta)
    once = np.array([m.once for m in s.measures], dtype=bool)
    mid = {m.id: i for i, m in enumerate(s.measures)}
    did = {d.id: i for i, d in enumerate(s.milestones)}
    # plan-only structure: flows in force, the one-off grants, raised detection
    active = y * (~once)[:, None]
    for i, m in enumerate(s.measures):
        if m.ends_with is not None:
            event = y[mid[m.ends_with]] if m.ends_with in mid else z[did[m.ends_with]]
            active[i] = active[i] * (1.0 - event)
    granted = np.diff(np.concatenate([np.zeros((n_m, 1)), y], axis=1), axis=1)
    held = np.where(once[:, None], y, active)
    raised = np.zeros((n_d, kk))
    for i, d in enumerate(s.milestones):
        for other, level in d.raises_detection.items():
            raised[did[other]] = np.maximum(raised[did[other]], level * z[i])
    detection = np.maximum(x.p[:, :, None], raised[None, :, :])  # (n, D, K)
    cap = chain_caps(supersede_chains(s), x.b)  # (n, D, D)
    share = x.b[:, :, None] - np.einsum("nde,ek->ndk", cap, z)  # (n, D, K)
    cost = x.c @ z  # (n, K)
    restorable = np.einsum("nd,ndk->nk", x.c, share * z[None, :, :])

    credible = _credible(s, x)
    known = {i.id for i in s.instruments}
    q = np.ones((n, n_m, kk))
    for i, m in enumerate(s.measures):
        if m.snapback in known:
            q[:, i, :] = x.credibility[m.snapback] * credible[m.snapback][:, None]
    stall = [bool(n_d and (z[:, -1] - z[:, j]).max() > 0.5) for j in range(kk)]

    def target(
        v: np.ndarray, act: np.ndarray, grants: np.ndarray, nodes: range, q: np.ndarray = q
    ) -> tuple[np.ndarray, np.ndarray]:
        """The target's margins and verdicts ``(n, K)`` at ``nodes`` (0-based) for values ``v``."""
        agg = {
            "R": v @ act if act.ndim == 2 else np.einsum("nm,nmk->nk", v, act),
            "C": cost,
            "O": (v * once) @ grants
            if grants.ndim == 2
            else np.einsum("nm,nmk->nk", v * once, grants),
            "Q": np.einsum("nm,nmk,...mk->nk", v * x.r, q, act),
            "B": restorable,
        }
        margin = np.zeros((n, kk))
        good = np.ones((n, kk), dtype=bool)
        for j in nodes:
            k = j + 1
            vc = tl.comply(k, agg["R"] - agg["C"], agg["O"])
            best = np.full(n, -np.inf)
            if stall[j]:  # a later step remains: a stall
                best = np.maximum(best, tl.G[:, j] * (agg["R"][:, j] - agg["C"][:, j]))
            done = np.flatnonzero(z[:, j] > 0.5)
            if done.size:
                lost = agg["B"][:, j] - agg["Q"][:, j]
                best = np.maximum(best, tl.G[:, j] * (agg["R"][:, j] - agg["C"][:, j] + lost))
                det = detection[:, done, j]  # (n, J)
                order = np.argsort(det, axis=1, kind="stable")
                pis = np.take_along_axis(det, order, axis=1)
                weight = x.c[:, done] * share[:, done, j]
                restored = np.cumsum(np.take_along_axis(weight, order, axis=1), axis=1)
                valid = np.ones_like(pis, dtype=bool)
                valid[:, :-1] = pis[:, :-1] < pis[:, 1:]  # a class takes every step at its level
                cov = _covert(tl, k, pis, agg, restored)
                best = np.maximum(best, np.where(valid, cov, -np.inf).max(axis=1))
            vd = np.where(np.isfinite(best), best, vc)  # nothing done, nothing to refuse
            ok = vd <= vc + IC_TOL * np.maximum(1.0, np.abs(vc))
            raw = vc - vd
            margin[:, j] = np.where(ok, np.maximum(raw, 0.0), raw)
            good[:, j] = ok
        return margin, good

    seen: dict[tuple[bytes, str | None], np.ndarray] = {}

    def respond(ended: np.ndarray, leaver: str | None) -> np.ndarray:
        """``(n, K)``: the target compatible at each node, ``ended`` withdrawn throughout."""
        v, qq = x.v, q
        if leaver is not None:
            sigma = np.array([m.enforced_by.get(leaver, 0.0) for m in s.measures], dtype=float)
            if sigma.any():
                v = x.v * np.maximum(0.0, 1.0 - sigma)[None, :]
            after = _credible(s, x, without=leaver)
            for i, m in enumerate(s.measures):
                if m.snapback in after:
                    if qq is q:
                        qq = q.copy()
                    qq[:, i, :] = x.credibility[m.snapback] * after[m.snapback][:, None]
            if v is x.v and qq is q:
                leaver = None  # nothing but the ended relief changes
        key = (ended.tobytes(), leaver)
        if key not in seen:
            keep = np.where(ended, 0.0, 1.0)[:, None]
            seen[key] = target(v, active * keep, granted * keep, range(kk), qq)[1]
        return seen[key]

    # the members first: one that would not enforce takes its pressure with it
    members, m_margin, m_ok, enforces = _coalition(s, x, tl, y, z, held, share, respond)
    lost = np.zeros((n, n_m))
    for j, a in enumerate(members):
        sigma = np.array([m.enforced_by.get(a, 0.0) for m in s.measures], dtype=float)
        lost += np.where(enforces[:, j][:, None], 0.0, sigma[None, :])
    v_eff = np.where(lost > 0.0, x.v * np.maximum(0.0, 1.0 - lost), x.v)
    t_margin, t_ok = target(v_eff, active, granted, range(kk))

    fails = _world_families(s, x, y, z, held, share, cost)
    return PlanInWorlds(
        worlds=worlds,
        phases=kk,
        design_violations=_design_violations(s, sch),
        family_fails=fails,
        target_margin=t_margin,
        target_ok=t_ok,
        members=members,
        member_margin=m_margin,
        member_ok=m_ok,
        engine="batched",
    )


def _leq(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    return lhs <= rhs + FEAS_TOL * np.maximum(1.0, np.abs(rhs))


def _world_families(
    s: Scenario,
    x: _Arrays,
    y: np.ndarray,
    z: np.ndarray,
    held: np.ndarray,
    share: np.ndarray,
    cost: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per world, whether each of :data:`WORLD_FAMILIES` is violated in some phase."""
    n = x.v.shape[0]
    once = np.array([m.once for m in s.measures], dtype=bool)
    beta = x.beta[:, None]
    eq = np.where(once[None, :], x.v * (1.0 - beta) / beta, x.v)  # (n, M) USD m/yr
    # unconditional relief is not given for steps: participation and the balance skip it
    eq = eq * np.array([0.0 if m.unconditional else 1.0 for m in s.measures])
    need = x.reciprocity[:, None] * cost
    participation = ~_leq(need, eq @ held).all(axis=1)
    if x.ratio is not None:
        irr_relief = (eq * (1.0 - x.r)) @ y
        irr_steps = np.einsum("nd,ndk->nk", x.c, (1.0 - share) * z[None, :, :])
        reversibility = ~_leq(irr_relief, x.ratio[:, None] * irr_steps).all(axis=1)
    else:
        reversibility = np.zeros(n, dtype=bool)
    cohesion = np.zeros(n, dtype=bool)
    for a in s.actors:
        if a.reservation is None:
            continue
        costs = np.array([m.actor_costs.get(a.id, 0.0) for m in s.measures], dtype=float)
        pay = x.actor["value_share"][a.id][:, None] * (x.u @ z) - (costs @ y)[None, :]
        cohesion |= ~_leq(x.actor["reservation"][a.id][:, None], pay).all(axis=1)
    return {
        "participation": np.asarray(participation, dtype=bool),
        "cohesion": cohesion,
        "reversibility": np.asarray(reversibility, dtype=bool),
    }


def shares_ci(hits: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a share ``hits / n``.

    Parameters
    ----------
    hits : int
        Successes.
    n : int
        Trials (>= 1).
    level : float, optional
        Confidence level (default 0.95).

    Returns
    -------
    tuple of float
        ``(low, high)`` in [0, 1].

    Examples
    --------
    >>> lo, hi = shares_ci(90, 100)
    >>> round(lo, 3), round(hi, 3)
    (0.826, 0.945)
    """
    from scipy.stats import norm

    if n < 1:
        raise ValueError(f"n is {n!r}; it must be >= 1")
    zq = float(norm.ppf(0.5 + level / 2.0))
    p = hits / n
    denom = 1.0 + zq**2 / n
    centre = (p + zq**2 / (2 * n)) / denom
    half = zq * math.sqrt(p * (1 - p) / n + zq**2 / (4 * n * n)) / denom
    lo = 0.0 if hits == 0 else max(0.0, min(p, centre - half))
    hi = 1.0 if hits == n else min(1.0, max(p, centre + half))
    return lo, hi
