import math

import pytest

from frames import GRID, LEVELS, TRIALS
from studies import STUDIES
from suite import analysis


def test_mean_ci_matches_the_t_interval():
    mean, std, low, high = analysis.mean_ci([0.90, 0.92, 0.94])
    assert mean == pytest.approx(0.92) and std == pytest.approx(0.02)
    assert (low, high) == pytest.approx((0.92 - 4.302653 * 0.02 / math.sqrt(3),
                                         0.92 + 4.302653 * 0.02 / math.sqrt(3)))
    assert math.isnan(analysis.mean_ci([0.5])[2])


def test_summary_counts_statuses_and_joins_references():
    summary = analysis.summarize(TRIALS.assign(best_dev_accuracy=0.9, final_train_accuracy=0.9),
                                 STUDIES["depth"])
    row = summary.set_index("depth").loc[2]
    assert (row.n, row.n_diverged, row.n_failed) == (2, 1, 0)
    assert row.test_accuracy_mean == pytest.approx(0.9545)
    assert row.reference_test_accuracy == 0.969


def test_sort_points_follows_the_declared_levels():
    shuffled = GRID.sample(frac=1, random_state=0)
    ordered = analysis.sort_points(shuffled, LEVELS)
    assert list(ordered.data[:9]) == ["true"] * 3 + ["half"] * 3 + ["random"] * 3
    assert list(ordered.seed[:3]) == [0, 1, 2] and list(ordered.model[-3:]) == ["mlp_wd"] * 3


def test_summary_of_several_axes_joins_references_by_tuple_and_counts_missing_values():
    from suite.study import Reference, Study

    study = Study("s", "c", "src", {}, {"model": {"mlp": {}, "mlp_wd": {}}, "data": {k: {} for k in LEVELS["data"]}},
                  {}, metrics=("test_accuracy", "epochs_to_100"),
                  references=(Reference("r", "test_accuracy", {("mlp", "random"): 0.1061}),))
    summary = analysis.summarize(GRID.sample(frac=1, random_state=1), study)
    assert [tuple(row) for row in summary[["model", "data"]].itertuples(index=False)] == [
        ("mlp", "true"), ("mlp", "half"), ("mlp", "random"), ("mlp_wd", "true")]
    row = summary.set_index(["model", "data"]).loc[("mlp", "random")]
    assert row.reference_test_accuracy == 0.1061 and row.n == 3
    assert row.epochs_to_100_n == 2 and row.epochs_to_100_mean == 65
    assert math.isnan(summary.set_index(["model", "data"]).loc[("mlp", "true")].reference_test_accuracy)


def test_ratio_to_baseline_pairs_each_seed_with_its_own_baseline():
    ratios = analysis.ratio_to_baseline(GRID[GRID.model == "mlp"], "data", "true", "epochs_to_100", ["seed"])
    by = ratios.set_index(["data", "seed"]).epochs_to_100
    assert by[("true", 1)] == 1.0 and by[("half", 1)] == pytest.approx(28 / 11)
    assert by[("random", 2)] == pytest.approx(70 / 12) and math.isnan(by[("random", 1)])
