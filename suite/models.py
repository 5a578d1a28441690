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


def build_mlp(input_shape, num_classes, *, depth, width, activation,
              kernel_initializer, bias_initializer, l2, dropout) -> keras.Model:
    """input -> [Dense(width) -> activation (-> dropout)] * depth -> Dense(num_classes) logits.

    The output is left as logits: the loss applies the output nonlinearity itself (log-softmax or
    log-sigmoid), which is exact where Keras's probability losses clip, so a blow-up shows as an
    infinite or NaN loss instead of being hidden at -log(1e-7).
    """
    make_activation = lookup(ACTIVATIONS, activation, "activation")
    regularizer = keras.regularizers.L2(l2) if l2 else None

    def dense(units, name):
        return layers.Dense(units, kernel_initializer=initializer(kernel_initializer),
                            bias_initializer=initializer(bias_initializer),
                            kernel_regularizer=regularizer, name=name)

    stack = [keras.Input(shape=tuple(input_shape)), layers.Flatten()]
    for index in range(depth):
        stack += [dense(width, f"hidden_{index + 1}"), make_activation()]
        if dropout:
            stack.append(layers.Dropout(dropout))
    stack.append(dense(num_classes, "output"))
    return keras.Sequential(stack, name=f"mlp_{depth}x{width}")


MODELS = {"mlp": build_mlp}


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
