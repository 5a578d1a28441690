"""Learning-rate and momentum schedules as frames: what each trial's optimizer used at every step.
Pure work on trial records (the schedules are rebuilt from the configs with Keras)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd


def at_steps(schedule, steps: np.ndarray) -> np.ndarray:
    """A float or a keras schedule evaluated at each of ``steps``."""
    if not callable(schedule):
        return np.full(len(steps), float(schedule))
    import keras  # deferred: loads Keras

    try:
        values = schedule(steps)
    except Exception:  # a schedule that branches on a scalar step (CosineDecay's warm-up): map it
        values = keras.ops.vectorized_map(schedule, steps)
    return np.asarray(keras.ops.convert_to_numpy(values), dtype=float).reshape(len(steps))


def schedule_frame(records: list[dict], hue: str) -> pd.DataFrame:
    """Learning rate and momentum at each optimizer step, one curve per value of ``hue``.

    A step-driven schedule is evaluated from the trial's config (suite.training.optim) at every step of
    the configured run, once per distinct config since every seed shares it. Where an lr callback
    (ReduceLROnPlateau) set the rate from the dev loss, each seed's per-epoch ``learning_rate``
    from the history is used instead, held constant over the epoch's steps.
    """
    from suite.training import optim  # deferred: loads Keras

    rows, seen = [], set()
    for record in records:
        config, per_epoch = record["config"], record.get("steps_per_epoch")
        if not per_epoch or not record.get("history"):
            continue
        label = record["point"].get(hue, config.get(hue))
        momentum = optim.build_momentum_schedule(config["momentum_schedule"], config["momentum"], per_epoch,
                                                 config["epochs"], config["momentum_schedule_options"])
        if config["lr_callback"] != "none":
            # the rate logged for an epoch is the one its steps used (read before its first step)
            steps = np.array([[(row["epoch"] - 1) * per_epoch, row["epoch"] * per_epoch - 1]
                              for row in record["history"]]).ravel()
            rates = np.repeat([row["learning_rate"] for row in record["history"]], 2)
        else:
            key = json.dumps([label, {k: v for k, v in config.items() if k != "seed"}], sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            steps = np.arange(config["epochs"] * per_epoch)
            rates = at_steps(optim.build_schedule(config["lr_schedule"], config["learning_rate"], per_epoch,
                                                   config["epochs"], config["lr_schedule_options"]), steps)
        rows.append(pd.DataFrame({hue: label, "seed": record["seed"], "step": steps, "learning_rate": rates,
                                  "momentum": at_steps(momentum, steps)}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
