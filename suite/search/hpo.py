"""Search-algorithm comparisons: several keras-tuner tuners, each repeated with its own tuner seeds
on an equal budget of training epochs, then each repetition's chosen configuration re-run.

A study declares the comparison as data (``Study.comparison``, a ``Comparison``) and an axis
``tuner`` of named points; its seeds are the repetitions. For the point (tuner T, seed r),
``run_comparison`` runs keras-tuner's oracle for T with oracle seed r (the tuner's own randomness)
on the study's ``search`` space; every search trial trains with the trial seed
``tuning.SEARCH_SEED`` (so repetitions differ only by the tuner's randomness), is stored in its
repetition's store and replayed from it on a rerun, never retrained. The repetition ends when its
trials have spent the budget: random, grid and Bayesian get max_trials = budget / epochs per trial;
Hyperband counts each trial's own ``tuner/epochs`` and stops before a trial would overrun it. The
chosen configuration (best dev accuracy) is then the point's trial, trained with the full epochs
on the study seed r (disjoint from the search seed): the only use of the test split.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field, replace
from typing import ClassVar

import pandas as pd

from suite.search import anytime, grid
from suite.execution import trials as execution
from suite.execution import tuning
from suite.errors import UserError
from suite.store.trial_store import FINISHED, TrialStore
from suite.design import names
from suite.design.study import Plan, Trial, trial_key

TUNERS = ("random", "grid", "bayesian", "hyperband")  # keras-tuner's four oracles
OVER_BUDGET = "over_budget"  # what the tuner is told for a trial the budget cannot pay for


@dataclass(frozen=True)
class Comparison:
    """A search comparison as study data.

    ``budget``: profile -> training epochs each repetition may spend (the Hyperband round
    ``max_epochs`` and every other tuner's trial length are the profile's ``epochs``);
    ``spaces``: tuner -> overrides of the study's search space for that tuner (grid search needs
    discrete values); ``factor``: Hyperband's reduction factor; ``objective``: a
    ``tuning.OBJECTIVES`` name (dev split only)."""
    budget: dict
    spaces: dict = field(default_factory=dict)
    factor: int = 3
    objective: str = "val_accuracy"
    # grid search over the study's own ranges (``suite.search.grid``): parameter -> number of values;
    # each repetition shifts the grid and shuffles its order with its tuner seed. Empty: the
    # ``grid`` tuner is keras-tuner's GridSearchOracle over ``spaces["grid"]`` (fixed, in order).
    grid: dict = field(default_factory=dict)
    initial_points: int = 3  # Bayesian optimization's random start (keras-tuner's default: 3 x dimensions)
    # the search metrics each chosen configuration's record gains (rules and tables may read them)
    metrics: ClassVar[tuple] = anytime.METRICS


def space_for(study, tuner: str) -> dict:
    return {**study.search, **study.comparison.spaces.get(tuner, {})}


def repetition_store(plan: Plan, tuner: str, repetition: int, runs_dir) -> TrialStore:
    return TrialStore(names.study_dir(runs_dir, plan.study.name, plan.profile) / "hpo"
                      / names.component(tuner, "tuner", "random") / f"rep{int(repetition)}")


def budget(plan: Plan) -> int:
    spec = plan.study.comparison.budget
    if plan.profile not in spec:
        raise UserError(f"study '{plan.study.name}' gives no search budget for profile '{plan.profile}'; "
                        f"add it to the study's Comparison(budget=...)")
    return int(spec[plan.profile])


# keras-tuner's oracles draw each hyperparameter value with seed (oracle seed + values drawn so far):
# with seeds r + 1, repetitions 0 and 3 of a 3-parameter search drew 7 of their 8 configurations
# alike, one trial apart (so the "independent" repetitions shared their candidates). Seeds this far
# apart never meet within a search (fewer than 10^5 values drawn) and stay below 2^32 (NumPy's
# limit, the Bayesian oracle's) for 42,000 repetitions.
SEED_STRIDE = 100_003


def oracle_seed(repetition: int) -> int:
    """The keras-tuner oracle seed of repetition ``repetition`` (>= 1: keras-tuner draws a random one for 0)."""
    return 1 + SEED_STRIDE * repetition


def run_repetition(plan: Plan, trial: Trial, store: TrialStore, fast: bool = True) -> None:
    """Run (or resume) the search of one (tuner, repetition) point until it has spent the budget."""
    study, tuner, repetition = plan.study, trial.point["tuner"], trial.point["seed"]
    epochs, total = trial.config["epochs"], budget(plan)
    space = space_for(study, tuner)
    # The tuner's own randomness: oracle seed oracle_seed(r) for repetition r
    oracle = tuning.build_oracle(tuner, space, study.comparison.objective, max(total // epochs, 1), epochs,
                                 study.comparison.factor, seed=oracle_seed(repetition))
    if tuner == "grid" and study.comparison.grid:  # shifted and shuffled by the tuner seed (NumPy's stream)
        oracle = grid.ListOracle(grid.points(space, study.comparison.grid, repetition + 1),
                                 objective=oracle.objective, max_trials=oracle.max_trials, seed=oracle_seed(repetition),
                                 max_consecutive_failed_trials=10 ** 9)
        oracle.verbose = 0
    if tuner == "bayesian":
        oracle.num_initial_points = study.comparison.initial_points
    if tuner == "hyperband":
        oracle.max_trials = None  # Hyperband is stopped by the epoch budget below
    # The target is read off the stored curves: changing it re-reports without retraining a search.
    base = {**trial.config, "seed": tuning.SEARCH_SEED, "target_dev_accuracy": 0.0}
    meta = {"study": study.name, "profile": plan.profile, "overrides": plan.overrides}
    spent, order = 0, 0
    progress = execution.Progress(f"[{study.name} {tuner} rep {repetition}]", max(total // epochs, 1),
                               lambda: order)

    def execute(values: dict, trial_id: str) -> dict:
        nonlocal spent, order
        overrides = tuning.overrides_of(values)
        config = {**base, **overrides}
        if spent + config["epochs"] > total:  # the budget cannot pay for it: the search ends here
            search_tuner.oracle.max_trials = len(search_tuner.oracle.trials)
            return {"status": OVER_BUDGET, "metrics": {}}
        spent += config["epochs"]
        order += 1
        search = {"tuner": tuner, "repetition": repetition, "order": order, "values": values}
        key_point = {"tuner": tuner, "rep": repetition, "order": order}
        step = Trial(trial_key(key_point, config), key_point, config)
        record = store.get(step.key)
        if record is not None and record["status"] in FINISHED:  # replayed on a rerun, not retrained
            progress.trial_end(execution.point_label(overrides), record, replayed=True)
        else:
            record = execution.run_trial(step, {**meta, "search": search}, store, fast, progress, "local")
        if spent >= total:
            search_tuner.oracle.max_trials = len(search_tuner.oracle.trials)
        return record

    search_tuner = tuning.SearchTuner(oracle, space, execute, directory=tuning.scratch(store.root),
                                      project_name="local", overwrite=True)
    try:
        search_tuner.search(verbose=0)
    except tuning.Fatal as exc:  # bad input or a full disk inside a trial: end the run, one line
        raise exc.error from None


def search_records(store: TrialStore) -> list[dict]:
    """A repetition's stored search trials, in the order its oracle ran them."""
    records = [store.get(path.stem) for path in sorted(store.trials_dir.glob("*.json"))]
    return sorted((r for r in records if r is not None), key=lambda r: r["search"]["order"])


def chosen_values(records: list[dict], space: dict) -> dict | None:
    """The search-space values of the best finished trial (best dev accuracy; ties: the first run)."""
    done = [r for r in records if r["status"] == "done"]
    if not done:
        return None
    best = max(done, key=lambda r: (r["metrics"]["best_dev_accuracy"], -r["search"]["order"]))
    return {key: best["config"][key] for key in space}


def run_comparison(plan: Plan, runs_dir, fast: bool = True, train: bool = True, fresh: bool = False) -> Plan:
    """Run (``train``) or read back every (tuner, repetition) search of the plan; return the plan
    whose trials are the chosen configurations on the full epochs. Raises UserError when a
    repetition has no finished search trial stored."""
    study = plan.study
    if study.comparison is None:
        return plan
    tuned = replace(plan, trials=[])  # the same plan (its looks, its first seed), chosen configurations
    tuning.confirmation_seeds(len({t.point["seed"] for t in plan.trials}), plan.first_seed)  # never the search seed
    for trial in plan.trials:
        tuner, repetition = trial.point["tuner"], trial.point["seed"]
        store = repetition_store(plan, tuner, repetition, runs_dir)
        if train and fresh:
            for path in store.trials_dir.glob("*.json"):
                path.unlink()
        if train:
            print(f"[{study.name}] search {tuner}, repetition {repetition} (budget {budget(plan)} epochs)",
                  file=sys.stderr)
            run_repetition(plan, trial, store, fast)
        searched = search_records(store)
        chosen = chosen_values(searched, space_for(study, tuner))
        if chosen is None and searched:
            chosen = {}  # every search trial diverged or failed: the base values, and the report says so
        if chosen is None:
            raise UserError(f"no finished search trial stored for {study.name} {tuner} repetition {repetition}; "
                            f"run `suite run {study.name} --profile {plan.profile}` first")
        config = {**trial.config, **chosen}
        tuned.trials.append(Trial(trial_key(trial.point, config), trial.point, config))
    return tuned


def comparison_frame(plan: Plan, runs_dir) -> pd.DataFrame:
    """Every repetition's anytime curve (``anytime.curve``), stacked; empty without a comparison."""
    if plan.study.comparison is None:
        return pd.DataFrame(columns=anytime.CURVE_COLUMNS)
    frames = [anytime.curve(search_records(repetition_store(plan, t.point["tuner"], t.point["seed"], runs_dir)),
                            t.point["tuner"], t.point["seed"]) for t in plan.trials]
    return pd.concat(frames, ignore_index=True)


def annotate(plan: Plan, records: list[dict], curves: pd.DataFrame) -> list[dict]:
    """Copies of the chosen configurations' records with their repetition's search metrics
    (``anytime.repetition_metrics``) added to ``metrics``, so tables and rules can use them."""
    if plan.study.comparison is None:
        return records
    total = budget(plan)
    annotated = []
    for record in records:
        tuner, repetition = record["point"]["tuner"], record["point"]["seed"]
        frame = curves[(curves.tuner == tuner) & (curves.repetition == repetition)]
        extra = anytime.repetition_metrics(frame, total, record["config"].get("target_dev_accuracy", 0.0),
                                           max(total // record["config"]["epochs"], 1))
        # the search's epoch budget bounds its epochs_to_target (and that metric's interval)
        annotated.append({**record, "metrics": {**record.get("metrics", {}), **extra, "epochs_budget": float(total)}})
    return annotated


def setup_lines(plan: Plan, curves: pd.DataFrame) -> list[str]:
    """Markdown lines for the report's setup: budget, spaces and what each repetition spent and chose."""
    study = plan.study
    total, epochs = budget(plan), plan.trials[0].config["epochs"]
    lines = [f"- search comparison: tuners {', '.join(f'`{t}`' for t in study.levels['tuner'])} (keras-tuner "
             f"oracles), each repeated with tuner seeds {plan.first_seed}..{max(t.point['seed'] for t in plan.trials)}; "
             f"budget {total} training epochs per repetition ({total // epochs} trials of {epochs} epochs "
             f"for random, grid and Bayesian; Hyperband's rounds of up to {epochs} epochs, factor "
             f"{study.comparison.factor}, stop before a trial would overrun it); every search trial trains "
             f"with seed {tuning.SEARCH_SEED}, objective {study.comparison.objective} on the dev split",
             "- search space: " + "; ".join(f"`{k}` {v}" for k, v in study.search.items())]
    for tuner, space in study.comparison.spaces.items():
        lines.append(f"- `{tuner}` searches: " + "; ".join(f"`{k}` {v}" for k, v in space.items()))
    if study.comparison.grid:
        counts = study.comparison.grid
        lines.append(f"- `grid` searches the same ranges on a grid of "
                     f"{' x '.join(str(n) for n in counts.values())} values ({', '.join(f'`{k}`' for k in counts)}): "
                     f"each range cut into equal cells on its sampling scale, one value per cell at the same "
                     f"relative position, drawn per parameter from the tuner seed (a randomly shifted grid), "
                     f"its points tried in an order shuffled by the same seed (`suite.search.grid`)")
    if not curves.empty:
        spent = curves.groupby(["tuner", "repetition"], sort=False).agg(trials=("order", "size"),
                                                                         epochs=("epochs", "sum"))
        per_tuner = spent.groupby(level=0, sort=False).agg(["min", "max"])
        lines.append("- spent per repetition: " + "; ".join(
            f"`{tuner}` {row[('trials', 'min')]}-{row[('trials', 'max')]} trials, "
            f"{row[('epochs', 'min')]}-{row[('epochs', 'max')]} epochs" for tuner, row in per_tuner.iterrows()))
    return lines


def chosen_table(plan: Plan, records: list[dict]) -> str:
    """Markdown: each repetition's chosen configuration, its search metrics and its test accuracy."""
    space = plan.study.search
    rows = [{"tuner": r["point"]["tuner"], "repetition": r["point"]["seed"],
             **{k: (f"{r['config'][k]:.4g}" if isinstance(r["config"][k], float) else r["config"][k]) for k in space},
             **{m: r["metrics"].get(m, math.nan) for m in ("search_trials", "search_epochs", "best_dev_accuracy_at_budget",
                                                           "epochs_to_target", "test_accuracy")}}
            for r in records]
    return pd.DataFrame(rows).sort_values(["tuner", "repetition"]).to_markdown(index=False, floatfmt=".4g")


def report_parts(plan: Plan, records: list[dict], runs_dir) -> tuple[list[dict], dict | None]:
    """What the report needs of a comparison: the records with their search metrics
    (``annotate``) and {"curves": every repetition's anytime curve, "setup": markdown lines,
    "results": markdown lines}; (records, None) for a study without a comparison."""
    if plan.study.comparison is None:
        return records, None
    curves = comparison_frame(plan, runs_dir)
    records = annotate(plan, records, curves)
    results = ["Each repetition's chosen configuration (best dev accuracy within the budget), what its "
               "search spent, and the chosen configuration's test accuracy on a fresh seed:", "",
               chosen_table(plan, records), ""]
    return records, {"curves": curves, "setup": setup_lines(plan, curves), "results": results}
