"""Per-layer statistics on a fixed probe batch, at initialization and after every epoch.

What the lectures look at when a deep network trains slowly: the norm of the gradient of the cost
with respect to each layer's biases and weights (Nielsen ch.5, "the speed of learning" of each
layer), the spread of each layer's activations and of the gradients propagated back into it
(Glorot & Bengio 2010), dead ReLU units and saturated sigmoid/tanh units. ``LayerProbe`` is a
Keras callback usable with ``models.build_mlp`` and ``models.build_residual_mlp`` (any
functional model of Dense layers: a non-sequential one runs through its graph), so any study gets
these numbers by setting ``probe_examples``. With batch normalization the probe uses the probe
batch's statistics, as training does, without touching the moving averages.

One backward pass gives everything: a zero offset is added to every Dense layer's output
(pre-activation z) and the gradient of the mean cost with respect to those offsets is dC/dz per
example; then dC/db = sum over examples of dC/dz and dC/dW = a_prev^T dC/dz. The cost is the data
term only (no L2 penalty), as in Nielsen's backprop; the probe changes no weight and draws no
random numbers, so a probed trial trains exactly like an unprobed one.
"""
from __future__ import annotations

import math

import keras
import numpy as np

from suite.models import SHORTCUT

# activation -> which outputs count as saturated (derivative below ~1% of its peak)
SATURATED = {"sigmoid": lambda a: (a < 0.01) | (a > 0.99), "tanh": lambda a: np.abs(a) > 0.99,
             "softsign": lambda a: np.abs(a) > 0.9}
STATS = ("bias_grad_norm", "weight_grad_norm", "backprop_grad_std", "activation_std",
         "dead_fraction", "saturated_fraction", "act_input_p15", "act_input_p50", "act_input_p85")


ACTIVATION_LAYERS = (keras.layers.Activation, keras.layers.LeakyReLU, keras.layers.PReLU)
PERCENTILES = (15, 50, 85)  # Ioffe & Szegedy (2015), Fig. 1(b, c): the input of one sigmoid over training


def probed_layers(model: keras.Model) -> list:
    """The Dense layers the probe measures: hidden layers and the output, not projection
    shortcuts (``suite.models.SHORTCUT``)."""
    return [layer for layer in model.layers
            if isinstance(layer, keras.layers.Dense) and not layer.name.startswith(SHORTCUT)]


def _forward(model: keras.Model, inputs, offsets: list):
    """Logits with the pre-activations' offsets added, each probed Dense layer's input, and the
    input of the first activation after each probed Dense layer (None where there is none).

    A Sequential model runs layer by layer; any other functional model (residual shortcuts)
    through its graph (Keras's ``_run_through_graph``, the executor of ``Functional.call``).
    Batch normalization uses the probe batch's statistics, as in training (inside the caller's
    ``StatelessScope``, so its moving averages are left unchanged); every other layer runs in
    inference mode (no dropout, no random numbers).
    """
    dense = probed_layers(model)
    index_of = {id(layer): index for index, layer in enumerate(dense)}
    inputs_to_dense, activation_inputs = [None] * len(dense), [None] * len(dense)
    pending = []  # the Dense layer whose activation input is not recorded yet

    def call(layer, *args, **kwargs):
        if id(layer) in index_of:
            index = index_of[id(layer)]
            inputs_to_dense[index] = args[0]
            pending[:] = [index]
            return layer(*args, **kwargs) + offsets[index]
        if isinstance(layer, ACTIVATION_LAYERS) and pending:
            activation_inputs[pending.pop()] = args[0]
        if isinstance(layer, keras.layers.InputLayer):
            return args[0]
        return layer(*args, **{**kwargs, "training": isinstance(layer, keras.layers.BatchNormalization)})

    if isinstance(model, keras.Sequential):
        current = inputs
        for layer in model.layers:
            current = call(layer, current)
    else:
        current = model._run_through_graph(inputs, operation_fn=lambda op: lambda *a, **k: call(op, *a, **k))
        current = current[0] if isinstance(current, (list, tuple)) else current
    return current, (inputs_to_dense, activation_inputs)


def _offset_gradients(model, loss_fn, x, y, offsets):
    """(dC/d offsets, each Dense layer's input) for the mean cost on (x, y)."""
    backend = keras.backend.backend()
    if backend == "jax":
        variables = model.trainable_variables + model.non_trainable_variables
        return _compiled_gradients(model, loss_fn)([v.value for v in variables], offsets, x, y)
    if backend == "tensorflow":
        import tensorflow as tf

        offsets = [tf.convert_to_tensor(offset) for offset in offsets]
        with tf.GradientTape() as tape:
            tape.watch(offsets)
            logits, inputs = _forward(model, x, offsets)
            cost = tf.reduce_mean(loss_fn(y, logits))
        return tape.gradient(cost, offsets), inputs
    raise NotImplementedError(f"the layer probe does not support the '{backend}' backend")


def _compiled_gradients(model: keras.Model, loss_fn):
    """JAX: ``_offset_gradients`` as one compiled program of (variable values, offsets, x, y),
    the model's variables bound through ``keras.StatelessScope`` (as ``stateless_call`` does), so
    the probe runs once per epoch without re-tracing its layers op by op. Cached on the model per
    loss (a model reused across seeds keeps it)."""
    import jax

    cache = model.__dict__.setdefault("_probe_programs", {})
    name = (type(loss_fn).__name__, str(getattr(loss_fn, "get_config", dict)()))
    if name not in cache:
        variables = model.trainable_variables + model.non_trainable_variables

        def cost(values, offsets, x, y):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                logits, inputs = _forward(model, x, offsets)
                return keras.ops.mean(loss_fn(y, logits)), inputs

        cache[name] = jax.jit(jax.grad(cost, argnums=1, has_aux=True))
    return cache[name]


def measure(model: keras.Model, loss_fn, x, y, activation: str) -> list[dict]:
    """One row per probed Dense layer (``probed_layers``: hidden layers first, the output layer
    last) with ``STATS``; ``act_input_p<q>`` is the q-th percentile over the examples of the input
    of the layer's first unit's activation (NaN for the output layer)."""
    dense = probed_layers(model)
    n = len(x)
    offsets = [np.zeros((n, layer.units), dtype="float32") for layer in dense]
    with keras.StatelessScope():  # batch normalization's moving averages stay as they are
        grads, (inputs, activation_inputs) = _offset_gradients(model, loss_fn, x, y, offsets)
    grads = [keras.ops.convert_to_numpy(g).astype("float64") for g in grads]
    inputs = [keras.ops.convert_to_numpy(i).reshape(n, -1).astype("float64") for i in inputs]
    # the input of the first unit's activation in each hidden layer (Ioffe & Szegedy's Fig. 1)
    unit = [None if a is None else keras.ops.convert_to_numpy(a).reshape(n, -1)[:, 0].astype("float64")
            for a in activation_inputs]
    saturated = SATURATED.get(activation)
    rows = []
    for index, (layer, grad) in enumerate(zip(dense, grads)):
        # a hidden layer's activation is the next Dense layer's input
        activation_out = inputs[index + 1] if index + 1 < len(dense) else None
        rows.append({
            "layer": index + 1, "output_layer": index + 1 == len(dense),
            "bias_grad_norm": float(np.linalg.norm(grad.sum(axis=0))),
            "weight_grad_norm": float(np.linalg.norm(inputs[index].T @ grad)),
            "backprop_grad_std": float((grad * n).std()),  # per-example dC/dz
            "activation_std": math.nan if activation_out is None else float(activation_out.std()),
            "dead_fraction": math.nan if activation_out is None else float(np.all(activation_out == 0, axis=0).mean()),
            "saturated_fraction": math.nan if activation_out is None or saturated is None
            else float(saturated(activation_out).mean()),
            **{f"act_input_p{q}": math.nan if unit[index] is None else float(np.percentile(unit[index], q))
               for q in PERCENTILES},
        })
    return rows


class LayerProbe(keras.callbacks.Callback):
    """Records ``measure`` on a fixed batch at the start of training and after every epoch."""

    def __init__(self, x, y, loss_fn, activation: str):
        super().__init__()
        self.x, self.y, self.loss_fn, self.activation = x, y, loss_fn, activation
        self.rows: list[dict] = []

    def _record(self, epoch: int) -> None:
        self.rows += [{"epoch": epoch, **row} for row in
                      measure(self.model, self.loss_fn, self.x, self.y, self.activation)]

    def on_train_begin(self, logs=None):
        self._record(0)

    def on_epoch_end(self, epoch, logs=None):
        self._record(epoch + 1)


def summary_metrics(rows: list[dict], at_end: bool = True) -> dict:
    """Per-trial numbers from the probe rows: at initialization (epoch 0) and at the end.

    ``grad_ratio_first_last``: the first hidden layer's bias-gradient norm over the last hidden
    layer's (below 1: the early layers learn slower); ``activation_std_ratio``: the last hidden
    layer's activation std over the first's (1: the scale is preserved through depth);
    ``activation_std_drift``: |ln activation_std_ratio|, how far the scale moves either way (0: kept;
    ln 2 = 0.69: halved or doubled), so initializations can be ranked by how well they keep it;
    ``bias_grad_norm_<l>``: each layer's bias-gradient norm at initialization. ``at_end`` adds
    the end-of-training numbers (dead units, the ratio after training).
    """
    hidden = [row for row in rows if not row["output_layer"]]
    if not hidden:
        return {}
    first_epoch, last_epoch = hidden[0]["epoch"], hidden[-1]["epoch"]
    start = [row for row in hidden if row["epoch"] == first_epoch]
    end = [row for row in hidden if row["epoch"] == last_epoch]

    def ratio(top, bottom):
        return top / bottom if bottom else math.nan

    metrics = {
        "grad_ratio_first_last": ratio(start[0]["bias_grad_norm"], start[-1]["bias_grad_norm"]),
        "activation_std_ratio": ratio(start[-1]["activation_std"], start[0]["activation_std"]),
        "activation_std_drift": abs(math.log(ratio(start[-1]["activation_std"], start[0]["activation_std"])))
        if start[-1]["activation_std"] > 0 and start[0]["activation_std"] > 0 else math.nan,
        "backprop_std_ratio": ratio(start[0]["backprop_grad_std"], start[-1]["backprop_grad_std"]),
        "saturated_fraction_init": float(np.mean([row["saturated_fraction"] for row in start])),
        **{f"bias_grad_norm_{row['layer']}": row["bias_grad_norm"] for row in start},
    }
    if at_end:  # after a blow-up the last probe saw NaN weights: nothing to report
        metrics.update({"dead_fraction": float(np.mean([row["dead_fraction"] for row in end])),
                        "grad_ratio_first_last_end": ratio(end[0]["bias_grad_norm"], end[-1]["bias_grad_norm"])})
    return metrics
