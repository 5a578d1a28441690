import json
import re
from collections import Counter

import keras_tuner
import pandas as pd
import pytest

from suite.design.plugins import all_studies
from suite.training import train
from suite.execution import tuning
from suite.cli.main import main
from suite.errors import UserError

STUDIES = all_studies()

# a comparison study (hpo_algorithms) searches its space in `suite run`, over several tuners
SEARCH_STUDIES = sorted(name for name, study in STUDIES.items() if study.search and not study.comparison)


def test_declare_builds_ranges_choices_and_conditions():
    hp = keras_tuner.HyperParameters()
    tuning.declare(hp, {"optimizer": {"choice": ["sgd", "momentum"]},
                        "learning_rate": {"float": [1e-4, 1.0], "sampling": "log"},
                        "width": {"int": [16, 64], "step": 2, "sampling": "log"},
                        "momentum": {"float": [0.5, 0.99], "when": {"optimizer": ["momentum"]}}})
    assert {p.name for p in hp.space} == {"optimizer", "learning_rate", "width", "momentum"}
    assert list(hp.space[2].values) == [16, 32, 64]
    hp.values["optimizer"] = "sgd"
    assert not hp.is_active("momentum")


def test_bad_specs_and_names_are_user_errors():
    with pytest.raises(UserError, match="needs one of int, float, choice"):
        tuning.declare(keras_tuner.HyperParameters(), {"width": {"range": [1, 2]}})
    with pytest.raises(UserError, match="unknown tuner"):
        tuning.build_oracle("annealing", {}, "val_accuracy", 3, 2)


def test_overrides_take_hyperband_epochs_and_drop_its_bookkeeping():
    values = {"width": 32, "tuner/epochs": 3, "tuner/initial_epoch": 0, "tuner/bracket": 1}
    assert tuning.overrides_of(values) == {"width": 32, "epochs": 3}


@pytest.mark.parametrize("name", SEARCH_STUDIES)
@pytest.mark.parametrize("tuner", ["random", "bayesian", "hyperband", "grid"])
def test_every_tuner_searches_on_smoke(name, tuner, tmp_path):
    dirs = ["--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")]
    assert main(["search", name, "--profile", "smoke", "--tuner", tuner, "--max-trials", "3", *dirs]) == 0
    out = tmp_path / "results" / name / "smoke" / f"search-{tuner}"
    trials = pd.read_csv(out / "trials.csv")
    assert 1 <= len(trials) <= 3 and set(STUDIES[name].search) <= set(trials.columns)
    best = pd.read_csv(out / "best_summary.csv")
    finished = best.n + best.n_collapsed + best.n_diverged  # a tiny re-run need not learn
    assert finished.iloc[0] == STUDIES[name].profiles["smoke"]["seeds"]
    for png in ("optimization_history.png", *(f"param_{p}.png" for p in STUDIES[name].search)):
        assert (out / png).stat().st_size > 0


def test_a_rerun_replays_the_search_from_the_store(tmp_path, monkeypatch, capsys, per_trial):
    calls = Counter()
    real = train.train

    def counting(config, **kwargs):
        calls[config["seed"], config["epochs"], config["width"], config["learning_rate"]] += 1
        return real(config, **kwargs)

    monkeypatch.setattr(train, "train", counting)
    argv = ["search", SEARCH_STUDIES[0], "--profile", "smoke", "--tuner", "random", "--max-trials", "4",
            "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")]
    assert main(argv) == 0
    first = sum(calls.values())
    out = tmp_path / "results" / SEARCH_STUDIES[0] / "smoke" / "search-random" / "trials.csv"
    before = pd.read_csv(out)
    capsys.readouterr()
    assert main(argv) == 0
    assert sum(calls.values()) == first  # nothing retrained: every trial came from the store
    # a resumed search counts its replayed trials 1..4, not 4/4 each time
    assert re.findall(r"trial (\d)/4 .*stored earlier", capsys.readouterr().err) == ["1", "2", "3", "4"]
    # search trials are selected on the dev split and never see the test split; the best re-run does
    root = tmp_path / "runs" / SEARCH_STUDIES[0] / "smoke" / "search-random"
    searched = [json.loads(p.read_text()) for p in (root / "trials").glob("*.json")]
    rerun = [json.loads(p.read_text()) for p in (root / "best" / "trials").glob("*.json")]
    assert searched and all("test_accuracy" not in r["metrics"] for r in searched if r["status"] == "done")
    assert rerun and all("test_accuracy" in r["metrics"] for r in rerun if r["status"] == "done")
    pd.testing.assert_frame_equal(pd.read_csv(out).drop(columns="finished_at"),
                                  before.drop(columns="finished_at"))


def test_nuisance_is_tuned_per_scientific_value_before_the_seeds(tmp_path, monkeypatch, per_trial):
    import dataclasses

    study = dataclasses.replace(
        STUDIES["depth"], name="tuned_depth", axes={"depth": [0, 1]}, rules=(), clauses=(),
        nuisance={"learning_rate": {"float": [0.01, 1.0], "sampling": "log"}},
        nuisance_budget={"tuner": "random", "max_trials": 2})
    monkeypatch.setitem(STUDIES, "tuned_depth", study)
    calls = Counter()
    real = train.train

    def counting(config, **kwargs):
        calls[config["depth"], config["seed"], config["learning_rate"]] += 1
        return real(config, **kwargs)

    monkeypatch.setattr(train, "train", counting)
    argv = ["run", "tuned_depth", "--profile", "smoke", "--set", "epochs=1",
            "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")]
    assert main(argv) == 0
    trials = pd.read_csv(tmp_path / "results" / "tuned_depth" / "smoke" / "trials.csv")
    for depth, group in trials.groupby("depth"):
        tuned = group.learning_rate.unique()
        assert len(tuned) == 1  # every seed of one scientific value gets the same tuned value
        searched = [lr for (d, seed, lr) in calls if d == depth and seed == tuning.SEARCH_SEED]
        assert tuned[0] in searched and len(set(searched)) == 2  # chosen among the 2 search trials
        # the seeds reported for the chosen value are fresh: not the one it was chosen on
        assert set(group.seed) == {0, 1} and tuning.SEARCH_SEED not in set(group.seed)
    assert "tuned learning_rate" in (tmp_path / "results" / "tuned_depth" / "smoke" / "README.md").read_text()
    trained = sum(calls.values())
    assert main(argv) == 0 and sum(calls.values()) == trained  # a rerun retrains nothing
    assert main(["report", *argv[1:]]) == 0
    # --fresh retunes as well as retraining the seeds: 2 depths x (2 search trials + 2 seeds)
    assert main([*argv, "--fresh"]) == 0 and sum(calls.values()) == trained + 8


def test_search_flags_and_kept_models(tmp_path):
    import keras

    from suite.data import datasets

    dirs = ["--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")]
    assert main(["search", SEARCH_STUDIES[0], "--profile", "smoke", "--tuner", "hyperband", "--max-trials", "4",
                 "--max-epochs", "4", "--factor", "2", "--objective", "mean_dev_accuracy:max",
                 "--keep-models", "all", *dirs]) == 0
    out = tmp_path / "results" / SEARCH_STUDIES[0] / "smoke" / "search-hyperband"
    trials = pd.read_csv(out / "trials.csv")
    assert "mean_dev_accuracy" in trials and set(trials.epochs) <= {1, 2, 4}  # rounds of 4 / 2^k epochs
    best_records = [json.loads(path.read_text()) for path in
                    (tmp_path / "runs" / SEARCH_STUDIES[0] / "smoke" / "search-hyperband" / "best" / "trials").glob("*.json")]
    assert {record["config"]["epochs"] for record in best_records} == {4}  # the re-run gets --max-epochs
    rerun = pd.read_csv(out / "best_rerun.csv")
    assert "best_model.keras" in (out / "README.md").read_text()
    splits = datasets.load("synthetic")
    for seed in range(STUDIES[SEARCH_STUDIES[0]].profiles["smoke"]["seeds"]):
        model = keras.saving.load_model(out / ("best_model.keras" if seed == 0 else f"best_model_seed{seed}.keras"))
        predicted = model.predict(splits.x_test, verbose=0).argmax(axis=1)
        # the saved weights are the ones the re-run's test accuracy was measured with
        assert (predicted == splits.y_test).mean() == pytest.approx(
            rerun.loc[rerun.seed == seed, "test_accuracy"].iloc[0], abs=1e-6)


@pytest.mark.parametrize("objective, message", [("test_accuracy:max", "dev split only"),
                                                ("mean_dev_accuracy", "METRIC:max")])
def test_bad_objective_is_one_line(tmp_path, capsys, objective, message):
    code = main(["search", SEARCH_STUDIES[0], "--profile", "smoke", "--objective", objective,
                 "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0]
    assert not (tmp_path / "runs").exists()
