"""The adding problem's generator: shapes, markers, target statistics, determinism per length."""
import numpy as np
import pytest

from suite.data import datasets, sequences


@pytest.mark.parametrize("length", [2, 10, 101])
def test_each_sequence_has_one_marker_in_each_half_and_the_target_is_their_sum(length):
    x, y = sequences.adding_arrays(500, length, np.random.default_rng(0))
    assert x.shape == (500, length, 2) and x.dtype == np.float32 and y.shape == (500,)
    markers, values = x[..., 1], x[..., 0]
    assert set(np.unique(markers)) <= {0.0, 1.0} and (markers.sum(axis=1) == 2).all()
    half = length // 2
    assert (markers[:, :half].sum(axis=1) == 1).all() and (markers[:, half:].sum(axis=1) == 1).all()
    np.testing.assert_allclose(y, (values * markers).sum(axis=1), rtol=1e-6)
    assert ((values >= 0) & (values < 1)).all()


def test_target_mean_and_variance_are_those_of_a_sum_of_two_uniforms():
    _, y = sequences.adding_arrays(200_000, 20, np.random.default_rng(1))
    assert y.mean() == pytest.approx(1.0, abs=0.005)
    assert y.var() == pytest.approx(1 / 6, abs=0.003)  # the constant predictor's MSE: the 0.167 baseline


def test_splits_are_standardized_with_the_known_moments_and_fixed_per_length():
    splits = sequences.adding(30, (300, 50, 60))
    assert splits.task == "regression" and splits.sizes() == {"train": 300, "dev": 50, "test": 60}
    assert splits.input_shape == (30, 2) and splits.target_mean == 1.0
    assert splits.target_scale == pytest.approx(np.sqrt(1 / 6))
    raw = splits.target_mean + splits.target_scale * splits.y_train
    np.testing.assert_allclose(raw, (splits.x_train[..., 0] * splits.x_train[..., 1]).sum(axis=1), rtol=1e-5)
    np.testing.assert_array_equal(sequences.adding(30, (300, 50, 60)).x_train, splits.x_train)
    assert not np.array_equal(sequences.adding(31, (300, 50, 60)).x_train[:, :30], splits.x_train)


def test_for_trial_reads_the_trials_sequence_length():
    splits = datasets.for_trial({"dataset": "adding", "sequence_length": 12, "seed": 3})
    assert splits.input_shape == (12, 2) and len(splits.y_train) == sequences.ADDING_SIZES[0]


def test_too_short_a_sequence_is_refused():
    with pytest.raises(ValueError, match="at least 2 steps"):
        sequences.adding_arrays(3, 1, np.random.default_rng(0))
