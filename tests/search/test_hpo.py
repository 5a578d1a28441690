import dataclasses


import suite.training.train
from suite.design.plugins import all_studies
from suite.design.study import expand
from suite.search import hpo
from suite.cli.main import main
from suite.store.trial_store import TrialStore


def stored_keys(runs):
    return {path.stem for path in (runs / "hpo_algorithms").rglob("trials/*.json")}


def test_killed_comparison_resumes_without_retraining_a_stored_trial(tmp_path, monkeypatch, per_trial):
    dirs = ["--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")]
    argv = ["run", "hpo_algorithms", "--profile", "smoke", "--seeds", "1", *dirs]
    real, trained = suite.training.train.train, []

    def interrupted_after(k):
        def train(config, **kwargs):
            if len(trained) == k:
                raise KeyboardInterrupt  # Ctrl-C in the middle of the comparison
            trained.append(config)
            return real(config, **kwargs)
        return train

    monkeypatch.setattr(suite.training.train, "train", interrupted_after(3))
    assert main(argv) == 130
    before = stored_keys(tmp_path / "runs")
    assert len(before) == 3

    trained.clear()
    seen = []
    monkeypatch.setattr(suite.training.train, "train", lambda config, **kw: seen.append(config) or real(config, **kw))
    assert main(argv) == 0
    after = stored_keys(tmp_path / "runs")
    assert before < after and len(seen) == len(after) - len(before)  # only the missing ones trained

    seen.clear()  # a third run trains nothing and writes the same report
    assert main(argv) == 0 and seen == []
    # every repetition spent its budget and its chosen configuration was re-run once
    for tuner in hpo.TUNERS:
        store = TrialStore(tmp_path / "runs" / "hpo_algorithms" / "smoke" / "hpo" / tuner / "rep0")
        spent = sum(len(r["history"]) for r in hpo.search_records(store))
        assert 0 < spent <= 4
    assert (tmp_path / "results" / "hpo_algorithms" / "smoke" / "anytime.png").stat().st_size > 0


def test_the_comparisons_chosen_plan_keeps_its_seed_plan(tmp_path, monkeypatch):
    """Each repetition's chosen configuration forms the same plan: its looks and first seed stay."""
    study = all_studies()["hpo_algorithms"]
    study = dataclasses.replace(study, profiles={**study.profiles,
                                                 "smoke": {**study.profiles["smoke"], "seeds": 2, "first_seed": 50}})
    plan = expand(study, "smoke")
    monkeypatch.setattr(hpo, "search_records", lambda store: [{"status": "done"}])
    monkeypatch.setattr(hpo, "chosen_values", lambda records, space: {})
    chosen = hpo.run_comparison(plan, tmp_path / "runs", train=False)  # read back, nothing trained
    assert chosen.first_seed == 50 and chosen.looks == (2,)
    assert sorted({t.point["seed"] for t in chosen.trials}) == [50, 51]


def _drawn(seed: int, tmp_path, n: int = 8) -> set[tuple]:
    """The first ``n`` configurations keras-tuner's random oracle draws from oracle seed ``seed``
    over hpo_algorithms' three hyperparameters."""
    import contextlib
    import io

    import keras_tuner

    space = keras_tuner.HyperParameters()
    space.Float("learning_rate", 1e-3, 1.0, sampling="log")
    space.Int("width", 8, 256, sampling="log")
    space.Float("weight_decay", 1e-6, 1e-4, sampling="log")
    oracle = keras_tuner.oracles.RandomSearchOracle(objective="val_accuracy", max_trials=n, seed=seed,
                                                    hyperparameters=space)
    oracle._set_project_dir(str(tmp_path / str(seed)), "p")
    with contextlib.redirect_stdout(io.StringIO()):  # keras-tuner prints each trial's values
        return {tuple(oracle.create_trial(f"t{i}").hyperparameters.values.values()) for i in range(n)}


def test_repetitions_draw_their_own_configurations(tmp_path):
    """Oracle seeds r + 1 made repetitions 0 and 3 share 7 of their 8 configurations (keras-tuner
    seeds each value with the oracle seed plus the values drawn before): not independent."""
    assert len(_drawn(1, tmp_path) & _drawn(4, tmp_path)) == 7  # the old seeds, as keras-tuner draws them
    seeds = [hpo.oracle_seed(r) for r in range(10)]
    drawn = [_drawn(seed, tmp_path) for seed in seeds]
    assert all(not a & b for i, a in enumerate(drawn) for b in drawn[i + 1:])
    assert max(seeds) < 2 ** 32 and hpo.oracle_seed(42_000) < 2 ** 32
