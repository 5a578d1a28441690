"""One trial: build, train with the lecture loop, keep the best-dev (or last) weights, test once.

Returns plain values; writes nothing. The fast path compiles whole epochs into one execution
(``steps_per_execution``) with XLA (``jit_compile=True``, which Keras leaves off on CPU-only
TensorFlow unless asked), and validates in large batches, so small models are not dominated by
per-step Python overhead. Semantics (data order per seed, metrics, best-dev selection) are the
same as a plain ``fit`` loop.
"""
from __future__ import annotations

import gc
import inspect
import json
import math
import os
import time
from collections import OrderedDict
from collections.abc import Callable

import keras

from suite import (datasets, epoch_scan, folds, interrupt, losses, outcomes, plugins, probes, tasks, uncertainty,
                   without_tensorflow)
from suite.errors import UserError, lookup
from suite.models import MODELS, OUTPUT_LOSSES
from suite.optim import (build_lr_callback, build_momentum_schedule, build_optimizer, build_schedule,
                         decoupled_decay_options)

EVAL_BATCH = 2000  # at most; dev and test share one batch shape so evaluation compiles once
# Compiled models kept per process, keyed by everything but the seed: a new seed of a known
# architecture and schedule reuses the compiled train/eval functions instead of tracing them again.
# Plans list a point's seeds together, so a few suffice; each kept model holds its programs (a
# population template also its vmapped ones, ~35 MB each on a CPU): with 8, 200 trials in
# populations of 4 grew 250 MB past the 10th trial, with 4 91 MB (benchmarks/memory_flat.py).
COMPILED_CACHE_SIZE = 4
# Keys that change only the data a trial draws, not the model or its training: trials differing in
# them share a compiled model as seeds do (a validation protocol changes the data only; the steps
# per epoch join the cache key instead; MC passes and OOD inputs act after training; the dev
# pass's frequency changes only when the compiled evaluation runs).
TRIAL_ONLY_KEYS = ("seed", "target_outliers", "separable_margin", "cv_fold", "cv_folds", "holdout_fraction",
                   "mc_passes", "ood_dataset", "validation_freq")
# A constant learning rate is an optimizer variable (state, not a constant of the compiled step):
# trials differing only in it share a compiled model too (a schedule's rate is compiled in).
CONSTANT_RATE_KEYS = ("learning_rate",)
SCAN_EPOCHS = os.environ.get("SUITE_SCAN_EPOCHS", "1") != "0"  # JAX: one XLA call per epoch
# The scan pays where a step's dispatch costs more than its arithmetic (small dense steps). Inside
# the scan's loop XLA's CPU backend runs heavy operations slower than in a step of its own:
# steady epochs, one trial, this 2-core CPU (same numbers either way, tests/test_train.py):
# memorization's cnn 0.43 s scanned vs 0.25 s per step; 784-30-10 at batch 1,000 0.023 vs 0.016;
# at batch 10 0.052 vs 0.080; 784-512-10 at batch 32 0.17 vs 0.22.
SCAN_LARGEST_BATCH = 256


def scans_epochs(config: dict) -> bool:
    """Whether the fast path runs this trial's epochs as one scanned XLA call (JAX). The limits
    were measured on a CPU; a GPU scans every epoch, as before them."""
    if not SCAN_EPOCHS:
        return False
    return on_gpu() or (config["model"] != "cnn" and config["batch_size"] <= SCAN_LARGEST_BATCH)


def on_gpu() -> bool:
    """Whether the JAX backend runs on a GPU (False on any other backend)."""
    if keras.backend.backend() != "jax":
        return False
    import jax

    return any(device.platform == "gpu" for device in jax.devices())


_compiled: OrderedDict[str, keras.Model] = OrderedDict()
# Which weights are tested: model selection on the dev split, or the last epoch's (Zhang et al.
# train without early stopping, so the random-label rows are not rescued by an early epoch).
KEEP_WEIGHTS = {"best_dev": "the epoch with the best dev accuracy", "last": "the last epoch"}
# First epoch whose training accuracy reaches the threshold (Zhang et al.'s "time to fit").
FIT_THRESHOLDS = {"epochs_to_99_9": 0.999, "epochs_to_100": 1.0}


class EpochLog(keras.callbacks.Callback):
    """Collects the lecture's per-epoch numbers and stops on a non-finite loss. An epoch without a
    dev pass (``validation_freq``) logs NaN dev metrics, which are no divergence."""

    def __init__(self, progress: Callable[[dict], None] | None = None):
        super().__init__()
        self.rows: list[dict] = []
        self.diverged_epoch: int | None = None
        self._progress = progress
        self._validated = True  # whether the last row's epoch had a dev pass

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        # The rate this epoch's steps use: read before its first step (a step-driven schedule read
        # at the epoch's end is already the next epoch's first rate), after the callbacks that set
        # it (ReduceLROnPlateau changes it at the previous epoch's end).
        self._rate = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        row = {"epoch": epoch + 1,
               "loss": float(logs.get("loss", math.nan)),
               "accuracy": float(logs.get("sparse_categorical_accuracy", math.nan)),
               "dev_loss": float(logs.get("val_loss", math.nan)),
               "dev_accuracy": float(logs.get("val_sparse_categorical_accuracy", math.nan)),
               "learning_rate": self._rate,
               "wall_time_s": time.perf_counter() - self._start}
        self.rows.append(row)
        self._validated = "val_loss" in logs
        if not (math.isfinite(row["loss"]) and (math.isfinite(row["dev_loss"]) or not self._validated)):
            self.diverged_epoch = epoch + 1
            self.model.stop_training = True
        if self._progress:
            self._progress(row)

    def validate_last(self, model: keras.Model, x, y, batch_size: int | None) -> None:
        """The dev pass of the last epoch trained when ``validation_freq`` skipped it (a last epoch
        off the schedule, or an early stop), so every trial ends with dev metrics: Keras's
        ``evaluate`` on the weights training left, as ``fit`` validates; a non-finite dev loss
        there is a divergence, as in ``on_epoch_end``."""
        if not self.rows or self._validated:
            return
        logs = model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)
        row = self.rows[-1]
        row["dev_loss"] = float(logs["loss"])
        row["dev_accuracy"] = float(logs.get("sparse_categorical_accuracy", math.nan))
        if not math.isfinite(row["dev_loss"]) and self.diverged_epoch is None:
            self.diverged_epoch = row["epoch"]


class StopOnSignal(keras.callbacks.Callback):
    """Ends the trial at the next epoch boundary after SIGINT or SIGTERM, also when the
    KeyboardInterrupt raised at the signal was swallowed inside Keras or JAX (suite.interrupt)."""

    def on_epoch_begin(self, epoch, logs=None):
        interrupt.check()

    def on_epoch_end(self, epoch, logs=None):
        interrupt.check()


class StopAtTrainAccuracy(keras.callbacks.Callback):
    """Ends training once an epoch's running training accuracy reaches ``threshold``."""

    def __init__(self, threshold: float):
        super().__init__()
        self.threshold = threshold

    def on_epoch_end(self, epoch, logs=None):
        if (logs or {}).get("sparse_categorical_accuracy", 0.0) >= self.threshold:
            self.model.stop_training = True


def model_arguments(builder, config: dict, n_train: int) -> dict:
    """The builder's keyword-only parameters, read from the config by name, so each model takes
    its own keys; ``l2`` is derived because two conventions feed Keras's L2 coefficient."""
    # Keras adds l2 * sum(w^2) to the mean batch loss; Nielsen adds lambda/(2n) * sum(w^2), and
    # weight decay (w -= lr * wd * w each step) is the gradient of wd/2 * sum(w^2).
    # Decoupled (AdamW) decay is the optimizer's, not a penalty (suite.optim.decoupled_decay_options).
    coupled = 0.0 if config.get("decoupled_weight_decay") else config["weight_decay"]
    derived = {"l2": config["l2_lambda"] / (2 * n_train) + coupled / 2}
    arguments = {}
    for parameter in inspect.signature(builder).parameters.values():
        if parameter.kind is not parameter.KEYWORD_ONLY:
            continue
        if parameter.name in derived or parameter.name in config:
            arguments[parameter.name] = derived.get(parameter.name, config.get(parameter.name))
        elif parameter.default is parameter.empty:
            raise UserError(f"model '{config['model']}' needs config key '{parameter.name}'")
    return arguments


def build_model(config: dict, splits: datasets.Splits) -> keras.Model:
    builder = lookup(plugins.extend(MODELS, plugins.GROUPS["models"]), config["model"], "model")
    return builder(splits.input_shape, splits.num_classes,
                   **model_arguments(builder, config, len(splits.y_train)))


def first_epoch_reaching(history: list[dict], threshold: float) -> float:
    """The first epoch whose training accuracy is >= threshold; NaN when none is."""
    return next((float(row["epoch"]) for row in history if row["accuracy"] >= threshold), math.nan)


def steps_per_epoch(n_train: int, batch_size: int) -> int:
    return max(1, math.ceil(n_train / batch_size))


def _optimizer(config: dict, steps: int) -> keras.optimizers.Optimizer:
    learning_rate = build_schedule(config["lr_schedule"], config["learning_rate"], steps,
                                   config["epochs"], config["lr_schedule_options"])
    momentum = build_momentum_schedule(config["momentum_schedule"], config["momentum"], steps,
                                       config["epochs"], config["momentum_schedule_options"])
    options = decoupled_decay_options(config["optimizer_options"], config["decoupled_weight_decay"],
                                      config["weight_decay"], config["learning_rate"])
    optimizer = build_optimizer(config["optimizer"], learning_rate, momentum, options)
    if config["decoupled_weight_decay"]:  # decay the kernels only, as the L2 penalty does
        optimizer.exclude_from_weight_decay(var_names=["bias"])
    return optimizer


def _free_compiled_programs() -> None:
    """An evicted model's programs live on in JAX's in-memory caches until cleared; clearing also
    drops the cached models' programs, which the persistent compilation cache gives back cheaply."""
    gc.collect()
    if keras.backend.backend() == "tensorflow":
        keras.backend.clear_session()  # TensorFlow keeps traced functions in its global state
    if keras.backend.backend() == "jax":
        import jax

        jax.clear_caches()


def compiled_model(config: dict, splits: datasets.Splits, fast: bool) -> keras.Model:
    """A compiled model holding this trial's initial weights (drawn from the seed just set).

    On the fast path a model compiled by an earlier trial of the same architecture and training
    settings is reused: it takes the fresh model's variables (weights and random-generator
    states) and a fresh optimizer's state, so the trial is the same as on a new model.
    """
    fresh = build_model(config, splits)
    steps = steps_per_epoch(len(splits.y_train), config["batch_size"])
    # AdamW's decoupled decay is weight_decay / learning_rate, a constant of the compiled step: the
    # learning rate is then part of the program (suite.optim.decoupled_decay_options).
    constant_rate = config["lr_schedule"] == "constant" and not config["decoupled_weight_decay"]
    shared = TRIAL_ONLY_KEYS + (CONSTANT_RATE_KEYS if constant_rate else ())
    key = json.dumps({**{k: v for k, v in config.items() if k not in shared}, "steps": steps}, sort_keys=True)
    cached = _compiled.get(key) if fast else None
    if cached is None:
        if not fast:
            keras.backend.clear_session(free_memory=True)
        fresh.compile(
            optimizer=_optimizer(config, steps),
            loss=losses.build(config["loss"], config["task"], config["output_activation"]),
            metrics=list(tasks.of(config).keras_metrics), jit_compile=True if fast else "auto",
            steps_per_execution=steps if fast else 1)
        # Build loss, metrics and optimizer now from a sample batch: left to ``fit``, the build
        # would draw one data permutation that a reused model does not, shifting the data order.
        fresh._symbolic_build(data_batch=(splits.x_train[:2], splits.y_train[:2]))
        if fast and scans_epochs(config):
            epoch_scan.install(fresh)
        if fast:
            _compiled[key] = fresh
            while len(_compiled) > COMPILED_CACHE_SIZE:
                _compiled.popitem(last=False)
                _free_compiled_programs()
        return fresh
    _compiled.move_to_end(key)
    for target, source in zip(cached.variables, fresh.variables, strict=True):
        target.assign(source)
    optimizer = _optimizer(config, steps)
    optimizer.build(cached.trainable_variables)
    for target, source in zip(cached.optimizer.variables, optimizer.variables, strict=True):
        target.assign(source)
    return cached


def _enable_determinism() -> None:
    """The determinism switch (``--deterministic``): TF's op determinism on top of the seeds."""
    if os.environ.get("SUITE_DETERMINISTIC") and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def trial_splits(config: dict) -> datasets.Splits:
    """The trial's splits: the dataset, a validation protocol's re-split or the stratified subset,
    the seed's input transform and label corruption (drawn from their own generators)."""
    loaded = datasets.for_trial(config)
    # a validation protocol (hold-out, k-fold, resubstitution) re-splits the pool, else the fixed dev split
    splits = folds.resplit(loaded, config) if folds.active(config) else datasets.subsample(loaded, config["train_size"])
    tasks.check(config, splits)
    return datasets.transform(splits, config["seed"], config["input_transform"],
                              config["label_corruption"], config["target_outliers"])


def train(config: dict, progress: Callable[[dict], None] | None = None, fast: bool = True,
          keep_model: bool = False, evaluate_test: bool = True) -> dict:
    """Run one trial described by ``config``; return its outcome (status, history, metrics).

    ``keep_model``: the outcome also holds ``model``, the trained ``keras.Model`` with the kept
    weights, for the caller to save before the next trial (which may reuse the compiled model).

    ``evaluate_test=False`` (search and nuisance trials, selected on the dev split) leaves the
    test split unseen: no ``test_accuracy`` / ``test_loss`` in the metrics.
    """
    started = time.perf_counter()
    _enable_determinism()
    without_tensorflow.set_random_seed(config["seed"])
    splits = trial_splits(config)
    model = compiled_model(config, splits, fast)
    eval_batch = min(EVAL_BATCH, len(splits.y_dev), len(splits.y_test))
    # The loss before any step (on one evaluation batch of the training set, penalty included as
    # in training): what "did not learn" and "blew up" are measured against (suite.outcomes).
    initial_loss = float(model.evaluate(splits.x_train[:eval_batch], splits.y_train[:eval_batch],
                                        batch_size=eval_batch, verbose=0, return_dict=True)["loss"])
    # Building a new model draws from the global generators and reusing one does not: reseed so
    # the data order is the same either way.
    without_tensorflow.set_random_seed(config["seed"])
    log = EpochLog(progress)
    callbacks = [StopOnSignal(), log]
    lookup(KEEP_WEIGHTS, config["keep_weights"], "keep_weights")
    if config["keep_weights"] == "best_dev" or config["early_stopping_patience"]:
        # best-dev selection is EarlyStopping that never stops; a patience also ends the run
        monitor, mode = tasks.of(config).monitor
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=monitor, mode=mode, patience=config["early_stopping_patience"] or config["epochs"] + 1,
            restore_best_weights=config["keep_weights"] == "best_dev"))
    if config["stop_at_train_accuracy"]:
        callbacks.append(StopAtTrainAccuracy(config["stop_at_train_accuracy"]))
    lr_callback = build_lr_callback(config["lr_callback"], config["lr_callback_options"])
    if lr_callback is not None:
        callbacks.append(lr_callback)
    probe = None
    if config["probe_examples"]:
        count = config["probe_examples"]
        probe = probes.LayerProbe(splits.x_train[:count], splits.y_train[:count],
                                  lookup(OUTPUT_LOSSES, config["output_activation"], "output activation")(),
                                  config["activation"])
        callbacks.insert(0, probe)  # before EarlyStopping restores weights at the end
    model.fit(
        splits.x_train, splits.y_train, batch_size=config["batch_size"], epochs=config["epochs"],
        validation_data=(splits.x_dev, splits.y_dev), validation_batch_size=eval_batch if fast else None,
        validation_freq=config["validation_freq"], callbacks=callbacks, verbose=0, shuffle=True,
    )
    log.validate_last(model, splits.x_dev, splits.y_dev, eval_batch if fast else config["batch_size"])
    outcome = finish(config, model, splits, log.rows, log.diverged_epoch, initial_loss, started,
                     evaluate_test=evaluate_test, probe_rows=probe.rows if probe is not None else None)
    if keep_model and outcome["status"] == "done":
        outcome["model"] = model
    return outcome


def finish(config: dict, model: keras.Model, splits: datasets.Splits, rows: list[dict],
           diverged_epoch: int | None, initial_loss: float, started: float, evaluate_test: bool = True,
           probe_rows: list[dict] | None = None, evaluations: dict | None = None) -> dict:
    """A trial's outcome from its per-epoch ``rows``, with ``model`` holding the kept weights:
    the final evaluations (unless diverged), the summary metrics and the status. Shared by the
    per-trial path (``train``) and population training (``suite.population``), which passes the
    kept weights' ``evaluations`` (``{"train"|"test": Keras evaluate's logs}``) it computed for
    all members at once."""
    steps = steps_per_epoch(len(splits.y_train), config["batch_size"])
    eval_batch = min(EVAL_BATCH, len(splits.y_dev), len(splits.y_test))
    outcome = {"status": "done", "history": rows, "diverged_epoch": diverged_epoch,
               "metrics": {}, "n_params": int(model.count_params()), "splits": splits.sizes(),
               "steps_per_epoch": steps, "num_classes": splits.num_classes,
               "initial_loss": initial_loss}
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
        outcome["metrics"].update(probes.summary_metrics(probe_rows, at_end=outcome["status"] == "done"))
    outcome["status"] = outcomes.classify(outcome["status"], rows, outcome["metrics"],
                                          tasks.references(config, splits.num_classes, initial_loss))
    outcome["wall_time_s"] = time.perf_counter() - started
    return outcome


def _metrics(config: dict, model: keras.Model, splits: datasets.Splits, rows: list[dict], eval_batch: int,
             evaluate_test: bool, evaluations: dict) -> dict:
    """The final metrics of a trial that ran to its end, with the kept weights (``suite.tasks``)."""
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
