"""suite.interrupt: one stop per signal, a repeat of the same stop does not cut through its handling."""
import os
import signal
import time

import pytest

from suite import interrupt


def test_a_stop_raises_once_and_its_quick_repeat_is_absorbed():
    before = signal.getsignal(signal.SIGINT)  # Python's default, or SIG_IGN in a pytest-xdist worker
    with interrupt.handled():
        with pytest.raises(interrupt.Stopped):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        # a local worker's second SIGINT (its launcher's relay) while it handles the first
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        assert interrupt.received() == signal.SIGINT
        with pytest.raises(interrupt.Stopped):
            interrupt.check()  # the stop still ends the run at the next check
    assert signal.getsignal(signal.SIGINT) == before  # the block puts back what it found


def test_a_later_signal_stops_again(monkeypatch):
    monkeypatch.setattr(interrupt, "REPEAT_S", 0.0)
    with interrupt.handled():
        for _ in range(2):
            with pytest.raises(interrupt.Stopped):
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(1)


def test_a_stop_ends_with_its_block():
    with interrupt.handled():
        with pytest.raises(interrupt.Stopped):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
    assert interrupt.received() is None
    interrupt.check()  # code outside a handled block (the runner called directly) goes on
