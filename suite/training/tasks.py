"""Task types: what a trial predicts, which Keras metrics it logs, which epoch is "best" on the
dev split, what it reports on the test split, and what "did not learn" is measured against.

- ``classification``: integer labels, accuracy (``sparse_categorical_accuracy``), best dev epoch =
  highest dev accuracy, test accuracy and loss.
- ``regression``: one real target per example, trained standardized; best dev epoch = lowest dev
  loss; on the test split ``test_mse``, ``test_mae`` (the target's units, squared for MSE) and
  ``test_r2`` (coefficient of determination), computed by scikit-learn on the predictions mapped
  back to the target's units (``Splits.target_mean`` + ``target_scale`` x prediction).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from suite.training import logged
from suite.training import losses
from suite.training import outcomes
from suite.errors import UserError


@dataclass(frozen=True)
class Task:
    keras_metrics: tuple  # compiled into the model; the first is the logged "accuracy"
    monitor: tuple  # (Keras log name, mode) of the best-dev epoch
    required: tuple  # metrics every finished trial has (suite.store.records)
    wording: str  # how the report's legend describes the metrics


TASKS = {
    "classification": Task(("sparse_categorical_accuracy",), ("val_sparse_categorical_accuracy", "max"),
                           ("test_accuracy", "best_dev_accuracy"),
                           "Accuracies in %"),
    "regression": Task((), ("val_loss", "min"), ("test_mse", "min_dev_loss"),
                       "Regression errors on the clean test targets in the target's units (MSE in squared "
                       "units), R^2 = 1 - SSE/SST"),
}
REGRESSION_METRICS = logged.REGRESSION


def of(config: dict) -> Task:
    return TASKS[config.get("task", "classification")]


def check(config: dict, splits) -> None:
    """The config's task and outlier fraction against the data (UserError naming the fix)."""
    task = config.get("task", "classification")
    if splits.task != task:
        raise UserError(f"dataset '{config['dataset']}' is a {splits.task} dataset but task={task}; "
                        f"set --set task={splits.task} or choose a {task} dataset")
    if config.get("target_outliers") and task != "regression":
        raise UserError(f"target_outliers={config['target_outliers']} replaces regression targets; "
                        f"use label_corruption for a classifier, or target_outliers=0")
    if task == "regression" and config.get("label_corruption"):
        raise UserError("label_corruption needs class labels; a regression uses target_outliers")


def validated(rows: list[dict]) -> list[dict]:
    """The epochs that ended with a dev pass (``validation_freq`` skips some: their dev metrics are
    NaN; the last epoch trained always has one)."""
    return [row for row in rows if not math.isnan(row["dev_loss"])] or rows


def best_row(config: dict, rows: list[dict]) -> dict:
    """The epoch the best-dev weights come from: highest dev accuracy, or lowest dev loss, among
    the epochs with a dev pass."""
    if config.get("task", "classification") == "regression":
        return min(validated(rows), key=lambda row: row["dev_loss"])
    return max(validated(rows), key=lambda row: row["dev_accuracy"])


def regression_metrics(y_true, predicted, mean: float = 0.0, scale: float = 1.0, prefix: str = "test") -> dict:
    """MSE, MAE and R^2 of standardized ``predicted`` against standardized ``y_true`` (shapes (N,)
    or (N, 1)), both mapped back to the target's units: value = mean + scale x standardized."""
    truth = mean + scale * np.asarray(y_true, dtype=np.float64).reshape(-1)
    guess = mean + scale * np.asarray(predicted, dtype=np.float64).reshape(-1)
    return {f"{prefix}_mse": float(mean_squared_error(truth, guess)),
            f"{prefix}_mae": float(mean_absolute_error(truth, guess)),
            f"{prefix}_r2": float(r2_score(truth, guess))}


def constant_loss(config: dict, splits) -> float | None:
    """A regression's training loss (its own loss function, without the weight penalty) when it
    predicts the mean of its training targets, 0 on their standardized scale: the constant
    predictor that "did not learn" is measured against. None for a classifier."""
    if config.get("task", "classification") != "regression":
        return None
    target = np.asarray(splits.y_train, dtype=np.float32).reshape(len(splits.y_train), -1)
    loss = losses.build(config["loss"], "regression")(target, np.zeros_like(target))
    return float(np.mean(np.asarray(loss)))


def references(config: dict, num_classes: int, initial_loss: float | None,
               constant: float | None = None) -> outcomes.References:
    """What "did not learn" is measured against: a classifier's chance level and initial loss; a
    regression's constant predictor's loss (``constant_loss``) and initial loss."""
    if config.get("task", "classification") == "regression":
        return outcomes.References(initial_loss if initial_loss is not None else float("inf"), None, constant)
    return outcomes.classification_references(num_classes, config.get("output_activation", "softmax"),
                                               initial_loss)
