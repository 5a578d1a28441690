"""Paper-layout tables, dict-merging overlays, per-layer widths, the less_spread rule and the
nuisance-search frame (the features behind the optimizers studies)."""
import math

import numpy as np
import pandas as pd
import pytest

from suite.design.plugins import all_studies
from suite.analysis import frames as analysis
from suite.reporting import tables
from suite.analysis import verdicts
from suite.errors import UserError
from suite.design.study import DEFAULTS, Reference, Rule, Study, Table, expand, trial_key

STUDIES = all_studies()

GRID = Study(
    "grid", "c", "s", {"dataset": "synthetic"},
    {"optimizer": ["sgd", "adagrad", "adadelta"], "learning_rate": [1.0, 0.1],
     "rho": {"none": {}, "0.9": {"optimizer_options": {"rho": 0.9}}},
     "epsilon": {"none": {}, "1e-6": {"optimizer_options": {"epsilon": 1e-6}}}},
    {"quick": {"seeds": 2}},
    only=({"optimizer": ["sgd", "adagrad"], "rho": "none", "epsilon": "none"},
          {"optimizer": "adadelta", "learning_rate": 1.0, "rho": "0.9", "epsilon": "1e-6"}),
    references=(Reference("Zeiler 2012", "test_accuracy", {("sgd", 1.0, "none", "none"): 0.9774}),),
    tables=(Table("Table 1", "test_accuracy", rows="learning_rate", columns="optimizer",
                  where={"rho": "none"}, as_error=True),),
)


def summary_of(rows):
    """Summary rows (optimizer, learning_rate, done, diverged, mean, std) as analysis.summarize makes them."""
    frame = pd.DataFrame([{"optimizer": o, "learning_rate": lr, "rho": "none", "epsilon": "none", "n": n,
                           "n_diverged": d, "n_failed": 0, "test_accuracy_mean": mean, "test_accuracy_std": std}
                          for o, lr, n, d, mean, std in rows])
    frame["reference_test_accuracy"] = [0.9774 if (o, lr) == ("sgd", 1.0) else math.nan
                                        for o, lr in zip(frame.optimizer, frame.learning_rate)]
    return frame


def test_table_is_a_pivot_with_published_numbers_and_diverged_cells():
    summary = summary_of([("sgd", 1.0, 3, 0, 0.97, 0.002), ("sgd", 0.1, 2, 1, 0.96, 0.001),
                          ("adagrad", 1.0, 0, 3, math.nan, math.nan), ("adagrad", 0.1, 3, 0, 0.95, 0.01)])
    lines = tables.render(GRID, summary, GRID.tables[0]).splitlines()
    assert lines[0] == "| learning_rate \\ optimizer | sgd | adagrad |"
    assert lines[2] == "| learning_rate = 1.0 | 3.00 ± 0.20 (2.26) | diverged |"
    assert lines[3] == "| learning_rate = 0.1 | 4.00 ± 0.10 (1 of 3 seeds diverged) | 5.00 ± 1.00 |"
    section = "\n".join(tables.table_lines(GRID, summary))
    assert "**Table 1.**" in section and "test_error (%)" in section


def test_a_table_cell_holding_two_points_is_a_user_error():
    summary = pd.concat([summary_of([("sgd", 1.0, 3, 0, 0.9, 0.0)])] * 2)
    with pytest.raises(UserError, match="share one cell"):
        tables.render(GRID, summary, GRID.tables[0])


def test_overlays_on_a_dict_key_merge_and_the_grid_is_the_selection():
    plan = expand(GRID, "quick")
    assert len(plan.trials) == (2 * 2 + 1) * 2
    adadelta = [t for t in plan.trials if t.point["optimizer"] == "adadelta"][0]
    assert adadelta.config["optimizer_options"] == {"rho": 0.9, "epsilon": 1e-6}


def test_widths_default_keeps_stored_keys_and_sets_layer_sizes():
    config = dict(DEFAULTS)
    assert trial_key({"a": 1}, config) == trial_key({"a": 1}, {k: v for k, v in config.items() if k != "widths"})
    from suite.training.models import build_mlp

    model = build_mlp((4,), 3, depth=1, width=7, activation="tanh", kernel_initializer="zeros",
                      bias_initializer="zeros", l2=0.0, dropout=0.0, widths=[6, 5])
    assert [layer.units for layer in model.layers if hasattr(layer, "units")] == [6, 5, 3]
    with pytest.raises(UserError, match=r"widths\[1\] is not allowed; expected a list of int"):
        expand(STUDIES["optimizers"], "quick", overrides={"widths": [500, 0]})


def spread_trials(a_means, b_means, noise=0.001, seeds=5):
    rows = []
    for name, means in (("adadelta", a_means), ("sgd", b_means)):
        for index, mean in enumerate(means):
            rows += [{"optimizer": name, "setting": index, "seed": s, "status": "done",
                      "test_accuracy": mean + noise * (s - 2)} for s in range(seeds)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("a_means, b_means, expected", [
    ([0.97, 0.975, 0.972], [0.97, 0.90, 0.50], "supported"),
    ([0.97, 0.90, 0.50], [0.97, 0.975, 0.972], "not_supported"),
])
def test_less_spread_compares_the_spread_of_point_means(a_means, b_means, expected):
    rule = Rule("less_spread", {"optimizer": "adadelta"}, {"optimizer": "sgd"}, margin=1.0, along=("setting",))
    evidence = verdicts.judge(rule, spread_trials(a_means, b_means))
    assert evidence["verdict"] == expected
    assert evidence["points_a"] == evidence["points_b"] == 3


def test_less_spread_with_one_point_or_few_seeds_is_inconclusive():
    rule = Rule("less_spread", {"optimizer": "adadelta"}, {"optimizer": "sgd"}, margin=1.0, along=("setting",))
    assert verdicts.judge(rule, spread_trials([0.9], [0.9, 0.5]))["verdict"] == "inconclusive"
    few = verdicts.judge(rule, spread_trials([0.97, 0.975, 0.972], [0.97, 0.90, 0.50], seeds=4))
    assert few["verdict"] == "inconclusive" and "5 finished seeds per point" in few["why"]


def test_less_spread_does_not_grow_with_the_number_of_points():
    """The same spread of settings, sampled at 3 points on one side and 9 on the other, is not
    'less' on the side with fewer points (the range of point means would be)."""
    rule = Rule("less_spread", {"optimizer": "adadelta"}, {"optimizer": "sgd"}, margin=0.5, along=("setting",))
    evidence = verdicts.judge(rule, spread_trials([0.90, 0.95, 1.0], list(np.linspace(0.90, 1.0, 9))))
    assert evidence["verdict"] != "supported" and evidence["ratio"] > 0.5


def test_nuisance_frame_marks_the_value_each_point_ran_with():
    def record(optimizer, lr, status, accuracy):
        metrics = {"best_dev_accuracy": accuracy} if status == "done" else {}
        return {"tuned_for": {"optimizer": optimizer}, "config": {"learning_rate": lr}, "status": status,
                "metrics": metrics, "key": f"learning_rate={lr}"}
    records = [record("sgd", 0.1, "done", 0.9), record("sgd", 1.0, "diverged", None),
               record("sgd", 0.3, "done", 0.95), record("adam", 0.001, "done", 0.9),
               record("adam", 0.01, "done", 0.9)]
    frame = analysis.nuisance_frame(records, ["learning_rate"])
    chosen = frame[frame.chosen]
    assert list(zip(chosen.optimizer, chosen.learning_rate)) == [("sgd", 0.3), ("adam", 0.001)]
    assert frame.loc[1, "status"] == "diverged" and math.isnan(frame.loc[1, "best_dev_accuracy"])


def zeiler_grid_frame(dev_best: dict, test_best: dict, seeds=(0, 1, 2)) -> pd.DataFrame:
    """A constructed optimizers trials frame: each method's last-epoch dev accuracy peaks at
    ``dev_best`` (on every seed) and its test accuracy at ``test_best``; Adadelta's 12 settings."""
    rows = []
    for seed in seeds:
        for method in ("sgd", "momentum", "adagrad"):
            for rate in (1.0, 0.1, 0.01, 0.001, 0.0001):
                rows.append({"optimizer": method, "learning_rate": rate, "rho": "none", "epsilon": "none",
                             "seed": seed, "status": "done",
                             "final_dev_accuracy": 0.95 if rate == dev_best[method] else 0.90,
                             "test_accuracy": 0.96 if rate == test_best[method] else 0.91})
        for rho in ("0.9", "0.95", "0.99"):
            for epsilon in ("1e-2", "1e-4", "1e-6", "1e-8"):
                rows.append({"optimizer": "adadelta", "learning_rate": 1.0, "rho": rho, "epsilon": epsilon,
                             "seed": seed, "status": "done", "final_dev_accuracy": 0.93, "test_accuracy": 0.93})
    return pd.DataFrame(rows)


def test_optimizers_study_picks_each_methods_best_rate_on_the_dev_split():
    """Issue 31: the best rate comes from our dev accuracy (not Zeiler's table, not the test split)."""
    study = STUDIES["optimizers"]
    dev_best = {"sgd": 0.1, "momentum": 0.01, "adagrad": 0.1}  # none of them Zeiler's 1.0, 0.1, 0.01
    frame = study.derive(zeiler_grid_frame(dev_best, test_best={"sgd": 1.0, "momentum": 0.1, "adagrad": 0.01}))
    for method, rate in dev_best.items():
        rows = frame[frame.optimizer == method]
        assert (rows.dev_best_rate == rate).all()
        tuned = rows.dropna(subset=["test_accuracy_tuned"])
        assert set(tuned.learning_rate) == {rate} and sorted(tuned.seed) == [1, 2]  # the tuning seed 0 reports nothing
        assert set(rows.dropna(subset=["rate_up_to_best"]).learning_rate) == {r for r in (1.0, 0.1, 0.01, 0.001, 1e-4)
                                                                               if r <= rate}
    adadelta = frame[frame.optimizer == "adadelta"].dropna(subset=["test_accuracy_tuned"])
    assert set(zip(adadelta.rho, adadelta.epsilon)) == {("0.95", "1e-6")} and sorted(adadelta.seed) == [1, 2]


def test_the_dev_choice_reads_the_tuning_seed_alone_and_skips_runs_that_did_not_learn():
    from suite.analysis import rate_grid

    frame = zeiler_grid_frame({"sgd": 0.1, "momentum": 0.1, "adagrad": 0.1}, {"sgd": 0.1, "momentum": 0.1, "adagrad": 0.1})
    other_seeds = frame.seed != 0
    frame.loc[other_seeds & (frame.learning_rate == 0.001), "final_dev_accuracy"] = 0.99  # not the tuning seed: ignored
    frame.loc[(frame.seed == 0) & (frame.optimizer == "sgd") & (frame.learning_rate == 1.0),
              ["status", "final_dev_accuracy"]] = ["collapsed", 0.999]
    assert rate_grid.best_on_dev(frame[frame.optimizer != "adadelta"], "optimizer") == \
        {"sgd": 0.1, "momentum": 0.1, "adagrad": 0.1}
    tie = frame[(frame.optimizer == "sgd")].assign(final_dev_accuracy=0.9)
    assert rate_grid.best_on_dev(tie, "optimizer") == {"sgd": 0.0001}  # ties: the smaller rate
