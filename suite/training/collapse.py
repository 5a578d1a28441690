"""A stack of Dense layers with linear activations is one linear map (lecture decks 000 p.22 and
004): its kernels multiply to W = W_1 ... W_k and its biases collapse to b = (...(b_1 W_2 + b_2) W_3
...) W_k + b_k. ``collapse_metrics`` checks it on the trained model: the largest absolute difference
between the model's logits and x W + b on given inputs (float64 products of the float32 weights),
absolute and relative to the largest logit."""
from __future__ import annotations

import keras
import numpy as np

PASS_THROUGH = (keras.layers.InputLayer, keras.layers.Flatten)  # layers that leave a linear map linear


def collapsed_map(model: keras.Model) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) of the model as one linear map on flattened inputs; ValueError for any layer that
    is not Dense, a linear activation or a pass-through (then the model is not one linear map)."""
    kernel, bias = None, None
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense) and layer.activation in (keras.activations.linear, None):
            k, b = (np.asarray(layer.kernel.numpy(), np.float64), np.asarray(layer.bias.numpy(), np.float64))
            kernel, bias = (k, b) if kernel is None else (kernel @ k, bias @ k + b)
        elif isinstance(layer, keras.layers.Activation) and layer.activation is keras.activations.linear:
            continue
        elif not isinstance(layer, PASS_THROUGH):
            raise ValueError(f"layer {layer.name} ({type(layer).__name__}) is not linear: no single linear map")
    if kernel is None:
        raise ValueError(f"model {model.name} has no Dense layer")
    return kernel, bias


def collapse_metrics(model: keras.Model, x: np.ndarray, batch_size: int = 1000) -> dict:
    """``collapse_max_abs_diff``: max |logits - (x W + b)| over ``x``; ``collapse_relative_diff``:
    that over max |logits|."""
    kernel, bias = collapsed_map(model)
    logits = np.asarray(model.predict(x, batch_size=batch_size, verbose=0), np.float64)
    direct = np.asarray(x, np.float64).reshape(len(x), -1) @ kernel + bias
    gap = float(np.max(np.abs(logits - direct)))
    return {"collapse_max_abs_diff": gap, "collapse_relative_diff": gap / float(np.max(np.abs(logits)))}
