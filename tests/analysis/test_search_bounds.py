import math

import pandas as pd

from suite.analysis import search_bounds

SPACE = {"depth": {"int": [1, 4]},
         "width": {"int": [16, 512], "step": 2, "sampling": "log"},
         "learning_rate": {"float": [0.001, 0.3], "sampling": "log"},
         "dropout": {"float": [0.0, 0.5], "step": 0.1},
         "activation": {"choice": ["relu", "tanh"]},
         "batch_size": {"choice": [32, 64, 128]}}


def frame(rows):
    return pd.DataFrame(rows, columns=[*SPACE, "best_dev_accuracy"])


def row(acc, **values):
    base = {"depth": 2, "width": 128, "learning_rate": 0.01, "dropout": 0.2, "activation": "relu", "batch_size": 64}
    return {**base, **values, "best_dev_accuracy": acc}


def test_the_best_trial_on_an_upper_bound_is_reported():
    trials = frame([row(0.90), row(0.96, width=512), row(math.nan, width=16), row(0.95, depth=1)])
    hits = search_bounds.boundary_hits(search_bounds.best_row(trials, "best_dev_accuracy"), SPACE)
    assert [(h["name"], h["side"], h["where"], h["bound"]) for h in hits] == [("width", "upper", "on", 512)]
    lines = search_bounds.boundary_lines(trials, SPACE, "best_dev_accuracy")
    assert lines[0].startswith("**Boundary warning.**")
    assert any("`width` = 512 is on the upper bound 512 of its range [16, 512]" in line for line in lines)


def test_an_interior_best_gives_one_reassuring_line():
    trials = frame([row(0.96), row(0.90, width=512, depth=4)])
    assert search_bounds.boundary_hits(search_bounds.best_row(trials, "best_dev_accuracy"), SPACE) == []
    lines = search_bounds.boundary_lines(trials, SPACE, "best_dev_accuracy")
    assert len(lines) == 1 and lines[0].startswith("No value of the best configuration")


def test_near_is_read_on_the_sampling_scale_and_lower_bounds_count():
    # 0.27 is 98 % of the way from 0.001 to 0.3 on the log scale (but 90 % linearly): near the upper bound
    hits = search_bounds.boundary_hits(row(0.9, learning_rate=0.27, dropout=0.0, depth=1, batch_size=32), SPACE)
    found = {h["name"]: (h["side"], h["where"]) for h in hits}
    assert found == {"learning_rate": ("upper", "near"), "dropout": ("lower", "on"), "depth": ("lower", "on"),
                     "batch_size": ("lower", "on")}
    # 0.05 is 0.85 of the way on the log scale: interior
    assert search_bounds.boundary_hits(row(0.9, learning_rate=0.05), SPACE) == []


def test_minimizing_picks_the_lowest_and_an_empty_frame_says_nothing():
    trials = frame([row(0.30, width=512), row(0.10, width=16)]).rename(columns={"best_dev_accuracy": "min_dev_loss"})
    hits = search_bounds.boundary_hits(search_bounds.best_row(trials, "min_dev_loss", maximize=False), SPACE)
    assert [(h["name"], h["side"]) for h in hits] == [("width", "lower")]
    assert search_bounds.boundary_lines(frame([row(math.nan)]), SPACE, "best_dev_accuracy") == []


def test_the_callers_best_configuration_takes_precedence_over_the_frame():
    trials = frame([row(0.96, width=512), row(0.96)])  # a tie: the oracle chose the second
    assert search_bounds.boundary_lines(trials, SPACE, "best_dev_accuracy")[0].startswith("**Boundary")
    lines = search_bounds.boundary_lines(trials, SPACE, "best_dev_accuracy", best={"width": 128, "depth": 2})
    assert lines[0].startswith("No value of the best configuration")
