"""Model registry. Builders are pure: config values in, an uncompiled ``keras.Model`` out."""
from __future__ import annotations

import keras
from keras import layers

from suite.errors import lookup

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
ACTIVATIONS["leaky_relu"] = lambda: layers.LeakyReLU(negative_slope=0.01)
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


def build_mlp(input_shape, num_classes, *, depth, width, activation,
              kernel_initializer, bias_initializer, l2, dropout, widths=(), l1=0.0, max_norm=0.0,
              input_dropout=0.0) -> keras.Model:
    """input (-> dropout) -> [Dense(width) -> activation (-> dropout)] * depth -> Dense(num_classes) logits.

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
        stack += [dense(units, f"hidden_{index + 1}"), make_activation()]
        if dropout:
            stack.append(layers.Dropout(dropout))
    stack.append(dense(num_classes, "output"))
    name = f"mlp_{'-'.join(map(str, widths))}" if widths else f"mlp_{depth}x{width}"
    return keras.Sequential(stack, name=name)


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
MODELS = {"mlp": build_mlp, "cnn": build_cnn}


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
