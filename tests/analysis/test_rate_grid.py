import math

import pandas as pd
import pytest

from suite.analysis import rate_grid


def test_rate_grid_tunes_on_seed_zero_and_reports_the_others():
    rows = []
    for seed in (0, 1, 2):
        for rate, epochs, status in ((0.01, 5.0, "done"), (0.1, 2.0, "done"), (1.0, math.nan, "diverged")):
            rows.append({"scaling": "a", "learning_rate": rate, "seed": seed, "status": status,
                         "epochs_to_target_dev": epochs, "best_dev_accuracy": 0.9, "test_accuracy": 0.9})
    frame = rate_grid.derive(pd.DataFrame(rows), group="scaling", epochs=10)
    assert (frame.tuned_rate == 0.1).all()
    tuned = frame.dropna(subset=["epochs_to_target_tuned"])
    assert sorted(tuned.seed) == [1, 2] and (tuned.epochs_to_target_tuned == 2.0).all()
    stable = frame.dropna(subset=["max_stable_log10_rate"])
    assert len(stable) == 3 and stable.max_stable_log10_rate.to_numpy() == pytest.approx(-1.0)


def test_tuned_at_best_picks_each_groups_best_dev_rate_on_seed_zero_within_where():
    rows = []
    for norm, best in (("none", 1.0), ("batch", 0.1)):
        for seed in (0, 1, 2):
            for rate in (0.1, 1.0, 10.0):
                dev = 0.9 if rate == best else 0.5
                status = "diverged" if rate == 10.0 and norm == "none" else "done"
                rows.append({"normalization": norm, "batch_size": 60, "learning_rate": rate, "seed": seed,
                             "status": status, "best_dev_accuracy": 0.99 if status == "diverged" else dev,
                             "test_accuracy": dev + seed / 100})
        # a row outside ``where`` with a better dev score: not a candidate, no tuned value
        rows.append({"normalization": norm, "batch_size": 2, "learning_rate": 3.0, "seed": 0, "status": "done",
                     "best_dev_accuracy": 1.0, "test_accuracy": 1.0})
    frame = rate_grid.tuned_at_best(pd.DataFrame(rows), "normalization", ("test_accuracy",),
                                    where={"batch_size": 60})
    inside = frame[frame.batch_size == 60]
    assert (inside[inside.normalization == "none"].tuned_rate == 1.0).all()
    assert (inside[inside.normalization == "batch"].tuned_rate == 0.1).all()
    assert frame[frame.batch_size == 2].tuned_rate.isna().all()
    tuned = frame.dropna(subset=["test_accuracy_tuned"])
    assert sorted(zip(tuned.normalization, tuned.seed)) == [("batch", 1), ("batch", 2), ("none", 1), ("none", 2)]
    assert tuned.test_accuracy_tuned.to_list() == pytest.approx([0.91, 0.92, 0.91, 0.92])


def test_a_replication_tunes_on_its_first_seed():
    """A plan from first_seed 100: seed 100 picks the rate (its best is 0.1), 101-102 report at it."""
    rows = []
    for seed in (100, 101, 102):
        for rate in (0.01, 0.1):
            epochs = (2.0 if rate == 0.1 else 5.0) if seed == 100 else (5.0 if rate == 0.1 else 2.0)
            rows.append({"scaling": "a", "learning_rate": rate, "seed": seed, "status": "done", "test_accuracy": 0.9,
                         "epochs_to_target_dev": epochs, "best_dev_accuracy": 0.9, "final_dev_accuracy": 1 / epochs})
    frame = pd.DataFrame(rows)
    assert rate_grid.tuning_seed(frame) == 100
    derived = rate_grid.derive(frame, group="scaling", epochs=10)
    assert (derived.tuned_rate == 0.1).all()
    assert sorted(derived.dropna(subset=["epochs_to_target_tuned"]).seed) == [101, 102]
    assert rate_grid.best_on_dev(frame, "scaling") == {"a": 0.1}
    assert rate_grid.best_on_dev(frame, "scaling", seed=101) == {"a": 0.01}
    tuned = rate_grid.tuned_at_best(frame, "scaling", ("test_accuracy",), select="final_dev_accuracy")
    assert (tuned.tuned_rate == 0.1).all()
    assert sorted(tuned.dropna(subset=["test_accuracy_tuned"]).seed) == [101, 102]
