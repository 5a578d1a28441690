import keras
import numpy as np
import pytest

from suite.training import models
from suite.errors import UserError
from suite.design.study import DEFAULTS
from suite.training.train import model_arguments

BASE = dict(depth=2, width=8, activation="relu",
            kernel_initializer="glorot_uniform", bias_initializer="zeros", l2=0.0, dropout=0.0)


# The image/vector classifiers; the saddle model (a function of its two weights, tests/training/test_saddle.py)
# and rnn (reads sequences: tests/training/test_sequence_models.py) have their own tests.
CLASSIFIERS = sorted(set(models.MODELS) - {"saddle", "rnn"})


def arguments(name, **config):
    """A builder's keyword arguments from a suite config, as train.build_model reads them."""
    return model_arguments(models.MODELS[name], {**DEFAULTS, "model": name, "width": 8,
                                                 "activation": "relu", **config}, n_train=100)


@pytest.mark.parametrize("name", CLASSIFIERS)
@pytest.mark.parametrize("depth", [0, 1, 3])
def test_models_build_pure_and_shaped(name, depth):
    kwargs = arguments(name, depth=depth)
    model = models.MODELS[name]((8, 8, 1), 10, **kwargs)
    other = models.MODELS[name]((8, 8, 1), 10, **kwargs)
    assert model is not other and model.output_shape == (None, 10)
    assert len([layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]) == depth + 1
    logits = keras.ops.convert_to_numpy(model(np.zeros((3, 8, 8, 1), "float32")))
    assert logits.shape == (3, 10) and np.all(np.isfinite(logits))


@pytest.mark.parametrize("activation", sorted(models.ACTIVATIONS))
def test_every_activation_builds(activation):
    model = models.build_mlp((4,), 3, **{**BASE, "activation": activation, "dropout": 0.1})
    assert np.all(np.isfinite(model(np.ones((2, 4), "float32"))))


def test_leaky_relu_has_the_decks_slope():
    layer = models.ACTIVATIONS["leaky_relu"]()
    out = keras.ops.convert_to_numpy(layer(np.array([[-2.0, 3.0]], "float32")))
    np.testing.assert_allclose(out, [[-0.2, 3.0]], rtol=1e-6)  # deck 004 l.1172: alpha 0.1


@pytest.mark.parametrize("name", sorted(models.INITIALIZERS))
def test_every_initializer_builds(name):
    values = keras.ops.convert_to_numpy(models.initializer(name)((200, 100)))
    assert values.shape == (200, 100) and np.all(np.isfinite(values))


def test_nielsen_initializer_has_std_one_over_sqrt_fan_in():
    values = keras.ops.convert_to_numpy(models.initializer("nielsen")((400, 300)))
    assert abs(values.std() - 1 / np.sqrt(400)) < 0.002


def test_standard_uniform_is_glorot_and_bengios_eq_1():
    values = keras.ops.convert_to_numpy(models.initializer("standard_uniform")((400, 300)))
    assert np.abs(values).max() <= 1 / np.sqrt(400) and abs(values.std() - 1 / np.sqrt(3 * 400)) < 0.001


def test_l2_adds_a_loss_per_dense_kernel():
    model = models.build_mlp((4,), 3, **{**BASE, "l2": 0.01})
    assert len(model.losses) == 3


def test_unknown_names_are_user_errors():
    with pytest.raises(UserError, match="unknown activation 'sigmod'.*did you mean 'sigmoid'"):
        models.build_mlp((4,), 3, **{**BASE, "activation": "sigmod"})
    with pytest.raises(UserError, match="unknown initializer"):
        models.initializer("glorot")


@pytest.mark.parametrize("output", sorted(models.OUTPUT_LOSSES))
def test_output_losses_are_exact_on_logits(output):
    loss = models.OUTPUT_LOSSES[output]()
    logits = np.array([[0.0, 0.0], [200.0, -200.0]], "float32")
    values = keras.ops.convert_to_numpy(loss(np.array([0, 1]), logits))
    assert values.shape == (2,) or values.shape == ()
    assert np.all(np.isfinite(values)) and np.max(values) > 100  # no clipping at -log(1e-7)


def test_sigmoid_cross_entropy_sums_over_units():
    value = keras.ops.convert_to_numpy(models.sigmoid_cross_entropy(np.array([0]), np.zeros((1, 3), "float32")))
    assert value == pytest.approx([3 * np.log(2)], rel=1e-5)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_weight_decay_regularizes_every_kernel(name):
    model = models.MODELS[name]((8, 8, 1), 10, **arguments(name, weight_decay=1e-3))
    kernels = [layer for layer in model.layers if hasattr(layer, "kernel")]
    assert len(model.losses) == len(kernels) and all(l.kernel_regularizer.l2 == pytest.approx(5e-4)
                                                     for l in kernels)


def test_cnn_blocks_follow_conv_filters():
    model = models.build_cnn((8, 8, 1), 10, **arguments("cnn", conv_filters=[4, 6, 8], conv_kernel=3))
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [4, 6, 8] and all(c.kernel_size == (3, 3) for c in convs)
    assert not any(isinstance(layer, models.RandomShift) for layer in model.layers)
    cropped = models.build_cnn((8, 8, 1), 10, **arguments("cnn", random_crop=2))
    assert isinstance(cropped.layers[0], models.RandomShift) and cropped.layers[0].pad == 2


def test_random_shift_is_pad_then_crop_per_image_and_identity_at_inference():
    keras.utils.set_random_seed(0)
    images = np.random.default_rng(0).random((16, 8, 8, 2)).astype("float32") + 0.1
    layer = models.RandomShift(2)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(images)), images)
    shifted = keras.ops.convert_to_numpy(layer(images, training=True))
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)))
    offsets = []
    for image, source in zip(shifted, padded):
        found = [(i, j) for i in range(5) for j in range(5) if np.array_equal(source[i:i + 8, j:j + 8], image)]
        assert len(found) == 1
        offsets.append(found[0])
    assert len(set(offsets)) > 4  # a new offset per image, not one per batch


NORM_LAYERS = {"batch": keras.layers.BatchNormalization, "layer": keras.layers.LayerNormalization}


def _kinds(model):
    """The model's layers as short kind names, in order (Dense, norm, act, ...)."""
    names = {keras.layers.Dense: "dense", keras.layers.Activation: "act", keras.layers.Add: "add",
             keras.layers.BatchNormalization: "norm", keras.layers.LayerNormalization: "norm",
             keras.layers.Dropout: "drop"}
    return [names[type(layer)] for layer in model.layers if type(layer) in names]


@pytest.mark.parametrize("name", ["mlp", "residual_mlp"])
@pytest.mark.parametrize("normalization", sorted(models.NORMALIZATIONS))
@pytest.mark.parametrize("placement", sorted(models.PLACEMENTS))
def test_normalization_sits_before_or_after_each_activation(name, normalization, placement):
    model = models.MODELS[name]((4,), 3, **{**BASE, "depth": 3, "normalization": normalization,
                                           "normalization_placement": placement})
    kinds = _kinds(model)
    if normalization == "none":
        assert "norm" not in kinds
    else:
        wanted = NORM_LAYERS[normalization]
        assert sum(isinstance(layer, wanted) for layer in model.layers) == 3  # one per hidden layer
        # every activation is preceded (before) or followed (after) by a normalization layer
        for index, kind in enumerate(kinds):
            if kind == "act":
                neighbour = kinds[index - 1] if placement == "before" else kinds[index + 1]
                assert neighbour in ("norm", "add") if placement == "before" else neighbour == "norm"
    assert np.all(np.isfinite(keras.ops.convert_to_numpy(model(np.ones((2, 4), "float32")))))


def test_mlp_order_is_dense_norm_activation_per_ioffe_and_szegedy():
    before = models.build_mlp((4,), 3, **{**BASE, "depth": 1, "normalization": "batch"})
    after = models.build_mlp((4,), 3, **{**BASE, "depth": 1, "normalization": "layer",
                                          "normalization_placement": "after"})
    assert _kinds(before) == ["dense", "norm", "act", "dense"]
    assert _kinds(after) == ["dense", "act", "norm", "dense"]


def test_residual_blocks_add_identity_shortcuts_and_project_where_the_width_changes():
    model = models.build_residual_mlp((4,), 3, **{**BASE, "depth": 5, "width": 8})
    assert [layer.name for layer in model.layers if isinstance(layer, keras.layers.Add)] == ["add_1", "add_2"]
    assert not [layer for layer in model.layers if layer.name.startswith(models.SHORTCUT)]  # same width: identity
    assert _kinds(model) == ["dense", "act", "dense", "act", "dense", "add", "act", "dense", "act", "dense", "add",
                             "act", "dense"]
    widened = models.build_residual_mlp((4,), 3, **{**BASE, "widths": [8, 8, 16, 16, 16]})
    shortcuts = [layer for layer in widened.layers if layer.name.startswith(models.SHORTCUT)]
    assert [(layer.name, layer.units, layer.use_bias) for layer in shortcuts] == [("shortcut_1", 16, False)]


def test_residual_block_is_the_identity_plus_its_branch():
    """With the branch's last layer zeroed, each block passes its input through: y = act(0 + x)."""
    model = models.build_residual_mlp((4,), 3, **{**BASE, "depth": 3, "width": 4, "activation": "relu"})
    model.get_layer("hidden_3").set_weights([np.zeros((4, 4), "float32"), np.zeros(4, "float32")])
    x = np.random.default_rng(0).random((5, 4)).astype("float32")
    first = keras.Model(model.inputs[0], model.get_layer("hidden_1").output)
    block = keras.Model(model.inputs[0], model.get_layer("add_1").output)
    stem = np.maximum(keras.ops.convert_to_numpy(first(x)), 0)
    assert np.allclose(keras.ops.convert_to_numpy(block(x)), stem, atol=1e-6)


def test_unknown_normalization_or_placement_is_a_user_error():
    with pytest.raises(UserError, match="unknown normalization 'batchnorm'.*did you mean 'batch'"):
        models.build_mlp((4,), 3, **{**BASE, "normalization": "batchnorm"})
    with pytest.raises(UserError, match="unknown normalization placement 'behind'"):
        models.build_residual_mlp((4,), 3, **{**BASE, "normalization": "batch", "normalization_placement": "behind"})
