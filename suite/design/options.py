"""Option declarations of registry entries, and their validation before any trial runs.

Every entry of an option-taking registry (``suite.training.optim.OPTIMIZERS``, ``SCHEDULES``,
``LR_CALLBACKS``, ``MOMENTUM_SCHEDULES``) carries ``entry.options``: option name -> ``Option``
(type, default, range or choices, meaning), and optionally ``entry.option_rule(options, config)``
for constraints between options. An entry that wraps a Keras class takes its option names and
types from the class's signature (``from_keras``), so an option Keras does not know is refused
here, with one line, instead of failing every trial inside Keras. This module imports no Keras.
"""
from __future__ import annotations

import inspect
import math
import reprlib
from dataclasses import dataclass
from typing import Any

from suite.errors import UserError, did_you_mean

NUMBER = (int, float)
INT32 = 2**31 - 1  # Keras counts steps and iterations in int32: a larger int fails inside a trial


def number(value) -> str:
    """1e7 as 10000000, 0.001 as 0.001: bounds read as the user would type them."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e16 else f"{value:g}"


@dataclass(frozen=True)
class Option:
    """One option: ``kind`` is float, int, bool, str or list; ``None`` is allowed when ``nullable``.

    Bounds: ``ge`` / ``gt`` / ``le`` / ``lt``; ``choices`` for a str. A list of ``item`` (float,
    int ...) has at most ``max_items`` elements, each within the bounds. ``default`` is
    documentation (the entry's own default applies when the option is not given).
    """
    kind: type
    default: Any = None
    meaning: str = ""
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple = ()
    nullable: bool = False
    item: type | None = None
    max_items: int = 1000

    def _element(self) -> Option:
        return Option(self.item, ge=self.ge, gt=self.gt, le=self.le, lt=self.lt, choices=self.choices)

    def allowed(self) -> str:
        """The allowed values in words, e.g. 'a float in (0, 1)'."""
        if self.kind is list and self.item is not None:
            return f"a list of at most {self.max_items}, each {self._element().allowed()}"
        if self.choices:
            return f"one of {', '.join(map(repr, self.choices))}"
        text = f"{'an' if self.kind is int else 'a'} {self.kind.__name__}"
        low = f"[{number(self.ge)}" if self.ge is not None else f"({number(self.gt)}" if self.gt is not None else None
        high = f"{number(self.le)}]" if self.le is not None else f"{number(self.lt)})" if self.lt is not None else None
        if low and high:
            text += f" in {low}, {high}"
        elif low:
            text += f" {'>=' if self.ge is not None else '>'} {low[1:]}"
        elif high:
            text += f" {'<=' if self.le is not None else '<'} {high[:-1]}"
        return text + (" or None" if self.nullable else "")

    def problem(self, value) -> str | None:
        """Why ``value`` is not allowed, or None. An int is accepted where a float is expected."""
        if value is None:
            return None if self.nullable else "None is not allowed"
        if self.kind is float:
            ok = isinstance(value, NUMBER) and not isinstance(value, bool)
        elif self.kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif self.kind is list:
            ok = isinstance(value, (list, tuple))
        else:
            ok = isinstance(value, self.kind)
        shown = reprlib.repr(value)  # a 400-digit int or a list of thousands in a few characters
        if not ok:
            return f"{shown} is not {self.allowed()}"
        if self.kind is list:
            return self._list_problem(value)
        if self.kind in NUMBER:
            try:
                finite = math.isfinite(value)
            except OverflowError:
                return f"{shown} is beyond the float range; {self.allowed()}"
            if not finite:
                return f"{shown} is not finite"
            if self.kind is int and abs(value) > INT32:
                return f"{shown} is beyond the 32-bit integer range Keras counts in; {self.allowed()}"
        if self.choices and value not in self.choices:
            return f"{shown} is not {self.allowed()}"
        if ((self.ge is not None and value < self.ge) or (self.gt is not None and value <= self.gt)
                or (self.le is not None and value > self.le) or (self.lt is not None and value >= self.lt)):
            return f"{shown} is out of range: {self.allowed()}"
        return None

    def _list_problem(self, value) -> str | None:
        if len(value) > self.max_items:
            return f"has {len(value)} elements, at most {self.max_items} are allowed"
        if self.item is None:
            return None
        element = self._element()
        for index, entry in enumerate(value):
            problem = element.problem(entry)
            if problem:
                return f"[{index}] {problem}"
        return None


def declare(entry, options: dict[str, Option], rule=None):
    """Attach option declarations (and a cross-option ``rule(options, config) -> str | None``)."""
    entry.options = options
    entry.option_rule = rule
    return entry


# Keras optimizer/callback arguments whose default is None (so their type cannot be read from
# the signature), and the ranges Keras documents for the common ones.
KERAS_ARGUMENTS = {
    "weight_decay": Option(float, None, "decoupled weight decay per step", ge=0, nullable=True),
    "clipnorm": Option(float, None, "clip each gradient to this norm", gt=0, nullable=True),
    "clipvalue": Option(float, None, "clip each gradient element to +-this", gt=0, nullable=True),
    "global_clipnorm": Option(float, None, "clip all gradients to this global norm", gt=0, nullable=True),
    "use_ema": Option(bool, False, "keep an exponential moving average of the weights"),
    "ema_momentum": Option(float, 0.99, "momentum of that average", ge=0, le=1),
    "ema_overwrite_frequency": Option(int, None, "steps between writing the average back", ge=1, nullable=True),
    "loss_scale_factor": Option(float, None, "scale the loss by this before the gradients", gt=0, nullable=True),
    "gradient_accumulation_steps": Option(int, None, "accumulate this many steps per update", ge=1,
                                          nullable=True),
    "rho": Option(float, 0.9, "decay of the running average of squared gradients", ge=0, le=1),
    "epsilon": Option(float, 1e-7, "numerical-stability constant", gt=0, le=1),
    "beta_1": Option(float, 0.9, "decay of the first-moment estimate", ge=0, lt=1),
    "beta_2": Option(float, 0.999, "decay of the second-moment estimate", ge=0, lt=1),
    "momentum": Option(float, 0.0, "momentum", ge=0, le=1),
    "initial_accumulator_value": Option(float, 0.1, "Adagrad's starting accumulator", ge=0),
    "amsgrad": Option(bool, False, "AMSGrad variant"),
    "centered": Option(bool, False, "centred RMSprop"),
    "nesterov": Option(bool, False, "Nesterov momentum"),
    "factor": Option(float, 0.1, "multiply the rate by this on a plateau", gt=0, lt=1),
    "patience": Option(int, 10, "epochs without improvement before reducing", ge=0, le=10_000),
    "verbose": Option(int, 0, "Keras's own messages", ge=0, le=1),
    "mode": Option(str, "auto", "whether the monitored value should fall or rise", choices=("auto", "min", "max")),
    "min_delta": Option(float, 1e-4, "smallest change that counts as an improvement", ge=0),
    "cooldown": Option(int, 0, "epochs to wait after a reduction", ge=0, le=10_000),
    "min_lr": Option(float, 0.0, "lower bound on the rate", ge=0),
}
SKIPPED = {"name", "kwargs", "self"}


def from_keras(cls, set_by_entry=(), **overrides: Option) -> dict[str, Option]:
    """Options of an entry wrapping Keras class ``cls``: every argument of its signature except
    those the entry sets itself (``set_by_entry``), typed from its default or ``KERAS_ARGUMENTS``;
    ``overrides`` narrow a type or range for this entry."""
    options = {}
    for parameter in inspect.signature(cls).parameters.values():
        name = parameter.name
        if name in SKIPPED or name in set_by_entry or parameter.kind in (parameter.VAR_KEYWORD,
                                                                         parameter.VAR_POSITIONAL):
            continue
        if name in overrides:
            options[name] = overrides[name]
        elif name in KERAS_ARGUMENTS:
            known = KERAS_ARGUMENTS[name]
            default = parameter.default if parameter.default is not parameter.empty else known.default
            options[name] = Option(**{**known.__dict__, "default": default})
        elif isinstance(parameter.default, (bool, int, float, str)):
            options[name] = Option(type(parameter.default), parameter.default, f"Keras {cls.__name__} argument")
        else:
            raise TypeError(f"{cls.__name__}({name}=...) needs a declared type in suite.design.options.KERAS_ARGUMENTS")
    return options


def check(entry, what: str, name: str, options, config: dict | None = None, key: str = "") -> None:
    """Refuse options ``entry`` does not declare, or values outside their declaration (one line
    naming the option, the allowed values and an example)."""
    if options is None:
        options = {}
    where = f"{key}={reprlib.repr(options)}" if key else f"{what} '{name}' options"
    if not isinstance(options, dict):
        raise UserError(f"{where}: expected a dict of options, e.g. {{}}")
    declared = getattr(entry, "options", None)
    if declared is None:
        if not options:  # a plug-in entry that declares nothing takes no options
            return
        raise UserError(f"{what} '{name}' declares no options (set suite.design.options.declare on it)")
    for option, value in options.items():
        if option not in declared:
            allowed = ", ".join(sorted(declared)) or "none"
            raise UserError(f"{where}: {what} '{name}' has no option '{option}'"
                            f"{did_you_mean(str(option), declared)}; its options: {allowed}")
        problem = declared[option].problem(value)
        if problem:
            example = declared[option].default
            raise UserError(f"{where}: option '{option}' {problem}"
                            + (f", e.g. {{'{option}': {example!r}}}" if example not in (None, ()) else ""))
    rule = getattr(entry, "option_rule", None)
    problem = rule(options, config or {}) if rule else None
    if problem:
        raise UserError(f"{where}: {problem}")
