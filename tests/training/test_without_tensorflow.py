import random
import sys

import keras
import numpy as np
import pytest

from suite.training import without_tensorflow

pytestmark = pytest.mark.skipif(keras.backend.backend() == "tensorflow",
                                reason="on the TensorFlow backend the module changes nothing")


def draws():
    return random.random(), np.random.rand(3).tolist(), keras.ops.convert_to_numpy(keras.random.uniform((3,))).tolist()


def test_set_random_seed_draws_as_keras_does_without_asking_for_tensorflow(monkeypatch):
    from keras.src.utils import module_utils

    keras.utils.set_random_seed(7)
    expected = draws()
    # As in a process that never imported TensorFlow: Keras's lazy module would import it to answer.
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.setattr(module_utils.tensorflow, "_available", None)
    monkeypatch.setattr(module_utils.tensorflow, "initialize", lambda: pytest.fail("Keras imported TensorFlow"))
    without_tensorflow.set_random_seed(7)
    assert draws() == expected
    assert module_utils.tensorflow._available is None  # Keras's own answer restored
    with pytest.raises(ValueError):
        without_tensorflow.set_random_seed(1.5)
    assert module_utils.tensorflow._available is None


def test_a_model_saved_without_tensorflow_loads_with_the_same_weights(tmp_path, monkeypatch):
    from keras.src.utils import module_utils

    from suite.store import artifacts

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(2)])
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.setattr(module_utils.tensorflow, "_available", None)
    monkeypatch.setattr(module_utils.tensorflow, "initialize", lambda: pytest.fail("Keras imported TensorFlow"))
    artifacts.save_model(model, tmp_path / "m.keras")
    monkeypatch.undo()
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), loaded.get_weights()))
