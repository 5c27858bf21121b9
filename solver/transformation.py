"""The plan's second goal: relief that reaches markets rather than the state (issue 17).

The founding proposal asks that relief "also be designed to encourage North
Korean marketization and its eventual integration into the global economy"
(``docs/sources.md``, ``policy: transformation``).  The scenario says, per item,
which share of its money reaches markets and households rather than the state
(``measures.transformation`` ``t_m`` of the value, ``milestones.transformation``
``t_d`` of the step's cost; negative when the item props up the state's
distribution system), and the plan's **transformation value** is the present
value of that money over the plan, in USD m, discounted like every payoff of
the model (``docs/formulation.md``, "Transformation")::

    X_t = sum_m t_m e_m h[m,t] + sum_d t_d c_d z[d,t]            (USD m/yr)
    T   = sum_t beta^(T_t) a_t X_t + beta^(T_K) a_K tau X_K       (USD m)

with ``e_m`` the annual equivalent (a transfer: ``v (1 - beta) / beta``, from
the phase it is paid), ``h`` the target holds the measure (a flow in force, a
transfer received), ``a_t`` the phase lengths, ``T_t`` their ends and ``tau``
the tail after the last phase (:class:`solver.timeline.Timeline`).  The MIP's
objective term (:mod:`solver.formulation.rows.objective`) and this module use
the same weights, so a plan's reported value is recomputed from its schedule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from solver.payoffs import Coefficients, aggregates, coefficients
from solver.scenario_types import Scenario
from solver.timeline import Timeline

if TYPE_CHECKING:  # the objective module imports this one; plans need not be loaded for it
    from solver.plan import Schedule

__all__ = ["phase_weights", "rates", "transformation_flow", "transformation_value"]


def phase_weights(tl: Timeline) -> np.ndarray:
    """Value at the start of the deal of 1 USD m/yr during each phase (years).

    Parameters
    ----------
    tl : Timeline
        Phase lengths and the annual discount factor.

    Returns
    -------
    numpy.ndarray
        ``w_t = beta^(T_t) a_t`` for ``t < K`` and ``beta^(T_K) a_K (1 + tau)``
        for the last phase, whose state repeats forever (flows count at the
        end of their phase, as in :attr:`Timeline.comply`).

    Examples
    --------
    One phase of one year at ``beta = 0.5``: ``0.5 * 1 * (1 + 1) = 1``.

    >>> phase_weights(Timeline((1.0,), 0.5)).tolist()
    [1.0]
    """
    a = np.asarray(tl.years, dtype=float)
    w = tl.discount[0, 1:] * a
    w[-1] += tl.discount[0, -1] * a[-1] * tl.tail
    return w


def rates(scenario: Scenario, co: Coefficients | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each item's transformation value while held or done (USD m/yr).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    co : Coefficients, optional
        Its coefficients (computed when omitted).

    Returns
    -------
    tuple of numpy.ndarray
        Per measure ``t_m e_m`` and per milestone ``t_d c_d``, in file order.
    """
    co = coefficients(scenario) if co is None else co
    tm = np.array([m.transformation for m in scenario.measures], dtype=float)
    td = np.array([d.transformation for d in scenario.milestones], dtype=float)
    return tm * co.annual_equivalent(), td * co.c


def transformation_flow(scenario: Scenario, schedule: Schedule) -> np.ndarray:
    """The plan's transformation flow ``X_t`` in every phase (USD m/yr).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    schedule : Schedule
        The phasing.

    Returns
    -------
    numpy.ndarray
        ``X_1..X_K``: relief the target holds and reform steps in place,
        each at its share reaching markets and households.
    """
    co = coefficients(scenario)
    y, z = schedule.matrices(scenario)
    held = aggregates(co, y, z).active + y * co.once[:, None]
    per_measure, per_step = rates(scenario, co)
    return np.asarray(per_measure @ held + per_step @ z, dtype=float).reshape(scenario.phases)


def transformation_value(scenario: Scenario, schedule: Schedule) -> float:
    """The plan's transformation value ``T`` (USD m, at the start of the deal).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    schedule : Schedule
        The phasing.

    Returns
    -------
    float
        ``sum_t w_t X_t`` with :func:`phase_weights` and :func:`transformation_flow`.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> from solver.plan import Schedule
    >>> s = load_scenario(default_scenario_path())
    >>> transformation_value(s, Schedule({}, {}))
    0.0
    """
    tl = Timeline(scenario.phase_lengths(), scenario.annual_discount())
    return float(phase_weights(tl) @ transformation_flow(scenario, schedule))
