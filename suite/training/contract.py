"""What a model builder must honour, checked once per plan before anything trains.

A builder is ``builder(input_shape, num_classes, <settings>...) -> keras.Model`` returning
logits (no activation on the last layer: the losses take logits, ``from_logits=True``). Its
settings are the config keys it names, positional-or-keyword or keyword-only, passed by name
(``suite.training.train.model_arguments``). A plan is refused, with one line naming the fix, when

- an axis, or a ``--set`` override, varies a model setting that the trial's model does not read
  (``suite run depth --set model=tiny_mlp`` would train five identical "depths"), or
- a plug-in builder's network ends in a softmax or sigmoid activation (a double softmax trains,
  badly, without a word: 29-66 % test accuracy where logits give 89-94 %).
"""
from __future__ import annotations

import inspect
import json

from suite import registry
from suite.design.study import Plan, overlays
from suite.errors import UserError
from suite.training.models import MODELS

FIXED = 2  # input_shape, num_classes: every builder's first two parameters
DERIVED = {"l2"}  # computed from config keys (l2_lambda, weight_decay), not a key itself
PASSED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
BUILT_IN = dict(MODELS)  # before plug-ins extend the registry: these are known to return logits


def settings(builder) -> list[inspect.Parameter]:
    """The builder's settings: its parameters after (input_shape, num_classes) that can be
    passed by name."""
    return [p for p in list(inspect.signature(builder).parameters.values())[FIXED:] if p.kind in PASSED]


def model_keys(models: dict) -> set[str]:
    """Config keys that some registered builder reads (a key no builder reads is not a model
    setting: the learning rate, the epochs ...)."""
    return {p.name for builder in models.values() for p in settings(builder)} - DERIVED


def check_model_reads(plan: Plan) -> None:
    """Refuse an axis or an override that sets a model setting the trial's model ignores."""
    models = registry.extend(MODELS, registry.GROUPS["models"])
    keys = model_keys(models)
    tables = overlays(plan.study)
    for trial in plan.trials:
        builder = models.get(trial.config["model"])
        if builder is None:
            continue  # an unknown name is the registry check's to refuse
        read = {p.name for p in settings(builder)}
        for axis, value in trial.point.items():
            for key in tables.get(axis, {}).get(value, {}):
                if key in keys and key not in read:
                    raise UserError(f"axis `{axis}` sets `{key}`, which model `{trial.config['model']}` does not read "
                                    f"(its settings: {', '.join(sorted(read)) or 'none'}); choose a model that "
                                    f"reads it, or drop the axis")
        for key in plan.overrides:
            if key in keys and key not in read:
                raise UserError(f"--set {key} is not read by model `{trial.config['model']}` (its settings: "
                                f"{', '.join(sorted(read)) or 'none'}); drop it or choose a model that reads it")


def check_logits(trials: list, input_shape: tuple, num_classes: int, arguments) -> None:
    """Build each plug-in model of the trials once and refuse one whose last layer applies a softmax
    or sigmoid. ``arguments(builder, config)``: the settings passed to it (train.model_arguments)."""
    models = registry.extend(MODELS, registry.GROUPS["models"])
    seen = set()
    for trial in trials:
        name = trial.config["model"]
        builder = models.get(name)
        if builder is None or BUILT_IN.get(name) is builder:
            continue
        passed = arguments(builder, trial.config)
        key = json.dumps([name, passed], sort_keys=True, default=str)
        if key in seen:
            continue
        seen.add(key)
        model = builder(input_shape, num_classes, **passed)
        last = getattr(model.layers[-1], "activation", None) if model.layers else None
        named = getattr(last, "__name__", str(last or ""))
        if named in ("softmax", "sigmoid", "log_softmax"):
            raise UserError(f"model `{name}` ends in a {named} activation, but the suite's losses take logits "
                            f"(from_logits=True): give its last layer no activation (e.g. Dense(num_classes))")
