"""Numeric row families: vectorised :class:`~solver.model.RowBlock` makers over the state columns.

Each maker ``make(scenario, co, y, z, *, names) -> RowBlock`` returns rows
whose coefficients are scenario numbers (values, costs, reversibility,
reciprocity...) on a column pattern that does not depend on them, so a
:class:`~solver.formulation.template.StepTemplate` calls the same maker to
refill a built model.
"""

from __future__ import annotations

import numpy as np

from solver.formulation.rows.base import RowCollector, phase_change
from solver.model import INF, RowBlock
from solver.payoffs import Coefficients
from solver.scenario import Scenario


def in_exchange(s: Scenario) -> np.ndarray:
    """Per measure, 1 when it is relief given for steps, 0 when it is ``unconditional``.

    The participation, relief-pace and irreversibility-balance rows weigh the
    relief the target gets *for* its steps against those steps; relief given
    whatever it does pays for none of them, so these rows count it at 0
    (``docs/formulation.md``, "Unconditional relief").  The zero keeps the
    row's pattern, so the rows of a template keep their shape.

    Parameters
    ----------
    s : Scenario
        The scenario.

    Returns
    -------
    numpy.ndarray
        ``(n_m,)`` of 0.0 and 1.0, in file order.
    """
    return np.array([0.0 if m.unconditional else 1.0 for m in s.measures], dtype=float)


def cohesion_block(
    s: Scenario, co: Coefficients | None, y: np.ndarray, z: np.ndarray, *, names: bool
) -> RowBlock:
    """Coalition cohesion: ``sum_d share_a u_d z[d,k] - sum_m cost_am y[m,k] >= reservation_a``.

    One row per actor with a ``reservation`` and phase.

    Parameters
    ----------
    s : Scenario
        The scenario (actors' ``value_share``, ``reservation``, measures' ``actor_costs``).
    co : Coefficients or None
        Unused (the rows read the scenario directly).
    y, z : numpy.ndarray
        Column indices of ``y[m, k]`` and ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    names : bool
        Whether to name the rows.

    Returns
    -------
    RowBlock
        Group ``"cohesion"``.
    """
    rows = RowCollector(names)
    u = np.array([d.value for d in s.milestones], dtype=float)
    for a in s.actors:
        if a.reservation is None:
            continue
        who = [i for i, m in enumerate(s.measures) if a.id in m.actor_costs]
        cost = np.array([s.measures[i].actor_costs[a.id] for i in who], dtype=float)
        for k in range(s.phases):
            rows.add(
                np.concatenate([z[:, k], y[who, k]]),
                np.concatenate([a.value_share * u, -cost]),
                a.reservation,
                INF,
                f"cohesion: {a.id}'s payoff in phase {k + 1} >= its reservation {a.reservation:g}"
                if names
                else "",
            )
    return rows.block("cohesion")


def progress_block(
    s: Scenario, co: Coefficients, y: np.ndarray, z: np.ndarray, *, names: bool
) -> RowBlock:
    """Per-phase progress and relief pace (``min_progress``, ``max_progress``, ``min_relief``).

    ``min_k <= sum_d u_d (z[d,k] - z[d,k-1]) <= max_k`` and
    ``sum_m e_m (y[m,k] - y[m,k-1]) >= min_relief_k``, where set, with ``e_m``
    the measure's annual equivalent (:meth:`~solver.payoffs.Coefficients.annual_equivalent`);
    an unconditional measure counts 0 in the relief pace (:func:`in_exchange`).

    Parameters
    ----------
    s : Scenario
        The scenario.
    co : Coefficients
        Scenario coefficients.
    y, z : numpy.ndarray
        Column indices of ``y[m, k]`` and ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    names : bool
        Whether to name the rows.

    Returns
    -------
    RowBlock
        Group ``"progress"``.
    """
    p = s.parameters
    rows = RowCollector(names)
    for k in range(1, s.phases + 1):
        lo = p.min_progress[k - 1] if p.min_progress else 0.0
        hi = p.max_progress[k - 1] if p.max_progress else INF
        if lo > 0 or hi < INF:
            rows.add(
                *phase_change(z, co.u, k),
                lo,
                hi,
                f"progress in phase {k}: coalition value of new steps in [{lo:g}, {hi:g}]"
                if names
                else "",
            )
        if p.min_relief and p.min_relief[k - 1] > 0:
            floor = p.min_relief[k - 1]
            rows.add(
                *phase_change(y, co.annual_equivalent() * in_exchange(s), k),
                floor,
                INF,
                f"relief in phase {k}: new relief >= {floor:g} USD m/yr" if names else "",
            )
    return rows.block("progress")


def participation_block(
    s: Scenario, co: Coefficients, y: np.ndarray, z: np.ndarray, *, names: bool
) -> RowBlock:
    """Participation: ``sum_m e_m h[m,k] >= alpha sum_d c_d z[d,k]`` for every phase.

    ``h[m,k]`` says the target holds measure ``m`` in phase ``k`` (a flow in
    force, a transfer received) and ``e_m`` is its annual equivalent (USD m/yr);
    an unconditional measure pays for no step and counts 0 (:func:`in_exchange`).

    Parameters
    ----------
    s : Scenario
        The scenario (``reciprocity`` is ``alpha``).
    co : Coefficients
        Scenario coefficients.
    y, z : numpy.ndarray
        Column indices of the held columns ``h[m, k]`` and of ``z[d, k]``.
    names : bool
        Whether to name the rows.

    Returns
    -------
    RowBlock
        Group ``"participation"``.
    """
    alpha = s.parameters.reciprocity
    kk = s.phases
    vals = np.concatenate([co.annual_equivalent() * in_exchange(s), -alpha * co.c])
    return RowBlock(
        "participation",
        [np.concatenate([y[:, k], z[:, k]]) for k in range(kk)],
        [vals] * kk,
        [0.0] * kk,
        [INF] * kk,
        [f"participation in phase {k + 1}: relief >= {alpha:g} x cost of steps" for k in range(kk)]
        if names
        else None,
    )


def reversibility_block(
    s: Scenario, co: Coefficients, y: np.ndarray, z: np.ndarray, *, names: bool
) -> RowBlock:
    """Irreversibility balance ``sum_m e_m (1-r_m) y <= rho sum_d c_d (1-b_dk) z`` per phase.

    ``e_m`` is the annual equivalent (a transfer cannot be clawed back:
    ``r = 0``; an unconditional measure counts 0, :func:`in_exchange`) and
    ``b_dk`` the restorable share in phase ``k``, capped by the
    done steps that supersede ``d``: ``c_d (1 - b_dk) z_d = c_d (1 - b_d) z_d +
    sum_e c_d cap[d,e] z_e`` (``z_e <= z_d`` by precedence).

    Parameters
    ----------
    s : Scenario
        The scenario (``irreversibility_ratio`` is ``rho``; no rows without it).
    co : Coefficients
        Scenario coefficients.
    y, z : numpy.ndarray
        Column indices of ``y[m, k]`` and ``z[d, k]`` (phase ``k`` in column ``k - 1``).
    names : bool
        Whether to name the rows.

    Returns
    -------
    RowBlock
        Group ``"reversibility"``.
    """
    rho = s.parameters.irreversibility_ratio
    if rho is None:  # the template's structure signature records this
        return RowBlock("reversibility", [], [], [], [], [] if names else None)
    kk = s.phases
    steps = co.c * (1 - co.b) + co.c @ co.cap
    vals = np.concatenate([co.annual_equivalent() * (1 - co.r) * in_exchange(s), -rho * steps])
    return RowBlock(
        "reversibility",
        [np.concatenate([y[:, k], z[:, k]]) for k in range(kk)],
        [vals] * kk,
        [-INF] * kk,
        [0.0] * kk,
        [
            f"irreversibility balance in phase {k + 1}: irreversible relief <= "
            f"{rho:g} x irreversible step cost"
            for k in range(kk)
        ]
        if names
        else None,
    )
