"""The row-family table of the step model, and the facts it shares with validation."""

from __future__ import annotations

import numpy as np
import pytest

from solver import default_scenario_path, load_scenario, schema, validate
from solver.formulation import common, rows, step
from solver.formulation.rows import FAMILIES, BlockFamily, RowFamily, add_families
from solver.formulation.rows.base import Context, phase_change
from solver.formulation.rows.objective import PRESET_WEIGHTS, objective_weights
from solver.model import INF, LinearModel, RowBlock
from solver.payoffs import coefficients
from solver.sensitivity import apply_sample


@pytest.fixture(scope="module")
def base():
    return load_scenario(default_scenario_path())


def _state(s):
    """A model with the step model's state columns and the build context."""
    model = LinearModel("t")
    opts = common.BuildOptions()
    y = np.array(
        [[model.add_var(f"y{i},{k}") for k in range(s.phases)] for i in range(len(s.measures))]
    )
    z = np.array(
        [[model.add_var(f"z{i},{k}") for k in range(s.phases)] for i in range(len(s.milestones))]
    )
    return model, Context(s, y, z, coefficients(s), opts, y)


def test_each_family_adds_rows_of_its_own_group_in_table_order(base):
    s = apply_sample(base, {"parameters.irreversibility_ratio": 1.0})
    model, ctx = _state(s)
    seen = []
    for family in FAMILIES:
        r0 = model.num_rows
        family.apply(model, ctx)
        groups = set(model.row_groups[r0:])
        assert groups <= {family.group}, (family.group, groups)
        if groups:
            seen.append(family.group)
    assert len(seen) >= 8  # the default model has most families
    groups = [f.group for f in FAMILIES]
    assert len(set(groups)) == len(groups)
    # the builder's rows are the table's, then leverage and incentive rows
    built = step.build(s, common.BuildOptions(require_ic=True)).model
    assert built.row_groups[: model.num_rows] == model.row_groups
    assert set(built.row_groups[model.num_rows :]) == {"definition", "incentive"}


def test_a_new_family_is_one_table_entry(base):
    def extra_block(s, co, y, z, *, names):
        return RowBlock(
            "extra", [y[:, -1]], [co.v], [0.0], [INF], ["all relief"] if names else None
        )

    def one_row(model, ctx):
        model.add_row("one", {int(ctx.z[0, 0]): 1.0}, ub=1.0, group="one")

    model, ctx = _state(base)
    add_families(model, ctx, (RowFamily("one", one_row), BlockFamily("extra", extra_block)))
    assert model.row_groups == ["one", "extra"] and len(model.blocks) == 1
    skip = BlockFamily("extra", extra_block, when=lambda ctx: False)
    mislabeled = BlockFamily("other", extra_block)
    skip.apply(model, ctx)
    assert model.num_rows == 2
    with pytest.raises(ValueError, match="other"):
        mislabeled.apply(model, ctx)


def test_phase_change_is_the_difference_of_two_phases():
    arr = np.arange(12).reshape(3, 4)
    w = np.array([1.0, 2.0, 3.0])
    x = np.random.default_rng(0).random(12)
    for k in range(1, 5):
        cols, vals = phase_change(arr, w, k)
        prev = x[arr[:, k - 2]] if k > 1 else 0.0
        assert vals @ x[cols] == pytest.approx(float(w @ (x[arr[:, k - 1]] - prev)))
    cols, vals = phase_change(arr, w, 2, last=np.array([4, 2, 3]))
    assert cols.tolist() == [3, 0, 5, 4, 10, 8] and vals.tolist() == [1, -1, 2, -2, 3, -3]


def test_objectives_and_weight_keys_are_defined_once(base):
    assert schema.OBJECTIVES is common.OBJECTIVES
    assert validate.WEIGHT_KEYS is common.WEIGHT_KEYS
    assert tuple(PRESET_WEIGHTS) == common.OBJECTIVES
    for name in common.OBJECTIVES:
        assert tuple(objective_weights(base, name)) == common.WEIGHT_KEYS
    with pytest.raises(ValueError, match="leverage, speed, weighted"):
        objective_weights(base, "nope")
    assert rows.objective.objective_weights is objective_weights
