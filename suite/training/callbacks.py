"""The Keras callbacks of a trial's ``fit``: the per-epoch log (``EpochLog``: the lecture's
numbers, divergence), the stop on a signal and the stop at a training accuracy; and the same
log's learning rate read off a population's stacked optimizer state (``rate_reader``)."""
from __future__ import annotations

import math
import time
from collections.abc import Callable

import keras
import numpy as np

from suite import interrupt


class EpochLog(keras.callbacks.Callback):
    """Collects the lecture's per-epoch numbers and stops on a non-finite loss. An epoch without a
    dev pass (``validation_freq``) logs NaN dev metrics, which are no divergence."""

    def __init__(self, progress: Callable[[dict], None] | None = None):
        super().__init__()
        self.rows: list[dict] = []
        self.diverged_epoch: int | None = None
        self._progress = progress
        self._validated = True  # whether the last row's epoch had a dev pass

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        # The rate this epoch's steps use: read before its first step (a step-driven schedule read
        # at the epoch's end is already the next epoch's first rate), after the callbacks that set
        # it (ReduceLROnPlateau changes it at the previous epoch's end).
        self._rate = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        row = {"epoch": epoch + 1,
               "loss": float(logs.get("loss", math.nan)),
               "accuracy": float(logs.get("sparse_categorical_accuracy", math.nan)),
               "dev_loss": float(logs.get("val_loss", math.nan)),
               "dev_accuracy": float(logs.get("val_sparse_categorical_accuracy", math.nan)),
               "learning_rate": self._rate,
               "wall_time_s": time.perf_counter() - self._start}
        self.rows.append(row)
        self._validated = "val_loss" in logs
        if not (math.isfinite(row["loss"]) and (math.isfinite(row["dev_loss"]) or not self._validated)):
            self.diverged_epoch = epoch + 1
            self.model.stop_training = True
        if self._progress:
            self._progress(row)

    def validate_last(self, model: keras.Model, x, y, batch_size: int | None) -> None:
        """The dev pass of the last epoch trained when ``validation_freq`` skipped it (a last epoch
        off the schedule, or an early stop), so every trial ends with dev metrics: Keras's
        ``evaluate`` on the weights training left, as ``fit`` validates; a non-finite dev loss
        there is a divergence, as in ``on_epoch_end``."""
        if not self.rows or self._validated:
            return
        logs = model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)
        row = self.rows[-1]
        row["dev_loss"] = float(logs["loss"])
        row["dev_accuracy"] = float(logs.get("sparse_categorical_accuracy", math.nan))
        if not math.isfinite(row["dev_loss"]) and self.diverged_epoch is None:
            self.diverged_epoch = row["epoch"]


class StopOnSignal(keras.callbacks.Callback):
    """Ends the trial at the next epoch boundary after SIGINT or SIGTERM, also when the
    KeyboardInterrupt raised at the signal was swallowed inside Keras or JAX (suite.interrupt)."""

    def on_epoch_begin(self, epoch, logs=None):
        interrupt.check()

    def on_epoch_end(self, epoch, logs=None):
        interrupt.check()


class StopAtTrainAccuracy(keras.callbacks.Callback):
    """Ends training once an epoch's running training accuracy reaches ``threshold``."""

    def __init__(self, threshold: float):
        super().__init__()
        self.threshold = threshold

    def on_epoch_end(self, epoch, logs=None):
        if (logs or {}).get("sparse_categorical_accuracy", 0.0) >= self.threshold:
            self.model.stop_training = True


def rate_reader(model: keras.Model):
    """``read(optimizer_state)``: per member, the learning rate its next step uses, as
    ``EpochLog`` reads it (a constant rate is the member's rate variable; a schedule is
    evaluated at the member's step count, once per distinct count)."""
    optimizer = model.optimizer
    paths = [v.path for v in optimizer.variables]
    iterations = paths.index(optimizer.iterations.path)
    rate = optimizer._learning_rate
    rate_at = paths.index(rate.path) if isinstance(rate, keras.Variable) else None

    def read(state) -> list[float]:
        if rate_at is not None:
            return [float(value) for value in np.asarray(state[rate_at])]
        steps, at_step = np.asarray(state[iterations]).tolist(), {}
        for step in dict.fromkeys(steps):
            optimizer.iterations.assign(step)
            at_step[step] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        return [at_step[step] for step in steps]

    return read
