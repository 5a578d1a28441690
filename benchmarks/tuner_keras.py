"""Arm K of the speed benchmark: the depth grid run the way a keras-tuner user would.

One process: a ``keras_tuner.GridSearch`` over depth (0-4) x seed whose ``HyperModel`` builds the
same network as arm A (``plain_keras.build_model``) and whose ``fit`` calls ``model.fit`` (then
tests the model, as arm A does): keras-tuner's own trial loop, oracle, per-trial directories and
best-epoch checkpoints included. Keras-tuner's documented way to control training is to override
``HyperModel.fit``; the seed is a grid hyperparameter so each trial matches one of arm A's.

Prints one JSON line per trial (as plain_keras.py). TensorFlow backend unless KERAS_BACKEND says
otherwise. A trial's wall time runs from its model's build to the end of its test evaluation.
Run:  python benchmarks/tuner_keras.py [--epochs 5] [--seeds 3]
"""
import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import keras_tuner  # noqa: E402
from plain_keras import EpochTimes, build_model  # noqa: E402  (benchmarks/ is on sys.path)

from suite.data import datasets  # noqa: E402  (the same 7k/1k/2k split of the embedded digits)


class DepthGrid(keras_tuner.HyperModel):
    """The depth study's networks, one per (depth, seed) of the grid."""

    def __init__(self, data, seeds: int):
        super().__init__()
        self.data, self.seeds = data, seeds

    def build(self, hp):
        self.started = time.perf_counter()
        depth = hp.Choice("depth", [0, 1, 2, 3, 4])
        seed = hp.Choice("seed", list(range(self.seeds)))
        keras.utils.set_random_seed(seed)
        return build_model(depth, len(self.data.y_train))

    def fit(self, hp, model, *args, callbacks=(), **kwargs):
        times = EpochTimes()
        history = model.fit(*args, callbacks=[*callbacks, times], **kwargs)
        epochs = len(history.history["val_accuracy"])
        best = int(max(range(epochs), key=lambda e: history.history["val_accuracy"][e]))
        _, test_accuracy = model.evaluate(self.data.x_test, self.data.y_test, verbose=0)
        print(json.dumps({"depth": hp.get("depth"), "seed": hp.get("seed"), "test_accuracy": test_accuracy,
                          "best_epoch": best + 1, "wall_time_s": time.perf_counter() - self.started,
                          "epoch_times": times.times}), flush=True)
        return history


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    data = datasets.load("mnist_10k")
    with tempfile.TemporaryDirectory(prefix="suite-tuner-") as directory:
        tuner = keras_tuner.GridSearch(DepthGrid(data, args.seeds), objective="val_accuracy",
                                       directory=directory, project_name="depth", overwrite=True)
        tuner.search(data.x_train, data.y_train, epochs=args.epochs, batch_size=10,
                     validation_data=(data.x_dev, data.y_dev), verbose=0)


if __name__ == "__main__":
    main()
