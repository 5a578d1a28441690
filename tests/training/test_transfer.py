"""Transfer learning pieces: class subsets relabelled in order, the pretraining cached per config and
seed and deterministic, pretrained hidden layers copied (and frozen) into the target model."""
import numpy as np
import pytest

from suite.data import datasets
from suite.design.study import DEFAULTS
from suite.errors import UserError
from suite.training import checks, train, transfer

CONFIG = {**DEFAULTS, "dataset": "synthetic", "model": "mlp", "depth": 1, "width": 8, "activation": "relu",
          "optimizer": "adam", "learning_rate": 0.01, "pretrain_classes": [0, 1, 2], "pretrain_epochs": 1, "seed": 4}


def test_class_subset_keeps_the_listed_classes_relabelled_in_order():
    splits = datasets.load("synthetic")
    subset = transfer.class_subset(splits, [7, 2])
    assert subset.num_classes == 2 and set(subset.y_train) == {0, 1}
    np.testing.assert_array_equal(subset.x_train[subset.y_train == 0], splits.x_train[splits.y_train == 7])
    assert len(subset.y_test) == np.isin(splits.y_test, [7, 2]).sum()
    assert transfer.class_subset(splits, []) is splits


def test_pretraining_is_cached_and_the_same_for_a_seed():
    build = lambda cfg, data: train.build_model({**cfg, "pretrain_classes": []}, data)  # noqa: E731
    first = transfer.pretrained(CONFIG, build)
    assert transfer.pretrained({**CONFIG, "train_size": 50}, build) is first  # target-only keys share it
    transfer._cache.clear()
    again = transfer.pretrained(CONFIG, build)
    for a, b in zip(first, again):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert first[-1].shape == (3,)  # its own 3-way head


@pytest.mark.parametrize("freeze", [False, True])
def test_the_target_model_starts_from_the_pretrained_hidden_layers(freeze):
    splits = transfer.class_subset(datasets.load("synthetic"), [5, 6, 7, 8, 9])
    model = train.build_model({**CONFIG, "freeze_features": freeze}, splits)
    pretrained = transfer.pretrained(CONFIG, lambda cfg, data: train.build_model({**cfg, "pretrain_classes": []}, data))
    hidden = model.get_layer("hidden_1")
    for value, expected in zip(hidden.get_weights(), pretrained[:2]):
        np.testing.assert_array_equal(value, expected)
    assert hidden.trainable is (not freeze) and model.get_layer("output").trainable
    assert model.get_layer("output").get_weights()[0].shape == (8, 5)


def test_freezing_without_pretraining_is_refused():
    with pytest.raises(UserError, match="pretrain_classes"):
        checks.check_trial({**DEFAULTS, "freeze_features": True})
