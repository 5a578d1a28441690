"""A population sharded across devices (suite.training.sharding) gives one device's numbers:
the same training steps bit for bit, the evaluations to float32 rounding.

XLA's CPU backend simulates devices (``--xla_force_host_platform_device_count``), but only when the
flag is set before JAX starts, so the test runs this file as a script in a child process with two
simulated CPU devices: it trains the same population sharded over both and on one device (the
unsharded path, as a one-device machine runs it) and prints what it compared.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import pytest

pytestmark = pytest.mark.skipif(keras.backend.backend() != "jax", reason="populations run on JAX")


def test_a_population_sharded_over_two_devices_gives_one_devices_numbers():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2", KERAS_BACKEND="jax",
               PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["devices"] == 2
    assert report["sharded_over"] == [2], "the sharded run placed its members on both devices"
    # training is bit-identical: every step's loss, hence every weight (the accuracies too)
    assert report["step_loss_difference"] == 0.0, report
    # evaluations (dev and test losses, the probe's gradient norms) reduce over differently laid
    # out batches of members: within a few float32 roundings
    assert report["max_abs_difference"] <= 1e-6, report


def _child() -> None:
    """Train four members (seed, learning rate and label corruption differing; dropout; a short
    last batch, so both the scanned epoch and the single-step program run; the layer probe)
    sharded over two devices and on one; compare every number of the outcomes."""
    import jax
    import numpy as np

    from suite.design.study import DEFAULTS
    from suite.training import population
    from suite.training import sharding

    assert len(jax.devices()) == 2, jax.devices()
    base = {**DEFAULTS, "dataset": "synthetic", "epochs": 3, "batch_size": 48, "width": 16, "dropout": 0.2,
            "probe_examples": 32}
    configs = [{**base, "seed": 0}, {**base, "seed": 1, "learning_rate": 0.5},
               {**base, "seed": 2, "label_corruption": 0.5}, {**base, "seed": 3}]
    placed, real_place = [], sharding.place

    def recording_place(tree, mesh):
        out = real_place(tree, mesh)
        placed.extend(len(leaf.sharding.device_set) for leaf in jax.tree_util.tree_leaves(out)
                      if mesh is not None)
        return out

    sharding.place = recording_place
    sharded_steps, alone_steps = [], []
    sharded = population.train_population(configs, step_log=sharded_steps)
    sharding.place, real_mesh = real_place, sharding.member_mesh
    sharding.member_mesh = lambda size: None  # the single-device path
    alone = population.train_population(configs, step_log=alone_steps)
    sharding.member_mesh = real_mesh
    steps = np.abs(np.concatenate(sharded_steps, axis=1) - np.concatenate(alone_steps, axis=1)).max()

    def numbers(outcome: dict) -> list[float]:
        rows = [row[name] for row in outcome["history"] for name in
                ("loss", "accuracy", "dev_loss", "dev_accuracy", "learning_rate")]
        probes = [value for row in outcome["probes"] for value in row.values() if isinstance(value, float)]
        return rows + probes + [outcome["metrics"][name] for name in sorted(outcome["metrics"])]

    difference = 0.0
    for mine, other in zip(sharded, alone, strict=True):
        a, b = np.asarray(numbers(mine), float), np.asarray(numbers(other), float)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        difference = max(difference, float(np.nanmax(np.abs(a - b))))
    print(json.dumps({"devices": len(jax.devices()), "sharded_over": sorted(set(placed)),
                      "step_loss_difference": float(steps), "max_abs_difference": difference}))


if __name__ == "__main__":
    _child()
