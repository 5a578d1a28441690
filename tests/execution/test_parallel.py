"""Chief and workers as separate processes on 127.0.0.1 (keras-tuner's distributed mode)."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from suite.execution import parallel
from suite.store.trial_store import FINISHED

PLAN = ["depth", "--profile", "smoke", "--seeds", "2", "--set", "epochs=1", "--set", "batch_size=100"]


def suite(*args, dirs, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "suite.cli.main", "run", *PLAN, *args,
                             "--runs-dir", str(dirs / "runs"), "--results-dir", str(dirs / "results")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def trial_lines(stderr: str) -> list[str]:
    return [line.split(": ")[0].split(" ", 3)[-1] for line in stderr.splitlines()
            if re.search(r" trial \d+/\d+ ", line)]


def stored(dirs: Path) -> dict:
    return {path.name: json.loads(path.read_text())
            for path in (dirs / "runs" / "depth" / "smoke" / "trials").glob("*.json")}


def test_chief_and_two_workers_run_every_trial_once_like_one_worker(tmp_path):
    port = str(parallel.free_port())
    chief = suite("--role", "chief", "--oracle-ip", "127.0.0.1", "--oracle-port", port, dirs=tmp_path / "multi")
    workers = [suite("--role", "worker", "--oracle-ip", "127.0.0.1", "--oracle-port", port,
                     "--worker-id", f"w{i}", dirs=tmp_path / "multi") for i in range(2)]
    logs = [worker.communicate(timeout=240)[1] for worker in workers]
    assert chief.wait(timeout=60) == 0, chief.stderr.read()
    assert all(worker.returncode == 0 for worker in workers), logs
    ran = [label for log in logs for label in trial_lines(log)]
    assert len(ran) == len(set(ran)) == 10, logs  # every grid point trained exactly once
    assert all(trial_lines(log) for log in logs)  # both workers took part

    single = suite(dirs=tmp_path / "single")
    assert single.wait(timeout=240) == 0
    multi_records, single_records = stored(tmp_path / "multi"), stored(tmp_path / "single")
    assert multi_records.keys() == single_records.keys()
    assert {r["worker"] for r in multi_records.values()} == {"w0", "w1"}
    for key, record in single_records.items():
        assert multi_records[key]["status"] == record["status"] in FINISHED
        assert multi_records[key]["metrics"]["test_accuracy"] == pytest.approx(
            record["metrics"]["test_accuracy"], abs=0.02)
    summary = pd.read_csv(tmp_path / "multi" / "results" / "depth" / "smoke" / "summary.csv")
    # every trial is stored and counted once in the table, whatever its outcome class
    assert summary[["n", "n_collapsed", "n_diverged"]].to_numpy().sum() == 10


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_a_killed_worker_loses_at_most_its_trial_and_a_rerun_completes(tmp_path):
    launcher = suite("--workers", "2", dirs=tmp_path)
    deadline = time.time() + 120
    while not stored(tmp_path) and time.time() < deadline:
        time.sleep(0.2)
    victims = children(launcher.pid)
    assert len(victims) == 1  # the launcher itself is worker0
    os.kill(victims[0], signal.SIGKILL)
    _, err = launcher.communicate(timeout=240)
    assert launcher.returncode == 0, err
    before = stored(tmp_path)
    assert 8 <= len(before) <= 10 and "worker1 exited with code -9" in err
    assert {record["worker"] for record in before.values()} <= {"worker0", "worker1"}

    rerun = suite(dirs=tmp_path)
    _, err = rerun.communicate(timeout=240)
    assert rerun.returncode == 0, err
    after = stored(tmp_path)
    assert len(after) == 10 and all(r["status"] in FINISHED for r in after.values())
    assert all(after[name] == record for name, record in before.items())  # nothing retrained
    assert len(trial_lines(err)) == 10 - len(before)


def test_a_search_with_two_workers_runs_the_declared_space(tmp_path):
    search = subprocess.run(
        [sys.executable, "-m", "suite.cli.main", "search", "mlp_search", "--profile", "smoke", "--tuner", "random",
         "--max-trials", "4", "--workers", "2", "--set", "epochs=1",
         "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")],
        capture_output=True, text=True, timeout=300)
    assert search.returncode == 0, search.stderr
    # the workers' start-up prints no library banners: every line is the suite's own
    assert all(line.startswith("[mlp_search") for line in search.stderr.splitlines()), search.stderr
    records = [json.loads(path.read_text()) for path in
               (tmp_path / "runs" / "mlp_search" / "smoke" / "search-random" / "trials").glob("*.json")]
    assert len(records) == 4 and len({record["key"] for record in records}) == 4
    # every trial got values from the space the chief's oracle declared (none ran the bare base)
    assert all({"learning_rate", "depth", "width"} <= set(record["point"]) for record in records)


@pytest.mark.parametrize("launcher_alive", [True, False])
def test_a_local_worker_dies_with_its_launcher(launcher_alive):
    """The worker arms PR_SET_PDEATHSIG itself (no preexec_fn, so no fork of a launcher running
    gRPC threads); a worker whose launcher is already gone kills itself at once."""
    code = ("import ctypes, os\nfrom suite.execution import parallel\nparallel.pin_current_process()\n"
            "signal = ctypes.c_int()\nctypes.CDLL('libc.so.6').prctl(2, ctypes.byref(signal))\n"
            "print(signal.value, 'SUITE_PARENT_PID' in os.environ)")
    parent = os.getpid() if launcher_alive else 1  # pid 1 is never our parent here
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "SUITE_PARENT_PID": str(parent)})
    if launcher_alive:
        assert done.returncode == 0 and done.stdout.split() == [str(int(signal.SIGKILL)), "False"], done.stderr
    else:
        assert done.returncode == -signal.SIGKILL
