"""Executes a study plan through keras-tuner's oracle.

The trial store, not keras-tuner's project directory, is the source of truth for what is finished:
``StudyGridOracle`` hands out each grid point (axis values x seed) that has no finished record and
is not in flight, so a rerun resumes after a kill, retries failed trials, and never runs a finished
trial again (this also sidesteps keras-tuner 1.4.8's GridSearchOracle, which raises KeyError when a
killed search is resumed). This process holds the oracle and the store; trials train here or as
tasks on the workers of a Dask cluster (``suite.execution.dask_cluster``), each task carrying its
trials' full configs, and this process stores each record as it comes back: records have one writer.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import keras_tuner

from suite.training import checks, contract, train
from suite import console
from suite.data import datasets
from suite.execution import dispatch, tasks
from suite.training import population
from suite.execution import tuning
from suite.execution.trials import Progress, point_label, train_group, train_trial, validate_config
from suite.errors import UserError
from suite.store.trial_store import FINISHED, TrialStore
from suite.design import names
from suite.design.study import Plan, Trial

OBJECTIVE = keras_tuner.Objective("dev_accuracy", direction="max")


class StudyGridOracle(keras_tuner.Oracle):
    """Enumerates a fixed list of points, skipping those finished in the store or in flight
    (``is_taken``)."""

    def __init__(self, points: list[dict], is_taken, **kwargs):
        hyperparameters = keras_tuner.HyperParameters()
        for name in points[0]:
            hyperparameters.Choice(name, sorted({point[name] for point in points}, key=str))
        super().__init__(objective=OBJECTIVE, hyperparameters=hyperparameters,
                         max_consecutive_failed_trials=len(points) + 1, **kwargs)
        self.points, self.is_taken = points, is_taken
        self._last_config: dict = {}  # tuner id -> the configuration it was handed last

    @keras_tuner.synchronized
    def create_trial(self, tuner_id):
        self._asking = tuner_id  # populate_space, called from here, learns who asks
        return super().create_trial(tuner_id)

    def populate_space(self, trial_id):
        handed_out = {self._compute_values_hash(t.hyperparameters.values) for t in self.trials.values()}
        waiting = [point for point in self.points
                   if self._compute_values_hash(point) not in handed_out and not self.is_taken(point)]
        if not waiting:
            return {"status": keras_tuner.engine.trial.TrialStatus.STOPPED, "values": None}
        # Keep each tuner id on one configuration while it has seeds left, and others off it: in
        # this process the seeds after the first reuse the compiled model instead of compiling theirs.
        asking = getattr(self, "_asking", None)
        last = self._last_config.get(asking)
        busy = {config for tuner, config in self._last_config.items() if tuner != asking}
        point = (next((p for p in waiting if _config_of(p) == last), None)
                 or next((p for p in waiting if _config_of(p) not in busy), waiting[0]))
        self._last_config[asking] = _config_of(point)
        return {"status": keras_tuner.engine.trial.TrialStatus.RUNNING, "values": dict(point)}


def _config_of(point: dict) -> tuple:
    return tuple((k, str(v)) for k, v in point.items() if k != "seed")


def validate(plan: Plan) -> None:
    """Fail fast, before any training, on names no registry knows, options no entry declares or
    data that cannot be had."""
    for trial in plan.trials:  # each names its record's file: refused here, before a directory is made
        names.file_stem(trial.key)
    distinct = {json.dumps({k: v for k, v in t.config.items() if k != "seed"}, sort_keys=True): t.config
                for t in plan.trials}
    for config in distinct.values():
        validate_config(config)
    contract.check_model_reads(plan)
    for name in sorted({trial.config["dataset"] for trial in plan.trials}):
        splits = datasets.load(name)
        for config in distinct.values():
            if config["dataset"] == name:
                checks.check_data(config, splits)
        contract.check_logits([t for t in plan.trials if t.config["dataset"] == name], splits.input_shape, splits.num_classes,
                              lambda builder, config: train.model_arguments(builder, config, len(splits.y_train)))


def make_oracle(plan: Plan, store: TrialStore, is_taken) -> StudyGridOracle:
    oracle = StudyGridOracle([t.point for t in plan.trials], is_taken)
    oracle._set_project_dir(tuning.scratch(store.root), "client")  # keras-tuner's bookkeeping
    oracle.verbose = 0  # the suite prints its own progress lines
    return oracle


def store_for(plan: Plan, runs_dir: Path) -> TrialStore:
    return TrialStore(names.study_dir(runs_dir, plan.study.name, plan.profile))


def run_plan(plan: Plan, store: TrialStore, fresh: bool = False, fast: bool = True, pool=None,
             on_model=None, population_size: int | None = 1) -> Counter:
    """Run every unfinished trial of ``plan``; return the count of trials by stored status.

    ``pool``: a Dask cluster's (``suite.execution.dask_cluster.connect``); None trains here.
    ``on_model(record, model)``: see ``run_trial`` (trials trained in this process only).
    ``population_size``: trials trained together as one population (``suite.training.population``) at
    most; None chooses it (``population.default_size``, what ``suite run`` does), 1 (the
    default here) trains one trial at a time.
    """
    validate(plan)
    tuning.sweep(store.root)  # what killed processes left in the store
    if fresh:
        for trial in plan.trials:
            store.path(trial.key).unlink(missing_ok=True)
    stored = Counter(record["status"] for record in store.load(t.key for t in plan.trials))
    finished = sum(stored[status] for status in FINISHED)
    console.say(f"[{plan.study.name}] profile {plan.profile}: {console.plural(len(plan.trials), 'trial')}: "
                f"{finished} finished earlier, {stored['failed']} failed earlier (retried), "
                f"{len(plan.trials) - finished - stored['failed']} to run; store {store.root}"
                + (f"; Dask cluster at {pool.address}" if pool is not None else ""))
    if finished < len(plan.trials):
        _work(plan, store, fast, pool, on_model, population_size, finished)
    return Counter(record["status"] for record in store.load(t.key for t in plan.trials))


def _work(plan: Plan, store: TrialStore, fast: bool, pool, on_model, population_size: int | None,
          finished: int) -> None:
    """Hand the oracle's trials to ``pool`` (or train them here) until none is left; store each
    record as it comes back."""
    by_point = {_point_id(trial.point): trial for trial in plan.trials}
    in_flight: set[str] = set()
    stored_now: set[str] = set()
    progress = Progress(f"[{plan.study.name}]", len(plan.trials), lambda: finished + len(stored_now))
    meta = {"study": plan.study.name, "profile": plan.profile, "overrides": plan.overrides}
    companions = _population_finder(plan, store, fast, on_model is not None, population_size, progress.prefix,
                                    in_flight)
    here = pool is None
    options = {"fast": fast, "evaluate_test": True, "population": True, "prefix": progress.prefix,
               "fingerprint": getattr(pool, "mine", None), "env": tasks.task_env()}

    def train_here(members: list[Trial]) -> list[dict]:
        if len(members) > 1:
            return train_group(members, meta, fast, progress, "local")
        return [train_trial(members[0], meta, fast, progress, "local", keep_model=on_model is not None)]

    def start(oracle_trial):
        trial = by_point[_point_id(oracle_trial.hyperparameters.values)]
        members = companions(trial)
        in_flight.update(member.key for member in members)
        label = point_label(trial.point)
        if here:
            return "task", train_here, (members,), trial.key, label
        payload = [{"key": m.key, "point": m.point, "config": m.config} for m in members]
        return "task", tasks.train_task, (payload, meta, options), trial.key, label

    def finish(oracle_trial, records: list[dict]) -> dict | None:
        own = by_point[_point_id(oracle_trial.hyperparameters.values)].key
        for record in records:
            model = record.pop("model", None)
            store.put(record)
            in_flight.discard(record["key"])
            if record["status"] in FINISHED:
                stored_now.add(record["key"])
            if model is not None:
                on_model(record, model)
            progress.trial_end(point_label(record["point"]), record)
        mine = next(record for record in records if record["key"] == own)
        if mine["status"] == "failed":
            return None
        return {OBJECTIVE.name: mine["metrics"].get("best_dev_accuracy", 0.0)}

    def is_taken(point: dict) -> bool:
        key = by_point[_point_id(point)].key
        return key in in_flight or store.is_finished(key)

    dispatch.drive(make_oracle(plan, store, is_taken), pool or dispatch.InProcess(), start, finish)


def _population_finder(plan: Plan, store: TrialStore, fast: bool, keep_models: bool, size: int | None,
                       prefix: str, in_flight: set[str]):
    """``companions(trial)``: the trial and up to size - 1 unfinished trials of the plan that can
    share its population (same ``population.group_key``, not finished, not in flight), or just
    ``[trial]``. Says once why populations are off when a trial cannot join one."""
    size = population.default_size(len(plan.trials)) if size is None else size
    groups: dict[str, list[Trial]] = {}
    said: set[str] = set()
    if size > 1:
        for trial in plan.trials:
            groups.setdefault(population.group_key(trial.config), []).append(trial)

    def companions(trial: Trial) -> list[Trial]:
        if size <= 1:
            return [trial]
        reason = population.unsupported(trial.config, fast, keep_models)
        if reason:
            if reason not in said:
                said.add(reason)
                console.say(f"{prefix} population training off: {reason}; those trials train one at a time")
            return [trial]
        others = [other for other in groups[population.group_key(trial.config)]
                  if other is not trial and other.key not in in_flight and not store.is_finished(other.key)]
        return [trial, *others[:size - 1]]

    return companions


def _point_id(point: dict) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in point.items()))


def stored_records(plan: Plan, store: TrialStore) -> list[dict]:
    records = store.load_trials(plan.trials)  # a record whose point is not its trial's is damaged
    if not records:
        others = len(list(store.trials_dir.glob("*.json")))
        if others:  # another selection's (its --set, --seeds or --dataset): the key names the config
            raise UserError(f"no stored trials of this selection of study '{plan.study.name}' (profile "
                            f"{plan.profile}) in {store.root}, which holds {others} of other selections; give the "
                            f"same overrides, seeds and dataset as the run that stored them")
        raise UserError(f"no stored trials for study '{plan.study.name}' (profile {plan.profile}) in "
                        f"{store.root}; run `suite run {plan.study.name} --profile {plan.profile}` (with the "
                        f"same runs directory) first")
    return records
