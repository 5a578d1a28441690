"""A paired difference between two levels of one axis, seed by seed, within each level of
another: e.g. cross-entropy's first-epoch dev accuracy minus the quadratic cost's, per start and
seed (an interaction is then a comparison of these differences between two starts). Pure
DataFrame work, used as a study's ``derive``."""
from __future__ import annotations

import math

import pandas as pd

from suite.training.outcomes import FINISHED


def derive(trials: pd.DataFrame, name: str, metric: str, axis: str, a, b, within: str) -> pd.DataFrame:
    """``trials`` with column ``name``: on each row whose ``axis`` is ``a``, its ``metric`` minus
    the ``metric`` of the row with ``axis`` = ``b``, the same ``within`` value and the same seed;
    NaN on every other row and where either run did not finish (failed) or lacks the metric.
    A run that finished without learning still counts: what it measured is its value."""
    out = trials.copy()
    out[name] = math.nan
    if metric not in out:
        return out
    ran = out.status.isin(FINISHED)
    other = out[ran & (out[axis] == b)].set_index([within, "seed"])[metric]
    mine = out[ran & (out[axis] == a)]
    out.loc[mine.index, name] = [value - other.get((level, seed), math.nan)
                                 for value, level, seed in zip(mine[metric], mine[within], mine.seed)]
    return out
