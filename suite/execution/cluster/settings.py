"""The wait bound and how often waits speak; the wait for trials another run holds."""
from __future__ import annotations

import time

from keras_tuner.src.engine import trial as trial_module

from suite.console import say
from suite.errors import GaveUp
from suite.store.leases import MAX_WAIT_S, env_seconds

WAIT_ENV = "SUITE_WAIT_S"
DEFAULT_WAIT_S = 600.0
POLL_S = 0.5
RUNNING, IDLE, STOPPED = (trial_module.TrialStatus.RUNNING, trial_module.TrialStatus.IDLE,
                          trial_module.TrialStatus.STOPPED)


def wait_seconds() -> float:
    """The bound on every wait for a chief or for workers: ``$SUITE_WAIT_S``, default 600 s."""
    return env_seconds(WAIT_ENV, DEFAULT_WAIT_S, MAX_WAIT_S, "600")


def note_every(wait_s: float) -> float:
    """How often a wait says what it waits for: every minute, more often for short bounds."""
    return max(1.0, min(60.0, wait_s / 4))


class ForeignWait:
    """A wait for trials that processes of another run hold: it says so every ``note_every``
    seconds and ends after ``wait_s`` in which none of them was stored, however long their leases
    (``check`` returns the GaveUp, exit 3, to raise)."""

    def __init__(self, wait_s: float | None = None):
        self.wait_s = wait_seconds() if wait_s is None else wait_s
        self.since: float | None = None
        self.left = 0
        self.next_note = 0.0

    def reset(self) -> None:
        """Not waiting (a trial was handed out)."""
        self.since = None

    def check(self, left: int, holder: str) -> GaveUp | None:
        """``left`` trials are held elsewhere (``holder`` names one claim); fewer than at the last
        check is progress and starts the bound again."""
        now = time.monotonic()
        if self.since is None or left < self.left:
            self.since = now
        self.left = left
        held = f"{left} trial{'' if left == 1 else 's'} another process holds ({holder})"
        if now - self.since >= self.wait_s:
            return GaveUp(f"waited {self.wait_s:.0f} s for {held} and none was stored; rerun when that process "
                          f"has finished, delete the claim file if it is gone, or raise --wait-seconds")
        if now >= self.next_note:
            self.next_note = now + note_every(self.wait_s)
            say(f"waiting for {held}: it stores them, or its lease expires and this run takes them over "
                f"(gives up after {self.wait_s:.0f} s without one stored)")
        return None
