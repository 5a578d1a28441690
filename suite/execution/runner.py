"""Executes a study plan through keras-tuner's oracle/tuner machinery.

The trial store, not keras-tuner's project directory, is the source of truth for what is finished:
``StudyGridOracle`` hands out each grid point (axis values x seed) that has no finished record,
so a rerun resumes after a kill, retries failed trials, and never runs a finished trial again.
This also sidesteps keras-tuner 1.4.8's GridSearchOracle, which raises KeyError when a killed
search is resumed. Parallel and multi-machine execution reuse keras-tuner's chief/worker mode.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import keras_tuner
from keras_tuner.src.engine import base_tuner

from suite.training import checks, contract, train
from suite.execution import cluster
from suite import console
from suite.data import datasets
from suite import interrupt
from suite.execution import parallel
from suite.training import population
from suite.execution import tuning
from suite.execution.trials import Progress, run_population, run_trial, validate_config
from suite.errors import GaveUp, UserError
from suite.store.trial_store import FINISHED, TrialStore
from suite.design import names
from suite.design.study import Plan, Trial

OBJECTIVE = keras_tuner.Objective("dev_accuracy", direction="max")


class StudyGridOracle(keras_tuner.Oracle):
    """Enumerates a fixed list of points, skipping those the store already holds as finished."""

    def __init__(self, points: list[dict], is_finished, is_claimed=lambda point: False,
                 holder=lambda point: "", **kwargs):
        hyperparameters = keras_tuner.HyperParameters()
        for name in points[0]:
            hyperparameters.Choice(name, sorted({point[name] for point in points}, key=str))
        super().__init__(objective=OBJECTIVE, hyperparameters=hyperparameters,
                         max_consecutive_failed_trials=len(points) + 1, **kwargs)
        self.points = points
        self.is_finished, self.is_claimed, self.holder = is_finished, is_claimed, holder
        self.served = False  # set when served over gRPC: then workers, not this process, wait
        self.foreign = cluster.ForeignWait()  # bounded by --wait-seconds, whatever the leases
        self.gave_up: GaveUp | None = None  # served: the workers hear "stop", the server raises this
        self._last_config: dict = {}  # tuner id -> the configuration it was handed last

    @keras_tuner.synchronized
    def create_trial(self, tuner_id):
        self._asking = tuner_id  # populate_space, called from here, learns who asks
        return super().create_trial(tuner_id)

    def populate_space(self, trial_id):
        handed_out = {self._compute_values_hash(t.hyperparameters.values) for t in self.trials.values()}
        unfinished = [point for point in self.points
                      if self._compute_values_hash(point) not in handed_out and not self.is_finished(point)]
        waiting = [point for point in unfinished if not self.is_claimed(point)]
        if not waiting:
            if unfinished:  # leased by a process of another run: wait for it to store or expire
                self.gave_up = self.gave_up or self.foreign.check(len(unfinished), self.holder(unfinished[0]))
                if self.gave_up and not self.served:
                    raise self.gave_up
                if not self.gave_up:
                    if not self.served:  # a local oracle: keras-tuner asks again at once
                        time.sleep(1.0)
                    return {"status": keras_tuner.engine.trial.TrialStatus.IDLE, "values": None}
            return {"status": keras_tuner.engine.trial.TrialStatus.STOPPED, "values": None}
        self.foreign.reset()
        # Keep each worker on one configuration while it has seeds left, and others off it: the
        # seeds after the first reuse that worker's compiled model instead of compiling their own.
        asking = getattr(self, "_asking", None)
        last = self._last_config.get(asking)
        busy = {config for tuner, config in self._last_config.items() if tuner != asking}
        point = (next((p for p in waiting if _config_of(p) == last), None)
                 or next((p for p in waiting if _config_of(p) not in busy), waiting[0]))
        self._last_config[asking] = _config_of(point)
        return {"status": keras_tuner.engine.trial.TrialStatus.RUNNING, "values": dict(point)}


def _config_of(point: dict) -> tuple:
    return tuple((k, str(v)) for k, v in point.items() if k != "seed")


class StudyTuner(base_tuner.BaseTuner):
    """Runs one grid point per keras-tuner trial and stores its record."""

    def __init__(self, oracle, execute, **kwargs):
        super().__init__(oracle=oracle, **kwargs)
        self.execute = execute

    def run_trial(self, trial, *args, **kwargs):
        try:
            record = self.execute(trial.hyperparameters.values, self.tuner_id)
        except (UserError, GaveUp, OSError) as exc:  # a full disk too: not a failed trial
            raise cluster.Fatal(exc) from None
        if record["status"] == "failed":
            raise keras_tuner.errors.FailedTrialError(record["error"])
        return {OBJECTIVE.name: record["metrics"].get("best_dev_accuracy", 0.0)}

    def save_model(self, trial_id, model, step=0):
        """Models are not kept: the trial record holds everything the reports need."""

    def load_model(self, trial):
        return None


def validate(plan: Plan) -> None:
    """Fail fast, before any training, on names no registry knows, options no entry declares or
    data that cannot be had."""
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


def make_oracle(plan: Plan, store: TrialStore) -> StudyGridOracle:
    by_point = {_point_id(trial.point): trial for trial in plan.trials}

    def holder(point: dict) -> str:
        claim = store.inspect_claim(by_point[_point_id(point)].key)
        return (f"e.g. {claim.describe()}, lease until {claim.expires_in():.0f} s from now"
                if claim is not None and claim.owner else "its claim was released since")

    oracle = StudyGridOracle([t.point for t in plan.trials],
                             lambda point: store.is_finished(by_point[_point_id(point)].key),
                             lambda point: store.claimed_elsewhere(by_point[_point_id(point)].key), holder)
    oracle._set_project_dir(tuning.scratch(store.root), "chief")  # what a served oracle saves into
    oracle.verbose = 0  # the workers print the suite's own progress lines
    return oracle


def store_for(plan: Plan, runs_dir: Path) -> TrialStore:
    return TrialStore(names.study_dir(runs_dir, plan.study.name, plan.profile))


def run_plan(plan: Plan, store: TrialStore, fresh: bool = False, fast: bool = True, workers: int = 1,
             worker_argv: list[str] | None = None, started=None, on_model=None,
             population_size: int | None = 1) -> Counter:
    """Run every unfinished trial of ``plan``; return the count of trials by stored status.

    With ``workers`` > 1 this process serves the oracle and works as worker0; ``worker_argv``
    starts the others, unless ``started`` = (port, processes) holds them already started.
    When KERASTUNER_* variables name a chief elsewhere, this process is one of its workers.
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
    check_claims(plan, store)
    stored = Counter(record["status"] for record in store.load(t.key for t in plan.trials))
    finished = sum(stored[status] for status in FINISHED)
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "")
    if not tuner_id:
        console.say(f"[{plan.study.name}] profile {plan.profile}: {console.plural(len(plan.trials), 'trial')}: "
                    f"{finished} finished earlier, {stored['failed']} failed earlier (retried), "
                    f"{len(plan.trials) - finished - stored['failed']} to run; store {store.root}"
                    + (f"; {workers} workers" if workers > 1 else ""))
    elif finished == len(plan.trials):
        console.say(f"[{plan.study.name} {tuner_id}] all {finished} trials already stored in {store.root}; "
                    f"nothing to do")
    if finished < len(plan.trials):
        if workers > 1:
            oracle = make_oracle(plan, store)
            serve_workers(oracle, workers, worker_argv,
                          work_here=lambda: _work(plan, store, fast, "worker0", oracle,
                                                  population_size=population_size), started=started)
            if oracle.gave_up:
                raise oracle.gave_up
        else:
            _work(plan, store, fast, tuner_id, on_model=on_model, population_size=population_size)
    store.drop_stale_claims()
    return Counter(record["status"] for record in store.load(t.key for t in plan.trials))


def serve_workers(oracle, workers: int, worker_argv: list[str], work_here=None, started=None) -> None:
    """Serve ``oracle`` to ``workers`` local workers. With ``work_here``, this process is worker0
    (pinned to its CPU share) and only the others are started (or were, ``started``)."""
    port, processes = started or (parallel.free_port(), None)
    server, servicer = parallel.serve(oracle, "127.0.0.1", port)
    first = 1 if work_here else 0
    try:
        if processes is None:
            processes = parallel.start(worker_argv, workers, "127.0.0.1", port, first=first)
        try:
            if work_here:
                cpus = parallel.pin_to_share(0, workers)
                try:
                    work_here()
                finally:
                    os.sched_setaffinity(0, cpus)
            codes = [process.wait() for process in processes]
        except BaseException:
            parallel.stop(processes)
            raise
    finally:
        server.stop(grace=None)
    for index, code in enumerate(codes, start=first):
        # 1 = some trials failed, already reported by the worker; after a stop signal to this
        # process the workers' 130/143 are its own stop, which ``main`` reports in one line
        if interrupt.received():
            continue
        if code and f"worker{index}" not in servicer.askers:  # it never started (its error is above)
            print(f"suite: worker{index} exited with code {code} before it took a trial; the run went on "
                  f"without it (see its error above)", file=sys.stderr)
        elif code not in (0, 1):
            print(f"suite: worker{index} exited with code {code}; its trial in flight is not stored, "
                  f"rerun the same command to finish it", file=sys.stderr)


def check_claims(plan: Plan, store: TrialStore) -> None:
    """Before training anything: a claim path that is a directory or unreadable is a UserError
    (naming it and the fix), so such a run changes nothing."""
    for trial in plan.trials:
        store.inspect_claim(trial.key)


def serve_chief(plan: Plan, store: TrialStore, host: str, port: int) -> None:
    """Multi-machine mode: serve the oracle until every trial is stored; workers run elsewhere.

    Bounded (``suite.execution.cluster.Chief``): raises GaveUp when no worker asks or holds a lease for the
    wait bound; returns at once when every trial is stored already."""
    validate(plan)
    check_claims(plan, store)
    keys = [trial.key for trial in plan.trials]
    left = lambda: sum(not store.is_finished(key) for key in keys)  # noqa: E731
    label = f"[{plan.study.name} chief]"
    if not left():
        print(f"{label} all {len(keys)} trials already stored in {store.root}; nothing to hand out",
              file=sys.stderr)
        return
    oracle = make_oracle(plan, store)
    oracle.served = True
    server, servicer = parallel.serve(oracle, host, port)
    print(f"{label} serving {left()} of {len(keys)} trials on {host}:{port} (lease {store.lease_s:.0f} s)",
          file=sys.stderr)
    by_point = {_point_id(trial.point): trial.key for trial in plan.trials}
    try:
        cluster.Chief(label, oracle, servicer, store, lambda values: by_point[_point_id(values)],
                      lambda record: {OBJECTIVE.name: record["metrics"].get("best_dev_accuracy", 0.0)},
                      left, f"{host}:{port}").serve()
    finally:
        server.stop(grace=None)


def _work(plan: Plan, store: TrialStore, fast: bool, tuner_id: str, oracle=None, on_model=None,
          population_size: int | None = 1) -> None:
    """Train the oracle's trials until it has none left: its own oracle (one worker), the chief's
    over gRPC (a worker process), or ``oracle`` itself (the launcher working as worker0)."""
    by_point = {_point_id(trial.point): trial for trial in plan.trials}
    # Trial k of n counts what was finished before this run plus every record written since it
    # began (by any worker): a retried failed trial counts once, when it is written again.
    began = time.time()
    earlier = {trial.key for trial in plan.trials if store.is_finished(trial.key)}

    def written_since(path) -> bool:
        try:
            return path.stat().st_mtime >= began
        except OSError:
            return False

    progress = Progress(f"[{plan.study.name}{' ' + tuner_id if tuner_id else ''}]", len(plan.trials),
                        lambda: sum(t.key in earlier or written_since(store.path(t.key)) for t in plan.trials))
    meta = {"study": plan.study.name, "profile": plan.profile, "overrides": plan.overrides}

    companions = _population_finder(plan, store, fast, on_model is not None, population_size, progress.prefix)

    def execute(point: dict, worker: str) -> dict:
        trial = by_point[_point_id(point)]
        members = companions(trial)
        if len(members) > 1:
            record = run_population(members, meta, store, fast, progress, worker).get(trial.key)
            return record or {"status": "claimed", "metrics": {}}
        return run_trial(trial, meta, store, fast, progress, worker, on_model)

    def make_tuner():
        # Each process keeps keras-tuner's bookkeeping in its own folder: workers share ``store``.
        tuner = StudyTuner(oracle or make_oracle(plan, store), execute, directory=tuning.scratch(store.root),
                           project_name=tuner_id or "local", overwrite=True)
        tuner.tuner_id = tuner_id or tuner.tuner_id
        return tuner

    cluster.search_until_done(make_tuner, progress.prefix)


def _population_finder(plan: Plan, store: TrialStore, fast: bool, keep_models: bool, size: int | None,
                       prefix: str):
    """``companions(trial)``: the trial and up to size - 1 unfinished trials of the plan that can
    share its population (same ``population.group_key``, not held by another process), or just
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
                  if other is not trial and not store.is_finished(other.key) and not store.claimed_elsewhere(other.key)]
        return [trial, *others[:size - 1]]

    return companions


def _point_id(point: dict) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in point.items()))


def stored_records(plan: Plan, store: TrialStore) -> list[dict]:
    records = store.load_trials(plan.trials)  # a record whose point is not its trial's is damaged
    if not records:
        raise UserError(f"no stored trials for study '{plan.study.name}' (profile {plan.profile}) in "
                        f"{store.root}; run `suite run {plan.study.name}` first")
    return records
