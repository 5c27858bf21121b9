"""Known answers for the faithful-incentives model (issue 11), each derived by hand below.

Notation (docs/formulation.md, "Payoffs and leverage"): phase lengths a_t,
annual discount beta, D[k,t] = beta^(T_t - T_k), G_k = value of 1 a year
forever from the end of phase k, h = 1 - (1 - p)^a the chance a reversal with
detection p a year is caught within a phase of a years, and
u = h / (-ln(1 - p) a) the expected share of that phase it spends undetected
(detection is a Poisson process of rate -ln(1 - p) a year).
"""

from __future__ import annotations

import math

import pytest

from solver import Schedule, check, solve, verify_plan
from solver.payoffs import coefficients, phase_values
from solver.scenario import scenario_from_dict

US = [{"id": "us", "snapback_gain": 10.0}]
EXEC = {"id": "exec", "kind": "executive", "veto_players": ["us"], "credibility": 1.0}


def _doc(measures, milestones, phases=2, **params):
    return {
        "name": "case",
        "phases": phases,
        "parameters": {"reciprocity": 0.0, **params},
        "actors": US,
        "instruments": [EXEC],
        "measures": measures,
        "milestones": milestones,
    }


def _flow(mid, value, r=1.0, **kw):
    return {"id": mid, "value": value, "reversibility": r, "instrument": "exec", **kw}


def _step(did, cost, b, p, **kw):
    return {"id": did, "value": 1, "cost": cost, "reversibility": b, "detection": p, **kw}


def _values(doc, measures, milestones):
    s = scenario_from_dict(doc)
    sched = Schedule(measures=measures, milestones=milestones)
    y, z = sched.matrices(s)
    return s, sched, phase_values(coefficients(s), y, z)


# --- the covert closed form, with phases of unequal length ---------------------------
#
# Phases of 1 and 2 years, beta = 0.8 a year: T = (0, 1, 3), D[1,2] = 0.8^2 = 0.64,
# tail factor tau = 0.64 / 0.36.  One step (cost 10, fully restorable, detected 0.5
# a year) and one flow (20 a year, fully clawed back, credibility 1), both in phase 1.
#   G_1 = G_2 = 2 * 0.64 / 0.36 = 3.5556;  V^C_1 = V^C_2 = 10 G = 35.556.
#   Covert after phase 1: rho = 10, caught within phase 2 with h_2 = 1 - 0.5^2 = 0.75,
#   undetected for the share u_2 = 0.75 / (2 ln 2) = 0.541 of it; caught, the
#   punished flow is P = R - Q - C + B = 20 - 20 - 10 + 10 = 0 a year:
#     V = 0.64 u_2 2 (20 - 10 + 10)                                   = 13.85
#       + 0.64 * 0.25 * 0.64 u_2 (2 * 20) / (1 - 0.64 * 0.25)         = 2.64
#   (u_2 times 30.476, the value if detection came only at phase ends).
#   Overt after phase 1 (seen at once): G_1 (20 - 20 - 10 + 10) = 0.
#   So L_1 = 35.556 - 16.488 = 19.07 (covert binds).
UNEQUAL = _doc(
    [_flow("R", 20)],
    [_step("D", 10, 1.0, 0.5)],
    annual_discount=0.8,
    phase_years=[1.0, 2.0],
)


def test_covert_closed_form_with_unequal_phases():
    _, _, pv = _values(UNEQUAL, {"R": 1}, {"D": 1})
    g = 2 * 0.64 / 0.36
    u = 0.75 / (2 * math.log(2))
    covert = u * (0.64 * 2 * 20 + 0.64 * 0.25 * 0.64 * 40 / (1 - 0.64 * 0.25))
    assert covert == pytest.approx(16.488, abs=1e-3)
    assert pv.comply_value[0] == pytest.approx(10 * g)
    assert pv.covert_value[0] == pytest.approx(covert)
    assert pv.overt_value[0] == pytest.approx(0.0)
    assert pv.leverage[0] == pytest.approx(10 * g - covert)
    assert pv.deviation[0] == "covert"


def test_the_same_deal_with_equal_phases_is_a_different_number():
    # With two one-year phases (discount 0.8 a phase = a year): G = 0.8 / 0.2 = 4,
    # V^C_1 = 40, and phase 2 is the tail: covert = 0.8 X / (1 - 0.8 * 0.5) with
    # X = u (20 - 10 + 10) + ((1 - u) + 0.5 G) P, P = 0, u = 0.5 / ln 2 = 0.7213:
    # 19.235, margin 20.77.  A second phase of two years gives the secret reversal
    # longer before it is caught: margin 19.07.
    doc = {**UNEQUAL, "parameters": {"reciprocity": 0.0, "discount": 0.8}}
    _, _, pv = _values(doc, {"R": 1}, {"D": 1})
    assert pv.comply_value[0] == pytest.approx(40.0)
    u = 0.5 / math.log(2)
    assert pv.covert_value[0] == pytest.approx(0.8 * 20 * u / (1 - 0.8 * 0.5))
    assert pv.leverage[0] == pytest.approx(40 - 0.8 * 20 * u / 0.6)


# --- covert cheating outside a monitored freeze (the 1994 pattern) -------------------
#
# One-year phases, beta = 0.9 (G = 9).  Phase 1: a freeze F (cost 20, restorable
# 0.85, detected 0.9 a year: inspectors on site) and the commitment E not to enrich
# elsewhere (cost 60: the programme forgone, fully restorable, detected only 0.1 a
# year); fuel oil 60 a year (credible, fully clawed back).  Phase 2: a reactor flow
# of 100 a year (half clawed back).  In phase 2 the state is the tail's, so the
# covert value after either phase is  V = 0.9 X / (1 - 0.9 (1 - h))  with
# X = u (R_2 - C_2 + rho) + (1 - u + 9 h) P and P = R_2 - Q_2 - C_2 + B_2 a year
# (caught: clawback, everything restored, for the rest of the year and after),
# u = h / (-ln(1 - h)) for one-year phases.  R_2 = 160, Q_2 = 60 + 50 = 110, C = 80,
# B = 17 + 60 = 77.
# * E reversed alone (rho = 60, h = 0.1, u = 0.1 / 0.10536 = 0.9491): P = 47,
#   X = 0.9491 * 140 + (0.0509 + 0.9) * 47 = 177.57, V = 0.9 * 177.57 / 0.19 = 841.1,
#   against V^C = 0.9 * 80 + 0.9 * 9 * 80 = 720: margin -121.1 in both phases -- the
#   covert programme breaks the deal.
# * A verification step V (cost 1, restores nothing) done in phase 1 that guarantees
#   E a detection of 0.9 a year: every class is now at 0.9 (rho = 17 + 60 = 77,
#   C = 81, u = 0.9 / ln 10 = 0.3909), P = 160 - 110 - 81 + 77 = 46,
#   X = 0.3909 * 156 + (0.6091 + 8.1) * 46 = 461.6, V = 0.9 * 461.6 / 0.91 = 456.5
#   < V^C = 0.9 * 79 * 10 = 711: compatible again (an open reversal is worth
#   9 * 46 = 414 and a stall is closed).
def _af(detection_raise=None, verify_phase=1):
    steps = [_step("F", 20, 0.85, 0.9), _step("E", 60, 1.0, 0.1)]
    if detection_raise is not None:
        steps.append(_step("V", 1, 0.0, 0.9, raises_detection={"E": detection_raise}))
    doc = _doc([_flow("HFO", 60), _flow("LWR", 100, r=0.5)], steps, discount=0.9)
    milestones = {"F": 1, "E": 1}
    if detection_raise is not None:
        milestones["V"] = verify_phase
    return doc, {"HFO": 1, "LWR": 2}, milestones


def _share(h):
    """Undetected share of a one-year phase with detection ``h`` a year."""
    return h / -math.log(1 - h)


def _covert_tail(h, gain, punished):
    """Covert value after a phase whose successor is the tail (one-year phases, beta 0.9)."""
    u = _share(h)
    x = u * gain + (1 - u + 9 * h) * punished
    return 0.9 * x / (1 - 0.9 * (1 - h))


def test_covert_enrichment_outside_the_freeze_breaks_incentive_compatibility():
    s, sched, pv = _values(*_af())
    r = check(s, sched)
    v = _covert_tail(0.1, 160 - 80 + 60, 160 - 110 - 80 + 77)
    assert v == pytest.approx(841.1, abs=0.1)
    assert pv.comply_value.tolist() == pytest.approx([720.0, 720.0])
    assert pv.covert_value.tolist() == pytest.approx([v] * 2)
    assert not r.incentive_compatible
    for ph in r.phases:
        assert ph.deviation == "covert" and ph.reverses == ("E",)
        assert ph.detection == pytest.approx(0.1)
        assert ph.ic_margin == pytest.approx(720.0 - v)


def test_a_verification_step_that_raises_detection_restores_it():
    s, sched, pv = _values(*_af(detection_raise=0.9))
    r = check(s, sched)
    v = _covert_tail(0.9, 160 - 81 + 77, 160 - 110 - 81 + 77)
    assert v == pytest.approx(456.5, abs=0.1)
    assert pv.covert_value.tolist() == pytest.approx([v] * 2)
    assert pv.overt_value.tolist() == pytest.approx([9 * (60 - 60 - 81 + 77), 9 * 46])
    assert r.incentive_compatible, r.render()
    assert [p.ic_margin for p in r.phases] == pytest.approx([711 - v] * 2)


def test_verification_later_leaves_the_earlier_phase_exposed():
    s, sched, _ = _values(*_af(detection_raise=0.9, verify_phase=2))
    r = check(s, sched)
    assert not r.phases[0].incentive_compatible
    assert r.phases[0].reverses == ("E",)
    assert r.phases[1].incentive_compatible


# --- steps that add up: dismantlement caps what the freeze restores ------------------
#
# Freeze F (cost 20, restorable 0.85) in phase 1; dismantlement X (cost 40,
# restorable 0.1, requires F) in phase 2.  Without `supersedes` the freeze stays
# 85 % restorable after the dismantlement: B_2 = 0.85 * 20 + 0.1 * 40 = 21.  With
# X superseding F it restores at most X's share: B_2 = 0.1 * 20 + 0.1 * 40 = 6, and
# the open reversal of everything after phase 2 (one-year phases, beta 0.9, G = 9)
# is worth 9 * (21 - 6) = 135 less.
def _chain(supersede):
    x = _step("X", 40, 0.1, 0.9, requires=["F"])
    if supersede:
        x["supersedes"] = ["F"]
    return _doc([_flow("R", 100)], [_step("F", 20, 0.85, 0.9), x], phases=3, discount=0.9)


def test_dismantlement_caps_what_the_freeze_restores():
    plan = ({"R": 1}, {"F": 1, "X": 2})
    _, _, free = _values(_chain(False), *plan)
    _, _, capped = _values(_chain(True), *plan)
    assert free.aggregates.restorable.tolist() == pytest.approx([17.0, 21.0, 21.0])
    assert capped.aggregates.restorable.tolist() == pytest.approx([17.0, 6.0, 6.0])
    assert free.overt_value[1] - capped.overt_value[1] == pytest.approx(9 * 15)
    assert capped.leverage[1] >= free.leverage[1]


def test_the_mip_sees_the_cap_too():
    s = scenario_from_dict(_chain(True))
    sched = Schedule(measures={"R": 1}, milestones={"F": 1, "X": 2})
    y, z = sched.matrices(s)
    from solver.backends import run_backend
    from solver.formulation.common import BuildOptions
    from solver.formulation.step import build
    from solver.solve import fix_schedule

    built = build(s, BuildOptions(objective="maxmin"))  # every L_k weighted: at its bound
    sol = run_backend(fix_schedule(built, sched), "highs")
    pv = phase_values(coefficients(s), y, z)
    assert sol.x[built.vars.leverage] == pytest.approx(pv.leverage, rel=1e-7, abs=1e-6)


# --- a one-off transfer is not an annual flow ----------------------------------------
#
# One-year phases, beta = 0.9; a step (cost 10, irreversible, detected for sure) in
# phase 1.  Fuel oil either as a one-off transfer of 25 paid in phase 2, or as the
# flow with the same present value from phase 2, 25 (1 - 0.9) / 0.9 = 2.78 a year.
# * Before it is paid (end of phase 1) the transfer is worth D[1,2] * 25 = 22.5 to a
#   complier and nothing to a staller or an open reverser.
# * Once paid it is sunk: after phase 2 neither V^C nor any deviation contains it, so
#   it buys no leverage there; the flow, clawed back (r = 1, q = 1) if the target
#   reverses, still does: an open reversal after phase 2 loses G q r e = 9 * 2.78 = 25.
def _fuel(kind):
    hfo = (
        _flow("HFO", 25.0, r=0.0, kind="transfer")
        if kind == "transfer"
        else _flow("HFO", 25.0 * 0.1 / 0.9)
    )
    return _doc([_flow("R", 20), hfo], [_step("D", 10, 0.0, 1.0)], phases=3, discount=0.9)


def test_one_off_transfer_versus_the_equivalent_flow():
    plan = ({"R": 1, "HFO": 2}, {"D": 1})
    _, _, once = _values(_fuel("transfer"), *plan)
    _, _, flow = _values(_fuel("flow"), *plan)
    base = 0.9 * 10 + 0.9**2 * 10 + 0.9**2 * 9 * 10  # V^C_1 of the step and R alone
    assert once.comply_value[0] == pytest.approx(base + 0.9 * 25.0)
    assert once.aggregates.transfers.tolist() == pytest.approx([0.0, 25.0, 0.0])
    assert once.aggregates.relief.tolist() == pytest.approx([20.0, 20.0, 20.0])
    # after phase 2: the transfer is sunk, the flow is still at stake
    assert once.comply_value[1] == pytest.approx(9 * 10)
    e = 25.0 * 0.1 / 0.9
    assert flow.comply_value[1] == pytest.approx(9 * (10 + e))
    assert flow.overt_value[1] == pytest.approx(9 * (20 + e - (20 + e) - 10))
    assert once.overt_value[1] == pytest.approx(9 * (20 - 20 - 10))
    # in the rows that compare per-year amounts the transfer counts at its annual
    # equivalent and as irreversible relief
    co = coefficients(scenario_from_dict(_fuel("transfer")))
    assert co.annual_equivalent()[1] == pytest.approx(e)


def test_fuel_until_the_reactor_stops_when_the_reactor_comes():
    doc = _doc(
        [_flow("HFO", 50, ends_with="LWR"), _flow("LWR", 200, r=0.5)],
        [_step("D", 10, 0.5, 0.5)],
        phases=3,
        discount=0.9,
    )
    _, _, pv = _values(doc, {"HFO": 1, "LWR": 3}, {"D": 1})
    assert pv.aggregates.relief.tolist() == pytest.approx([50.0, 50.0, 200.0])


# --- stall: refuse the next, expensive step ---------------------------------------------
#
# One-year phases, beta = 0.9 (G = 9).  Step A (cost 10, irreversible, detected for
# sure) and relief R1 (40, credible, fully clawed back) in phase 1; the expensive step
# B (cost 50, irreversible) and a small R2 (10) in phase 2.  F = (30, -10):
#   V^C_1 = 0.9 (-10) + 0.9 * 9 (-10) = -90, while stalling keeps 9 (40 - 10) = 270:
#   the margin is -360 and the stall is the best deviation (an open reversal restores
#   nothing and loses R1: 9 (40 - 40 - 10) = -90; a covert one restores nothing either).
#   With reciprocity 1 this plan is infeasible anyway (relief 50 < cost 60 in phase 2).
STALL = _doc(
    [_flow("R1", 40), _flow("R2", 10)],
    [_step("A", 10, 0.0, 1.0), _step("B", 50, 0.0, 1.0, requires=["A"])],
    discount=0.9,
)


def test_stall_before_an_expensive_last_step():
    s, sched, pv = _values(STALL, {"R1": 1, "R2": 2}, {"A": 1, "B": 2})
    assert pv.comply_value[0] == pytest.approx(-90.0)
    assert pv.stall_value[0] == pytest.approx(270.0)
    assert pv.overt_value[0] == pytest.approx(-90.0)
    assert pv.deviation[0] == "stall"
    assert pv.leverage[0] == pytest.approx(-360.0)
    r = check(s, sched)
    assert r.phases[0].deviation == "stall" and not r.phases[0].incentive_compatible
    # after the last step there is nothing left to refuse: no stall in phase 2
    assert pv.deviation[1] != "stall"


def test_the_optimiser_avoids_the_stall_trap():
    # With R2 large enough to pay for B (participation on, both steps mandatory),
    # the MIP's plan verifies and its phase-1 leverage is what payoffs.py says.
    doc = {**STALL, "parameters": {"reciprocity": 1.0, "discount": 0.9}}
    doc["measures"] = [_flow("R1", 40), _flow("R2", 40)]
    doc["milestones"] = [dict(d, mandatory_by=2) for d in doc["milestones"]]
    s = scenario_from_dict(doc)
    plan = solve(s)
    assert plan.schedule is not None and verify_plan(s, plan).ok
    assert plan.phases()[0]["leverage"] == pytest.approx(
        float(plan.schedule.values(s).leverage[0]), abs=1e-6
    )


def test_no_finite_promise_is_suggested_when_the_deviation_collects_it_too():
    # Detection 0 a year: a secret reversal is never caught, so it collects every
    # later payment exactly as compliance does; promising more cannot help.
    doc = _doc(
        [_flow("R1", 10), _flow("R2", 5)],
        [_step("A", 30, 1.0, 0.0), _step("B", 1, 1.0, 0.0, requires=["A"])],
        phases=3,
        discount=0.9,
    )
    s, sched, _ = _values(doc, {"R1": 1, "R2": 2}, {"A": 1, "B": 2})
    r = check(s, sched)
    first = r.phases[0]
    assert not first.incentive_compatible and first.deviation == "covert"
    assert not any("promise >=" in f for f in first.fixes)
    assert any("no promise of more relief later closes the gap" in f for f in first.fixes)
