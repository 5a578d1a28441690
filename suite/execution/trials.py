"""Executes trials: one at a time (``run_trial``) or as one population (``train_group``),
each stored as one record with its full config and provenance; progress lines on stderr.

``suite.execution.runner`` decides which trials run (the keras-tuner oracle over the plan); this module trains
them, in this process or in a Dask worker (``suite.execution.tasks``), and the client stores them. An
exception inside a trial is a failed record, never a crash of the study.
"""
from __future__ import annotations

import atexit
import datetime as dt
import os
import math
import socket
import sys
import time
import traceback

from suite.design import config as config_schema
from suite.training import checks
from suite import console
from suite.execution import mlflow_tracking, tracking
from suite import interrupt
from suite.training import population
from suite.training import train
from suite.store.provenance import environment
from suite.store.trial_store import FINISHED, TrialStore
from suite.design.study import Trial


def validate_config(config: dict) -> None:
    """One trial config against the schema, the registries' names and their declared options
    (a UserError naming the key and the allowed values); builds no model or schedule."""
    checks.check_trial(config_schema.validate(config))



class Progress:
    """Progress on stderr: trial k of n with its result, elapsed and remaining time. On a terminal,
    rich's progress bars (trials, and the epochs of the trial in flight) above those lines; else
    plain lines only, one per trial (what logs and the tests read)."""

    def __init__(self, prefix: str, total: int, count_stored=None, stream=None):
        """``count_stored()``: trials of the plan finished so far, this run's and earlier ones (a
        shared store counts other workers' too); None counts the trials this process handled."""
        self.prefix, self.total, self.handled = prefix, total, 0
        self.count_stored = count_stored or (lambda: self.handled)
        self.stream = stream or sys.stderr
        self.started, self.finished_now = time.perf_counter(), 0
        self.live = self.stream.isatty()
        self.bars = None  # rich's Progress, started at the first update on a terminal

    def _bars(self):
        if self.bars is None and self.live and not console.quiet():
            self.bars = console.progress_bars(self.stream)
            self.trials_bar = self.bars.add_task(f"{self.prefix} trials", total=self.total,
                                                 completed=min(self.count_stored(), self.total))
            self.epochs_bar = self.bars.add_task("", total=1, visible=False)
            self.bars.start()
            atexit.register(self.close)
        return self.bars

    def close(self) -> None:
        """Stop the bars (leaving their last state on the terminal); idempotent."""
        if self.bars is not None:
            self.bars.stop()
            self.bars = None

    def epoch(self, label: str, epochs: int, row: dict) -> None:
        tracking.epoch(self.prefix, label, row)
        mlflow_tracking.epoch(self.prefix, label, row)
        bars = self._bars()
        if bars is not None:
            # an epoch without a dev pass (validation_freq) shows no dev number
            dev = "--" if math.isnan(row["dev_accuracy"]) else f"{row['dev_accuracy']:.4f}"
            bars.update(self.epochs_bar, description=f"  {label}: loss {row['loss']:.4f} acc {row['accuracy']:.4f} "
                                                     f"dev {dev}", completed=row["epoch"], total=epochs, visible=True)

    def trial_end(self, label: str, record: dict, replayed: bool = False) -> None:
        self.finished_now += not replayed
        self.handled += 1
        if not replayed:
            tracking.trial_end(self.prefix, label, record)
            mlflow_tracking.trial_end(self.prefix, label, record)
        if console.quiet():
            return
        stored = self.count_stored()  # other workers finish trials too: ask the shared store
        elapsed = time.perf_counter() - self.started
        remaining = elapsed / max(self.finished_now, 1) * max(self.total - stored, 0)
        metrics = record["metrics"]
        result = record["status"] if "best_dev_accuracy" not in metrics else (
            f"dev {console.percent(metrics['best_dev_accuracy'])}"
            + (f" test {console.percent(metrics['test_accuracy'])}" if "test_accuracy" in metrics else ""))
        timing = "stored earlier" if replayed else f"{record['wall_time_s']:.1f}s"
        line = (f"{self.prefix} trial {stored}/{self.total} {label}: {result} ({timing}; elapsed {_clock(elapsed)}, "
                f"remaining ~{_clock(remaining)})")
        bars = self._bars()
        if bars is None:
            self.stream.write(line + "\n")
            self.stream.flush()
            return
        bars.console.print(line, markup=False, highlight=False)
        bars.update(self.trials_bar, completed=min(stored, self.total))
        bars.update(self.epochs_bar, visible=False)
        if stored >= self.total:
            self.close()


def train_trial(trial: Trial, meta: dict, fast: bool, progress: Progress, worker: str,
                keep_model: bool = False, evaluate_test: bool = True) -> dict:
    """Train one trial; returns its record, not stored (with ``model`` when ``keep_model``). An
    exception inside is a failed record, not a crash. ``evaluate_test=False`` for trials selected
    on the dev split (searches): the test split stays unseen."""
    interrupt.check()  # between trials: a stop swallowed during the last one ends the run here
    label = point_label(trial.point)
    started_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    try:
        validate_config(trial.config)
        outcome = train.train(trial.config, fast=fast, keep_model=keep_model, evaluate_test=evaluate_test,
                              progress=lambda row: progress.epoch(label, trial.config["epochs"], row))
    except Exception as exc:  # one broken trial must not end the study
        interrupt.check()  # a stop that a library turned into another exception is no failure
        outcome = {"status": "failed", "history": [], "metrics": {}, "wall_time_s": 0.0,
                   "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(limit=5)}
    return _record(trial, meta, outcome, started_at, worker, fast)


def run_trial(trial: Trial, meta: dict, store: TrialStore, fast: bool, progress: Progress,
              worker: str, on_model=None, evaluate_test: bool = True) -> dict:
    """Train one trial in this process and store its record (the stored one when it is finished
    already). ``on_model(record, model)`` receives the trained model (the caller saves what it wants)."""
    finished = store.get(trial.key)
    if finished is not None and finished["status"] in FINISHED:
        return finished
    record = train_trial(trial, meta, fast, progress, worker, on_model is not None, evaluate_test)
    model = record.pop("model", None)
    store.put(record)
    if model is not None:
        on_model(record, model)
    progress.trial_end(point_label(trial.point), record)
    return record


def _record(trial: Trial, meta: dict, outcome: dict, started_at: str, worker: str, fast: bool) -> dict:
    return {"key": trial.key, **meta, "point": trial.point, "seed": trial.config["seed"],
            "config": trial.config, "started_at": started_at,
            "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds"),
            "worker": worker, "process": {"host": socket.gethostname(), "pid": os.getpid(), "worker": worker},
            "fast_path": fast, "environment": environment(), "error": None,
            **outcome}


def train_group(trials: list[Trial], meta: dict, fast: bool, progress: Progress, worker: str,
                evaluate_test: bool = True) -> list[dict]:
    """Train ``trials`` as one population (``suite.training.population``); their records, not stored.
    If the population itself fails (not a member's divergence), its trials train one at a time."""
    interrupt.check()
    started_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    labels = [point_label(trial.point) for trial in trials]
    try:
        for trial in trials:
            validate_config(trial.config)
        outcomes = population.train_population(
            [trial.config for trial in trials], evaluate_test=evaluate_test,
            progress=lambda member, row: progress.epoch(labels[member], trials[member].config["epochs"], row))
    except Exception as exc:  # noqa: BLE001 - the trials still run, one at a time
        interrupt.check()
        console.say(f"{progress.prefix} population of {len(trials)} failed ({type(exc).__name__}: {exc}); "
                    f"its trials run one at a time")
        return [train_trial(trial, meta, fast, progress, worker, evaluate_test=evaluate_test) for trial in trials]
    return [_record(trial, meta, outcome, started_at, worker, fast) for trial, outcome in zip(trials, outcomes)]


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m{secs:02d}s"



def point_label(point: dict) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in point.items())
