"""Property tests of check() over random scenarios and schedules (hypothesis).

* The game's margins are exactly payoffs.py's leverage evaluated with the
  game's effective credibilities (the contract of the MIP cut loop), and equal
  the nominal leverage when every snapback is credible.
* Each phase's verdict is ``margin >= 0``; the plan's is their conjunction.
* The backward-induction profile of every stage game is among its Nash
  equilibria and tagged subgame perfect.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.game import check, stage_equilibria
from solver.payoffs import coefficients, phase_values
from solver.plan import Schedule
from solver.scenario import Actor, Instrument, Measure, Milestone, Parameters, Scenario
from solver.schema import INSTRUMENT_KINDS

prob = st.floats(0, 1).map(lambda x: round(x, 3))
money = st.floats(0, 100).map(lambda x: round(x, 2))


@st.composite
def cases(draw):
    k = draw(st.integers(1, 4))
    actors = tuple(
        Actor(
            f"a{i}",
            permanent_member=draw(st.booleans()),
            snapback_gain=draw(money),
            snapback_cost=draw(money),
        )
        for i in range(draw(st.integers(1, 4)))
    )
    ids = [a.id for a in actors]
    insts = tuple(
        Instrument(
            f"i{j}",
            draw(st.sampled_from(INSTRUMENT_KINDS)),
            veto_players=tuple(draw(st.lists(st.sampled_from(ids), unique=True))),
            credibility=draw(prob),
            credibility_override=draw(st.booleans()),
            coordination_cost=draw(money),
        )
        for j in range(draw(st.integers(1, 3)))
    )
    measures = tuple(
        Measure(f"m{j}", draw(money), draw(prob), draw(st.sampled_from([i.id for i in insts])))
        for j in range(draw(st.integers(1, 5)))
    )
    milestones = tuple(
        Milestone(
            f"d{j}",
            value=draw(money),
            cost=draw(money),
            reversibility=draw(prob),
            detection=draw(prob),
        )
        for j in range(draw(st.integers(1, 4)))
    )
    phase = st.one_of(st.none(), st.integers(1, k))
    s = Scenario(
        name="random",
        phases=k,
        measures=measures,
        milestones=milestones,
        actors=actors,
        instruments=insts,
        parameters=Parameters(discount=draw(st.floats(0.05, 0.98))),
    )
    sched = Schedule(
        measures={m.id: draw(phase) for m in measures},
        milestones={d.id: draw(phase) for d in milestones},
    )
    return s, sched


@settings(max_examples=60, deadline=None)
@given(cases())
def test_margins_are_leverage_under_effective_credibility(case):
    s, sched = case
    r = check(s, sched)
    y, z = sched.matrices(s)
    lev = phase_values(coefficients(s, credibility=r.effective_credibility), y, z).leverage
    got = np.array([p.ic_margin for p in r.phases])
    scale = np.maximum(1.0, np.abs([p.comply_value for p in r.phases]))
    assert np.all(np.abs(got - lev) <= 1e-6 * scale)
    for p in r.phases:
        assert p.incentive_compatible == (p.ic_margin >= 0)
    assert r.incentive_compatible == all(p.incentive_compatible for p in r.phases)
    for i in s.instruments:
        assert r.effective_credibility[i.id] in (0.0, i.credibility)
    if all(c.credible for c in r.credibility.values()):
        assert np.allclose(got, sched.values(s).leverage, rtol=1e-9, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(cases())
def test_backward_induction_profile_is_a_tagged_nash_equilibrium(case):
    s, sched = case
    r = check(s, sched)
    for g in r.games:
        choice = g.coalition_choice()
        for inst in g.instruments:
            eqs = stage_equilibria(g, inst)
            assert eqs  # every finite game has one
            row = (1.0, 0.0) if g.comply_value >= g.deviate_value() else (0.0, 1.0)
            col = (1.0, 0.0) if choice[inst] else (0.0, 1.0)
            spe = [e for e in eqs if e.subgame_perfect]
            assert spe, "backward induction always yields a subgame-perfect equilibrium"
            if abs(g.comply_value - g.deviate_value()) > 1e-6 * max(1.0, abs(g.comply_value)):
                assert any(tuple(e.row) == row and tuple(e.col) == col for e in spe)
