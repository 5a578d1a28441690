"""``suite search``: a keras-tuner search over a study's space, then the best config over seeds."""
from __future__ import annotations

import dataclasses

from suite.analysis import frames as analysis
from suite import console
from suite.execution import dispatch, tasks
from suite.execution import trials as execution
from suite.data import folds
from suite.execution import runner
from suite.execution import tuning
from suite.errors import UserError
from suite.store.trial_store import FINISHED, TrialStore
from suite.design import names
from suite.design.study import Plan, Trial, trial_key


def stores(plan: Plan, runs_dir, tuner: str) -> tuple[TrialStore, TrialStore]:
    """Where the search's trials and the best config's re-runs are kept."""
    root = names.study_dir(runs_dir, plan.study.name, plan.profile) / names.component(f"search-{tuner}", "tuner")
    return TrialStore(root), TrialStore(root / "best")


def search_space(plan: Plan) -> dict:
    """The study's search space; a UserError for a study without one."""
    if not plan.study.search:
        raise UserError(f"study '{plan.study.name}' declares no search space; "
                        f"choose a study with one (see `suite list`)")
    return plan.study.search


def run_search(plan: Plan, store: TrialStore, tuner: str, max_trials: int, objective: str,
               fast: bool = True, pool=None, max_epochs: int | None = None, factor: int = 3) -> int:
    """Run (or resume) the search: keras-tuner's oracle in this process hands out trials, each
    trains here or as a task on ``pool`` (a Dask cluster's), and its record is stored here as it
    comes back; a trial the store holds already is replayed, not trained. ``max_epochs`` (default:
    the plan's epochs) and ``factor`` shape Hyperband's rounds. Returns how many trials ran."""
    space = search_space(plan)
    runner.validate(plan)
    store.check_all()  # a damaged record ends the search here, not as a failed trial inside it
    base = {**plan.trials[0].config, "seed": tuning.SEARCH_SEED}
    oracle = tuning.build_oracle(tuner, space, objective, max_trials, max_epochs or base["epochs"], factor)
    oracle._set_project_dir(tuning.scratch(store.root), "client")
    # As keras-tuner's own tuners do: building one on the oracle declares the search space in it
    # (conditional scopes included).
    tuning.SearchTuner(oracle, space, execute=None, directory=tuning.scratch(store.root),
                       project_name="client", overwrite=True)
    # Counts the trials this process handled, replayed ones included: a resumed search counts
    # 1, 2, ... again instead of showing the store's total for every replayed trial.
    per_trial = base["cv_folds"] if base["cv_folds"] >= 2 else 1  # k-fold: one stored trial per fold
    progress = execution.Progress(f"[{plan.study.name} {tuner} search]", max_trials * per_trial)
    meta = {"study": plan.study.name, "profile": plan.profile, "overrides": plan.overrides,
            "search": {"tuner": tuner, "objective": objective}}
    options = {"fast": fast, "evaluate_test": False, "population": False, "prefix": progress.prefix,
               "fingerprint": getattr(pool, "mine", None), "env": tasks.task_env()}

    submitted: set[str] = set()

    def fold_trials(oracle_trial) -> list[Trial]:
        trial = _trial_of(base, oracle_trial.hyperparameters.values, space)
        return [Trial(trial_key(point, config), point, config) for point, config in folds.expand(trial.point, trial.config)]

    def train_here(members: list[Trial], values: dict) -> list[dict]:  # selected on dev only: no test split
        return [execution.train_trial(member, {**meta, "values": values}, fast, progress, "local",
                                      evaluate_test=False) for member in members]

    def start(oracle_trial):
        values = dict(oracle_trial.hyperparameters.values)
        members = fold_trials(oracle_trial)
        stored = [store.get(member.key) for member in members]
        left = [m for m, record in zip(members, stored) if record is None or record["status"] not in FINISHED]
        if not left:  # replayed on a rerun, not retrained
            for member, record in zip(members, stored):
                progress.trial_end(execution.point_label(member.point), record, replayed=True)
            return "stored", stored
        label = execution.point_label(members[0].point)
        submitted.update(m.key for m in left)
        if pool is None:
            return "task", train_here, (left, values), left[0].key, label
        payload = [{"key": m.key, "point": m.point, "config": m.config} for m in left]
        return "task", tasks.train_task, (payload, {**meta, "values": values}, options), left[0].key, label

    def finish(oracle_trial, records: list[dict]) -> dict | None:
        for record in records:
            if record["key"] in submitted:  # trained now (replayed ones are stored already)
                submitted.discard(record["key"])
                store.put(record)
                progress.trial_end(execution.point_label(record["point"]), record)
        stored = [store.get(member.key) or {"status": "failed", "metrics": {}} for member in fold_trials(oracle_trial)]
        result = stored[0] if len(stored) == 1 else folds.combine(stored)
        return None if result["status"] == "failed" else {objective: tuning.objective_value(objective, result)}

    handed = dispatch.drive(oracle, pool or dispatch.InProcess(), start, finish)
    if handed < max_trials:
        console.say(f"[{plan.study.name}] the {tuner} search space is exhausted after "
                    f"{console.plural(handed, 'trial')} of the --max-trials {max_trials}")
    return handed


def _trial_of(base: dict, values: dict, space: dict) -> Trial:
    """The suite trial of a tuner trial's values, its key independent of the order the values
    arrive in."""
    order = list(space)
    overrides = tuning.overrides_of(values)
    overrides = dict(sorted(overrides.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    config = {**base, **overrides}
    return Trial(trial_key(overrides, config), overrides, config)


def best_plan(plan: Plan, store: TrialStore, objective: str, seeds: int, epochs: int | None = None) -> Plan:
    """The best stored search trial's values (by ``objective``, as the oracle ranks them; read from
    the store, so a restarted search picks what was stored, whatever its oracle was told) on the
    full epoch budget (``epochs``, default the plan's), over ``seeds`` seeds."""
    metric, direction = tuning.OBJECTIVES[objective]
    best = _best_stored(store, metric, direction)
    if best is None:
        raise UserError("the search finished no trial; see the trial errors in the store")
    overrides = {k: v for k, v in best["point"].items() if k != folds.FOLD}
    overrides.pop("epochs", None)  # Hyperband's short rounds: the re-run gets the full budget
    if epochs:
        overrides["epochs"] = epochs
    study = dataclasses.replace(plan.study, axes={"config": ["best"]}, rules=(), references=(),
                                only=(), figures=(), nuisance=None)
    result = Plan(study, plan.profile, {**plan.overrides, **overrides})
    for seed in tuning.confirmation_seeds(seeds):  # disjoint from the search's seed
        for point, config in folds.expand({"config": "best", "seed": seed},
                                          {**plan.trials[0].config, **overrides, "seed": seed}):
            result.trials.append(Trial(trial_key(point, config), point, config))
    return result


def nuisance_objective(study) -> tuple[str, str, str]:
    """(keras-tuner objective name, suite metric, direction) of a study's nuisance search:
    ``nuisance_budget["objective"]`` (default val_accuracy, the best dev accuracy), e.g.
    ``steps_to_target_dev:min`` for Shallue et al.'s steps to a target."""
    name = tuning.register_objective(study.nuisance_budget.get("objective", "val_accuracy"))
    return (name, *tuning.OBJECTIVES[name])


def _best_stored(store: TrialStore, metric: str = "best_dev_accuracy", direction: str = "max") -> dict | None:
    """The stored configuration that ranks best (``analysis.nuisance_rank``; ties: the first by
    key); a k-fold configuration by its mean over folds, counted when every fold is done.
    Returns one of its records (its config holds the chosen values)."""
    records = [store.get(path.stem) for path in sorted(store.trials_dir.glob("*.json"))]
    groups: dict[str, list[dict]] = {}
    for record in records:
        if record:
            groups.setdefault(folds.configuration_of(record), []).append(record)
    scored = [(folds.combine(group), group[0]) for group in groups.values()
              if len(group) == max(group[0]["config"].get("cv_folds", 0), 1)]
    done = [(result, record) for result, record in scored if result["status"] == "done"]
    return min(done, key=lambda pair: analysis.nuisance_rank(pair[0]["metrics"], metric, direction))[1] \
        if done else None


def tune_nuisance(plan: Plan, runs_dir, fast: bool = True, train: bool = True, fresh: bool = False) -> Plan:
    """Tune the study's nuisance space per scientific value, then give every seed the best values.

    With ``train=False`` (``suite report``) the choice is read back from the stored searches.
    """
    study = plan.study
    if not study.nuisance:
        return plan
    budget = study.nuisance_budget
    objective, metric, direction = nuisance_objective(study)
    groups: dict[tuple, list[Trial]] = {}
    for trial in plan.trials:
        groups.setdefault(tuple((k, v) for k, v in trial.point.items() if k not in ("seed", folds.FOLD)),
                          []).append(trial)
    tuned = dataclasses.replace(plan, trials=[])  # the same plan (its looks, its first seed), tuned trials
    for values, trials in groups.items():
        space = nuisance_space(study.nuisance, dict(values))
        if not space:  # nothing tuned at this point: its seeds run with the base values
            tuned.trials.extend(trials)
            continue
        label, store = nuisance_store(plan, values, runs_dir)
        if train and fresh:  # --fresh retunes too, not only the seeds
            for path in store.trials_dir.glob("*.json"):
                path.unlink()
        if train:
            sub = Plan(dataclasses.replace(study, search=space), plan.profile, plan.overrides,
                       [trials[0]])
            console.say(f"[{study.name}] tuning {', '.join(space)} for {label} "
                        f"({budget['tuner']}, {console.plural(budget['max_trials'], 'trial')})")
            run_search(sub, store, budget["tuner"], budget["max_trials"], objective, fast)
        best = _best_stored(store, metric, direction)
        if best is None and not any(store.trials_dir.glob("*.json")):
            raise UserError(f"no tuned nuisance values stored for {study.name} {label}; "
                            f"run `suite run {study.name}` first")
        # No search trial finished (all diverged or failed): the seeds run with the base values,
        # and the report shows what became of them.
        chosen = {key: (best or {"config": trials[0].config})["config"][key] for key in space}
        tuning.confirmation_seeds(len({t.config["seed"] for t in trials}), plan.first_seed)  # never the tuning seed
        for trial in trials:
            config = {**trial.config, **chosen}
            tuned.trials.append(Trial(trial_key(trial.point, config), trial.point, config))
    return tuned


def nuisance_space(nuisance: dict, point: dict) -> dict:
    """The part of a nuisance space tuned at ``point`` (axis -> value): a spec with ``"for": {axis:
    [values]}`` is tuned only at the points with one of those values (e.g. a regularizer's strength
    only in its own arms), every other spec everywhere; ``"for"`` itself is dropped."""
    return {key: {k: v for k, v in spec.items() if k != "for"} for key, spec in nuisance.items()
            if all(point.get(axis) in wanted for axis, wanted in spec.get("for", {}).items())}


def nuisance_store(plan: Plan, values: tuple, runs_dir) -> tuple[str, TrialStore]:
    """The label of a scientific point ((axis, value) pairs) and where its nuisance search is kept."""
    label = "-".join(f"{k}={v}" for k, v in values) or "all"
    return label, TrialStore(names.study_dir(runs_dir, plan.study.name, plan.profile) / "nuisance" / names.label(label))


def nuisance_records(plan: Plan, runs_dir) -> list[dict]:
    """Every stored nuisance-search trial, each with the scientific point it tuned (``tuned_for``),
    in key order per point; empty for a study without a nuisance space."""
    if not plan.study.nuisance:
        return []
    records = []
    points = dict.fromkeys(tuple((k, v) for k, v in t.point.items() if k not in ("seed", folds.FOLD))
                           for t in plan.trials)
    for values in points:
        _, store = nuisance_store(plan, values, runs_dir)
        for path in sorted(store.trials_dir.glob("*.json")):
            record = store.get(path.stem)
            if record is not None:
                records.append({**record, "tuned_for": dict(values)})
    return records
