"""Several processes or machines on Dask distributed: ``--cluster local:N`` (N trainers: this
process and a ``LocalCluster`` of N - 1 single-threaded worker processes, each pinned to its CPU
share) or ``--cluster tcp://HOST:8786`` (a scheduler and workers started with ``dask scheduler`` /
``dask worker``, by hand, SLURM, ...).

Dask does the scheduling, the heartbeats and the rescheduling of a task whose worker was lost;
this module connects (bounded by ``--wait-seconds``, exit 3), refuses workers whose fingerprint
differs from the client's (``suite.execution.tasks.difference``), and hands tasks to Dask. Imported
only when a cluster is asked for, and by local workers to unpickle their pinning plugin.
"""
from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import threading
import time

import dask
import distributed

from suite import console, interrupt
from suite.errors import GaveUp, UserError
from suite.execution import tasks
from suite.execution.cores import cpu_shares, gpu_count, pin
from suite.store import provenance

POLL_S = 0.5
RERUNS = 2  # a task whose worker dies is run again on another, this many times at most


class Pin(distributed.WorkerPlugin):
    """Local Dask worker ``i`` keeps to CPU share ``first + i`` (share 0 is the client's own, which
    trains too) and, where GPUs are present, to GPU ``(first + i) % gpus``. Runs in the worker
    before its first task, so before Keras is imported there."""

    name = "suite-pin"

    def __init__(self, shares: list[list[int]], gpus: int, first: int = 1):
        self.shares, self.gpus, self.first = shares, gpus, first

    def setup(self, worker) -> None:
        index = self.first + (int(worker.name) if str(worker.name).isdigit() else 0)
        pin(set(self.shares[index % len(self.shares)]), index % self.gpus if self.gpus else None)


def _quiet() -> None:
    """Dask's own INFO lines (state changes, the dashboard's address) are noise in the suite's
    output; warnings and errors stay. Local workers inherit it through the environment."""
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    dask.config.set({"logging.distributed": "error", "distributed.scheduler.allowed-failures": RERUNS})
    logging.getLogger("distributed").setLevel(logging.ERROR)


class Here:
    """The client's own trainer on ``local:N``: tasks run one at a time in a thread of this process
    (one thread for all, as a Dask worker's single thread; Keras is loaded here already, so the
    first starts at once), kept to CPU share 0. N - 1 Dask workers and this process make the N
    trainers, with as many Keras start-ups as trainers (not N + 1)."""

    def __init__(self, cores: list[int], done: queue.Queue):
        self.cores, self.done, self.busy = set(cores), done, False
        self.inbox: queue.Queue = queue.Queue()
        self.thread: threading.Thread | None = None

    def submit(self, function, args: tuple) -> _Local:
        if self.thread is None:
            self.thread = threading.Thread(target=self._serve, daemon=True, name="suite-train-here")
            self.thread.start()
        self.busy = True
        task = _Local()
        self.inbox.put((task, function, args))
        return task

    def _serve(self) -> None:
        # this thread and those it starts, not the client's others; no thread-pool sizes or GPU choice:
        # the client's backend started before (they would not take effect, yet the records list them)
        pin(self.cores, every_thread=False, environment=False)
        while True:
            task, function, args = self.inbox.get()
            try:
                task.value = function(*args)
            except BaseException as exc:  # noqa: BLE001 - raised in the main thread, by next_done
                task.error = exc
            self.done.put(task)


class _Local:
    value = error = None

    def result(self):
        if self.error is not None:
            raise self.error
        return self.value


class Pool:
    """The client's side of a cluster: ``submit`` a task, ``next_done`` the first finished.

    It connects in a thread of its own, so a local cluster's workers start (and import Keras) while
    this process plans; what needs the connection waits for it (and raises what connecting raised).
    On ``local:N`` this process is one of the N trainers (``Here``) and starts N - 1 Dask workers;
    on a scheduler elsewhere it only plans and stores, and every task goes to Dask."""

    def __init__(self, spec: str, wait_s: float):
        self.address, self.wait_s = spec, wait_s
        self.mine = tasks.fingerprint()
        self.vetted: set[str] = set()
        self.started: dict[str, int] = {}  # trial key -> how often a worker began it
        self.labels: dict[str, str] = {}
        self.done: queue.Queue = queue.Queue()  # finished tasks, Dask's and Here's
        self.local = int(spec.removeprefix("local:")) if spec.startswith("local:") else 0
        self.gpus = gpu_count() if self.local else 0
        self.here = Here(cpu_shares(self.local)[0], self.done) if self.local else None
        self.client = self.cluster = None
        self.gpu = False
        self.announced = False  # the first line said how many worker threads were accepted
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._connect, daemon=True, name="suite-dask-connect")
        if self.local != 1:  # local:1 is this process alone
            self._thread.start()
        if not self.local:  # a scheduler elsewhere: its answer (or none) first
            self.ready()

    def _connect(self) -> None:
        try:
            self._start()
        except BaseException as exc:  # noqa: BLE001 - raised in the main thread, at first use
            self._error = exc

    def ready(self) -> None:
        """Wait for the connection; raise what connecting raised."""
        if self._thread.ident is not None:  # started (not on local:1)
            self._thread.join()
        if self._error is not None:
            raise self._error

    @property
    def slots(self) -> int:
        """Tasks worth having in flight: local:N's N trainers, or one per thread of the accepted
        workers (at least one)."""
        if self.local:
            return self.local
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        return max(1, sum(info["nthreads"] for addr, info in workers.items() if addr in self.vetted))

    def _start(self) -> None:
        if self.local:
            workers, gpus = self.local - 1, self.gpus
            provenance.keep_settings()  # before the nannies set theirs here (this backend has started)
            self.cluster = distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=":0", silence_logs=logging.ERROR, resources={"GPU": 1} if gpus else None)
            try:
                self.client = distributed.Client(self.cluster)
                self.client.register_plugin(Pin(cpu_shares(self.local), gpus))
            except BaseException:
                self.cluster.close()
                raise
            # The workers are spawned (they pin themselves): now keep every thread of this process
            # (the scheduler's loop, and the thread pools XLA started with the backend) to share 0,
            # the client's trainer's, so none of them runs on a worker's core.
            pin(set(cpu_shares(self.local)[0]), every_thread=True, environment=False)
            self.address, self.gpu = self.cluster.scheduler_address, bool(gpus)
        else:
            try:
                self.client = distributed.Client(self.address, timeout=self.wait_s)
            except (OSError, TimeoutError):
                raise GaveUp(f"no Dask scheduler answered at {self.address} within {self.wait_s:.0f} s; start one "
                             f"(`dask scheduler`) or fix --cluster, or raise --wait-seconds") from None
            try:
                self.client.wait_for_workers(1, timeout=self.wait_s)
            except TimeoutError:
                self.client.close()
                raise GaveUp(f"no Dask worker connected to {self.address} within {self.wait_s:.0f} s; start "
                             f"workers (`dask worker {self.address}`) or raise --wait-seconds") from None
            self.gpu = any(info.get("resources", {}).get("GPU") for info in
                           self.client.scheduler_info(n_workers=-1)["workers"].values())
        try:
            self.vet()
            self.client.subscribe_topic(tasks.TOPIC, self.heard)
        except BaseException:
            self.close()
            raise
        if not self.local:
            console.say(f"suite: Dask cluster at {self.address}: {self.slots} worker thread(s) accepted; "
                        f"dashboard {self.client.dashboard_link}")
        self.announced = True

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
        if self.announced and not self.local:  # a worker that joined after the first line
            for address in sorted(self.vetted & set(new)):
                console.say(f"suite: Dask worker {address} joined: {self.slots} worker thread(s) accepted")
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
        """A task began on a worker; a second beginning means its first worker was lost before the
        client had the result: mid-trial, or finished with its result still on that worker (Dask
        keeps a result where it was computed until it is fetched, and recomputes it when lost)."""
        message = event[1] if isinstance(event, tuple) else event
        keys = message.get("keys", [])
        first = keys[0] if keys else ""
        self.started[first] = self.started.get(first, 0) + 1
        if self.started[first] > 1:
            console.say(f"suite: {self.labels.get(first, first)}: its worker was lost before its result reached this "
                        f"client; Dask runs it again on {message.get('worker')} ({message.get('host')})")

    def submit(self, function, *args, key: str, label: str):
        """Run ``function(*args)`` here when this process's trainer is free, else as a Dask task."""
        if self.here is not None and not self.here.busy:
            return self.here.submit(function, args)
        self.ready()
        self.labels[key] = label
        future = self.client.submit(function, *args, pure=False, retries=1, key=f"suite-{key}-{time.monotonic_ns()}",
                                    resources={"GPU": 1} if self.gpu else None)
        future.add_done_callback(self.done.put)
        return future

    def next_done(self, futures) -> tuple:
        """The first of ``futures`` to finish and its result (the task's exception raised here);
        GaveUp when no accepted worker is connected for ``wait_s`` while Dask tasks are in flight."""
        alone_since = None
        while True:
            interrupt.check()
            try:
                handle = self.done.get(timeout=POLL_S)
            except queue.Empty:
                handle = None
            if isinstance(handle, _Local):
                self.here.busy = False
                return handle, handle.result()
            if handle is not None:
                try:
                    return handle, handle.result()
                except distributed.client.FutureCancelledError:
                    raise GaveUp(f"the Dask scheduler at {self.address} dropped a task (it was restarted?); "
                                 f"rerun: stored trials are kept") from None
                except distributed.scheduler.KilledWorker as exc:
                    raise GaveUp(f"a task killed {RERUNS + 1} workers in turn ({exc}); see the workers' "
                                 f"logs, then rerun: stored trials are kept") from None
                except tasks.WrongWorker as exc:
                    raise UserError(f"{exc}; install the same suite and packages there") from None
            on_dask = sum(not isinstance(future, _Local) for future in futures)
            if not on_dask:
                continue
            self.vet()
            alive = self.vetted & set(self.client.scheduler_info(n_workers=-1)["workers"])
            if alive:
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > self.wait_s:
                raise GaveUp(f"no Dask worker connected to {self.address} for {self.wait_s:.0f} s; "
                             f"{on_dask} task(s) in flight; start workers (`dask worker {self.address}`) "
                             f"and rerun, or raise --wait-seconds")

    def close(self) -> None:
        if self.cluster is not None:
            # The work is stored (records come back to this process): end local workers at once
            # rather than let their nannies wait for JAX's teardown (about 0.8 s of a short run).
            for nanny in list(self.cluster.workers.values()):
                with contextlib.suppress(Exception):
                    os.kill(nanny.process.process.pid, signal.SIGKILL)
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close(timeout=5)
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close(timeout=5)

    def release(self) -> None:
        """The work is done: close the cluster in the background (the caller writes its report
        meanwhile); the end of ``connect`` waits for it."""
        if getattr(self, "_closing", None) is None:
            self._closing = threading.Thread(target=self._close, daemon=True, name="suite-dask-close")
            self._closing.start()

    def _close(self) -> None:
        try:
            self.ready()
        except BaseException:  # noqa: BLE001 - it never connected: nothing to close
            return
        self.close()


@contextlib.contextmanager
def connect(spec: str, wait_s: float):
    """A ``Pool`` on the cluster ``spec`` (``local:N`` or a scheduler address), connecting while the
    caller goes on; closed on exit (a local cluster's workers with it)."""
    _quiet()
    tasks.keep_dask_off_the_global_random()  # this process trains too on local:N, beside Dask's event loop
    pool = Pool(spec, wait_s)
    try:
        yield pool
    finally:
        pool.release()
        pool._closing.join(timeout=15)
