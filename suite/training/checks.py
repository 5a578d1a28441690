"""Checks of one validated config that need the registries behind its name keys: the names
exist, the chosen model accepts the keys it needs, the loss fits the task, the options go to the
entry that declares them, and the keys that depend on the dataset fit it; and ``describe`` (what
``suite keys`` prints, each registry entry's declared options included).

The schema (``suite.design.config``) declares each name key's registry by a short tag
(``registry="models:MODELS"``); ``REGISTRIES`` resolves the tags here, one layer above, so the
schema imports no training module. Plan validation builds no model and no schedule.
"""
from __future__ import annotations

import json

import numpy as np

from suite.data import datasets, folds
from suite.design import options
from suite.design import plugin_keys
from suite.design.config import (DEFAULTS, FIELDS, allowed as config_allowed, extra, kind,
                                 plugin_keys as config_plugin_keys, type_name)
from suite.errors import UserError, lookup
from suite import registry as entry_points
from suite.training import contract, losses, models, optim, sequence_models, tasks, train, uncertainty

REGISTRIES = {
    "datasets:DATASETS": datasets.DATASETS, "datasets:TRANSFORMS": datasets.TRANSFORMS,
    "losses:LOSSES": losses.LOSSES,
    "models:MODELS": models.MODELS, "models:ACTIVATIONS": models.ACTIVATIONS,
    "models:INITIALIZERS": models.INITIALIZERS, "models:NORMALIZATIONS": models.NORMALIZATIONS,
    "models:OUTPUT_LOSSES": models.OUTPUT_LOSSES, "models:PLACEMENTS": models.PLACEMENTS,
    "optim:OPTIMIZERS": optim.OPTIMIZERS, "optim:SCHEDULES": optim.SCHEDULES,
    "optim:MOMENTUM_SCHEDULES": optim.MOMENTUM_SCHEDULES, "optim:LR_CALLBACKS": optim.LR_CALLBACKS,
    "sequence_models:CELLS": sequence_models.CELLS, "train:KEEP_WEIGHTS": train.KEEP_WEIGHTS, "uncertainty:OOD_SOURCES": uncertainty.OOD_SOURCES,
}
PLUGIN_GROUPS = {"models:MODELS": "models", "datasets:DATASETS": "datasets", "optim:OPTIMIZERS": "optimizers",
                 "optim:SCHEDULES": "schedules", "optim:LR_CALLBACKS": "lr_callbacks", "losses:LOSSES": "losses"}


def registry(name: str) -> dict | None:
    """The registry whose names key ``name`` takes (with installed plug-ins added), else None."""
    where = extra(name).get("registry")
    if not where:
        return None
    table = REGISTRIES[where]
    group = PLUGIN_GROUPS.get(where)
    if group:  # installed plug-ins add to these registries
        entry_points.extend(table, entry_points.GROUPS[group])
    return table


def allowed(name: str) -> str:
    """The allowed values of key ``name`` in words, a registry key's names included."""
    if extra(name).get("registry") and not extra(name).get("choices"):
        return f"one of {', '.join(sorted(registry(name)))}"
    return config_allowed(name)


def check_trial(config: dict) -> None:
    """Registry names, declared options and the rules between keys of one validated config."""
    for name in FIELDS:
        table = registry(name)
        if table is not None:
            lookup(table, config[name], kind(name))
    builder = registry("model")[config["model"]]
    needed = [p.name for p in contract.settings(builder)
              if p.default is p.empty and p.name not in {*FIELDS, *contract.DERIVED, *plugin_keys.declared()}]
    if needed:
        raise UserError(f"model '{config['model']}' needs keys {needed} that no config has; declare them "
                        f"in suite.design.config.TrialConfig")
    loss = registry("loss")[config["loss"]]
    if config["task"] not in loss.tasks:
        fits = ", ".join(sorted(name for name, entry in registry("loss").items() if config["task"] in entry.tasks))
        raise UserError(f"loss '{config['loss']}' is a {' / '.join(loss.tasks)} loss, not a {config['task']} one; "
                        f"choose one of: {fits}")
    if config["lr_callback"] != "none" and config["lr_schedule"] != "constant":
        raise UserError(f"lr_callback '{config['lr_callback']}' sets the rate itself; it needs "
                        f"lr_schedule=constant, not '{config['lr_schedule']}'")
    if config["momentum_schedule"] != "constant" and config["optimizer"] not in optim.SGD_FAMILY:
        raise UserError(f"momentum_schedule '{config['momentum_schedule']}' needs an SGD optimizer "
                        f"({', '.join(optim.SGD_FAMILY)}), not '{config['optimizer']}'")
    folds.check(config)
    if config["mc_passes"] and not (config["dropout"] or config["input_dropout"]):
        raise UserError(f"mc_passes={config['mc_passes']} averages passes with dropout on, but dropout is 0 (every "
                        f"pass would be the same); set dropout, e.g. --set dropout=0.5, or mc_passes=0")
    if config["probe_examples"] and config["model"] not in ("mlp", "residual_mlp", "rnn"):
        raise UserError(f"probe_examples works on the mlp and residual_mlp models (Dense layers) and on rnn "
                        f"(dL/dh_t through time), not '{config['model']}'; set probe_examples=0")
    if config["tta_copies"] and not (config["augment_shift"] or config["augment_rotation"] or config["augment_zoom"]):
        raise UserError(f"tta_copies={config['tta_copies']} averages augmented test copies, but no augment_shift, "
                        f"augment_rotation or augment_zoom is set; set one, e.g. --set augment_shift=0.1")
    if config["freeze_features"] and not config["pretrain_classes"]:
        raise UserError("freeze_features freezes pretrained hidden layers, but pretrain_classes is empty; set "
                        "pretrain_classes, e.g. --set pretrain_classes=[0,1,2,3,4]")
    _check_regularizers(config)
    _check_collapse(config)
    _check_validation_freq(config)
    for name in FIELDS:
        selector = extra(name).get("options_for")
        if selector:
            entry = registry(selector)[config[selector]]
            options.check(entry, kind(selector), config[selector], config[name], config, name)


def _check_collapse(config: dict) -> None:
    """collapse_check reads the product of the Dense kernels: a linear mlp only (suite.training.collapse)."""
    shallow = not (config["depth"] or config["widths"])
    linear = config["model"] == "mlp" and (config["activation"] == "linear" or shallow)
    if config["collapse_check"] and not (linear and config["normalization"] == "none"):
        raise UserError("collapse_check needs a linear network: model=mlp with activation=linear (or depth 0) and "
                        "normalization=none; set collapse_check=False")


def _check_regularizers(config: dict) -> None:
    """The regularizer keys need the model and optimizer they act on (issue 16)."""
    for name in ("l1", "max_norm", "input_dropout"):
        if config[name] and config["model"] != "mlp":
            raise UserError(f"{name} works on the mlp model, not '{config['model']}'; set {name}=0")
    if config["decoupled_weight_decay"]:
        if config["optimizer"] != "adamw":
            raise UserError(f"decoupled_weight_decay is AdamW's decay; it needs optimizer=adamw, not "
                            f"'{config['optimizer']}' (without it weight_decay is added to the gradients: L2)")
        if "weight_decay" in config["optimizer_options"]:
            raise UserError("decoupled_weight_decay sets AdamW's weight_decay option from the weight_decay key; "
                            "drop 'weight_decay' from optimizer_options")


# --- dev evaluation frequency (issue 20): the keys that read the dev split after every epoch,
# each with the test that it does and the setting that does not
DEV_EVERY_EPOCH = {
    "keep_weights": (lambda c: c["keep_weights"] == "best_dev", "keep_weights=last"),
    "early_stopping_patience": (lambda c: c["early_stopping_patience"] > 0, "early_stopping_patience=0"),
    "lr_callback": (lambda c: c["lr_callback"] != "none", "lr_callback=none"),
    "target_dev_accuracy": (lambda c: c["target_dev_accuracy"] > 0, "target_dev_accuracy=0"),
}


def _check_validation_freq(config: dict) -> None:
    """``validation_freq`` > 1 skips dev passes: nothing may read the dev split every epoch."""
    freq = config["validation_freq"]
    for name, (reads, fix) in DEV_EVERY_EPOCH.items():
        if freq > 1 and reads(config):
            raise UserError(f"validation_freq={freq} evaluates the dev split only every {freq} epochs, but "
                            f"{name}={config[name]!r} reads it after every epoch; set {fix} or validation_freq=1")


def check_data(config: dict, splits) -> None:
    """Keys whose range depends on the dataset: a stratified subset needs one example per class
    in it and in the rest; the out-of-distribution inputs (``ood_dataset``) are loaded, once per
    process, and must fit the model's inputs."""
    tasks.check(config, splits)
    ood = uncertainty.OOD_SOURCES[config["ood_dataset"]]
    if ood is not None:
        ood(splits, 1, config["seed"])
    size, total, classes = config["train_size"], len(splits.y_train), splits.num_classes
    if splits.task == "regression":  # a random subset: one example is enough
        classes = 1
    if size and not (classes <= size <= total - classes or size >= total):
        raise UserError(f"train_size={size}: a stratified subset of {config['dataset']}'s {total} training "
                        f"examples needs {classes} to {total - classes} of them (one per class), or 0 for all; "
                        f"e.g. --set train_size=1000")
    if config["cv_folds"] >= 2:
        fewest = int(np.bincount(folds.pool(splits, size)[1], minlength=classes).min())
        if fewest < config["cv_folds"]:
            raise UserError(f"cv_folds={config['cv_folds']}: the pool's smallest class has {fewest} examples, "
                            f"fewer than the folds; use fewer folds or a larger train_size")


def declared_options(name: str) -> dict[str, str]:
    """For an options key: registry entry -> its declared options as 'option=default' text."""
    selector = extra(name).get("options_for")
    if not selector:
        return {}
    return {entry: ", ".join(f"{option}={spec.default!r}" for option, spec in
                             getattr(factory, "options", {}).items()) or "none"
            for entry, factory in sorted(registry(selector).items())}


def describe() -> list[dict]:
    """Every key as a row: key, type, default, allowed values, how it is set, meaning, and for an
    options key the options each registry entry declares; then the keys plug-in models declare."""
    rows = [{"key": name, "type": type_name(name), "default": json.dumps(DEFAULTS[name]),
             "allowed": allowed(name), "set by": extra(name).get("flag") or "--set",
             "meaning": FIELDS[name].description, "options": declared_options(name)} for name in FIELDS]
    return rows + [{"key": name, "type": option.kind.__name__, "default": json.dumps(option.default),
                    "allowed": option.allowed(), "set by": "--set (a plug-in model's key)",
                    "meaning": option.meaning, "options": {}} for name, option in config_plugin_keys().items()]
