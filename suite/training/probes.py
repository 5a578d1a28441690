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
random numbers, so a probed trial trains exactly like an unprobed one. Every statistic is
computed where the gradients are (one compiled program on JAX, keras.ops eagerly on TensorFlow),
so a probe moves only a (layers, stats) array to the host; ``statistics_program`` is that program
as a pure function, which ``suite.training.population`` vmaps over a population's members.
"""
from __future__ import annotations

import math

import keras
import numpy as np

from suite.training.models import SHORTCUT

# activation -> which outputs count as saturated (derivative below ~1% of its peak), in keras.ops
SATURATED = {"sigmoid": lambda a: keras.ops.logical_or(a < 0.01, a > 0.99),
             "tanh": lambda a: keras.ops.abs(a) > 0.99, "softsign": lambda a: keras.ops.abs(a) > 0.9}
STATS = ("bias_grad_norm", "weight_grad_norm", "backprop_grad_std", "activation_std",
         "dead_fraction", "saturated_fraction", "act_input_p15", "act_input_p50", "act_input_p85")


ACTIVATION_LAYERS = (keras.layers.Activation, keras.layers.LeakyReLU, keras.layers.PReLU)
PERCENTILES = (15, 50, 85)  # Ioffe & Szegedy (2015), Fig. 1(b, c): the input of one sigmoid over training


def probed_layers(model: keras.Model) -> list:
    """The Dense layers the probe measures: hidden layers and the output, not projection
    shortcuts (``suite.training.models.SHORTCUT``)."""
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


def _statistics(grads: list, inputs: list, activation_inputs: list, activation: str):
    """The (layers, ``STATS``) float32 array from dC/dz (``grads``, one (n, units) array per
    probed layer), each probed layer's input and each activation's input, in keras.ops (traced
    into the compiled program on JAX, eager on TensorFlow); NaN where a statistic is undefined.

    dC/db = sum over examples of dC/dz, dC/dW = a_prev^T dC/dz (Nielsen ch.2, eq. BP3, BP4);
    ``backprop_grad_std`` is the std of the per-example dC/dz = n x the mean cost's; a hidden
    layer's activation is the next probed layer's input; percentiles use numpy's 'linear' method.
    """
    ops = keras.ops
    n = grads[0].shape[0]
    nan = ops.convert_to_tensor(math.nan, "float32")
    saturated = SATURATED.get(activation)
    rows = []
    for index, grad in enumerate(grads):
        grad, layer_input = ops.cast(grad, "float32"), ops.cast(ops.reshape(inputs[index], (n, -1)), "float32")
        out = ops.cast(ops.reshape(inputs[index + 1], (n, -1)), "float32") if index + 1 < len(grads) else None
        unit = activation_inputs[index]
        unit = None if unit is None else ops.cast(ops.reshape(unit, (n, -1))[:, 0], "float32")
        rows.append(ops.stack([
            ops.norm(ops.sum(grad, axis=0)),
            ops.sqrt(ops.sum(ops.square(ops.matmul(ops.transpose(layer_input), grad)))),
            ops.std(grad * n),
            nan if out is None else ops.std(out),
            nan if out is None else ops.mean(ops.cast(ops.all(out == 0, axis=0), "float32")),
            nan if out is None or saturated is None else ops.mean(ops.cast(saturated(out), "float32")),
            *(nan if unit is None else ops.quantile(unit, q / 100) for q in PERCENTILES),
        ]))
    return ops.stack(rows)


def statistics_program(model: keras.Model, loss_fn, activation: str):
    """A pure function ``(values, x, y) -> (layers, STATS)`` array: the probe of ``model`` with its
    variables (trainable, then non-trainable) bound to ``values`` through ``keras.StatelessScope``
    (as ``stateless_call`` does) on the mean cost of ``loss_fn`` over (x, y). JAX only (the
    caller jits it, or vmaps it over a population's stacked weights)."""
    import jax  # deferred: loads JAX

    dense = probed_layers(model)
    variables = model.trainable_variables + model.non_trainable_variables

    def cost(offsets, values, x, y):
        with keras.StatelessScope(state_mapping=list(zip(variables, values))):
            logits, inputs = _forward(model, x, offsets)
            return keras.ops.mean(loss_fn(y, logits)), inputs

    def program(values, x, y):
        offsets = [jax.numpy.zeros((x.shape[0], layer.units), "float32") for layer in dense]
        grads, (inputs, activation_inputs) = jax.grad(cost, has_aux=True)(offsets, values, x, y)
        return _statistics(grads, inputs, activation_inputs, activation)

    return program


def _cached(model: keras.Model, loss_fn, activation: str, make, *layout):
    """The program ``make()`` builds, cached on the model per loss, activation and ``layout`` (a
    model reused across seeds keeps its programs)."""
    cache = model.__dict__.setdefault("_probe_programs", {})
    name = (type(loss_fn).__name__, str(getattr(loss_fn, "get_config", dict)()), activation, *layout)
    if name not in cache:
        cache[name] = make()
    return cache[name]


def _compiled(model: keras.Model, loss_fn, activation: str):
    """JAX: ``statistics_program`` jitted (cached), so each probe is one compiled call."""
    import jax  # deferred: loads JAX

    return _cached(model, loss_fn, activation, lambda: jax.jit(statistics_program(model, loss_fn, activation)))


def population_program(model: keras.Model, loss_fn, activation: str, x_axis, y_axis):
    """JAX: ``statistics_program`` vmapped over a population's stacked variable values (axis 0)
    and jitted: ``(values, x, y) -> (members, layers, STATS)``; ``x_axis`` / ``y_axis`` are 0 for
    per-member probe batches, None for one shared batch. Cached on the model like ``_compiled``."""
    import jax  # deferred: loads JAX

    return _cached(model, loss_fn, activation,
                   lambda: jax.jit(jax.vmap(statistics_program(model, loss_fn, activation),
                                            in_axes=(0, x_axis, y_axis))),
                   "population", x_axis, y_axis)


def _eager_statistics(model: keras.Model, loss_fn, x, y, activation: str):
    """TensorFlow: the same statistics, eagerly, the offsets' gradient from a ``GradientTape``."""
    import tensorflow as tf  # deferred: loads TensorFlow

    offsets = [tf.zeros((len(x), layer.units), "float32") for layer in probed_layers(model)]
    with tf.GradientTape() as tape:
        tape.watch(offsets)
        logits, (inputs, activation_inputs) = _forward(model, x, offsets)
        cost = tf.reduce_mean(loss_fn(y, logits))
    return _statistics(tape.gradient(cost, offsets), inputs, activation_inputs, activation)


def rows_of(table) -> list[dict]:
    """``measure``'s rows from a (layers, ``STATS``) array (the output layer last)."""
    table = np.asarray(table, dtype="float64")
    return [{"layer": index + 1, "output_layer": index + 1 == len(table),
             **{stat: float(value) for stat, value in zip(STATS, values)}} for index, values in enumerate(table)]


def measure(model: keras.Model, loss_fn, x, y, activation: str) -> list[dict]:
    """One row per probed Dense layer (``probed_layers``: hidden layers first, the output layer
    last) with ``STATS`` (float32 arithmetic); ``act_input_p<q>`` is the q-th percentile over the
    examples of the input of the layer's first unit's activation (NaN for the output layer).
    Only the (layers, stats) array leaves the device. Raises NotImplementedError on a backend
    other than JAX and TensorFlow."""
    backend = keras.backend.backend()
    with keras.StatelessScope():  # batch normalization's moving averages stay as they are
        if backend == "jax":
            values = [v.value for v in model.trainable_variables + model.non_trainable_variables]
            table = _compiled(model, loss_fn, activation)(values, x, y)
        elif backend == "tensorflow":
            table = _eager_statistics(model, loss_fn, x, y, activation)
        else:
            raise NotImplementedError(f"the layer probe does not support the '{backend}' backend")
    return rows_of(keras.ops.convert_to_numpy(table))


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


def _drift(first: float, last: float) -> float:
    """|ln(first / last)|: 0 when a scale is kept, NaN when either is zero (or not finite)."""
    return abs(math.log(first / last)) if first > 0 and last > 0 and math.isfinite(first / last) else math.nan


def summary_metrics(rows: list[dict], at_end: bool = True) -> dict:
    """Per-trial numbers from the probe rows: at initialization (epoch 0) and at the end.

    ``grad_ratio_first_last``: the first hidden layer's bias-gradient norm over the last hidden
    layer's (below 1: the early layers learn slower); ``activation_std_ratio``: the last hidden
    layer's activation std over the first's (1: the scale is preserved through depth);
    ``activation_std_drift``: |ln activation_std_ratio|, how far the scale moves either way (0: kept;
    ln 2 = 0.69: halved or doubled), so initializations can be ranked by how well they keep it;
    ``backprop_std_drift``: |ln backprop_std_ratio|, the same for the back-propagated gradient dC/dz
    (Glorot & Bengio 2010, Fig. 7), which saturated units shrink where their activation std cannot
    show it; ``bias_grad_norm_<l>``: each layer's bias-gradient norm at initialization. ``at_end`` adds
    the end-of-training numbers (dead units, the ratio after training, ``act_input_drift`` of the
    last hidden layer's probed unit from initialization to the end).
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
        "backprop_std_drift": _drift(start[0]["backprop_grad_std"], start[-1]["backprop_grad_std"]),
        "saturated_fraction_init": float(np.mean([row["saturated_fraction"] for row in start])),
        **{f"bias_grad_norm_{row['layer']}": row["bias_grad_norm"] for row in start},
    }
    if at_end:  # after a blow-up the last probe saw NaN weights: nothing to report
        metrics.update({"dead_fraction": float(np.mean([row["dead_fraction"] for row in end])),
                        "grad_ratio_first_last_end": ratio(end[0]["bias_grad_norm"], end[-1]["bias_grad_norm"]),
                        "act_input_drift": act_input_drift(start[-1], end[-1])})
    return metrics


def act_input_drift(start: dict, end: dict) -> float:
    """How far the input of one activation (the probed unit of a layer) moved between two probes
    (Ioffe & Szegedy 2015, Fig. 1(b, c)): the largest change of its 15th, 50th and 85th percentiles,
    in units of its 15-85 spread at ``start`` (0: the same distribution; 1: a percentile moved by
    the whole initial spread, about two standard deviations of a normal input). Scale-free, so a
    normalized and an unnormalized input compare. NaN where the layer has no such input or the
    spread at ``start`` is not positive."""
    keys = [f"act_input_p{q}" for q in PERCENTILES]
    if any(key not in start or key not in end for key in keys):
        return math.nan
    spread = start["act_input_p85"] - start["act_input_p15"]
    if not spread > 0:
        return math.nan
    return float(max(abs(end[key] - start[key]) for key in keys) / spread)
