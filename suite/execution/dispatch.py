"""The client's loop: keras-tuner's oracle hands out trials, each becomes a task, each result ends
its trial in the oracle. One loop for this process alone (``InProcess``: each task runs here, at
once) and for a Dask cluster (``suite.execution.dask_cluster.Pool``: tasks in flight on workers,
one tuner id per task in flight, as keras-tuner's chief gives each worker its own).
"""
from __future__ import annotations

import time

from keras_tuner.src.engine import trial as trial_module

from suite import interrupt

RUNNING, IDLE, STOPPED = (trial_module.TrialStatus.RUNNING, trial_module.TrialStatus.IDLE,
                          trial_module.TrialStatus.STOPPED)


class InProcess:
    """Runs each task in this process when it is submitted; one in flight."""

    slots = 1

    def submit(self, function, *args, key: str, label: str):
        return _Done(function(*args))

    def next_done(self, handles) -> tuple:
        handle = next(iter(handles))
        return handle, handle.result


class _Done:
    def __init__(self, result):
        self.result = result


def drive(oracle, pool, start, finish) -> int:
    """Ask ``oracle`` for trials until it stops, keeping ``pool.slots`` tasks in flight.

    ``start(trial)`` returns ("stored", result) for a trial whose result the store holds already
    (replayed, not trained) or ("task", function, args, key, label) to submit; ``finish(trial,
    result)`` stores what came back and returns the objective's metrics for the oracle (None: a
    failed trial). Returns how many trials the oracle handed out."""
    in_flight: dict = {}
    idle: list[str] = []
    handed, stopped, serial = 0, False, 0
    while True:
        interrupt.check()
        while not stopped and len(in_flight) < pool.slots:
            if not idle:
                serial += 1
                idle.append(f"worker{serial - 1}")
            tuner_id = idle.pop(0)
            trial = oracle.create_trial(tuner_id)
            if trial.status == STOPPED:
                stopped = True
                break
            if trial.status != RUNNING:  # IDLE: the oracle waits for results in flight
                idle.insert(0, tuner_id)
                if not in_flight:
                    time.sleep(0.05)
                    continue
                break
            handed += 1
            started = start(trial)
            if started[0] == "stored":
                end(oracle, trial, finish(trial, started[1]))
                idle.insert(0, tuner_id)
                continue
            _, function, args, key, label = started
            in_flight[pool.submit(function, *args, key=key, label=label)] = (tuner_id, trial)
        if not in_flight:
            return handed
        handle, result = pool.next_done(in_flight)
        tuner_id, trial = in_flight.pop(handle)
        idle.append(tuner_id)
        end(oracle, trial, finish(trial, result))


def end(oracle, trial, metrics: dict | None) -> None:
    """End ``trial`` in the oracle as keras-tuner's own tuner loop does."""
    if metrics is None:
        trial.status = trial_module.TrialStatus.FAILED
    else:
        oracle.update_trial(trial.trial_id, metrics)
        trial.status = trial_module.TrialStatus.COMPLETED
    oracle.end_trial(trial)
