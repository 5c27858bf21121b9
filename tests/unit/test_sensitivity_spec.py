"""Sensitivity specs: path addressing, validation messages, distributions, digests."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from solver import MODELS_DIR, ScenarioError, default_scenario_path, load_scenario
from solver.sensitivity import SampleApplier, apply_sample, load_spec, spec_from_dict
from solver.sensitivity.design import mc_unit, to_values


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(default_scenario_path())


def _spec(scenario, *params, **top):
    return spec_from_dict({"parameter": list(params), **top}, scenario, source="s.toml")


def test_shipped_spec_covers_estimates(scenario):
    spec = load_spec(MODELS_DIR / "dprk_2018_sensitivity.toml", scenario)
    paths = {t for p in spec.params for t in p.targets}
    assert "parameters.discount" in paths
    assert "instruments.unsc_snapback.credibility" in paths
    assert "milestones.M08.cost" in paths
    assert spec.scenario is not None and spec.scenario.endswith("dprk_2018.toml")


@pytest.mark.parametrize(
    ("param", "match"),
    [
        (
            {"path": "measures.R99.value", "range": [1, 2]},
            r"s\.toml: parameter\[0\] \(measures\.R99\.value\)\.path is 'measures\.R99\.value'; "
            r"the scenario has no measure 'R99' \(did you mean",
        ),
        (
            {"path": "measures.R26.reversibility", "range": [0, 0.5]},
            r"measures\.R26\.reversibility'; measure 'R26' is unconditional, so its "
            r"reversibility is 0 by definition",
        ),
        (
            {"path": "milestones.M03.detecton", "range": [0, 1]},
            r"milestones has no field 'detecton' \(did you mean 'detection'\?\)",
        ),
        (
            {"path": "instruments.unsc_snapback.capacity", "range": [0, 2]},
            r"capacity is a int field; only numbers can vary",
        ),
        (
            {"path": "discont", "range": [0.7, 0.9]},
            r"path is 'discont'; it is not a known path \(did you mean 'discount'\?\)",
        ),
        (
            {"path": "discount", "range": [0.9, 0.7]},
            r"parameter\[0\] \(discount\)\.range is \[0\.9, 0\.7\]; low must not exceed high",
        ),
        (
            {"path": "discount", "range": [0.5, 1.0]},
            r"would set parameters\.discount to 1, which must be strictly between 0 and 1",
        ),
        (
            {"path": "milestones.M03.detection", "range": [0.5]},
            r"range is \[0\.5\]; it must be \[low, high\]",
        ),
        (
            {"path": "milestones.M01.detection", "range": [0.5, 1.2], "relative": True},
            r"would set milestones\.M01\.detection to 1\.14",
        ),
        ({"path": "milestones.*.cost", "range": [0.5, 2]}, r"the scenario has no milestone '\*'"),
        (
            {"path": "discount", "range": [0.7, 0.9], "distribution": "beta"},
            r"distribution is 'beta'; it must be one of uniform",
        ),
        (
            {"path": "discount", "range": [0.7, 0.9], "distribution": "triangular", "mode": 0.95},
            r"mode is 0\.95; the triangular peak must lie in the range",
        ),
        ({"path": "discount", "range": [0.7, 0.9], "sd": -1}, r"sd is -1\.0; it must be positive"),
        (
            {"path": "discount", "range": [0.7, 0.9], "spread": 1},
            r"parameter\[0\]\.spread is not a known field",
        ),
        (
            {"path": "discount", "range": [0.7, 0.9], "relative": "yes"},
            r"relative is 'yes'; it must be true or false",
        ),
    ],
)
def test_errors_name_file_field_value_rule(scenario, param, match):
    with pytest.raises(ScenarioError, match=match):
        _spec(scenario, param)


def test_every_problem_is_reported_and_duplicates_refused(scenario):
    with pytest.raises(ScenarioError) as info:
        _spec(
            scenario,
            {"path": "milestones.*.cost", "range": [0.5, 2], "relative": True},
            {"path": "milestones.M03.cost", "range": [10, 20]},
            {"path": "discount", "range": [1, 0]},
        )
    assert len(info.value.problems) == 2
    assert "sets milestones.M03.cost which an earlier parameter already sets" in str(info.value)


def test_empty_and_unknown_top_level(scenario):
    with pytest.raises(ScenarioError, match=r"parameter is None; it must be a non-empty"):
        spec_from_dict({}, scenario, source="s.toml")
    with pytest.raises(ScenarioError, match=r"s\.toml: scenarios is not a known field"):
        spec_from_dict(
            {"scenarios": "x", "parameter": [{"path": "discount", "range": [0.7, 0.8]}]},
            scenario,
            source="s.toml",
        )


def test_load_spec_reports_the_file(tmp_path, scenario):
    f = tmp_path / "bad.toml"
    f.write_text('[[parameter]]\npath = "reciprocity"\nrange = [2, 1]\n')
    with pytest.raises(ScenarioError, match=r"bad\.toml: parameter\[0\] \(reciprocity\)\.range"):
        load_spec(f, scenario)


def test_apply_sample_builds_a_variant_and_leaves_the_original(scenario):
    v = apply_sample(
        scenario,
        {
            "discount": 0.85,
            "measures.R08.value": 123.0,
            "instruments.unsc_snapback.credibility": 0.5,
        },
    )
    assert v.parameters.discount == 0.85 and scenario.parameters.discount == 0.8
    assert v.measure("R08").value == 123.0 and scenario.measure("R08").value == 400
    assert v.instrument("unsc_snapback").credibility == 0.5
    assert v.measure("R09") is scenario.measure("R09")  # untouched entries are shared
    assert apply_sample(scenario, {}) is scenario


def test_apply_sample_errors(scenario):
    with pytest.raises(
        ScenarioError, match=r"sample: milestones\.M03\.detection is 1\.5; it must be in \[0, 1\]"
    ):
        apply_sample(scenario, {"milestones.M03.detection": 1.5})
    with pytest.raises(
        ScenarioError, match=r"sample: measures\.R00\.value is 1\.0; the scenario has no measure"
    ):
        apply_sample(scenario, {"measures.R00.value": 1.0})


def test_sample_applier_equals_apply_sample_on_every_sample(scenario):
    spec = load_spec(MODELS_DIR / "dprk_2018_sensitivity.toml", scenario)
    make = SampleApplier(scenario)
    rows = to_values(spec.params, mc_unit(len(spec.params), 25, 3))
    changed = 0
    for row in rows:
        sample = spec.resolve(row)
        variant = make(sample)
        assert variant == apply_sample(scenario, sample)
        changed += variant != scenario
    assert changed == len(rows)
    # the same applier keeps working after an error, and errors name path, value and rule
    with pytest.raises(ScenarioError, match=r"measures\.R08\.value is -1\.0; it must be >= 0"):
        make({"measures.R08.value": -1.0, "discount": 0.85})
    assert make({"measures.R08.value": 7.0}).measure("R08").value == 7.0
    assert make({}) is scenario


def test_relative_wildcard_scales_each_entry(scenario):
    spec = _spec(scenario, {"path": "milestones.*.cost", "range": [0.5, 2.0], "relative": True})
    (p,) = spec.params
    assert len(p.targets) == len(scenario.milestones) and p.baseline == 1.0
    v = apply_sample(scenario, spec.resolve([2.0]))
    assert [d.cost for d in v.milestones] == [2 * d.cost for d in scenario.milestones]


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"distribution": "triangular", "mode": 0.75},
        {"distribution": "normal", "mean": 0.8, "sd": 0.05},
        {"distribution": "loguniform"},
    ],
)
def test_ppf_stays_in_range_and_is_monotone(scenario, extra):
    (p,) = _spec(scenario, {"path": "discount", "range": [0.7, 0.9], **extra}).params
    u = np.linspace(0, 1, 101)
    x = p.ppf(u)
    assert x[0] == pytest.approx(0.7) and x[-1] == pytest.approx(0.9)
    assert np.all(np.diff(x) >= 0)


def test_triangular_median_moves_with_mode(scenario):
    lo = _spec(
        scenario,
        {"path": "discount", "range": [0.7, 0.9], "distribution": "triangular", "mode": 0.7},
    )
    hi = _spec(
        scenario,
        {"path": "discount", "range": [0.7, 0.9], "distribution": "triangular", "mode": 0.9},
    )
    assert lo.params[0].ppf(np.array([0.5]))[0] < 0.8 < hi.params[0].ppf(np.array([0.5]))[0]


def test_digest_is_content_based(scenario):
    a = _spec(scenario, {"path": "discount", "range": [0.7, 0.9]})
    b = _spec(scenario, {"path": "discount", "range": [0.7, 0.9]})
    c = _spec(scenario, {"path": "discount", "range": [0.7, 0.91]})
    assert a.digest() == b.digest() != c.digest()
    assert dataclasses.replace(a, source="elsewhere").digest() == a.digest()
