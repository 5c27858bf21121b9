"""One test per validation rule, matching its message (issue 2)."""

from __future__ import annotations

import json

import pytest

from solver.scenario import ScenarioError, load_scenario, scenario_from_dict


def _fails(doc: dict, pattern: str) -> None:
    with pytest.raises(ScenarioError, match=pattern):
        scenario_from_dict(doc, source="x.toml")


def test_small_is_valid(small_doc):
    s = scenario_from_dict(small_doc, source="x.toml")
    assert s.phases == 3 and len(s.measures) == 4


def test_unknown_key_suggests_the_near_field(small_doc):
    small_doc["measures"][0]["reversability"] = 0.5
    _fails(
        small_doc,
        r"x.toml: measures\[0\] \(R1\).reversability is not a known field "
        r"\(did you mean 'reversibility'\?\)",
    )


def test_missing_required_field(small_doc):
    del small_doc["milestones"][1]["cost"]
    _fails(small_doc, r"milestones\[1\] \(M2\).cost is missing; it is required")


def test_missing_top_level_field(small_doc):
    del small_doc["phases"]
    _fails(small_doc, r"x.toml: phases is missing; it is required")


def test_wrong_type_number(small_doc):
    small_doc["measures"][1]["value"] = "forty"
    _fails(small_doc, r"measures\[1\] \(R2\).value is 'forty'; it must be a finite number")


def test_wrong_type_integer(small_doc):
    small_doc["phases"] = 2.5
    _fails(small_doc, r"phases is 2.5; it must be an integer")


def test_boolean_is_not_a_number(small_doc):
    small_doc["measures"][0]["value"] = True
    _fails(small_doc, r"value is True; it must be a finite number")


def test_duplicate_ids(small_doc):
    small_doc["measures"][1]["id"] = "R1"
    _fails(
        small_doc,
        r"measures\[1\] \(R1\).id is 'R1'; ids must be unique; "
        r"measures\[0\] \(R1\) has it too",
    )


def test_unknown_reference(small_doc):
    small_doc["measures"][1]["requires_milestones"] = ["M9"]
    _fails(small_doc, r"requires_milestones is 'M9'; it names no milestone")


def test_unknown_instrument(small_doc):
    small_doc["measures"][0]["instrument"] = "execc"
    _fails(small_doc, r"instrument is 'execc'; it names no instrument \(did you mean 'exec'\?\)")


def test_unknown_actor_in_consent(small_doc):
    small_doc["measures"][0]["consent"] = ["korea"]
    _fails(small_doc, r"consent is 'korea'; it names no actor")


def test_precedence_cycle_is_named(small_doc):
    small_doc["milestones"][0]["requires"] = ["M3"]
    _fails(
        small_doc,
        r"milestones have a precedence cycle: (M1 -> M3 -> M2 -> M1|"
        r"M3 -> M2 -> M1 -> M3|M2 -> M1 -> M3 -> M2)",
    )


def test_measure_cycle_is_named(small_doc):
    small_doc["measures"][0]["requires_measures"] = ["R2"]
    small_doc["measures"][1]["after_measures"] = ["R1"]
    _fails(small_doc, r"measures have a precedence cycle: R1 -> R2 -> R1")


def test_probability_out_of_range(small_doc):
    small_doc["milestones"][0]["detection"] = 1.5
    _fails(small_doc, r"milestones\[0\] \(M1\).detection is 1.5; it must lie in \[0, 1\]")


def test_discount_open_interval(small_doc):
    small_doc["parameters"]["discount"] = 1.0
    _fails(small_doc, r"parameters.discount is 1.0; it must lie strictly between 0.0 and 1.0")


def test_window_outside_phases(small_doc):
    small_doc["measures"][0]["phase_window"] = [1, 5]
    _fails(small_doc, r"phase_window is \[1, 5\]; both phases must lie in 1..3")


def test_window_inverted(small_doc):
    small_doc["measures"][0]["phase_window"] = [3, 2]
    _fails(small_doc, r"phase_window is \[3, 2\]; the first phase must not come after the last")


def test_negative_value(small_doc):
    small_doc["milestones"][2]["cost"] = -5
    _fails(small_doc, r"cost is -5; it must be >= 0")


def test_mandatory_by_outside_phases(small_doc):
    small_doc["milestones"][2]["mandatory_by"] = 4
    _fails(small_doc, r"mandatory_by is 4; it must be a phase in 1..3")


def test_per_phase_list_length(small_doc):
    small_doc["parameters"]["min_progress"] = [1, 1]
    _fails(
        small_doc,
        r"parameters.min_progress is \[1.0, 1.0\]; it must have one entry per phase \(3\)",
    )


def test_choice_field(small_doc):
    small_doc["instruments"][0]["kind"] = "decree"
    _fails(small_doc, r"kind is 'decree'; it must be one of unsc_resolution")


def test_weights_keys(small_doc):
    small_doc["parameters"]["weights"] = {"levrage": 1.0}
    _fails(small_doc, r"parameters.weights.levrage is 'levrage'; weights are leverage")


def test_duration_longer_than_horizon(small_doc):
    small_doc["milestones"][0]["duration"] = 4
    _fails(small_doc, r"duration is 4; it must not exceed the 3 phases")


def test_all_problems_are_reported_at_once(small_doc):
    small_doc["milestones"][0]["detection"] = 2
    small_doc["measures"][0]["value"] = -1
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(small_doc, source="x.toml")
    assert len(info.value.problems) == 2


def test_json_and_toml_give_the_same_scenario(small_doc, tmp_path):
    from tests.conftest import SMALL

    path = tmp_path / "small.json"
    path.write_text(json.dumps(small_doc))
    a, b = load_scenario(SMALL), load_scenario(path)
    assert a.digest() == b.digest()


def test_unreadable_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("phases = [1,")
    with pytest.raises(ScenarioError, match=r"bad.toml: not valid TOML"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match=r"missing.toml: file not found"):
        load_scenario(tmp_path / "missing.toml")


# --- issue 11: relief kinds, time, chains, verification --------------------------------


def test_phase_years_list_needs_one_entry_per_phase_and_an_annual_discount(small_doc):
    small_doc["parameters"]["phase_years"] = [1.0, 2.0]
    small_doc["parameters"].pop("discount", None)
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(small_doc, source="x.toml")
    text = "\n".join(err.value.problems)
    assert "parameters.phase_years is [1.0, 2.0]; it must have one entry per phase (3)" in text
    assert "parameters.annual_discount is missing; it is required when" in text


def test_discount_and_annual_discount_exclude_each_other(small_doc):
    small_doc["parameters"]["discount"] = 0.9
    small_doc["parameters"]["annual_discount"] = 0.95
    _fails(small_doc, r"parameters.annual_discount is given together with parameters.discount")


def test_unequal_phases_load(small_doc):
    small_doc["parameters"].pop("discount", None)
    small_doc["parameters"]["phase_years"] = [0.25, 2.0, 6.0]
    small_doc["parameters"]["annual_discount"] = 0.9
    s = scenario_from_dict(small_doc, source="x.toml")
    assert s.phase_lengths() == (0.25, 2.0, 6.0) and s.annual_discount() == 0.9


def test_per_phase_credibility_has_one_entry_per_phase(small_doc):
    small_doc["instruments"][0]["credibility"] = [0.9, 0.9]
    _fails(small_doc, r"instruments\[0\] \(unsc\).credibility is \[0.9, 0.9\]; it must have one")


def test_a_transfer_cannot_be_clawed_back(small_doc):
    small_doc["measures"][0].update(kind="transfer", reversibility=0.5)
    _fails(small_doc, r"measures\[0\] \(R1\).reversibility is 0.5; a transfer is paid once")


def test_only_a_flow_can_end(small_doc):
    small_doc["measures"][0].update(kind="transfer", reversibility=0.0, ends_with="M1")
    _fails(small_doc, r"measures\[0\] \(R1\).ends_with is 'M1'; only a flow can end")


def test_ends_with_names_an_item(small_doc):
    small_doc["measures"][0]["ends_with"] = "M9"
    _fails(small_doc, r"ends_with is 'M9'; it names no measure or milestone")
    small_doc["measures"][0]["ends_with"] = "R1"
    _fails(small_doc, r"ends_with is 'R1'; a measure cannot end with itself")


def test_snapback_instrument_must_exist(small_doc):
    small_doc["measures"][0]["snapback_instrument"] = "unsx"
    _fails(
        small_doc, r"snapback_instrument is 'unsx'; it names no instrument \(did you mean 'unsc'"
    )


def test_supersedes_follows_precedence(small_doc):
    small_doc["milestones"][0]["supersedes"] = ["M3"]  # M3 comes after M1
    _fails(small_doc, r"milestones\[0\] \(M1\).supersedes is 'M3'; M1 can only supersede its own")


def test_the_steps_superseding_one_step_form_a_chain(small_doc):
    small_doc["milestones"].append(
        {"id": "M4", "value": 1, "cost": 1, "reversibility": 0.1, "detection": 0.5,
         "after": ["M1"], "supersedes": ["M1"]}
    )  # fmt: skip
    small_doc["milestones"][1]["supersedes"] = ["M1"]  # M2 (after M1) too; M2 and M4 unordered
    _fails(small_doc, r"M2 and M4 both supersede M1 but neither requires the other")


def test_raises_detection_names_another_milestone(small_doc):
    small_doc["milestones"][0]["raises_detection"] = {"M7": 0.9}
    _fails(small_doc, r"raises_detection is 'M7'; it names no milestone")
    small_doc["milestones"][0]["raises_detection"] = {"M1": 0.9}
    _fails(small_doc, r"raises_detection is 'M1'; a step cannot raise its own detection")


# --- hardening (issue 16): inputs that used to raise instead of naming the rule ----------


def test_a_huge_integer_is_not_a_finite_number(small_doc):
    small_doc["measures"][0]["value"] = 10**400
    _fails(small_doc, r"measures\[0\] \(R1\).value is 1000.*; it must be a finite number")


def test_a_long_acyclic_chain_and_a_long_cycle_validate_without_recursion(small_doc):
    n = 1500
    chain = [
        {"id": f"C{i}", "value": 0, "cost": 0, "reversibility": 0.0, "detection": 0.5}
        | ({"requires": [f"C{i + 1}"]} if i + 1 < n else {})
        for i in range(n)
    ]
    doc = {**small_doc, "milestones": [*small_doc["milestones"], *chain]}
    assert len(scenario_from_dict(doc, source="x.toml").milestones) == n + 3
    chain[-1]["requires"] = ["C0"]
    _fails(doc, r"milestones have a precedence cycle: C0 -> C1 -> ")


def test_deeply_nested_documents_are_a_clear_error(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ScenarioError, match=r"deep.json: .*(nested too deeply|top level)"):
        load_scenario(deep)
    toml = tmp_path / "deep.toml"
    toml.write_text("x = " + "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ScenarioError, match=r"deep.toml: "):
        load_scenario(toml)


def test_an_endless_file_is_refused_without_reading_it_all():
    with pytest.raises(ScenarioError, match=r"/dev/zero: the file is larger than"):
        load_scenario("/dev/zero")


def test_an_integer_beyond_the_digit_limit_names_the_file(tmp_path):
    big = tmp_path / "big.json"
    big.write_text('{"name": "x", "phases": ' + "9" * 5000 + "}")
    with pytest.raises(ScenarioError, match=r"big.json: cannot read a value"):
        load_scenario(big)
