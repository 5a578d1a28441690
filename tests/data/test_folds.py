import json

import numpy as np
import pandas as pd
import pytest

from suite.data import datasets
from suite.data import folds
from suite.search import tuner_search as search
from suite.training import train
from suite.errors import UserError
from suite.design.study import DEFAULTS, Study, expand
from suite.store.trial_store import TrialStore

Y = np.repeat(np.arange(4), [30, 20, 40, 10])  # an imbalanced pool of 100 labels


@pytest.mark.parametrize("k", [3, 5, 10])
def test_fold_splits_are_stratified_disjoint_cover_the_pool_and_repeat_per_seed(k):
    splits = folds.fold_indices(Y, k, seed=7)
    assert len(splits) == k
    validation = [dev for _, dev in splits]
    assert sorted(np.concatenate(validation).tolist()) == list(range(len(Y)))  # cover, each once: disjoint
    for train_idx, dev in splits:
        assert not set(train_idx) & set(dev) and len(train_idx) + len(dev) == len(Y)
        # stratified: each class's share of a fold is its share of the pool, within one example
        expected = np.bincount(Y, minlength=4) * len(dev) / len(Y)
        assert np.all(np.abs(np.bincount(Y[dev], minlength=4) - expected) <= 1)
    again = folds.fold_indices(Y, k, seed=7)
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(splits, again))  # same seed, same folds
    other = folds.fold_indices(Y, k, seed=8)
    assert not all(np.array_equal(a, b) for (_, a), (_, b) in zip(splits, other))  # the seed draws them


def test_holdout_is_a_stratified_draw_of_the_seed_and_resubstitution_is_the_whole_pool():
    train_idx, held = folds.holdout_indices(Y, 0.1, seed=3)
    assert len(held) == 10 and not set(train_idx) & set(held)
    assert np.bincount(Y[held], minlength=4).tolist() == [3, 2, 4, 1]
    assert np.array_equal(held, folds.holdout_indices(Y, 0.1, seed=3)[1])
    (everything, again), = folds.fold_indices(Y, 1, seed=0)
    assert np.array_equal(everything, again) and len(everything) == len(Y)


def test_a_trial_trains_on_its_folds_share_of_the_pool_and_tests_on_the_untouched_test_split(tiny_config):
    config = {**tiny_config, "cv_folds": 4, "cv_fold": 1, "train_size": 400}
    outcome = train.train(config)
    assert outcome["splits"] == {"train": 300, "dev": 100, "test": 200}
    x, y = folds.pool(datasets.load("synthetic"), 400)
    _, dev = folds.fold_indices(y, 4, 0)[1]
    assert np.bincount(y[dev]).tolist() == [10] * 10  # stratified fold of the fixed pool


def test_a_k_fold_plan_holds_one_trial_per_fold_with_the_fold_in_its_identity():
    study = Study(name="k", claim="", source="", base={}, axes={"width": [8, 16]},
                  profiles={"smoke": {"dataset": "synthetic", "seeds": 2}})
    plain = expand(study, "smoke")
    plan = expand(study, "smoke", overrides={"cv_folds": 3})
    assert len(plan.trials) == 3 * len(plain.trials)
    assert {t.point["fold"] for t in plan.trials} == {0, 1, 2}
    assert all(t.config["cv_fold"] == t.point["fold"] and "fold=" in t.key for t in plan.trials)
    assert len({t.key for t in plan.trials}) == len(plan.trials)
    assert [t.key for t in plain.trials] == [t.key for t in expand(study, "smoke").trials]  # unchanged keys


@pytest.mark.parametrize("overrides, message", [({"cv_folds": 3, "holdout_fraction": 0.2}, "two validation"),
                                                ({"cv_folds": 3, "cv_fold": 3}, "cv_fold=3"),
                                                ({"cv_fold": 1}, "cv_fold=1")])
def test_conflicting_protocol_keys_are_one_user_error(overrides, message):
    with pytest.raises(UserError, match=message):
        folds.check({**DEFAULTS, **overrides})


def test_folds_average_into_one_row_per_seed_and_the_worst_status_wins():
    frame = pd.DataFrame({"width": [8] * 6, "seed": [0, 0, 0, 1, 1, 1], "fold": [0, 1, 2] * 2,
                          "status": ["done", "done", "done", "done", "diverged", "done"],
                          "test_accuracy": [0.5, 0.6, 0.7, 0.8, np.nan, 0.9], "wall_time_s": [1.0] * 6,
                          "key": list("abcdef")})
    rows = folds.aggregate(frame, ["width"])
    assert len(rows) == 2 and "fold" not in rows and rows.folds.tolist() == [3, 3]
    assert rows.test_accuracy[0] == pytest.approx(0.6) and np.isnan(rows.test_accuracy[1])
    assert rows.status.tolist() == ["done", "diverged"] and rows.wall_time_s.tolist() == [3.0, 3.0]
    combined = folds.combine([{"status": "done", "metrics": {"best_dev_accuracy": 0.5, "x": 1.0}},
                              {"status": "done", "metrics": {"best_dev_accuracy": 0.7}}])
    assert combined["status"] == "done" and combined["metrics"] == {"best_dev_accuracy": pytest.approx(0.6)}


def test_a_k_fold_search_scores_each_configuration_by_its_mean_over_folds(tmp_path):
    from suite.design.plugins import all_studies
    STUDIES = all_studies()

    plan = expand(STUDIES["mlp_search"], "smoke", overrides={"cv_folds": 2, "epochs": 1})
    store = TrialStore(tmp_path / "search")
    search.run_search(plan, store, "random", 2, "val_accuracy")
    records = [json.loads(p.read_text()) for p in store.trials_dir.glob("*.json")]
    assert len(records) == 4 and sorted(r["point"]["fold"] for r in records) == [0, 0, 1, 1]
    assert all("test_accuracy" not in r["metrics"] for r in records)  # selected on the folds only
    # each configuration's score is its mean over the folds: the best plan is the best mean's
    space = list(search.search_space(plan))
    scores = {}
    for record in records:
        scores.setdefault(tuple(record["config"][k] for k in space), []).append(record["metrics"]["best_dev_accuracy"])
    assert all(len(folds) == 2 for folds in scores.values())
    best = search.best_plan(plan, store, "val_accuracy", seeds=2)
    chosen = tuple(best.trials[0].config[k] for k in space)
    assert np.mean(scores[chosen]) == pytest.approx(max(np.mean(v) for v in scores.values()))
    assert len(best.trials) == 4 and {t.point["fold"] for t in best.trials} == {0, 1}


def test_nuisance_tuning_with_k_fold_chooses_by_the_mean_over_folds(tmp_path, monkeypatch):
    import dataclasses

    from suite.design.plugins import all_studies

    STUDIES = all_studies()
    from suite.cli.main import main

    study = dataclasses.replace(STUDIES["depth"], name="kfold_depth", axes={"depth": [1]}, rules=(), clauses=(), related=(),
                                nuisance={"learning_rate": {"float": [0.01, 1.0], "sampling": "log"}},
                                nuisance_budget={"tuner": "random", "max_trials": 2})
    monkeypatch.setitem(STUDIES, "kfold_depth", study)
    argv = ["run", "kfold_depth", "--profile", "smoke", "--set", "epochs=1", "--set", "cv_folds=2",
            "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")]
    assert main(argv) == 0
    searched = [json.loads(p.read_text())
                for p in (tmp_path / "runs" / "kfold_depth" / "smoke" / "nuisance").rglob("trials/*.json")]
    assert len(searched) == 4 and sorted(r["point"]["fold"] for r in searched) == [0, 0, 1, 1]
    means = pd.DataFrame([{"lr": r["config"]["learning_rate"], "dev": r["metrics"]["best_dev_accuracy"]}
                          for r in searched]).groupby("lr").dev.mean()
    trials = pd.read_csv(tmp_path / "results" / "kfold_depth" / "smoke" / "trials.csv")
    assert len(trials) == 2 and trials.folds.tolist() == [2, 2]  # one row per seed, its 2 folds averaged
    assert trials.learning_rate.unique().tolist() == [means.idxmax()]
