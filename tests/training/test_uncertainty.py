import math

import numpy as np
import pytest

from suite.training import train
from suite.training import uncertainty
from suite.design.config import validate
from suite.training.checks import check_trial
from suite.errors import UserError

# Four examples, two classes, worked by hand with 5 equal-width bins:
#   confidences 0.9 (right) and 0.85 (wrong) fall in (0.8, 1]: accuracy 0.5, confidence 0.875;
#   0.7 and 0.65 (both right) fall in (0.6, 0.8]: accuracy 1, confidence 0.675.
#   ECE = 2/4 x |0.5 - 0.875| + 2/4 x |1 - 0.675| = 0.1875 + 0.1625 = 0.35.
PROBS = np.array([[0.9, 0.1], [0.15, 0.85], [0.7, 0.3], [0.35, 0.65]])
LABELS = np.array([0, 0, 0, 1])


def test_expected_calibration_error_matches_the_hand_computed_example():
    accuracy, confidence, counts = uncertainty.calibration_bins(PROBS, LABELS, bins=5)
    assert accuracy.tolist() == [1.0, 0.5] and confidence == pytest.approx([0.675, 0.875])
    assert counts.tolist() == [2, 2]
    assert uncertainty.expected_calibration_error(PROBS, LABELS, bins=5) == pytest.approx(0.35)
    perfect = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert uncertainty.expected_calibration_error(perfect, np.array([0, 1])) == pytest.approx(0.0)


def test_auroc_matches_the_hand_computed_example_and_is_undefined_for_one_class():
    # positives score 0.35 and 0.8, negatives 0.1 and 0.4: 3 of the 4 pairs are ordered right
    assert uncertainty.auroc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == pytest.approx(0.75)
    assert math.isnan(uncertainty.auroc(np.array([0.1, 0.2]), np.array([1, 1])))


def test_entropy_and_nll_match_their_definitions():
    assert uncertainty.predictive_entropy(np.array([[0.25] * 4, [1.0, 0, 0, 0]])) == pytest.approx([math.log(4), 0.0])
    probs = np.array([[0.5, 0.5], [0.25, 0.75]])
    expected = (-math.log(0.5) - math.log(0.75)) / 2
    assert uncertainty.negative_log_likelihood(probs, np.array([0, 1])) == pytest.approx(expected)


def test_mc_dropout_trial_records_the_curve_the_histograms_and_the_ood_auroc(tiny_config):
    config = {**tiny_config, "dropout": 0.5, "mc_passes": 5, "ood_dataset": "noise"}
    outcome = train.train(config)
    metrics = outcome["metrics"]
    for name in ("test_nll", "test_calibration_error", "test_entropy", "misclassified_auroc", "ood_auroc",
                 "scaled_test_accuracy"):
        assert np.isfinite(metrics[name]), name
    curve = outcome["uncertainty"]["curve"]
    assert [row["passes"] for row in curve] == [1, 2, 3, 5]
    assert curve[-1]["accuracy"] == metrics["test_accuracy"]
    assert len({row["nll"] for row in curve}) > 1  # the passes are stochastic: dropout is on
    histogram = outcome["uncertainty"]["entropy_histogram"]
    assert sum(histogram["test_correct"]) + sum(histogram["test_wrong"]) == outcome["splits"]["test"]
    assert sum(histogram["ood"]) == outcome["splits"]["test"]
    again = train.train(config)  # the passes are drawn from the seed: the same numbers again
    assert again["metrics"] == metrics
    standard = train.train({**config, "mc_passes": 0})
    assert standard["metrics"]["test_accuracy"] == pytest.approx(metrics["scaled_test_accuracy"], abs=1e-6)
    assert standard["uncertainty"]["curve"] == [] and "scaled_test_accuracy" not in standard["metrics"]


def test_mc_passes_without_dropout_is_one_user_error():
    from suite.design.study import DEFAULTS

    with pytest.raises(UserError, match="dropout is 0"):
        check_trial(validate({**DEFAULTS, "mc_passes": 10}))


def test_the_passes_after_the_first_dropout_equal_whole_stochastic_passes():
    import keras

    from suite.training.models import build_mlp

    keras.utils.set_random_seed(0)
    model = build_mlp((8, 8, 1), 10, depth=2, width=16, activation="relu", kernel_initializer="he_normal",
                      bias_initializer="zeros", l2=0.0, dropout=0.5)
    x = np.random.default_rng(0).random((5, 8, 8, 1), dtype=np.float32)
    state = [np.array(v.value) for v in model.variables]  # weights and the dropout generators' states
    fast = list(uncertainty.stochastic_passes(model, x, 3))
    for variable, value in zip(model.variables, state):
        variable.assign(value)
    whole = [np.asarray(keras.ops.softmax(model(x, training=True))) for _ in range(3)]
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(fast, whole))
    assert not np.allclose(fast[0], fast[1])  # dropout is on: the passes differ
