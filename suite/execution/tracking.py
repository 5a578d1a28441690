"""Live tracking: TensorBoard event files written while trials train (``--tensorboard DIR`` on
``run`` and ``search``, ``tensorboard=`` in the Python API), from the same per-epoch rows the
progress lines print, so the per-trial and the population paths are tracked alike.

The directory travels to local worker processes in ``$SUITE_TENSORBOARD_DIR``. Each trial is one
run, ``DIR/<prefix>/<point>/seed_<k>``: an ``epoch/<metric>`` scalar per epoch stamped with the
time the epoch ended, then ``final/<metric>`` scalars and the HParams plugin's summary (the
trial's point, seed and status) when it ends. Uses ``suite.store.events`` (TensorBoard's record
format, no TensorFlow).
"""
from __future__ import annotations

import math
import os
import re
import time
from pathlib import Path

ENV = "SUITE_TENSORBOARD_DIR"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.=,+-]+")
_writers: dict[tuple[str, str], object] = {}


def directory() -> Path | None:
    value = os.environ.get(ENV)
    return Path(value) if value else None


def _run_dir(prefix: str, label: str) -> Path:
    parts = [_UNSAFE.sub("-", part.strip()).strip("-") or "run" for part in (prefix.strip("[]"), label)]
    point, _, seed = parts[1].rpartition(",-seed=")
    return directory() / parts[0] / (f"{point}/seed_{seed}" if point else parts[1])


def _writer(prefix: str, label: str):
    from suite.store.events import EventFileWriter  # deferred: loads TensorBoard's protobuf writer

    key = (prefix, label)
    if key not in _writers:
        _writers[key] = EventFileWriter(str(_run_dir(prefix, label)))
    return _writers[key]


def _scalars(writer, prefix: str, values: dict, step: int, wall_time: float) -> None:
    from tensorboard.compat.proto import event_pb2, summary_pb2  # deferred: loads TensorBoard's protobuf writer

    numbers = [summary_pb2.Summary.Value(tag=f"{prefix}/{name}", simple_value=float(value))
               for name, value in values.items()
               if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)]
    if numbers:
        writer.add_event(event_pb2.Event(summary=summary_pb2.Summary(value=numbers), step=step, wall_time=wall_time))


def epoch(prefix: str, label: str, row: dict) -> None:
    """One epoch's row of the trial ``label`` (as the progress line shows it)."""
    if directory() is None:
        return
    writer = _writer(prefix, label)
    _scalars(writer, "epoch", {k: v for k, v in row.items() if k != "epoch"}, int(row.get("epoch", 0)), time.time())
    writer.flush()


def trial_end(prefix: str, label: str, record: dict) -> None:
    """The trial's final metrics and its HParams summary (point, seed, status); closes its run."""
    if directory() is None:
        return
    from tensorboard.compat.proto import event_pb2  # deferred: loads TensorBoard's protobuf writer
    from tensorboard.plugins.hparams import summary_v2 as hp  # deferred: loads TensorBoard's protobuf writer

    writer = _writer(prefix, label)
    history = record.get("history") or []
    last = int(history[-1].get("epoch", len(history))) if history else 0
    _scalars(writer, "final", record.get("metrics") or {}, last, time.time())
    values = {axis: v if isinstance(v, (bool, int, float, str)) else str(v)
              for axis, v in (record.get("point") or {}).items()}
    values.update(seed=record.get("seed", 0), status=str(record.get("status", "")))
    writer.add_event(event_pb2.Event(summary=hp.hparams_pb(values, trial_id=record.get("key")), step=0,
                                     wall_time=time.time()))
    writer.close()
    _writers.pop((prefix, label), None)
