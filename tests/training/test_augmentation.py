"""Augmentation wrapper: the identity at inference, a new draw per image in training, test-time
averaging over copies, and the config check that refuses TTA without an augmentation."""
import keras
import numpy as np
import pytest

from suite.design.study import DEFAULTS
from suite.errors import UserError
from suite.training import augmentation, checks, models

CONFIG = {**DEFAULTS, "augment_shift": 0.2, "augment_rotation": 15.0, "augment_zoom": 0.1, "seed": 0}


def _model():
    keras.utils.set_random_seed(0)
    inner = models.build_mlp((12, 12, 1), 3, depth=1, width=8, activation="relu", kernel_initializer="he_normal",
                             bias_initializer="zeros", l2=0.0, dropout=0.0)
    return augmentation.wrap(inner, (12, 12, 1), CONFIG), inner


def test_without_augmentation_the_model_is_returned_as_it_is():
    inner = models.build_mlp((4,), 2, depth=0, width=1, activation="relu", kernel_initializer="zeros",
                             bias_initializer="zeros", l2=0.0, dropout=0.0)
    assert augmentation.wrap(inner, (4,), DEFAULTS) is inner and not augmentation.active(DEFAULTS)


def test_augmentation_acts_in_training_only_and_draws_per_image():
    model, inner = _model()
    images = np.zeros((6, 12, 12, 1), "float32")
    images[:, 4:8, 4:8] = 1.0
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(images, training=False)),
                               keras.ops.convert_to_numpy(inner(images)),
                               rtol=1e-6)
    augmented = keras.ops.convert_to_numpy(model.get_layer(augmentation.AUGMENTATION)(images, training=True))
    assert not np.allclose(augmented, images)
    assert len({augmented[i].tobytes() for i in range(6)}) == 6  # a draw per image


def test_tta_with_one_copy_is_the_clean_softmax_and_more_copies_average():
    model, inner = _model()
    x = np.random.default_rng(0).random((5, 12, 12, 1)).astype("float32")
    clean = keras.ops.convert_to_numpy(keras.ops.softmax(inner(x)))
    np.testing.assert_allclose(augmentation.tta_predict(model, x, 1), clean, rtol=1e-5)
    averaged = augmentation.tta_predict(model, x, 4, batch_size=2)
    assert averaged.shape == (5, 3) and np.allclose(averaged.sum(axis=1), 1, atol=1e-5)
    assert not np.allclose(averaged, clean)


def test_tta_without_an_augmentation_is_refused():
    with pytest.raises(UserError, match="tta_copies"):
        checks.check_trial({**DEFAULTS, "tta_copies": 5})
