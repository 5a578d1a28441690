"""The saddle f(x, y) = x^2 - y^2 as a Keras model, and Newton's step on it (lecture deck 003:
saddle points, Newton's method).

``SaddlePoint`` holds the two coordinates (x, y) as one trainable weight ``point``; for an input
row (a, b) it outputs f(x, y) + a x + b y, and the ``objective`` loss (``suite.training.losses``)
is the batch mean of the output, so on rows whose (a, b) average to zero the full-batch loss is f
itself and a mini-batch's gradient is grad f plus zero-mean noise (SGD noise, ``suite.data.saddle_rows``).
The layer is also its own instrument: during training it counts the updates applied so far and
records the first count at which |y| > ``ESCAPE_RADIUS`` (the escape step; -1 while never), in two
non-trainable variables that Keras's train step carries like batch normalization's statistics.

``SaddleNewton`` is Newton's step w <- w - eta H^-1 grad f with the saddle's constant Hessian
H = diag(2, -2): on f it is (x, y) <- (1 - eta)(x, y), attracted to the saddle from every start.
"""
from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

ESCAPE_RADIUS = 1.0  # |y| beyond it: the run has left the saddle (the brief's escape time)
HESSIAN = (2.0, -2.0)  # diag of f's Hessian: d2f/dx2 = 2, d2f/dy2 = -2


@keras.saving.register_keras_serializable(package="suite")
class SaddlePoint(keras.layers.Layer):
    """(x, y) as one weight; output f(x, y) + a x + b y per input row (a, b), shape (batch, 1)."""

    def __init__(self, start=(1.0, 0.0), **kwargs):
        super().__init__(**kwargs)
        self.start = tuple(float(value) for value in start)

    def build(self, input_shape):
        self.point = self.add_weight(shape=(2,), initializer=keras.initializers.Constant(self.start), name="point")
        # the start as a variable: a compiled model reused by a later trial takes the fresh model's variables
        self.origin = self.add_weight(shape=(2,), initializer=keras.initializers.Constant(self.start),
                                      trainable=False, name="origin")
        self.updates_seen = self.add_weight(shape=(), initializer="zeros", trainable=False, name="updates_seen")
        self.escape_step = self.add_weight(shape=(), initializer=keras.initializers.Constant(-1.0),
                                           trainable=False, name="escape_step")

    def call(self, inputs, training=False):
        point = self.point.value  # .value: JAX's scanned epochs take arrays, not variables
        x, y = point[0], point[1]
        if training:  # this forward pass sees the weights after ``updates_seen`` updates
            seen, escape = self.updates_seen.value, self.escape_step.value
            first = ops.logical_and(ops.abs(y) > ESCAPE_RADIUS, escape < 0)
            self.escape_step.assign(ops.where(first, seen, escape))
            self.updates_seen.assign(seen + 1.0)
        value = x * x - y * y + inputs[:, 0] * x + inputs[:, 1] * y
        return ops.expand_dims(value, -1)

    def get_config(self):
        return {**super().get_config(), "start": self.start}


def build_saddle(input_shape, num_classes, *, saddle_x0, saddle_y0, saddle_jitter, seed) -> keras.Model:
    """The saddle model started at (x0, y0) plus Gaussian jitter of std ``saddle_jitter`` per
    coordinate drawn from the trial's ``seed`` (a generic start; 0: exactly (x0, y0))."""
    jitter = saddle_jitter * np.random.default_rng([seed, 3]).standard_normal(2) if saddle_jitter else np.zeros(2)
    start = (saddle_x0 + float(jitter[0]), saddle_y0 + float(jitter[1]))
    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, SaddlePoint(start, name="saddle")(inputs), name="saddle")


def readings(model: keras.Model) -> dict:
    """The saddle layer's final point and escape step: ``escape_step`` (updates before |y| first
    exceeded ``ESCAPE_RADIUS``; NaN when it never did), ``escaped`` (1 or 0), ``final_distance``
    (Euclidean distance of the last point from the saddle (0, 0)), ``final_abs_y``, ``start_abs_y``."""
    layer = model.get_layer("saddle")
    x, y = (float(value) for value in np.asarray(layer.point.numpy(), dtype=np.float64))
    step = float(layer.escape_step.numpy())
    return {"escape_step": step if step >= 0 else math.nan, "escaped": float(step >= 0),
            "final_distance": math.hypot(x, y), "final_abs_y": abs(y),
            "start_abs_y": abs(float(layer.origin.numpy()[1]))}


@keras.saving.register_keras_serializable(package="suite")
class SaddleNewton(keras.optimizers.Optimizer):
    """Newton's step with the saddle's Hessian: w <- w - learning_rate * H^-1 grad, H = diag(2, -2),
    for a variable of shape (2,) (``SaddlePoint.point``)."""

    def __init__(self, learning_rate=1.0, name="saddle_newton", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)

    def update_step(self, gradient, variable, learning_rate):
        rate = ops.cast(learning_rate, variable.dtype)
        inverse = ops.convert_to_tensor([1.0 / h for h in HESSIAN], dtype=variable.dtype)
        self.assign_sub(variable, rate * gradient * inverse)
