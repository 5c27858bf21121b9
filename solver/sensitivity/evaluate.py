"""The one function through which every sensitivity sample is solved.

:func:`evaluate_batch` builds each variant with :func:`apply_sample` and
solves it with a :class:`solver.resolver.Resolver`, which keeps the model
structure (and, for ``highspy``, the HiGHS instance) and changes only the
numbers; one resolver per scenario, backend and objective lives as long as
the worker process, so later batches reuse it too.  Then the incentive check.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from solver.pipeline import judge
from solver.plan import Plan
from solver.resolver import Resolver
from solver.scenario import Scenario
from solver.sensitivity.paths import SampleApplier
from solver.tolerances import margin_holds


@dataclass(frozen=True)
class SampleResult:
    """What one solved sample contributes to a sweep.

    Attributes
    ----------
    status : str
        The plan's status value (``optimal``, ``infeasible``, ...).
    objective : float
        Objective value (NaN without a solution).
    min_leverage : float
        ``min_k L_k`` (NaN without a solution).
    leverage : tuple of float
        ``L_k`` per phase (empty without a solution).
    ic_margins : tuple of float
        Incentive-compatibility margin per phase, from the game check
        (:func:`solver.pipeline.judge`); non-negative exactly where the phase
        is compatible (:func:`solver.tolerances.margin_holds`).
    incentive_compatible : bool
        Whether every phase is incentive-compatible (``False`` without a plan).
    schedule : Mapping[str, int | None]
        Phase per measure and milestone id (``None``: never); empty without a plan.
    ic_source : str
        Where the margins came from: ``"game"`` (stores written by earlier
        versions may hold ``"leverage"``).
    """

    status: str
    objective: float = math.nan
    min_leverage: float = math.nan
    leverage: tuple[float, ...] = ()
    ic_margins: tuple[float, ...] = ()
    incentive_compatible: bool = False
    schedule: Mapping[str, int | None] = field(default_factory=dict)
    ic_source: str = "leverage"

    @property
    def feasible(self) -> bool:
        """Whether the sample has a plan."""
        return bool(self.schedule)

    @property
    def phase_ic(self) -> tuple[bool, ...]:
        """Per phase: whether it is incentive-compatible (its margin holds)."""
        return tuple(margin_holds(m) for m in self.ic_margins)

    @property
    def min_ic_margin(self) -> float:
        """Smallest incentive-compatibility margin (NaN without a plan)."""
        return min(self.ic_margins) if self.ic_margins else math.nan

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (NaN as ``None``) that :meth:`from_dict` inverts."""
        # field by field (dataclasses.asdict deep-copies: a tenth of a sweep's Python time)
        return {
            "status": self.status,
            "objective": None if math.isnan(self.objective) else self.objective,
            "min_leverage": None if math.isnan(self.min_leverage) else self.min_leverage,
            "leverage": list(self.leverage),
            "ic_margins": list(self.ic_margins),
            "incentive_compatible": self.incentive_compatible,
            "schedule": dict(self.schedule),
            "ic_source": self.ic_source,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SampleResult:
        """Rebuild a result from :meth:`to_dict` output.

        Parameters
        ----------
        d : Mapping
            The stored dict.

        Returns
        -------
        SampleResult
            An equal result.
        """
        return cls(
            status=d["status"],
            objective=math.nan if d["objective"] is None else float(d["objective"]),
            min_leverage=math.nan if d["min_leverage"] is None else float(d["min_leverage"]),
            leverage=tuple(float(x) for x in d["leverage"]),
            ic_margins=tuple(float(x) for x in d["ic_margins"]),
            incentive_compatible=bool(d["incentive_compatible"]),
            schedule=dict(d["schedule"]),
            ic_source=d.get("ic_source", "leverage"),
        )


def result_of(scenario: Scenario, plan: Plan) -> SampleResult:
    """Summarise a solved plan as a :class:`SampleResult`.

    Parameters
    ----------
    scenario : Scenario
        The (varied) scenario the plan solves.
    plan : Plan
        The plan returned by :func:`solver.solve`.

    Returns
    -------
    SampleResult
        Objective, leverage, IC margins and schedule (or just the status).
    """
    if plan.schedule is None or not plan.status.has_solution:
        return SampleResult(status=plan.status.value)
    lev = tuple(float(x) for x in plan.schedule.values(scenario).leverage)
    report = judge(scenario, plan, thresholds=False, fixes=False)
    margins = tuple(float(ph.ic_margin) for ph in report.phases)
    sch = plan.schedule
    return SampleResult(
        status=plan.status.value,
        objective=float(plan.objective) if plan.objective is not None else math.nan,
        min_leverage=min(lev),
        leverage=lev,
        ic_margins=margins,
        incentive_compatible=bool(report.incentive_compatible),
        schedule={**dict(sch.measures), **dict(sch.milestones)},
        ic_source="game",
    )


def evaluate_batch(
    scenario: Scenario,
    samples: Sequence[Mapping[str, float]],
    *,
    backend: str = "highspy",
    objective: str | None = None,
) -> list[SampleResult]:
    """Solve and check every sample of a batch.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    samples : sequence of Mapping[str, float]
        Each maps concrete parameter paths (``measures.R08.value``) to values.
    backend : str, optional
        MIP backend (default ``"highspy"``, which keeps one HiGHS instance
        per model structure; see :class:`solver.resolver.Resolver`).
    objective : str, optional
        Objective name (default: the scenario's).

    Returns
    -------
    list of SampleResult
        One result per sample, in order.  Infeasible samples are results too.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> s = load_scenario(default_scenario_path())
    >>> [r.status for r in evaluate_batch(s, [{}, {"discount": 0.85}])]
    ['optimal', 'optimal']
    """
    resolver, make = _resolver(scenario, backend, objective)
    out = []
    for sample in samples:
        variant = make(sample)
        out.append(result_of(variant, resolver.solve(variant)))
    return out


_RESOLVERS: dict[tuple[str, str, str | None], tuple[Resolver, SampleApplier]] = {}


def _resolver(
    scenario: Scenario, backend: str, objective: str | None
) -> tuple[Resolver, SampleApplier]:
    """This process's resolver and variant maker for the base scenario (kept across batches)."""
    key = (scenario.digest(), backend, objective)
    if key not in _RESOLVERS:
        if len(_RESOLVERS) >= 4:
            _RESOLVERS.clear()
        _RESOLVERS[key] = (
            Resolver(scenario, backend=backend, objective=objective),
            SampleApplier(scenario),
        )
    return _RESOLVERS[key]
