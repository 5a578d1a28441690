"""Loss registry on ``keras.losses``: each entry names its task and builds a loss on the model's
raw outputs (logits for a classifier, the prediction for a regression).

Classification losses take integer labels (shape (batch,) or (batch, 1)) and logits of shape
(batch, K); the one-hot targets Keras's categorical losses expect are made here. Regression
losses take targets and predictions of shape (batch, 1), in the standardized units the model is
trained in (``suite.data.datasets.Splits.target_scale``).

- ``cross_entropy``: the output activation's own cost (``suite.training.models.OUTPUT_LOSSES``): softmax
  cross-entropy, or Nielsen's sigmoid cross-entropy summed over the units (ch.3, eq. 63).
- ``mse``: mean squared error on the output activations (softmax or sigmoid probabilities
  against one-hot targets), ``keras.losses.MeanSquaredError`` (mean, not 1/2 sum, over the units).
- ``quadratic``: Nielsen's own quadratic cost, 1/2 sum over the units (``nielsen_quadratic``).
- ``hinge`` / ``squared_hinge``: one-vs-all hinge on the raw outputs, ``keras.losses.Hinge`` /
  ``SquaredHinge`` (Keras maps the 0/1 one-hot targets to -1/+1).
- ``focal``: ``keras.losses.CategoricalFocalCrossentropy`` (Lin et al. 2017; alpha 0.25, gamma 2).
- ``perceptron``: Rosenblatt's rule as a loss, ``perceptron_criterion``.
- regression: ``mse``, ``mae``, ``huber`` (delta 1 standardized unit), ``log_cosh``; ``objective``: the
  model's output itself (a model that computes the function to minimize, ``suite.training.saddle``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import keras

from suite import registry
from suite.errors import UserError, lookup


@dataclass(frozen=True)
class Loss:
    """A registry entry: ``tasks`` it serves, and ``build(task, output_activation)`` -> loss fn."""
    tasks: tuple
    build: Callable
    meaning: str


def _one_hot(y_true, logits):
    labels = keras.ops.reshape(keras.ops.cast(y_true, "int32"), (-1,))
    return keras.ops.one_hot(labels, keras.ops.shape(logits)[-1], dtype=logits.dtype)


def _probabilities(output_activation: str):
    return keras.ops.sigmoid if output_activation == "sigmoid" else keras.ops.softmax


def on_one_hot(keras_loss, transform=None):
    """A Keras categorical loss called with one-hot targets made from integer labels, on the
    logits or on ``transform(logits)``."""
    def loss(y_true, logits):
        outputs = transform(logits) if transform else logits
        return keras_loss(_one_hot(y_true, logits), outputs)

    return loss


def nielsen_quadratic(one_hot, outputs):
    """Nielsen's quadratic cost per example, C = 1/2 sum_j (a_j - y_j)^2 (ch.1 eq. 6, ch.3): the
    sum over the output units, where ``keras.losses.MeanSquaredError`` takes their mean (its
    gradient is 2/K times this one's). Shapes (batch, K) -> (batch,)."""
    return 0.5 * keras.ops.sum(keras.ops.square(outputs - one_hot), axis=-1)


def perceptron_criterion(y_true, logits):
    """Rosenblatt's perceptron rule as a loss: SGD on it is the perceptron update.

    With K output units, prediction p = argmax(logits) (ties to the lower class), label y:
    L = logits[p] - logits[y] with p held fixed (no gradient through the argmax); L = 0 and its
    gradient is zero when p = y. Its gradient moves unit y by +x and unit p by -x, so with SGD at
    rate eta and batch size 1 each mistake adds eta*x to w_y and subtracts it from w_p (biases
    by +-eta). For K = 2 the decision is the threshold unit step(z) with z = (w_1 - w_0).x +
    (b_1 - b_0) > 0, and w_1 - w_0 follows Rosenblatt's rule w += 2 eta (d - y) x (deck 000,
    'Perceptron learning'; deck 002: class 1 iff z > 0): from zero weights the same mistakes as
    eta' = 2 eta, and the mistake count does not depend on the rate (Novikoff 1962).

    Shapes: y_true (batch,) or (batch, 1) integer labels, logits (batch, K); returns (batch,).
    """
    one_hot = _one_hot(y_true, logits)
    predicted = keras.ops.one_hot(keras.ops.argmax(keras.ops.stop_gradient(logits), axis=-1),
                                  keras.ops.shape(logits)[-1], dtype=logits.dtype)
    return keras.ops.sum((predicted - one_hot) * logits, axis=-1)


def objective(y_true, outputs):
    """The model's own output as the loss, per example (shape (batch, 1) -> (batch,)); the targets
    are ignored: for a model whose output is the function to minimize (``suite.training.saddle``)."""
    return keras.ops.sum(outputs, axis=-1)


def _cross_entropy(task, output_activation):
    from suite.training.models import OUTPUT_LOSSES  # deferred: loads Keras

    return lookup(OUTPUT_LOSSES, output_activation, "output activation")()


def _regression(keras_class, **kwargs):
    return lambda task, output_activation: keras_class(**kwargs)


CLASSIFICATION, REGRESSION = ("classification",), ("regression",)
LOSSES = {
    "cross_entropy": Loss(CLASSIFICATION, _cross_entropy, "cross-entropy of the output activation"),
    "mse": Loss(("classification", "regression"),
                lambda task, out: keras.losses.MeanSquaredError() if task == "regression"
                else on_one_hot(keras.losses.MeanSquaredError(), _probabilities(out)),
                "mean squared error (classification: on the output probabilities vs one-hot targets)"),
    "quadratic": Loss(CLASSIFICATION, lambda task, out: on_one_hot(nielsen_quadratic, _probabilities(out)),
                      "Nielsen's quadratic cost 1/2 sum (a - y)^2 on the output activations"),
    "hinge": Loss(CLASSIFICATION, lambda task, out: on_one_hot(keras.losses.Hinge()),
                  "one-vs-all hinge on the raw outputs"),
    "squared_hinge": Loss(CLASSIFICATION, lambda task, out: on_one_hot(keras.losses.SquaredHinge()),
                          "one-vs-all squared hinge on the raw outputs"),
    "focal": Loss(CLASSIFICATION, lambda task, out: on_one_hot(
        keras.losses.CategoricalFocalCrossentropy(from_logits=True)), "focal loss (alpha 0.25, gamma 2)"),
    "perceptron": Loss(CLASSIFICATION, lambda task, out: perceptron_criterion,
                       "Rosenblatt's perceptron rule (with sgd, batch 1)"),
    "mae": Loss(REGRESSION, _regression(keras.losses.MeanAbsoluteError), "mean absolute error"),
    "huber": Loss(REGRESSION, _regression(keras.losses.Huber, delta=1.0), "Huber loss, delta 1"),
    "log_cosh": Loss(REGRESSION, _regression(keras.losses.LogCosh), "log-cosh loss"),
    "objective": Loss(REGRESSION, lambda task, out: objective,
                      "the model's output itself, targets ignored (a model that outputs its objective: saddle)"),
}


def build(name: str, task: str, output_activation: str = "softmax"):
    """The loss function for ``name`` on ``task``; UserError when the loss does not serve it."""
    entry = lookup(registry.extend(LOSSES, registry.GROUPS["losses"]), name, "loss")
    if task not in entry.tasks:
        fits = ", ".join(sorted(n for n, e in LOSSES.items() if task in e.tasks))
        raise UserError(f"loss '{name}' is a {' / '.join(entry.tasks)} loss, not a {task} one; "
                        f"choose one of: {fits}")
    return entry.build(task, output_activation)
