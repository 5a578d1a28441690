"""One training run at a time per study and profile: a file lock (``filelock``) on the study's
directory in the runs directory. A second ``suite run`` or ``suite search`` of the same study and
profile into the same runs directory waits for the first (saying so), up to ``--wait-seconds``
(``$SUITE_WAIT_S``, default 600 s), then replays what the first stored instead of training it
again; after the bound it gives up with one line (exit 3). The lock is the operating system's
(``flock``): it goes with the process that held it, however that process ended.

With Dask the records still have one writer, the client holding this lock; workers write nothing.
"""
from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path

import filelock

from suite.console import say
from suite.errors import GaveUp, UserError

WAIT_ENV = "SUITE_WAIT_S"
DEFAULT_WAIT_S = 600.0
MAX_WAIT_S = 7 * 86_400.0  # a week: the bound on any wait (``--wait-seconds``, ``$SUITE_WAIT_S``)
LOCK_NAME = ".run.lock"


def wait_seconds() -> float:
    """The bound on every wait (the lock, a scheduler, workers): ``$SUITE_WAIT_S``, default 600 s;
    a UserError for a value that is not a number of seconds in (0, a week]."""
    text = os.environ.get(WAIT_ENV, "").strip()
    if not text:
        return DEFAULT_WAIT_S
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_WAIT_S:
        raise UserError(f"{WAIT_ENV}={text!r} is not a number of seconds in (0, {MAX_WAIT_S:.0f}]; "
                        f"set it like {WAIT_ENV}=600 or unset it")
    return value


@contextlib.contextmanager
def held(directory: Path, wait_s: float | None = None):
    """Hold the run lock of ``directory`` (a study's runs directory) while the block runs."""
    wait_s = wait_seconds() if wait_s is None else wait_s
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_NAME
    lock = filelock.FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        say(f"waiting for the other suite run that holds {path} (it trains this study; up to {wait_s:.0f} s)")
        try:
            lock.acquire(timeout=wait_s)
        except filelock.Timeout:
            raise GaveUp(f"another suite run held {path} for {wait_s:.0f} s; rerun when it has finished "
                         f"(its stored trials are then replayed), or raise --wait-seconds") from None
    try:
        yield
    finally:
        lock.release()
