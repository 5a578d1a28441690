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
    "batch_size": 10,
    "epochs": 30,
}
PROFILES = ("smoke", "quick", "paper")
DEFAULT_PROFILE = "quick"
POSITIVE = ("epochs", "batch_size", "width", "learning_rate")
NON_NEGATIVE = ("depth", "train_size", "l2_lambda", "dropout", "momentum")


@dataclass(frozen=True)
class Reference:
    """Published numbers, keyed by the value of the study's first axis."""
    citation: str
    metric: str
    values: dict


@dataclass(frozen=True)
class Rule:
    """A verdict rule on ``metric``: ``kind`` is 'better' or 'not_better' (a vs b, by ``margin``)."""
    kind: str
    a: dict
    b: dict
    metric: str
    margin: float
    says: str


@dataclass(frozen=True)
class Study:
    name: str
    claim: str
    source: str
    base: dict
    axes: dict  # axis name -> list of values (each a config value)
    profiles: dict  # profile name -> {config overrides..., "seeds": n}
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


def _check_study(study: Study, config: dict) -> None:
    """A study module is data: catch a malformed one before anything runs."""
    where = f"study '{study.name}' (studies/{study.name}.py)"
    unknown = sorted(set(study.base) - set(DEFAULTS)) + sorted(set(study.axes) - set(config))
    for profile in study.profiles.values():
        unknown += sorted(set(profile) - set(DEFAULTS) - {"seeds"})
    if unknown:
        raise UserError(f"{where} names unknown config keys {unknown}; use keys of suite.study.DEFAULTS")
    for rule in study.rules:
        if not set(rule.a) | set(rule.b) <= set(study.axes) or rule.kind not in ("better", "not_better"):
            raise UserError(f"{where} has a malformed rule {rule.says!r}: kind must be better or "
                            f"not_better and a/b must name its axes {list(study.axes)}")
    for name, values in study.axes.items():
        if not isinstance(values, (list, tuple)) or not values:
            raise UserError(f"{where}: axis '{name}' needs a non-empty list of values")


def trial_key(point: dict, config: dict) -> str:
    digest = hashlib.sha1(json.dumps(config, sort_keys=True).encode()).hexdigest()[:10]
    readable = "-".join(f"{k}={v}" for k, v in point.items()).replace("/", "_")
    return f"{readable}-{digest}"


def expand(study: Study, profile: str = DEFAULT_PROFILE, dataset: str | None = None,
           seeds: int | None = None, overrides: dict | None = None) -> Plan:
    """Resolve defaults <- base <- profile <- overrides, then take axes x seeds."""
    if profile not in study.profiles:
        raise UserError(f"unknown profile '{profile}'{did_you_mean(profile, study.profiles)}; "
                        f"choose one of: {', '.join(study.profiles)}")
    profile_overrides = dict(study.profiles[profile])
    n_seeds = seeds if seeds is not None else profile_overrides.pop("seeds", 3)
    profile_overrides.pop("seeds", None)
    if n_seeds < 1:
        raise UserError(f"--seeds {n_seeds}: need at least 1 seed")
    config = {**DEFAULTS, **study.base, **profile_overrides}
    _check_study(study, config)
    user = dict(overrides or {})
    if dataset:
        user["dataset"] = dataset
    for key, value in user.items():
        if key in study.axes:
            raise UserError(f"--set {key}: '{key}' is a study axis (it varies across trials); "
                            f"choose another key")
        if key not in config:
            raise UserError(f"unknown config key '{key}'{did_you_mean(key, config)}; "
                            f"valid keys: {', '.join(sorted(config))}")
        _check_value(key, value, config[key])
    config.update(user)
    plan = Plan(study, profile, user)
    for values in itertools.product(*study.axes.values()):
        for seed in range(n_seeds):
            point = {**dict(zip(study.axes, values)), "seed": seed}
            full = {**config, **point}
            plan.trials.append(Trial(trial_key(point, full), point, full))
    return plan
