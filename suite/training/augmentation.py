"""Training-time data augmentation with Keras preprocessing layers, and test-time augmentation.

``wrap`` puts the augmentation in front of any image model: random shifts (``RandomTranslation``),
rotations (``RandomRotation``) and zooms (``RandomZoom``), zero fill outside the image (the digits'
background), each image with its own draw at every step; Keras's preprocessing layers act only in
training (``training=True``) and are the identity at inference, so evaluation sees the clean images.
``tta_predict``: test-time augmentation, the class probabilities averaged over the clean image and
``copies - 1`` augmented copies (the augmentation layers called with ``training=True``, the model in
inference mode).
"""
from __future__ import annotations

import keras
import numpy as np
from keras import layers

AUGMENTATION = "augmentation"  # the wrapper's layer name


def active(config: dict) -> bool:
    return bool(config.get("augment_shift") or config.get("augment_rotation") or config.get("augment_zoom"))


def augmentation_layers(config: dict) -> keras.Sequential:
    """The configured augmentations in a Sequential named ``AUGMENTATION``, seeded from the trial seed:
    shift by up to ``augment_shift`` of the height and width, rotate by up to ``augment_rotation``
    degrees either way, zoom in or out by up to ``augment_zoom`` (a fraction of the size)."""
    seed, stack = config["seed"], []
    if config.get("augment_shift"):
        stack.append(layers.RandomTranslation(config["augment_shift"], config["augment_shift"],
                                              fill_mode="constant", seed=seed))
    if config.get("augment_rotation"):
        stack.append(layers.RandomRotation(config["augment_rotation"] / 360.0, fill_mode="constant", seed=seed + 1))
    if config.get("augment_zoom"):
        stack.append(layers.RandomZoom(config["augment_zoom"], fill_mode="constant", seed=seed + 2))
    return keras.Sequential(stack, name=AUGMENTATION)


def wrap(model: keras.Model, input_shape, config: dict) -> keras.Model:
    """``model`` with the augmentation in front (``model`` itself when none is configured)."""
    if not active(config):
        return model
    inputs = keras.Input(shape=tuple(input_shape))
    return keras.Model(inputs, model(augmentation_layers(config)(inputs)), name=f"augmented_{model.name}")


def tta_predict(model: keras.Model, x: np.ndarray, copies: int, batch_size: int = 1000) -> np.ndarray:
    """(n, classes) mean softmax over the clean images and ``copies - 1`` augmented copies of each.
    ``model`` must come from ``wrap`` (its augmentation layer and classifier are its last two layers)."""
    augment, classifier = model.get_layer(AUGMENTATION), model.layers[-1]
    total = 0.0
    for copy in range(copies):
        parts = []
        for start in range(0, len(x), batch_size):
            batch = x[start:start + batch_size]
            images = batch if copy == 0 else augment(batch, training=True)
            parts.append(keras.ops.convert_to_numpy(keras.ops.softmax(classifier(images, training=False))))
        total = total + np.concatenate(parts)
    return total / copies
