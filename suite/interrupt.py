"""Ctrl-C and SIGTERM: a prompt stop that keeps every finished trial.

Python runs a signal handler between bytecodes of the main thread, and the KeyboardInterrupt that
the default SIGINT handler raises there can land where nobody sees it: in a garbage-collection
callback of JAX ("Exception ignored in _xla_gc_callback") or in code that catches broad
exceptions, and the run then goes on to exit 0; SIGTERM's default kills the process without a
word. So the suite's handler also records the signal, and the training loop checks that record
between epochs and before each trial (``check``): a stop that was swallowed once is raised again
at the next check, within one epoch. ``main`` turns it into exit code 128 + the signal number
(130 for SIGINT, 143 for SIGTERM) with one line.
"""
from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)
NAMES = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated (SIGTERM)"}
_received: list[int] = []
_first: list[float] = [0.0]  # when the first stop signal came (monotonic s)
REPEAT_S = 2.0  # a second stop signal within this is the same stop (see _handler)


class Stopped(KeyboardInterrupt):
    """Raised in the main thread when the process was told to stop; a KeyboardInterrupt, so the
    broad ``except Exception`` of Keras and keras-tuner let it through."""


# Functions in which an exception is printed as "Exception ignored" and dropped: the stop is
# raised a moment later instead, once the main thread has left them.
_SWALLOWING = frozenset({"_xla_gc_callback", "__del__"})
_RETRY_S = 0.05


def _swallowing(frame) -> bool:
    while frame is not None:
        if frame.f_code.co_name in _SWALLOWING:
            return True
        frame = frame.f_back
    return False


def _handler(signum, frame) -> None:
    if signum != signal.SIGALRM:
        if _received and time.monotonic() - _first[0] < REPEAT_S:
            # The same stop again: a local worker gets the terminal's signal to the process group and
            # then its launcher's relay; raising twice would cut through the first one's handling.
            return
        _received.append(signum)
        _first[:] = [time.monotonic()]
    elif not _received:
        return
    if _deferring:  # raised when the block ends (``deferred``)
        return
    if _swallowing(frame):
        signal.setitimer(signal.ITIMER_REAL, _RETRY_S)  # SIGALRM brings us back here
        return
    raise Stopped(NAMES.get(_received[0], f"signal {_received[0]}"))


_deferring: list[bool] = []


@contextmanager
def deferred() -> Iterator[None]:
    """A block a stop must not cut in two (taking a claim file: created but not yet written, it
    would look like another process's for a while). A signal during it is only recorded: the
    caller undoes what needs undoing, then calls ``check``."""
    _deferring.append(True)
    try:
        yield
    finally:
        _deferring.pop()


def received() -> int | None:
    """The first stop signal this process received, or None."""
    return _received[0] if _received else None


def check() -> None:
    """Raise Stopped if a stop signal arrived (its KeyboardInterrupt may have been swallowed)."""
    if _received:
        raise Stopped(NAMES.get(_received[0], f"signal {_received[0]}"))


def exit_code(default: int = signal.SIGINT) -> int:
    """The shell's convention: 128 + the signal number."""
    return 128 + (received() or default)


@contextmanager
def handled() -> Iterator[None]:
    """Install the suite's handlers for SIGINT and SIGTERM for the duration of the block (the
    previous ones are restored after it: tests call ``suite.cli.main.main`` in-process)."""
    _received.clear()
    try:
        previous = {signum: signal.signal(signum, _handler) for signum in (*SIGNALS, signal.SIGALRM)}
    except ValueError:  # not the main thread: signals go to the main thread's handlers anyway
        yield
        return
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        # the stop ended with the block: a later ``check`` outside it (code that calls the runner
        # directly, as tests do) must not raise this process's old stop again
        _received.clear()
