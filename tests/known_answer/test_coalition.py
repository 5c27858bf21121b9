"""Known answers for the coalition's side (issue 12), each derived by hand below.

Notation (solver/coalition.py, docs/game.md): one-year phases and beta = 0.9,
so G = 9 and a flow pi_t counts 0.9^(t-k) at the end of phase k, the last
phase's once more as the tail (times 9).  A member's flow is
pi_t = w . z_t - c . h_t - e . (1 - y_t); staying is worth
V^stay_k = sum_{t>k} W[k,t] pi_t; leaving ends the relief the member funds (and
that of instruments it alone decides), its enforcement and its part in the
snapbacks, and the target answers: if it keeps complying, leaving is worth
sum_{t>k} W[k,t] w.z_t - X (the member free-rides), if it defects at once, G_k w.(1 -
s) z_k - X (it restores what it can).  Not enforcing is worth X less than the
enforcement costs still to come (margin X - sum_{t>k} W[k,t] e.(1 - y_t)).
"""

from __future__ import annotations

import pytest

from solver import Schedule, check, solve, verify_plan
from solver.scenario import scenario_from_dict

EXEC = {"id": "exec", "kind": "executive", "veto_players": ["us"], "credibility": 1.0}


def _step(did, cost, **kw):
    return {"id": did, "value": 1, "cost": cost, "reversibility": 1.0, "detection": 1.0, **kw}


def _flow(mid, value, **kw):
    return {"id": mid, "value": value, "reversibility": 1.0, "instrument": "exec", **kw}


# --- a donor whose funding cost rises leaves in phase 2 ------------------------------
#
# Three phases.  Steps A (phase 1, cost 10) and B (phase 2, cost 20), both fully
# restorable and seen at once.  Relief F1 (20 a year, phase 1; the donor pays 5) and
# F3 (60 a year, phase 3; the donor pays 100).  The donor values each step at 30 a
# year and leaving costs it X = 400.  Its flows: pi = (30 - 5, 60 - 5, 60 - 105)
# = (25, 55, -45).
#   V^stay_1 = 0.9 * 55 + 0.81 * (-45) * (1 + 9) = 49.5 - 364.5 = -315
#   V^stay_2 = 0.9 * (-45) * 10 = -405,   V^stay_3 = 9 * (-45) = -405
#   V^leave_k = 9 * 0 - 400 = -400 (everything is restorable: nothing is kept)
# Margins (85, -5, -5): the donor stays through phase 1 and defects after phase 2;
# a side payment of 5 / 9 = 0.556 a year from then on would hold it.  (Leaving ends
# F1 and F3, so the target, left with no relief, reverses at once: V^leave is the
# same -400, and stopping paying is worth as much; the tie goes to the narrower
# deviation, stopping paying.)  With F3
# costing it 90 instead: pi_3 = -35, V^stay = (-234, -315, -315), margins
# (166, 85, 85): it stays.
# The target (credibility 1, every step restorable and seen at once):
# C = (10, 30, 30), R = (20, 20, 80), F = (10, -10, 50);
#   L_1 = V^C_1 - stall = (-9 + 0.81 * 50 * 10) - 9 * 10 = 396 - 90 = 306
#   (open and secret reversals are worth 0: everything is clawed back),
#   L_2 = L_3 = 9 * 50 = 450: it complies in every phase.
def _donor(cost):
    return {
        "name": "donor",
        "phases": 3,
        "parameters": {"discount": 0.9, "reciprocity": 0.0},
        "actors": [
            {"id": "us", "snapback_gain": 10.0},
            {"id": "donor", "step_values": {"A": 30.0, "B": 30.0}, "exit_cost": 400.0},
        ],
        "instruments": [EXEC],
        "measures": [
            _flow("F1", 20, actor_costs={"donor": 5.0}),
            _flow("F3", 60, actor_costs={"donor": cost}),
        ],
        "milestones": [_step("A", 10), _step("B", 20, requires=["A"])],
    }


PLAN = Schedule(measures={"F1": 1, "F3": 3}, milestones={"A": 1, "B": 2})


def test_a_donor_whose_funding_cost_rises_defects_after_phase_2():
    r = check(scenario_from_dict(_donor(100.0)), PLAN)
    assert [p.ic_margin for p in r.phases] == pytest.approx([306.0, 450.0, 450.0])
    assert r.target_compatible and not r.incentive_compatible
    (donor,) = [v for v in r.coalition if v.actor == "donor"]
    assert donor.flow.tolist() == pytest.approx([25.0, 55.0, -45.0])
    assert donor.stay.tolist() == pytest.approx([-315.0, -405.0, -405.0])
    assert donor.leave.tolist() == pytest.approx([-400.0] * 3)
    assert donor.margin.tolist() == pytest.approx([85.0, -5.0, -5.0])
    assert donor.stays == (True, False, False)
    assert donor.leave_defects == (1, 2, 3) and donor.renege_defects == (1, 2, 3)
    assert r.first_leaver == (2, "donor", "stop_paying")
    doc = r.to_dict()
    rec = [c for c in doc["coalition"] if c["actor"] == "donor"]
    assert [c["stays"] for c in rec] == [True, False, False]
    assert rec[1]["side_payment"] == pytest.approx(5 / 9)
    assert doc["incentive_compatible"] is False and doc["target_compatible"] is True
    assert "First to defect: donor would stop paying for the relief it funds after phase 2" in (
        r.render()
    )


def test_the_timing_fix_drops_the_first_phase_funding():
    # Never granting F1 (the donor's 5 a year): pi = (30, 60, -40), V^stay = (54 - 324,
    # -360, -360) against -400: margins (130, 40, 40), it stays.  The target then has
    # R = (0, 0, 60), F = (-10, -30, 30): L_1 = 0.9 (-30) + 8.1 * 30 - 0 = 216 (the
    # stall is worth 9 (0 - 10) < 0), L_2 = L_3 = 270: still compatible.  Never
    # granting F3 keeps the donor too, but the target fails (no relief for B).
    r = check(scenario_from_dict(_donor(100.0)), PLAN)
    first, second = r.coalition_fixes
    assert (first["measure"], first["from"], first["to"]) == ("F1", 1, None)
    assert first["member_margin"] == pytest.approx(40.0)
    assert first["target_compatible"] and first["target_weakest"] == pytest.approx(216.0)
    assert second["measure"] == "F3" and not second["target_compatible"]
    assert "timing: grant F1 never (not phase 1)" in r.render()


def test_both_sides_stay_when_the_cost_is_lower():
    r = check(scenario_from_dict(_donor(90.0)), PLAN)
    (donor,) = [v for v in r.coalition if v.actor == "donor"]
    assert donor.margin.tolist() == pytest.approx([166.0, 85.0, 85.0])
    assert r.incentive_compatible and r.first_leaver is None


def test_the_two_sided_optimiser_keeps_the_donor_in():
    # With both sides required, the donor's rows cut every plan it would leave; the
    # plan returned passes the two-sided check and the verifier's coalition rows.
    s = scenario_from_dict(_donor(100.0))
    plan = solve(s, require_ic="both")
    assert plan.schedule is not None, plan.message
    assert check(s, plan).incentive_compatible
    assert verify_plan(s, plan, two_sided=True).ok
    assert not verify_plan(s, PLAN, two_sided=True).ok  # the hand plan loses the donor


# --- a neighbour that would not enforce makes the trade measure worthless ----------
#
# Three phases.  Step A (cost 10, fully restorable, seen at once) in phase 1; the
# trade measure T (100 a year, credibility 1, fully clawed back) lifted in phase 3.
# All of T's pressure rests on the neighbour's enforcement (enforced_by = 1), which
# costs it 200 a year of border trade while T is in force; it values A at 5 a year.
# At the end of phase 1 one year of enforcement is left (phase 2):
#   not enforcing: margin X - 0.9 * 200 = X - 180;  leaving: V^stay_1 = 0.9 (5 - 200)
#   + 0.81 * 10 * 5 = -135 against -X (A is restorable: nothing kept).
# * X = 300: margins 120 (enforce) and 165 (leave): it enforces, T is worth 100 and
#   the target's L_1 = V^C_1 = 0.9 (0 - 10) + 0.81 * 10 * (100 - 10) = 720 (open and
#   secret reversals are worth 0; nothing is left to stall).
# * X = 100: not enforcing pays (margin -80, leaving -35), so T's pressure is gone
#   before it is lifted: T is worth 0 and L_1 = 0.9 (-10) + 8.1 (-10) = -90: the
#   target fails too, and a side payment of 80 / 9 a year would keep the neighbour
#   enforcing.
def _neighbour(exit_cost):
    return {
        "name": "neighbour",
        "phases": 3,
        "parameters": {"discount": 0.9, "reciprocity": 0.0},
        "actors": [
            {"id": "us", "snapback_gain": 10.0},
            {"id": "cn", "step_values": {"A": 5.0}, "exit_cost": exit_cost},
        ],
        "instruments": [EXEC],
        "measures": [
            _flow("T", 100, enforcement_costs={"cn": 200.0}, enforced_by={"cn": 1.0}),
        ],
        "milestones": [_step("A", 10)],
    }


TRADE = Schedule(measures={"T": 3}, milestones={"A": 1})


def test_an_enforcing_neighbour_keeps_the_trade_measure_as_leverage():
    r = check(scenario_from_dict(_neighbour(300.0)), TRADE)
    (cn,) = r.coalition
    assert cn.enforce_margin[0] == pytest.approx(120.0)
    assert cn.leave_margin[0] == pytest.approx(-135.0 + 300.0)
    assert r.phases[0].ic_margin == pytest.approx(720.0)
    assert r.incentive_compatible and r.lapsed == []
    # it enforces while its exit cost covers the one year of enforcement left: 0.9 * 200
    assert cn.enforcement_threshold == pytest.approx(180.0)
    assert r.to_dict()["enforcement_thresholds"] == {"cn": pytest.approx(180.0)}
    assert "cn enforces while its cost of being seen not to (exit_cost) is at least 180.0" in (
        r.render()
    )


def test_a_non_enforcing_neighbour_makes_the_trade_measure_worthless():
    r = check(scenario_from_dict(_neighbour(100.0)), TRADE)
    (cn,) = r.coalition
    assert cn.enforce_margin[0] == pytest.approx(-80.0)
    assert cn.leave_margin[0] == pytest.approx(-35.0)
    assert cn.deviation[0] == "stop_enforcing" and not cn.stays[0]
    assert r.lapsed == ["cn"]
    assert r.phases[0].ic_margin == pytest.approx(-90.0)
    assert not r.target_compatible
    rec = r.to_dict()["coalition"][0]
    assert rec["deviation"] == "stop_enforcing"
    assert rec["side_payment"] == pytest.approx(80 / 9)


def test_target_only_rows_report_a_lapsing_enforcer_instead_of_looping():
    # With T only in phase 3 the target-only rows pick the plan above, whose
    # neighbour (X = 100) would not enforce: the check rejects it for the lapse, and
    # the target-only loop says so and points to both sides (whose rows would need the
    # neighbour to enforce: here no plan does).
    from solver import Status

    doc = _neighbour(100.0)
    doc["measures"][0]["phase_window"] = [3, 3]
    s = scenario_from_dict(doc)
    plan = solve(s, require_ic=True)
    assert plan.status is Status.ERROR
    assert "--both-sides" in plan.message and "cn would not enforce" in plan.explanation[-1]
    assert solve(s, require_ic="both").status is Status.INFEASIBLE


# --- stopping paying (free-riding): the donor's relief ends with its funding --------
#
# One-year phases, beta = 0.9: W[1, .] = (0, 0.9, 8.1), W[2, .] = W[3, .] = (0, 0, 9),
# G = 9.  Every step fully restorable and seen at once, credibility 1, so open and
# secret reversals are worth 0 to the target.
#
# "rail": steps A (phase 1, cost 10) and B (phase 2, cost 15); relief G (30 a year,
# phase 1, nobody pays) and D (20 a year, phase 2; the donor pays 20 a year).  The
# donor values A and B at 30 a year each; X = 100.
#   Target on the plan: R = (30, 50, 50), C = (10, 25, 25);
#     L_1 = 9 (50 - 25) - stall 9 (30 - 10) = 225 - 180 = 45, L_2 = L_3 = 225.
#   Donor: pi = (30, 40, 40), V^stay = (360, 360, 360), V^leave = -100 (margin 460);
#     the funding to come F = (0.9 + 8.1) 20 = 180 at every k.
#   Stops paying after phase 1: D is gone, R' = (30, 30, 30): V^C_1 = 9 (30 - 25) = 45
#     < stall 180, so the target defects at once; the renege is worth the leave
#     value, margin 460.
#   Stops paying after phase 2: V^C_2 = 9 (30 - 25) = 45 > 0 (nothing left to stall),
#     likewise at 3: the target keeps complying, margin X - F = 100 - 180 = -80.
#   So the donor stops paying after phase 2; it keeps paying for X >= 180.
#   Leaving ends the same relief (D is all it funds, and it decides no instrument), so
#   it is worth the same: margins (460, -80, -80), the target walking away after
#   phase 1 only; the ties go to the narrower deviation, stopping paying.
def _rail(exit_cost):
    return {
        "name": "rail",
        "phases": 3,
        "parameters": {"discount": 0.9, "reciprocity": 0.0},
        "actors": [
            {"id": "us", "snapback_gain": 10.0},
            {"id": "donor", "step_values": {"A": 30.0, "B": 30.0}, "exit_cost": exit_cost},
        ],
        "instruments": [EXEC],
        "measures": [_flow("G", 30), _flow("D", 20, actor_costs={"donor": 20.0})],
        "milestones": [_step("A", 10), _step("B", 15, requires=["A"])],
    }


RAIL = Schedule(measures={"G": 1, "D": 2}, milestones={"A": 1, "B": 2})


def test_a_donor_stops_paying_after_phase_2_because_the_target_keeps_complying():
    r = check(scenario_from_dict(_rail(100.0)), RAIL)
    assert [p.ic_margin for p in r.phases] == pytest.approx([45.0, 225.0, 225.0])
    (donor,) = [v for v in r.coalition if v.actor == "donor"]
    assert donor.stay.tolist() == pytest.approx([360.0] * 3)
    assert donor.saved.tolist() == pytest.approx([180.0] * 3)
    assert donor.renege_margin.tolist() == pytest.approx([460.0, -80.0, -80.0])
    assert donor.renege_defects == (1, None, None)  # after phase 1 the target walks away
    assert donor.leave_margin.tolist() == pytest.approx([460.0, -80.0, -80.0])
    assert donor.leave_defects == (1, None, None)
    assert donor.deviation == ("stop_paying",) * 3
    assert donor.pays == (True, False, False)
    assert r.target_compatible and not r.incentive_compatible
    assert r.first_leaver == (2, "donor", "stop_paying")
    rec = [c for c in r.to_dict()["coalition"] if c["actor"] == "donor"]
    assert [c["renege_margin"] for c in rec] == pytest.approx([460.0, -80.0, -80.0])
    assert [c["deviation_name"] for c in rec] == ["stop paying"] * 3
    assert [c["renege_target_defects"] for c in rec] == [1, None, None]
    assert [c["leave_target_defects"] for c in rec] == [1, None, None]
    text = r.render()
    assert "donor would stop paying for the relief it funds after phase 2" in text
    assert "donor   " in text and "stop paying after phase 2" in text
    assert "donor keeps paying while its exit cost is at least 180.0 USD m" in text


def test_the_renege_threshold_exit_cost_is_the_funding_still_to_come():
    # max_k (X - P_k) = max(100 - 460, 100 + 80, 100 + 80) = 180, whatever X is
    r = check(scenario_from_dict(_rail(100.0)), RAIL)
    (donor,) = [v for v in r.coalition if v.actor == "donor"]
    assert donor.renege_threshold == pytest.approx(180.0)
    assert r.to_dict()["renege_thresholds"]["donor"] == pytest.approx(180.0)
    assert "donor keeps paying while its exit cost is at least 180.0 USD m" in r.render()
    held = check(scenario_from_dict(_rail(180.0)), RAIL)
    assert held.incentive_compatible and held.first_leaver is None
    short = check(scenario_from_dict(_rail(179.0)), RAIL)
    assert short.first_leaver == (2, "donor", "stop_paying")


def test_paying_on_completion_removes_the_temptation():
    # D paid as one transfer when granted: 20 x 0.9 / 0.1 = 180 once in phase 2, the
    # donor paying 180 then.  After phase 2 it is sunk (nothing to stop paying); after
    # phase 1 stopping loses the target the transfer: V^C_1 = 45 < stall 180, so it
    # walks away and the renege is the leave value.  V^stay_1 = 9 x 60 - 0.9 x 180 = 378
    # against -100.  The target: L_1 = 45 + 0.9 x 180 - 180 = 27, L_2 = L_3 = 45.
    r = check(scenario_from_dict(_rail(100.0)), RAIL)
    (fix,) = r.payment_fixes
    assert fix["transfers"] == {"D": pytest.approx(180.0)}
    assert fix["pays"] and fix["stays"] and fix["stops_paying_after"] == []
    assert fix["renege_threshold"] == 0.0
    assert fix["target_compatible"] and fix["target_weakest"] == pytest.approx(27.0)
    assert "paying on completion: donor pays D as one transfer of 180.0 USD m" in r.render()
    # the timing fix (never granting D) keeps the donor but loses the target (B unpaid)
    (timing,) = r.coalition_fixes
    assert timing["to"] is None and not timing["target_compatible"]


# "walk": step A (phase 1, cost 10); relief D (20 a year, phase 1; the donor pays 20)
# and T, a transfer of 110 paid once in phase 2 (nobody funds it).  The donor values
# A at 20 a year; X = 50.
#   Target on the plan: L_1 = 0.9 x 10 + 8.1 x 10 + 0.9 x 110 = 189, L_2 = L_3 = 90.
#   Donor: pi = (0, 0, 0), V^stay = 0, V^leave = -50 (margin 50), F = 180.
#   Stops paying after phase 1: R' = 0, V^C_1 = 9 (0 - 10) + 0.9 x 110 = 9 >= 0 (the
#     transfer is still to come) but V^C_2 = -90 < 0: the target takes T and defects
#     after phase 2.  The donor gets 0.9 x 20 (A in place in phase 2) and nothing
#     after (A restorable): V^ren_1 = 18 - 50 = -32, margin 0 + 32 = 32 (not X - F =
#     -130: it would not stop paying).
#   After phases 2 and 3 the target defects at once: the leave value, margin 50.
#   Leaving ends the same relief (D), so the target answers it the same way and the
#   donor gets the same: leave margins (32, 50, 50), the ties going to stopping paying.
#   The MIP's coalition row assumes the target keeps complying: X - F = 50 - 180.
def _walk():
    return {
        "name": "walk",
        "phases": 3,
        "parameters": {"discount": 0.9, "reciprocity": 0.0},
        "actors": [
            {"id": "us", "snapback_gain": 10.0},
            {"id": "donor", "step_values": {"A": 20.0}, "exit_cost": 50.0},
        ],
        "instruments": [EXEC],
        "measures": [
            _flow("D", 20, actor_costs={"donor": 20.0}),
            {
                "id": "T",
                "kind": "transfer",
                "value": 110,
                "reversibility": 0.0,
                "instrument": "exec",
            },
        ],
        "milestones": [_step("A", 10)],
    }


WALK = Schedule(measures={"D": 1, "T": 2}, milestones={"A": 1})


def test_a_donor_keeps_paying_because_the_target_would_walk_away_without_it():
    s = scenario_from_dict(_walk())
    r = check(s, WALK)
    assert [p.ic_margin for p in r.phases] == pytest.approx([189.0, 90.0, 90.0])
    (donor,) = [v for v in r.coalition if v.actor == "donor"]
    assert donor.saved.tolist() == pytest.approx([180.0] * 3)
    assert donor.renege_defects == (2, 2, 3)
    assert donor.renege_margin.tolist() == pytest.approx([32.0, 50.0, 50.0])
    assert donor.leave_margin.tolist() == pytest.approx([32.0, 50.0, 50.0])
    assert donor.leave_defects == (2, 2, 3)
    assert donor.deviation == ("stop_paying",) * 3
    assert all(donor.stays) and r.incentive_compatible
    assert donor.renege_threshold == pytest.approx(18.0)  # 50 - 32
    # the MIP's row assumes the target keeps complying: it is conservative, so the
    # verifier's two-sided re-check of that row rejects this plan the check accepts
    assert donor.bound.tolist() == pytest.approx([-130.0] * 3)
    ver = verify_plan(s, WALK, two_sided=True)
    assert not ver.ok
    assert ver.violations[0] == (
        "coalition: donor stays in the deal after phase 1 only through the target's "
        "response: the coalition row is short by 130"
    )


def test_the_two_sided_optimiser_drops_relief_its_donor_would_stop_paying_for():
    # rail with X = 100: the coalition row (F_k <= X) cannot hold with D granted (F = 180),
    # so the two-sided plan never grants D; without D, B is not worth its cost to the
    # target, so the plan asks for A alone (G from phase 2).
    s = scenario_from_dict(_rail(100.0))
    plan = solve(s, require_ic="both")
    assert plan.schedule is not None, plan.message
    assert plan.schedule.measures.get("D") is None
    assert plan.schedule.milestones == {"A": 1, "B": None}
    assert check(s, plan).incentive_compatible
    assert verify_plan(s, plan, two_sided=True).ok


# --- leaving: the deal goes on without the leaver, instrument by instrument --------
#
# One-year phases, beta = 0.9, G = 9; step A in phase 1 (fully restorable, seen at
# once), every relief measure in phase 1 and fully clawed back by a credible
# snapback, so on the plan the target's open and secret reversals are worth 0 and
# its margin is V^C = 9 (R - C).  Three phases.
#
# "free ride": Japan ("jp") decides its own instrument JPI alone (unilateral).
# Relief G (60 a year, exec), J (10 a year, JPI; Japan pays 2 a year) and K (5 a
# year, JPI, unfunded).  Japan values A at 20 a year; X = 10.
#   Japan: pi = 20 - 2 = 18, V^stay = 162, F = 9 x 2 = 18 at every k, no enforcement.
#   Leaving ends J (it pays for it) and K (granted through JPI, which it alone
#   decides); stopping paying ends J only.  Target: R = 75 on the plan, 65 without J,
#   60 without J and K.
# (a) A costs 10: the target keeps complying without Japan (V^C = 9 x 50 = 450 > 0),
#   so leaving is worth Japan's step values for ever: 9 x 20 - 10 = 170, margin 162 -
#   170 = -8 = X - F (it free-rides on G).  Stopping paying is worth the same (-8),
#   and the tie goes to the narrower deviation, stopping paying.  (The old rule, the
#   deal breaking, gave 9 x 0 - 10 = -10, margin 172.)
# (a') A costs 62: without J (R = 65) the target still complies (V^C = 27), so
#   stopping paying has margin -8; without J and K (R = 60) V^C = 9 (60 - 62) = -18 <
#   0 = the open reversal: the target defects at once, leaving is worth 9 x 0 - 10
#   and its margin is 172.  Japan would stop paying, not leave.
def _free_ride(step_cost):
    return {
        "name": "free ride",
        "phases": 3,
        "parameters": {"discount": 0.9, "reciprocity": 0.0},
        "actors": [
            {"id": "us", "snapback_gain": 10.0},
            {"id": "jp", "step_values": {"A": 20.0}, "exit_cost": 10.0, "snapback_gain": 10.0},
        ],
        "instruments": [
            EXEC,
            {"id": "jpi", "kind": "unilateral", "veto_players": ["jp"], "credibility": 1.0},
        ],
        "measures": [
            _flow("G", 60),
            _flow("J", 10, instrument="jpi", actor_costs={"jp": 2.0}),
            _flow("K", 5, instrument="jpi"),
        ],
        "milestones": [_step("A", step_cost)],
    }


FREE = Schedule(measures={"G": 1, "J": 1, "K": 1}, milestones={"A": 1})


def test_a_member_leaves_and_free_rides_on_the_others_relief():
    r = check(scenario_from_dict(_free_ride(10.0)), FREE)
    assert [p.ic_margin for p in r.phases] == pytest.approx([585.0] * 3)  # 9 (75 - 10)
    (jp,) = [v for v in r.coalition if v.actor == "jp"]
    assert jp.stay.tolist() == pytest.approx([162.0] * 3)
    assert jp.leave.tolist() == pytest.approx([170.0] * 3)
    assert jp.leave_margin.tolist() == pytest.approx([-8.0] * 3)
    assert jp.leave_defects == (None, None, None)
    assert jp.renege_margin.tolist() == pytest.approx([-8.0] * 3)
    assert jp.bound.tolist() == pytest.approx([-8.0] * 3)  # X - F: the MIP's row
    assert jp.deviation == ("stop_paying",) * 3 and jp.stays == (False,) * 3
    assert r.target_compatible and r.first_leaver == (1, "jp", "stop_paying")
    rec = [c for c in r.to_dict()["coalition"] if c["actor"] == "jp"]
    assert [c["leave_value"] for c in rec] == pytest.approx([170.0] * 3)
    assert [c["leave_target_defects"] for c in rec] == [None] * 3


def test_relief_through_the_members_own_instrument_keeps_it_from_leaving():
    r = check(scenario_from_dict(_free_ride(62.0)), FREE)
    assert [p.ic_margin for p in r.phases] == pytest.approx([117.0] * 3)  # 9 (75 - 62)
    (jp,) = [v for v in r.coalition if v.actor == "jp"]
    assert jp.leave.tolist() == pytest.approx([-10.0] * 3)
    assert jp.leave_margin.tolist() == pytest.approx([172.0] * 3)
    assert jp.leave_defects == (1, 2, 3)  # without J and K the target defects at once
    assert jp.renege_margin.tolist() == pytest.approx([-8.0] * 3)
    assert jp.renege_defects == (None, None, None)  # without J alone it complies
    assert jp.deviation == ("stop_paying",) * 3
    assert r.first_leaver == (1, "jp", "stop_paying")


# "veto": the exports measure T (100 a year) is snapped back through "un", which
# needs both the US and the EU (kind executive: all of them); H (5 a year, exec; the
# EU pays 2 a year); S (20 a year, exec) is never lifted and the EU enforces it (3 a
# year; enforced_by 0.5).  Step A costs 50.  The EU values A at 10 a year; X = 30.
#   Target on the plan: R = 105, C = 50, L = 9 x 55 = 495.
#   EU: pi = 10 - 2 - 3 = 5, V^stay = 45; F = 18, enforcement to come E+ = 27.
#   Stop enforcing: margin 30 - 27 = 3.  Stop paying: H ends, R = 100 and T is still
#   clawed back: V^C = 450 > open reversal 9 (100 - 50 + 50 - 100) = 0: the target
#   complies, margin X - F = 12.
# (b) Leaving: H ends and the "un" snapback, which needs the EU, is no longer
#   credible: T is not clawed back (Q = 0), the open reversal is worth 9 (100 - 50 +
#   50) = 900 > V^C = 450: the target defects at once, leaving is worth 9 x 0 - 30
#   (A restorable) and its margin is 45 + 30 = 75.  Had the target kept complying,
#   leaving would have paid: X - F - E+ = -15, the MIP's row, so the verifier's
#   two-sided re-check rejects this plan, which the check accepts (margin 3).
# (c) With "un" a reverse veto (any one of them suffices) the US still snaps back
#   without the EU (it nets 10): the target keeps complying and the EU leaves (margin
#   -15).  If the US would not (snapback cost 20: it nets -10) the EU was the one
#   decider that gained, so leaving kills the snapback after all: margin 75 again.
def _veto(kind, us_cost=0.0):
    return {
        "name": "veto",
        "phases": 3,
        "parameters": {"discount": 0.9, "reciprocity": 0.0},
        "actors": [
            {"id": "us", "snapback_gain": 10.0, "snapback_cost": us_cost},
            {"id": "eu", "step_values": {"A": 10.0}, "exit_cost": 30.0, "snapback_gain": 5.0},
        ],
        "instruments": [
            EXEC,
            {"id": "un", "kind": kind, "veto_players": ["us", "eu"], "credibility": 1.0},
        ],
        "measures": [
            _flow("T", 100, instrument="un"),
            _flow("H", 5, actor_costs={"eu": 2.0}),
            _flow("S", 20, enforcement_costs={"eu": 3.0}, enforced_by={"eu": 0.5}),
        ],
        "milestones": [_step("A", 50)],
    }


VETO = Schedule(measures={"T": 1, "H": 1, "S": None}, milestones={"A": 1})


def test_a_veto_player_whose_leaving_kills_the_snapback_stays():
    s = scenario_from_dict(_veto("executive"))
    r = check(s, VETO)
    assert [p.ic_margin for p in r.phases] == pytest.approx([495.0] * 3)
    (eu,) = [v for v in r.coalition if v.actor == "eu"]
    assert eu.stay.tolist() == pytest.approx([45.0] * 3)
    assert eu.leave.tolist() == pytest.approx([-30.0] * 3)
    assert eu.leave_margin.tolist() == pytest.approx([75.0] * 3)
    assert eu.leave_defects == (1, 2, 3)
    assert eu.enforce_margin.tolist() == pytest.approx([3.0] * 3)
    assert eu.renege_margin.tolist() == pytest.approx([12.0] * 3)
    assert eu.deviation == ("stop_enforcing",) * 3
    assert all(eu.stays) and r.incentive_compatible
    # the MIP's row (the target complying without the EU) is short: conservative
    assert eu.bound.tolist() == pytest.approx([-15.0] * 3)
    assert not verify_plan(s, VETO, two_sided=True).ok


@pytest.mark.parametrize(
    ("us_cost", "target", "margin", "defects"),
    [(0.0, 495.0, -15.0, (None,) * 3), (20.0, 450.0, 75.0, (1, 2, 3))],
)
def test_under_the_any_rule_leaving_kills_the_snapback_only_without_another_gainer(
    us_cost, target, margin, defects
):
    # (with the US netting -10, H's exec snapback is not credible either: the open
    # reversal keeps H, 9 x 5 = 45, so the target's margin is 495 - 45 = 450)
    r = check(scenario_from_dict(_veto("reverse_veto", us_cost)), VETO)
    assert [p.ic_margin for p in r.phases] == pytest.approx([target] * 3)
    (eu,) = [v for v in r.coalition if v.actor == "eu"]
    assert eu.leave_margin.tolist() == pytest.approx([margin] * 3)
    assert eu.leave_defects == defects
    assert eu.stays == ((margin >= 0),) * 3


@pytest.mark.parametrize(
    "doc",
    [_free_ride(10.0), _free_ride(62.0), _veto("executive"), _veto("reverse_veto", 20.0)],
    ids=["free ride", "own instrument", "veto", "any"],
)
def test_the_batched_engine_answers_a_leaver_as_the_check_does(doc):
    # worlds varying the snapback payoffs and exit costs: the target's answer to a
    # leaver (and the credibility without it) changes from world to world
    from solver.robust.batch import draw_worlds, evaluate_batched, evaluate_exact
    from solver.sensitivity import spec_from_dict

    s = scenario_from_dict(doc)
    plan = FREE if s.name == "free ride" else VETO
    params = [
        {"path": "milestones.A.cost", "range": [0.5, 1.5], "relative": True},
        {"path": "actors.us.snapback_cost", "range": [0.0, 30.0]},
    ]
    for a in s.actors:
        for f in ("snapback_gain", "exit_cost"):
            params.append({"path": f"actors.{a.id}.{f}", "range": [0.0, 3.0 * getattr(a, f)]})
    worlds = draw_worlds(s, spec_from_dict({"parameter": params}, s), 30, seed=2)
    b, e = evaluate_batched(s, plan, worlds), evaluate_exact(s, plan, worlds)
    assert b.members == e.members
    assert (b.member_ok == e.member_ok).all() and (b.target_ok == e.target_ok).all()
    assert b.member_margin == pytest.approx(e.member_margin, rel=1e-7, abs=1e-6)
    assert 0 < b.member_ok.all(axis=(1, 2)).sum() < worlds.n  # the verdict varies


# --- another funder ------------------------------------------------------------------
#
# The donor case above (F3 costing the donor 100 a year, so it stops paying after
# phase 2), with a patron whose exit cost is 1,000 and no other stake.
# * F3 paid by the patron: the donor pays only F1's 5 a year (held in every phase),
#   so it could save 0.9 * 5 + 0.81 * 5 * 10 = 45 at the end of phase 1, 0.9 * 5 *
#   10 = 45 and 9 * 5 = 45 later: every margin is 400 - 45 = 355 (the target keeps
#   complying without F1: it still has F3).  The patron would save 0.81 * 100 * 10
#   = 810, then 900 and 900: margins of 100 at least, so it keeps paying.
# * F1 paid by the patron: the donor pays F3's 100 a year in phase 3 only, flows
#   (30, 60, -40); without F3 the target, left with 20 a year for steps costing 30,
#   reverses at once (everything restorable: the donor keeps nothing, -400).
#   V^stay = (0.9 * 60 + 0.81 * (-40) * 10, 0.9 * (-40) * 10, 9 * (-40)) = (-270,
#   -360, -360): margins at least -360 + 400 = 40.  Holding F3 hostage keeps it in.
# Nothing changes for the target (same relief): weakest margin 306 both times.  The
# one instrument leaves no other instrument to try.
def test_another_funder_with_a_higher_exit_cost_keeps_the_donor_in():
    doc = _donor(100.0)
    doc["actors"].append({"id": "patron", "exit_cost": 1000.0})
    r = check(scenario_from_dict(doc), PLAN)
    assert r.first_leaver == (2, "donor", "stop_paying")
    got = {f["measure"]: f for f in r.instrument_fixes}
    assert set(got) == {"F1", "F3"}
    for fix in got.values():
        assert fix["change"] == "funder" and (fix["from"], fix["to"]) == ("donor", "patron")
        assert fix["target_compatible"] and fix["target_weakest"] == pytest.approx(306.0)
    assert got["F3"]["member_margin"] == pytest.approx(355.0)
    assert got["F1"]["member_margin"] == pytest.approx(40.0)
    assert r.to_dict()["instrument_fixes"] == list(r.instrument_fixes)
    assert "another funder: patron pays for F3 instead of donor" in r.render()


# --- chained play ----------------------------------------------------------------------
#
# Two one-year phases, beta 0.9 (G = 9).  Step A (phase 1, cost 10, fully restorable,
# seen at once).  Relief F1 and F2, 20 a year each from phase 1, paid by donors D1 (c1
# a year) and D2 (c2 a year); each values A at 30 a year; exit costs 0.  Every flow is
# fully reversible and credibly snapped back, so an open reversal is worth 0 to the
# target, and no later step leaves no stall.  Complying from node 1 is worth
# 0.9 * (R - 10) * (1 + 9) = 9 (R - 10): the target complies with one flow (90) and
# defects at once with none (-90 < 0).
# * Alone, each donor can stop paying and the target still complies on the other flow:
#   margin X - F = -9 c (the funding to come, 0.9 * c * 10 at node 1, 9 c at node 2).
#   Both are tempted; D1 first when c1 > c2.
# * Chained: once D1 has stopped, D2 stopping leaves no relief and the target
#   reverses at once; D2 keeps nothing (A fully restorable), so its margin is its
#   stay value 9 (30 - c2).  With c2 = 5: 225, it keeps paying and the target keeps
#   complying on F2.  With c2 = 40: -90, it stops too, and the target defects after
#   phase 1 by an open reversal (its margin -90).
def _two_donors(c1, c2):
    return {
        "name": "two donors",
        "phases": 2,
        "parameters": {"discount": 0.9, "reciprocity": 0.0},
        "actors": [
            {"id": "us", "snapback_gain": 10.0},
            {"id": "d1", "step_values": {"A": 30.0}},
            {"id": "d2", "step_values": {"A": 30.0}},
        ],
        "instruments": [EXEC],
        "measures": [
            _flow("F1", 20, actor_costs={"d1": c1}),
            _flow("F2", 20, actor_costs={"d2": c2}),
        ],
        "milestones": [_step("A", 10)],
    }


TWO = Schedule(measures={"F1": 1, "F2": 1}, milestones={"A": 1})


def test_chained_play_the_second_donor_keeps_paying_once_the_first_has_stopped():
    r = check(scenario_from_dict(_two_donors(10.0, 5.0)), TWO)
    alone = {v.actor: v for v in r.coalition}
    assert alone["d1"].margin == pytest.approx([-90.0, -90.0])
    assert alone["d2"].margin == pytest.approx([-45.0, -45.0])
    assert r.first_leaver == (1, "d1", "stop_paying")
    assert [(e["phase"], e["actor"], e["deviation"]) for e in r.unravelling] == [
        (1, "d1", "stop_paying")
    ]
    assert r.unravelling[0]["margin"] == pytest.approx(-90.0)
    assert r.to_dict()["unravelling"] == list(r.unravelling)
    text = r.render()
    assert "Chained play: d1 would stop paying after phase 1" in text
    assert "the target keeps complying with what is left" in text


def test_chained_play_the_deal_unravels_when_the_second_donor_pays_too_much():
    r = check(scenario_from_dict(_two_donors(50.0, 40.0)), TWO)
    got = [(e["phase"], e["actor"], e["deviation"]) for e in r.unravelling]
    assert got == [(1, "d1", "stop_paying"), (1, "d2", "stop_paying"), (1, "target", "overt")]
    assert [e["margin"] for e in r.unravelling] == pytest.approx([-450.0, -90.0, -90.0])
    assert "the target then defects after phase 1 (overt)" in r.render()


def test_chained_play_is_empty_when_every_member_stays():
    r = check(scenario_from_dict(_donor(90.0)), PLAN)
    assert r.incentive_compatible and r.unravelling == ()
