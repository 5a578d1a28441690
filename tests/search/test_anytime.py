import math

import pandas as pd
import pytest

from suite.search import anytime


def record(order, epochs, dev, status="done"):
    history = [{"epoch": e + 1} for e in range(epochs)]
    metrics = {"best_dev_accuracy": dev} if dev is not None else {}
    return {"search": {"order": order}, "history": history, "status": status, "metrics": metrics}


@pytest.fixture
def frame():
    # stored in key order, run in oracle order 1..4; the diverged trial spends epochs but finds nothing
    records = [record(3, 4, 0.90), record(1, 1, 0.60), record(2, 2, math.nan, "diverged"), record(4, 1, 0.95)]
    return anytime.curve(records, "hyperband", 0)


def test_curve_orders_trials_and_accumulates_epochs_and_the_best_so_far(frame):
    assert frame.order.tolist() == [1, 2, 3, 4]
    assert frame.epochs_spent.tolist() == [1, 3, 7, 8]
    assert frame.best_so_far.tolist() == [0.60, 0.60, 0.90, 0.95]


def test_anytime_metrics_on_a_constructed_curve(frame):
    assert anytime.epochs_to_target(frame, 0.85) == 7
    assert anytime.epochs_to_target(frame, 0.95) == 8
    assert math.isnan(anytime.epochs_to_target(frame, 0.99))
    assert anytime.best_at(frame, epochs=6) == 0.60  # the 4-epoch trial ends at 7
    assert anytime.best_at(frame, trials=3) == 0.90
    assert math.isnan(anytime.best_at(frame, epochs=0))
    metrics = anytime.repetition_metrics(frame, budget=7, target=0.9, trials=2)
    assert metrics == {"best_dev_accuracy_at_budget": 0.90, "best_dev_accuracy_after_trials": 0.60, "epochs_to_target": 7.0,
                       "search_trials": 4, "search_epochs": 8}


def test_band_reads_each_step_curve_on_a_grid_and_spans_the_repetitions(frame):
    other = frame.assign(repetition=1, best_so_far=frame.best_so_far - 0.1)
    gridded = anytime.on_grid(pd.concat([frame, other]), budget=8)
    first = gridded[gridded.repetition == 0].set_index("epochs_spent").best_so_far
    assert math.isnan(first[0]) and first[1] == first[6] == 0.60 and first[7] == 0.90
    band = anytime.band(gridded).set_index("epochs_spent")
    assert band.loc[8, "mean"] == pytest.approx(0.90)
    assert band.loc[8, "low"] < 0.90 < band.loc[8, "high"] <= 1.0
    assert band.loc[8, "n"] == 2
