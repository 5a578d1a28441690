"""Trials on a Dask cluster (``--workers N`` = ``--cluster local:N``, ``--cluster tcp://...``): a
worker SIGKILLed mid-trial (Dask reruns its task once) in a run with the numbers of one process; a
client SIGKILLed mid-search (its workers go with it, the rerun trains nothing twice and picks the
stored best); the bounded waits; issue 33's faults of the old chief/worker mode, gone: a ``dask
worker`` without the client's plan, one whose clock is off, one paused mid-trial (one ``dask
scheduler`` for the module, the workers a test starts). Tiny synthetic data; at most two Dask
workers per test; every process a test starts is killed at its end."""
import datetime
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from suite.cli.main import main
from suite.execution import tasks

PLAN = ["depth", "--profile", "smoke", "--seeds", "2", "--set", "epochs=2", "--set", "batch_size=100"]
SEARCH = ["mlp_search", "--profile", "smoke", "--tuner", "random", "--max-trials", "4", "--set", "epochs=2"]
KILL_ONCE = '''"""Dask worker preload (a test's fault): SIGKILL this worker 1 s into a trial task while the
file SUITE_TEST_KILL_ARMED exists (the test arms it; the first worker to start a trial task renames
it to <name>.fired, so one kill per arming)."""
import os, signal, threading
from distributed import WorkerPlugin


class KillOnce(WorkerPlugin):
    def transition(self, key, start, finish, **kwargs):
        if finish != "executing" or not str(key).startswith("suite-") or str(key).startswith("suite-warm"):
            return
        armed = os.environ["SUITE_TEST_KILL_ARMED"]
        try:
            os.rename(armed, armed + ".fired")
        except FileNotFoundError:
            return
        threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGKILL)).start()


async def dask_setup(worker):
    await worker.plugin_add(plugin=KillOnce(), name="kill-once")
'''


def suite(command: str, argv: list[str], dirs: Path, *more, env=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "suite.cli.main", command, *argv, *more,
                             "--runs-dir", str(dirs / "runs"), "--results-dir", str(dirs / "results")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, start_new_session=True)


def finish(process: subprocess.Popen, timeout: float = 240) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        kill_tree(process.pid)
    return process.returncode, out, err


def descendants(pid: int) -> list[int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def kill_tree(pid: int) -> None:
    """Whatever is left of a test's process and its children (workers included)."""
    for child in [pid, *descendants(pid)]:
        try:
            os.kill(child, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def records(trials: Path) -> dict:
    return {path.name: json.loads(path.read_text()) for path in trials.glob("*.json")}


def trained(err: str) -> list[str]:
    return [line for line in err.splitlines() if re.search(r" trial \d+/\d+ ", line) and "stored earlier" not in line]


def wait_for_records(trials: Path, count: int, process, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    while len(list(trials.glob("*.json"))) < count:
        assert process.poll() is None and time.time() < deadline, process.communicate()[1][-3000:]
        time.sleep(0.1)


def test_a_worker_killed_mid_trial_is_rerun_once_and_the_numbers_are_one_processs(tmp_path, capsys):
    """--workers 2: this process and one Dask worker, which SIGKILLs itself 1 s into its first task
    (its nanny restarts it, Dask runs the task again); every trial stored once, with the numbers of
    a one-process run."""
    preload = tmp_path / "kill_once.py"
    preload.write_text(KILL_ONCE)
    armed = tmp_path / "armed"
    armed.touch()
    env = {"DASK_DISTRIBUTED__WORKER__PRELOAD": json.dumps([str(preload)]), "SUITE_TEST_KILL_ARMED": str(armed)}
    code, out, err = finish(suite("run", PLAN, tmp_path / "dask", "--workers", "2", env=env))
    assert code == 0 and (tmp_path / "armed.fired").exists(), err[-3000:]
    # the killed trial, and any finished one whose result was still on the worker (Dask recomputes it)
    lost = [line.split(":")[1] for line in err.splitlines() if "its worker was lost before its result reached" in line]
    assert lost and len(lost) == len(set(lost)), err
    assert all(line.startswith(("[depth]", "suite: ")) for line in err.splitlines()), err  # no Dask noise
    assert len(trained(err)) == 10, err  # each trial stored once: the killed task's trials only after the rerun
    assert "0 failed, 0 missing" in out
    dirs = tmp_path / "one"
    assert main(["run", *PLAN, "--runs-dir", str(dirs / "runs"), "--results-dir", str(dirs / "results")]) == 0
    capsys.readouterr()
    dask, one = (records(tmp_path / where / "runs" / "depth" / "smoke" / "trials") for where in ("dask", "one"))
    assert dask.keys() == one.keys() and len(one) == 10
    assert {r["worker"] for r in dask.values()} == {"local", "dask-0"}  # this process trains too
    for name, record in one.items():
        assert dask[name]["status"] == record["status"]
        assert dask[name]["metrics"]["test_accuracy"] == pytest.approx(record["metrics"]["test_accuracy"], abs=1e-6)


def test_a_search_whose_client_was_killed_trains_nothing_twice_and_picks_the_stored_best(tmp_path):
    """The client SIGKILLed mid-search: its local Dask worker goes with it; the rerun replays the
    stored trials, trains only the rest, and re-runs the stored best (the same on Dask workers
    across hosts: test_netns)."""
    client = suite("search", SEARCH, tmp_path, "--workers", "2")
    trials = tmp_path / "runs" / "mlp_search" / "smoke" / "search-random" / "trials"
    wait_for_records(trials, 1, client)
    workers = descendants(client.pid)
    os.kill(client.pid, signal.SIGKILL)
    client.wait(timeout=30)
    deadline = time.time() + 30  # its local workers go with it
    while any(alive(pid) for pid in workers) and time.time() < deadline:
        time.sleep(0.2)
    left = [pid for pid in workers if alive(pid)]
    kill_tree(client.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "the killed client's Dask workers outlived it"
    before = records(trials)
    code, out, err = finish(suite("search", SEARCH, tmp_path))  # resumed in one process (on Dask: test_netns)
    assert code == 0, err[-3000:]
    after = records(trials)
    assert len(after) == 4 and all(after[name] == record for name, record in before.items())
    assert len(trained(err.split("re-running it")[0])) == 4 - len(before)  # nothing trained twice
    done = [r for r in after.values() if r["status"] == "done"]
    top = max(r["metrics"]["best_dev_accuracy"] for r in done)
    winners = [r for r in done if r["metrics"]["best_dev_accuracy"] == top]
    reruns = records(trials.parent / "best" / "trials")
    assert reruns, err[-3000:]
    config = next(iter(reruns.values()))["config"]
    assert any(all(config[k] == v for k, v in w["point"].items() if k != "epochs") for w in winners)


def alive(pid: int) -> bool:
    """``pid`` runs (a zombie does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_no_scheduler_at_the_address_gives_up_in_time(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SUITE_WAIT_S", raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    code = main(["run", *PLAN, "--cluster", f"tcp://127.0.0.1:{port}", "--wait-seconds", "2",
                 "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")])
    err = capsys.readouterr().err
    os.environ.pop("SUITE_WAIT_S", None)
    assert code == 3 and time.monotonic() - started < 30, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith(f"suite: gave up: no Dask scheduler answered at tcp://127.0.0.1:{port} within 2 s")
    assert "Traceback" not in err and not (tmp_path / "runs").exists()


def test_a_scheduler_without_workers_gives_up_in_time(tmp_path, capsys, monkeypatch):
    import distributed  # deferred: the module imports without Dask's start-up cost

    monkeypatch.delenv("SUITE_WAIT_S", raising=False)
    with distributed.LocalCluster(n_workers=0, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=":0") as cluster:
        address = cluster.scheduler_address
        started = time.monotonic()
        code = main(["run", *PLAN, "--cluster", address, "--wait-seconds", "2",
                     "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")])
        waited = time.monotonic() - started
    err = capsys.readouterr().err
    os.environ.pop("SUITE_WAIT_S", None)
    assert code == 3 and waited < 30, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith(f"suite: gave up: no Dask worker connected to {address} within 2 s"), err
    assert "Traceback" not in err and not list((tmp_path / "runs").rglob("*.json"))


def test_a_worker_that_differs_from_the_client_is_refused_with_the_difference_named():
    mine = tasks.fingerprint()
    theirs = {**mine, "keras": "0.0.1", "backend": "tensorflow" if mine["backend"] != "tensorflow" else "jax"}
    said = tasks.difference(mine, theirs)
    assert f"keras {mine['keras']} here, 0.0.1 there" in said and "backend" in said
    assert tasks.difference(mine, {**mine, "backend": None}) == ""  # a worker without one takes the client's
    with pytest.raises(tasks.WrongWorker, match="differs from the client: keras"):
        tasks.train_task([], {}, {"fingerprint": {**mine, "keras": "0.0.1"}, "env": {}})



class FakeClient:
    """What Pool.vet asks of a Dask client: the workers, their fingerprints, their nthreads."""

    def __init__(self, workers: dict):
        self.workers = workers  # address -> fingerprint

    def scheduler_info(self, n_workers=-1):
        return {"workers": {address: {"nthreads": 1} for address in self.workers}}

    def run(self, function, workers, on_error):
        return {address: self.workers[address] for address in workers}

    def retire_workers(self, addresses, close_workers):
        for address in addresses:
            self.workers.pop(address)

    def submit(self, *args, **kwargs):
        return None


def test_a_worker_that_joins_a_running_cluster_is_announced(monkeypatch, capsys):
    """The first line says how many worker threads were accepted; each worker vetted after it gets a
    line of its own with the new count (the count used to stay at the first line's)."""
    from suite.execution import dask_cluster

    monkeypatch.setattr(dask_cluster.distributed, "fire_and_forget", lambda future: None)
    pool = dask_cluster.Pool.__new__(dask_cluster.Pool)
    mine = tasks.fingerprint()
    pool.mine, pool.vetted, pool.local, pool.address, pool.announced = mine, set(), 0, "tcp://h:8786", False
    pool.client = FakeClient({"tcp://a:1": mine})
    pool.vet()
    assert "joined" not in capsys.readouterr().err  # the first line is _start's
    pool.announced = True
    pool.client.workers.update({"tcp://b:2": mine, "tcp://c:3": {**mine, "keras": "0.0.1"}})
    pool.vet()
    err = capsys.readouterr().err
    assert "suite: Dask worker tcp://b:2 joined: 2 worker thread(s) accepted" in err
    assert "refused Dask worker tcp://c:3: keras" in err and "tcp://c:3 joined" not in err

# Issue 33's faults of the old chief/worker mode (its gRPC oracle and claim leases), on a scheduler
# and `dask worker` processes started as a user would start them.

WATCHED = '''"""Dask worker preload (a test's fault): this worker's wall clock is SUITE_TEST_CLOCK_SHIFT_S seconds
off (default 0); each trial task it begins, and ends, is appended to the file SUITE_TEST_BEGAN
("<pid> <key>", then "<pid> <key> <its next state>").

The shift: time.time and every alias of it loaded by then (Dask's own clock, distributed.metrics.time,
its heartbeats and logs), and the suite's record stamps (datetime.now in
suite.execution.trials, which reads the system clock, not time.time: replaced there once the warm-up
task has loaded it, before the first trial task)."""
import datetime, os, sys, time, types
from distributed import WorkerPlugin

SHIFT = float(os.environ.get("SUITE_TEST_CLOCK_SHIFT_S", "0"))


def _shifted(real=time.time):
    return real() + SHIFT


class _Now(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.datetime.fromtimestamp(time.time(), tz)


if SHIFT and not hasattr(time.time, "shift"):  # once, though a worker may import its preload twice
    _shifted.shift = SHIFT
    _real = time.time
    for module in list(sys.modules.values()):
        for name, value in list(getattr(module, "__dict__", {}).items()):
            if value is _real and name != "_real":
                setattr(module, name, _shifted)
    time.time = _shifted


class Watched(WorkerPlugin):
    def transition(self, key, start, finish, **kwargs):
        if "executing" not in (start, finish) or not str(key).startswith("suite-") or str(key).startswith("suite-warm"):
            return
        trials = sys.modules.get("suite.execution.trials")
        if SHIFT and trials is not None:
            trials.dt = types.SimpleNamespace(datetime=_Now, timezone=datetime.timezone)
        with open(os.environ["SUITE_TEST_BEGAN"], "a") as began:
            began.write(f"{os.getpid()} {key}\\n" if finish == "executing" else f"{os.getpid()} {key} {finish}\\n")


async def dask_setup(worker):
    await worker.plugin_add(plugin=Watched(), name="watched")
'''


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A `dask scheduler` on localhost for the module (its lines to a file: they would fill a pipe)."""
    log = tmp_path_factory.mktemp("scheduler") / "scheduler.log"
    port = free_port()
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                    "--port", str(port), "--no-dashboard"], stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        yield f"tcp://127.0.0.1:{port}"
    finally:
        kill_tree(process.pid)
        process.wait()


@pytest.fixture
def dask_worker(scheduler, tmp_path):
    """``start(*options, env=...)``: a `dask worker` (its nanny and one single-threaded worker
    process) on the module's scheduler, with no suite argument and no SUITE_* variable; all of
    them killed at the test's end."""
    started = []

    def start(*options: str, env: dict | None = None) -> subprocess.Popen:
        plain = {name: value for name, value in os.environ.items() if not name.startswith("SUITE_")}
        with open(tmp_path / f"worker-{len(started)}.log", "w") as out:
            process = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", scheduler, "--nthreads",
                                        "1", "--no-dashboard", *options], stdout=out, stderr=subprocess.STDOUT,
                                       env={**plain, **(env or {})}, start_new_session=True)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            kill_tree(process.pid)
            process.wait()


def watched(tmp_path: Path, shift: float = 0) -> tuple[list[str], dict, Path]:
    """The options and environment of a `dask worker` that preloads WATCHED; the file of the trial
    tasks it begins."""
    preload = tmp_path / "watched.py"
    preload.write_text(WATCHED)
    began = tmp_path / "began"
    return ["--preload", str(preload)], {"SUITE_TEST_CLOCK_SHIFT_S": str(shift), "SUITE_TEST_BEGAN": str(began)}, began


def begun(began: Path, ended: bool = False) -> list[tuple[int, str]]:
    """(worker pid, Dask key) of each trial task begun (or ``ended``), in order."""
    lines = [line.split() for line in began.read_text().splitlines()] if began.exists() else []
    return [(int(line[0]), line[1]) for line in lines if len(line) == (3 if ended else 2)]


def lost(err: str) -> list[str]:
    return [line for line in err.splitlines() if "its worker was lost before its result reached this client; Dask runs it again" in line]


def test_a_worker_started_without_the_plan_trains_the_clients_plan(scheduler, dask_worker, tmp_path):
    """Issue 33, fault 2 (the old chief and workers each built the plan from their own arguments: a
    chief with --seeds 3 and workers with the default lost the seed-2 trials silently, "5 missing",
    exit 0; a chief with --set epochs=3 and workers without exited 2, "no stored trials"). A `dask
    worker` has no suite arguments at all: the client's --seeds 3 --set epochs=1 reach it with each
    task, and every planned trial is stored once, trained there with the client's epochs and seeds."""
    dask_worker()
    plan = ["depth", "--profile", "smoke", "--seeds", "3", "--set", "epochs=1", "--set", "batch_size=100"]
    code, out, err = finish(suite("run", plan, tmp_path, "--cluster", scheduler, "--wait-seconds", "60"))
    assert code == 0, err[-3000:]
    stored = records(tmp_path / "runs" / "depth" / "smoke" / "trials")
    assert len(stored) == 15 and len(trained(err)) == 15, err  # 5 points x 3 seeds, each stored once
    seeds: dict[str, list[int]] = {}
    for record in stored.values():
        assert record["worker"].startswith("dask-") and record["process"]["pid"] != os.getpid()
        assert record["config"]["epochs"] == 1 and len(record["history"]) == 1, record["key"]
        assert record["config"]["seed"] == record["seed"]
        assert record["point"]["seed"] == record["seed"]
        where = {name: value for name, value in record["point"].items() if name != "seed"}
        seeds.setdefault(json.dumps(where, sort_keys=True), []).append(record["seed"])
    assert len(seeds) == 5 and all(sorted(values) == [0, 1, 2] for values in seeds.values()), seeds
    assert "0 failed, 0 missing" in out and not re.search(r"\b[1-9]\d* missing", out + err)


@pytest.mark.parametrize("shift", [300, -150])
def test_a_worker_whose_clock_is_off_trains_each_trial_once_in_time(scheduler, dask_worker, tmp_path, shift):
    """Issue 33, fault 3 (the old claim leases compared clocks across hosts: one host 150 s behind,
    lease 120 s, and 6 trials trained twice without a word; one 300 s ahead, and a dead worker's
    claim kept the chief waiting 330 s against --wait-seconds 20). A `dask worker` whose clock is
    ``shift`` s off (WATCHED: Dask's own clock too; Dask still runs with it): every trial trained
    once, on it, well within ``shift`` s; its records carry its clock."""
    options, env, began = watched(tmp_path, shift)
    dask_worker(*options, env=env)
    before = time.time()
    code, out, err = finish(suite("run", PLAN, tmp_path, "--cluster", scheduler, "--wait-seconds", "60"))
    took = time.time() - before
    assert code == 0, err[-3000:]
    assert took < 120, f"{took:.0f} s"  # nothing waits out the shift
    stored = records(tmp_path / "runs" / "depth" / "smoke" / "trials")
    tasks_begun = [key for _, key in begun(began)]
    assert len(stored) == 10 and len(trained(err)) == 10 and not lost(err), err
    assert tasks_begun and len(set(tasks_begun)) == len(tasks_begun)  # no task began twice: nothing trained twice
    for record in stored.values():  # trained there, by the worker's clock
        assert record["worker"].startswith("dask-")
        stamp = datetime.datetime.fromisoformat(record["started_at"]).timestamp()
        assert before + shift - 5 < stamp < time.time() + shift + 5, record["started_at"]
    assert "0 failed, 0 missing" in out


def test_a_worker_whose_clock_is_ahead_dies_and_the_client_gives_up_in_time(scheduler, dask_worker, tmp_path):
    """Issue 33, fault 3 (a dead worker's claim, stamped by a clock 300 s ahead, kept the old chief
    waiting 330 s against --wait-seconds 20). The only `dask worker`, its clock 300 s ahead, killed
    (nanny and all) mid-trial: the client gives up within --wait-seconds, in one line, exit 3."""
    options, env, began = watched(tmp_path, 300)
    worker = dask_worker(*options, env=env)
    client = suite("run", PLAN, tmp_path, "--cluster", scheduler, "--wait-seconds", "5")
    deadline = time.time() + 180
    while not begun(began):
        assert client.poll() is None and time.time() < deadline, client.communicate()[1][-3000:]
        time.sleep(0.1)
    time.sleep(1)
    kill_tree(worker.pid)
    killed = time.monotonic()
    code, _, err = finish(client, timeout=60)
    waited = time.monotonic() - killed
    assert code == 3 and waited < 5 + 10, (f"{waited:.0f} s", err[-3000:])
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith(f"suite: gave up: no Dask worker connected to {scheduler} for 5 s"), err
    assert len([line for line in lines if "gave up" in line]) == 1 and "Traceback" not in err


def test_a_worker_paused_mid_trial_trains_nothing_twice(scheduler, dask_worker, tmp_path):
    """Issue 33, fault 4 (a worker paused 6 s under a 2 s claim lease lost its claim: 4 trials
    trained twice, unreported). Two `dask worker`s; the one that begins the first trial is
    SIGSTOPped 0.5 s into it for 6 s, then SIGCONTed: every trial stored once, the paused one by
    that worker, no task begun twice; a rerun by Dask would have been said in one line."""
    options, env, began = watched(tmp_path)
    dask_worker(*options, env=env)
    dask_worker(*options, env=env)
    client = suite("run", PLAN, tmp_path, "--cluster", scheduler, "--wait-seconds", "60")
    deadline = time.time() + 180
    while not begun(began):
        assert client.poll() is None and time.time() < deadline, client.communicate()[1][-3000:]
        time.sleep(0.1)
    paused, key = begun(began)[0]
    time.sleep(0.5)
    os.kill(paused, signal.SIGSTOP)
    try:
        mid_trial = (paused, key) not in begun(began, ended=True)
        time.sleep(6)
    finally:
        os.kill(paused, signal.SIGCONT)
    code, out, err = finish(client)
    assert code == 0, err[-3000:]
    stored = records(tmp_path / "runs" / "depth" / "smoke" / "trials")
    assert mid_trial, "its task had ended before the pause"
    keys = [k for _, k in begun(began)]
    twice = {k for k in keys if keys.count(k) > 1}
    assert len(lost(err)) == len(twice)  # a rerun is said, once per rerun
    assert not twice and len(stored) == 10 and len(trained(err)) == 10, err  # nothing trained twice
    mine = [record for record in stored.values() if key.startswith(f"suite-{record['key']}-")]
    assert [record["process"]["pid"] for record in mine] == [paused], key  # it went on after the pause
    assert "0 failed, 0 missing" in out


CLIENT_PINNED = '''
import os, sys
from suite.execution import cores, dask_cluster
from suite.store import provenance
if __name__ == "__main__":
    share = set(cores.cpu_shares(2)[0])
    with dask_cluster.connect("local:2", 60) as pool:
        pool.ready()
        threads = {int(t): os.sched_getaffinity(int(t)) for t in os.listdir("/proc/self/task")}
        print(sum(allowed <= share for allowed in threads.values()), len(threads))
        pool.here.submit(int, ())  # the client's own trainer thread pins itself too
        pool.here.done.get(timeout=30)
        recorded = provenance.environment()["env"]  # what the client's trial records name
        print(sorted(name for name in ("XLA_FLAGS", "OMP_NUM_THREADS", "CUDA_VISIBLE_DEVICES") if name in recorded))
'''


def test_on_local_n_every_thread_of_the_client_keeps_to_its_own_share(tmp_path):
    """The client trains on CPU share 0; its other threads (the scheduler's loop, the thread pools
    XLA starts) were left on every core, where they ran on the Dask worker's share (cold --workers 2
    was slower than the pre-Dask launcher)."""
    script = tmp_path / "pinned.py"
    script.write_text(CLIENT_PINNED)
    env = {name: value for name, value in os.environ.items()
           if name not in ("XLA_FLAGS", "OMP_NUM_THREADS", "CUDA_VISIBLE_DEVICES")}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    counts, variables = out.stdout.splitlines()[-2:]
    pinned, threads = map(int, counts.split())
    assert threads > 1 and pinned == threads, out.stderr[-2000:]
    # its backend had started: its records name no thread-pool or XLA settings set after that, ours
    # or Dask's nannies' (they named XLA_FLAGS=--xla_cpu_multi_thread_eigen=false and OMP_NUM_THREADS=1)
    assert variables == "[]", variables
