"""The shipped reading of every case (docs/cases.md), pinned.

A code or data change that flips a verdict fails here, so a change of reading is
always deliberate: update this table, docs/cases.md and models/cases/README.md
together, and say why in the commit.  Columns: first failing phase (one-shot
reading), best deviation there, who, first backslide on the subgame-perfect
path, and the agreements with history (when, when by the SPE reading, how).
"""

from __future__ import annotations

import pytest

from solver.backtest import backtest

READING = {
    ("agreed_framework_1994", "agreed"): (1, "covert", "dprk", 4, True, False, True),
    ("agreed_framework_1994", "executed"): (1, "covert", "dprk", 1, True, True, True),
    ("hanoi_2019", "dprk_offer"): (1, "overt", "dprk", 1, True, True, False),
    ("hanoi_2019", "us_position"): (1, "overt", "dprk", 1, False, False, False),
    ("hanoi_2019", "executed"): (1, "overt", "dprk", 1, True, True, True),
    ("leap_day_2012", "agreed"): (1, "covert", "dprk", 2, True, False, False),
    ("leap_day_2012", "executed"): (1, "overt", "dprk", 1, True, True, True),
    ("six_party_2007", "agreed"): (2, "covert", "dprk", 2, True, True, False),
    ("six_party_2007", "executed"): (2, "covert", "dprk", 2, True, True, False),
}


@pytest.fixture(scope="module")
def results():
    return {r.case.id: r for r in backtest(optimize=False)}


@pytest.mark.parametrize(("case", "role"), sorted(READING))
def test_the_shipped_reading_holds(results, case, role):
    v = results[case].plans[role]
    got = (v.first_failing, v.how, v.who, v.first_backslide, v.agrees_when,
           v.agrees_when_spe, v.agrees_how)  # fmt: skip
    assert got == READING[(case, role)]


def test_every_plan_of_every_case_is_pinned(results):
    assert {(c, role) for c, r in results.items() for role in r.plans} == set(READING)
