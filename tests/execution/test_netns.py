"""Acceptance: a Dask scheduler and the suite's client on one network host, two `dask worker`
processes on two others (Linux network namespaces on this machine, each with its own address and
hostname), for `suite run` and `suite search`: a worker SIGKILLed mid-trial (Dask reruns its task on
the other), the client SIGKILLed mid-search and restarted (nothing trains twice, the best is the
stored best). Needs root (CI runs as root); skipped otherwise. Only addresses inside the namespaces
created here are used, and they are removed whatever happens. One scheduler and two workers for
the module.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from suite.store.trial_store import FINISHED

from test_dask import KILL_ONCE, trained  # noqa: E402 - the fault a worker preloads, the trained lines

CHIEF_NET = {"A": ("10.77.1.1", "10.77.1.2"), "B": ("10.77.2.1", "10.77.2.2")}  # scheduler side, worker side
PORT = "18786"
CLUSTER = ["--cluster", f"tcp://127.0.0.1:{PORT}", "--wait-seconds", "90"]


def _ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


@pytest.fixture(scope="module")
def hosts():
    """Namespaces ``<tag>C`` (chief), ``<tag>A``, ``<tag>B``; A and B each linked to C by a veth pair."""
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("unshare"):
        pytest.skip("network namespaces need root and the ip and unshare tools")
    tag = f"i22t{os.getpid()}"
    names = {role: f"{tag}{role}" for role in "CAB"}
    made = []
    try:
        for name in names.values():
            try:
                _ip("netns", "add", name)
            except subprocess.CalledProcessError as exc:
                pytest.skip(f"cannot create network namespaces here: {exc.stderr.strip()}")
            made.append(name)
            _ip("-n", name, "link", "set", "lo", "up")
        for role, (chief_ip, worker_ip) in CHIEF_NET.items():
            near, far = f"{tag}c{role}", f"{tag}w{role}"
            _ip("link", "add", near, "netns", names["C"], "type", "veth", "peer", "name", far, "netns", names[role])
            _ip("-n", names["C"], "addr", "add", f"{chief_ip}/24", "dev", near)
            _ip("-n", names[role], "addr", "add", f"{worker_ip}/24", "dev", far)
            _ip("-n", names["C"], "link", "set", near, "up")
            _ip("-n", names[role], "link", "set", far, "up")
        yield names
    finally:
        for name in made:  # deleting a namespace deletes its veth ends too
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)


class Cluster:
    """A scheduler on C and one single-threaded worker on each of A and B, for the whole module (their
    start-ups paid once); each worker SIGKILLs itself 1 s into a trial task when its host's kill is
    armed (``arm``; its nanny restarts it). Each test has runs and results of its own."""

    def __init__(self, hosts, tmp: Path):
        self.hosts, self.tmp, self.processes = hosts, tmp, []
        preload = tmp / "kill_once.py"
        preload.write_text(KILL_ONCE)
        self.start("C", [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "0.0.0.0",
                         "--port", PORT, "--no-dashboard"], log="scheduler.log")
        for role in "AB":
            self.start(role, [sys.executable, "-m", "distributed.cli.dask_worker", f"tcp://{CHIEF_NET[role][0]}:{PORT}",
                              "--host", CHIEF_NET[role][1], "--nthreads", "1", "--nworkers", "1", "--name", f"w{role}",
                              "--no-dashboard", "--preload", str(preload)],
                       env={"SUITE_TEST_KILL_ARMED": str(tmp / f"armed-{role}")}, log=f"worker{role}.log")

    def start(self, role: str, command: list[str], env=None, log: str | None = None) -> subprocess.Popen:
        """``command`` on host ``role`` (its namespace, hostname ``host<role>``); output to ``log``
        (a file: Dask's own lines would fill a pipe) or piped."""
        wrapped = ["ip", "netns", "exec", self.hosts[role], "unshare", "--uts", "sh", "-c",
                   f'hostname host{role} && exec "$@"', "sh", *command]
        out = open(self.tmp / log, "w") if log else subprocess.PIPE  # noqa: SIM115 - closed with the module's tmp
        process = subprocess.Popen(wrapped, stdout=out, stderr=subprocess.STDOUT if log else subprocess.PIPE,
                                   text=True, env={**os.environ, **(env or {})})
        self.processes.append(process)
        return process

    def arm(self, role: str) -> Path:
        """Kill the worker on ``role`` 1 s into its next trial task; returns the file that says it fired."""
        armed = self.tmp / f"armed-{role}"
        armed.touch()
        return Path(f"{armed}.fired")

    def suite(self, argv: list[str], tmp_path: Path) -> subprocess.Popen:
        return self.start("C", [sys.executable, "-m", "suite.cli.main", *argv, *CLUSTER,
                                "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")])

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.kill()
            process.communicate()


@pytest.fixture(scope="module")
def cluster(hosts, tmp_path_factory):
    running = Cluster(hosts, tmp_path_factory.mktemp("cluster"))
    try:
        yield running
    finally:
        running.stop()


def finish(process, timeout=300):
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def records(trials: Path) -> dict:
    return {path.stem: json.loads(path.read_text()) for path in trials.glob("*.json")}


def test_run_across_three_hosts_survives_a_killed_worker(cluster, tmp_path):
    fired = cluster.arm("B")
    argv = ["run", "depth", "--profile", "smoke", "--seeds", "2", "--set", "epochs=3", "--set", "batch_size=20"]
    code, out, err = finish(cluster.suite(argv, tmp_path))
    assert code == 0, err[-3000:]
    assert fired.exists()
    # the trial killed mid-trial, and any whose finished result was still on that worker (Dask recomputes
    # it), each said once: in a full test run under load the client had not yet fetched one result
    # (depth=1) when hostB's worker was killed in depth=0, and the old line called both "mid-trial"
    lost = [line.split(":")[1] for line in err.splitlines() if "its worker was lost before its result reached" in line]
    assert lost and len(lost) == len(set(lost)), err[-3000:]
    trials = tmp_path / "runs" / "depth" / "smoke" / "trials"
    stored = records(trials)
    assert len(stored) == 10 and all(r["status"] in FINISHED for r in stored.values())
    assert len(trained(err)) == 10  # each trial stored once, by the client
    assert {r["process"]["host"] for r in stored.values()} <= {"hostA", "hostB"}
    assert "0 failed, 0 missing" in out
    readme = (tmp_path / "results" / "depth" / "smoke" / "README.md").read_text()
    assert "hostA" in readme  # the report names who trained what


def test_search_across_three_hosts_survives_a_killed_worker_and_a_restarted_client(cluster, tmp_path):
    fired = cluster.arm("A")
    argv = ["search", "mlp_search", "--profile", "smoke", "--tuner", "random", "--max-trials", "4",
            "--set", "epochs=3", "--set", "batch_size=20"]
    trials = tmp_path / "runs" / "mlp_search" / "smoke" / "search-random" / "trials"
    client = cluster.suite(argv, tmp_path)
    deadline = time.time() + 240
    while not list(trials.glob("*.json")) and time.time() < deadline and client.poll() is None:
        time.sleep(0.1)
    client.send_signal(signal.SIGKILL)  # the client dies mid-search; the workers stay
    client.communicate()
    before = records(trials)
    assert before, "no search trial was stored before the client was killed"
    code, out, err = finish(cluster.suite(argv, tmp_path))
    assert code == 0, err[-3000:]
    assert fired.exists()
    after = records(trials)
    assert len(after) == 4 and all(after[key] == record for key, record in before.items())
    assert len(trained(err.split("re-running it")[0])) == 4 - len(before)  # nothing trained twice
    done = [r for r in after.values() if r["status"] == "done"]
    top = max(r["metrics"]["best_dev_accuracy"] for r in done)
    reruns = records(trials.parent / "best" / "trials")
    config = next(iter(reruns.values()))["config"]
    assert any(all(config[k] == v for k, v in r["point"].items() if k != "epochs")
               for r in done if r["metrics"]["best_dev_accuracy"] == top)  # the best is the stored best
    assert "(4 search trials)" in out
