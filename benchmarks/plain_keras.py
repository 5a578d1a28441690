"""Arm A of the speed benchmark: the depth grid written the way a user would, with model.fit.

Prints one JSON line per trial. Uses Keras defaults throughout, on the TensorFlow backend unless
KERAS_BACKEND says otherwise (benchmarks/gpu_check.py runs it on JAX: the GPU machines have no
TensorFlow). ``--dataset synthetic`` is for quick checks.
"""
import argparse
import json
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from suite.data import datasets  # noqa: E402  (the same 7k/1k/2k split of the embedded digits)


class EpochTimes(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)


def build_model(depth: int, n_train: int, input_shape=(28, 28, 1), classes: int = 10) -> keras.Model:
    """The depth study's network: `depth` hidden layers of 30 sigmoid units, compiled (SGD 0.1, L2)."""
    layers = [keras.Input(input_shape), keras.layers.Flatten()]
    init = dict(kernel_initializer=keras.initializers.VarianceScaling(1.0, "fan_in", "untruncated_normal"),
                bias_initializer=keras.initializers.RandomNormal(stddev=1.0),
                kernel_regularizer=keras.regularizers.L2(5.0 / (2 * n_train)))
    layers += [keras.layers.Dense(30, activation="sigmoid", **init) for _ in range(depth)]
    layers.append(keras.layers.Dense(classes, activation="softmax", **init))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--dataset", default="mnist_10k")
    args = parser.parse_args()
    data = datasets.load(args.dataset)
    n_train = len(data.y_train)
    for depth in range(5):
        for seed in range(args.seeds):
            started = time.perf_counter()
            keras.utils.set_random_seed(seed)
            model = build_model(depth, n_train, data.x_train.shape[1:], data.num_classes)
            times = EpochTimes()
            history = model.fit(data.x_train, data.y_train, batch_size=10, epochs=args.epochs,
                                validation_data=(data.x_dev, data.y_dev), callbacks=[times], verbose=0)
            best = int(max(range(args.epochs), key=lambda e: history.history["val_accuracy"][e]))
            _, test_accuracy = model.evaluate(data.x_test, data.y_test, verbose=0)
            print(json.dumps({"depth": depth, "seed": seed, "test_accuracy": test_accuracy,
                              "best_epoch": best + 1, "wall_time_s": time.perf_counter() - started,
                              "epoch_times": times.times}), flush=True)


if __name__ == "__main__":
    main()
