"""A grid search over the same ranges as random search: k values per hyperparameter, the grid
shifted and its points visited in an order drawn from the tuner seed.

Grid search as Bergstra & Bengio 2012 (Figure 1) describe it tries every combination of k values
per hyperparameter. Placed once by hand, a grid's result depends on where its few values happen
to fall, one draw that no repetition can vary; here each repetition (tuner seed) places the grid
anew: on each parameter's sampling scale (log or linear) its range is cut into k equal cells and
the grid takes the same relative position u in every cell, u drawn uniformly per parameter (a
randomly shifted lattice: still k distinct values per parameter, spaced evenly over the whole
range), and visits the k^d points in a random order. Repetitions then differ as random search's
do, and the grid's tuner-seed variance is measured rather than assumed zero.
"""
from __future__ import annotations

import itertools
import math

import keras_tuner
import numpy as np
from keras_tuner.src.engine import trial as trial_module

from suite.errors import UserError


def axis_values(spec: dict, count: int, offset: float) -> list:
    """``count`` values over one parameter's range (``{"int"|"float": [lo, hi], "sampling": ...}``),
    one per equal cell of its sampling scale, each at relative position ``offset`` in [0, 1) of
    its cell; ints rounded (distinct values kept distinct where the range allows)."""
    kind = "int" if "int" in spec else "float" if "float" in spec else None
    if kind is None or count < 1:
        raise UserError(f"a grid needs an int or float range and at least 1 value per parameter; got {spec}, {count}")
    low, high = spec[kind]
    log = spec.get("sampling") == "log"
    to_scale = math.log if log else (lambda x: x)
    from_scale = math.exp if log else (lambda x: x)
    a, b = to_scale(low), to_scale(high)
    values = [from_scale(a + (i + offset) / count * (b - a)) for i in range(count)]
    if kind == "int":
        values = [int(min(max(round(v), low), high)) for v in values]
    else:
        values = [float(min(max(v, low), high)) for v in values]
    return values


def points(space: dict, counts: dict, seed: int) -> list[dict]:
    """The grid's points for tuner seed ``seed``, in the order they are tried: ``counts`` maps each
    parameter of ``space`` to its number of values (a parameter left out is not searched)."""
    unknown = set(counts) - set(space)
    if unknown:
        raise UserError(f"grid parameters {sorted(unknown)} are not in the search space {sorted(space)}")
    rng = np.random.default_rng(seed)
    names = list(counts)
    offsets = rng.uniform(0.0, 1.0, size=len(names))
    axes = [axis_values(space[name], counts[name], float(u)) for name, u in zip(names, offsets)]
    grid = [dict(zip(names, combo)) for combo in itertools.product(*axes)]
    return [grid[i] for i in rng.permutation(len(grid))]


class ListOracle(keras_tuner.Oracle):
    """keras-tuner oracle that hands out a fixed list of configurations in order, then stops."""

    def __init__(self, configurations: list[dict], **kwargs):
        super().__init__(**kwargs)
        self.configurations = configurations

    def populate_space(self, trial_id):
        index = len(self.trials)  # the trials created so far
        if index >= len(self.configurations):
            return {"status": trial_module.TrialStatus.STOPPED, "values": None}
        return {"status": trial_module.TrialStatus.RUNNING, "values": dict(self.configurations[index])}
