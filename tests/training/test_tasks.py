"""Task types: a tiny regression trial's metrics against NumPy on the same predictions, and the
checks between task, loss and data."""
import numpy as np
import pytest

from suite.data import datasets
from suite.training import tasks
from suite.training import train
from suite.design.config import validate
from suite.training.checks import check_data, check_trial
from suite.errors import UserError
from suite.design.study import DEFAULTS

REGRESSION = {**DEFAULTS, "dataset": "diabetes", "task": "regression", "loss": "huber", "depth": 0,
              "optimizer": "adam", "learning_rate": 0.05, "batch_size": 32, "epochs": 3, "keep_weights": "last",
              "target_outliers": 0.2, "seed": 0}


def test_a_regression_trial_reports_mse_mae_and_r2_in_the_targets_units():
    outcome = train.train(REGRESSION, keep_model=True)
    assert outcome["status"] == "done" and "test_accuracy" not in outcome["metrics"]
    splits = datasets.load("diabetes")
    predicted = outcome["model"].predict(splits.x_test, verbose=0).reshape(-1)
    truth = splits.target_mean + splits.target_scale * splits.y_test.astype(float)
    guess = splits.target_mean + splits.target_scale * predicted.astype(float)
    errors = guess - truth
    metrics = outcome["metrics"]
    assert metrics["test_mse"] == pytest.approx(np.mean(errors ** 2), rel=1e-5)
    assert metrics["test_mae"] == pytest.approx(np.mean(np.abs(errors)), rel=1e-5)
    r2 = 1 - np.sum(errors ** 2) / np.sum((truth - truth.mean()) ** 2)
    assert metrics["test_r2"] == pytest.approx(r2, rel=1e-5, abs=1e-6)
    assert all(row["accuracy"] != row["accuracy"] for row in outcome["history"])  # no accuracy logged (NaN)


def test_regression_metrics_undo_the_standardization():
    got = tasks.regression_metrics(np.array([0.0, 1.0]), np.array([[1.0], [1.0]]), mean=10.0, scale=2.0)
    assert got == {"test_mse": pytest.approx(2.0), "test_mae": pytest.approx(1.0), "test_r2": pytest.approx(-1.0)}


@pytest.mark.parametrize("overrides, message", [
    ({"task": "classification", "loss": "mse"}, "is a regression dataset"),
    ({"loss": "cross_entropy"}, "not a regression one"),
    ({"label_corruption": 0.1}, "needs class labels"),
])
def test_task_loss_and_data_must_agree(overrides, message):
    config = validate({**REGRESSION, **overrides})
    with pytest.raises(UserError, match=message):
        check_trial(config)
        check_data(config, datasets.load(config["dataset"]))


def test_outliers_need_a_regression():
    config = validate({**DEFAULTS, "dataset": "synthetic", "target_outliers": 0.1})
    with pytest.raises(UserError, match="target_outliers"):
        check_data(config, datasets.load("synthetic"))
