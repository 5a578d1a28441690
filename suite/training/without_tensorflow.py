"""Keras on the JAX backend without loading TensorFlow.

Keras 3 asks a lazy module whether TensorFlow is installed in a few places that concern only
TensorFlow's own objects, and imports it to answer (several seconds of start-up, and its
banners): ``keras.utils.set_random_seed`` also seeds TensorFlow's global generator, and model
saving checks each serialized value against ``tf.TensorShape`` / ``tf.DType``. On another backend,
with TensorFlow not imported by anyone, no TensorFlow op can draw from that generator and no such
object can exist, so the answer "not installed" changes nothing but the start-up time.
"""
from __future__ import annotations

import contextlib
import sys

import keras


@contextlib.contextmanager
def tensorflow_unused():
    """Within the block, Keras treats TensorFlow as not installed, if the backend is not
    TensorFlow and TensorFlow is not imported; otherwise nothing changes. Restores Keras's own
    answer afterwards (also on an exception)."""
    if keras.backend.backend() == "tensorflow" or "tensorflow" in sys.modules:
        yield
        return
    from keras.src.utils import module_utils  # the lazy module Keras's functions ask `available`

    lazy = module_utils.tensorflow
    saved = lazy._available
    lazy._available = False
    try:
        yield
    finally:
        lazy._available = saved


def set_random_seed(seed: int) -> None:
    """``keras.utils.set_random_seed(seed)``: Python's ``random``, NumPy and Keras's global
    ``SeedGenerator`` seeded the same way, TensorFlow's only where it is used
    (``tensorflow_unused``). Raises ValueError for a non-int seed, as Keras does."""
    with tensorflow_unused():
        keras.utils.set_random_seed(seed)
