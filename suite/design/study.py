"""Studies are data. This module turns one into the list of trial configs that a run executes."""
from __future__ import annotations

import ast
import hashlib
import itertools
import json
import os
from dataclasses import dataclass, field

from suite.design import config as config_schema
from suite.design import seed_plan, study_fields
from suite.design.specs import Check, Figure, Reference, Related, Table  # noqa: F401 (the study's spec types)
from suite.data import folds
from suite.errors import UserError, did_you_mean

# Every trial config starts from the schema's defaults (suite.design.config: type, range and meaning of
# each key); a study's ``base`` and profile override them and ``--set`` may change any of them.
DEFAULTS = config_schema.DEFAULTS
PROFILES = ("smoke", "quick", "paper")
DEFAULT_PROFILE = "quick"


# The kinds of evidence a rule may ask for; each has its judge in suite.analysis.verdicts.RULES
# (tests/analysis/test_verdicts.py checks that the two name the same kinds).
RULE_KINDS = ("better", "not_better", "equivalent", "within", "increasing", "small_vs_gap", "less_spread", "optimum_spread")


@dataclass(frozen=True)
class Rule:
    """A verdict rule on ``metric`` over the finished trials matching ``a`` (partial points).

    Kinds (``suite.analysis.verdicts.RULES``): ``better`` / ``not_better``: mean(a) - mean(b) against
    ``margin`` (one-directional); ``equivalent``: |mean(a) - mean(b)| below ``margin`` (TOST);
    ``within``: mean(a) inside ``bounds`` = (low, high), None for an open end;
    ``increasing``: the metric rises along ``along`` = (axis, ordered values) within ``a``, with a
    rank correlation above ``margin``; ``small_vs_gap``: |mean(a) - mean(b)| is below ``margin``
    times the gap mean(c) - mean(d), ``gap`` = (c, d). ``runs = "finished"`` lets runs that did not
    learn count too (a claim that something fails to learn). ``claim`` groups the rules of a study that
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
    runs: str = "learned"  # whose values count: "learned" (done) or "finished" (collapsed, diverged too)


@dataclass(frozen=True)
class Study:
    name: str
    claim: str
    source: str
    base: dict
    # axis name -> list of values of the config key of that name, or {value name: {config
    # overrides}} (a named overlay: the point holds the name). Axes are crossed.
    axes: dict
    # profile name -> {config overrides..., "seeds": n or looks (n1, n2, ...), optionally "first_seed": N
    # (the plan's seeds start at N: a replication on fresh seeds, suite.design.seed_plan) and "only": (...)}
    profiles: dict
    metrics: tuple = ("test_accuracy",)
    references: tuple = ()
    rules: tuple = ()
    curves: tuple = ("dev_accuracy", "loss")
    notes: str = ""
    search: dict | None = None  # a keras-tuner search space over config keys (see suite.execution.tuning)
    # Nuisance hyperparameters: a space tuned on the dev split for each scientific value (search seed)
    # before the seeds run, with this budget (the tuning playbook's protocol).
    nuisance: dict | None = None
    nuisance_budget: dict = field(default_factory=lambda: {"tuner": "random", "max_trials": 8})
    # Partial points ({axis: value or list of values}); when given, only the crossed points that
    # match one of them are run (a design that is not a full grid).
    only: tuple = ()
    figures: tuple = ()  # Figure specs; empty = the default plots
    tables: tuple = ()  # Table specs: extra README tables in a paper's layout
    related: tuple = ()  # Related specs: other profiles whose verdicts these pages report
    # A search-algorithm comparison (suite.search.hpo.Comparison): the axis ``tuner`` names keras-tuner
    # tuners and the seeds are each tuner's repetitions; each point's config is chosen by its search.
    comparison: object = None
    # metric -> its unit in tables (a regression's errors are in the target's units)
    units: dict = field(default_factory=dict)
    # Pure DataFrame work on the trials frame (one row per point and seed, folds averaged) that adds
    # metrics computed across trials (e.g. an estimate's bias against other trials' test accuracy),
    # before the summary, the rules and the figures read it.
    derive: object = None
    # A study file may stand in for a registered study of the same name (sharing its runs/ and
    # results/ directories) only when it says so: replaces="<that name>".
    replaces: str = ""
    # The claim as clauses: each a sentence that one or more rules test (a rule's ``claim`` names
    # its clause), judged and printed on its own; a clause no rule tests is refused.
    clauses: tuple = ()
    # Checks of the implementation (``Check`` specs): results that hold by arithmetic or by a theorem,
    # printed in their own section, pass or fail, never counted among the claim's verdicts.
    checks: tuple = ()

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
    # seeds per point at each look of the sequential design (ascending; one look: a fixed count)
    looks: tuple = ()
    # the value of the plan's first seed: its seeds are first_seed .. first_seed + looks[-1] - 1, and a
    # look of k seeds is the first k of them (suite.design.seed_plan)
    first_seed: int = 0

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


def check_fields(study) -> None:
    """UserError naming the first field of ``study`` (or of its rules, tables ...) of the wrong type."""
    study_fields.check_study(study, {"rules": Rule, "tables": Table, "figures": Figure, "references": Reference,
                                     "related": Related, "checks": Check})


def _check_study(study: Study, config: dict) -> None:
    """A study module is data: catch a malformed one before anything runs."""
    where = f"study '{study.name}' (studies/{study.name}.py)"
    scalar_axes = {name for name, values in study.axes.items() if not isinstance(values, dict)}
    settable = set(config_schema.SETTABLE) | set(config_schema.plugin_keys())
    unknown = sorted(set(study.base) - settable) + sorted(scalar_axes - settable)
    for profile in study.profiles.values():
        unknown += sorted(set(profile) - settable - {"seeds", "first_seed", "only"})
    if unknown:
        raise UserError(f"{where} names unknown config keys {unknown}; `suite keys` lists every key")
    for rule in study.rules:
        if not set(rule.a) | set(rule.b) <= set(study.axes) or rule.kind not in RULE_KINDS:
            raise UserError(f"{where} has a malformed rule {rule.says!r}: kind must be one of "
                            f"{', '.join(RULE_KINDS)} and a/b must name its axes {list(study.axes)}")
    for table in study.tables:
        if not {table.rows, table.columns, *table.where} <= set(study.axes):
            raise UserError(f"{where}: table '{table.name}' must name its axes {list(study.axes)} "
                            f"in rows, columns and where")
    for name, values in study.axes.items():
        if not isinstance(values, (list, tuple, dict)) or not values:
            raise UserError(f"{where}: axis '{name}' needs a non-empty list of values")
    for rule in study.rules:
        _check_rule_points(where, rule, study)
    for check in study.checks:
        _check_points(where, f"check {check.says!r}", [check.where], study)
        if len(check.bounds) != 2 or check.bounds == (None, None) or not set(check.profiles) <= set(study.profiles):
            raise UserError(f"{where}: check {check.says!r} needs bounds = (low, high) with at least one number, "
                            f"and profiles among {list(study.profiles)}")
    _check_clauses(where, study)


def _check_clauses(where: str, study: Study) -> None:
    """Every clause of the claim has a rule, and every rule names a declared clause: a clause
    nothing tests would read as judged (issue 30)."""
    if not study.clauses:
        return
    stray = [rule for rule in study.rules if rule.claim not in study.clauses]
    if stray:
        raise UserError(f"{where}: rule {stray[0].says!r} names claim {stray[0].claim!r}, which is not one of "
                        f"the study's clauses; set claim= to one of them")
    named = {rule.claim for rule in study.rules}
    untested = [clause for clause in study.clauses if clause not in named]
    if untested:
        raise UserError(f"{where}: clause {untested[0]!r} has no rule; add a Rule(..., claim=<that clause>) "
                        f"or strike the clause from the claim")


def _check_rule_points(where: str, rule: Rule, study: Study) -> None:
    """Every value a rule names (in a, b and the gap's sides) is a point on its axis: a rule on a
    point that is never run could only ever say "inconclusive"."""
    _check_points(where, f"rule {rule.says!r}", [rule.a, rule.b, *(part for part in rule.gap if isinstance(part, dict))],
                  study)


def _check_points(where: str, label: str, sides: list, study: Study) -> None:
    """Every axis and value that ``sides`` (partial points) name is on the study's axes."""
    for side in sides:
        for axis, wanted in side.items():
            levels = study.levels.get(axis, [])
            for value in wanted if isinstance(wanted, (list, tuple)) else [wanted]:
                if value not in levels:
                    raise UserError(f"{where}: {label} names {axis}={value!r}, which is not on axis "
                                    f"'{axis}' {levels}; name one of its values")


def trial_key(point: dict, config: dict) -> str:
    """Readable axis values and seed, then a hash of the config's non-default values (backend and
    determinism included): a key added later with a default leaves every existing key unchanged."""
    hashed = config_schema.differs_from_defaults(config)
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


def _shadowing(key: str, varied: dict) -> str | None:
    """The axis a key overrides, directly or through a key it replaces (``widths`` replaces
    ``depth``), or None."""
    replaces = config_schema.extra(key).get("replaces", ()) if key in config_schema.FIELDS else ()
    for name in (key, *replaces):
        if name in varied:
            return varied[name]
    return None


def expand(study: Study, profile: str = DEFAULT_PROFILE, dataset: str | None = None,
           seeds: int | None = None, overrides: dict | None = None, backend: str | None = None,
           deterministic: bool = False) -> Plan:
    """Resolve defaults <- base <- profile <- overrides, then take (selected) axes x seeds (from the
    profile's ``first_seed``; ``seeds`` replaces the profile's looks, the offset stays).

    ``backend`` (default: $KERAS_BACKEND, else the schema's) and ``deterministic`` are part of
    each trial's config and key. Raises UserError for any key, value or axis the schema refuses.
    """
    check_fields(study)
    if dataset is not None and not dataset.strip():
        raise UserError(f"--dataset '{dataset}': give a dataset name (`suite list` shows them), or leave the flag "
                        f"out for the profile's own")
    if profile not in study.profiles:
        raise UserError(f"unknown profile '{profile}'{did_you_mean(profile, study.profiles)}; "
                        f"choose one of: {', '.join(study.profiles)}")
    profile_overrides = dict(study.profiles[profile])
    where = f"study '{study.name}' profile '{profile}'"
    looks = (seeds,) if seeds is not None else seed_plan.looks(where, profile_overrides.get("seeds", 3))
    n_seeds = looks[-1]
    profile_overrides.pop("seeds", None)
    first = seed_plan.first_seed(where, profile_overrides.pop("first_seed", 0))  # --seeds keeps the offset
    only = profile_overrides.pop("only", study.only)
    if not 1 <= n_seeds <= config_schema.SEEDS_MAX:
        raise UserError(f"--seeds {n_seeds}: need 1 to {config_schema.SEEDS_MAX} seeds, e.g. --seeds 3")
    config = {**DEFAULTS, **study.base, **profile_overrides}
    tables = overlays(study)
    varied_by = {key: axis for axis, table in tables.items() for overlay in table.values()
                 for key in overlay}
    for key, axis in varied_by.items():
        if key not in config and key not in config_schema.plugin_keys():
            raise UserError(f"study '{study.name}': axis '{axis}' sets unknown config key "
                            f"'{key}'{did_you_mean(key, config)}")
    for pattern in only:
        if not set(pattern) <= set(study.axes):
            raise UserError(f"study '{study.name}': 'only' names {sorted(set(pattern) - set(study.axes))},"
                            f" which are not axes ({', '.join(study.axes)})")
    _check_study(study, config)
    varied = {**{axis: axis for axis in study.axes}, **varied_by}
    user = dict(overrides or {})
    if dataset is not None:
        user["dataset"] = dataset
    for key in user:
        flag = config_schema.extra(key).get("flag") if key in config_schema.FIELDS else None
        if flag:
            raise UserError(f"--set {key}: '{key}' is set by {flag}, not --set; e.g. {flag} "
                            f"{'3' if flag == '--seeds' else 'jax' if flag == '--backend' else ''}".rstrip())
        axis = _shadowing(key, varied)
        if axis is not None:
            raise UserError(f"--set {key}: '{key}' varies across trials (it would override the study's "
                            f"axis '{axis}'); choose another key or another study")
    for key, value in config.items():
        axis = _shadowing(key, {k: v for k, v in varied.items() if k != key})
        if axis is not None and key not in varied and value != DEFAULTS.get(key, value):
            raise UserError(f"study '{study.name}' sets '{key}', which overrides its axis '{axis}'; "
                            f"remove it from the study's base or profile")
    env_backend = os.environ.get("KERAS_BACKEND")
    identity = {"backend": backend or (env_backend if env_backend in ("jax", "tensorflow") else DEFAULTS["backend"]),
                "deterministic": deterministic}

    def source(key: str) -> str:
        return ("--dataset" if key == "dataset" and dataset else f"--set {key}") if key in user \
            else f"study '{study.name}' profile '{profile}': {key}"

    config = config_schema.validate({**config, **user, **identity}, source)
    user = {key: config[key] for key in user}
    plan = Plan(study, profile, user, looks=looks, first_seed=first)
    for values in itertools.product(*(table.keys() for table in tables.values())):
        named = dict(zip(study.axes, values))
        if only and not any(_matches(named, pattern) for pattern in only):
            continue
        resolved = dict(config)
        for axis, value in named.items():
            resolved.update(merge_overlay(resolved, tables[axis][value]))
        resolved = config_schema.validate(resolved, lambda key: f"study '{study.name}' point {named}: {key}")
        for seed in range(first, first + n_seeds):
            for point, full in folds.expand({**named, "seed": seed}, {**resolved, "seed": seed}):
                plan.trials.append(Trial(trial_key(point, full), point, full))  # k-fold: one per fold
    if not plan.trials:
        raise UserError(f"study '{study.name}' profile '{profile}': 'only' matches no point")
    if any(folds.FOLD in t.point for t in plan.trials):  # every point names the same keys (keras-tuner's)
        plan.trials = [t if folds.FOLD in t.point else Trial(trial_key(p, t.config), p, t.config)
                       for t in plan.trials for p in [{**t.point, folds.FOLD: 0}]]
    return plan


def merge_overlay(config: dict, overlay: dict) -> dict:
    """An axis value's overrides; a dict-valued key (``optimizer_options``) is merged into the
    value before it, so two axes can each set one option (Adadelta's rho and epsilon)."""
    return {key: {**config[key], **value} if isinstance(value, dict) and isinstance(config.get(key), dict)
            else value for key, value in overlay.items()}
