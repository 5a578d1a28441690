"""Why do SGD at rate 1 and Adadelta at epsilon 1e-2 sit near chance in some seeds of the
`optimizers` study while Zeiler (2012, Table 1 and 2) reports 2.3-2.6 % error for them?

An independent check written with plain Keras (``model.fit``, no suite training code; only the
same 7,000 / 1,000 / 2,000 split of the embedded digits): Zeiler's 784-500-300-10 tanh network,
mini-batch 100, 6 epochs, last weights tested, crossed with

- the input preprocessing: pixels in [0, 1] (the suite's default) or centred per pixel with the
  training split's mean (common in MNIST work of the time),
- the initialization: Glorot-uniform (the suite's) or LeCun-uniform (variance 1/fan_in),

and, for Adadelta, the effective per-parameter step (|delta w| / |g|) over its first updates: with
epsilon 1e-2 the first step is about sqrt(eps) / sqrt((1 - rho) g^2 + eps) ~ 1 for small
gradients, i.e. SGD at rate 1 (Zeiler 2012's update with E[dx^2]_0 = 0).

Prints one JSON line per trial and one per Adadelta step probe (kept in
results/benchmarks/zeiler_check.jsonl; its wall times were measured on a loaded shared CPU).
Not a test: a measurement.
    python benchmarks/zeiler_check.py --seeds 3
"""
import argparse
import json
import os
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from suite.data import datasets  # noqa: E402

OPTIMIZERS = {"sgd_lr1": lambda: keras.optimizers.SGD(1.0),
              "adadelta_eps1e-2": lambda: keras.optimizers.Adadelta(1.0, rho=0.95, epsilon=1e-2),
              "adadelta_eps1e-6": lambda: keras.optimizers.Adadelta(1.0, rho=0.95, epsilon=1e-6)}
# Logits and log-softmax in the loss, as the suite's mlp: Keras's probability loss clips at 1e-7,
# which zeroes the gradient of a saturated softmax and would show a different failure.
LOSS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
INITS = {"glorot_uniform": "glorot_uniform", "lecun_uniform": "lecun_uniform"}


def preprocess(data, how):
    x_train, x_dev, x_test = (x.reshape(len(x), -1) for x in (data.x_train, data.x_dev, data.x_test))
    if how == "center":  # the training split's per-pixel mean only
        mean = x_train.mean(axis=0)
        x_train, x_dev, x_test = x_train - mean, x_dev - mean, x_test - mean
    return x_train, x_dev, x_test


def network(init):
    return keras.Sequential([keras.Input((784,)),
                             keras.layers.Dense(500, "tanh", kernel_initializer=init),
                             keras.layers.Dense(300, "tanh", kernel_initializer=init),
                             keras.layers.Dense(10, kernel_initializer=init)])  # logits, as in the suite


def first_steps(x, y, init, seed, steps=5):
    """Median |delta w| / |g| over all weights at each of Adadelta's first steps (one batch each)."""
    keras.utils.set_random_seed(seed)
    model = network(init)
    optimizer = keras.optimizers.Adadelta(1.0, rho=0.95, epsilon=1e-2)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    import jax

    def loss_of(weights, xb, yb):
        model_weights = [keras.ops.convert_to_tensor(w) for w in weights]
        out, _ = model.stateless_call(model_weights, [], xb)
        return loss_fn(yb, out)

    optimizer.build(model.trainable_variables)
    rows = []
    for step in range(steps):
        xb, yb = x[step * 100:(step + 1) * 100], y[step * 100:(step + 1) * 100]
        before = [np.array(v) for v in model.trainable_variables]
        grads = jax.grad(loss_of)([v.value for v in model.trainable_variables], xb, yb)
        optimizer.apply(grads, model.trainable_variables)
        ratios = np.concatenate([np.abs((np.array(v) - b) / g).ravel()[np.abs(np.asarray(g)).ravel() > 1e-8]
                                 for v, b, g in zip(model.trainable_variables, before, grads)])
        gabs = np.concatenate([np.abs(np.asarray(g)).ravel() for g in grads])
        rows.append({"step": step + 1, "median_step_over_grad": float(np.median(ratios)),
                     "median_abs_grad": float(np.median(gabs))})
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    data = datasets.load("mnist_10k")
    for how in ("none", "center"):
        x_train, x_dev, x_test = preprocess(data, how)
        for init in INITS:
            for seed in range(args.seeds):
                print(json.dumps({"probe": "adadelta_eps1e-2_first_steps", "input": how, "init": init, "seed": seed,
                                  "steps": first_steps(x_train, data.y_train, init, seed)}), flush=True)
            for name, make in OPTIMIZERS.items():
                for seed in range(args.seeds):
                    started = time.perf_counter()
                    keras.utils.set_random_seed(seed)
                    model = network(INITS[init])
                    model.compile(make(), LOSS, metrics=["accuracy"])
                    history = model.fit(x_train, data.y_train, batch_size=100, epochs=args.epochs, verbose=0,
                                        validation_data=(x_dev, data.y_dev))
                    _, test_accuracy = model.evaluate(x_test, data.y_test, verbose=0)
                    print(json.dumps({"optimizer": name, "input": how, "init": init, "seed": seed,
                                      "test_error": round(1 - test_accuracy, 4),
                                      "train_loss": [round(v, 3) for v in history.history["loss"]],
                                      "wall_time_s": round(time.perf_counter() - started, 1)}), flush=True)


if __name__ == "__main__":
    main()
