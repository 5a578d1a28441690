"""Transfer learning: pretrain on one subset of classes, then learn another from few labels.

``class_subset`` keeps the examples of the listed classes in every split, relabelled 0..k-1 in the
listed order (digits 5-9 become classes 0-4). ``pretrained`` trains the same architecture on the
``pretrain_classes`` of the training split (their own head, Adam at the trial's rate, batches of 32,
``pretrain_epochs`` epochs, seeded by the trial seed, a plain Keras ``fit``) and returns its weights,
cached per process by the pretraining's own config, so every target trial of a seed starts from the
same pretrained network. ``apply`` copies those weights into every layer of the target model but
the output layer (a fresh head for the new classes) and, with ``freeze_features``, freezes them
(Yosinski et al. 2014: AnB frozen, AnB+ fine-tuned; a model without pretraining is the baseline).
"""
from __future__ import annotations

import json
from dataclasses import replace

import keras
import numpy as np

from suite.data import datasets
from suite.data.splits import Splits
from suite.training import without_tensorflow

# The config keys a pretraining depends on (with the seed): its cache key.
PRETRAIN_KEYS = ("dataset", "model", "depth", "width", "widths", "activation", "kernel_initializer",
                 "bias_initializer", "pretrain_classes", "pretrain_epochs", "learning_rate")
PRETRAIN_BATCH = 32


def class_subset(splits: Splits, classes) -> Splits:
    """Only the examples of ``classes`` in every split, labelled by their position in ``classes``."""
    if not classes:
        return splits
    lookup = np.full(splits.num_classes, -1, dtype=np.int32)
    lookup[list(classes)] = np.arange(len(classes), dtype=np.int32)

    def keep(x, y):
        mask = np.isin(y, classes)
        return x[mask], lookup[y[mask]]

    (xt, yt), (xd, yd), (xs, ys) = keep(splits.x_train, splits.y_train), keep(splits.x_dev, splits.y_dev), \
        keep(splits.x_test, splits.y_test)
    return replace(splits, name=f"{splits.name}[{','.join(map(str, classes))}]", x_train=xt, y_train=yt,
                   x_dev=xd, y_dev=yd, x_test=xs, y_test=ys, num_classes=len(classes))


_cache: dict[str, list] = {}
CACHE_SIZE = 16  # pretrained networks kept per process (one per seed and pretraining config)


def pretrained(config: dict, build) -> list[np.ndarray]:
    """The weights of the network pretrained for ``config`` (``build(config, splits)`` builds the
    architecture for the given splits), trained once per process and pretraining config."""
    key = json.dumps({k: config[k] for k in PRETRAIN_KEYS} | {"seed": config["seed"]}, sort_keys=True)
    if key not in _cache:
        splits = class_subset(datasets.load(config["dataset"]), config["pretrain_classes"])
        without_tensorflow.set_random_seed(config["seed"] + 10_007)  # its own stream, the same for every target trial
        model = build(config, splits)
        model.compile(optimizer=keras.optimizers.Adam(config["learning_rate"]),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(splits.x_train, splits.y_train, batch_size=PRETRAIN_BATCH, epochs=config["pretrain_epochs"],
                  verbose=0, shuffle=True)
        _cache[key] = [keras.ops.convert_to_numpy(w) for w in model.get_weights()]
        while len(_cache) > CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
    return _cache[key]


def apply(model: keras.Model, weights: list[np.ndarray], freeze: bool) -> keras.Model:
    """Every layer but the last (the head) takes its pretrained weights; frozen with ``freeze``."""
    position = 0
    for layer in model.layers[:-1]:
        count = len(layer.get_weights())
        if count:
            layer.set_weights(weights[position:position + count])
            layer.trainable = not freeze
        position += count
    return model
