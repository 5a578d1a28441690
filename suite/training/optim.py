"""Optimizer and learning-rate schedule registries, built from a trial config."""
from __future__ import annotations

import itertools

import keras
from keras import ops

from suite import registry
from suite.errors import UserError, lookup
from suite.design.options import Option, declare, from_keras
from suite.training.saddle import SaddleNewton

OPTIMIZERS = {
    "sgd": lambda lr, momentum, **kw: keras.optimizers.SGD(lr, momentum=momentum, **kw),
    "momentum": lambda lr, momentum, **kw: keras.optimizers.SGD(lr, momentum=momentum or 0.9, **kw),
    "nesterov": lambda lr, momentum, **kw: keras.optimizers.SGD(
        lr, momentum=momentum or 0.9, nesterov=True, **kw),
    "adagrad": lambda lr, momentum, **kw: keras.optimizers.Adagrad(lr, **kw),  # Keras: accumulator starts at 0.1
    # Duchi, Hazan & Singer (2011), the Adagrad Zeiler (2012) compares: the squared-gradient sum
    # starts at 0, so the first step is lr * g / sqrt(g^2 + epsilon), about lr * sign(g).
    "adagrad_duchi": lambda lr, momentum, **kw: keras.optimizers.Adagrad(
        lr, **{"initial_accumulator_value": 0.0, **kw}),
    "adadelta": lambda lr, momentum, **kw: keras.optimizers.Adadelta(lr, **kw),
    "rmsprop": lambda lr, momentum, **kw: keras.optimizers.RMSprop(lr, momentum=momentum, **kw),
    "adam": lambda lr, momentum, **kw: keras.optimizers.Adam(lr, **kw),
    "adamw": lambda lr, momentum, **kw: keras.optimizers.AdamW(lr, **kw),
    "nadam": lambda lr, momentum, **kw: keras.optimizers.Nadam(lr, **kw),
    "adamax": lambda lr, momentum, **kw: keras.optimizers.Adamax(lr, **kw),
    # Newton's step with the saddle's Hessian diag(2, -2) (suite.training.saddle; the saddle model only)
    "saddle_newton": lambda lr, momentum, **kw: SaddleNewton(lr, **kw),
}


# Each optimizer's options: its Keras class's arguments, less those the entry sets itself.
OPTIMIZER_CLASSES = {
    "sgd": (keras.optimizers.SGD, ("momentum",)), "momentum": (keras.optimizers.SGD, ("momentum",)),
    "nesterov": (keras.optimizers.SGD, ("momentum", "nesterov")), "adagrad": (keras.optimizers.Adagrad, ()),
    "adagrad_duchi": (keras.optimizers.Adagrad, ()),
    "adadelta": (keras.optimizers.Adadelta, ()), "rmsprop": (keras.optimizers.RMSprop, ("momentum",)),
    "adam": (keras.optimizers.Adam, ()), "adamw": (keras.optimizers.AdamW, ()),
    "nadam": (keras.optimizers.Nadam, ()), "adamax": (keras.optimizers.Adamax, ()),
    "saddle_newton": (SaddleNewton, ()),
}
for _name, (_cls, _set) in OPTIMIZER_CLASSES.items():
    declare(OPTIMIZERS[_name], from_keras(_cls, ("learning_rate", *_set)))

SGD_FAMILY = {"sgd": False, "momentum": False, "nesterov": True}  # name -> nesterov


@keras.saving.register_keras_serializable(package="suite")
class ScheduledMomentumSGD(keras.optimizers.SGD):
    """SGD whose momentum is a schedule of the step (one-cycle), not a constant.

    Keras's SGD multiplies by ``self.momentum``, a Python float baked into the update when the
    train step is traced and compiled, so changing it between steps changes nothing. Here the
    momentum is computed from ``self.iterations`` (a variable) inside the traced update, the same
    way Keras evaluates a learning-rate schedule.
    """

    def __init__(self, learning_rate, momentum_schedule, nesterov=False, momentum=None, **kwargs):
        if isinstance(momentum_schedule, dict):  # from get_config; ``momentum`` is its first value
            momentum_schedule = keras.saving.deserialize_keras_object(momentum_schedule)
        super().__init__(learning_rate, momentum=float(momentum_schedule(0)), nesterov=nesterov, **kwargs)
        self.momentum_schedule = momentum_schedule

    def build(self, variables):
        if not self.built:  # velocities even where the schedule starts at 0
            keras.optimizers.Optimizer.build(self, variables)
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        velocity = self.momentums[self._get_variable_index(variable)]
        momentum = ops.cast(self.momentum_schedule(self.iterations), variable.dtype)
        step = ops.multiply(ops.cast(gradient, variable.dtype), ops.cast(learning_rate, variable.dtype))
        self.assign(velocity, ops.subtract(ops.multiply(velocity, momentum), step))
        self.assign_add(variable, ops.subtract(ops.multiply(velocity, momentum), step)
                        if self.nesterov else velocity)

    def get_config(self):
        return {**super().get_config(),
                "momentum_schedule": keras.saving.serialize_keras_object(self.momentum_schedule)}


def decoupled_decay_options(options: dict, decoupled: bool, decay: float, learning_rate: float) -> dict:
    """AdamW's options with Loshchilov & Hutter's decoupled decay ``decay`` (lambda; 2019, Algorithm 2
    line 12: w -= eta_t * lambda * w each step, eta_t the schedule multiplier, not the rate alpha).

    Keras's AdamW decays by w -= rate_t * weight_decay * w with rate_t = learning_rate * eta_t, so
    weight_decay = lambda / learning_rate gives the paper's step, independent of the learning rate
    (lambda 0 is plain Adam, not Keras's default 0.004). ``decoupled`` False returns ``options``
    unchanged. Raises UserError for a learning rate that is not positive."""
    if not decoupled:
        return options
    if not learning_rate > 0:
        raise UserError(f"decoupled_weight_decay needs a learning rate > 0, not {learning_rate}")
    return {**options, "weight_decay": decay / learning_rate}


def declared(rule=None, **options: Option):
    """Declare a schedule's options (its keyword arguments after lr, steps_per_epoch, epochs)."""
    return lambda factory: declare(factory, options, rule)


def _make(factory, what: str, name: str, options: dict | None, *args):
    """``factory(*args, **options)``; options it rejects become one line naming them."""
    try:
        return factory(*args, **(options or {}))
    except (TypeError, ValueError) as exc:
        raise UserError(f"{what} '{name}' rejected its options {options}: {exc}") from None


def build_optimizer(name: str, learning_rate, momentum=0.0,
                    options: dict | None = None) -> keras.optimizers.Optimizer:
    """``momentum`` is a float, or a schedule (see MOMENTUM_SCHEDULES) for the SGD family."""
    factory = lookup(registry.extend(OPTIMIZERS, registry.GROUPS["optimizers"]), name, "optimizer")
    if callable(momentum):
        if name not in SGD_FAMILY:
            raise UserError(f"a momentum schedule needs an SGD optimizer ({', '.join(SGD_FAMILY)}), "
                            f"not '{name}'; set momentum_schedule=constant")
        factory = lambda lr, m, **kw: ScheduledMomentumSGD(lr, m, nesterov=SGD_FAMILY[name], **kw)  # noqa: E731
    return _make(factory, "optimizer", name, options, learning_rate, momentum)


@declared(decay_rate=Option(float, 0.95, "multiply the rate by this per period", gt=0, le=1),
          decay_epochs=Option(float, 1.0, "period in epochs", gt=0, le=100_000),
          decay_steps=Option(int, None, "period in steps (overrides decay_epochs)", ge=1, nullable=True),
          staircase=Option(bool, True, "decay in whole periods, not continuously"))
def _exponential(lr, steps_per_epoch, epochs, decay_rate=0.95, decay_epochs=1.0, decay_steps=None,
                 staircase=True):
    """lr * decay_rate ** (step / decay_steps); Zhang et al. decay by 0.95 once per epoch.

    ``decay_steps`` pins the period in steps, so a smaller training set (fewer steps per epoch)
    can keep the paper's decay per step instead of decaying faster.
    """
    steps = decay_steps or max(1, round(decay_epochs * steps_per_epoch))
    return keras.optimizers.schedules.ExponentialDecay(lr, steps, decay_rate, staircase=staircase)


@declared(every_epochs=Option(float, 10, "epochs between drops", gt=0, le=100_000),
          factor=Option(float, 0.1, "multiply the rate by this at each drop", gt=0, le=1))
def _step(lr, steps_per_epoch, epochs, every_epochs=10, factor=0.1):
    """lr multiplied by ``factor`` every ``every_epochs`` epochs."""
    return keras.optimizers.schedules.ExponentialDecay(
        lr, max(1, round(every_epochs * steps_per_epoch)), factor, staircase=True)


def _piecewise_rule(options: dict, config: dict) -> str | None:
    boundaries = list(options.get("boundaries", ()))
    example = "e.g. {'boundaries': [5, 10], 'multipliers': [1, 0.1, 0.01]}"
    if len(options.get("multipliers", (1.0,))) != len(boundaries) + 1:
        return f"needs one more multiplier than boundaries, {example}"
    if any(later <= earlier for earlier, later in itertools.pairwise(boundaries)):
        return f"the boundaries {boundaries} must be increasing, {example}"
    return None


@declared(boundaries=Option(list, (), "epochs at which the multiplier changes, increasing", item=float,
                            gt=0, le=100_000),
          multipliers=Option(list, (1.0,), "rate multipliers, one more than boundaries", item=float,
                             ge=0, le=1e6, max_items=1001),
          rule=_piecewise_rule)
def _piecewise(lr, steps_per_epoch, epochs, boundaries=(), multipliers=(1.0,)):
    """lr * multipliers[i] between the epoch ``boundaries`` (one more multiplier than boundaries)."""
    if len(multipliers) != len(boundaries) + 1:
        raise ValueError("needs one more multiplier than boundaries")
    return keras.optimizers.schedules.PiecewiseConstantDecay(
        [int(b * steps_per_epoch) for b in boundaries], [lr * m for m in multipliers])


@declared(alpha=Option(float, 0.0, "final rate as a fraction of the peak", ge=0, le=1))
def _cosine(lr, steps_per_epoch, epochs, alpha=0.0):
    """Cosine decay from lr to alpha * lr over the whole run."""
    return keras.optimizers.schedules.CosineDecay(lr, max(1, epochs * steps_per_epoch), alpha=alpha)


@declared(decay_rate=Option(float, 1.0, "1/t decay per decay_epochs", ge=0, le=1e6),
          decay_epochs=Option(float, 1.0, "time unit in epochs", gt=0, le=100_000),
          staircase=Option(bool, False, "decay in whole units"))
def _inverse_time(lr, steps_per_epoch, epochs, decay_rate=1.0, decay_epochs=1.0, staircase=False):
    """Power decay with p = 1: lr / (1 + decay_rate * t / decay_epochs), t in epochs."""
    return keras.optimizers.schedules.InverseTimeDecay(
        lr, max(1, round(decay_epochs * steps_per_epoch)), decay_rate, staircase=staircase)


@declared(end_factor=Option(float, 0.01, "final rate as a fraction of the peak", ge=0, le=1),
          power=Option(float, 1.0, "exponent of the decay", gt=0, le=100),
          decay_epochs=Option(float, None, "epochs to reach the end (default: the run)", gt=0, le=100_000,
                              nullable=True))
def _polynomial(lr, steps_per_epoch, epochs, end_factor=0.01, power=1.0, decay_epochs=None):
    """(lr - end) * (1 - t / s) ** power + end, end = end_factor * lr, s = the run (or decay_epochs)."""
    steps = max(1, round((decay_epochs or epochs) * steps_per_epoch))
    return keras.optimizers.schedules.PolynomialDecay(lr, steps, lr * end_factor, power=power)


@declared(cycles=Option(int, 4, "cycles that fill the run", ge=1, le=10_000),
          first_cycle_epochs=Option(float, None, "length of the first cycle (default: from cycles)", gt=0,
                                    le=100_000, nullable=True),
          t_mul=Option(float, 2.0, "each cycle this many times longer than the last", ge=1, le=100),
          m_mul=Option(float, 0.5, "each cycle starting at this fraction of the last's rate", gt=0, le=1),
          alpha=Option(float, 0.0, "lowest rate as a fraction of the cycle's peak", ge=0, le=1))
def _sgdr(lr, steps_per_epoch, epochs, cycles=4, first_cycle_epochs=None, t_mul=2.0, m_mul=0.5, alpha=0.0):
    """Cosine annealing with warm restarts (Loshchilov & Hutter): each cycle t_mul times longer
    than the last and starting at m_mul times its rate; by default ``cycles`` cycles fill the run."""
    if first_cycle_epochs is None:  # epochs = first * (1 + t_mul + ... + t_mul ** (cycles - 1))
        first_cycle_epochs = epochs / (cycles if t_mul == 1 else (t_mul ** cycles - 1) / (t_mul - 1))
    return keras.optimizers.schedules.CosineDecayRestarts(
        lr, max(1, round(first_cycle_epochs * steps_per_epoch)), t_mul=t_mul, m_mul=m_mul, alpha=alpha)


@declared(warmup_epochs=Option(float, 1.0, "epochs of linear warm-up", gt=0, le=100_000),
          start_factor=Option(float, 0.1, "warm-up start as a fraction of the peak", ge=0, le=1),
          alpha=Option(float, 0.0, "final rate as a fraction of the peak", ge=0, le=1))
def _warmup_cosine(lr, steps_per_epoch, epochs, warmup_epochs=1.0, start_factor=0.1, alpha=0.0):
    """Linear warm-up from start_factor * lr to lr over warmup_epochs, then cosine decay to alpha * lr."""
    warmup = max(1, round(warmup_epochs * steps_per_epoch))
    return keras.optimizers.schedules.CosineDecay(
        lr * start_factor, max(1, epochs * steps_per_epoch - warmup), alpha=alpha,
        warmup_target=lr, warmup_steps=warmup)


@keras.saving.register_keras_serializable(package="suite")
class PiecewiseLinear(keras.optimizers.schedules.LearningRateSchedule):
    """Linear between the knots (steps[i], values[i]), constant beyond the last: one-cycle.

    Written with keras.ops and no Python branch on the step, so it traces inside a compiled train
    step and evaluates an array of steps at once. Keras has no one-cycle schedule.
    """

    def __init__(self, steps, values):
        self.steps, self.values = [float(s) for s in steps], [float(v) for v in values]

    def __call__(self, step):
        step = ops.cast(step, "float32")
        value = ops.zeros_like(step) + self.values[0]
        for x0, x1, y0, y1 in zip(self.steps, self.steps[1:], self.values, self.values[1:]):
            value = value + (y1 - y0) * ops.clip((step - x0) / max(x1 - x0, 1e-9), 0.0, 1.0)
        return value

    def get_config(self):
        return {"steps": self.steps, "values": self.values}


def _one_cycle_steps(steps_per_epoch, epochs, peak_fraction, cooldown_fraction):
    """Smith (2018): up to the peak, back down, then a cool-down over the last part of the run."""
    if not 0 < peak_fraction < 1 - cooldown_fraction <= 1:
        raise ValueError("needs 0 < peak_fraction < 1 - cooldown_fraction <= 1")
    total = epochs * steps_per_epoch
    return [0, peak_fraction * total, (1 - cooldown_fraction) * total, total]


def _one_cycle_rule(options: dict, config: dict) -> str | None:
    if options.get("peak_fraction", 0.45) < 1 - options.get("cooldown_fraction", 0.1):
        return None
    return "needs peak_fraction < 1 - cooldown_fraction, e.g. {'peak_fraction': 0.45, 'cooldown_fraction': 0.1}"


@declared(start_factor=Option(float, 0.1, "start (and annealed) rate as a fraction of the peak", gt=0, le=1),
          end_factor=Option(float, 0.001, "final rate as a fraction of the peak", ge=0, le=1),
          peak_fraction=Option(float, 0.45, "fraction of the run spent rising", gt=0, lt=1),
          cooldown_fraction=Option(float, 0.1, "fraction of the run spent cooling down", ge=0, lt=1),
          rule=_one_cycle_rule)
def _one_cycle(lr, steps_per_epoch, epochs, start_factor=0.1, end_factor=0.001, peak_fraction=0.45,
               cooldown_fraction=0.1):
    """start_factor * lr up to lr (warm-up), back to start_factor * lr (annealing), then down to
    end_factor * lr (cool-down)."""
    return PiecewiseLinear(_one_cycle_steps(steps_per_epoch, epochs, peak_fraction, cooldown_fraction),
                           [lr * start_factor, lr, lr * start_factor, lr * end_factor])


SCHEDULES = {
    "constant": declare(lambda lr, steps_per_epoch, epochs: lr, {}),
    "exponential": _exponential,
    "step": _step,
    "piecewise": _piecewise,
    "cosine": _cosine,
    "inverse_time": _inverse_time,
    "polynomial": _polynomial,
    "sgdr": _sgdr,
    "warmup_cosine": _warmup_cosine,
    "one_cycle": _one_cycle,
}


def build_schedule(name: str, learning_rate: float, steps_per_epoch: int, epochs: int,
                   options: dict | None = None):
    """A learning rate (float) or a ``keras.optimizers.schedules`` schedule counted in steps."""
    factory = lookup(registry.extend(SCHEDULES, registry.GROUPS["schedules"]), name, "learning-rate schedule")
    return _make(factory, "learning-rate schedule", name, options, learning_rate, steps_per_epoch, epochs)


# Learning-rate changes driven by a monitored metric rather than the step count: Keras callbacks.
# What a trial's ``fit`` logs (suite.training.train compiles with this one metric): a monitor must be one.
MONITORS = ("val_loss", "val_sparse_categorical_accuracy", "loss", "sparse_categorical_accuracy")
LR_CALLBACKS = {
    "none": declare(lambda **options: None, {}),
    # "performance decay": divide the rate when the dev loss stops improving
    "reduce_on_plateau": lambda **options: keras.callbacks.ReduceLROnPlateau(
        **{"monitor": "val_loss", "factor": 0.5, "patience": 2, "min_lr": 1e-5, **options}),
}


declare(LR_CALLBACKS["reduce_on_plateau"], from_keras(
    keras.callbacks.ReduceLROnPlateau,
    monitor=Option(str, "val_loss", "the logged value watched (dev loss by default)", choices=MONITORS),
    verbose=Option(int, 0, "Keras's own messages (off: the suite prints progress)", ge=0, le=0)))


def build_lr_callback(name: str, options: dict | None = None):
    """A Keras callback that adjusts the learning rate during ``fit``, or None."""
    factory = lookup(registry.extend(LR_CALLBACKS, registry.GROUPS["lr_callbacks"]), name, "learning-rate callback")
    return _make(factory, "learning-rate callback", name, options)


def _momentum_rule(options: dict, config: dict) -> str | None:
    momentum = config.get("momentum", 0.9)
    low = momentum - 0.1 if options.get("low") is None else options["low"]
    if not 0 <= low <= momentum:
        return (f"needs 0 <= low ({low:g}) <= the config's momentum ({momentum:g}): the momentum falls "
                f"from momentum to low, e.g. --set momentum=0.95 with {{'low': 0.85}}")
    return _one_cycle_rule(options, config)


@declared(low=Option(float, None, "lowest momentum (default: momentum - 0.1)", ge=0, le=1, nullable=True),
          peak_fraction=Option(float, 0.45, "fraction of the run spent rising", gt=0, lt=1),
          cooldown_fraction=Option(float, 0.1, "fraction of the run spent cooling down", ge=0, lt=1),
          rule=_momentum_rule)
def _one_cycle_momentum(momentum, steps_per_epoch, epochs, low=None, peak_fraction=0.45,
                        cooldown_fraction=0.1):
    """Smith (2018): momentum falls from ``momentum`` to ``low`` (default momentum - 0.1) while
    the one-cycle rate rises, climbs back while it falls, and stays at the top for the cool-down."""
    low = momentum - 0.1 if low is None else low
    if not 0 <= low <= momentum <= 1:
        raise ValueError(f"needs 0 <= low ({low:g}) <= momentum ({momentum:g}) <= 1: the momentum "
                         f"falls from the config's momentum to low")
    return PiecewiseLinear(_one_cycle_steps(steps_per_epoch, epochs, peak_fraction, cooldown_fraction),
                           [momentum, low, momentum, momentum])


# Momentum as a function of the step; anything but a float needs the SGD family.
MOMENTUM_SCHEDULES = {
    "constant": declare(lambda momentum, steps_per_epoch, epochs: momentum, {}),
    "one_cycle": _one_cycle_momentum,
}


def build_momentum_schedule(name: str, momentum: float, steps_per_epoch: int, epochs: int,
                            options: dict | None = None):
    """The momentum (float) or a schedule counted in steps, for ``build_optimizer``."""
    factory = lookup(MOMENTUM_SCHEDULES, name, "momentum schedule")
    return _make(factory, "momentum schedule", name, options, momentum, steps_per_epoch, epochs)
