"""Small datasets of the perceptron and loss-function lectures: the logic functions, linearly
separable sets of a chosen margin (drawn from the trial seed), and scikit-learn's bundled diabetes
regression data with optional outlier targets. Every loader returns ``suite.data.splits.Splits``.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from sklearn.datasets import load_diabetes as sklearn_diabetes
from sklearn.model_selection import train_test_split

from suite.data.splits import SPLIT_SEED, Splits

LOGIC_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
LOGIC_TARGETS = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0]}
# The four cases repeated: an epoch is this many online updates in a seed-shuffled order
# (Rosenblatt's "any policy that picks every case"), dev and test are the four cases themselves.
LOGIC_REPEATS = 100
# Generated separable sets: training / dev / test sizes.
SEPARABLE_SIZES = (100, 100, 200)
# Outlier targets of a regression: uniform in this many training standard deviations above the mean.
OUTLIER_RANGE = (5.0, 10.0)


def logic(function: str) -> Splits:
    """AND / OR / XOR of two binary inputs: train = the 4 cases x ``LOGIC_REPEATS`` (shape
    (400, 2), labels 0/1), dev = test = the 4 cases. Raises KeyError for another function."""
    y = np.array(LOGIC_TARGETS[function], dtype=np.int32)
    x_train, y_train = np.tile(LOGIC_INPUTS, (LOGIC_REPEATS, 1)), np.tile(y, LOGIC_REPEATS)
    return Splits(f"logic_{function}", x_train, y_train, LOGIC_INPUTS, y, LOGIC_INPUTS, y, 2,
                  f"the truth table of {function.upper()} (deck 000/002)")


def separable(seed: int, margin: float) -> Splits:
    """A linearly separable 2-D set with margin at least ``margin``, drawn from ``seed``.

    Points are uniform in the unit disk; a unit normal w* at a random angle; points with
    |w*.x| < margin are rejected; label 1 iff w*.x > 0. ``facts`` holds the Novikoff (1962)
    quantities of the training split for a perceptron with a bias (inputs augmented by a constant
    1, separator (w*, 0) of unit norm): radius R = max ||(x, 1)||, margin gamma = min |w*.x|
    (>= ``margin``) and ``mistake_bound`` = (R / gamma)^2, the most mistakes the perceptron can
    make on it in any order. Raises ValueError for a margin outside (0, 1).
    """
    if not 0 < margin < 1:
        raise ValueError(f"margin must lie in (0, 1), got {margin}")
    rng = np.random.default_rng([seed, 17])
    angle = rng.uniform(0, 2 * np.pi)
    normal = np.array([np.cos(angle), np.sin(angle)])
    needed, kept = sum(SEPARABLE_SIZES), []
    while sum(map(len, kept)) < needed:
        radius, theta = np.sqrt(rng.random(4 * needed)), rng.uniform(0, 2 * np.pi, 4 * needed)
        points = np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1)
        kept.append(points[np.abs(points @ normal) >= margin])
    x = np.concatenate(kept)[:needed].astype(np.float32)
    y = (x @ normal > 0).astype(np.int32)
    n_train, n_dev, _ = SEPARABLE_SIZES
    train = slice(0, n_train)
    radius = float(np.sqrt((x[train] ** 2).sum(axis=1) + 1).max())
    gamma = float(np.abs(x[train] @ normal).min())
    facts = {"data_radius": radius, "data_margin": gamma, "mistake_bound": (radius / gamma) ** 2}
    return Splits("separable", x[train], y[train], x[n_train:n_train + n_dev], y[n_train:n_train + n_dev],
                  x[n_train + n_dev:], y[n_train + n_dev:], 2,
                  f"generated: unit disk, margin >= {margin:g}, seed {seed}", facts=facts)


def diabetes() -> Splits:
    """scikit-learn's bundled diabetes data (Efron et al. 2004): 442 patients, 10 baseline
    variables, target a quantitative measure of disease progression one year after baseline.
    Splits 282 / 60 / 100 (random, ``SPLIT_SEED``); inputs standardized with the training split's
    mean and std, targets too (``target_mean``, ``target_scale`` undo it for reports)."""
    x, y = sklearn_diabetes(return_X_y=True, scaled=False)
    x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=100, random_state=SPLIT_SEED)
    x_train, x_dev, y_train, y_dev = train_test_split(x_rest, y_rest, test_size=60, random_state=SPLIT_SEED)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    y_mean, y_std = float(y_train.mean()), float(y_train.std())

    def inputs(values):
        return ((values - mean) / std).astype(np.float32)

    def targets(values):
        return ((values - y_mean) / y_std).astype(np.float32)

    return Splits("diabetes", inputs(x_train), targets(y_train), inputs(x_dev), targets(y_dev), inputs(x_test),
                  targets(y_test), 1, "sklearn.datasets.load_diabetes (Efron et al. 2004)", task="regression",
                  target_mean=y_mean, target_scale=y_std)


def add_outliers(splits: Splits, fraction: float, rng: np.random.Generator) -> Splits:
    """Each training target replaced, with probability ``fraction``, by an outlier drawn uniformly
    ``OUTLIER_RANGE`` training standard deviations above the training mean (one-sided gross
    errors); dev and test keep their clean targets. The draws do not depend on ``fraction``, so
    the outliers at 10% are among those at 30% for the same seed (nested levels)."""
    chosen = rng.random(len(splits.y_train)) < fraction
    values = rng.uniform(*OUTLIER_RANGE, len(splits.y_train)).astype(np.float32)
    return replace(splits, y_train=np.where(chosen, values, splits.y_train).astype(np.float32))


LOADERS = {"diabetes": diabetes, "logic_and": lambda: logic("and"), "logic_or": lambda: logic("or"),
           "logic_xor": lambda: logic("xor"), "separable": lambda: separable(0, 0.1)}
