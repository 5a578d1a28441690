"""Model registry. Builders are pure: config values in, an uncompiled ``keras.Model`` out."""
from __future__ import annotations

import keras
from keras import layers

from suite.errors import lookup
from suite.training.saddle import build_saddle
from suite.training.sequence_models import build_rnn

# Zero-argument factories so every model gets fresh initializer and layer objects.
INITIALIZERS = {
    "zeros": lambda: keras.initializers.Zeros(),
    "constant": lambda: keras.initializers.Constant(0.1),
    "small_normal": lambda: keras.initializers.RandomNormal(stddev=0.01),
    "large_normal": lambda: keras.initializers.RandomNormal(stddev=1.0),
    # Nielsen's network2 "default_weight_initializer": N(0, 1/sqrt(n_in)).
    "nielsen": lambda: keras.initializers.VarianceScaling(1.0, "fan_in", "untruncated_normal"),
    # Nielsen's biases (and his "large_weight_initializer"): N(0, 1).
    "unit_normal": lambda: keras.initializers.RandomNormal(stddev=1.0),
    # Glorot & Bengio (2010) eq. (1), the "standard" heuristic their normalized one is compared with:
    # U[-1/sqrt(n), 1/sqrt(n)], n = fan-in (variance 1 / (3n)).
    "standard_uniform": lambda: keras.initializers.VarianceScaling(1 / 3, "fan_in", "uniform"),
    "glorot_uniform": lambda: keras.initializers.GlorotUniform(),
    "glorot_normal": lambda: keras.initializers.GlorotNormal(),
    "he_uniform": lambda: keras.initializers.HeUniform(),
    "he_normal": lambda: keras.initializers.HeNormal(),
    "lecun_uniform": lambda: keras.initializers.LecunUniform(),
    "lecun_normal": lambda: keras.initializers.LecunNormal(),
}

ACTIVATIONS = {
    name: (lambda name=name: layers.Activation(name))
    for name in ("sigmoid", "tanh", "relu", "elu", "selu", "gelu", "softplus", "softsign", "silu", "linear")
}
ACTIVATIONS["swish"] = ACTIVATIONS["silu"]
# Slope 0.1 for z <= 0: lecture deck 004 (l.1172), "alpha is typically set to a small value, such as 0.1".
LEAKY_SLOPE = 0.1
ACTIVATIONS["leaky_relu"] = lambda: layers.LeakyReLU(negative_slope=LEAKY_SLOPE)
ACTIVATIONS["prelu"] = lambda: layers.PReLU()


def initializer(name: str):
    return lookup(INITIALIZERS, name, "initializer")()


def weight_penalty(l1: float, l2: float):
    """The Keras penalty on a kernel: ``keras.regularizers.L1`` (cost += l1 * sum|w|), ``L2``
    (cost += l2 * sum(w^2)), ``L1L2`` for both (Srivastava et al. 2014, Table 9's "L2 + L1"), or
    None when both are 0."""
    if l1 and l2:
        return keras.regularizers.L1L2(l1=l1, l2=l2)
    if l1:
        return keras.regularizers.L1(l1)
    return keras.regularizers.L2(l2) if l2 else None


# Normalization of a hidden layer (key ``normalization``): zero-argument factories of Keras layers.
# Ioffe & Szegedy (2015) normalize each unit over the mini-batch (Algorithm 1, at inference the
# moving averages); Ba, Kiros & Hinton (2016) normalize each example over the layer's units.
NORMALIZATIONS = {
    "none": None,
    "batch": lambda: layers.BatchNormalization(),
    "layer": lambda: layers.LayerNormalization(),
}
# Where the normalization sits (key ``normalization_placement``): "before" the activation
# (Ioffe & Szegedy 2015, Sec. 3.2: BN(Wu + b) feeds the nonlinearity) or "after" it.
PLACEMENTS = {"before": "Dense -> normalization -> activation", "after": "Dense -> activation -> normalization"}


def check_placement(placement: str) -> None:
    """Raises UserError unless ``placement`` is one of ``PLACEMENTS``."""
    lookup(PLACEMENTS, placement, "normalization placement")


def hidden_unit(dense_layer, activation_layer, normalization: str = "none", placement: str = "before") -> list:
    """The layers of one hidden layer in order: Dense, then normalization and activation in the
    ``placement`` order; no normalization layer for ``normalization='none'``.

    Raises UserError for an unknown normalization or placement."""
    make_norm = lookup(NORMALIZATIONS, normalization, "normalization")
    check_placement(placement)
    if make_norm is None:
        return [dense_layer, activation_layer]
    pair = [make_norm(), activation_layer]
    return [dense_layer, *(pair if placement == "before" else pair[::-1])]


def build_mlp(input_shape, num_classes, *, depth, width, activation,
              kernel_initializer, bias_initializer, l2, dropout, widths=(), l1=0.0, max_norm=0.0,
              input_dropout=0.0, normalization="none", normalization_placement="before") -> keras.Model:
    """input (-> dropout) -> [Dense(width) -> activation (-> dropout)] * depth -> Dense(num_classes) logits.

    ``normalization`` (``NORMALIZATIONS``: batch or layer) adds a Keras normalization layer to
    every hidden layer, before or after its activation (``normalization_placement``).

    ``widths`` (e.g. Zeiler's [500, 300]) gives each hidden layer its own size and replaces
    depth x width; empty = depth layers of ``width``.

    Regularizers (Srivastava et al. 2014, Table 9): ``l1`` / ``l2`` penalties on every kernel
    (``weight_penalty``); ``max_norm`` > 0 caps the L2 norm of each unit's incoming weight vector
    at that value after every update (``keras.constraints.MaxNorm(max_norm, axis=0)``: a Dense
    kernel is (inputs, units), so axis 0 is one unit's fan-in); ``input_dropout`` drops input
    pixels and ``dropout`` hidden activations (``keras.layers.Dropout``, inverted: kept values
    are scaled by 1 / (1 - rate) in training, nothing at test time; deck 001's two placements).

    The output is left as logits: the loss applies the output nonlinearity itself (log-softmax or
    log-sigmoid), which is exact where Keras's probability losses clip, so a blow-up shows as an
    infinite or NaN loss instead of being hidden at -log(1e-7).
    """
    make_activation = lookup(ACTIVATIONS, activation, "activation")
    regularizer = weight_penalty(l1, l2)

    def dense(units, name):
        return layers.Dense(units, kernel_initializer=initializer(kernel_initializer),
                            bias_initializer=initializer(bias_initializer),
                            kernel_regularizer=regularizer, name=name,
                            kernel_constraint=keras.constraints.MaxNorm(max_norm, axis=0) if max_norm else None)

    sizes = list(widths) or [width] * depth
    stack = [keras.Input(shape=tuple(input_shape)), layers.Flatten()]
    if input_dropout:
        stack.append(layers.Dropout(input_dropout, name="input_dropout"))
    for index, units in enumerate(sizes):
        stack += hidden_unit(dense(units, f"hidden_{index + 1}"), make_activation(), normalization,
                             normalization_placement)
        if dropout:
            stack.append(layers.Dropout(dropout))
    stack.append(dense(num_classes, "output"))
    name = f"mlp_{'-'.join(map(str, widths))}" if widths else f"mlp_{depth}x{width}"
    return keras.Sequential(stack, name=name)


SHORTCUT = "shortcut"  # name prefix of projection shortcuts: not hidden layers (the layer probe skips them)


def build_residual_mlp(input_shape, num_classes, *, depth, width, activation, kernel_initializer,
                       bias_initializer, l2, dropout, widths=(), normalization="none",
                       normalization_placement="before", block_layers=2) -> keras.Model:
    """He et al. (2016, Sec. 3.2-3.3, Fig. 2) residual learning on an MLP: ``depth`` hidden Dense
    layers of ``width`` units (or ``widths``), as ``build_mlp`` stacks them, with shortcuts added.

    The first hidden layer is plain (the paper's first convolution: it changes the width from the
    input's); the others form residual blocks of ``block_layers`` Dense layers (the last block
    may be shorter), y = act(F(x) + s(x)): F is the block's layers, each Dense -> normalization
    and activation as in ``build_mlp``, the last one's activation after the addition (Fig. 2);
    s is the identity (eq. 1), or where the block changes the width a Dense projection without
    bias (eq. 2, option B), named ``shortcut_<block>``. ``dropout`` follows every activation.
    Without shortcuts the same layers are ``build_mlp``'s network (the paper's plain net).
    Raises UserError for an unknown activation, initializer, normalization or placement.
    """
    make_activation = lookup(ACTIVATIONS, activation, "activation")
    make_norm = lookup(NORMALIZATIONS, normalization, "normalization")
    check_placement(normalization_placement)
    regularizer = weight_penalty(0.0, l2)

    def dense(units, name, use_bias=True):
        return layers.Dense(units, kernel_initializer=initializer(kernel_initializer), use_bias=use_bias,
                            bias_initializer=initializer(bias_initializer),
                            kernel_regularizer=regularizer, name=name)

    def apply(stack, x):
        for layer in stack:
            x = layer(x)
        return x

    def after_activation():
        return [layers.Dropout(dropout)] if dropout else []

    sizes = list(widths) or [width] * depth
    inputs = keras.Input(shape=tuple(input_shape))
    x = layers.Flatten()(inputs)
    if sizes:
        x = apply(hidden_unit(dense(sizes[0], "hidden_1"), make_activation(), normalization,
                              normalization_placement) + after_activation(), x)
    start, block = 1, 0
    while start < len(sizes):
        block += 1
        units = sizes[start:start + block_layers]
        shortcut = x if x.shape[-1] == units[-1] else dense(units[-1], f"{SHORTCUT}_{block}", use_bias=False)(x)
        branch = x
        for offset, size in enumerate(units[:-1]):
            branch = apply(hidden_unit(dense(size, f"hidden_{start + offset + 1}"), make_activation(), normalization,
                                       normalization_placement) + after_activation(), branch)
        norm_before = [make_norm()] if make_norm and normalization_placement == "before" else []
        norm_after = [make_norm()] if make_norm and normalization_placement == "after" else []
        branch = apply([dense(units[-1], f"hidden_{start + len(units)}"), *norm_before], branch)
        x = layers.Add(name=f"add_{block}")([branch, shortcut])
        x = apply([make_activation(), *norm_after, *after_activation()], x)
        start += len(units)
    outputs = dense(num_classes, "output")(x)
    name = f"residual_mlp_{'-'.join(map(str, widths))}" if widths else f"residual_mlp_{depth}x{width}"
    return keras.Model(inputs, outputs, name=name)


class RandomShift(layers.Layer):
    """Random-crop augmentation: each image zero-padded by ``pad`` pixels and cropped back to its
    size at its own random offset; the identity at inference.

    Not ZeroPadding2D + keras.layers.RandomCrop: Keras 3's RandomCrop uses one offset per batch
    and at inference returns the padded image unchanged. Not RandomTranslation either: its
    interpolating gather made a CNN epoch four times slower on a CPU. A shift is two one-hot
    matrix products, out[i, j] = in[i + dy, j + dx] (zero outside), cheap next to a convolution.
    """

    def __init__(self, pad: int, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.pad = pad
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        if not training or not self.pad:
            return images
        height, width = images.shape[1], images.shape[2]
        shifts = keras.random.randint((keras.ops.shape(images)[0], 2), -self.pad, self.pad + 1,
                                      seed=self.seed_generator)
        # one_hot of an index outside [0, size) is all zeros: the padding.
        rows = keras.ops.one_hot(keras.ops.arange(height)[None, :] + shifts[:, :1], height, dtype=images.dtype)
        cols = keras.ops.one_hot(keras.ops.arange(width)[None, :] + shifts[:, 1:], width, dtype=images.dtype)
        return keras.ops.einsum("bij,bjkc,blk->bilc", rows, images, cols)

    def get_config(self):
        return {**super().get_config(), "pad": self.pad}


def build_cnn(input_shape, num_classes, *, conv_filters, conv_kernel, depth, width, activation,
              kernel_initializer, bias_initializer, l2, dropout, random_crop) -> keras.Model:
    """Zhang et al.'s "small AlexNet", scaled down: per entry of ``conv_filters`` a block
    conv(k x k) -> activation -> max-pool(3x3, stride 2), then ``depth`` x Dense(width) -> logits.

    ``random_crop`` > 0 adds the paper's augmentation (``RandomShift``): pad by that many pixels,
    crop back at a random offset, a new one per image and step.
    """
    make_activation = lookup(ACTIVATIONS, activation, "activation")
    regularizer = keras.regularizers.L2(l2) if l2 else None

    def weights():  # fresh initializer objects per layer
        return dict(kernel_initializer=initializer(kernel_initializer),
                    bias_initializer=initializer(bias_initializer), kernel_regularizer=regularizer)

    stack = [keras.Input(shape=tuple(input_shape))]
    if random_crop:
        stack.append(RandomShift(random_crop, name="random_crop"))
    for index, filters in enumerate(conv_filters):
        stack += [layers.Conv2D(filters, conv_kernel, padding="same", name=f"conv_{index + 1}", **weights()),
                  make_activation(), layers.MaxPooling2D(3, strides=2, padding="same")]
    stack.append(layers.Flatten())
    for index in range(depth):
        stack += [layers.Dense(width, name=f"hidden_{index + 1}", **weights()), make_activation()]
        if dropout:
            stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(num_classes, name="output", **weights()))
    return keras.Sequential(stack, name=f"cnn_{'-'.join(map(str, conv_filters))}_{depth}x{width}")


# Builders take (input_shape, num_classes) and keyword-only config keys, matched by name.
MODELS = {"mlp": build_mlp, "cnn": build_cnn, "residual_mlp": build_residual_mlp, "saddle": build_saddle,
          "rnn": build_rnn}  # suite.training.saddle, suite.training.sequence_models


def sigmoid_cross_entropy(y_true, logits):
    """Nielsen's network2 cost: independent sigmoid outputs, cross-entropy summed over units."""
    labels = keras.ops.one_hot(keras.ops.reshape(keras.ops.cast(y_true, "int32"), (-1,)), logits.shape[-1])
    per_unit = keras.ops.binary_crossentropy(labels, logits, from_logits=True)
    return keras.ops.sum(per_unit, axis=-1)


# Output nonlinearity -> loss on the model's logits.
OUTPUT_LOSSES = {
    "softmax": lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    "sigmoid": lambda: sigmoid_cross_entropy,
}
