"""The multi-machine wait bound and how often waits speak."""
from __future__ import annotations

import os

from keras_tuner.src.engine import trial as trial_module

from suite.errors import UserError

WAIT_ENV = "SUITE_WAIT_S"
DEFAULT_WAIT_S = 600.0
POLL_S = 0.5
RUNNING, IDLE, STOPPED = (trial_module.TrialStatus.RUNNING, trial_module.TrialStatus.IDLE,
                          trial_module.TrialStatus.STOPPED)


def wait_seconds() -> float:
    """The bound on every wait for a chief or for workers: ``$SUITE_WAIT_S``, default 600 s."""
    text = os.environ.get(WAIT_ENV, "").strip()
    try:
        value = float(text) if text else DEFAULT_WAIT_S
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise UserError(f"{WAIT_ENV}={text!r} is not a positive number of seconds; "
                        f"set it like {WAIT_ENV}=600 or unset it")
    return value


def note_every(wait_s: float) -> float:
    """How often a wait says what it waits for: every minute, more often for short bounds."""
    return max(1.0, min(60.0, wait_s / 4))
