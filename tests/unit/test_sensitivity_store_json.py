"""The sweep store writes strict JSON: undefined numbers are null, read back as NaN (issue 10)."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path
from typing import Any

from solver.sensitivity.evaluate import SampleResult
from solver.sensitivity.store import Store

META = {"scenario_sha256": "a", "spec_sha256": "b", "method": "mc", "seed": 0, "samples": 2}


def strict(text: str) -> Any:
    return json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))


def test_store_holds_no_nan_and_round_trips(tmp_path: Path) -> None:
    f = tmp_path / "s.sqlite"
    odd = SampleResult(
        status="optimal",
        objective=12.5,
        min_leverage=math.nan,
        leverage=(1.0, math.nan, math.inf),
        ic_margins=(math.nan, 2.0),
        incentive_compatible=False,
        schedule={"R1": 1, "M1": None},
        ic_source="game",
    )
    with Store(f, META) as st:
        st.add([(0, {"discount": 0.8}, SampleResult(status="infeasible")), (1, {"x": 1.0}, odd)])
        st.save_summary({"rows": [{"index": math.nan, "ci": [math.inf, 0.1]}]})
    with sqlite3.connect(f) as db:
        texts = [t for row in db.execute("SELECT sample, result FROM results") for t in row]
        texts += [v for (v,) in db.execute("SELECT value FROM meta")]
    for text in texts:
        strict(text)  # no NaN / Infinity anywhere
    with Store(f, META) as st:
        got = st.load()
    assert got[0][1].status == "infeasible" and math.isnan(got[0][1].objective)
    back = got[1][1]
    assert back.objective == 12.5 and math.isnan(back.min_leverage)
    assert back.leverage[0] == 1.0 and math.isnan(back.leverage[1]) and math.isnan(back.leverage[2])
    assert math.isnan(back.ic_margins[0]) and back.ic_margins[1] == 2.0
    assert dict(back.schedule) == {"R1": 1, "M1": None} and back.ic_source == "game"
