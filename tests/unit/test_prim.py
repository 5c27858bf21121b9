"""PRIM scenario discovery (``solver.robust.prim``).

Hand example used below (``_hand``): x0 = 0..11, x1 constant 7, failures at
x0 in {0, 1, 2, 3, 5}; alpha 0.1 so every peel removes one point.  Removing
x0 = 0 (a failure) lowers density, removing the top point (no failure) raises
it, so peeling takes the top off six times: box x0 <= 10.5, 9.5, ..., 5.5 with
density 5/12, 5/11, ..., 5/6 and coverage 1 throughout, support 12/12 ... 6/12.
At 0 <= x0 <= 5 both peels remove a failure (density 4/5 < 5/6): peeling stops.
The constant column can never be peeled (a peel would remove every point).
Quasi-p-value of x0 <= 5.5: P(Binomial(6, 5/12) >= 5) = 6 p^5 (1 - p) + p^6.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from solver.robust import Bound, Box, PrimResult, describe, find_box, find_boxes


def _hand():
    X = np.column_stack([np.arange(12.0), np.full(12, 7.0)])
    failed = np.zeros(12, dtype=bool)
    failed[[0, 1, 2, 3, 5]] = True
    return X, failed


def _planted(seed: int, noise: float = 0.0, n: int = 5000, d: int = 6):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, d))
    failed = (X[:, 0] <= 0.3) & (X[:, 3] >= 0.6)
    return X, failed ^ (rng.uniform(size=n) < noise)


def _limits(box: Box) -> dict[str, tuple[float | None, float | None]]:
    return {b.name: (b.low, b.high) for b in box.bounds}


# --- hand example ----------------------------------------------------------------------


def test_trajectory_of_the_hand_example_matches_the_hand_numbers():
    X, failed = _hand()
    box = find_box(X, failed, alpha=0.1, min_support=1, min_failures=1).boxes[0]
    traj = box.trajectory
    assert len(traj) == 7
    for s, step in enumerate(traj):
        assert step.step == s
        assert step.n_points == 12 - s
        assert step.n_failures == 5
        assert step.coverage == 1.0
        assert step.density == pytest.approx(5 / (12 - s))
        assert step.support == pytest.approx((12 - s) / 12)
        assert step.n_restricted == (0 if s == 0 else 1)
        if s:
            assert step.bounds == (Bound("x0", 0, None, 11.5 - s),)


def test_selected_hand_box_has_the_hand_statistics_and_quasi_p_value():
    X, failed = _hand()
    result = find_box(X, failed, alpha=0.1, min_support=1, min_failures=1)
    (box,) = result.boxes
    assert box.step == 6  # the only step with density >= 0.8
    assert _limits(box) == {"x0": (None, 5.5)}
    assert (box.n_points, box.n_failures) == (6, 5)
    assert box.coverage == 1.0
    assert box.density == pytest.approx(5 / 6)
    assert box.support == pytest.approx(0.5)
    p = 5 / 12
    assert box.bounds[0].quasi_p == pytest.approx(6 * p**5 * (1 - p) + p**6, rel=1e-9)
    assert not box.pasted  # widening to x0 = 6 adds a point that does not fail
    assert box.pruned == ()  # p = 0.049 < 0.05 and density falls by 0.42
    assert box.contains(X).sum() == 6
    assert result.reason == "reached max_boxes (1)"


def test_no_box_when_the_trajectory_never_reaches_the_threshold():
    X, _ = _hand()
    failed = np.isin(np.arange(12), [0, 1, 2, 3, 5, 8])
    # Peels x0 = 11, 10, 9 (density 6/11, 6/10, 6/9), then both ends fail.
    result = find_box(X, failed, alpha=0.1, min_support=1, min_failures=1)
    assert result.boxes == ()
    assert result.reason == "no box reaches density 0.8 (the best on the trajectory has 0.67)"
    assert [s.density for s in result.last_trajectory] == pytest.approx(
        [6 / 12, 6 / 11, 6 / 10, 6 / 9]
    )


def test_select_picks_a_trajectory_step_and_pruning_drops_an_insignificant_limit():
    X, failed = _hand()
    kept = find_box(
        X, failed, alpha=0.1, min_support=1, min_failures=1, select=2, prune=False
    ).boxes[0]
    assert _limits(kept) == {"x0": (None, 9.5)}
    assert kept.density == pytest.approx(0.5)
    # P(Binomial(10, 5/12) >= 5) = 0.41: not significant, and without the limit
    # the density (5/12) still meets a threshold of 0.4, so it is dropped.
    p = 5 / 12
    tail = sum(math.comb(10, i) * p**i * (1 - p) ** (10 - i) for i in range(5, 11))
    assert kept.bounds[0].quasi_p == pytest.approx(tail, rel=1e-9)
    pruned = find_box(
        X, failed, alpha=0.1, min_support=1, min_failures=1, select=2, threshold=0.4
    ).boxes[0]
    assert pruned.bounds == ()
    assert pruned.pruned == ("x0",)
    assert pruned.density == pytest.approx(5 / 12)
    # With the default threshold 0.8 pruning may not lower the density below the
    # selected box's own 0.5 - prune_tol, so the limit stays.
    assert _limits(
        find_box(X, failed, alpha=0.1, min_support=1, min_failures=1, select=2).boxes[0]
    ) == {"x0": (None, 9.5)}


def test_select_counts_from_the_end_and_is_checked():
    X, failed = _hand()
    last = find_box(X, failed, alpha=0.1, min_support=1, min_failures=1, select=-1).boxes[0]
    assert last.step == 6
    with pytest.raises(ValueError, match=r"select is 7; the trajectory has 7 steps"):
        find_box(X, failed, alpha=0.1, min_support=1, min_failures=1, select=7)
    with pytest.raises(ValueError, match=r"select is 1\.5"):
        find_box(X, failed, select=1.5)  # type: ignore[arg-type]


# --- planted boxes ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_a_planted_box(seed):
    X, failed = _planted(seed)
    box = find_box(X, failed).boxes[0]
    limits = _limits(box)
    assert set(limits) == {"x0", "x3"}  # the four irrelevant parameters are free
    assert limits["x0"][0] is None and limits["x3"][1] is None
    assert limits["x0"][1] == pytest.approx(0.3, abs=0.03)
    assert limits["x3"][0] == pytest.approx(0.6, abs=0.03)
    assert box.coverage >= 0.95
    assert box.density >= 0.9
    assert all(b.quasi_p is not None and b.quasi_p < 1e-10 for b in box.bounds)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_recovers_a_planted_box_through_five_percent_label_noise(seed):
    X, failed = _planted(seed, noise=0.05)
    box = find_box(X, failed, threshold=0.9).boxes[0]
    limits = _limits(box)
    assert set(limits) == {"x0", "x3"}
    assert limits["x0"][1] == pytest.approx(0.3, abs=0.05)
    assert limits["x3"][0] == pytest.approx(0.6, abs=0.05)
    # About 28 % of the failures are noise outside the planted box.
    assert box.coverage >= 0.6
    assert box.density >= 0.9


def test_pruning_drops_the_irrelevant_limits_of_a_late_trajectory_box():
    X, failed = _planted(3, noise=0.05)
    raw = find_box(X, failed, select=-1, prune=False).boxes[0]
    extra = set(raw.names) - {"x0", "x3"}
    assert extra  # late peels cut irrelevant parameters on noise
    assert all(raw.quasi_p[name] > 0.05 for name in extra)
    box = find_box(X, failed, select=-1).boxes[0]
    assert set(box.names) == {"x0", "x3"}
    assert set(box.pruned) == extra
    assert box.density >= 0.9


def test_the_trajectory_shrinks_and_the_chosen_box_meets_the_threshold():
    X, failed = _planted(4, noise=0.05)
    result = find_box(X, failed)
    box = result.boxes[0]
    support = [s.support for s in box.trajectory]
    coverage = [s.coverage for s in box.trajectory]
    assert all(a > b for a, b in itertools.pairwise(support))
    assert all(a >= b for a, b in itertools.pairwise(coverage))
    assert all(s.n_restricted == len(s.bounds) for s in box.trajectory)
    assert box.trajectory[-1].support >= 0.05
    assert box.trajectory[box.step].density >= 0.8
    assert box.density >= 0.8
    # The rule: highest coverage among the steps that reach the threshold.
    best = max(s.coverage for s in box.trajectory if s.density >= 0.8)
    assert box.trajectory[box.step].coverage == best


def test_covering_finds_two_planted_boxes():
    rng = np.random.default_rng(7)
    X = rng.uniform(size=(5000, 5))
    a = (X[:, 0] <= 0.3) & (X[:, 3] >= 0.6)
    b = (X[:, 1] >= 0.75) & (X[:, 2] <= 0.3)
    # Threshold 0.9: at 0.8 the first box keeps a strip of the second box's
    # failures (x0 up to 0.36), which is what "highest coverage" asks for.
    result = find_boxes(X, a | b, names=["p", "q", "r", "s", "t"], threshold=0.9)
    assert len(result.boxes) == 2
    by_dims = {frozenset(box.names): box for box in result.boxes}
    assert set(by_dims) == {frozenset({"p", "s"}), frozenset({"q", "r"})}
    first = _limits(by_dims[frozenset({"p", "s"})])
    second = _limits(by_dims[frozenset({"q", "r"})])
    assert first["p"][1] == pytest.approx(0.3, abs=0.05)
    assert first["s"][0] == pytest.approx(0.6, abs=0.05)
    assert second["q"][0] == pytest.approx(0.75, abs=0.05)
    assert second["r"][1] == pytest.approx(0.3, abs=0.05)
    assert [box.rank for box in result.boxes] == [1, 2]
    assert all(box.density >= 0.9 for box in result.boxes)
    assert result.covered >= 0.9
    assert sum(box.coverage for box in result.boxes) == pytest.approx(result.covered)
    # Covering counts each point once: the second box's points exclude the first's.
    first_box, second_box = result.boxes
    own = second_box.contains(X) & ~first_box.contains(X)
    assert own.sum() == second_box.n_points


def test_covering_stops_for_want_of_failures_and_at_max_boxes():
    rng = np.random.default_rng(7)
    X = rng.uniform(size=(5000, 5))
    failed = ((X[:, 0] <= 0.3) & (X[:, 3] >= 0.6)) | ((X[:, 1] >= 0.75) & (X[:, 2] <= 0.3))
    one = find_boxes(X, failed, max_boxes=1)
    assert len(one.boxes) == 1 and one.reason == "reached max_boxes (1)"
    many = find_boxes(X, failed, min_failures=1000)
    assert len(many.boxes) < 2
    assert "fewer than min_failures (1000)" in many.reason


def test_discrete_columns_are_peeled_a_value_at_a_time():
    rng = np.random.default_rng(2)
    n = 3000
    X = np.column_stack(
        [rng.uniform(size=n), rng.integers(0, 2, n), rng.integers(0, 5, n), rng.uniform(size=n)]
    )
    failed = (X[:, 0] < 0.4) & (X[:, 1] == 1) & (X[:, 2] >= 3)
    box = find_box(X, failed).boxes[0]
    limits = _limits(box)
    assert set(limits) == {"x0", "x1", "x2"}
    assert limits["x1"] == (0.5, None)  # halfway between 0 and 1
    assert limits["x2"] == (2.5, None)
    assert box.coverage >= 0.95
    assert "x1 is above 0.5" in describe(box)


def test_no_failure_gives_an_empty_result_with_a_reason():
    X, _ = _planted(0, n=1200)
    result = find_boxes(X, np.zeros(1200, dtype=bool))
    assert result.boxes == ()
    assert result.reason == "no failures among the 1,200 worlds"
    assert result.covered == 0.0


def test_every_world_failing_gives_the_unrestricted_box():
    X, _ = _planted(0, n=300)
    result = find_boxes(X, np.ones(300, dtype=bool))
    (box,) = result.boxes
    assert box.bounds == () and box.density == 1.0 and box.coverage == 1.0
    assert result.reason == "every failure is inside a box"
    assert (
        describe(box) == "fails anywhere in the sampled ranges: 100 % of the failures, density 1.00"
    )


def test_results_are_frozen_and_json_safe():
    X, failed = _planted(1, noise=0.05, n=2000)
    result = find_boxes(X, failed)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["n_points"] == 2000
    assert data["boxes"][0]["bounds"][0]["name"] == result.boxes[0].bounds[0].name
    assert len(data["boxes"][0]["trajectory"]) == len(result.boxes[0].trajectory)
    assert "trajectory" not in result.to_dict(trajectory=False)["boxes"][0]
    with pytest.raises(AttributeError):
        result.boxes[0].density = 1.0  # type: ignore[misc]
    assert isinstance(result, PrimResult)


def test_dataframe_column_names_are_used():
    pd = pytest.importorskip("pandas")
    X, failed = _planted(0, n=2000)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d", "e", "f"])
    assert set(find_box(df, failed).boxes[0].names) == {"a", "d"}


# --- describe --------------------------------------------------------------------------


def _box(*bounds: Bound, coverage: float = 0.83, density: float = 0.912) -> Box:
    return Box(bounds, coverage, density, support=0.1, n_points=200, n_failures=182)


def test_describe_a_hand_box():
    box = _box(
        Bound("milestones.M06.detection", 3, None, 0.14),
        Bound("actors.china.snapback_cost", 7, 1400.0, None),
    )
    assert describe(box) == (
        "fails when milestones.M06.detection is below 0.14 and "
        "actors.china.snapback_cost is above 1,400: 83 % of the failures, density 0.91"
    )


def test_describe_uses_labels_between_and_lists():
    box = _box(
        Bound("a", 0, 0.123456, 0.5),
        Bound("b", 1, 1234567.0, None),
        Bound("c", 2, 3.0, 3.0),
        coverage=0.004,
        density=0.9996,
    )
    assert describe(box, {"a": "the discount"}) == (
        "fails when the discount is between 0.123 and 0.5, b is above 1,230,000 and c is 3"
        ": <1 % of the failures, density 0.99"
    )
    assert describe(box, digits=2).startswith("fails when a is between 0.12 and 0.5,")
    tiny = _box(Bound("x", 0, None, 0.0000123), coverage=0.996, density=1.0)
    assert describe(tiny) == "fails when x is below 1.23e-05: 99 % of the failures, density 1.00"
    negative = _box(Bound("x", 0, -2500.0, -0.5))
    assert describe(negative).startswith("fails when x is between -2,500 and -0.5:")
    rest = Box((), 0.1, 0.85, 0.05, 40, 34, rank=2)
    assert describe(rest).startswith("fails anywhere else in the sampled ranges: 10 %")
    with pytest.raises(ValueError, match="digits is 0"):
        describe(box, digits=0)


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("X", "failed", "kwargs", "message"),
    [
        (np.zeros(5), np.zeros(5, bool), {}, r"X has shape \(5,\); it must be 2-D"),
        (np.zeros((0, 3)), np.zeros(0, bool), {}, r"X has shape \(0, 3\); it needs at least"),
        (np.zeros((5, 2)), np.zeros(4, bool), {}, "failed has 4 values but X has 5 rows"),
        (np.zeros((5, 2)), np.zeros((5, 1), bool), {}, r"failed has shape \(5, 1\)"),
        (np.zeros((5, 2)), np.array([0, 1, 2, 0, 1]), {}, r"failed\[2\] is 2; failed must hold"),
        (
            np.array([[0.0, 1.0], [np.nan, 2.0], [3.0, 4.0]]),
            np.zeros(3, bool),
            {},
            r"X has 1 values that are NaN or infinite \(first at row 1, column 0: nan\)",
        ),
        ([["a", "b"]], [True], {}, "X must be a 2-D array of numbers"),
        (np.zeros((5, 2)), np.zeros(5, bool), {"alpha": 0.5}, "alpha is 0.5; it must be strictly"),
        (np.zeros((5, 2)), np.zeros(5, bool), {"alpha": 0}, "alpha is 0; it must be strictly"),
        (np.zeros((5, 2)), np.zeros(5, bool), {"threshold": 1.2}, r"threshold is 1.2.*\(0, 1\]"),
        (np.zeros((5, 2)), np.zeros(5, bool), {"min_support": 1.0}, "min_support is 1.0; a share"),
        (np.zeros((5, 2)), np.zeros(5, bool), {"min_support": 9}, "min_support is 9; a count"),
        (np.zeros((5, 2)), np.zeros(5, bool), {"max_p": 0}, "max_p is 0"),
        (np.zeros((5, 2)), np.zeros(5, bool), {"prune_tol": -1}, r"prune_tol is -1.*\[0, 1\)"),
        (np.zeros((5, 2)), np.zeros(5, bool), {"names": ["a"]}, "names has 1 entries but X has 2"),
        (np.zeros((5, 2)), np.zeros(5, bool), {"names": ["a", "a"]}, r"names repeats \['a'\]"),
        (np.zeros((5, 2)), np.zeros(5, bool), {"max_boxes": 0}, "max_boxes is 0"),
        (np.zeros((5, 2)), np.zeros(5, bool), {"min_failures": 0}, "min_failures is 0"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_it(X, failed, kwargs, message):
    with pytest.raises(ValueError, match=message):
        find_boxes(X, failed, **kwargs)


def test_find_box_checks_its_input_too():
    with pytest.raises(ValueError, match=r"alpha is 0\.7"):
        find_box(np.zeros((5, 2)), np.zeros(5, bool), alpha=0.7)
    with pytest.raises(ValueError, match=r"X has 1 values that are NaN or infinite"):
        find_box(np.array([[0.0], [math.inf]]), [True, False])


# --- cross-check against the GPL `prim` package (test only, skipped without it) --------


def test_trajectory_agrees_with_the_prim_package():
    prim = pytest.importorskip("prim")
    pd = pytest.importorskip("pandas")
    X, failed = _planted(0, noise=0.05)
    names = [f"x{j}" for j in range(X.shape[1])]
    theirs = prim.Prim(
        pd.DataFrame(X, columns=names),
        failed.astype(int),
        threshold=0.5,
        threshold_type=">",
        obj_func=prim.original,
    ).find_box()
    ref = theirs.peeling_trajectory
    ours = find_box(X, failed, select=-1, paste=False, prune=False).boxes[0].trajectory
    # Same coverage-density frontier: at each of our supports, the density of
    # their step with the nearest mass.
    for step in ours:
        i = int(np.argmin(np.abs(ref["mass"].to_numpy() - step.support)))
        if abs(ref["mass"].iloc[i] - step.support) < 0.01:
            assert step.density == pytest.approx(ref["density"].iloc[i], abs=0.03)
    their_dims = set(theirs.limits.index)
    assert {"x0", "x3"} <= their_dims
