"""Rows for the saddle model (``suite.training.saddle``, lecture deck 003: saddle points).

An input row (a, b) adds a x + b y to f(x, y) = x^2 - y^2, so a mini-batch's gradient is grad f
plus (a, b) averaged over the batch. The training rows are Gaussian with std ``noise``, exactly
centred over the split (in float64; the float32 rows keep a mean of order 1e-9 x noise): the
full-batch gradient is grad f and a batch of one is grad f plus noise of std ``noise`` per
coordinate (SGD noise). With ``noise`` 0 every row is (0, 0) and every step is exact gradient
descent. Dev and test are zero rows, whose loss is f at the current point.
"""
from __future__ import annotations

import numpy as np

from suite.data.splits import Splits

ROWS = 20  # training rows: with batch size 1, 20 updates per epoch


def rows(seed: int, noise: float = 0.0, count: int = ROWS) -> Splits:
    """The training rows drawn from ``seed`` with std ``noise`` (zeros for 0), two zero rows as dev and test."""
    x = np.zeros((count, 2))
    if noise:
        x = noise * np.random.default_rng([seed, 4]).standard_normal((count, 2))
        x -= x.mean(axis=0)
    zeros = np.zeros((2, 2), dtype=np.float32)
    return Splits("saddle", x.astype(np.float32), np.zeros(count, dtype=np.float32), zeros,
                  np.zeros(2, dtype=np.float32), zeros, np.zeros(2, dtype=np.float32), 1,
                  f"saddle f = x^2 - y^2: {count} rows of gradient noise std {noise:g}, seed {seed}",
                  task="regression")
