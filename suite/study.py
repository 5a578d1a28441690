"""Studies are data. This module turns one into the list of trial configs that a run executes."""
from __future__ import annotations

import ast
import hashlib
import itertools
import json
from dataclasses import dataclass, field

from suite.errors import UserError, did_you_mean

# Every trial config starts from these; a study's ``base`` and profile override them and
# ``--set`` may change any of them (and nothing else, so typos are caught).
DEFAULTS = {
    "dataset": "mnist_10k",
    "train_size": 0,  # 0 = the whole training split
    "model": "mlp",
    "depth": 1,
    "width": 30,
    "activation": "sigmoid",
    "output_activation": "softmax",
    "kernel_initializer": "glorot_uniform",
    "bias_initializer": "zeros",
    "l2_lambda": 0.0,  # Nielsen's lambda: cost += lambda / (2 n) * sum(w^2), n = training-set size
    "dropout": 0.0,
    "optimizer": "sgd",
    "learning_rate": 0.1,
    "momentum": 0.0,
    "optimizer_options": {},
    "lr_schedule": "constant",  # suite.optim.SCHEDULES
    "lr_schedule_options": {},
    "batch_size": 10,
    "epochs": 30,
    # Zhang et al.'s "weight decay": each step adds weight_decay * w to the kernel gradients, i.e.
    # loss += weight_decay / 2 * sum(w^2), independent of n (unlike Nielsen's l2_lambda).
    "weight_decay": 0.0,
    "conv_filters": [16, 32],  # the cnn model's convolution blocks
    "conv_kernel": 5,
    "random_crop": 0,  # cnn: pad by this many pixels, then crop back at a random offset; 0 = off
    "label_corruption": 0.0,  # each training label replaced by a uniform random class with this prob.
    "input_transform": "none",  # suite.datasets.TRANSFORMS
    "stop_at_train_accuracy": 0.0,  # end training once an epoch's train accuracy reaches it; 0 = never
    "keep_weights": "best_dev",  # best_dev (model selection on dev) or last (no early stopping)
    # Keys added after the first studies ran: at these values they are left out of a trial's
    # key hash (``LATER_KEYS``), so trials stored before they existed keep their keys.
    "momentum_schedule": "constant",  # suite.optim.MOMENTUM_SCHEDULES (one-cycle cycles momentum)
    "momentum_schedule_options": {},
    "lr_callback": "none",  # suite.optim.LR_CALLBACKS: learning-rate changes driven by metrics
    "lr_callback_options": {},
    "probe_examples": 0,  # per-layer statistics on this many training images each epoch; 0 = off
    "target_dev_accuracy": 0.0,  # report the first epoch whose dev accuracy reaches it; 0 = off
    "widths": [],  # mlp: one size per hidden layer (e.g. [500, 300]); empty = depth x width
}
LATER_KEYS = ("momentum_schedule", "momentum_schedule_options", "lr_callback", "lr_callback_options",
              "probe_examples", "target_dev_accuracy", "widths")
PROFILES = ("smoke", "quick", "paper")
DEFAULT_PROFILE = "quick"
POSITIVE = ("epochs", "batch_size", "width", "learning_rate", "conv_kernel")
NON_NEGATIVE = ("depth", "train_size", "probe_examples", "l2_lambda", "dropout", "momentum", "weight_decay", "random_crop")
UNIT_INTERVAL = ("label_corruption", "stop_at_train_accuracy", "target_dev_accuracy")


@dataclass(frozen=True)
class Reference:
    """Published numbers, keyed by the tuple of a point's axis values (the bare value for one axis)."""
    citation: str
    metric: str
    values: dict


@dataclass(frozen=True)
class Rule:
    """A verdict rule on ``metric`` over the finished trials matching ``a`` (partial points).

    Kinds (``suite.analysis.RULES``): ``better`` / ``not_better``: mean(a) - mean(b) against
    ``margin``; ``within``: mean(a) inside ``bounds`` = (low, high), None for an open end;
    ``increasing``: the metric rises along ``along`` = (axis, ordered values) within ``a``, with a
    rank correlation above ``margin``; ``small_vs_gap``: |mean(a) - mean(b)| is below ``margin``
    times the gap mean(c) - mean(d), ``gap`` = (c, d). ``claim`` groups the rules of a study that
    makes several claims; each claim gets its own verdict.
    """
    kind: str
    a: dict
    b: dict = field(default_factory=dict)
    metric: str = "test_accuracy"
    margin: float = 0.0
    says: str = ""
    bounds: tuple = ()
    along: tuple = ()
    gap: tuple = ()
    claim: str = ""


@dataclass(frozen=True)
class Figure:
    """A study-specific plot of the finished trials matching ``where`` (axes or varying config keys).

    ``curves``: per-epoch ``metric`` against ``x`` (epoch or step), one line per ``hue``;
    ``metric_vs``: mean and 95% CI of ``metric`` against ``x``, one line per ``hue``;
    ``ratio_vs``: like ``metric_vs`` for each seed's ratio to its own trial at x = ``baseline``;
    ``layers``: a per-layer probe statistic (``suite.probes.STATS``) against ``x`` (epoch or
    layer), one line per ``hue`` (e.g. layer, or an axis), ``where`` may also pick probe epochs.
    ``as_error`` plots 1 - metric (an accuracy shown as an error rate); ``guide`` = (y, label)
    draws a horizontal reference such as chance.
    """
    name: str
    kind: str
    metric: str
    x: str
    hue: str = ""
    where: dict = field(default_factory=dict)
    baseline: object = None
    as_error: bool = False
    guide: tuple = ()
    title: str = ""
    log_y: bool = False


@dataclass(frozen=True)
class Study:
    name: str
    claim: str
    source: str
    base: dict
    # axis name -> list of values of the config key of that name, or {value name: {config
    # overrides}} (a named overlay: the point holds the name). Axes are crossed.
    axes: dict
    profiles: dict  # profile name -> {config overrides..., "seeds": n, optionally "only": (...)}
    metrics: tuple = ("test_accuracy",)
    references: tuple = ()
    rules: tuple = ()
    curves: tuple = ("dev_accuracy", "loss")
    notes: str = ""
    search: dict | None = None  # a keras-tuner search space over config keys (see suite.tuning)
    # Nuisance hyperparameters: a space tuned on the dev split for each scientific value (seed 0)
    # before the seeds run, with this budget (the tuning playbook's protocol).
    nuisance: dict | None = None
    nuisance_budget: dict = field(default_factory=lambda: {"tuner": "random", "max_trials": 8})
    # Partial points ({axis: value or list of values}); when given, only the crossed points that
    # match one of them are run (a design that is not a full grid).
    only: tuple = ()
    figures: tuple = ()  # Figure specs; empty = the default plots
    tables: tuple = ()  # Table specs: extra README tables in a paper's layout

    @property
    def levels(self) -> dict:
        """axis -> its values (or value names) in the study's order."""
        return {axis: list(values) for axis, values in self.axes.items()}


@dataclass(frozen=True)
class Trial:
    key: str
    point: dict  # axis values and seed: what keras-tuner sees as hyperparameters
    config: dict  # the full resolved config, seed included


@dataclass
class Plan:
    study: Study
    profile: str
    overrides: dict = field(default_factory=dict)
    trials: list = field(default_factory=list)

    @property
    def axes(self) -> list[str]:
        return list(self.study.axes)


def parse_overrides(pairs: list[str]) -> dict:
    """``["epochs=3", "activation=relu"]`` -> ``{"epochs": 3, "activation": "relu"}``."""
    parsed = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set expects key=value, got '{pair}'; e.g. --set epochs=5")
        try:
            value = ast.literal_eval(raw.strip())
        except (ValueError, SyntaxError):
            value = raw.strip()
        parsed[key.strip()] = value
    return parsed


def _check_value(key: str, value, expected) -> None:
    numeric = (int, float)
    if isinstance(expected, bool) or isinstance(value, bool):
        ok = isinstance(value, bool) == isinstance(expected, bool)
    elif isinstance(expected, int):
        ok = isinstance(value, int)
    elif isinstance(expected, float):
        ok = isinstance(value, numeric)
    else:
        ok = isinstance(value, type(expected))
    if not ok:
        raise UserError(f"--set {key}={value!r}: expected a {type(expected).__name__} "
                        f"like {expected!r}")
    if key in POSITIVE and value <= 0 or key in NON_NEGATIVE and value < 0:
        raise UserError(f"--set {key}={value!r}: must be {'> 0' if key in POSITIVE else '>= 0'}")
    if key == "dropout" and value >= 1:
        raise UserError(f"--set dropout={value!r}: must be in [0, 1)")
    if key in UNIT_INTERVAL and not 0 <= value <= 1:
        raise UserError(f"--set {key}={value!r}: must be in [0, 1]")
    if key == "widths" and not all(isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in value):
        raise UserError(f"--set widths={value!r}: must be a list of positive ints, e.g. [500, 300]")


def _check_study(study: Study, config: dict) -> None:
    """A study module is data: catch a malformed one before anything runs."""
    from suite.verdicts import RULES  # verdicts imports this module: look it up late

    where = f"study '{study.name}' (studies/{study.name}.py)"
    scalar_axes = {name for name, values in study.axes.items() if not isinstance(values, dict)}
    unknown = sorted(set(study.base) - set(DEFAULTS)) + sorted(scalar_axes - set(config))
    for profile in study.profiles.values():
        unknown += sorted(set(profile) - set(DEFAULTS) - {"seeds", "only"})
    if unknown:
        raise UserError(f"{where} names unknown config keys {unknown}; use keys of suite.study.DEFAULTS")
    for rule in study.rules:
        if not set(rule.a) | set(rule.b) <= set(study.axes) or rule.kind not in RULES:
            raise UserError(f"{where} has a malformed rule {rule.says!r}: kind must be one of "
                            f"{', '.join(RULES)} and a/b must name its axes {list(study.axes)}")
    for table in study.tables:
        if not {table.rows, table.columns, *table.where} <= set(study.axes):
            raise UserError(f"{where}: table '{table.name}' must name its axes {list(study.axes)} "
                            f"in rows, columns and where")
    for name, values in study.axes.items():
        if not isinstance(values, (list, tuple, dict)) or not values:
            raise UserError(f"{where}: axis '{name}' needs a non-empty list of values")


def trial_key(point: dict, config: dict) -> str:
    hashed = {k: v for k, v in config.items() if not (k in LATER_KEYS and v == DEFAULTS[k])}
    digest = hashlib.sha1(json.dumps(hashed, sort_keys=True).encode()).hexdigest()[:10]
    readable = "-".join(f"{k}={v}" for k, v in point.items()).replace("/", "_")
    return f"{readable}-{digest}"


def overlays(study: Study) -> dict:
    """axis -> value -> the config overrides it makes (a plain axis sets the key of its own name)."""
    return {axis: dict(values) if isinstance(values, dict) else {value: {axis: value} for value in values}
            for axis, values in study.axes.items()}


def _matches(point: dict, pattern: dict) -> bool:
    return all(point[axis] in (allowed if isinstance(allowed, (list, tuple)) else [allowed])
               for axis, allowed in pattern.items())


def expand(study: Study, profile: str = DEFAULT_PROFILE, dataset: str | None = None,
           seeds: int | None = None, overrides: dict | None = None) -> Plan:
    """Resolve defaults <- base <- profile <- overrides, then take (selected) axes x seeds."""
    if profile not in study.profiles:
        raise UserError(f"unknown profile '{profile}'{did_you_mean(profile, study.profiles)}; "
                        f"choose one of: {', '.join(study.profiles)}")
    profile_overrides = dict(study.profiles[profile])
    n_seeds = seeds if seeds is not None else profile_overrides.pop("seeds", 3)
    profile_overrides.pop("seeds", None)
    only = profile_overrides.pop("only", study.only)
    if n_seeds < 1:
        raise UserError(f"--seeds {n_seeds}: need at least 1 seed")
    config = {**DEFAULTS, **study.base, **profile_overrides}
    tables = overlays(study)
    varied_by = {key: axis for axis, table in tables.items() for overlay in table.values()
                 for key in overlay}
    for key, axis in varied_by.items():
        if key not in config:
            raise UserError(f"study '{study.name}': axis '{axis}' sets unknown config key "
                            f"'{key}'{did_you_mean(key, config)}")
    for pattern in only:
        if not set(pattern) <= set(study.axes):
            raise UserError(f"study '{study.name}': 'only' names {sorted(set(pattern) - set(study.axes))},"
                            f" which are not axes ({', '.join(study.axes)})")
    _check_study(study, config)
    user = dict(overrides or {})
    if dataset:
        user["dataset"] = dataset
    for key, value in user.items():
        if key in study.axes:
            raise UserError(f"--set {key}: '{key}' is a study axis (it varies across trials); "
                            f"choose another key")
        if key in varied_by:
            raise UserError(f"--set {key}: '{key}' varies across trials (the study's axis "
                            f"'{varied_by[key]}' sets it); choose another key")
        if key not in config:
            raise UserError(f"unknown config key '{key}'{did_you_mean(key, config)}; "
                            f"valid keys: {', '.join(sorted(config))}")
        _check_value(key, value, config[key])
    config.update(user)
    plan = Plan(study, profile, user)
    for values in itertools.product(*(table.keys() for table in tables.values())):
        named = dict(zip(study.axes, values))
        if only and not any(_matches(named, pattern) for pattern in only):
            continue
        resolved = dict(config)
        for axis, value in named.items():
            resolved.update(merge_overlay(resolved, tables[axis][value]))
        for seed in range(n_seeds):
            point = {**named, "seed": seed}
            full = {**resolved, "seed": seed}
            plan.trials.append(Trial(trial_key(point, full), point, full))
    if not plan.trials:
        raise UserError(f"study '{study.name}' profile '{profile}': 'only' matches no point")
    return plan


def merge_overlay(config: dict, overlay: dict) -> dict:
    """An axis value's overrides; a dict-valued key (``optimizer_options``) is merged into the
    value before it, so two axes can each set one option (Adadelta's rho and epsilon)."""
    return {key: {**config[key], **value} if isinstance(value, dict) and isinstance(config.get(key), dict)
            else value for key, value in overlay.items()}


@dataclass(frozen=True)
class Table:
    """A README table in a paper's layout: ``metric`` for the points matching ``where``, one row
    per value of axis ``rows`` and one column per value of axis ``columns`` (in the study's
    order); each cell "ours mean ± std (published)", "diverged" when every seed diverged.
    ``as_error`` shows 1 - metric (an accuracy as an error rate)."""
    name: str
    metric: str
    rows: str
    columns: str
    where: dict = field(default_factory=dict)
    as_error: bool = False
    caption: str = ""
