"""Pure DataFrame work on rates measured across trials: log-log slopes (iterations against the
condition number, a noise floor against the step size) and a step-size stability threshold read
off a grid of rates (the step_size study's ``derive``)."""
from __future__ import annotations

import numpy as np
import pandas as pd


def loglog_slope(trials: pd.DataFrame, rows: pd.Series, x: str, y: str, by: list[str]) -> pd.Series:
    """Per group of ``by`` among the ``rows`` (a boolean mask), the least-squares slope of log y on
    log x; the slope is set on every row of its group (NaN elsewhere, and for a group with fewer
    than 2 points or a non-positive or missing y)."""
    slopes = pd.Series(np.nan, index=trials.index, dtype=float)
    for _, group in trials[rows].groupby(by):
        xs, ys = group[x].to_numpy(dtype=float), group[y].to_numpy(dtype=float)
        if len(group) >= 2 and np.all(np.isfinite(ys)) and np.all(ys > 0) and len(set(xs)) >= 2:
            slopes[group.index] = np.polyfit(np.log(xs), np.log(ys), 1)[0]
    return slopes


def stability_threshold(trials: pd.DataFrame, rows: pd.Series, ratio: str, stable: pd.Series,
                        by: list[str]) -> pd.Series:
    """Per group of ``by`` among ``rows``: the midpoint between the largest ``ratio`` whose run is
    ``stable`` (a boolean column) and the smallest one whose run is not, when every stable ratio lies
    below every unstable one; NaN otherwise (no crossing on the grid, or not monotone)."""
    found = pd.Series(np.nan, index=trials.index, dtype=float)
    for _, group in trials[rows].groupby(by):
        ok, bad = group[ratio][stable[group.index]], group[ratio][~stable[group.index]]
        if len(ok) and len(bad) and ok.max() < bad.min():
            found[group.index] = (ok.max() + bad.min()) / 2
    return found
