"""Recurrent models and the gradient-through-time probe.

``build_rnn`` (registered as model ``rnn``): one Keras recurrent layer (``CELLS``: SimpleRNN, LSTM,
GRU) reading the whole sequence, its last hidden state into a Dense output. The cells keep Keras's
defaults (tanh, Glorot-uniform input kernel, orthogonal recurrent kernel, zero biases; the LSTM's
forget-gate bias starts at 1, Jozefowicz et al. 2015), so the three differ in their cell only.

``state_gradient_norms``: ||dL/dh_t|| for every step t, the gradient of the mean loss on a batch
with respect to the hidden state h_t, by the backend's autodiff on the cell unrolled step by step:
a zero offset is added to each h_t and the gradient with respect to the offsets is dL/dh_t (the
layer probe's trick, ``suite.training.probes``). For the simple RNN, dL/dh_t = dL/dh_T prod_k
J_k with J_k = diag(tanh') W_rec: when the Jacobians' norms stay below 1 the norm falls
geometrically with the distance T - t (Bengio, Simard & Frasconi 1994; Pascanu, Mikolov & Bengio
2013, Sec. 2). ``decay_fit`` fits that rate.
"""
from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers

CELLS = {"simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}
RECURRENT, OUTPUT = "recurrent", "output"  # layer names the probe looks up


def build_rnn(input_shape, num_classes, *, cell, width) -> keras.Model:
    """input (steps, channels) -> ``cell``(width units, last state) -> Dense(num_classes).
    Raises KeyError for an unknown cell (the config check names the choices first)."""
    return keras.Sequential([keras.Input(shape=tuple(input_shape)), CELLS[cell](width, name=RECURRENT),
                             layers.Dense(num_classes, name=OUTPUT)], name=f"{cell}_{width}")


def _unrolled_cost(model: keras.Model, x, y, offsets):
    """The mean squared error of ``model`` on (x, y) with ``offsets[t]`` added to h_t, the cell
    run one step at a time (in inference mode: no dropout)."""
    recurrent, output = model.get_layer(RECURRENT), model.get_layer(OUTPUT)
    cell = recurrent.cell
    n = x.shape[0]
    sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    states = [keras.ops.zeros((n, size), dtype="float32") for size in sizes]
    h = None
    for t in range(x.shape[1]):
        h, states = cell(x[:, t], states, training=False)
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        h = h + offsets[t]
        states[0] = h  # h_t goes on (with its offset) into the next step; an LSTM's cell state is states[1]
    predicted = keras.ops.reshape(output(h), (-1,))
    return keras.ops.mean(keras.ops.square(predicted - keras.ops.reshape(y, (-1,))))


def state_gradient_norms(model: keras.Model, x, y) -> np.ndarray:
    """(steps,) float64: ||dL/dh_t|| (Frobenius norm over the batch and the units) of the mean
    squared error on (x, y), for t = 1..T. Raises NotImplementedError on a backend other than
    JAX and TensorFlow."""
    x = keras.ops.convert_to_tensor(np.asarray(x, dtype="float32"))
    y = keras.ops.convert_to_tensor(np.asarray(y, dtype="float32"))
    units = model.get_layer(RECURRENT).units
    zeros = [np.zeros((x.shape[0], units), dtype="float32") for _ in range(x.shape[1])]
    backend = keras.backend.backend()
    if backend == "jax":
        import jax  # deferred: loads JAX

        grads = jax.grad(lambda offsets: _unrolled_cost(model, x, y, offsets))(zeros)
    elif backend == "tensorflow":
        import tensorflow as tf  # deferred: loads TensorFlow

        offsets = [tf.constant(zero) for zero in zeros]
        with tf.GradientTape() as tape:
            tape.watch(offsets)
            cost = _unrolled_cost(model, x, y, offsets)
        grads = tape.gradient(cost, offsets)
    else:
        raise NotImplementedError(f"the state-gradient probe does not support the '{backend}' backend")
    return np.array([float(np.linalg.norm(keras.ops.convert_to_numpy(grad))) for grad in grads])


def decay_fit(norms) -> dict:
    """Least-squares fit of ln ||dL/dh_t|| against the distance d = T - t (0 at the last step):
    ``factor`` = exp(slope), the per-step ratio (below 1: the norm shrinks going back in time),
    ``r2`` the share of the log-norms' variance the line explains (1: exactly geometric), and
    ``ratio`` = ||dL/dh_1|| / ||dL/dh_T||. Steps whose norm underflowed to 0 are left out of the
    fit; NaN where fewer than 3 steps remain."""
    norms = np.asarray(norms, dtype=np.float64)[::-1]  # index = distance from the last step
    distance = np.arange(len(norms), dtype=np.float64)
    keep = np.isfinite(norms) & (norms > 0)
    ratio = norms[-1] / norms[0] if norms[0] > 0 else math.nan
    if keep.sum() < 3:
        return {"factor": math.nan, "r2": math.nan, "ratio": ratio}
    logs = np.log(norms[keep])
    slope, intercept = np.polyfit(distance[keep], logs, 1)
    residual = logs - (slope * distance[keep] + intercept)
    spread = float(((logs - logs.mean()) ** 2).sum())
    r2 = 1.0 - float((residual ** 2).sum()) / spread if spread > 0 else math.nan
    return {"factor": float(math.exp(slope)), "r2": r2, "ratio": float(ratio)}


class StateGradientProbe(keras.callbacks.Callback):
    """``state_gradient_norms`` on a fixed batch before the first step and after the last epoch:
    rows {epoch, distance, step, output_layer: False, state_grad_norm} (the probe rows' shape,
    ``suite.analysis.frames.probe_frame``; "distance" = T - t)."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y
        self.rows: list[dict] = []
        self.epochs = 0

    def _record(self, epoch: int) -> None:
        norms = state_gradient_norms(self.model, self.x, self.y)
        steps = len(norms)
        self.rows += [{"epoch": epoch, "step": t + 1, "distance": steps - 1 - t, "output_layer": False,
                       "state_grad_norm": float(norm)} for t, norm in enumerate(norms)]

    def on_train_begin(self, logs=None):
        self._record(0)

    def on_epoch_end(self, epoch, logs=None):
        self.epochs = epoch + 1

    def on_train_end(self, logs=None):
        self._record(self.epochs)


def summary_metrics(rows: list[dict], at_end: bool = True) -> dict:
    """Per-trial numbers from the probe rows: ``decay_fit`` at initialization (``*_init``) and,
    ``at_end``, after training (``*_end``)."""
    epochs = sorted({row["epoch"] for row in rows})
    if not epochs:
        return {}
    metrics = {}
    for epoch, suffix in ((epochs[0], "init"), *(((epochs[-1], "end"),) if at_end and len(epochs) > 1 else ())):
        norms = [row["state_grad_norm"] for row in sorted((r for r in rows if r["epoch"] == epoch),
                                                           key=lambda r: r["step"])]
        fit = decay_fit(norms)
        metrics.update({f"state_grad_factor_{suffix}": fit["factor"], f"state_grad_r2_{suffix}": fit["r2"],
                        f"state_grad_ratio_{suffix}": fit["ratio"]})
    return metrics
