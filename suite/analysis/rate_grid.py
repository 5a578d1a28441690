"""A learning-rate grid run on every seed, read as the tuning playbook's protocol: the rate is
chosen on the dev split with a tuning seed alone, and the other seeds (disjoint from it) report at
that rate; plus each seed's largest stable rate on the grid. Pure DataFrame work (a study's
``derive``).

The tuning seed is the plan's first seed: 0, or the profile's ``first_seed`` for a replication
(``suite.design.seed_plan``). A ``derive`` sees the trials frame alone, not the plan, so it is read off
the frame as its smallest seed (``tuning_seed``): a plan's trials hold no seed below its first, and
the first seed runs at every point in the first look (a stored failure counts too). Only a report of
a run stopped before any first-seed trial was stored would tune on a later seed; the page then says
that trials are missing."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd


def tuning_seed(trials: pd.DataFrame) -> int:
    """The seed that chooses the rate: the smallest seed in ``trials`` (the plan's first seed,
    ``first_seed`` or 0; its rows count whatever their status). ValueError for a frame without rows."""
    if trials.empty:
        raise ValueError("no trials: no tuning seed")
    return int(trials.seed.min())


def derive(trials: pd.DataFrame, group: str, rate: str = "learning_rate", target: str = "epochs_to_target_dev",
           tie: str = "best_dev_accuracy", epochs: int | None = None) -> pd.DataFrame:
    """Columns added to a trials frame with one row per ``group`` value, ``rate`` and seed:

    ``tuned_rate``: per group, the rate whose ``tuning_seed`` run reached the dev target in the
    fewest epochs (a run that never reached it counts ``epochs`` + 1; ties: the higher ``tie``);
    ``epochs_to_target_tuned`` and ``test_accuracy_tuned``: the other seeds' values at that rate (NaN
    on every other row; a target never reached counts ``epochs`` + 1, stated on the page);
    ``max_stable_log10_rate``: per group and seed, log10 of the largest rate at which the seed
    learned (status done), on that rate's row only (one value per seed)."""
    frame = trials.copy()
    reached = frame[target].astype(float)
    if epochs is not None:
        reached = reached.fillna(float(epochs + 1))
    frame["_reached"] = np.where(frame.status == "done", reached, math.nan)
    tuner = tuning_seed(frame)
    for column in ("tuned_rate", "epochs_to_target_tuned", "test_accuracy_tuned", "max_stable_log10_rate"):
        frame[column] = math.nan
    for _, rows in frame.groupby(group, sort=False):
        tuning = rows[(rows.seed == tuner) & rows._reached.notna()]
        if not tuning.empty:
            best = tuning.sort_values(["_reached", tie], ascending=[True, False], kind="stable").iloc[0]
            frame.loc[rows.index, "tuned_rate"] = best[rate]
            chosen = rows[(rows[rate] == best[rate]) & (rows.seed != tuner)]
            frame.loc[chosen.index, "epochs_to_target_tuned"] = chosen._reached
            frame.loc[chosen.index, "test_accuracy_tuned"] = np.where(chosen.status == "done",
                                                                      chosen.test_accuracy, math.nan)
        for _, seed_rows in rows[rows.status == "done"].groupby("seed"):
            top = seed_rows[rate].astype(float).idxmax()
            frame.loc[top, "max_stable_log10_rate"] = math.log10(float(seed_rows.loc[top, rate]))
    return frame.drop(columns="_reached")


def best_on_dev(trials: pd.DataFrame, group: str, rate: str = "learning_rate", metric: str = "final_dev_accuracy",
                seed: int | None = None) -> dict:
    """Per ``group`` value, the ``rate`` whose run with the tuning ``seed`` (default: ``tuning_seed``
    of ``trials``) scored the highest dev ``metric`` among the runs that learned (status done); ties:
    the smaller rate. A group with no such run is left out. The other seeds never take part: they
    report at the chosen rate."""
    if trials.empty:
        return {}
    if seed is None:
        seed = tuning_seed(trials)
    tuning = trials[(trials.seed == seed) & (trials.status == "done") & trials[metric].notna()]
    chosen = {}
    for value, rows in tuning.groupby(group, sort=False):
        ranked = rows.assign(_rate=rows[rate].astype(float)).sort_values([metric, "_rate"], ascending=[False, True],
                                                                            kind="stable")
        chosen[value] = ranked.iloc[0][rate]
    return chosen


def tuned_at_best(trials: pd.DataFrame, group: str, report: tuple, select: str = "best_dev_accuracy",
                  rate: str = "learning_rate", where: dict | None = None) -> pd.DataFrame:
    """Columns added to a trials frame with one row per ``group`` value, ``rate`` and seed (rows
    outside ``where``, {column: value}, are left out of the choice and get NaN):

    ``tuned_rate``: per group, the rate ``best_on_dev`` picks by the dev-split ``select``;
    ``<m>_tuned`` for each ``m`` of ``report``: the other seeds' values at that rate (NaN on every
    other row, and where a seed did not learn)."""
    frame = trials.copy()
    columns = ["tuned_rate", *(f"{m}_tuned" for m in report)]
    for column in columns:
        frame[column] = math.nan
    inside = pd.Series(True, index=frame.index)
    for column, value in (where or {}).items():
        inside &= frame[column] == value
    tuner = tuning_seed(frame)  # of the whole frame: a plan's first seed runs at every point
    best = best_on_dev(frame[inside], group, rate, select, seed=tuner)
    for value, rows in frame[inside].groupby(group, sort=False):
        if value not in best:
            continue
        frame.loc[rows.index, "tuned_rate"] = best[value]
        chosen = rows[(rows[rate] == best[value]) & (rows.seed != tuner) & (rows.status == "done")]
        for m in report:
            frame.loc[chosen.index, f"{m}_tuned"] = chosen[m]
    return frame
