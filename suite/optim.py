"""Optimizer registry: names to Keras optimizers, built from a trial config."""
from __future__ import annotations

import keras

from suite.errors import UserError, lookup

OPTIMIZERS = {
    "sgd": lambda lr, momentum, **kw: keras.optimizers.SGD(lr, momentum=momentum, **kw),
    "momentum": lambda lr, momentum, **kw: keras.optimizers.SGD(lr, momentum=momentum or 0.9, **kw),
    "nesterov": lambda lr, momentum, **kw: keras.optimizers.SGD(
        lr, momentum=momentum or 0.9, nesterov=True, **kw),
    "adagrad": lambda lr, momentum, **kw: keras.optimizers.Adagrad(lr, **kw),
    "adadelta": lambda lr, momentum, **kw: keras.optimizers.Adadelta(lr, **kw),
    "rmsprop": lambda lr, momentum, **kw: keras.optimizers.RMSprop(lr, momentum=momentum, **kw),
    "adam": lambda lr, momentum, **kw: keras.optimizers.Adam(lr, **kw),
    "adamw": lambda lr, momentum, **kw: keras.optimizers.AdamW(lr, **kw),
    "nadam": lambda lr, momentum, **kw: keras.optimizers.Nadam(lr, **kw),
    "adamax": lambda lr, momentum, **kw: keras.optimizers.Adamax(lr, **kw),
}


def build_optimizer(name: str, learning_rate: float, momentum: float = 0.0,
                    options: dict | None = None) -> keras.optimizers.Optimizer:
    factory = lookup(OPTIMIZERS, name, "optimizer")
    try:
        return factory(learning_rate, momentum, **(options or {}))
    except (TypeError, ValueError) as exc:
        raise UserError(f"optimizer '{name}' rejected its options {options}: {exc}") from None
