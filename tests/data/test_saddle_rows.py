import numpy as np
import pytest

from suite.data import datasets, saddle_rows as saddle


def test_noiseless_rows_are_zero_and_dev_test_are_zero_rows():
    splits = saddle.rows(0)
    assert splits.x_train.shape == (saddle.ROWS, 2) and not splits.x_train.any()
    assert splits.task == "regression" and not splits.x_dev.any() and not splits.x_test.any()


@pytest.mark.parametrize("noise", [0.1, 2.0])
def test_noisy_rows_are_centred_with_the_given_spread_and_drawn_from_the_seed(noise):
    rows = saddle.rows(3, noise, count=2000).x_train.astype(np.float64)
    np.testing.assert_allclose(rows.mean(axis=0), 0.0, atol=1e-6 * noise)
    np.testing.assert_allclose(rows.std(axis=0), noise, rtol=0.05)
    assert not np.array_equal(saddle.rows(3, noise).x_train, saddle.rows(4, noise).x_train)
    np.testing.assert_array_equal(saddle.rows(3, noise).x_train, saddle.rows(3, noise).x_train)


def test_a_trial_draws_its_noise_from_its_seed():
    splits = datasets.for_trial({"dataset": "saddle", "seed": 1, "gradient_noise": 0.5})
    np.testing.assert_array_equal(splits.x_train, saddle.rows(1, 0.5).x_train)
