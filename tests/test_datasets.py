import gzip
import struct

import numpy as np
import pytest

from suite import datasets
from suite.errors import UserError

OFFLINE = ["mnist_10k", "synthetic"]
NEEDS_CACHE = ["mnist", "cifar10"]


def test_registry_is_covered():
    assert set(OFFLINE + NEEDS_CACHE + ["fashion_mnist"]) == set(datasets.DATASETS)


@pytest.mark.parametrize("name", OFFLINE)
def test_offline_splits_are_fixed_stratified_and_disjoint(name):
    first, again = datasets.DATASETS[name](), datasets.DATASETS[name]()
    for part in ("x_train", "y_train", "x_dev", "y_dev", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(first, part), getattr(again, part))
    assert first.x_train.dtype == np.float32 and first.x_train.ndim == 4
    assert 0.0 <= first.x_train.min() and first.x_train.max() <= 1.0
    train_share = np.bincount(first.y_train, minlength=10) / len(first.y_train)
    for labels in (first.y_dev, first.y_test):
        np.testing.assert_allclose(np.bincount(labels, minlength=10) / len(labels), train_share, atol=0.01)
    train_rows = {row.tobytes() for row in first.x_train}
    assert not any(row.tobytes() in train_rows for row in first.x_test)


def test_mnist_10k_is_the_embedded_real_digits():
    splits = datasets.load("mnist_10k")
    assert splits.sizes() == {"train": 7000, "dev": 1000, "test": 2000}
    assert splits.input_shape == (28, 28, 1)
    grey = np.unique(np.rint(splits.x_train * 255))
    assert len(grey) == 256  # 8-bit grey levels survived the conversion


@pytest.mark.parametrize("name", NEEDS_CACHE + ["fashion_mnist"])
def test_full_datasets_offline_give_a_clear_error(name, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(datasets, "FASHION_MNIST_DIRS", ())
    monkeypatch.delenv("SUITE_FASHION_MNIST_DIR", raising=False)
    monkeypatch.delenv("SUITE_ALLOW_DOWNLOAD", raising=False)
    with pytest.raises(UserError, match="not available offline.*mnist_10k"):
        datasets.DATASETS[name]()


def _write_idx(path, array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as stream:
        stream.write(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_reads_debian_idx_files(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    for stem, n in (("train", 12000), ("t10k", 500)):
        _write_idx(tmp_path / f"{stem}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(tmp_path / f"{stem}-labels-idx1-ubyte.gz", np.arange(n) % 10)
    monkeypatch.setenv("SUITE_FASHION_MNIST_DIR", str(tmp_path))
    splits = datasets.load_fashion_mnist()
    assert splits.sizes() == {"train": 2000, "dev": 10000, "test": 500}
    assert str(tmp_path) in splits.source


def test_wrong_shape_is_a_user_error(tmp_path, monkeypatch):
    _write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((20, 27, 28)))
    for stem in ("train-labels-idx1", "t10k-labels-idx1"):
        _write_idx(tmp_path / f"{stem}-ubyte.gz", np.zeros(20))
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((20, 28, 28)))
    monkeypatch.setenv("SUITE_FASHION_MNIST_DIR", str(tmp_path))
    with pytest.raises(UserError, match="shape"):
        datasets.load_fashion_mnist()


def test_subsample_is_stratified():
    splits = datasets.subsample(datasets.load("synthetic"), 100)
    assert len(splits.y_train) == 100
    assert set(np.bincount(splits.y_train)) == {10}


def test_unknown_dataset_names_the_choices():
    with pytest.raises(UserError, match="unknown dataset 'mnist10k'.*did you mean 'mnist_10k'"):
        datasets.load("mnist10k")
