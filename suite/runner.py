"""Executes a study plan through keras-tuner's oracle/tuner machinery.

The trial store, not keras-tuner's project directory, is the source of truth for what is finished:
``StudyGridOracle`` hands out each grid point (axis values x seed) that has no finished record,
so a rerun resumes after a kill, retries failed trials, and never runs a finished trial again.
This also sidesteps keras-tuner 1.4.8's GridSearchOracle, which raises KeyError when a killed
search is resumed. Parallel and multi-machine execution reuse keras-tuner's chief/worker mode.
"""
from __future__ import annotations

import datetime as dt
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

import keras_tuner
from keras_tuner.src.engine import base_tuner

from suite import datasets, models, optim, train
from suite.errors import UserError, lookup
from suite.provenance import environment
from suite.store import TrialStore
from suite.study import Plan

OBJECTIVE = keras_tuner.Objective("dev_accuracy", direction="max")


class StudyGridOracle(keras_tuner.Oracle):
    """Enumerates a fixed list of points, skipping those the store already holds as finished."""

    def __init__(self, points: list[dict], is_finished, **kwargs):
        hyperparameters = keras_tuner.HyperParameters()
        for name in points[0]:
            hyperparameters.Choice(name, sorted({point[name] for point in points}, key=str))
        super().__init__(objective=OBJECTIVE, hyperparameters=hyperparameters,
                         max_consecutive_failed_trials=len(points) + 1, **kwargs)
        self.points = points
        self.is_finished = is_finished

    def populate_space(self, trial_id):
        handed_out = {self._compute_values_hash(t.hyperparameters.values) for t in self.trials.values()}
        for point in self.points:
            if self._compute_values_hash(point) not in handed_out and not self.is_finished(point):
                return {"status": keras_tuner.engine.trial.TrialStatus.RUNNING, "values": dict(point)}
        return {"status": keras_tuner.engine.trial.TrialStatus.STOPPED, "values": None}


class StudyTuner(base_tuner.BaseTuner):
    """Runs one grid point per keras-tuner trial and stores its record."""

    def __init__(self, oracle, execute, **kwargs):
        super().__init__(oracle=oracle, **kwargs)
        self.execute = execute

    def run_trial(self, trial, *args, **kwargs):
        record = self.execute(trial.hyperparameters.values, self.tuner_id)
        if record["status"] == "failed":
            raise keras_tuner.errors.FailedTrialError(record["error"])
        return {OBJECTIVE.name: record["metrics"].get("best_dev_accuracy", 0.0)}

    def save_model(self, trial_id, model, step=0):
        """Models are not kept: the trial record holds everything the reports need."""

    def load_model(self, trial):
        return None


def validate(plan: Plan) -> None:
    """Fail fast, before any training, on names no registry knows or data that cannot be had."""
    for trial in plan.trials:
        config = trial.config
        lookup(models.MODELS, config["model"], "model")
        lookup(models.ACTIVATIONS, config["activation"], "activation")
        for key in ("kernel_initializer", "bias_initializer"):
            lookup(models.INITIALIZERS, config[key], "initializer")
        lookup(optim.OPTIMIZERS, config["optimizer"], "optimizer")
        lookup(models.OUTPUT_LOSSES, config["output_activation"], "output activation")
        lookup(datasets.TRANSFORMS, config["input_transform"], "input transform")
        lookup(train.KEEP_WEIGHTS, config["keep_weights"], "keep_weights")
        # Schedule options and model keys are checked by resolving them once, with dummy sizes.
        optim.build_schedule(config["lr_schedule"], config["learning_rate"], 1, config["epochs"],
                             config["lr_schedule_options"])
        train.model_arguments(models.MODELS[config["model"]], config, 1)
    for name in sorted({trial.config["dataset"] for trial in plan.trials}):
        datasets.load(name)


class Progress:
    """Human-readable progress on stderr: trial k of n, epoch metrics, elapsed and remaining."""

    def __init__(self, plan: Plan, already_done: int, stream=None):
        # sys.stderr is looked up per run, not bound at import: it may have been replaced since.
        self.plan, self.stream = plan, stream or sys.stderr
        self.total, self.done_before = len(plan.trials), already_done
        self.started, self.finished_now = time.perf_counter(), 0
        self.live = self.stream.isatty()

    def _eta(self) -> str:
        elapsed = time.perf_counter() - self.started
        left = self.total - self.done_before - self.finished_now
        remaining = elapsed / self.finished_now * left if self.finished_now else float("nan")
        return f"elapsed {_clock(elapsed)}, remaining ~{_clock(remaining)}"

    def epoch(self, label: str, epochs: int, row: dict) -> None:
        if self.live:
            self.stream.write(f"\r  {label} epoch {row['epoch']}/{epochs} loss {row['loss']:.4f} "
                              f"acc {row['accuracy']:.4f} dev {row['dev_accuracy']:.4f}   ")
            self.stream.flush()

    def trial_end(self, label: str, record: dict) -> None:
        self.finished_now += 1
        position = self.done_before + self.finished_now
        metric = record["metrics"].get("test_accuracy")
        result = f"test_accuracy {metric:.4f}" if metric is not None else record["status"]
        self.stream.write(f"{chr(13) if self.live else ''}[{self.plan.study.name}] trial "
                          f"{position}/{self.total} {label}: {result} ({record['wall_time_s']:.1f}s; "
                          f"{self._eta()})\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    if seconds != seconds:
        return "?"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m{secs:02d}s"


def run_plan(plan: Plan, runs_dir: Path, fresh: bool = False, fast: bool = True) -> Counter:
    """Run every unfinished trial of ``plan``; return the count of trials by stored status."""
    validate(plan)
    store = TrialStore(runs_dir / plan.study.name / plan.profile)
    if fresh:
        for trial in plan.trials:
            store.path(trial.key).unlink(missing_ok=True)
    by_point = {_point_id(trial.point): trial for trial in plan.trials}
    finished = sum(store.is_finished(trial.key) for trial in plan.trials)
    print(f"[{plan.study.name}] profile {plan.profile}: {len(plan.trials)} trials, {finished} already "
          f"stored in {store.root}", file=sys.stderr)
    progress = Progress(plan, finished)

    def execute(point: dict, worker: str) -> dict:
        trial = by_point[_point_id(point)]
        label = ", ".join(f"{k}={v}" for k, v in trial.point.items())
        started_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        try:
            outcome = train.train(trial.config, fast=fast,
                                  progress=lambda row: progress.epoch(label, trial.config["epochs"], row))
        except Exception as exc:  # one broken trial must not end the study
            outcome = {"status": "failed", "history": [], "metrics": {}, "wall_time_s": 0.0,
                       "error": f"{type(exc).__name__}: {exc}",
                       "traceback": traceback.format_exc(limit=5)}
        record = {"key": trial.key, "study": plan.study.name, "profile": plan.profile,
                  "point": trial.point, "seed": trial.config["seed"], "config": trial.config,
                  "overrides": plan.overrides, "started_at": started_at, "worker": worker,
                  "fast_path": fast, "environment": environment(), "error": None, **outcome}
        store.put(record)
        progress.trial_end(label, record)
        return record

    if finished < len(plan.trials):
        oracle = StudyGridOracle([t.point for t in plan.trials],
                                 lambda point: store.is_finished(by_point[_point_id(point)].key))
        tuner = StudyTuner(oracle, execute, directory=str(store.root), project_name="tuner",
                           overwrite=True)
        tuner.search(verbose=0)
    return Counter(record["status"] for record in store.load(t.key for t in plan.trials))


def _point_id(point: dict) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in point.items()))


def stored_records(plan: Plan, runs_dir: Path) -> list[dict]:
    records = TrialStore(runs_dir / plan.study.name / plan.profile).load(t.key for t in plan.trials)
    if not records:
        raise UserError(f"no stored trials for study '{plan.study.name}' (profile {plan.profile}) in "
                        f"{runs_dir}; run `suite run {plan.study.name}` first")
    return records
