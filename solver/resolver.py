"""Re-solve many numeric variants of one scenario without rebuilding its model.

:class:`Resolver` is the engine behind sensitivity sweeps.  It keeps one
:class:`~solver.formulation.template.StepTemplate` per model structure (a
sweep over the default model meets two or three) and, for the ``highspy``
backend, one :class:`~solver.backends.highspy_direct.HighsSession` per
template.  Each variant costs a refill of the numeric row blocks and one MIP
solve; the plan is extracted and verified exactly as :func:`solver.solve`
does, and ``require_ic`` runs the same subgame-perfect check loop.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable

from solver import leximin, pipeline
from solver.backends import Solution
from solver.backends.highspy_direct import HighsSession
from solver.explain import chain_conflicts
from solver.formulation.common import BuildOptions
from solver.formulation.template import StepTemplate, structure_key
from solver.model import LinearModel
from solver.plan import Plan
from solver.presolve import implied_equalities, implied_fixings, redundant_rows
from solver.scenario import Scenario

__all__ = ["Resolver"]

_MAX_TEMPLATES = 16

SESSION_PRESOLVE = True
"""HiGHS presolve in the sweep's sessions.  On the default model's sweep it
makes each leximin level about 2.5 times faster (8.1 against 3.2 ms per MIP,
the same 211 level models solved both ways); over 400 Monte Carlo samples the
statuses, leximin levels and schedules were identical with and without it.
:func:`~solver.backends.highspy_direct.solve_highspy` keeps it off for the
one-off solves (a wrong "optimal" on a time-indexed RCPSP model, see there);
``tests/unit/test_resolver.py`` re-checks the sweep's answers against it off."""


class _Entry:
    """A template, its solver session and its (structural) chain conflicts."""

    def __init__(
        self,
        scenario: Scenario,
        options: BuildOptions,
        backend: str,
        time_limit: float | None,
        levels: bool,
    ) -> None:
        self.template = StepTemplate(scenario, options)
        built = self.template.built
        m = built.model
        if levels and built.vars.leverage is not None:
            # Leximin changes only the objective and the level bounds between its
            # solves, so one session on the model with the level columns serves
            # every level of every sample (the columns are added deterministically).
            m = m.copy()
            leximin.add_levels(m, built.vars.leverage)
        self.session = None
        if backend == "highspy":
            fixed = implied_fixings(m)
            equal = implied_equalities(m, fixed)
            self.session = HighsSession(
                m,
                fixed=fixed,
                drop_rows=redundant_rows(m, fixed) | equal.rows,
                merge=equal.representative,
                time_limit=time_limit,
                presolve=SESSION_PRESOLVE,
            )
        self.chains = tuple(chain_conflicts(scenario))

    def level_solve(self, model: LinearModel, limit: float | None, start: object) -> Solution:
        """One level of a leximin sequence, in this entry's session.

        Parameters
        ----------
        model : LinearModel
            The refilled model with the level columns.
        limit : float or None
            Seconds left (the session keeps its own time limit).
        start : object
            Unused (a start did not help HiGHS here).

        Returns
        -------
        Solution
            The session's result.
        """
        assert self.session is not None
        return self.session.solve(model)


class Resolver:
    """Solve numeric variants of one scenario, reusing model structure and solver.

    Parameters
    ----------
    scenario : Scenario
        The base scenario; variants differ from it only in number fields
        (as :func:`solver.sensitivity.apply_sample` makes them).
    backend : str, optional
        MIP backend.  ``"highspy"`` (the default) keeps one HiGHS instance per
        structure and passes it only new numbers; the others receive the
        refilled model like any other.
    objective : str, optional
        Objective name; default the scenario's.
    require_ic : bool, optional
        Default the scenario's ``parameters.require_ic``; when set, each
        variant goes through the same game-check loop as :func:`solver.solve`.
    time_limit : float, optional
        Seconds per MIP solve.

    Attributes
    ----------
    builds : int
        Templates built so far (model structures met).
    refills : int
        Models refilled (one per MIP solve).

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path, solve
    >>> from solver.sensitivity import apply_sample
    >>> s = load_scenario(default_scenario_path())
    >>> r = Resolver(s)
    >>> v = apply_sample(s, {"measures.R08.value": 900.0})
    >>> abs(r.solve(v).objective - solve(v).objective) < 1e-6
    True
    >>> r.builds, r.refills
    (1, 1)
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        backend: str = "highspy",
        objective: str | None = None,
        require_ic: bool | None = None,
        time_limit: float | None = None,
    ) -> None:
        request = pipeline.check_args(
            scenario,
            backend=backend,
            objective=objective,
            require_ic=require_ic,
            time_limit=time_limit,
            explain=False,
        )
        self.request = request
        self.backend = request.backend
        self.time_limit = request.time_limit
        self.require_ic = request.require_ic
        self.options = BuildOptions(
            objective=request.objective,
            require_ic=request.require_ic,
        )
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self.builds = 0
        self.refills = 0

    def _entry(self, scenario: Scenario) -> tuple[_Entry, Hashable]:
        key = structure_key(scenario, self.options)
        entry = self._entries.get(key)
        if entry is None:
            entry = _Entry(
                scenario,
                self.options,
                self.backend,
                self.time_limit,
                pipeline.lexicographic(self.request.objective),
            )
            self.builds += 1
            self._entries[key] = entry
            if len(self._entries) > _MAX_TEMPLATES:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        return entry, key

    def solve(self, scenario: Scenario) -> Plan:
        """Find the best phasing of a variant (what :func:`solver.solve` would return).

        Parameters
        ----------
        scenario : Scenario
            A numeric variant of the base scenario.

        Returns
        -------
        Plan
            Always a result; infeasibility is reported without the elastic
            explanation (sweeps only need the status).
        """
        entry, key = self._entry(scenario)

        def round_(cred: dict[str, float]) -> Plan:
            t1 = time.perf_counter()
            model = entry.template.refill(scenario, cred, key=key)
            self.refills += 1
            built = entry.template.built_for(scenario, model, cred)
            t_build = time.perf_counter() - t1
            if pipeline.lexicographic(self.request.objective):
                # leximin: every level, as solve() does, in the entry's session
                solve = entry.level_solve if entry.session is not None else None
                return pipeline.leximin_round(built, self.request, t_build, solve=solve)
            if entry.session is not None:
                sol = entry.session.solve(model)
            else:
                sol = pipeline.run(model, self.request)
            return pipeline.read_out(built, sol, self.request, t_build)

        return pipeline.drive(scenario, self.request, round_, chains=entry.chains, thresholds=False)
