"""Generated and bundled small datasets: logic tables, separable sets with their Novikoff
quantities, the diabetes regression splits and nested outlier targets."""
import numpy as np
import pytest

from suite.data import datasets
from suite.data import toy_data


@pytest.mark.parametrize("function, labels", [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("xor", [0, 1, 1, 0])])
def test_logic_sets_are_the_truth_table_repeated(function, labels):
    splits = toy_data.logic(function)
    assert splits.y_test.tolist() == labels and splits.x_test.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert len(splits.y_train) == 4 * toy_data.LOGIC_REPEATS and splits.y_train[:4].tolist() == labels


@pytest.mark.parametrize("margin", [0.3, 0.05])
def test_separable_sets_keep_their_margin_and_bound(margin):
    splits = toy_data.separable(seed=3, margin=margin)
    facts = splits.facts
    assert facts["data_margin"] >= margin
    radius = np.sqrt((splits.x_train.astype(float) ** 2).sum(axis=1) + 1).max()
    assert facts["data_radius"] == pytest.approx(radius, rel=1e-6)
    assert facts["mistake_bound"] == pytest.approx((radius / facts["data_margin"]) ** 2, rel=1e-6)
    assert (np.sqrt((splits.x_train ** 2).sum(axis=1)) <= 1 + 1e-6).all()
    assert set(splits.y_train) == {0, 1}
    again = toy_data.separable(seed=3, margin=margin)
    np.testing.assert_array_equal(again.x_train, splits.x_train)  # drawn from the seed
    assert not np.array_equal(toy_data.separable(seed=4, margin=margin).x_train, splits.x_train)


def test_for_trial_draws_the_separable_set_from_the_trial_seed():
    config = {"dataset": "separable", "seed": 5, "separable_margin": 0.2}
    np.testing.assert_array_equal(datasets.for_trial(config).x_train, toy_data.separable(5, 0.2).x_train)


def test_diabetes_splits_are_standardized_on_the_training_split():
    splits = datasets.load("diabetes")
    assert splits.task == "regression" and splits.sizes() == {"train": 282, "dev": 60, "test": 100}
    np.testing.assert_allclose(splits.x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(splits.y_train.std(), 1, atol=1e-5)
    assert 100 < splits.target_mean < 200 and 50 < splits.target_scale < 100


def test_outlier_targets_are_nested_and_leave_dev_and_test_clean():
    splits = datasets.load("diabetes")
    low = datasets.transform(splits, 0, target_outliers=0.1)
    high = datasets.transform(splits, 0, target_outliers=0.3)
    changed_low, changed_high = low.y_train != splits.y_train, high.y_train != splits.y_train
    assert 0.03 < changed_low.mean() < 0.2 and 0.2 < changed_high.mean() < 0.4
    assert (changed_high[changed_low]).all()  # every outlier at 10% is one at 30%
    np.testing.assert_array_equal(high.y_train[changed_low], low.y_train[changed_low])
    assert (high.y_train[changed_high] >= toy_data.OUTLIER_RANGE[0]).all()
    np.testing.assert_array_equal(high.y_test, splits.y_test)
    np.testing.assert_array_equal(high.y_dev, splits.y_dev)
