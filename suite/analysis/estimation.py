"""Accuracy estimation by validation protocols (Kohavi 1995): each protocol's estimate against
the accuracy its configuration reaches on the untouched test split, its spread over resamplings,
and which configuration it would select. Pure DataFrame work on a trials frame (folds already
averaged per seed, ``suite.data.folds.aggregate``), used as a study's ``derive``.
"""
from __future__ import annotations

import math

import pandas as pd


def derive(trials: pd.DataFrame, estimator: str, configuration: str, truth: str,
           estimate: str = "final_dev_accuracy") -> pd.DataFrame:
    """``trials`` with the columns, for done rows (NaN elsewhere):

    - ``estimate_accuracy``: the protocol's estimate, ``estimate`` (the validation accuracy of the
      kept weights; a k-fold row holds the mean over its folds);
    - ``true_accuracy``: the test accuracy of the ``truth`` protocol's model (trained on the whole
      pool) of the same ``configuration`` value and seed; ``estimate_bias`` = estimate - true
      (paired by seed, so the truth's own noise is in the spread);
    - ``estimate_bias_same_size``: estimate minus the test accuracy of the very models the estimate
      came from (a k-fold row: the mean over its folds of models trained on (k-1)/k of the pool; a
      hold-out row: its model trained on the rest of the pool), so the estimator is judged against
      models trained on as much data as its own and the training size's effect is left out;
    - ``estimate_abs_deviation``: |estimate - median estimate of its point| (Brown & Forsythe 1974:
      a t-test on these compares two spreads, robust to non-normal estimates);
    - ``picks_test_best_fraction``: 1 when the configuration with this row's protocol and seed's
      highest estimate is the one with the highest mean ``truth`` test accuracy, 0 otherwise, 1/n
      on an n-way tie that includes it (the same value on every configuration's row).

    ``estimator`` and ``configuration`` name the axes of protocols and configurations.
    """
    out = trials.copy()
    for name in (estimate, "test_accuracy"):  # no trial measured it (every one failed): NaN
        if name not in out:
            out[name] = math.nan
    done = out.status == "done"
    out["estimate_accuracy"] = out[estimate].where(done)
    full = out[done & (out[estimator] == truth)]
    truth_of = full.set_index([configuration, "seed"]).test_accuracy
    out["true_accuracy"] = [truth_of.get((c, s), math.nan) for c, s in zip(out[configuration], out.seed)]
    out["estimate_bias"] = out.estimate_accuracy - out.true_accuracy
    out["estimate_bias_same_size"] = out.estimate_accuracy - out.test_accuracy.where(done)
    median = out.groupby([estimator, configuration], sort=False).estimate_accuracy.transform("median")
    out["estimate_abs_deviation"] = (out.estimate_accuracy - median).abs()
    means = full.groupby(configuration).test_accuracy.mean()
    best = means.idxmax() if len(means) else None
    hits = {}
    for (protocol, seed), group in out[done].groupby([estimator, "seed"], sort=False):
        if group[configuration].nunique() < len(means) or best is None:
            continue  # a configuration of this resampling is missing: no selection to score
        top = group[group.estimate_accuracy == group.estimate_accuracy.max()][configuration]
        hits[(protocol, seed)] = (best in set(top)) / len(top)
    out["picks_test_best_fraction"] = [hits.get((p, s), math.nan) for p, s in zip(out[estimator], out.seed)]
    return out
