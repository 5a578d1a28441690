"""Several processes or machines on Dask distributed: ``--cluster local:N`` (a ``LocalCluster`` of N
single-threaded worker processes, each pinned to its CPU share) or ``--cluster tcp://HOST:8786``
(a scheduler and workers started with ``dask scheduler`` / ``dask worker``, by hand, SLURM, ...).

Dask does the scheduling, the heartbeats and the rescheduling of a task whose worker was lost;
this module connects (bounded by ``--wait-seconds``, exit 3), refuses workers whose fingerprint
differs from the client's (``suite.execution.tasks.difference``), and hands tasks to Dask. Imported
only when a cluster is asked for, and by local workers to unpickle their pinning plugin.
"""
from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import threading
import time

import dask
import distributed

from suite import console, interrupt
from suite.errors import GaveUp, UserError
from suite.execution import tasks

THREAD_VARIABLES = ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
POLL_S = 0.5
RERUNS = 2  # a task whose worker dies is run again on another, this many times at most


def cpu_shares(workers: int) -> list[list[int]]:
    """Split this process's CPUs into ``workers`` disjoint sets (shared round-robin if too few)."""
    cpus = sorted(os.sched_getaffinity(0))
    if workers >= len(cpus):
        return [[cpus[i % len(cpus)]] for i in range(workers)]
    return [cpus[i::workers] for i in range(workers)]


def gpu_count() -> int:
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(line.startswith("GPU ") for line in out.stdout.splitlines())


class Pin(distributed.WorkerPlugin):
    """Local worker ``i`` keeps to CPU share ``i`` (every thread of its process, and the thread
    pools JAX and TensorFlow start later) and, where GPUs are present, to GPU ``i % gpus``.
    Runs in the worker before its first task, so before Keras is imported there."""

    name = "suite-pin"

    def __init__(self, shares: list[list[int]], gpus: int):
        self.shares, self.gpus = shares, gpus

    def setup(self, worker) -> None:
        index = int(worker.name) if str(worker.name).isdigit() else 0
        cores = set(self.shares[index % len(self.shares)])
        for task in os.listdir("/proc/self/task"):
            with contextlib.suppress(OSError):
                os.sched_setaffinity(int(task), cores)
        for name in THREAD_VARIABLES:
            os.environ.setdefault(name, str(len(cores)))
        os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
        if len(cores) == 1 and "--xla_cpu_multi_thread_eigen" not in os.environ.get("XLA_FLAGS", ""):
            os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_cpu_multi_thread_eigen=false".strip()
        if self.gpus:  # several workers may share a GPU: allocate memory as needed, not all up front
            os.environ.update(CUDA_VISIBLE_DEVICES=str(index % self.gpus), TF_FORCE_GPU_ALLOW_GROWTH="true",
                              XLA_PYTHON_CLIENT_PREALLOCATE="false")


def _quiet() -> None:
    """Dask's own INFO lines (state changes, the dashboard's address) are noise in the suite's
    output; warnings and errors stay. Local workers inherit it through the environment."""
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    dask.config.set({"logging.distributed": "error", "distributed.scheduler.allowed-failures": RERUNS})
    logging.getLogger("distributed").setLevel(logging.ERROR)


class Pool:
    """The client's side of a Dask cluster: ``submit`` a task, ``next_done`` the first finished."""

    def __init__(self, client, address: str, wait_s: float, gpu: bool):
        self.client, self.address, self.wait_s, self.gpu = client, address, wait_s, gpu
        self.mine = tasks.fingerprint()
        self.vetted: set[str] = set()
        self.started: dict[str, int] = {}  # trial key -> how often a worker began it
        self.labels: dict[str, str] = {}

    @property
    def slots(self) -> int:
        """Tasks worth having in flight: one per thread of the accepted workers (at least one)."""
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        return max(1, sum(info["nthreads"] for addr, info in workers.items() if addr in self.vetted))

    def vet(self) -> None:
        """Compare every new worker's fingerprint with the client's; refuse (close) those that differ,
        naming the difference in one line each. A UserError when none is left."""
        workers = set(self.client.scheduler_info(n_workers=-1)["workers"])
        new = sorted(workers - self.vetted)
        if not new:
            return
        theirs = self.client.run(tasks.fingerprint, workers=new, on_error="return")
        refused = {}
        for address, found in theirs.items():
            wrong = "it did not answer" if isinstance(found, BaseException) else tasks.difference(self.mine, found)
            if wrong:
                refused[address] = wrong
            else:
                self.vetted.add(address)
        for address, wrong in refused.items():
            console.say(f"suite: refused Dask worker {address}: {wrong}")
        if refused:
            self.client.retire_workers(list(refused), close_workers=True)
        if not self.vetted & workers:
            raise UserError(f"no Dask worker at {self.address} runs what this client runs ("
                            f"{next(iter(refused.values()), 'none')}); install the same suite and packages "
                            f"on the workers (or here) and set the same KERAS_BACKEND")
        for address in sorted(self.vetted & set(new)):  # imports Keras there while this process plans
            distributed.fire_and_forget(self.client.submit(
                tasks.warm, {"fingerprint": self.mine, "env": tasks.task_env()}, pure=False, workers=[address],
                allow_other_workers=False, key=f"suite-warm-{address}-{time.monotonic_ns()}"))

    def heard(self, event) -> None:
        """A task began on a worker; a second beginning means its first worker was lost mid-trial."""
        message = event[1] if isinstance(event, tuple) else event
        keys = message.get("keys", [])
        first = keys[0] if keys else ""
        self.started[first] = self.started.get(first, 0) + 1
        if self.started[first] > 1:
            console.say(f"suite: {self.labels.get(first, first)}: its worker was lost mid-trial; Dask runs it again "
                        f"on {message.get('worker')} ({message.get('host')})")

    def submit(self, function, *args, key: str, label: str):
        self.labels[key] = label
        return self.client.submit(function, *args, pure=False, retries=1, key=f"suite-{key}-{time.monotonic_ns()}",
                                  resources={"GPU": 1} if self.gpu else None)

    def next_done(self, futures) -> tuple:
        """The first of ``futures`` to finish and its result (the task's exception raised here);
        GaveUp when no accepted worker is connected for ``wait_s``."""
        alone_since = None
        while True:
            interrupt.check()
            try:
                done, _ = distributed.wait(list(futures), timeout=POLL_S, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = ()
            if done:
                future = next(iter(done))
                try:
                    return future, future.result()
                except distributed.client.FutureCancelledError:
                    raise GaveUp(f"the Dask scheduler at {self.address} dropped a task (it was restarted?); "
                                 f"rerun: stored trials are kept") from None
                except distributed.scheduler.KilledWorker as exc:
                    raise GaveUp(f"a task killed {RERUNS + 1} workers in turn ({exc}); see the workers' "
                                 f"logs, then rerun: stored trials are kept") from None
                except tasks.WrongWorker as exc:
                    raise UserError(f"{exc}; install the same suite and packages there") from None
            self.vet()
            alive = self.vetted & set(self.client.scheduler_info(n_workers=-1)["workers"])
            if alive:
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > self.wait_s:
                raise GaveUp(f"no Dask worker connected to {self.address} for {self.wait_s:.0f} s; "
                             f"{len(futures)} task(s) in flight; start workers (`dask worker {self.address}`) "
                             f"and rerun, or raise --wait-seconds")


def _start(spec: str, wait_s: float) -> tuple[Pool, object]:
    """Connect to (or start) the cluster ``spec``; returns the pool and the LocalCluster (None for a
    scheduler elsewhere)."""
    cluster, gpus = None, 0
    try:
        if spec.startswith("local:"):
            workers, gpus = int(spec.removeprefix("local:")), gpu_count()
            cluster = distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=":0", silence_logs=logging.ERROR, resources={"GPU": 1} if gpus else None)
            client = distributed.Client(cluster)
            client.register_plugin(Pin(cpu_shares(workers), gpus))
            address = cluster.scheduler_address
        else:
            address = spec
            try:
                client = distributed.Client(spec, timeout=wait_s)
            except (OSError, TimeoutError):
                raise GaveUp(f"no Dask scheduler answered at {spec} within {wait_s:.0f} s; start one "
                             f"(`dask scheduler`) or fix --cluster, or raise --wait-seconds") from None
            try:
                client.wait_for_workers(1, timeout=wait_s)
            except TimeoutError:
                client.close()
                raise GaveUp(f"no Dask worker connected to {spec} within {wait_s:.0f} s; start workers "
                             f"(`dask worker {spec}`) or raise --wait-seconds") from None
            gpus = any(info.get("resources", {}).get("GPU") for info in
                       client.scheduler_info(n_workers=-1)["workers"].values())
        pool = Pool(client, address, wait_s, bool(gpus))
        pool.vet()
        client.subscribe_topic(tasks.TOPIC, pool.heard)
    except BaseException:
        if cluster is not None:
            cluster.close()
        raise
    if cluster is None:
        console.say(f"suite: Dask cluster at {address}: {pool.slots} worker thread(s) accepted; dashboard "
                    f"{client.dashboard_link}")
    return pool, cluster


class Starting:
    """The pool while it connects in a thread of its own, so the workers start (and import Keras)
    while this process plans, as they did when it started them itself; using any of its attributes
    waits for it (and raises what connecting raised)."""

    def __init__(self, spec: str, wait_s: float):
        self._outcome: dict = {}
        self._thread = threading.Thread(target=self._connect, args=(spec, wait_s), daemon=True,
                                         name="suite-dask-connect")
        self._thread.start()
        if not spec.startswith("local:"):  # a scheduler elsewhere: its answer (or none) first
            self.started()

    def _connect(self, spec: str, wait_s: float) -> None:
        try:
            self._outcome["started"] = _start(spec, wait_s)
        except BaseException as exc:  # noqa: BLE001 - raised in the main thread, at first use
            self._outcome["error"] = exc

    def started(self) -> tuple[Pool, object]:
        self._thread.join()
        if "error" in self._outcome:
            raise self._outcome["error"]
        return self._outcome["started"]

    def __getattr__(self, name: str):
        return getattr(self.started()[0], name)

    def release(self) -> None:
        """The work is done: close the cluster in the background (the caller writes its report
        meanwhile); the end of ``connect`` waits for it."""
        if getattr(self, "_closing", None) is None:
            self._closing = threading.Thread(target=_close, args=(self,), daemon=True, name="suite-dask-close")
            self._closing.start()


def _close(starting: Starting) -> None:
    try:
        pool, cluster = starting.started()
    except BaseException:  # noqa: BLE001 - it never connected: nothing to close
        return
    with contextlib.suppress(Exception):
        pool.client.close(timeout=5)
    if cluster is not None:
        with contextlib.suppress(Exception):
            cluster.close(timeout=5)


@contextlib.contextmanager
def connect(spec: str, wait_s: float):
    """A ``Pool`` on the cluster ``spec`` (``local:N`` or a scheduler address), connecting while the
    caller goes on; closed on exit (a local cluster's workers with it)."""
    _quiet()
    starting = Starting(spec, wait_s)
    try:
        yield starting
    finally:
        starting.release()
        starting._closing.join(timeout=15)
