"""One XLA call per epoch on the JAX backend: Keras's own ``train_step`` inside ``jax.lax.scan``.

With ``steps_per_execution`` Keras's JAX trainer still calls its jitted ``train_step`` once per
batch from a Python loop; for the suite's small models that per-call dispatch (tens of
microseconds) costs more than the arithmetic. Here the epoch's batches, drawn from Keras's own
epoch iterator (same shuffling, same order), are stacked and the unchanged ``train_step`` runs
over them in a compiled ``lax.scan``; a final short batch, if any, takes one ordinary step. The
state carried through the scan is exactly what Keras's loop carries (weights, optimizer, metric
and random-generator variables), so callbacks, schedules and metrics behave as with ``fit``.
"""
from __future__ import annotations

from functools import partial

import keras
import numpy as np


def install(model: keras.Model) -> None:
    """Give a compiled JAX-backend model a train function that scans whole executions."""
    if keras.backend.backend() != "jax":
        return
    import jax  # deferred: loads JAX

    def body(state, batch):
        logs, state = model.train_step(state, batch)
        return state, logs

    @partial(jax.jit, donate_argnums=0)
    def scan_steps(state, batches):
        state, logs = jax.lax.scan(body, state, batches)
        return jax.tree_util.tree_map(lambda values: values[-1], logs), state

    single_step = jax.jit(model.train_step, donate_argnums=0)

    def train_function(state, iterator):
        batches = []
        for _ in range(model.steps_per_execution):
            try:
                batches.append(next(iterator))
            except StopIteration:
                break
        size = len(batches[0][0])
        full = [batch for batch in batches if len(batch[0]) == size]
        logs, state = scan_steps(state, jax.tree_util.tree_map(lambda *parts: np.stack(parts), *full))
        for batch in batches[len(full):]:  # the epoch's last, shorter batch
            logs, state = single_step(state, batch)
        return logs, state

    model.train_function = train_function
    # fit() builds its train function unless one exists; compile() resets it, so install after.
    model.make_train_function = lambda force=False: None
