import numpy as np
import pytest

from suite.data import datasets, input_statistics
from suite.data.splits import Splits


def test_constant_features_are_left_out_and_scale_does_not_change_kappa():
    rng = np.random.default_rng(0)
    x = rng.random((500, 4, 4, 1)).astype(np.float32)
    x[:, 0, 0] = 0.0  # a constant pixel (MNIST's border)
    unit = input_statistics.statistics(x)
    raw = input_statistics.statistics(x * 255)
    assert unit["input_varying_features"] == 15
    assert raw["input_condition_number"] == pytest.approx(unit["input_condition_number"], rel=1e-6)
    assert raw["input_lambda_max"] == pytest.approx(255 ** 2 * unit["input_lambda_max"], rel=1e-6)


def test_known_spectrum():
    # independent features with variances 1 and 100, zero mean: kappa = (100 + r) / (1 + r), r = 1e-3 * 50.5
    rng = np.random.default_rng(1)
    z = rng.standard_normal((200_000, 2))
    z = (z - z.mean(0)) / z.std(0) * np.array([1.0, 10.0])
    stats = input_statistics.statistics(z.reshape(-1, 2, 1, 1))
    ridge = input_statistics.RIDGE * 50.5
    assert stats["input_lambda_max_centered"] == pytest.approx(100, rel=1e-2)
    assert stats["input_condition_number_centered"] == pytest.approx((100 + ridge) / (1 + ridge), rel=2e-2)


def test_of_training_caches_by_content():
    x = np.random.default_rng(2).random((50, 3, 3, 1)).astype(np.float32)
    assert input_statistics.of_training(x) == input_statistics.of_training(x.copy())


def splits(x_train, x_test):
    y = np.zeros(len(x_train), np.int32)
    return Splits("t", x_train, y, x_test, np.zeros(len(x_test), np.int32), x_test, np.zeros(len(x_test), np.int32),
                  10, "test")


def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(3)
    x_train = rng.random((100, 2, 2, 1)).astype(np.float32) * 3 + 1
    x_train[:, 0, 0] = 0.5  # constant: divided by 1
    x_test = rng.random((40, 2, 2, 1)).astype(np.float32) * 10
    out = datasets.standardize(splits(x_train, x_test), rng)
    flat = out.x_train.reshape(100, -1)
    np.testing.assert_allclose(flat.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(flat[:, 1:].std(0), 1, rtol=1e-4)
    np.testing.assert_allclose(out.x_test[:, 0, 0], x_test[:, 0, 0] - 0.5, rtol=1e-5)
    expected = (x_test - x_train.mean(0)) / np.where(x_train.std(0) > 0, x_train.std(0), 1)
    np.testing.assert_allclose(out.x_test, expected, rtol=1e-4, atol=1e-5)


def test_raw_pixels_is_255_times():
    x = np.random.default_rng(4).random((10, 2, 2, 1)).astype(np.float32)
    out = datasets.raw_pixels(splits(x, x[:3]), np.random.default_rng(0))
    np.testing.assert_allclose(out.x_train, x * 255, rtol=1e-6)
    assert out.x_train.dtype == np.float32
