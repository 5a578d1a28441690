"""Resident memory across many sequential trials in one worker (issue: memory must stay flat).

Cycles through more architectures than the compiled-model cache holds, so eviction is exercised.
``--population P`` trains the trials P at a time through ``suite.training.population.train_population``
(the JAX backend's population path, what ``suite run`` uses by default there); the default 1 is
the per-trial path. Prints one JSON line: RSS after each checkpoint trial count.
"""
import argparse
import importlib.util
import json
import os

# The backend `suite run` picks by default (JAX when installed), unless KERAS_BACKEND says otherwise.
os.environ.setdefault("KERAS_BACKEND", "jax" if importlib.util.find_spec("jax") else "tensorflow")

import keras  # noqa: E402

from suite.training import population  # noqa: E402
from suite.design.study import DEFAULTS  # noqa: E402
from suite.training.train import train  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    return kb / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--population", type=int, default=1, help="members per population (1: per trial)")
    args = parser.parse_args()
    checkpoints, widths = {}, [8 + 4 * i for i in range(12)]
    marks = {1, 10, 50, 100, args.trials}
    done = 0
    while done < args.trials:
        size = min(args.population, args.trials - done)
        width = widths[(done // args.population) % len(widths)]
        configs = [{**DEFAULTS, "dataset": "mnist_10k", "train_size": 1000, "epochs": 1, "batch_size": 50,
                    "width": width, "seed": done + member + 1} for member in range(size)]
        if args.population == 1:
            train(configs[0])
        else:
            population.train_population(configs)
        done += size
        for mark in sorted(marks):
            if done >= mark and mark not in checkpoints:
                checkpoints[mark] = rss_mb()
    print(json.dumps({"backend": keras.backend.backend(), "population": args.population, "rss_mb": checkpoints}))


if __name__ == "__main__":
    main()
