"""suite.execution.tasks, what a Dask worker runs (named apart from tests/training/test_tasks.py:
the test folders are not packages). Here: Dask's draws from Python's global generator, in another
thread, no longer change a trial's initial weights."""
import random
import threading

import keras
import numpy as np
import pytest
from dask.sizeof import sizeof

from suite.execution import tasks
from suite.training import without_tensorflow


def initial_weights(between) -> list[np.ndarray]:
    """A small model's initial weights, seeded and built in a thread of its own (as the client's
    trainer, or a Dask worker's task thread), with ``between()`` run by this thread (as Dask's
    event loop) after the seeding and before the build."""
    seeded, go, out = threading.Event(), threading.Event(), []

    def build():
        without_tensorflow.set_random_seed(7)
        seeded.set()
        go.wait()
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dropout(0.5),
                                  keras.layers.Dense(2)])
        out.extend(np.asarray(v) for v in model.weights)

    thread = threading.Thread(target=build)
    thread.start()
    seeded.wait()
    between()
    go.set()
    thread.join()
    return out


def size_a_task():
    """What a Dask worker's event loop does with a task's data: dask.sizeof samples a long list."""
    sizeof([{"key": f"t{i}", "point": {"seed": i}} for i in range(50)])


@pytest.fixture
def global_random_for_dask(monkeypatch):
    """Dask's modules as they are before the suite touches them (another test may have run first)."""
    for name in tasks.DASK_DRAWING:
        module = pytest.importorskip(name)
        monkeypatch.setattr(module, "random", random)


def test_dasks_draws_in_another_thread_changed_a_trials_initial_weights(global_random_for_dask):
    """The fault itself (51 of 990 cross_validation trials differed between two identical --workers 2
    runs): without the fix a sizing in between changes the weights."""
    alone, disturbed = initial_weights(lambda: None), initial_weights(size_a_task)
    assert not all((a == b).all() for a, b in zip(alone, disturbed, strict=True))


def test_dasks_draws_in_another_thread_leave_a_trials_initial_weights_alone(global_random_for_dask):
    tasks.keep_dask_off_the_global_random()
    tasks.keep_dask_off_the_global_random()  # idempotent
    alone, disturbed = initial_weights(lambda: None), initial_weights(size_a_task)
    assert all((a == b).all() for a, b in zip(alone, disturbed, strict=True))
