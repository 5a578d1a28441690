"""Validation protocols: the dataset's fixed dev split, a hold-out split, stratified k-fold, and
resubstitution, drawn from the training pool (train + dev) with scikit-learn's splitters.

Config keys (``suite.design.config``): ``cv_folds`` 0 = the fixed dev split (the default); 1 = the
whole pool trains and is also the validation data (Kohavi's resubstitution estimate); k >= 2 =
``StratifiedKFold(k, shuffle=True, random_state=seed)`` and the trial validates on fold
``cv_fold``; ``holdout_fraction`` h > 0 = one ``StratifiedShuffleSplit(test_size=h,
random_state=seed)``. Under a protocol ``train_size`` is the size of the pool (a stratified subset
of train + dev, the same for every seed: Kohavi's fixed data set), and the test split stays
untouched. A k-fold plan holds one trial per fold, the fold index in its point and key
(``expand``); the trials frame averages a seed's folds into one row (``aggregate``): the k-fold
estimate of that resampling. The folds of one seed share most of their training data, so they
are not independent samples: intervals are taken across seeds (independent repartitions and
initializations), never across folds.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit

from suite.errors import UserError
import json

FOLD = "fold"  # the point key of a fold's index


def active(config: dict) -> bool:
    """Whether the trial draws its validation data from the pool instead of the fixed dev split."""
    return config.get("cv_folds", 0) > 0 or config.get("holdout_fraction", 0.0) > 0


def check(config: dict) -> None:
    """The protocol keys together; UserError naming the conflict and the fix."""
    folds, fold, holdout = config["cv_folds"], config["cv_fold"], config["holdout_fraction"]
    if folds and holdout:
        raise UserError(f"cv_folds={folds} and holdout_fraction={holdout} are two validation protocols; "
                        f"set one of them to 0")
    if fold and fold >= max(folds, 1):
        raise UserError(f"cv_fold={fold} needs cv_folds > {fold} (folds are numbered 0..k-1); a k-fold plan "
                        f"sets cv_fold itself, e.g. --set cv_folds=5")


def fold_indices(y: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train indices, validation indices) of each fold of labels ``y`` (shape (N,)):
    ``StratifiedKFold(folds, shuffle=True, random_state=seed)``; ``folds`` = 1: the whole pool
    both trains and validates (resubstitution). ValueError (scikit-learn's) when a class has
    fewer than ``folds`` members."""
    if folds == 1:
        everything = np.arange(len(y))
        return [(everything, everything)]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


def holdout_indices(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, held-out indices): one ``StratifiedShuffleSplit(test_size=fraction,
    random_state=seed)`` of labels ``y``."""
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    return next(splitter.split(np.zeros(len(y)), y))


def pool(splits, size: int):
    """(x, y) of the training pool: train + dev, a stratified subset of ``size`` when 0 < size <
    the pool (fixed, ``suite.data.datasets.SPLIT_SEED``: the same pool for every seed)."""
    from suite.data import datasets  # deferred: loads pandas and scikit-learn

    x = np.concatenate([splits.x_train, splits.x_dev])
    y = np.concatenate([splits.y_train, splits.y_dev])
    if size and size < len(y):
        x, _, y, _ = datasets.train_test_split(x, y, train_size=size, stratify=y,
                                               random_state=datasets.SPLIT_SEED)
    return x, y


def resplit(splits, config: dict):
    """``splits`` with train and dev replaced by this trial's protocol split of the pool (see the
    module docstring); the test split unchanged."""
    x, y = pool(splits, config["train_size"])
    if config["cv_folds"]:
        train, dev = fold_indices(y, config["cv_folds"], config["seed"])[config["cv_fold"]]
    else:
        train, dev = holdout_indices(y, config["holdout_fraction"], config["seed"])
    return replace(splits, x_train=x[train], y_train=y[train], x_dev=x[dev], y_dev=y[dev])


def expand(point: dict, config: dict) -> list[tuple[dict, dict]]:
    """(point, config) per fold of a k-fold config (the fold index in the point, so in the trial's
    key and record); the pair itself otherwise. (A plan that mixes k-fold and other points gives
    the others fold 0, their only split: keras-tuner fills a key a point lacks with a value.)"""
    if config.get("cv_folds", 0) < 2:
        return [(point, config)]
    return [({**point, FOLD: fold}, {**config, "cv_fold": fold}) for fold in range(config["cv_folds"])]


STATUS_ORDER = ("failed", "diverged", "collapsed", "done")  # a seed is as bad as its worst fold


def aggregate(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """One row per ``by`` + seed from one row per fold: each numeric metric the mean over the
    folds (the k-fold estimate of that resampling; NaN if a fold lacks it), the status the worst
    fold's, ``folds`` the number of folds stored. A frame without a fold column is returned as is."""
    if FOLD not in frame or frame[FOLD].isna().all():
        return frame
    keys = [*by, "seed"]
    frame = frame.drop(columns=[c for c in ("cv_fold",) if c in frame])
    numeric = [c for c in frame.columns if c not in (*keys, FOLD) and pd.api.types.is_numeric_dtype(frame[c])]
    rows = []
    for values, group in frame.groupby(keys, sort=False, dropna=False):
        row = group.iloc[0].drop(labels=[FOLD]).to_dict()
        row.update({column: (group[column].mean() if group[column].notna().all() else math.nan)
                    for column in numeric})
        row["status"] = min(group.status, key=lambda s: STATUS_ORDER.index(s) if s in STATUS_ORDER else 0)
        row["folds"] = len(group)
        row["wall_time_s"] = float(group.wall_time_s.sum())
        rows.append(row)
    return pd.DataFrame(rows, columns=[c for c in frame.columns if c != FOLD] + ["folds"])


def combine(records: list[dict]) -> dict:
    """The folds of one configuration as one result for a tuner (``suite search``, nuisance
    tuning): the worst fold's status and error, and each metric every fold measured averaged over
    the folds (a k-fold objective is the mean over folds; a metric some fold lacks, e.g. after it
    diverged, is left out, so the tuner scores the configuration as its worst)."""
    status = min((r["status"] for r in records), key=lambda s: STATUS_ORDER.index(s) if s in STATUS_ORDER else 0)
    names = set.intersection(*(set(r.get("metrics", {})) for r in records)) if records else set()
    metrics = {name: float(np.mean([r["metrics"][name] for r in records])) for name in sorted(names)}
    error = next((r.get("error") for r in records if r["status"] == status and r.get("error")), None)
    return {"status": status, "metrics": metrics, "error": error, "folds": len(records)}


def configuration_of(record: dict) -> str:
    """What the folds of one configuration share: its config without the fold index."""

    return json.dumps({k: v for k, v in record["config"].items() if k != "cv_fold"}, sort_keys=True)
