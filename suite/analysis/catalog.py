"""One table of every stored trial (and one of every epoch), across studies and selections:
what ``suite export parquet`` writes and ``suite.load_all()`` returns.

Columns of ``trials``: study, profile, store (the sub-store: a search, a nuisance search, a
comparison repetition; "" for the study's own trials), key, seed, status, started_at, wall_time_s,
backend, ``point.<axis>`` for each axis value (as text: axes of different studies hold different
types), ``config.<key>`` for each config key, and one column per metric. ``history``: study,
profile, store, key, epoch and the per-epoch columns. A column whose values mix types across
studies (a list here, a number there) holds their JSON text, so the frames write to Parquet.
"""
from __future__ import annotations

import json
import math

import pandas as pd

IDENTITY = ("study", "profile", "store", "key")


def _cell(value):
    return json.dumps(value, sort_keys=True) if isinstance(value, (list, tuple, dict)) else value


def _uniform(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns of one type each: mixed columns become JSON text (None stays missing)."""
    for column in frame.columns:
        kinds = {type(v) for v in frame[column] if v is not None and not (isinstance(v, float) and math.isnan(v))}
        if kinds <= {int, float} or len(kinds) <= 1:
            continue
        frame[column] = [None if v is None else v if isinstance(v, str) else json.dumps(v) for v in frame[column]]
    return frame


def frames(stored) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(trials, history) of the ``suite.store.catalog.Stored`` items."""
    trial_rows, epoch_rows = [], []
    for item in stored:
        record = item.record
        identity = {"study": item.study, "profile": item.profile, "store": item.store, "key": record["key"]}
        environment = record.get("environment") or {}
        trial_rows.append({
            **identity, "seed": record.get("seed"), "status": record.get("status"),
            "started_at": record.get("started_at"), "wall_time_s": record.get("wall_time_s"),
            "backend": environment.get("backend"),
            **{f"point.{axis}": str(value) for axis, value in (record.get("point") or {}).items()},
            **{f"config.{key}": _cell(value) for key, value in (record.get("config") or {}).items()},
            **{name: _cell(value) for name, value in (record.get("metrics") or {}).items()},
        })
        epoch_rows += [{**identity, **{name: _cell(value) for name, value in row.items()}}
                       for row in record.get("history") or []]
    trials = _uniform(pd.DataFrame(trial_rows, columns=None if trial_rows else [*IDENTITY, "seed", "status"]))
    history = _uniform(pd.DataFrame(epoch_rows, columns=None if epoch_rows else [*IDENTITY, "epoch"]))
    return trials, history
