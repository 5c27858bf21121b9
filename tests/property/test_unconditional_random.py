"""Property: unconditional relief changes no leverage, in any random scenario (issue 17).

``docs/formulation.md``, "Unconditional relief", proves that a measure given
from phase 1 and kept whatever the target does (window ``[1, 1]``,
reversibility 0, no end event) adds the same ``v G_k`` to the value of
complying and of every deviation. Here random scenarios of the property suite
(unequal phases, transfers, flows that end, chains, verification steps,
per-phase credibility) get one unconditional flow or transfer, and random
schedules are judged with and without it: the payoffs, the game check and the
MIP's leverage rows must all give the same leverage.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from solver.backends import Status, run_backend
from solver.formulation.common import BuildOptions
from solver.formulation.step import build
from solver.game.check import check
from solver.plan import Schedule
from solver.scenario import scenario_from_dict
from solver.solve import fix_schedule
from tests.property.test_random_scenarios import SETTINGS, scenarios


def _with_aid(doc: dict, value: int, transfer: bool) -> dict:
    aid = {"id": "U", "value": value, "reversibility": 0.0, "instrument": "exec",
           "unconditional": True, "transformation": -1.0}  # fmt: skip
    if transfer:
        aid["kind"] = "transfer"
    return {**doc, "measures": [*doc["measures"], aid]}


@SETTINGS
@given(scenarios(), st.integers(1, 300), st.booleans(), st.data())
def test_granting_unconditional_relief_changes_no_leverage(doc, value, transfer, data):
    s = scenario_from_dict(_with_aid(doc, value, transfer))
    phase = st.one_of(st.none(), st.integers(1, s.phases))
    measures = {m.id: data.draw(phase) for m in s.measures if m.id != "U"}
    milestones = {d.id: data.draw(phase) for d in s.milestones}
    without = Schedule({**measures, "U": None}, milestones)
    given_ = Schedule({**measures, "U": 1}, milestones)
    a, b = without.values(s), given_.values(s)
    scale = max(1.0, float(np.abs(b.comply_value).max()))
    np.testing.assert_allclose(b.leverage, a.leverage, rtol=0, atol=1e-9 * scale)
    assert a.deviation == b.deviation
    ga = [g.margin() for g in check(s, without, thresholds=False, fixes=False).games]
    gb = [g.margin() for g in check(s, given_, thresholds=False, fixes=False).games]
    np.testing.assert_allclose(gb, ga, rtol=0, atol=1e-9 * scale)


@SETTINGS
@given(scenarios(), st.integers(1, 300), st.data())
def test_the_mip_rows_equal_the_payoffs_with_unconditional_relief(doc, value, data):
    # as in test_mip_leverage_rows_equal_the_payoff_definition: relax the other families
    doc["parameters"].pop("irreversibility_ratio")
    doc["parameters"]["reciprocity"] = 0.0
    for d in doc["milestones"]:
        for key in ("requires", "after", "supersedes", "phase_window", "mandatory_by",
                    "duration", "uses"):  # fmt: skip
            d.pop(key, None)
    for m in doc["measures"]:
        for key in ("requires_milestones", "bundle", "phase_window"):
            m.pop(key, None)
    doc["instruments"][0].pop("capacity")
    s = scenario_from_dict(_with_aid(doc, value, False))
    phase = st.one_of(st.none(), st.integers(1, s.phases))
    sched = Schedule(
        measures={m.id: (1 if m.id == "U" else data.draw(phase)) for m in s.measures},
        milestones={d.id: data.draw(phase) for d in s.milestones},
    )
    built = build(s, BuildOptions(objective="maxmin"))
    sol = run_backend(fix_schedule(built, sched), "highs")
    assert sol.status is Status.OPTIMAL
    expected = sched.values(s).leverage
    tol = 1e-5 * max(1.0, np.abs(expected).max())
    assert np.allclose(sol.x[built.vars.leverage], expected, rtol=1e-6, atol=tol)
