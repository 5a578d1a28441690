"""One trial: build, train with the lecture loop, keep the best-dev (or last) weights, test once.

Returns plain values; writes nothing. The fast path compiles whole epochs into one execution
(``steps_per_execution``) with XLA (``jit_compile=True``, which Keras leaves off on CPU-only
TensorFlow unless asked), and validates in large batches, so small models are not dominated by
per-step Python overhead. Semantics (data order per seed, metrics, best-dev selection) are the
same as a plain ``fit`` loop.
"""
from __future__ import annotations

import dataclasses
import gc
import json
import os
import time
from collections import OrderedDict
from collections.abc import Callable

import keras

from suite.data import datasets
from suite.data import input_statistics
from suite.training import epoch_scan
from suite.data import folds
from suite.training import losses
from suite import registry
from suite.design import plugin_keys
from suite.training import contract
from suite.training import augmentation
from suite.training import probes
from suite.training import sequence_models
from suite.training import tasks
from suite.training import transfer
from suite.training import without_tensorflow
from suite.training.callbacks import EpochLog, StopAtTrainAccuracy, StopOnSignal
from suite.training.trial_outcome import finish, steps_per_epoch
from suite.errors import UserError, lookup
from suite.training.models import MODELS, OUTPUT_LOSSES
from suite.training.optim import (build_lr_callback, build_momentum_schedule, build_optimizer, build_schedule,
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
TRIAL_ONLY_KEYS = ("seed", "target_outliers", "separable_margin", "condition_number", "target_noise",
                   "target_relative_error", "saddle_x0", "saddle_y0", "saddle_jitter", "gradient_noise",
                   "cv_fold", "cv_folds", "holdout_fraction",
                   "mc_passes", "ood_dataset", "validation_freq", "input_statistics", "test_shifts")
# A constant learning rate is an optimizer variable (state, not a constant of the compiled step):
# trials differing only in it share a compiled model too (a schedule's rate is compiled in).
CONSTANT_RATE_KEYS = ("learning_rate",)
SCAN_EPOCHS = os.environ.get("SUITE_SCAN_EPOCHS", "1") != "0"  # JAX: one XLA call per epoch
# The scan pays where a step's dispatch costs more than its arithmetic (small dense steps). Inside
# the scan's loop XLA's CPU backend runs heavy operations slower than in a step of its own:
# steady epochs, one trial, this 2-core CPU (same numbers either way, tests/training/test_train.py):
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
    import jax  # deferred: loads JAX

    return any(device.platform == "gpu" for device in jax.devices())


_compiled: OrderedDict[str, keras.Model] = OrderedDict()
# Which weights are tested: model selection on the dev split, or the last epoch's (Zhang et al.
# train without early stopping, so the random-label rows are not rescued by an early epoch).
KEEP_WEIGHTS = {"best_dev": "the epoch with the best dev accuracy", "last": "the last epoch"}


def model_arguments(builder, config: dict, n_train: int) -> dict:
    """The builder's settings (its parameters after input_shape and num_classes, positional-or-
    keyword or keyword-only), read from the config by name, so each model takes its own keys;
    ``l2`` is derived because two conventions feed Keras's L2 coefficient. Raises UserError for a
    required setting no config key provides."""
    # Keras adds l2 * sum(w^2) to the mean batch loss; Nielsen adds lambda/(2n) * sum(w^2), and
    # weight decay (w -= lr * wd * w each step) is the gradient of wd/2 * sum(w^2).
    # Decoupled (AdamW) decay is the optimizer's, not a penalty (suite.training.optim.decoupled_decay_options).
    coupled = 0.0 if config.get("decoupled_weight_decay") else config["weight_decay"]
    derived = {"l2": config["l2_lambda"] / (2 * n_train) + coupled / 2}
    arguments = {}
    declared = plugin_keys.declared()
    for parameter in contract.settings(builder):
        if parameter.name in derived or parameter.name in config:
            arguments[parameter.name] = derived.get(parameter.name, config.get(parameter.name))
        elif parameter.name in declared and declared[parameter.name].default is not None:
            arguments[parameter.name] = declared[parameter.name].default  # a plug-in key left unset
        elif parameter.default is parameter.empty:
            raise UserError(f"model '{config['model']}' needs config key '{parameter.name}', which no config "
                            f"key provides; give it a default or name a key `suite keys` lists")
    return arguments


def build_model(config: dict, splits: datasets.Splits) -> keras.Model:
    builder = lookup(registry.extend(MODELS, registry.GROUPS["models"]), config["model"], "model")
    model = builder(splits.input_shape, splits.num_classes, **model_arguments(builder, config, len(splits.y_train)))
    if config["pretrain_classes"]:  # start from a network pretrained on other classes (suite.training.transfer)
        weights = transfer.pretrained(config, lambda cfg, data: build_model({**cfg, "pretrain_classes": []}, data))
        transfer.apply(model, weights, config["freeze_features"])
    return augmentation.wrap(model, splits.input_shape, config)  # the model itself unless augment_* is set


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
        import jax  # deferred: loads JAX

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
    # learning rate is then part of the program (suite.training.optim.decoupled_decay_options).
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
        import tensorflow as tf  # deferred: loads TensorFlow

        tf.config.experimental.enable_op_determinism()


def trial_splits(config: dict) -> datasets.Splits:
    """The trial's splits: the dataset, a validation protocol's re-split or the stratified subset,
    the seed's input transform and label corruption (drawn from their own generators)."""
    loaded = transfer.class_subset(datasets.for_trial(config), config["class_subset"])
    # a validation protocol (hold-out, k-fold, resubstitution) re-splits the pool, else the fixed dev split
    splits = folds.resplit(loaded, config) if folds.active(config) else datasets.subsample(loaded, config["train_size"])
    tasks.check(config, splits)
    splits = datasets.transform(splits, config["seed"], config["input_transform"],
                                config["label_corruption"], config["target_outliers"])
    if config["input_statistics"]:  # the spectrum of the inputs the network trains on, as facts
        splits = dataclasses.replace(splits, facts={**splits.facts, **input_statistics.of_training(splits.x_train)})
    return splits


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
    # in training): what "did not learn" and "blew up" are measured against (suite.training.outcomes).
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
        if config["model"] == "rnn":  # dL/dh_t per step through time, at the start and the end
            probe = sequence_models.StateGradientProbe(splits.x_train[:count], splits.y_train[:count])
        else:
            probe = probes.LayerProbe(splits.x_train[:count], splits.y_train[:count],
                                      lookup(OUTPUT_LOSSES, config["output_activation"], "output activation")(),
                                      config["activation"])
        callbacks.insert(0, probe)  # before EarlyStopping restores weights at the end
    model.fit(
        splits.x_train, splits.y_train, batch_size=config["batch_size"], epochs=config["epochs"],
        validation_data=(splits.x_dev, splits.y_dev), validation_batch_size=eval_batch if fast else None,
        validation_freq=config["validation_freq"], callbacks=callbacks, verbose=0, shuffle=config["shuffle"],
    )
    log.validate_last(model, splits.x_dev, splits.y_dev, eval_batch if fast else config["batch_size"])
    outcome = finish(config, model, splits, log.rows, log.diverged_epoch, initial_loss, started, eval_batch,
                     evaluate_test=evaluate_test, probe_rows=probe.rows if probe is not None else None)
    if keep_model and outcome["status"] == "done":
        outcome["model"] = model
    return outcome
