"""Anytime curves of hyperparameter searches: the best dev accuracy found against the training
epochs spent so far. Pure DataFrame work (``suite.search.hpo`` gathers the records, ``suite.reporting.report``
writes the figures).

The anytime curve is the protocol of Li et al. 2018 (Hyperband, JMLR; their comparisons plot the
best configuration found so far against the resources spent); Bergstra & Bengio 2012 compare
random and grid search at an equal number of trials. Epochs are counted as trained: a suite
Hyperband trial trains from scratch for its ``tuner/epochs``, so it costs that many epochs.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from suite.analysis.frames import t_on_scale

OBJECTIVE = "best_dev_accuracy"
CURVE_COLUMNS = ["tuner", "repetition", "order", "epochs", "epochs_spent", "status", OBJECTIVE, "best_so_far"]


def curve(records: list[dict], tuner: str, repetition: int) -> pd.DataFrame:
    """One repetition's search trials in the order the oracle ran them (``record["search"]["order"]``):
    columns ``CURVE_COLUMNS``; ``epochs_spent`` is the running sum of the trials' epochs (units:
    epochs over the training split) and ``best_so_far`` the running maximum of the dev objective
    (a diverged or failed trial adds its epochs but no accuracy; NaN before the first result)."""
    rows = [{"tuner": tuner, "repetition": repetition, "order": r["search"]["order"],
             "epochs": len(r.get("history", [])) if r["status"] != "failed" else 0, "status": r["status"],
             OBJECTIVE: r.get("metrics", {}).get(OBJECTIVE, math.nan) if r["status"] == "done" else math.nan}
            for r in records]
    frame = pd.DataFrame(rows, columns=[c for c in CURVE_COLUMNS if c not in ("epochs_spent", "best_so_far")])
    frame = frame.sort_values("order", ignore_index=True)
    frame["epochs_spent"] = frame["epochs"].cumsum()
    frame["best_so_far"] = frame[OBJECTIVE].cummax().ffill()  # a trial without a result keeps the best
    return frame[CURVE_COLUMNS]


def best_at(frame: pd.DataFrame, epochs: float | None = None, trials: int | None = None) -> float:
    """Best dev accuracy one repetition's curve had found after ``epochs`` epochs spent (its
    trials that ended by then) or after its first ``trials`` trials; NaN if none had a result."""
    chosen = frame
    if epochs is not None:
        chosen = chosen[chosen.epochs_spent <= epochs]
    if trials is not None:
        chosen = chosen[chosen.order < chosen.order.min() + trials] if not chosen.empty else chosen
    values = chosen[OBJECTIVE].dropna()
    return float(values.max()) if not values.empty else math.nan


def epochs_to_target(frame: pd.DataFrame, target: float) -> float:
    """Epochs spent when one repetition first found a configuration with dev accuracy >= ``target``
    (its trial's last epoch counted); NaN if it never did within its budget."""
    reached = frame[frame.best_so_far >= target]
    return float(reached.epochs_spent.iloc[0]) if not reached.empty else math.nan


# What ``repetition_metrics`` gives each repetition's chosen configuration (``Comparison.metrics``).
METRICS = ("best_dev_accuracy_at_budget", "best_dev_accuracy_after_trials", "epochs_to_target", "search_trials",
           "search_epochs")


def repetition_metrics(frame: pd.DataFrame, budget: int, target: float, trials: int) -> dict:
    """The per-repetition metrics a study's rules and tables use:
    ``best_dev_accuracy_at_budget`` (best dev accuracy within ``budget`` epochs), ``best_dev_accuracy_after_trials``
    (within the first ``trials`` trials), ``epochs_to_target`` (NaN: never), ``search_trials`` and
    ``search_epochs`` (what the repetition spent)."""
    return {"best_dev_accuracy_at_budget": best_at(frame, epochs=budget),
            "best_dev_accuracy_after_trials": best_at(frame, trials=trials),
            "epochs_to_target": epochs_to_target(frame, target) if target else math.nan,
            "search_trials": int(len(frame)), "search_epochs": int(frame.epochs.sum())}


def on_grid(curves: pd.DataFrame, budget: int, step: int = 1) -> pd.DataFrame:
    """Each repetition's step curve read at epochs 0, step, ..., ``budget``: columns tuner,
    repetition, epochs_spent, best_so_far (NaN before its first result)."""
    grid = np.arange(0, budget + 1, step)
    rows = []
    for (tuner, repetition), frame in curves.groupby(["tuner", "repetition"], sort=False):
        ends = frame.epochs_spent.to_numpy()
        best = frame.best_so_far.to_numpy()
        index = np.searchsorted(ends, grid, side="right") - 1  # last trial finished by then
        values = np.where(index >= 0, best[np.clip(index, 0, None)], np.nan)
        rows.append(pd.DataFrame({"tuner": tuner, "repetition": repetition, "epochs_spent": grid,
                                  "best_so_far": values}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["tuner", "repetition", "epochs_spent", "best_so_far"])


def band(gridded: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% (``analysis.CONFIDENCE``) interval of best_so_far over repetitions per tuner and epoch, on
    the repetitions that had a result by then (``analysis.t_on_scale``: a logit t-interval, inside
    [0, 1]; a single repetition or identical values give the mean itself); columns tuner,
    epochs_spent, mean, low, high, n."""
    def summarize(values: pd.Series) -> pd.Series:
        interval = t_on_scale(values.dropna().to_numpy(), OBJECTIVE)
        mean, low, high = interval["mean"], interval["low"], interval["high"]
        if math.isnan(low) or math.isnan(high):
            low = high = mean
        return pd.Series({"mean": mean, "low": low, "high": high, "n": interval["n"]})

    grouped = gridded.groupby(["tuner", "epochs_spent"], sort=False)["best_so_far"].apply(summarize)
    return grouped.unstack().reset_index()
