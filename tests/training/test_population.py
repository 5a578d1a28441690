"""Population training (suite.training.population) against the same trials run one at a time."""
import keras
import numpy as np
import pytest

from suite.training import population
from suite.training import probes
from suite.execution import runner
from suite.training import train
from suite.cli.main import main
from suite.store.trial_store import TrialStore

pytestmark = pytest.mark.skipif(keras.backend.backend() != "jax", reason="populations run on JAX")


class StepLosses(keras.callbacks.Callback):
    """The running-mean training loss Keras logs after every step (plain path: one step per call)."""

    def __init__(self):
        super().__init__()
        self.epochs: list[list[float]] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append([])

    def on_train_batch_end(self, batch, logs=None):
        self.epochs[-1].append(float(logs["loss"]))


def per_step(running: list[list[float]]) -> np.ndarray:
    """Each step's batch loss from the running means within each epoch (m_k k - m_{k-1} (k-1))."""
    out = []
    for means in running:
        means = np.asarray(means, dtype="float64")
        k = np.arange(1, len(means) + 1)
        out.append(means * k - np.concatenate([[0.0], means[:-1] * k[:-1]]))
    return np.concatenate(out)


def one_at_a_time_steps(config, monkeypatch) -> list[list[float]]:
    """The per-trial path's per-step losses: ``train`` on the plain path with a step callback."""
    recorder = StepLosses()
    real = train.EpochLog

    class Recording(real):
        def set_model(self, model):
            super().set_model(model)
            recorder.set_model(model)

        def on_epoch_begin(self, epoch, logs=None):
            recorder.on_epoch_begin(epoch)
            super().on_epoch_begin(epoch, logs)

        def on_train_batch_end(self, batch, logs=None):
            recorder.on_train_batch_end(batch, logs)

    monkeypatch.setattr(train, "EpochLog", Recording)
    train.train(config, fast=False)
    monkeypatch.setattr(train, "EpochLog", real)
    return recorder.epochs


@pytest.fixture
def members(tiny_config):
    """Three members differing in seed, learning rate and label corruption, with dropout (its masks
    come from each member's generator) and a short last batch (600 examples, batches of 48)."""
    base = {**tiny_config, "epochs": 8, "batch_size": 48, "dropout": 0.2}
    return [{**base, "seed": 0}, {**base, "seed": 1, "learning_rate": 0.5},
            {**base, "seed": 2, "label_corruption": 0.5}]


def test_members_match_the_trials_run_one_at_a_time(members, monkeypatch):
    step_log = []
    together = population.train_population(members, step_log=step_log)
    running = np.concatenate(step_log, axis=1)  # (members, steps): 8 epochs x 13 steps
    assert running.shape == (3, 104)
    for member, config in enumerate(members):
        alone_steps = one_at_a_time_steps(config, monkeypatch)
        alone_running = np.concatenate(alone_steps)
        # the first 100 steps' losses, to float32 tolerance
        np.testing.assert_allclose(running[member, :100], alone_running[:100], rtol=2e-5, atol=1e-6)
        np.testing.assert_allclose(per_step([list(r) for r in np.split(running[member], 8)])[:100],
                                   per_step(alone_steps)[:100], rtol=1e-4, atol=1e-4)
        alone = train.train(config)  # the fast per-trial path, as a study runs it
        mine = together[member]
        assert mine["status"] == alone["status"]
        for row, other in zip(mine["history"], alone["history"], strict=True):
            for name in ("loss", "accuracy", "dev_loss", "dev_accuracy", "learning_rate"):
                assert row[name] == pytest.approx(other[name], rel=1e-4, abs=1e-5), (member, name, row["epoch"])
        assert mine["initial_loss"] == pytest.approx(alone["initial_loss"], rel=1e-6)
        # final metrics: within one test example (seed noise is several points on this data)
        for name in ("test_accuracy", "train_accuracy", "best_dev_accuracy"):
            assert abs(mine["metrics"][name] - alone["metrics"][name]) <= 1 / 200 + 1e-6, (member, name)
        assert mine["metrics"]["kept_epoch"] == alone["metrics"]["kept_epoch"]
        # the kept weights' final evaluations, vmapped over the members, as Keras's evaluate gives them
        for name in ("train_loss", "test_loss"):
            assert mine["metrics"][name] == pytest.approx(alone["metrics"][name], rel=1e-3), (member, name)
        assert mine["population"]["size"] == 3


def test_a_step_per_call_gives_the_scanned_epochs_numbers(members, monkeypatch):
    members = [{**config, "epochs": 2} for config in members]
    scanned_log, stepped_log = [], []
    scanned = population.train_population(members, step_log=scanned_log)
    monkeypatch.setattr(train, "scans_epochs", lambda config: False)  # as for large batches
    stepped = population.train_population(members, step_log=stepped_log)
    np.testing.assert_allclose(np.concatenate(stepped_log, axis=1), np.concatenate(scanned_log, axis=1),
                               rtol=1e-5, atol=1e-6)
    for mine, other in zip(stepped, scanned, strict=True):
        assert [row["dev_loss"] for row in mine["history"]] == pytest.approx(
            [row["dev_loss"] for row in other["history"]], rel=1e-5)


@pytest.mark.parametrize("schedule", ["constant", "exponential"])
def test_each_members_learning_rate_is_logged_as_alone(tiny_config, schedule):
    base = {**tiny_config, "epochs": 3, "lr_schedule": schedule}
    configs = [{**base, "seed": 0}, {**base, "seed": 1, "learning_rate": 0.5 if schedule == "constant" else 0.1}]
    for mine, config in zip(population.train_population(configs), configs, strict=True):
        assert [row["learning_rate"] for row in mine["history"]] == pytest.approx(
            [row["learning_rate"] for row in train.train(config)["history"]], rel=1e-6)


@pytest.mark.parametrize("skipped", [{}, {"keep_weights": "last", "validation_freq": 3, "activation": "linear"}])
def test_a_diverging_member_is_diverged_and_the_others_finish(tiny_config, skipped):
    """Also when the loss turns non-finite on an epoch without a dev pass (validation_freq)."""
    base = {**tiny_config, "optimizer": "momentum", "epochs": 4, **skipped}
    configs = [{**base, "learning_rate": 0.1}, {**base, "learning_rate": 100.0, "seed": 1}]
    calm, blown = population.train_population(configs)
    assert blown["status"] == "diverged" and blown["diverged_epoch"] == train.train(configs[1])["diverged_epoch"]
    assert calm["status"] != "diverged" and len(calm["history"]) == 4 and "test_accuracy" in calm["metrics"]
    if skipped:  # dev passes after epoch 3 (the schedule) and 4 (the last)
        assert [np.isnan(row["dev_loss"]) for row in calm["history"]] == [True, True, False, False]
        # the linear net's loss is NaN after epoch 1, which has no dev pass by the schedule
        assert blown["diverged_epoch"] == len(blown["history"]) == 1 and np.isnan(blown["history"][0]["loss"])


def test_members_stop_at_their_own_train_accuracy_and_keep_their_weights(tiny_config):
    """Also with dev passes every 3 epochs (validation_freq): each member's dev rows are the
    per-trial path's, NaN on the same skipped epochs and measured at the epoch it stopped."""
    base = {**tiny_config, "epochs": 8, "stop_at_train_accuracy": 0.6, "depth": 0}
    configs = [{**base, "learning_rate": 0.5, "keep_weights": "last", "validation_freq": 3},
               {**base, "learning_rate": 0.05, "seed": 1, "keep_weights": "last", "validation_freq": 3}]
    patient = [{**base, "stop_at_train_accuracy": 0.0, "early_stopping_patience": 1, "learning_rate": rate, "seed": seed}
               for seed, rate in ((2, 0.05), (3, 0.5))]  # EarlyStopping's patience, per member
    together = population.train_population(configs)
    for config, mine in [*zip(configs, together), *zip(patient, population.train_population(patient))]:
        alone = train.train(config)
        assert len(mine["history"]) == len(alone["history"])
        for row, other in zip(mine["history"], alone["history"], strict=True):
            for name in ("loss", "dev_loss", "dev_accuracy"):
                assert row[name] == pytest.approx(other[name], rel=1e-4, abs=1e-5, nan_ok=True), (name, row["epoch"])
        assert mine["metrics"]["test_accuracy"] == pytest.approx(alone["metrics"]["test_accuracy"], abs=1 / 200)
        assert mine["metrics"]["final_dev_accuracy"] == pytest.approx(alone["metrics"]["final_dev_accuracy"], abs=1e-6)
    assert len(together[0]["history"]) < len(together[1]["history"])
    for mine in together:  # epochs 3, 6 and the last one trained (stopped off the schedule)
        last = len(mine["history"])
        assert last % 3
        assert [np.isnan(row["dev_loss"]) for row in mine["history"]] == \
            [not (epoch % 3 == 0 or epoch == last) for epoch in range(1, last + 1)]


def test_which_keys_a_population_may_vary(tiny_config):
    key = population.group_key
    assert key(tiny_config) == key({**tiny_config, "seed": 3, "learning_rate": 0.7, "label_corruption": 0.2})
    assert key(tiny_config) != key({**tiny_config, "width": 17})
    scheduled = {**tiny_config, "lr_schedule": "exponential"}
    assert key(scheduled) != key({**scheduled, "learning_rate": 0.7})  # a schedule bakes the rate in
    assert population.unsupported({**tiny_config, "lr_callback": "reduce_on_plateau"}) is not None
    assert population.unsupported({**tiny_config, "probe_examples": 10}) is None  # the probe is vmapped too
    assert population.unsupported(tiny_config) is None
    assert population.unsupported({**tiny_config, "train_alone": True}) is not None  # its epoch times are its own
    cnn = population.unsupported({**tiny_config, "model": "cnn"})
    assert (cnn is None) == train.on_gpu()  # convolutions train per trial on a CPU
    with pytest.raises(ValueError, match="differ only in"):
        population.train_population([tiny_config, {**tiny_config, "width": 17}])


def test_suite_run_with_and_without_populations_stores_the_same_records(tmp_path, capsys):
    common = ["run", "depth", "--profile", "smoke", "--set", "epochs=1", "--results-dir", str(tmp_path / "out")]
    assert main([*common, "--runs-dir", str(tmp_path / "pop"), "--population", "2"]) == 0
    assert main([*common, "--runs-dir", str(tmp_path / "one"), "--no-population"]) == 0
    pop, one = (TrialStore(tmp_path / name / "depth" / "smoke") for name in ("pop", "one"))
    plan_keys = [path.stem for path in (pop.trials_dir).glob("*.json")]
    assert len(plan_keys) == 10
    for key in plan_keys:
        a, b = pop.get(key), one.get(key)
        assert a["population"]["size"] == 2 and "population" not in b
        assert a["status"] == b["status"]
        assert a["metrics"].get("test_accuracy") == pytest.approx(b["metrics"].get("test_accuracy"), abs=1 / 200)


def test_probed_trials_train_in_populations_and_keep_their_probes(tmp_path, capsys):
    from suite.design.plugins import all_studies
    STUDIES = all_studies()
    from suite.design.study import expand

    plan = expand(STUDIES["depth"], "smoke", seeds=3, overrides={"epochs": 1, "probe_examples": 20})
    first = population.group_key(plan.trials[0].config)
    plan.trials = [trial for trial in plan.trials if population.group_key(trial.config) == first]
    store = runner.store_for(plan, tmp_path)
    counts = runner.run_plan(plan, store, population_size=4)
    assert sum(counts.values()) == len(plan.trials) == 3  # one network, three seeds: one population
    assert "population training off" not in capsys.readouterr().err
    records = [store.get(path.stem) for path in store.trials_dir.glob("*.json")]
    assert records and all(record["population"]["size"] > 1 for record in records)
    assert all({row["epoch"] for row in record["probes"]} == {0, 1} for record in records)


def test_trials_a_population_cannot_carry_train_alone_said_once(tmp_path, capsys):
    from suite.design.plugins import all_studies
    STUDIES = all_studies()
    from suite.design.study import expand

    plan = expand(STUDIES["depth"], "smoke", seeds=1, overrides={"epochs": 1, "lr_callback": "reduce_on_plateau"})
    counts = runner.run_plan(plan, runner.store_for(plan, tmp_path), population_size=4)
    assert sum(counts.values()) == len(plan.trials)
    assert capsys.readouterr().err.count("population training off: the metric-driven") == 1


def test_probed_members_give_the_probe_rows_of_the_trials_run_one_at_a_time(tiny_config):
    """Each member's layer probe (epoch 0 and after every epoch) and its summary metrics equal
    those of the same trial run alone (``suite.training.train.train``), to float32 tolerance."""
    base = {**tiny_config, "depth": 2, "activation": "sigmoid", "epochs": 3, "probe_examples": 64}
    configs = [{**base, "seed": 0}, {**base, "seed": 1, "learning_rate": 0.5},
               {**base, "seed": 2, "label_corruption": 0.5}]  # per-member probe labels
    for config, mine in zip(configs, population.train_population(configs), strict=True):
        alone = train.train(config)
        assert len(mine["probes"]) == len(alone["probes"]) == 4 * 3  # epochs 0-3 x (2 hidden + output)
        for row, other in zip(mine["probes"], alone["probes"], strict=True):
            assert row.keys() == other.keys()
            for name, value in other.items():
                assert row[name] == pytest.approx(value, rel=1e-4, abs=1e-6, nan_ok=True), (config["seed"], name, row)
        probed = {name for name in alone["metrics"] if name in probes.summary_metrics(alone["probes"])}
        assert {"grad_ratio_first_last", "dead_fraction", "bias_grad_norm_2"} <= probed
        for name in probed:
            assert mine["metrics"][name] == pytest.approx(alone["metrics"][name], rel=1e-4, abs=1e-6, nan_ok=True)
