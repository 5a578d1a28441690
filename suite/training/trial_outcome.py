"""A trial's outcome once training has ended: the final evaluations of the kept weights, the
summary metrics (``suite.training.tasks``; uncertainty and probe summaries where asked) and the status
(``suite.training.outcomes``). Shared by the per-trial path (``suite.training.train``) and populations
(``suite.training.population``)."""
from __future__ import annotations

import math
import time

import keras
import numpy as np

from suite.data import datasets
from suite.data import shifts as image_shifts
from suite.training import collapse
from suite.training import logged
from suite.training import optimum
from suite.training import outcomes
from suite.training import augmentation
from suite.training import probes
from suite.training import saddle
from suite.training import sequence_models
from suite.training import tasks
from suite.training import uncertainty

FIT_THRESHOLDS = logged.FIT_THRESHOLDS  # the first epoch reaching each (Zhang et al.'s "time to fit")


def first_epoch_reaching(history: list[dict], threshold: float) -> float:
    """The first epoch whose training accuracy is >= threshold; NaN when none is."""
    return next((float(row["epoch"]) for row in history if row["accuracy"] >= threshold), math.nan)


def steps_per_epoch(n_train: int, batch_size: int) -> int:
    return max(1, math.ceil(n_train / batch_size))


def finish(config: dict, model: keras.Model, splits: datasets.Splits, rows: list[dict],
           diverged_epoch: int | None, initial_loss: float, started: float, eval_batch: int, evaluate_test: bool = True,
           probe_rows: list[dict] | None = None, evaluations: dict | None = None) -> dict:
    """A trial's outcome from its per-epoch ``rows``, with ``model`` holding the kept weights:
    the final evaluations (unless diverged), the summary metrics and the status. Shared by the
    per-trial path (``train``) and population training (``suite.training.population``), which passes the
    kept weights' ``evaluations`` (``{"train"|"test": Keras evaluate's logs}``) it computed for
    all members at once. ``eval_batch``: the evaluations' batch size."""
    steps = steps_per_epoch(len(splits.y_train), config["batch_size"])
    outcome = {"status": "done", "history": rows, "diverged_epoch": diverged_epoch,
               "metrics": {}, "n_params": int(model.count_params()), "splits": splits.sizes(),
               "steps_per_epoch": steps, "num_classes": splits.num_classes,
               "initial_loss": initial_loss}
    constant = tasks.constant_loss(config, splits)
    if constant is not None:
        outcome["constant_loss"] = constant
    if probe_rows is not None:
        outcome["probes"] = probe_rows
    if diverged_epoch is not None:
        outcome["status"] = "diverged"
    else:
        outcome["metrics"] = _metrics(config, model, splits, rows, eval_batch, evaluate_test, evaluations or {})
        if evaluate_test and uncertainty.requested(config):  # MC dropout, calibration, OOD entropy
            measured = uncertainty.evaluate(model, splits, config)
            if config["mc_passes"]:
                outcome["metrics"]["scaled_test_accuracy"] = outcome["metrics"]["test_accuracy"]
            outcome["metrics"].update(measured["metrics"])
            outcome["uncertainty"] = measured["record"]
    if probe_rows is not None:  # a diverged run keeps what the probe measured before the blow-up
        summarize = sequence_models.summary_metrics if probe_rows and "state_grad_norm" in probe_rows[0] \
            else probes.summary_metrics
        outcome["metrics"].update(summarize(probe_rows, at_end=outcome["status"] == "done"))
    outcome["status"] = outcomes.classify(outcome["status"], rows, outcome["metrics"],
                                          tasks.references(config, splits.num_classes, initial_loss, constant))
    outcome["wall_time_s"] = time.perf_counter() - started
    return outcome


def _metrics(config: dict, model: keras.Model, splits: datasets.Splits, rows: list[dict], eval_batch: int,
             evaluate_test: bool, evaluations: dict) -> dict:
    """The final metrics of a trial that ran to its end, with the kept weights (``suite.training.tasks``)."""
    regression = config["task"] == "regression"
    best, last = tasks.best_row(config, rows), rows[-1]

    def evaluate(split: str) -> dict:
        if split in evaluations:
            return evaluations[split]
        return model.evaluate(getattr(splits, f"x_{split}"), getattr(splits, f"y_{split}"),
                              batch_size=eval_batch, verbose=0, return_dict=True)

    metrics = {"epochs_trained": float(len(rows)), "best_epoch": best["epoch"],
               "min_dev_loss": min(row["dev_loss"] for row in tasks.validated(rows)),
               "kept_epoch": best["epoch"] if config["keep_weights"] == "best_dev" else last["epoch"],
               "final_train_loss": last["loss"]}
    train = evaluate("train")  # kept weights, (possibly corrupted) training set
    metrics["train_loss"] = float(train["loss"])
    if evaluate_test:
        test = evaluate("test")
        metrics["test_loss"] = float(test["loss"])
    if regression:
        if evaluate_test:
            predicted = model.predict(splits.x_test, batch_size=eval_batch, verbose=0)
            metrics.update(tasks.regression_metrics(splits.y_test, predicted, splits.target_mean,
                                                    splits.target_scale))
        if "optimal_loss" in splits.facts:  # data that knows its minimum (suite.data.quadratic)
            metrics.update(optimum.excess_metrics(rows, splits.facts, steps_per_epoch(len(splits.y_train),
                                                  config["batch_size"]), config["target_relative_error"]))
        if config["model"] == "saddle":  # the saddle layer's own readings (escape step, final point)
            metrics.update(saddle.readings(model))
        return {**metrics, **splits.facts}
    n_train = len(splits.y_train)
    # examples misclassified before their own update, over every epoch (Keras updates the epoch's
    # accuracy with each batch's predictions before the step): with batch size 1, the mistakes of
    # the perceptron rule that Novikoff's theorem bounds
    mistakes = float(sum(round(n_train * (1 - row["accuracy"])) for row in rows))
    metrics.update({
        **({"test_accuracy": float(test["sparse_categorical_accuracy"]),
            # the generalization gap: train minus test accuracy of the kept weights
            "generalization_gap": float(train["sparse_categorical_accuracy"]) - float(test["sparse_categorical_accuracy"])}
           if evaluate_test else {}),
        "train_accuracy": float(train["sparse_categorical_accuracy"]),
        # 1.0 when the kept weights classify every training example: its mean over seeds is the
        # fraction of seeds that fit the training set
        "fitted_fraction": float(train["sparse_categorical_accuracy"] >= 1.0),
        "best_dev_accuracy": best["dev_accuracy"], "first_dev_accuracy": rows[0]["dev_accuracy"],
        "final_train_accuracy": last["accuracy"], "final_dev_accuracy": last["dev_accuracy"],
        **{name: first_epoch_reaching(rows, threshold) for name, threshold in FIT_THRESHOLDS.items()},
        # the area under the dev-accuracy curve per epoch: how fast a run learns, in one number
        "mean_dev_accuracy": sum(row["dev_accuracy"] for row in rows) / len(rows),
        "train_mistakes": mistakes, **splits.facts,
    })
    if evaluate_test and config.get("tta_copies"):  # test-time augmentation (suite.training.augmentation)
        probabilities = augmentation.tta_predict(model, splits.x_test, config["tta_copies"], eval_batch)
        metrics["tta_test_accuracy"] = float((probabilities.argmax(axis=1) == splits.y_test).mean())
        metrics["tta_gain"] = metrics["tta_test_accuracy"] - metrics["test_accuracy"]
    if evaluate_test and config["test_shifts"]:
        metrics.update(shifted_accuracies(model, splits, config["test_shifts"], eval_batch))
    if evaluate_test and config["collapse_check"]:  # a linear stack is one linear map (suite.training.collapse)
        metrics.update(collapse.collapse_metrics(model, splits.x_test, eval_batch))
    if "mistake_bound" in splits.facts:
        metrics["mistakes_to_bound"] = mistakes / splits.facts["mistake_bound"]
    if config["target_dev_accuracy"]:
        epochs = next((float(row["epoch"]) for row in rows if row["dev_accuracy"] >= config["target_dev_accuracy"]),
                      math.nan)
        metrics["epochs_to_target_dev"] = epochs
        # optimizer steps until the end of that epoch (Shallue et al. 2019's steps to result, at
        # the resolution of an epoch)
        metrics["steps_to_target_dev"] = epochs * steps_per_epoch(n_train, config["batch_size"])
    return metrics


def shifted_accuracies(model: keras.Model, splits: datasets.Splits, shifts, eval_batch: int) -> dict:
    """``test_accuracy_shift_<k>``: the kept weights' accuracy on the test images shifted by k pixels
    in each of the four directions (``suite.data.shifts.shifted_copies``: 4 x the test split, zero
    fill), for k = 0 (the test split itself) and each of ``shifts``."""
    metrics = {}
    for k in (0, *shifts):
        x = image_shifts.shifted_copies(splits.x_test, k)
        y = np.tile(splits.y_test, len(x) // len(splits.y_test))
        logits = model.predict(x, batch_size=eval_batch, verbose=0)
        metrics[f"test_accuracy_shift_{k}"] = float(np.mean(np.argmax(logits, axis=-1) == y))
    return metrics
