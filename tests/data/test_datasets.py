import gzip
import struct

import numpy as np
import pytest

from suite.data import datasets
from suite.errors import UserError

OFFLINE = ["mnist_10k", "synthetic"]
NEEDS_CACHE = ["mnist", "cifar10"]


def test_registry_is_covered():
    from suite.data import toy_data  # the small generated / bundled sets: tests/data/test_toy_data.py

    # quadratic: tests/data/test_quadratic.py; saddle: tests/data/test_saddle_rows.py; adding: tests/data/test_sequences.py
    generated = ["quadratic", "saddle", "adding"]
    assert set(OFFLINE + NEEDS_CACHE + ["fashion_mnist"] + generated + list(toy_data.LOADERS)) == set(datasets.DATASETS)


def test_quadratic_trial_draws_its_seed_and_kappa():
    config = {"dataset": "quadratic", "seed": 2, "condition_number": 10.0, "target_noise": 0.0, "quadratic_repeats": 3}
    splits = datasets.for_trial(config)
    assert splits.facts["condition"] == 10.0 and len(splits.y_train) == 3 * len(splits.y_dev)


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


def distinct_pixels(n_train=50, n_dev=10, n_test=20, shape=(6, 5, 2)) -> datasets.Splits:
    """Images whose values are all different, so a permutation can be read back off them."""
    def images(n, offset):
        return (np.arange(n * np.prod(shape), dtype=np.float32).reshape(n, *shape) + offset) / 1e5

    labels = np.arange(n_train + n_dev + n_test, dtype=np.int32) % 10
    return datasets.Splits("toy", images(n_train, 0), labels[:n_train], images(n_dev, 1e4), labels[n_train:n_train + n_dev],
                           images(n_test, 2e4), labels[n_train + n_dev:], 10, "test")


def pixel_order(original: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """Where each output pixel (all channels) came from in the input image."""
    flat_in = original.reshape(-1, original.shape[-1])[:, 0]
    flat_out = moved.reshape(-1, moved.shape[-1])[:, 0]
    return np.searchsorted(flat_in, flat_out)


SEEDLESS = {"none", "center", "raw_pixels", "standardize"}  # transforms that draw nothing from the seed


@pytest.mark.parametrize("name", sorted(datasets.TRANSFORMS))
def test_every_transform_keeps_shapes_labels_and_is_reproducible(name):
    splits = distinct_pixels()
    first = datasets.transform(splits, seed=3, input_transform=name)
    again = datasets.transform(splits, seed=3, input_transform=name)
    other = datasets.transform(splits, seed=4, input_transform=name)
    for part in ("x_train", "x_dev", "x_test"):
        assert getattr(first, part).shape == getattr(splits, part).shape
        assert getattr(first, part).dtype == np.float32
        np.testing.assert_array_equal(getattr(first, part), getattr(again, part))
        assert name in SEEDLESS or not np.array_equal(getattr(first, part), getattr(other, part))
    for part in ("y_train", "y_dev", "y_test"):
        np.testing.assert_array_equal(getattr(first, part), getattr(splits, part))


def test_shuffled_pixels_is_one_permutation_for_every_image_of_every_split():
    splits = distinct_pixels()
    shuffled = datasets.transform(splits, seed=0, input_transform="shuffled_pixels")
    order = pixel_order(splits.x_train[0], shuffled.x_train[0])
    assert sorted(order) == list(range(30)) and not np.array_equal(order, np.arange(30))
    for part in ("x_train", "x_dev", "x_test"):
        for before, after in zip(getattr(splits, part), getattr(shuffled, part)):
            np.testing.assert_array_equal(pixel_order(before, after), order)
            # the channels of a pixel move together
            np.testing.assert_array_equal(after.reshape(30, 2), before.reshape(30, 2)[order])


def test_random_pixels_is_a_different_permutation_per_image():
    splits = distinct_pixels()
    randomized = datasets.transform(splits, seed=0, input_transform="random_pixels")
    orders = set()
    for part in ("x_train", "x_dev", "x_test"):
        for before, after in zip(getattr(splits, part), getattr(randomized, part)):
            order = pixel_order(before, after)
            assert sorted(order) == list(range(30))
            np.testing.assert_array_equal(after.reshape(30, 2), before.reshape(30, 2)[order])
            orders.add(tuple(order))
    assert len(orders) == 80


def test_gaussian_inputs_match_the_training_mean_and_std_per_channel():
    splits = datasets.load("synthetic")
    noise = datasets.transform(splits, seed=0, input_transform="gaussian")
    for part in ("x_train", "x_dev", "x_test"):
        x = getattr(noise, part)
        assert abs(x.mean() - splits.x_train.mean()) < 0.01
        assert abs(x.std() - splits.x_train.std()) < 0.01
        assert abs(np.corrcoef(x.reshape(-1), getattr(splits, part).reshape(-1))[0, 1]) < 0.02


def test_center_subtracts_the_training_splits_per_pixel_mean_from_every_split():
    splits = datasets.load("synthetic")
    centered = datasets.transform(splits, seed=0, input_transform="center")
    mean = splits.x_train.mean(axis=0)
    np.testing.assert_allclose(centered.x_train.mean(axis=0), 0.0, atol=1e-6)
    for part in ("x_dev", "x_test"):  # shifted by the training mean, not by their own
        np.testing.assert_allclose(getattr(centered, part), getattr(splits, part) - mean, atol=1e-6)
        assert np.abs(getattr(centered, part).mean(axis=0)).max() > 1e-3


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.8, 1.0])
def test_label_corruption_changes_about_p_times_1_minus_1_over_k(p):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 100_000).astype(np.int32)
    corrupted = datasets.corrupt_labels(y, p, 10, np.random.default_rng(1))
    assert corrupted.dtype == np.int32 and corrupted.min() >= 0 and corrupted.max() <= 9
    assert abs(np.mean(corrupted != y) - p * (1 - 1 / 10)) < 0.005


def test_random_labels_are_class_balanced_and_independent_of_the_true_ones():
    y = np.repeat(np.arange(10, dtype=np.int32), 5000)
    random = datasets.corrupt_labels(y, 1.0, 10, np.random.default_rng(0))
    np.testing.assert_allclose(np.bincount(random, minlength=10) / len(y), 0.1, atol=0.005)
    table = np.histogram2d(y, random, bins=10)[0] / len(y)  # joint ~ product of the marginals
    np.testing.assert_allclose(table, 0.01, atol=0.002)


def test_transform_corrupts_only_training_labels_reproducibly_and_nested():
    splits = datasets.load("synthetic")
    low = datasets.transform(splits, seed=5, label_corruption=0.3)
    high = datasets.transform(splits, seed=5, label_corruption=0.6)
    np.testing.assert_array_equal(low.y_train, datasets.transform(splits, seed=5, label_corruption=0.3).y_train)
    assert not np.array_equal(low.y_train, datasets.transform(splits, seed=6, label_corruption=0.3).y_train)
    np.testing.assert_array_equal(low.y_dev, splits.y_dev)
    np.testing.assert_array_equal(low.y_test, splits.y_test)
    np.testing.assert_array_equal(low.x_train, splits.x_train)
    changed_low, changed_high = low.y_train != splits.y_train, high.y_train != splits.y_train
    assert changed_low.sum() < changed_high.sum() and not np.any(changed_low & ~changed_high)
    # the input stream does not shift the label stream
    both = datasets.transform(splits, seed=5, input_transform="random_pixels", label_corruption=0.3)
    np.testing.assert_array_equal(both.y_train, low.y_train)


def test_unknown_transform_names_the_choices():
    with pytest.raises(UserError, match="unknown input transform 'blur'.*choose one of: center, gaussian, none"):
        datasets.transform(datasets.load("synthetic"), 0, "blur")
