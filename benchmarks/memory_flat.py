"""Resident memory across many sequential trials in one worker (issue: memory must stay flat).

Cycles through more architectures than the compiled-model cache holds, so eviction is exercised.
Prints one JSON line: RSS after each checkpoint trial count.
"""
import argparse
import importlib.util
import json
import os

# The backend `suite run` picks by default (JAX when installed), unless KERAS_BACKEND says otherwise.
os.environ.setdefault("KERAS_BACKEND", "jax" if importlib.util.find_spec("jax") else "tensorflow")

import keras  # noqa: E402

from suite.study import DEFAULTS  # noqa: E402
from suite.train import train  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    return kb / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    checkpoints, widths = {}, [8 + 4 * i for i in range(12)]
    for index in range(1, args.trials + 1):
        config = {**DEFAULTS, "dataset": "mnist_10k", "train_size": 1000, "epochs": 1,
                  "batch_size": 50, "width": widths[index % len(widths)], "seed": index}
        train(config)
        if index in (1, 10, 50, 100, args.trials):
            checkpoints[index] = rss_mb()
    print(json.dumps({"backend": keras.backend.backend(), "rss_mb": checkpoints}))


if __name__ == "__main__":
    main()
