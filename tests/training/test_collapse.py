"""A linear stack's logits are x W + b with W, b multiplied out; a nonlinear layer is refused."""
import numpy as np
import pytest

from suite.design.study import DEFAULTS
from suite.errors import UserError
from suite.training import collapse, logged, models
from suite.training.checks import check_trial

BASE = dict(width=6, kernel_initializer="glorot_uniform", bias_initializer="unit_normal", l2=0.0, dropout=0.0)


@pytest.mark.parametrize("depth", [0, 1, 4])
def test_a_linear_stack_is_its_collapsed_map(depth):
    model = models.build_mlp((3, 4), 5, depth=depth, activation="linear", **BASE)
    x = np.random.default_rng(0).standard_normal((50, 3, 4)).astype("float32")
    kernel, bias = collapse.collapsed_map(model)
    assert kernel.shape == (12, 5) and bias.shape == (5,)
    measured = collapse.collapse_metrics(model, x)
    assert set(measured) == set(logged.COLLAPSE)
    assert measured["collapse_max_abs_diff"] < 1e-4 and measured["collapse_relative_diff"] < 1e-5


def test_a_relu_layer_is_not_one_linear_map():
    model = models.build_mlp((4,), 3, depth=1, activation="relu", **BASE)
    with pytest.raises(ValueError, match="not linear"):
        collapse.collapsed_map(model)


def test_collapse_check_needs_a_linear_mlp():
    config = {**DEFAULTS, "dataset": "synthetic", "collapse_check": True, "depth": 2, "activation": "relu"}
    with pytest.raises(UserError, match="collapse_check needs a linear network"):
        check_trial(config)
    check_trial({**config, "activation": "linear"})
    check_trial({**config, "depth": 0})
