"""Issue 17: the ``transformation`` fields of measures and milestones (types, ranges, rules)."""

from __future__ import annotations

import pytest

from solver.scenario import ScenarioError, scenario_from_dict
from solver.schema import json_schema, markdown_table


def _fails(doc: dict, pattern: str) -> None:
    with pytest.raises(ScenarioError, match=pattern):
        scenario_from_dict(doc, source="x.toml")


def test_the_fields_default_to_zero_and_are_read(small_doc):
    small_doc["measures"][0]["transformation"] = -1
    small_doc["milestones"][1]["transformation"] = 0.5
    s = scenario_from_dict(small_doc, source="x.toml")
    assert s.measures[0].transformation == -1.0
    assert s.measures[1].transformation == 0.0
    assert s.milestones[1].transformation == 0.5
    assert s.milestones[0].transformation == 0.0


@pytest.mark.parametrize("section", ["measures", "milestones"])
@pytest.mark.parametrize("value", [1.5, -1.01])
def test_a_share_outside_minus_one_one_is_refused(small_doc, section, value):
    small_doc[section][0]["transformation"] = value
    item = small_doc[section][0]["id"]
    _fails(
        small_doc,
        rf"x.toml: {section}\[0\] \({item}\).transformation is {value}; "
        r"it must lie in \[-1, 1\]",
    )


def test_a_string_is_refused(small_doc):
    small_doc["measures"][0]["transformation"] = "high"
    _fails(small_doc, r"measures\[0\] \(R1\).transformation is 'high'; it must be a finite number")


def test_a_share_of_a_zero_value_is_refused(small_doc):
    small_doc["measures"][0]["value"] = 0
    small_doc["measures"][0]["transformation"] = 0.5
    _fails(
        small_doc,
        r"x.toml: measures\[0\] \(R1\).transformation is 0.5; it is a share of the "
        r"measure's value, which is 0",
    )


def test_a_share_of_a_zero_cost_is_refused(small_doc):
    small_doc["milestones"][0]["cost"] = 0
    small_doc["milestones"][0]["transformation"] = 1
    item = small_doc["milestones"][0]["id"]
    _fails(
        small_doc,
        rf"x.toml: milestones\[0\] \({item}\).transformation is 1.0; it is a share of the "
        r"step's cost to the target, which is 0",
    )


def test_the_schema_and_the_tables_have_the_fields():
    props = json_schema()["properties"]
    for section in ("measures", "milestones"):
        field = props[section]["items"]["properties"]["transformation"]
        assert field["type"] == "number" and field["minimum"] == -1.0 and field["maximum"] == 1.0
        assert "| `transformation` | number | no | 0.0 | [-1, 1] |" in markdown_table(section)
