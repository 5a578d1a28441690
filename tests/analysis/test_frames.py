import math

import pytest

import frames
from frames import GRID, LEVELS, TRIALS
from suite.design.plugins import all_studies
from suite.analysis import frames as analysis

STUDIES = all_studies()


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
    assert (row.n, row.n_diverged, row.n_failed) == (4, 1, 0)
    assert row.test_accuracy_mean == pytest.approx(0.9545)
    assert row.reference_test_accuracy == 0.969


def test_sort_points_follows_the_declared_levels():
    shuffled = GRID.sample(frac=1, random_state=0)
    ordered = analysis.sort_points(shuffled, LEVELS)
    assert list(ordered.data[:9]) == ["true"] * 3 + ["half"] * 3 + ["random"] * 3
    assert list(ordered.seed[:3]) == [0, 1, 2] and list(ordered.model[-3:]) == ["mlp_wd"] * 3


def test_summary_of_several_axes_joins_references_by_tuple_and_counts_missing_values():
    from suite.design.study import Reference, Study

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


@pytest.mark.parametrize("metric, values", [
    ("test_accuracy", [1.0, 1.0, 0.98]), ("test_accuracy", [0.0, 0.0, 0.02]), ("test_accuracy", [0.11, 0.62, 0.63]),
    ("dead_fraction", [0.0, 0.0, 0.3]), ("train_accuracy", [0.0, 1.0, 1.0]),
    ("train_loss", [0.0, 0.0, 0.5]), ("grad_ratio_first_last", [0.01, 0.5, 3.0]), ("epochs_to_100", [1.0, 2.0, 40.0]),
])
def test_intervals_stay_in_the_metric_range(metric, values):
    low_bound, high_bound = analysis.metric_range(metric)
    mean, std, low, high = analysis.mean_ci(values, metric)
    assert low_bound <= low <= mean <= high <= high_bound
    # the same seeds on the unbounded t scale would leave the range: the transformed interval is not a clip
    t_low, t_high = analysis.mean_ci(values)[2:]
    assert t_low < low_bound or t_high > high_bound or (low, high) != (t_low, t_high)


def test_intervals_at_the_range_edges_are_points():
    assert analysis.mean_ci([1.0, 1.0, 1.0], "test_accuracy")[2:] == (1.0, 1.0)
    assert analysis.mean_ci([0.0, 0.0], "dead_fraction")[2:] == (0.0, 0.0)


def test_metric_ranges_by_name():
    assert analysis.metric_range("final_train_accuracy") == (0.0, 1.0)
    assert analysis.metric_range("saturated_fraction_init") == (0.0, 1.0)
    assert analysis.metric_range("bias_grad_norm_2") == (0.0, math.inf)
    assert analysis.metric_range("epochs_to_target_dev") == (0.0, math.inf)
    assert analysis.metric_range("something_else") == (-math.inf, math.inf)


def test_summary_counts_collapsed_seeds_apart_and_lists_every_seed():
    trials = frames.frame([(4, 0, "done", 0.62), (4, 1, "done", 0.63), (4, 2, "collapsed", 0.11)])
    row = analysis.summarize_by(trials, ["depth"], ["test_accuracy"]).iloc[0]
    assert (row.n, row.n_collapsed, row.n_diverged, row.n_failed) == (2, 1, 0, 0)
    assert row.test_accuracy_mean == pytest.approx(0.625)
    assert row.test_accuracy_seeds == [0.62, 0.63] and row.test_accuracy_excluded == [0.11]


def test_trials_frame_classifies_old_records():
    record = {"key": "k", "point": {"depth": 4}, "seed": 0, "status": "done", "config": {"dataset": "synthetic"},
              "history": [{"epoch": 1, "loss": 2.31, "accuracy": 0.1}], "metrics": {"train_accuracy": 0.11},
              "wall_time_s": 1.0, "environment": {"backend": "jax"}}
    assert analysis.trials_frame([record], ["depth"]).status.tolist() == ["collapsed"]


def test_learned_fraction_counts_every_finished_run_and_leaves_failed_ones_out():
    def record(seed, status, history):
        return {"key": f"k{seed}", "point": {"depth": 4}, "seed": seed, "status": status,
                "config": {"dataset": "synthetic"}, "history": history, "metrics": {}, "initial_loss": 2.3,
                "num_classes": 10, "wall_time_s": 1.0, "environment": {"backend": "jax"}}
    learned = [{"epoch": 1, "loss": 0.5, "accuracy": 0.9}]
    records = [record(0, "done", learned), record(1, "diverged", [{"epoch": 1, "loss": math.nan, "accuracy": 0.1}]),
               record(2, "done", learned), record(3, "failed", [])]
    trials = analysis.trials_frame(records, ["depth"])
    assert trials.learned_fraction.tolist()[:3] == [1.0, 0.0, 1.0] and math.isnan(trials.learned_fraction[3])
    row = analysis.summarize_by(trials, ["depth"], ["learned_fraction"]).iloc[0]
    assert row.learned_fraction_mean == pytest.approx(2 / 3) and row.learned_fraction_n == 3


def test_identical_values_have_no_spread_and_an_interval_equal_to_their_mean():
    # twelve copies of one epoch time: numpy's std is ~1e-18, not 0, and an error bar went negative
    values = [0.006948757171630859] * 12
    mean, std, low, high = analysis.mean_ci(values, "epoch_wall_time_s")
    assert std == 0 and low == high == mean
