import math

import keras
import numpy as np
import pytest

from suite.data import datasets
from suite.training import models
from suite.training import probes
from suite.training import train

LOSS = models.OUTPUT_LOSSES["softmax"]()


def _model(config, splits):
    keras.utils.set_random_seed(0)
    return train.build_model(config, splits)


@pytest.fixture
def splits():
    return datasets.load("synthetic")


@pytest.mark.parametrize("output", sorted(models.OUTPUT_LOSSES))
def test_bias_and_weight_gradient_norms_equal_one_plain_gradient_step(tiny_config, splits, output):
    config = {**tiny_config, "depth": 3, "activation": "sigmoid", "output_activation": output}
    model = _model(config, splits)
    x, y = splits.x_train[:64], splits.y_train[:64]
    loss = models.OUTPUT_LOSSES[output]()
    rows = probes.measure(model, loss, x, y, "sigmoid")
    before = [v.numpy() if hasattr(v, "numpy") else keras.ops.convert_to_numpy(v) for v in model.weights]
    # one full-batch step of plain gradient descent with rate 1 moves each parameter by -gradient
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss=loss)
    model.train_on_batch(x, y)
    after = [keras.ops.convert_to_numpy(v) for v in model.weights]
    steps = [b - a for b, a in zip(before, after)]
    kernels, biases = steps[0::2], steps[1::2]
    assert len(rows) == 4 and rows[-1]["output_layer"]
    for row, kernel, bias in zip(rows, kernels, biases):
        assert row["bias_grad_norm"] == pytest.approx(np.linalg.norm(bias), rel=1e-3)
        assert row["weight_grad_norm"] == pytest.approx(np.linalg.norm(kernel), rel=1e-3)


@pytest.mark.parametrize("activation", sorted(models.ACTIVATIONS))
def test_every_activation_can_be_probed(tiny_config, splits, activation):
    model = _model({**tiny_config, "depth": 2, "activation": activation}, splits)
    rows = probes.measure(model, LOSS, splits.x_train[:32], splits.y_train[:32], activation)
    hidden = [row for row in rows if not row["output_layer"]]
    assert len(hidden) == 2
    for row in hidden:
        assert row["bias_grad_norm"] > 0 and math.isfinite(row["weight_grad_norm"])
        assert row["activation_std"] > 0 and 0 <= row["dead_fraction"] <= 1
    assert math.isnan(rows[-1]["activation_std"])  # the output layer has no activation of its own


def test_dead_and_saturated_units_are_counted(tiny_config, splits):
    model = _model({**tiny_config, "depth": 2, "activation": "relu"}, splits)
    hidden_1 = model.get_layer("hidden_1")
    bias = keras.ops.convert_to_numpy(hidden_1.bias).copy()
    bias[: len(bias) // 2] = -1e3  # half the units can never fire
    bias[len(bias) // 2:] = 1e3  # and the others always do, whatever the backend's initial weights
    hidden_1.bias.assign(bias)
    rows = probes.measure(model, LOSS, splits.x_train[:32], splits.y_train[:32], "relu")
    assert rows[0]["dead_fraction"] == pytest.approx(0.5)
    assert math.isnan(rows[0]["saturated_fraction"])  # not defined for relu

    tanh = _model({**tiny_config, "depth": 1, "activation": "tanh"}, splits)
    tanh.get_layer("hidden_1").bias.assign(np.full(tiny_config["width"], 50.0, dtype="float32"))
    rows = probes.measure(tanh, LOSS, splits.x_train[:32], splits.y_train[:32], "tanh")
    assert rows[0]["saturated_fraction"] == pytest.approx(1.0)


def test_probing_does_not_change_training_and_records_every_epoch(tiny_config):
    config = {**tiny_config, "depth": 2, "epochs": 3}
    probed = train.train({**config, "probe_examples": 50})
    plain = train.train(config)
    assert [row["loss"] for row in probed["history"]] == [row["loss"] for row in plain["history"]]
    assert sorted({row["epoch"] for row in probed["probes"]}) == [0, 1, 2, 3]
    metrics = probed["metrics"]
    assert {"grad_ratio_first_last", "activation_std_ratio", "dead_fraction", "bias_grad_norm_2"} <= set(metrics)
    assert "probes" not in plain and "grad_ratio_first_last" not in plain["metrics"]


def test_a_diverged_run_keeps_only_what_was_measured_at_initialization():
    rows = [{"epoch": epoch, "layer": layer, "output_layer": False, "bias_grad_norm": 1.0 * layer,
             "activation_std": 1.0, "backprop_grad_std": 1.0, "dead_fraction": 0.0, "saturated_fraction": 0.0}
            for epoch in (0, 1) for layer in (1, 2)]
    assert probes.summary_metrics(rows)["grad_ratio_first_last"] == 0.5
    early = probes.summary_metrics(rows, at_end=False)
    assert "dead_fraction" not in early and early["bias_grad_norm_2"] == 2.0


@pytest.mark.parametrize("last_std, drift", [(1.0, 0.0), (2.0, math.log(2)), (0.5, math.log(2)), (0.0, math.nan)])
def test_activation_std_drift_is_the_scale_change_either_way(last_std, drift):
    rows = [{"epoch": 0, "layer": layer, "output_layer": False, "bias_grad_norm": 1.0, "activation_std": std,
             "backprop_grad_std": 1.0, "dead_fraction": 0.0, "saturated_fraction": 0.0}
            for layer, std in ((1, 1.0), (2, last_std))]
    assert probes.summary_metrics(rows)["activation_std_drift"] == pytest.approx(drift, nan_ok=True)


def _one_step(model, x, y):
    """Each trainable variable's change in one full-batch gradient step of rate 1 (= its gradient)."""
    before = {v.path: keras.ops.convert_to_numpy(v).copy() for v in model.trainable_variables}
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss=LOSS)
    model.train_on_batch(x, y)
    return {path: value - keras.ops.convert_to_numpy(next(v for v in model.trainable_variables if v.path == path))
            for path, value in before.items()}


@pytest.mark.parametrize("placement", ["before", "after"])
def test_residual_nets_are_probed_through_their_graph_without_the_shortcuts(tiny_config, splits, placement):
    """Gradient norms of a residual net (a projection shortcut, layer norm) equal one plain step's."""
    config = {**tiny_config, "model": "residual_mlp", "widths": [16, 16, 24, 24], "activation": "tanh",
              "normalization": "layer", "normalization_placement": placement}
    model = _model(config, splits)
    x, y = splits.x_train[:64], splits.y_train[:64]
    rows = probes.measure(model, LOSS, x, y, "tanh")
    assert [row["layer"] for row in rows] == [1, 2, 3, 4, 5] and rows[-1]["output_layer"]
    steps = _one_step(model, x, y)
    names = ["hidden_1", "hidden_2", "hidden_3", "hidden_4", "output"]
    for row, name in zip(rows, names):
        assert row["weight_grad_norm"] == pytest.approx(np.linalg.norm(steps[f"{name}/kernel"]), rel=1e-3)
        assert row["bias_grad_norm"] == pytest.approx(np.linalg.norm(steps[f"{name}/bias"]), rel=1e-3)


def test_batch_norm_is_probed_on_batch_statistics_and_its_averages_stay(tiny_config, splits):
    model = _model({**tiny_config, "depth": 2, "normalization": "batch"}, splits)
    averages = [keras.ops.convert_to_numpy(v).copy() for v in model.non_trainable_variables]
    x, y = splits.x_train[:64], splits.y_train[:64]
    rows = probes.measure(model, LOSS, x, y, "sigmoid")
    assert all(np.array_equal(a, keras.ops.convert_to_numpy(v))
               for a, v in zip(averages, model.non_trainable_variables))
    # the sigmoid's input is the normalized pre-activation: over the batch its median sits near
    # beta = 0 and its 15th/85th percentiles near -1/+1 std (gamma = 1)
    for row in rows[:-1]:
        assert row["act_input_p15"] < row["act_input_p50"] < row["act_input_p85"]
        assert -1.5 < row["act_input_p15"] < -0.5 and 0.5 < row["act_input_p85"] < 1.5
    # a hidden Dense bias before BN gets no gradient in training mode (BN removes the mean)
    assert rows[0]["bias_grad_norm"] < 1e-5 < rows[0]["weight_grad_norm"]


def test_probing_a_batch_normalized_net_does_not_change_training(tiny_config):
    config = {**tiny_config, "depth": 2, "epochs": 2, "normalization": "batch", "dropout": 0.2}
    probed = train.train({**config, "probe_examples": 50})
    plain = train.train(config)
    assert [row["loss"] for row in probed["history"]] == [row["loss"] for row in plain["history"]]
    assert {"act_input_p15", "act_input_p50", "act_input_p85"} <= set(probed["probes"][0])


@pytest.mark.parametrize("end, drift", [((-1.0, 0.0, 1.0), 0.0), ((0.0, 1.0, 2.0), 0.5), ((-2.0, 0.0, 2.0), 0.5),
                                        ((-1.0, 0.0, 5.0), 2.0)])
def test_act_input_drift_is_the_largest_percentile_move_in_initial_spreads(end, drift):
    def row(epoch, layer, percentiles):
        return {"epoch": epoch, "layer": layer, "output_layer": False, "bias_grad_norm": 1.0, "activation_std": 1.0,
                "backprop_grad_std": 1.0, "dead_fraction": 0.0, "saturated_fraction": 0.0,
                **{f"act_input_p{q}": p for q, p in zip((15, 50, 85), percentiles)}}

    rows = [row(0, 1, (0.0, 0.0, 0.0)), row(0, 2, (-1.0, 0.0, 1.0)), row(3, 1, (9.0, 9.0, 9.0)), row(3, 2, end)]
    assert probes.summary_metrics(rows)["act_input_drift"] == pytest.approx(drift)
    assert "act_input_drift" not in probes.summary_metrics(rows, at_end=False)


@pytest.mark.parametrize("last_grad, drift", [(1.0, 0.0), (4.0, math.log(4)), (0.25, math.log(4)), (0.0, math.nan)])
def test_backprop_std_drift_is_the_gradient_scale_change_either_way(last_grad, drift):
    rows = [{"epoch": 0, "layer": layer, "output_layer": False, "bias_grad_norm": 1.0, "activation_std": 1.0,
             "backprop_grad_std": grad, "dead_fraction": 0.0, "saturated_fraction": 0.0}
            for layer, grad in ((1, 1.0), (2, last_grad))]
    assert probes.summary_metrics(rows)["backprop_std_drift"] == pytest.approx(drift, nan_ok=True)
