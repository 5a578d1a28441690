"""Progress (issue 36): rich's bars on a terminal, plain lines when stderr is not one."""
import os
import pty
import subprocess
import sys

from suite.execution.trials import Progress

RECORD = {"metrics": {"best_dev_accuracy": 0.5, "test_accuracy": 0.5}, "status": "done", "wall_time_s": 1.0}
ROW = {"epoch": 1, "loss": 0.5, "accuracy": 0.5, "dev_accuracy": 0.5}


def test_plain_lines_when_stderr_is_not_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setenv("SUITE_QUIET", "0")
    with open(tmp_path / "log", "w+") as stream:
        progress = Progress("[x]", 2, stream=stream)
        progress.epoch("a=1, seed=0", 3, ROW)
        progress.trial_end("a=1, seed=0", RECORD)
        stream.seek(0)
        text = stream.read()
    assert progress.bars is None
    assert text.startswith("[x] trial 1/2 a=1, seed=0: dev 50.00% test 50.00% (1.0s;") and "\r" not in text


def test_bars_on_a_terminal(tmp_path):
    primary, secondary = pty.openpty()
    env = {**os.environ, "SUITE_QUIET": "0", "COLUMNS": "120", "TERM": "xterm"}
    run = subprocess.Popen([sys.executable, "-m", "suite.cli", "run", "depth", "--profile", "smoke", "--seeds", "1",
                            "--set", "epochs=2", "--runs-dir", str(tmp_path / "runs"), "--results-dir",
                            str(tmp_path / "res")], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=secondary, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert run.wait(timeout=300) == 0
    text = b"".join(chunks).decode("utf-8", "replace")
    assert "━" in text and "[depth] trials" in text  # the bars
    assert "[depth] trial 5/5 depth=4, seed=0:" in text  # each trial's line still printed
