"""The loss registry: every entry builds for its tasks, refuses the others, and the perceptron
criterion with SGD is Rosenblatt's rule, step by step against a hand-computed sequence."""
import keras
import numpy as np
import pytest

from suite.training import losses
from suite.errors import UserError

LABELS = np.array([0, 2, 1, 2], dtype=np.int32)
LOGITS = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 0.3], [-3.0, 4.0, 0.0], [1.0, 1.0, 1.0]], dtype=np.float32)


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_every_loss_builds_for_its_tasks_and_gives_a_finite_loss(name):
    entry = losses.LOSSES[name]
    for task in entry.tasks:
        loss = losses.build(name, task)
        if task == "classification":
            value = loss(LABELS, LOGITS)
        else:
            value = loss(np.array([[0.5], [-1.0]], dtype=np.float32), np.array([[0.0], [2.0]], dtype=np.float32))
        assert np.all(np.isfinite(keras.ops.convert_to_numpy(value)))
    for task in {"classification", "regression"} - set(entry.tasks):
        with pytest.raises(UserError, match=f"not a {task} one"):
            losses.build(name, task)


def test_classification_losses_match_keras_on_one_hot_targets():
    one_hot = np.eye(3, dtype=np.float32)[LABELS]
    expected = keras.losses.Hinge()(one_hot, LOGITS)
    got = keras.ops.mean(losses.build("hinge", "classification")(LABELS, LOGITS))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(got), keras.ops.convert_to_numpy(expected), rtol=1e-6)
    probs = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)
    quadratic = keras.ops.convert_to_numpy(losses.build("quadratic", "classification")(LABELS, LOGITS))
    np.testing.assert_allclose(quadratic, 0.5 * ((probs - one_hot) ** 2).sum(axis=1), rtol=1e-5)


def test_perceptron_criterion_is_zero_when_right_and_ties_go_to_the_lower_class():
    value = keras.ops.convert_to_numpy(losses.perceptron_criterion(LABELS, LOGITS))
    # row 0: predicted 0 = label -> 0; row 1: predicted 2 = label -> 0; row 2: predicted 1, label 1 -> 0;
    # row 3: a tie predicts class 0, label 2 -> logits[0] - logits[2] = 0 (a mistake with no margin)
    np.testing.assert_allclose(value, [0.0, 0.0, 0.0, 0.0])
    value = keras.ops.convert_to_numpy(losses.perceptron_criterion(np.array([1, 0]), LOGITS[:2]))
    np.testing.assert_allclose(value, [2.0 - (-1.0), 0.3 - 0.1], rtol=1e-6)


def test_sgd_on_the_perceptron_criterion_is_rosenblatts_rule_step_by_step():
    """AND, cases in order twice, zero weights, one case per step. Rosenblatt (deck 000: w += x (d - y),
    class 1 iff z = w.x + b > 0), by hand:
    (0,0)->0 z=0 right; (0,1)->0 right; (1,0)->0 right; (1,1)->1 z=0 says 0: w=(1,1) b=1;
    (0,0)->0 z=1 says 1: b=0; (0,1)->0 z=1 says 1: w=(1,0) b=-1; (1,0)->0 z=0 right;
    (1,1)->1 z=0 says 0: w=(2,1) b=0."""
    expected = [(0, 0, 0), (0, 0, 0), (0, 0, 0), (1, 1, 1), (1, 1, 0), (1, 0, -1), (1, 0, -1), (2, 1, 0)]
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 2, dtype=np.float32)
    y = np.array([0, 0, 0, 1] * 2, dtype=np.int32)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, kernel_initializer="zeros")])
    # rate 1/2: each mistake moves the two units' difference by 2 x rate x input = Rosenblatt's x
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss=losses.perceptron_criterion)
    for step, want in enumerate(expected):
        model.train_on_batch(x[step:step + 1], y[step:step + 1])
        kernel, bias = (keras.ops.convert_to_numpy(v) for v in model.layers[-1].weights)
        got = (*(kernel[:, 1] - kernel[:, 0]), bias[1] - bias[0])
        np.testing.assert_allclose(got, want, atol=1e-6, err_msg=f"after step {step + 1}")
