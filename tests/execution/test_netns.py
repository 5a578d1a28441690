"""Acceptance: a chief and two workers on three network hosts (Linux network namespaces on this
machine, each with its own address and hostname), one worker SIGKILLed mid-trial; every trial is
stored exactly once, for `suite run` and for `suite search`. Needs root (CI runs as root); skipped
otherwise. Only addresses inside the namespaces created here are used, and they are removed
whatever happens.
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

CHIEF_NET = {"A": ("10.77.1.1", "10.77.1.2"), "B": ("10.77.2.1", "10.77.2.2")}  # chief side, worker side
PORT = "18000"
FAST = ["--lease-seconds", "4", "--wait-seconds", "90"]


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
    def __init__(self, hosts, tmp_path: Path):
        self.hosts, self.tmp, self.processes = hosts, tmp_path, []

    def start(self, role: str, argv: list[str]) -> subprocess.Popen:
        """``suite <argv>`` on host ``role`` (its namespace, hostname ``host<role>``)."""
        command = ["ip", "netns", "exec", self.hosts[role], "unshare", "--uts", "sh", "-c",
                   f'hostname host{role} && exec "$@"', "sh", sys.executable, "-m", "suite.cli.main", *argv,
                   "--runs-dir", str(self.tmp / "runs"), "--results-dir", str(self.tmp / "results")]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.processes.append(process)
        return process

    def chief_and_workers(self, argv: list[str]):
        chief = self.start("C", [*argv, "--role", "chief", "--oracle-ip", "0.0.0.0", "--oracle-port", PORT])
        workers = {role: self.start(role, [*argv, "--role", "worker", "--oracle-ip", CHIEF_NET[role][0],
                                           "--oracle-port", PORT, "--worker-id", f"w{role}"])
                   for role in "AB"}
        return chief, workers

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.communicate()


@pytest.fixture
def cluster(hosts, tmp_path):
    running = Cluster(hosts, tmp_path)
    try:
        yield running
    finally:
        running.stop()


def kill_b_mid_trial(trials: Path, timeout: float = 240, after_a_store: bool = True) -> str:
    """SIGKILL worker B's process while it holds a claim (trains), once it stored a trial (or at
    its first claim when not ``after_a_store``: a 4-trial search may give B only one); returns the
    claimed trial key."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if after_a_store and not any('"worker": "wB"' in path.read_text() for path in trials.glob("*.json")):
            time.sleep(0.1)
            continue
        for path in trials.glob("*.claim"):
            try:
                owner = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if owner["host"] == "hostB" and owner["worker"] == "wB":
                os.kill(owner["pid"], signal.SIGKILL)
                return path.stem
        time.sleep(0.1)
    raise AssertionError("worker B never claimed a trial")


def finish(process, timeout=300):
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def trained_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if " trial " in line and "stored earlier" not in line]


def test_run_across_three_hosts_survives_a_killed_worker(cluster):
    argv = ["run", "depth", "--profile", "smoke", "--seeds", "2", "--set", "epochs=3", "--set",
            "batch_size=20", *FAST]
    chief, workers = cluster.chief_and_workers(argv)
    trials = cluster.tmp / "runs" / "depth" / "smoke" / "trials"
    lost = kill_b_mid_trial(trials)
    code_a, _, err_a = finish(workers["A"])
    code_c, out_c, err_c = finish(chief)
    assert finish(workers["B"])[0] == -signal.SIGKILL
    assert code_a == 0 and code_c == 0, (err_a, err_c)
    records = {path.stem: json.loads(path.read_text()) for path in trials.glob("*.json")}
    assert len(records) == 10 and all(r["status"] in FINISHED for r in records.values())
    assert not list(trials.glob("*.claim"))
    # B died holding `lost`: either before storing it (the chief hands it out again, A trains it) or
    # between storing a trial and reporting it (the chief ends that trial for B); both are recoveries.
    assert records[lost]["status"] in FINISHED
    assert "is lost" in err_c or "never reported it" in err_c, err_c
    assert {r["worker"] for r in records.values()} == {"wA", "wB"}  # B stored some before it died
    assert "0 failed, 0 missing" in out_c
    readme = (cluster.tmp / "results" / "depth" / "smoke" / "README.md").read_text()
    assert "hostA" in readme and "hostB" in readme  # the report names who trained what

    # A rerun of the chief has nothing to hand out: it ends at once, trains and changes nothing.
    code, _, err = finish(cluster.start("C", [*argv, "--role", "chief", "--oracle-port", PORT]))
    assert code == 0 and "nothing to hand out" in err
    again = {path.stem: json.loads(path.read_text()) for path in trials.glob("*.json")}
    assert again == records


def test_search_across_three_hosts_survives_a_killed_worker(cluster):
    argv = ["search", "mlp_search", "--profile", "smoke", "--tuner", "random", "--max-trials", "4",
            "--set", "epochs=3", "--set", "batch_size=20", *FAST]
    chief, workers = cluster.chief_and_workers(argv)
    trials = cluster.tmp / "runs" / "mlp_search" / "smoke" / "search-random" / "trials"
    lost = kill_b_mid_trial(trials, after_a_store=False)
    code_a, _, err_a = finish(workers["A"])
    code_c, out_c, err_c = finish(chief)
    assert code_a == 0 and code_c == 0, (err_a, err_c)
    records = [json.loads(path.read_text()) for path in trials.glob("*.json")]
    assert len(records) == 4 == len({r["key"] for r in records})  # every search trial once
    assert lost in {r["key"] for r in records} and not list(trials.glob("*.claim"))
    assert len(list((trials.parent / "best" / "trials").glob("*.json"))) == 2
    assert "(4 search trials)" in out_c
