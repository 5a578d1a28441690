"""Optimizer and learning-rate schedule registries, built from a trial config."""
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


def build_optimizer(name: str, learning_rate, momentum: float = 0.0,
                    options: dict | None = None) -> keras.optimizers.Optimizer:
    factory = lookup(OPTIMIZERS, name, "optimizer")
    try:
        return factory(learning_rate, momentum, **(options or {}))
    except (TypeError, ValueError) as exc:
        raise UserError(f"optimizer '{name}' rejected its options {options}: {exc}") from None


def _exponential(lr, steps_per_epoch, epochs, decay_rate=0.95, decay_epochs=1.0, decay_steps=None,
                 staircase=True):
    """lr * decay_rate ** (step / decay_steps); Zhang et al. decay by 0.95 once per epoch.

    ``decay_steps`` pins the period in steps, so a smaller training set (fewer steps per epoch)
    can keep the paper's decay per step instead of decaying faster.
    """
    steps = decay_steps or max(1, round(decay_epochs * steps_per_epoch))
    return keras.optimizers.schedules.ExponentialDecay(lr, steps, decay_rate, staircase=staircase)


def _step(lr, steps_per_epoch, epochs, every_epochs=10, factor=0.1):
    """lr multiplied by ``factor`` every ``every_epochs`` epochs."""
    return keras.optimizers.schedules.ExponentialDecay(
        lr, max(1, round(every_epochs * steps_per_epoch)), factor, staircase=True)


def _piecewise(lr, steps_per_epoch, epochs, boundaries=(), multipliers=()):
    """lr * multipliers[i] between the epoch ``boundaries`` (one more multiplier than boundaries)."""
    if len(multipliers) != len(boundaries) + 1:
        raise ValueError("needs one more multiplier than boundaries")
    return keras.optimizers.schedules.PiecewiseConstantDecay(
        [int(b * steps_per_epoch) for b in boundaries], [lr * m for m in multipliers])


def _cosine(lr, steps_per_epoch, epochs, alpha=0.0):
    """Cosine decay from lr to alpha * lr over the whole run."""
    return keras.optimizers.schedules.CosineDecay(lr, max(1, epochs * steps_per_epoch), alpha=alpha)


SCHEDULES = {
    "constant": lambda lr, steps_per_epoch, epochs: lr,
    "exponential": _exponential,
    "step": _step,
    "piecewise": _piecewise,
    "cosine": _cosine,
}


def build_schedule(name: str, learning_rate: float, steps_per_epoch: int, epochs: int,
                   options: dict | None = None):
    """A learning rate (float) or a ``keras.optimizers.schedules`` schedule counted in steps."""
    factory = lookup(SCHEDULES, name, "learning-rate schedule")
    try:
        return factory(learning_rate, steps_per_epoch, epochs, **(options or {}))
    except (TypeError, ValueError) as exc:
        raise UserError(f"learning-rate schedule '{name}' rejected its options {options}: {exc}") from None


# Learning-rate changes driven by a monitored metric rather than the step count: Keras callbacks.
LR_CALLBACKS = {
    "none": lambda **options: None,
    # "performance decay": divide the rate when the dev loss stops improving
    "reduce_on_plateau": lambda **options: keras.callbacks.ReduceLROnPlateau(
        **{"monitor": "val_loss", "factor": 0.5, "patience": 2, "min_lr": 1e-5, **options}),
}


def build_lr_callback(name: str, options: dict | None = None):
    """A Keras callback that adjusts the learning rate during ``fit``, or None."""
    factory = lookup(LR_CALLBACKS, name, "learning-rate callback")
    try:
        return factory(**(options or {}))
    except (TypeError, ValueError) as exc:
        raise UserError(f"learning-rate callback '{name}' rejected its options {options}: {exc}") from None
