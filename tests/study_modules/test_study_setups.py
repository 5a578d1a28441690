"""Each study runs the experiment its source describes (issue 13): one check per setup fix, each of
which fails on the setup it replaced."""
import keras
import numpy as np
import pytest

from suite.design.plugins import all_studies
from suite.data import datasets
from suite.design.study import expand
from suite.training.train import build_model, compiled_model

STUDIES = all_studies()


def trials(study: str, profile: str = "quick", **point):
    plan = expand(STUDIES[study], profile)
    return [t for t in plan.trials if all(t.point.get(k) == v for k, v in point.items())]


def test_optimizers_study_compiles_duchis_adagrad_with_its_accumulators_at_zero():
    config = {**trials("optimizers", optimizer="adagrad", learning_rate=0.01, seed=0)[0].config,
              "dataset": "synthetic", "widths": [8, 4]}
    model = compiled_model(config, datasets.load("synthetic"), fast=False)
    accumulators = model.optimizer._accumulators
    assert accumulators and all(np.all(np.asarray(a) == 0) for a in accumulators)


# Deck 004, 'Initialization Usages': Glorot for sigmoid / tanh / softmax, He for ReLU and its
# variants, LeCun for SELU.
DECK_004 = {"sigmoid": "Glorot", "tanh": "Glorot", "softsign": "Glorot", "selu": "Lecun",
            **{name: "He" for name in ("relu", "leaky_relu", "elu", "gelu", "softplus", "swish", "prelu")}}


def test_activations_study_pairs_each_activation_with_its_recommended_initializer():
    runs = trials("activations", init="recommended", seed=0)
    assert {t.point["activation"] for t in runs} == set(DECK_004)
    for trial in runs:
        config = {**trial.config, "dataset": "synthetic", "width": 4}
        model = build_model(config, datasets.load("synthetic"))
        hidden = [layer for layer in model.layers if layer.name.startswith("hidden")]
        assert hidden and all(type(layer.kernel_initializer).__name__.startswith(DECK_004[config["activation"]])
                              for layer in hidden), trial.point


def schedule_of(config, steps_per_epoch=219):
    from suite.training import optim
    return optim.build_schedule(config["lr_schedule"], config["learning_rate"], steps_per_epoch,
                                config["epochs"], config["lr_schedule_options"])


@pytest.mark.parametrize("name, deck", [
    # deck 004, 'Learning Rate (5)-(9)', with t in epochs and each schedule's own parameters
    ("inverse_time", lambda eta, t, o: eta / (1 + o["decay_rate"] * t / o["decay_epochs"])),
    ("exponential", lambda eta, t, o: eta * o["decay_rate"] ** t),
    ("polynomial", lambda eta, t, o: (eta - eta * o["end_factor"]) * (1 - t / 15) ** o["power"] + eta * o["end_factor"]),
    ("cosine", lambda eta, t, o: eta * ((1 + np.cos(np.pi * t / 15)) / 2 * (1 - o["alpha"]) + o["alpha"])),
])
def test_schedules_study_follows_the_decks_formulas(name, deck):
    config = trials("schedules", schedule=name)[0].config  # the plan's first seed (a replication: 100)
    schedule = schedule_of(config)
    for epoch in (1, 5, 14):
        assert float(schedule(epoch * 219)) == pytest.approx(deck(config["learning_rate"], epoch,
                                                                  config["lr_schedule_options"]), rel=1e-4)


def test_schedules_study_1_over_t_decay_keeps_half_the_rate_after_one_epoch():
    config = trials("schedules", schedule="inverse_time")[0].config
    assert float(schedule_of(config)(219)) == pytest.approx(config["learning_rate"] / 2, rel=1e-4)


def test_schedules_study_judges_the_decks_default_schedulers_only():
    judged = {rule.b.get("schedule") for rule in STUDIES["schedules"].rules}
    assert judged == {"exponential", "plateau", "one_cycle"}


def test_depth_long_profile_gives_three_times_the_updates_of_quick():
    quick, long = (expand(STUDIES["depth"], p).trials[0].config for p in ("quick", "long"))
    assert long["epochs"] == 3 * quick["epochs"] and long["dataset"] == quick["dataset"]
    profiles = STUDIES["depth"].profiles
    assert profiles["long"]["seeds"] == profiles["quick"]["seeds"]
    assert [r.profile for r in STUDIES["depth"].related] == ["long"]


def test_memorization_shows_zhangs_numbers_only_on_the_comparable_random_label_rows():
    references = STUDIES["memorization"].references
    assert references and all(key[2] == "random" for ref in references for key in ref.values)


def test_optimizers_study_centres_its_inputs_on_the_training_split():
    config = trials("optimizers", optimizer="sgd", learning_rate=1.0, seed=0)[0].config
    assert config["input_transform"] == "center"
    splits = datasets.transform(datasets.load("synthetic"), 0, config["input_transform"])
    np.testing.assert_allclose(splits.x_train.mean(axis=0), 0.0, atol=1e-6)


def test_a_sigmoid_net_that_never_trains_within_the_budget_counts_as_losing_with_depth():
    rule = next(r for r in STUDIES["activations"].rules if r.kind == "better" and r.metric == "test_accuracy")
    assert rule.b == {"activation": "sigmoid", "network": "5x100", "init": "recommended"} and rule.runs == "finished"


def test_residual_study_pairs_each_plain_net_with_a_residual_twin_of_the_same_parameters():
    for depth in (3, 9):
        plain, residual = (build_model({**trials("residual", model=model, depth=depth, seed=0)[0].config,
                                        "dataset": "synthetic"}, datasets.load("synthetic"))
                           for model in ("plain", "residual"))
        assert plain.count_params() == residual.count_params()
        assert sum(isinstance(layer, keras.layers.Add) for layer in residual.layers) == (depth - 1) // 2


def test_residual_error_rise_pairs_each_trial_with_the_five_layer_net_of_its_model_and_seed():
    import pandas as pd

    frame = pd.DataFrame({"model": ["plain", "plain", "plain", "residual", "residual"], "depth": [5, 33, 33, 5, 33],
                          "seed": [0, 0, 1, 0, 0], "train_accuracy": [0.99, 0.60, 0.55, 0.995, 0.97]})
    rise = STUDIES["residual"].derive(frame).train_error_rise.tolist()
    assert np.isnan(rise[0]) and np.isnan(rise[2]) and np.isnan(rise[3])  # the baseline itself; seed 1 has none
    assert rise[1] == pytest.approx(0.39) and rise[4] == pytest.approx(0.025)


def test_gradient_norms_judges_the_gap_after_training_on_every_finished_run():
    """A claim about gradients: runs that collapsed count (issue 31); the clause is judged at all."""
    import pandas as pd

    from suite.analysis.verdicts import judges

    persist = [r for r in STUDIES["gradient_norms"].rules if r.claim == "the gap persists during training"]
    assert persist and all(r.runs == "finished" and r.metric == "grad_ratio_first_last_end" for r in persist)
    frame = pd.DataFrame({"depth": 4, "output": "sigmoid", "seed": range(7), "status": ["collapsed"] * 6 + ["diverged"],
                          "grad_ratio_first_last_end": [0.006, 0.007, 0.011, 0.007, 0.005, 0.008, np.nan]})
    evidence = judges.within(persist[0], frame)
    assert evidence["n_a"] == 6 and evidence["p_support"] < 0.001  # six collapsed runs judged, the NaN one not


@pytest.mark.parametrize("clipping, argument, value", [("value_0.1", "clipvalue", 0.1),
                                                         ("global_norm_5", "global_clipnorm", 5.0),
                                                         ("global_norm_1", "global_clipnorm", 1.0)])
def test_clipping_study_reaches_the_keras_optimizer_arguments(clipping, argument, value):
    config = {**trials("clipping", net="mlp", clipping=clipping, learning_rate=1.0, seed=0)[0].config, "dataset": "synthetic"}
    model = compiled_model(config, datasets.load("synthetic"), fast=False)
    assert getattr(model.optimizer, argument) == value
    others = {"clipvalue", "clipnorm", "global_clipnorm"} - {argument}
    assert all(getattr(model.optimizer, name) is None for name in others)
