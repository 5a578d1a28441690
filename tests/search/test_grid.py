import math

import keras_tuner
import pytest

from suite.search import grid

SPACE = {"learning_rate": {"float": [1e-3, 1.0], "sampling": "log"},
         "width": {"int": [8, 256], "sampling": "log"},
         "dropout": {"float": [0.0, 0.5]}}
COUNTS = {"learning_rate": 2, "width": 2, "dropout": 3}


def test_the_grid_covers_the_range_one_value_per_cell():
    points = grid.points(SPACE, COUNTS, seed=1)
    assert len(points) == 2 * 2 * 3 and len({tuple(p.values()) for p in points}) == 12
    rates = sorted({p["learning_rate"] for p in points})
    # one value in each half of [1e-3, 1] on the log scale, at the same relative place in its cell
    assert rates[0] < math.sqrt(1e-3) < rates[1]
    assert math.log(rates[1] / rates[0]) == pytest.approx(math.log(1.0 / 1e-3) / 2)
    dropouts = sorted({p["dropout"] for p in points})
    assert [int(d // (0.5 / 3)) for d in dropouts] == [0, 1, 2]
    assert all(isinstance(p["width"], int) and 8 <= p["width"] <= 256 for p in points)


def test_the_tuner_seed_shifts_and_shuffles_the_grid_reproducibly():
    assert grid.points(SPACE, COUNTS, seed=3) == grid.points(SPACE, COUNTS, seed=3)
    first, second = grid.points(SPACE, COUNTS, seed=1), grid.points(SPACE, COUNTS, seed=2)
    assert {p["learning_rate"] for p in first} != {p["learning_rate"] for p in second}
    orders = {tuple(sorted(range(12), key=lambda i, pts=grid.points(SPACE, COUNTS, seed=s): tuple(pts[i].values())))
              for s in range(1, 6)}
    assert len(orders) > 1  # the visiting order differs between seeds


def test_an_unknown_parameter_is_refused():
    with pytest.raises(Exception, match="not in the search space"):
        grid.points(SPACE, {"momentum": 2}, seed=1)


def test_the_list_oracle_hands_out_its_configurations_then_stops():
    configurations = grid.points(SPACE, {"learning_rate": 2}, seed=1)
    oracle = grid.ListOracle(configurations, objective=keras_tuner.Objective("val_accuracy", "max"), max_trials=5,
                             seed=1)
    assert [oracle.populate_space(str(i))["values"] for i in range(1)] == [configurations[0]]
    oracle.trials = {"0": None, "1": None}  # two trials created: the list is spent
    assert oracle.populate_space("2")["status"] == "STOPPED"
