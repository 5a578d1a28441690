"""The config schema: every key declared, safe coercion, registry options, trial identity."""
import inspect
import math

import pytest

from suite.design.plugins import all_studies
from suite.design import config
from suite.training import checks
from suite.training import contract, models
from suite.training import optim
from suite.execution import runner
from suite.errors import UserError
from suite.design.options import Option, check
from suite.design.study import expand, trial_key

STUDIES = all_studies()

DEPTH = STUDIES["depth"]
OPTION_REGISTRIES = {"optimizer": optim.OPTIMIZERS, "learning-rate schedule": optim.SCHEDULES,
                     "learning-rate callback": optim.LR_CALLBACKS, "momentum schedule": optim.MOMENTUM_SCHEDULES}


@pytest.mark.parametrize("name", list(config.FIELDS))
def test_every_key_has_type_default_range_and_meaning(name):
    row = next(row for row in checks.describe() if row["key"] == name)
    assert row["type"] in ("int", "float", "str", "bool", "list of int", "dict")
    assert row["meaning"] and row["default"] is not None
    if row["type"] in ("int", "float"):
        assert " in [" in row["allowed"] or " in (" in row["allowed"]  # both ends bounded
    if row["type"] == "str":
        assert row["allowed"].startswith("one of ")
        assert config.DEFAULTS[name] in row["allowed"]


@pytest.mark.parametrize("kind, name", [(kind, name) for kind, table in OPTION_REGISTRIES.items()
                                        for name in table])
def test_every_option_registry_entry_declares_its_options(kind, name):
    entry = OPTION_REGISTRIES[kind][name]
    declared = entry.options
    if kind == "optimizer":  # wraps a Keras class: the declaration is read from its signature
        cls, set_by_entry = optim.OPTIMIZER_CLASSES[name]
        assert set(declared) <= set(inspect.signature(cls).parameters) - {"learning_rate", *set_by_entry}
    elif kind == "learning-rate callback" and name != "none":
        assert set(declared) <= set(inspect.signature(type(entry())).parameters)
    else:  # a suite function: its keyword arguments after the positional ones
        parameters = list(inspect.signature(entry).parameters.values())[3:]
        assert set(declared) == {p.name for p in parameters if p.kind is not p.VAR_KEYWORD}
    for option, spec in declared.items():
        assert spec.meaning, option
        assert spec.problem(spec.default) is None or spec.default is None, option
    check(entry, kind, name, {option: spec.default for option, spec in declared.items()
                              if spec.default is not None}, {"momentum": 0.9})


@pytest.mark.parametrize("overrides, message", [
    ({"epochs": 2.0}, r"epochs=2.0: epochs is not allowed; expected an int"),
    ({"epochs": 10 ** 22}, r"expected an int in \[1, 100000\]"),
    ({"learning_rate": math.inf}, "is not finite"),
    ({"learning_rate": math.nan}, "is not finite"),
    ({"batch_size": True}, "expected an int"),
    ({"width": 10 ** 9}, r"in \[1, 100000\]"),
    ({"train_size": -1}, r"in \[0, 10000000\]"),
    ({"conv_filters": [8, 2.5]}, r"conv_filters\[1\] is not allowed"),
    ({"backend": "numpy"}, "set by --backend"),
    ({"seed": 3}, "set by --seeds"),
    ({"widths": [30]}, "varies across trials.*axis 'depth'"),
])
def test_schema_refuses_with_the_allowed_range(overrides, message):
    with pytest.raises(UserError, match=message):
        expand(DEPTH, "smoke", overrides=overrides)


def test_an_int_is_the_float_it_means_and_seeds_are_bounded():
    plan = expand(DEPTH, "smoke", overrides={"learning_rate": 1})
    assert all(type(t.config["learning_rate"]) is float for t in plan.trials)
    assert plan.overrides == {"learning_rate": 1.0}
    with pytest.raises(UserError, match="need 1 to 10000 seeds"):
        expand(DEPTH, "smoke", seeds=1_000_000_000)


@pytest.mark.parametrize("key, value, message", [
    ("optimizer_options", {"bogus": 1}, "optimizer 'sgd' has no option 'bogus'"),
    ("optimizer_options", {"clipnorm": "big"}, "option 'clipnorm' 'big' is not a float"),
    ("lr_schedule_options", {"cycles": 0}, r"option 'cycles' 0 is out of range: an int in \[1, 10000\]"),
    ("lr_schedule_options", {"t_mul": 0.5}, "option 't_mul'"),
    ("lr_schedule_options", {"boundaries": [5], "multipliers": [1]}, "one more multiplier"),
    ("lr_callback_options", {"monitor": "dev_loss"}, "option 'monitor' 'dev_loss' is not one of 'val_loss'"),
    ("lr_callback_options", {"monitor": "val_accuracy"}, "option 'monitor'"),
    ("lr_callback_options", {"factor": 1.5}, "option 'factor'"),
    ("momentum_schedule_options", {"low": 0.99}, "needs 0 <= low"),
])
def test_option_values_are_checked_before_any_trial(key, value, message):
    selector = {"lr_schedule_options": {"lr_schedule": "sgdr" if "cycles" in value or "t_mul" in value
                                        else "piecewise"},
                "lr_callback_options": {"lr_callback": "reduce_on_plateau"},
                "momentum_schedule_options": {"momentum_schedule": "one_cycle", "momentum": 0.9,
                                              "lr_schedule": "one_cycle"}}.get(key, {})
    plan = expand(DEPTH, "smoke", overrides={**selector, key: value})
    with pytest.raises(UserError, match=message):
        runner.validate(plan)


@pytest.mark.parametrize("overrides, message", [
    ({}, "keep_weights='best_dev' reads it after every epoch; set keep_weights=last or validation_freq=1"),
    ({"keep_weights": "last", "early_stopping_patience": 2}, "early_stopping_patience=2 .*set early_stopping_patience=0"),
    ({"keep_weights": "last", "lr_callback": "reduce_on_plateau"}, "lr_callback='reduce_on_plateau' .*lr_callback=none"),
    ({"keep_weights": "last", "target_dev_accuracy": 0.9}, "target_dev_accuracy=0.9 .*target_dev_accuracy=0"),
])
def test_skipped_dev_passes_are_refused_where_dev_is_read_every_epoch(overrides, message):
    with pytest.raises(UserError, match="validation_freq=5 evaluates the dev split only every 5 epochs, but " + message):
        runner.validate(expand(DEPTH, "smoke", overrides={"validation_freq": 5, **overrides}))
    runner.validate(expand(DEPTH, "smoke", overrides={**overrides, "validation_freq": 1}))
    runner.validate(expand(DEPTH, "smoke", overrides={"validation_freq": 5, "keep_weights": "last"}))


def test_train_size_outside_the_stratifiable_range_is_refused():
    with pytest.raises(UserError, match="train_size=5: a stratified subset.*needs 10 to"):
        runner.validate(expand(DEPTH, "smoke", overrides={"train_size": 5}))
    runner.validate(expand(DEPTH, "smoke", overrides={"train_size": 100}))


def test_validation_builds_no_model_or_schedule(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("validation built something")

    for module, name in ((optim, "build_schedule"), (optim, "build_lr_callback"), (optim, "build_optimizer"),
                         (optim, "build_momentum_schedule")):
        monkeypatch.setattr(module, name, refuse)
    monkeypatch.setitem(models.MODELS, "mlp", type("Builder", (), {"__call__": refuse})())
    # (a plug-in model is built once, to check that it returns logits: suite.training.contract)
    monkeypatch.setitem(contract.BUILT_IN, "mlp", models.MODELS["mlp"])
    runner.validate(expand(STUDIES["schedules"], "smoke"))


def test_keys_hash_only_non_default_values_and_include_the_backend():
    plan = expand(DEPTH, "smoke")
    trial = plan.trials[1]
    for name in config.DEFAULTS:  # a key that did not exist yet, at its default, changes nothing
        older = {k: v for k, v in trial.config.items() if k != name or v != config.DEFAULTS[name]}
        assert trial_key(trial.point, older) == trial.key
    keys = {t.key for t in plan.trials}
    assert keys.isdisjoint(t.key for t in expand(DEPTH, "smoke", backend="tensorflow").trials)
    assert keys.isdisjoint(t.key for t in expand(DEPTH, "smoke", deterministic=True).trials)


def test_option_declarations_describe_their_range():
    assert Option(float, 0.1, "x", gt=0, lt=1).allowed() == "a float in (0, 1)"
    assert Option(int, 1, "x", ge=1).allowed() == "an int >= 1"
    assert Option(str, "a", "x", choices=("a", "b")).problem("c") == "'c' is not one of 'a', 'b'"
    assert Option(float, 0.1, "x").problem(1) is None  # an int is a float's value
    assert Option(int, 1, "x").problem(1.0) == "1.0 is not an int"


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_every_model_reads_only_schema_keys(name):
    """A builder declares the config keys it reads by its keyword-only parameters."""
    parameters = inspect.signature(models.MODELS[name]).parameters.values()
    read = {p.name for p in parameters if p.kind is p.KEYWORD_ONLY}
    assert read and read <= set(config.FIELDS) | {"l2"}


def test_the_page_lists_every_backend_present():
    from suite.reporting.report import _environment

    environment = {"backend": "jax", "device": "cpu", "cpu_count": 2, "python": "3.11", "packages": {}}
    records = [{"environment": {**environment, "backend": backend}, "wall_time_s": 1.0}
               for backend in ("jax", "tensorflow")]
    assert "backends: jax, tensorflow;" in _environment(records)[0]
