"""The judge of rule kind ``optimum_spread``: is the best setting of one hyperparameter less
coupled to another on side a than on side b?

Loshchilov & Hutter (2019, Figure 1) claim that with decoupled weight decay (AdamW) the best
decay factor hardly moves when the learning rate changes, while with L2 in Adam's gradient it
does (the good region is a diagonal). The statistic: for each level of the first axis of
``rule.along`` (learning rate), the value of the second axis (decay) with the best mean metric;
its spread is the standard deviation, over the first axis's levels, of log10 of that best value
(decades; the position in the grid for values that are not all positive). A bootstrap over each
point's seeds gives the distribution of spread(b) - spread(a).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from suite.analysis.frames import ALPHA, CONFIDENCE, counted, select
from suite.analysis.verdicts import samples
from suite.analysis.verdicts.judges import BOOTSTRAP_RESAMPLES, MIN_SPREAD_SEEDS

if TYPE_CHECKING:  # the study module imports this one (rule kinds): annotations only
    from suite.design.study import Rule


def _cells(trials: pd.DataFrame, where: dict, group: str, setting: str, metric: str) -> dict:
    """{group level: {setting value: the counted seeds' values of ``metric``}} for the trials matching ``where``."""
    rows = counted(select(trials, where), metric).dropna(subset=[metric])
    return {level: {value: cell[metric].to_numpy(dtype=float) for value, cell in rows.groupby(setting)}
            for level, rows in rows.groupby(group)} if len(rows) else {}


def _coordinates(values) -> dict:
    """Setting value -> where it sits: log10 when every value is positive, else its rank."""
    values = sorted(values)
    if all(isinstance(v, (int, float)) and v > 0 for v in values):
        return {v: math.log10(v) for v in values}
    return {v: float(i) for i, v in enumerate(values)}


def best_settings(cells: dict, means=None) -> dict:
    """Group level -> the setting value with the best (largest) mean; ``means(values)`` replaces
    the plain mean (a bootstrap passes resampled means). Ties go to the smaller setting."""
    means = means or (lambda values: float(values.mean()))
    return {level: max(sorted(row), key=lambda value: means(row[value])) for level, row in cells.items()}


def spread(best: dict, coordinates: dict) -> float:
    """Standard deviation (ddof 1) over the group levels of the best setting's coordinate."""
    return float(np.std([coordinates[value] for value in best.values()], ddof=1))


def optimum_spread(rule: Rule, trials: pd.DataFrame) -> dict:
    """spread(b) - spread(a) of the best ``along[1]`` value across the levels of ``along[0]``,
    against ``margin`` (decades): supported when the bootstrap puts it above the margin (a's
    optimum moves less), contradicted when below. p_support = share of resampled differences
    <= margin, p_contradict = share >= margin (ties count against both). Needs every side to have
    2 levels of along[0], 2 values of along[1] each, and ``MIN_SPREAD_SEEDS`` seeds per point."""
    group, setting = rule.along
    sides = {name: _cells(trials, where, group, setting, rule.metric) for name, where in (("a", rule.a), ("b", rule.b))}
    seeds = [len(v) for cells in sides.values() for row in cells.values() for v in row.values()]
    fewest = min(seeds, default=0)
    evidence = {"levels_a": len(sides["a"]), "levels_b": len(sides["b"])}
    if (min(len(cells) for cells in sides.values()) < 2 or fewest < MIN_SPREAD_SEEDS
            or any(len(row) < 2 for cells in sides.values() for row in cells.values())):
        return {**evidence, "p_support": math.nan, "p_contradict": math.nan,
                "why": f"needs 2 levels of {group} per side, 2 values of {setting} at each and "
                       f"{MIN_SPREAD_SEEDS} finished seeds per point (fewest: {fewest})"}
    coordinates = {name: _coordinates({v for row in cells.values() for v in row}) for name, cells in sides.items()}
    best = {name: best_settings(cells) for name, cells in sides.items()}
    observed = {name: spread(best[name], coordinates[name]) for name in sides}
    rng = np.random.default_rng(0)
    differences = []
    for _ in range(BOOTSTRAP_RESAMPLES):
        resampled = {name: spread(best_settings(cells, lambda v: float(rng.choice(v, len(v)).mean())),
                                  coordinates[name]) for name, cells in sides.items()}
        differences.append(resampled["b"] - resampled["a"])
    differences = np.asarray(differences)
    low, high = (float(np.quantile(differences, q)) for q in (ALPHA, 1 - ALPHA))
    difference = observed["b"] - observed["a"]
    unit = "decades" if all(v == math.log10(k) for k, v in coordinates["a"].items() if k > 0) else "grid steps"

    def listed(name):
        return ", ".join(f"{level:g}: {value:g}" if isinstance(level, (int, float)) and isinstance(value, (int, float))
                         else f"{level}: {value}" for level, value in sorted(best[name].items()))

    return {**evidence, "spread_a": observed["a"], "spread_b": observed["b"], "difference": difference,
            "difference_bounds": [low, high], "best_a": {str(k): v for k, v in best["a"].items()},
            "best_b": {str(k): v for k, v in best["b"].items()},
            "p_support": samples.bootstrap_p(differences <= rule.margin),
            "p_contradict": samples.bootstrap_p(differences >= rule.margin),
            "detail": f"best {setting} per {group}: a {{{listed('a')}}}, b {{{listed('b')}}}; spread of the best "
                      f"{setting} (std of log10 across {group}) {observed['a']:.2f} vs {observed['b']:.2f} {unit}; "
                      f"b - a = {difference:.2f}, {100 * CONFIDENCE:g}% bootstrap interval [{low:.2f}, {high:.2f}], "
                      f"needs > {rule.margin:g}"}
