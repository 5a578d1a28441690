"""Synthetic sequence tasks with a known solution, for recurrent networks.

The adding problem (Hochreiter & Schmidhuber 1997, experiment 4; in the form of Le, Jaitly &
Hinton 2015 and Arjovsky, Shah & Bengio 2016): each step carries two channels, a value drawn
uniformly from [0, 1) and a marker that is 1 at exactly two steps and 0 elsewhere; the target is
the sum of the two marked values. One marker lies uniformly in the first half of the sequence and
the other in the second half (Arjovsky et al.), so the network must hold a value over at least
half the length. The target has mean 1 and variance 1/6 (the sum of two independent uniforms):
predicting the constant 1 scores MSE 1/6 ~ 0.167, the baseline a solution must beat.

The splits depend on the length only (one fixed generator per length, ``SPLIT_SEED``), like every
other dataset's; trial seeds change initial weights and data order, not the data. Targets are
stored standardized with the distribution's own mean and scale (1 and sqrt(1/6), known exactly, not
estimated), so reports give errors in the target's units (``Splits.target_mean`` / ``target_scale``).
"""
from __future__ import annotations

import math

import numpy as np

from suite.data.splits import SPLIT_SEED, Splits

ADDING_SIZES = (4000, 500, 1000)  # train / dev / test sequences
ADDING_MEAN, ADDING_VARIANCE = 1.0, 1.0 / 6.0  # of the target: the constant predictor's MSE is the variance
DEFAULT_LENGTH = 50  # the registered dataset's length (a trial's ``sequence_length`` chooses its own)


def adding_arrays(n: int, length: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` adding-problem sequences of ``length`` >= 2 steps: inputs (n, length, 2) float32 (value,
    marker) and raw targets (n,) float32, the sum of the two marked values. Raises ValueError for
    a length under 2."""
    if length < 2:
        raise ValueError(f"the adding problem needs at least 2 steps, got {length}")
    values = rng.random((n, length), dtype=np.float32)
    half = length // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, length, n)
    markers = np.zeros((n, length), dtype=np.float32)
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    targets = (values[rows, first] + values[rows, second]).astype(np.float32)
    return np.stack([values, markers], axis=-1), targets


def adding(length: int = DEFAULT_LENGTH, sizes: tuple = ADDING_SIZES) -> Splits:
    """The adding problem at ``length`` as a regression dataset: train / dev / test of ``sizes``,
    drawn from one generator seeded by (``SPLIT_SEED``, length), targets standardized with the
    known mean 1 and std sqrt(1/6)."""
    rng = np.random.default_rng([SPLIT_SEED, length])
    scale = math.sqrt(ADDING_VARIANCE)
    parts = []
    for n in sizes:
        x, y = adding_arrays(n, length, rng)
        parts += [x, ((y - ADDING_MEAN) / scale).astype(np.float32)]
    return Splits(f"adding_{length}", *parts, 1,
                  f"generated: the adding problem (Hochreiter & Schmidhuber 1997), {length} steps",
                  task="regression", target_mean=ADDING_MEAN, target_scale=scale)
