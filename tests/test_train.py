import math

import pytest

from suite.train import train


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


def test_divergence_is_a_result(tiny_config):
    outcome = train({**tiny_config, "optimizer": "momentum", "learning_rate": 100.0, "epochs": 4,
                     "activation": "linear", "depth": 3})
    assert outcome["status"] == "diverged"
    assert outcome["diverged_epoch"] == len(outcome["history"]) <= 4
    assert not math.isfinite(outcome["history"][-1]["loss"])
    assert outcome["metrics"] == {}


@pytest.mark.parametrize("fast", [True, False])
def test_plain_and_fast_paths_learn(tiny_config, fast):
    outcome = train({**tiny_config, "depth": 0, "epochs": 3, "learning_rate": 0.5}, fast=fast)
    assert outcome["metrics"]["test_accuracy"] > 0.5


def test_nielsen_l2_scales_with_training_set_size(tiny_config):
    from suite import datasets
    from suite.train import build_model

    model = build_model({**tiny_config, "l2_lambda": 6.0}, datasets.load("synthetic"))
    regularizer = model.get_layer("output").kernel_regularizer
    assert regularizer.l2 == pytest.approx(6.0 / (2 * 600))


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_reusing_a_compiled_model_changes_no_number(tiny_config, dropout, monkeypatch):
    from suite import train as train_module

    config = {**tiny_config, "dropout": dropout, "seed": 1}
    monkeypatch.setattr(train_module, "_compiled", type(train_module._compiled)())
    fresh = train(config)  # compiles a new model
    train({**config, "seed": 2})
    reused = train(config)  # same architecture: the compiled model of the first trial is reused
    assert len(train_module._compiled) == 1
    assert reused["history"] == [dict(row, wall_time_s=r["wall_time_s"]) for row, r in
                                 zip(fresh["history"], reused["history"])]
    assert reused["metrics"] == fresh["metrics"]
