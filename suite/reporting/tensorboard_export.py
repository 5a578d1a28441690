"""TensorBoard event files from stored trial records (training is not touched or slowed).

One run directory per trial, ``<point>/seed_<k>``, holding each per-epoch history column as a
scalar (``epoch/<column>``), each final metric at the last epoch (``final/<metric>``), and the
HParams plugin's session summary (the axis values, the config keys that vary, the seed); the
top directory holds the experiment's ``hparams_config`` (every hyperparameter with its observed
values, every final metric), so ``tensorboard --logdir DIR`` shows the study in the HParams
table and parallel-coordinates views. Uses TensorBoard's own protos and record format, written
with plain Python files (TensorBoard's writer would import TensorFlow for its file system layer),
into a staging directory that joins ``DIR`` only once every file is whole (``store.files.filled``).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.hparams import summary_v2 as hp
from suite.store.events import EventFileWriter
from suite.store.files import filled

_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")
HISTORY_SKIP = ("epoch",)  # the step itself


def _hparam_value(value):
    """A value the HParams plugin accepts: bool, number or string (lists/dicts as their text)."""
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def hparams_of(records: list[dict], axes: list[str]) -> list[dict]:
    """Per record: the axis values, the config keys whose values differ between records, and the seed."""
    keys = sorted({key for record in records for key in record["config"]})
    varying = [key for key in keys if key not in axes and key != "seed"
               and len({repr(record["config"].get(key)) for record in records}) > 1]
    return [{**{axis: _hparam_value(record["point"].get(axis)) for axis in axes},
             **{key: _hparam_value(record["config"].get(key)) for key in varying},
             "seed": record["seed"], "status": str(record.get("status", ""))} for record in records]


def _scalar(writer: EventFileWriter, tag: str, value, step: int, wall_time: float) -> None:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return
    summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=float(value))])
    writer.add_event(event_pb2.Event(summary=summary, step=step, wall_time=wall_time))


def _summary(writer: EventFileWriter, summary, wall_time: float) -> None:
    writer.add_event(event_pb2.Event(summary=summary, step=0, wall_time=wall_time))


def _started(record: dict) -> float:
    """The trial's start as seconds since the epoch (0 when the record has none)."""
    try:
        return dt.datetime.fromisoformat(record["started_at"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return 0.0


def run_name(record: dict, axes: list[str]) -> str:
    point = "_".join(f"{axis}={record['point'].get(axis)}" for axis in axes) or "trial"
    return f"{_UNSAFE.sub('-', point)}/seed_{record['seed']}"


def export(records: list[dict], axes: list[str], out_dir: Path) -> list[Path]:
    """Write the event files of ``records`` (trial records of one study) under ``out_dir``, all
    of them or none (a UserError naming the path and the fix when the file system refuses).

    Returns the run directories written. A trial without history (failed early) still gets its
    hparams and status. Each epoch's events carry the time that epoch ended (the trial's start plus
    the epochs' wall times so far). A rerun replaces the event files it wrote before (the top
    directory's and each run's), so TensorBoard shows each curve once; other files are left alone.
    Raises ValueError on an empty ``records``.
    """
    if not records:
        raise ValueError("no records to export")
    earlier = [old for directory in [out_dir, *(out_dir / run_name(record, axes) for record in records)]
               if directory.is_dir() for old in directory.glob("events.out.tfevents.*")]
    with filled(out_dir, "export directory") as staging:
        names = _write(records, axes, staging)
        written = {path.relative_to(staging) for path in staging.rglob("events.out.tfevents.*")}
    for old in earlier:  # this export's previous files: replaced, so each curve shows once
        if old.relative_to(out_dir) not in written:
            old.unlink(missing_ok=True)
    return [out_dir / name for name in names]


def _write(records: list[dict], axes: list[str], out_dir: Path) -> list[str]:
    values = hparams_of(records, axes)
    metrics = sorted({name for record in records for name, value in record.get("metrics", {}).items()
                      if isinstance(value, (int, float)) and not isinstance(value, bool)})
    domains = {}
    for name in values[0]:
        seen = sorted({row[name] for row in values}, key=lambda v: (str(type(v)), v))
        domains[name] = hp.HParam(name, hp.Discrete(seen)) if len({type(v) for v in seen}) == 1 else hp.HParam(name)
    starts = [_started(record) for record in records]
    start = min(starts)
    writer = EventFileWriter(str(out_dir))
    _summary(writer, hp.hparams_config_pb(list(domains.values()),
                                          [hp.Metric(f"final/{name}") for name in metrics]), start)
    writer.close()
    runs = []
    for record, hparams, began in zip(records, values, starts):
        run_dir = out_dir / run_name(record, axes)
        writer = EventFileWriter(str(run_dir))
        _summary(writer, hp.hparams_pb(hparams, trial_id=record["key"], start_time_secs=began), began)
        history = record.get("history", [])
        ended = began
        for row in history:
            spent = row.get("wall_time_s")
            ended += spent if isinstance(spent, (int, float)) and math.isfinite(spent) and spent > 0 else 0.0
            for column, value in row.items():
                if column not in HISTORY_SKIP:
                    _scalar(writer, f"epoch/{column}", value, int(row.get("epoch", 0)), ended)
        last = int(history[-1].get("epoch", len(history))) if history else 0
        for name, value in record.get("metrics", {}).items():
            _scalar(writer, f"final/{name}", value, last, ended)
        writer.close()
        runs.append(run_name(record, axes))
    return runs
