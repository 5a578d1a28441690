"""Issue 16's regularizers: L1 / L1+L2 penalties, max-norm, dropout per placement, early stopping
with patience, AdamW's decoupled decay, the generalization gap, the optimum_spread rule and the
heatmap figure."""
import math

import keras
import numpy as np
import pandas as pd
import pytest

from suite.design import config as schema
from suite.training import checks
from suite.reporting import heatmaps
from suite.training import models
from suite.training import optim
from suite.errors import UserError
from suite.design.study import DEFAULTS, Rule
from suite.training.train import model_arguments, train
from suite.analysis import verdicts

PENALTIES = [({"l1": 1e-3}, keras.regularizers.L1), ({"weight_decay": 1e-3}, keras.regularizers.L2),
             ({"l1": 1e-3, "weight_decay": 1e-3}, keras.regularizers.L1L2), ({}, type(None))]


def mlp(**config):
    arguments = model_arguments(models.build_mlp, {**DEFAULTS, "width": 8, "depth": 2, **config}, n_train=100)
    return models.build_mlp((4, 4, 1), 3, **arguments)


def dense(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


@pytest.mark.parametrize("config, kind", PENALTIES)
def test_each_penalty_is_the_keras_regularizer_on_every_kernel(config, kind):
    for layer in dense(mlp(**config)):
        assert type(layer.kernel_regularizer) is kind and layer.bias_regularizer is None
    if kind is keras.regularizers.L1L2:  # both coefficients reach Keras (weight decay wd is L2 of wd / 2)
        penalty = dense(mlp(**config))[0].kernel_regularizer.get_config()
        assert penalty == {"l1": pytest.approx(1e-3), "l2": pytest.approx(5e-4)}


def test_max_norm_caps_each_units_incoming_weights_after_training(tiny_config):
    config = {**tiny_config, "max_norm": 0.5, "learning_rate": 1.0, "epochs": 2, "keep_weights": "last"}
    outcome = train(config, keep_model=True)
    for layer in dense(outcome["model"]):
        assert isinstance(layer.kernel_constraint, keras.constraints.MaxNorm)
        norms = np.linalg.norm(keras.ops.convert_to_numpy(layer.kernel), axis=0)  # one per unit
        assert norms.max() <= 0.5 + 1e-5
    free = train({**config, "max_norm": 0.0}, keep_model=True)["model"]
    assert max(np.linalg.norm(keras.ops.convert_to_numpy(layer.kernel), axis=0).max() for layer in dense(free)) > 0.5


@pytest.mark.parametrize("placement, key", [("input", "input_dropout"), ("hidden", "dropout")])
def test_dropout_goes_where_its_key_says(placement, key):
    model = mlp(**{key: 0.3})
    kinds = [type(layer).__name__ for layer in model.layers]
    drops = [index for index, name in enumerate(kinds) if name == "Dropout"]
    if placement == "input":  # right after Flatten, before the first Dense layer
        assert drops == [1] and kinds[0] == "Flatten"
    else:  # after each hidden activation, never after the output logits
        assert len(drops) == 2 and all(kinds[i - 1] == "Activation" for i in drops) and kinds[-1] == "Dense"
    assert all(layer.rate == 0.3 for layer in model.layers if isinstance(layer, keras.layers.Dropout))


def test_early_stopping_ends_after_patience_and_keeps_the_best_dev_epoch(tiny_config):
    config = {**tiny_config, "epochs": 40, "learning_rate": 0.5, "early_stopping_patience": 2}
    metrics = train(config)["metrics"]
    assert metrics["epochs_trained"] < 40  # the synthetic digits stop improving long before
    assert metrics["epochs_trained"] <= metrics["best_epoch"] + 2 and metrics["kept_epoch"] == metrics["best_epoch"]
    full = train({**config, "epochs": 5, "early_stopping_patience": 0})["metrics"]
    assert full["epochs_trained"] == 5


def test_the_generalization_gap_is_train_minus_test_accuracy(tiny_config):
    metrics = train(tiny_config)["metrics"]
    assert metrics["generalization_gap"] == pytest.approx(metrics["train_accuracy"] - metrics["test_accuracy"])
    assert "generalization_gap" not in train(tiny_config, evaluate_test=False)["metrics"]


def test_decoupled_decay_is_lambda_per_step_whatever_the_learning_rate():
    """Loshchilov & Hutter's Algorithm 2: with a zero gradient Adam's step is 0 and AdamW leaves
    w (1 - lambda) after one step, for any rate; biases are not decayed."""
    for rate in (1e-4, 1e-2):
        options = optim.decoupled_decay_options({}, True, 0.01, rate)
        assert options == {"weight_decay": pytest.approx(0.01 / rate)}
        optimizer = optim.build_optimizer("adamw", rate, 0.0, options)
        optimizer.exclude_from_weight_decay(var_names=["bias"])
        kernel, bias = keras.Variable(np.ones((2, 2)), name="kernel"), keras.Variable(np.ones(2), name="bias")
        optimizer.apply([keras.ops.zeros((2, 2)), keras.ops.zeros(2)], [kernel, bias])
        np.testing.assert_allclose(keras.ops.convert_to_numpy(kernel), 0.99, rtol=1e-6)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(bias), 1.0)
    assert optim.decoupled_decay_options({"beta_1": 0.8}, False, 0.01, 1e-3) == {"beta_1": 0.8}


def test_decoupled_decay_is_not_also_an_l2_penalty():
    coupled = model_arguments(models.build_mlp, {**DEFAULTS, "weight_decay": 0.01}, n_train=100)
    decoupled = model_arguments(models.build_mlp, {**DEFAULTS, "weight_decay": 0.01, "optimizer": "adamw",
                                                   "decoupled_weight_decay": True}, n_train=100)
    assert coupled["l2"] == pytest.approx(0.005) and decoupled["l2"] == 0.0


def test_adamw_and_adam_l2_differ_and_each_trains(tiny_config):
    adam = train({**tiny_config, "optimizer": "adam", "learning_rate": 1e-2, "weight_decay": 0.05})
    adamw = train({**tiny_config, "optimizer": "adamw", "learning_rate": 1e-2, "weight_decay": 0.05,
                   "decoupled_weight_decay": True})
    assert adam["status"] == adamw["status"] == "done"
    assert adam["history"][-1]["loss"] != adamw["history"][-1]["loss"]


@pytest.mark.parametrize("change, message", [
    ({"decoupled_weight_decay": True}, "needs optimizer=adamw"),
    ({"decoupled_weight_decay": True, "optimizer": "adamw", "optimizer_options": {"weight_decay": 0.1}},
     "drop 'weight_decay'"),
    ({"model": "cnn", "max_norm": 3.0}, "max_norm works on the mlp model"),
    ({"model": "cnn", "input_dropout": 0.2}, "input_dropout works on the mlp model"),
    ({"model": "cnn", "l1": 1e-5}, "l1 works on the mlp model"),
])
def test_regularizer_keys_refuse_the_wrong_model_or_optimizer(change, message):
    with pytest.raises(UserError, match=message):
        checks.check_trial(schema.validate({**DEFAULTS, **change}))


@pytest.mark.parametrize("name, value", [("l1", -1.0), ("max_norm", -0.1), ("input_dropout", 1.0),
                                         ("early_stopping_patience", -1), ("decoupled_weight_decay", 1)])
def test_regularizer_keys_have_ranges(name, value):
    with pytest.raises(UserError, match=name):
        schema.validate({**DEFAULTS, name: value})


def grid(best_a, best_b, seeds=5, rates=(1e-4, 1e-3, 1e-2), decays=(1e-4, 1e-3, 1e-2)):
    """Trials whose test accuracy peaks at decay best_x[i] for rate i on side x, with seed noise."""
    rng = np.random.default_rng(1)
    rows = []
    for method, best in (("adamw", best_a), ("adam_l2", best_b)):
        for rate, peak in zip(rates, best):
            for decay in decays:
                for seed in range(seeds):
                    rows.append({"method": method, "learning_rate": rate, "weight_decay": decay, "seed": seed,
                                 "status": "done", "test_accuracy": 0.9 - 0.05 * abs(math.log10(decay / peak))
                                 + rng.normal(0, 0.002)})
    return pd.DataFrame(rows)


RULE = Rule("optimum_spread", {"method": "adamw"}, {"method": "adam_l2"}, along=("learning_rate", "weight_decay"))


@pytest.mark.parametrize("best_a, best_b, expected", [
    ((1e-3, 1e-3, 1e-3), (1e-2, 1e-3, 1e-4), "supported"),  # AdamW's optimum stays, L2's moves
    ((1e-2, 1e-3, 1e-4), (1e-3, 1e-3, 1e-3), "not_supported"),
    ((1e-3, 1e-3, 1e-3), (1e-3, 1e-3, 1e-3), "inconclusive"),  # a tie decides nothing
])
def test_optimum_spread_compares_how_far_the_best_setting_moves(best_a, best_b, expected):
    evidence = verdicts.judge(RULE, grid(best_a, best_b))
    assert evidence["verdict"] == expected
    if expected == "supported":
        assert evidence["spread_a"] == 0 and evidence["spread_b"] == pytest.approx(1.0)
        assert evidence["best_b"] == {"0.0001": 1e-2, "0.001": 1e-3, "0.01": 1e-4}


def test_optimum_spread_needs_five_seeds_per_cell():
    evidence = verdicts.judge(RULE, grid((1e-3,) * 3, (1e-2, 1e-3, 1e-4), seeds=3))
    assert evidence["verdict"] == "inconclusive" and "5 finished seeds per point" in evidence["why"]


def test_the_heatmap_draws_one_panel_per_method_and_marks_each_columns_best():
    trials = grid((1e-3,) * 3, (1e-2, 1e-3, 1e-4), seeds=2)
    cells = heatmaps.grid_means(trials, "learning_rate", "weight_decay", "method", "test_accuracy", as_error=True)
    assert len(cells) == 18 and cells.n.eq(2).all() and cells.value.between(0, 1).all()
    figure = heatmaps.heatmap_grid(cells, "learning_rate", "weight_decay", "method", "test_accuracy", as_error=True,
                                   order={"method": ["adam_l2", "adamw"]})
    panels = [ax for ax in figure.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["method = adam_l2", "method = adamw"]
    assert all(len(ax.patches) == 3 for ax in panels)  # one outlined best cell per learning rate


def test_decoupled_decay_trials_at_other_rates_do_not_share_a_compiled_model(tiny_config):
    """Keras bakes AdamW's weight_decay (lambda / rate) into the compiled step: a model compiled at
    one rate, reused at another, would decay by the wrong factor."""
    from suite.training import train as trainer

    config = {**tiny_config, "optimizer": "adamw", "weight_decay": 0.05, "decoupled_weight_decay": True}
    trainer._compiled.clear()
    alone = train({**config, "learning_rate": 1e-2})["history"]
    trainer._compiled.clear()
    train({**config, "learning_rate": 1e-3})
    after_another_rate = train({**config, "learning_rate": 1e-2})["history"]
    assert [row["loss"] for row in after_another_rate] == [row["loss"] for row in alone]
