"""Power laws in the training-set size (Hestness et al. 2017, "Deep Learning Scaling is Predictable,
Empirically": generalization error eps(m) = alpha m^beta_g): the exponent fitted by least squares on
log-log axes, with its interval, and the learning-curve columns a study derives from its trials."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from suite.analysis.frames import CONFIDENCE


def fit(sizes, errors) -> dict:
    """log(error) = log(alpha) + beta log(size) by least squares (``scipy.stats.linregress``):
    ``exponent`` beta with its two-sided ``CONFIDENCE`` t-interval (``low``, ``high``), ``alpha``,
    ``r2`` of the log-log fit and ``points``. Points with a non-positive or missing error are
    left out (a zero error has no logarithm); NaNs where fewer than 3 points remain."""
    sizes, errors = np.asarray(sizes, dtype=float), np.asarray(errors, dtype=float)
    keep = np.isfinite(sizes) & np.isfinite(errors) & (sizes > 0) & (errors > 0)
    result = {"exponent": math.nan, "low": math.nan, "high": math.nan, "alpha": math.nan, "r2": math.nan,
              "points": int(keep.sum())}
    if keep.sum() < 3 or np.ptp(np.log(sizes[keep])) == 0:
        return result
    line = stats.linregress(np.log(sizes[keep]), np.log(errors[keep]))
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, keep.sum() - 2) * line.stderr
    return {**result, "exponent": float(line.slope), "low": float(line.slope - half),
            "high": float(line.slope + half), "alpha": float(math.exp(line.intercept)), "r2": float(line.rvalue ** 2)}


def derive(trials: pd.DataFrame, model: str = "model", size: str = "train_size", baseline: str = "linear") -> pd.DataFrame:
    """The learning-curve columns of a trials frame (one row per model, size and seed):
    ``test_error`` and ``train_error`` (1 - accuracy); per model and seed the fitted
    ``power_law_exponent`` and ``power_law_r2`` of test error against ``size`` over that seed's
    sizes (on every row of the pair); ``abs_error_gap_to_<baseline>``: |test error - the
    ``baseline`` model's| at the same size and seed (NaN on the baseline's rows)."""
    frame = trials.copy()
    frame["test_error"] = 1.0 - frame["test_accuracy"]
    frame["train_error"] = 1.0 - frame["train_accuracy"]
    learned = frame.status == "done"
    for column in ("power_law_exponent", "power_law_r2"):
        frame[column] = math.nan
    for (_, _), rows in frame[learned].groupby([model, "seed"], sort=False):
        fitted = fit(rows[size], rows["test_error"])
        frame.loc[rows.index, "power_law_exponent"] = fitted["exponent"]
        frame.loc[rows.index, "power_law_r2"] = fitted["r2"]
    base = frame[learned & (frame[model] == baseline)].set_index([size, "seed"])["test_error"]
    keys = pd.MultiIndex.from_frame(frame[[size, "seed"]])
    reference = base.reindex(keys).to_numpy()
    gap = np.abs(frame["test_error"].to_numpy() - reference)
    frame[f"abs_error_gap_to_{baseline}"] = np.where((frame[model] != baseline) & learned, gap, math.nan)
    return frame
