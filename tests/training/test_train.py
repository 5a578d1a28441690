import math

import keras
import pytest

from suite.training import train as train_module
from suite.training.train import train


def test_lecture_loop_records_each_epoch_and_tests_the_best_dev_weights(tiny_config):
    seen = []
    outcome = train({**tiny_config, "epochs": 3}, progress=seen.append)
    assert outcome["status"] == "done" and outcome["diverged_epoch"] is None
    assert [row["epoch"] for row in outcome["history"]] == [1, 2, 3] == [row["epoch"] for row in seen]
    for row in outcome["history"]:
        assert {"loss", "accuracy", "dev_loss", "dev_accuracy", "wall_time_s"} <= set(row)
    metrics = outcome["metrics"]
    assert metrics["best_dev_accuracy"] == max(row["dev_accuracy"] for row in outcome["history"])
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["best_epoch"] in (1, 2, 3)
    assert outcome["splits"] == {"train": 600, "dev": 200, "test": 200}


def test_same_seed_same_numbers(tiny_config):
    first, second = train(tiny_config), train(tiny_config)
    assert first["history"][-1]["loss"] == second["history"][-1]["loss"]
    assert first["metrics"]["test_accuracy"] == second["metrics"]["test_accuracy"]
    other = train({**tiny_config, "seed": 1})
    assert other["history"][-1]["loss"] != first["history"][-1]["loss"]


@pytest.mark.parametrize("skip_dev", [False, True])
def test_divergence_is_a_result(tiny_config, skip_dev):
    """A non-finite training loss ends the trial as diverged, also on an epoch without a dev pass
    (validation_freq), whose dev pass then runs at that last epoch."""
    skipped = {"keep_weights": "last", "validation_freq": 10} if skip_dev else {}
    outcome = train({**tiny_config, "optimizer": "momentum", "learning_rate": 100.0, "epochs": 4,
                     "activation": "linear", "depth": 3, **skipped})
    assert outcome["status"] == "diverged"
    assert outcome["diverged_epoch"] == len(outcome["history"]) <= 4
    assert not math.isfinite(outcome["history"][-1]["loss"])
    assert outcome["metrics"] == {}
    if skip_dev:
        assert all(math.isnan(row["dev_loss"]) for row in outcome["history"][:-1])


def test_validation_freq_skips_dev_passes_but_never_the_last_epochs(tiny_config):
    """validation_freq=2 over 5 epochs: dev passes after epochs 2, 4 (Keras fit's schedule) and 5
    (the last); the others log NaN, which is no divergence, and training is unchanged."""
    config = {**tiny_config, "epochs": 5, "keep_weights": "last", "learning_rate": 0.5}
    every, sparse = train(config), train({**config, "validation_freq": 2})
    assert sparse["status"] == every["status"] == "done" and len(sparse["history"]) == 5
    assert [math.isnan(row["dev_loss"]) and math.isnan(row["dev_accuracy"]) for row in sparse["history"]] == \
        [True, False, True, False, False]
    for row, other in zip(sparse["history"], every["history"], strict=True):
        assert row["loss"] == other["loss"]
        if not math.isnan(row["dev_loss"]):
            assert (row["dev_loss"], row["dev_accuracy"]) == pytest.approx((other["dev_loss"], other["dev_accuracy"]))
    metrics, measured = sparse["metrics"], [row for row in sparse["history"] if row["epoch"] in (2, 4, 5)]
    assert metrics["best_dev_accuracy"] == max(row["dev_accuracy"] for row in measured)
    assert metrics["min_dev_loss"] == min(row["dev_loss"] for row in measured)
    assert metrics["final_dev_accuracy"] == sparse["history"][-1]["dev_accuracy"]
    assert metrics["best_epoch"] in (2, 4, 5) and metrics["kept_epoch"] == 5
    assert math.isnan(metrics["first_dev_accuracy"]) and math.isnan(metrics["mean_dev_accuracy"])  # not measured
    assert metrics["test_accuracy"] == every["metrics"]["test_accuracy"]


@pytest.mark.parametrize("fast", [True, False])
def test_plain_and_fast_paths_learn(tiny_config, fast):
    outcome = train({**tiny_config, "depth": 0, "epochs": 3, "learning_rate": 0.5}, fast=fast)
    assert outcome["metrics"]["test_accuracy"] > 0.5


def test_nielsen_l2_scales_with_training_set_size(tiny_config):
    from suite.data import datasets
    from suite.training.train import build_model

    model = build_model({**tiny_config, "l2_lambda": 6.0}, datasets.load("synthetic"))
    regularizer = model.get_layer("output").kernel_regularizer
    assert regularizer.l2 == pytest.approx(6.0 / (2 * 600))


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_reusing_a_compiled_model_changes_no_number(tiny_config, dropout, monkeypatch):
    from suite.training import train as train_module

    config = {**tiny_config, "dropout": dropout, "seed": 1}
    monkeypatch.setattr(train_module, "_compiled", type(train_module._compiled)())
    fresh = train(config)  # compiles a new model
    train({**config, "seed": 2})
    reused = train(config)  # same architecture: the compiled model of the first trial is reused
    assert len(train_module._compiled) == 1
    assert reused["history"] == [dict(row, wall_time_s=r["wall_time_s"]) for row, r in
                                 zip(fresh["history"], reused["history"])]
    assert reused["metrics"] == fresh["metrics"]


def test_a_new_constant_learning_rate_reuses_the_compiled_model_and_changes_no_number(tiny_config, monkeypatch):
    """A constant rate is an optimizer variable: a trial at another rate takes the compiled model
    of the first and trains exactly as on a model compiled for it."""
    from suite.training import train as train_module

    config = {**tiny_config, "learning_rate": 0.5, "seed": 1}
    monkeypatch.setattr(train_module, "_compiled", type(train_module._compiled)())
    fresh = train(config)
    monkeypatch.setattr(train_module, "_compiled", type(train_module._compiled)())
    train({**config, "learning_rate": 0.05})
    reused = train(config)
    assert len(train_module._compiled) == 1
    strip = lambda rows: [{k: v for k, v in row.items() if k != "wall_time_s"} for row in rows]  # noqa: E731
    assert strip(reused["history"]) == strip(fresh["history"])
    assert reused["metrics"] == fresh["metrics"]


def test_builders_get_config_keys_by_their_signature(tiny_config):
    from suite.training import models
    from suite.errors import UserError
    from suite.training.train import model_arguments

    config = {**tiny_config, "weight_decay": 1e-3, "l2_lambda": 6.0, "conv_filters": [3]}
    mlp = model_arguments(models.build_mlp, config, n_train=600)
    assert set(mlp) == {"depth", "width", "widths", "activation", "kernel_initializer", "bias_initializer", "l2",
                        "dropout", "l1", "max_norm", "input_dropout", "normalization", "normalization_placement"}
    assert mlp["l2"] == pytest.approx(6.0 / 1200 + 1e-3 / 2)  # Nielsen's lambda/(2n) plus wd/2
    cnn = model_arguments(models.build_cnn, config, n_train=600)
    assert cnn["conv_filters"] == [3] and "random_crop" in cnn
    with pytest.raises(UserError, match="needs config key 'conv_filters'"):
        model_arguments(models.build_cnn, {k: v for k, v in config.items() if k != "conv_filters"}, 600)


def test_stop_at_train_accuracy_and_the_time_to_fit(tiny_config):
    config = {**tiny_config, "epochs": 30, "learning_rate": 0.5, "stop_at_train_accuracy": 0.9,
              "keep_weights": "last"}
    outcome = train(config)
    accuracies = [row["accuracy"] for row in outcome["history"]]
    assert accuracies[-1] >= 0.9 and max(accuracies[:-1]) < 0.9 and len(accuracies) < 30
    metrics = outcome["metrics"]
    assert metrics["kept_epoch"] == len(accuracies)
    assert math.isnan(metrics["epochs_to_100"]) or metrics["epochs_to_100"] == len(accuracies)
    assert 0 <= metrics["train_accuracy"] <= 1 and outcome["steps_per_epoch"] == 600 // 50


def test_keep_weights_best_dev_or_last(tiny_config):
    config = {**tiny_config, "epochs": 6, "learning_rate": 0.5, "depth": 0}
    best = train(config)["metrics"]
    last = train({**config, "keep_weights": "last"})["metrics"]
    assert best["kept_epoch"] == best["best_epoch"] and last["kept_epoch"] == 6
    assert best["best_dev_accuracy"] == last["best_dev_accuracy"]  # same run, other weights kept


def test_schedule_and_transforms_reach_training(tiny_config):
    config = {**tiny_config, "epochs": 3, "lr_schedule": "exponential",
              "lr_schedule_options": {"decay_rate": 0.5}}
    rates = [row["learning_rate"] for row in train(config)["history"]]
    assert rates == pytest.approx([0.1, 0.05, 0.025])  # the rate each epoch's steps used
    random = {**config, "label_corruption": 1.0, "input_transform": "shuffled_pixels"}
    first, again = train(random), train(random)
    assert [r["loss"] for r in first["history"]] == [r["loss"] for r in again["history"]]
    assert first["metrics"]["test_accuracy"] == again["metrics"]["test_accuracy"]
    assert first["history"][-1]["loss"] != train(config)["history"][-1]["loss"]


def test_epochs_are_scanned_where_the_scan_pays(tiny_config, monkeypatch):
    monkeypatch.setattr(train_module, "SCAN_EPOCHS", True)
    assert train_module.scans_epochs(tiny_config)
    gpu = train_module.on_gpu()  # the limits were measured on a CPU; a GPU scans every epoch
    assert train_module.scans_epochs({**tiny_config, "model": "cnn"}) == gpu
    assert train_module.scans_epochs({**tiny_config, "batch_size": 1000}) == gpu
    monkeypatch.setattr(train_module, "SCAN_EPOCHS", False)
    assert not train_module.scans_epochs(tiny_config)


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="the epoch scan is the JAX fast path")
@pytest.mark.parametrize("batch_size,dropout", [(50, 0.0), (64, 0.3)])  # 600 = 9 x 64 + a short batch
def test_scanned_epochs_give_the_numbers_of_keras_own_loop(tiny_config, batch_size, dropout, monkeypatch):
    config = {**tiny_config, "batch_size": batch_size, "dropout": dropout, "epochs": 3}
    runs = []
    for scan in (True, False):
        monkeypatch.setattr(train_module, "SCAN_EPOCHS", scan)
        monkeypatch.setattr(train_module, "_compiled", type(train_module._compiled)())
        runs.append(train(config))
    assert [row["loss"] for row in runs[0]["history"]] == [row["loss"] for row in runs[1]["history"]]
    assert runs[0]["metrics"]["test_accuracy"] == runs[1]["metrics"]["test_accuracy"]
