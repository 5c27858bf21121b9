"""A two-phase toy scenario whose incentive check can be worked by hand.

One step (cost 8/yr, fully restorable, detected 0.9 a year) in phase 1; relief
of 10/yr in phase 1 and 5/yr more in phase 2, both through a new UNSC
resolution with nominal credibility 0.9; phases of one year and ``beta = 0.9``,
so ``G_k = 9``.  Then ``V^C_1 = V^C_2 = 9 * 7 = 63`` and, with ``q`` the
effective credibility,

* overt: ``V^O_1 = 9 (10 - 0.9 q 10) = 90 - 81 q``, ``V^O_2 = 135 - 121.5 q``;
* covert (keep collecting until caught, detection 0.9 a year): ``V^cov = 18.72``
  at ``q = 0.9`` and ``135`` at ``q = 0`` in both phases (the derivation is in
  ``tests/known_answer/test_game_backward_induction.py``).

The snapback needs both permanent members: the US nets 5 - 1 = 4; China nets
1 - 0 = 1 when ``credible`` and 1 - 5 = -4 otherwise, which vetoes it.
"""

from __future__ import annotations

from solver.plan import Schedule
from solver.scenario import Actor, Instrument, Measure, Milestone, Parameters, Scenario


def toy_scenario(
    *, credible: bool = True, kind: str = "unsc_resolution", override: bool = False
) -> tuple[Scenario, Schedule]:
    """Return the toy scenario and its schedule.

    Parameters
    ----------
    credible : bool, optional
        Whether China's snapback payoff is positive.
    kind : str, optional
        Instrument kind (``"reverse_veto"`` lets the US alone snap back).
    override : bool, optional
        Set ``credibility_override`` on the instrument.

    Returns
    -------
    (Scenario, Schedule)
        The scenario and the schedule granting M1 in phase 1, M2 in phase 2.

    Examples
    --------
    >>> s, sched = toy_scenario()
    >>> s.phases, sched.measures["M2"]
    (2, 2)
    """
    actors = (
        Actor("us", permanent_member=True, snapback_gain=5.0, snapback_cost=1.0),
        Actor(
            "cn", permanent_member=True, snapback_gain=1.0, snapback_cost=0.0 if credible else 5.0
        ),
    )
    inst = Instrument(
        "unsc", kind, veto_players=("us", "cn"), credibility=0.9, credibility_override=override
    )
    scenario = Scenario(
        name="toy",
        phases=2,
        measures=(Measure("M1", 10.0, 1.0, "unsc"), Measure("M2", 5.0, 1.0, "unsc")),
        milestones=(Milestone("D1", value=3.0, cost=8.0, reversibility=1.0, detection=0.9),),
        actors=actors,
        instruments=(inst,),
        parameters=Parameters(discount=0.9),
    )
    sched = Schedule(measures={"M1": 1, "M2": 2}, milestones={"D1": 1})
    return scenario, sched
