"""This process's own trainer beside a local Dask cluster (``--cluster local:N``): CPU shares and
pinning (of a Dask worker or of the trainer thread here), the thread that runs tasks here, and the
handle of a task waiting for whichever trainer frees first. No Dask import: the pinning runs in a
worker before Keras is imported there."""
from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import threading

THREAD_VARIABLES = ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


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


def pin(cores: set[int], gpu: int | None = None, every_thread: bool = True) -> None:
    """Keep every thread of this process (or only the calling one) to ``cores``; the threads
    started later inherit it, and the thread pools JAX and TensorFlow start later get one thread
    per core; ``gpu``: the GPU it sees (of several, allocated on demand)."""
    for task in os.listdir("/proc/self/task") if every_thread else ["0"]:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(int(task), cores)
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, str(len(cores)))
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
    if len(cores) == 1 and "--xla_cpu_multi_thread_eigen" not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_cpu_multi_thread_eigen=false".strip()
    if gpu is not None:  # several workers may share a GPU: allocate memory as needed, not all up front
        os.environ.update(CUDA_VISIBLE_DEVICES=str(gpu), TF_FORCE_GPU_ALLOW_GROWTH="true",
                          XLA_PYTHON_CLIENT_PREALLOCATE="false")


class Here:
    """The client's own trainer on ``local:N``: tasks run one at a time in a thread of this process
    (one thread for all, as a Dask worker's single thread; Keras is loaded here already, so the
    first starts at once), kept to CPU share 0. N - 1 Dask workers and this process make the N
    trainers, with as many Keras start-ups as trainers (not N + 1)."""

    def __init__(self, cores: list[int], gpu: int | None, done: queue.Queue):
        self.cores, self.gpu, self.done, self.busy = set(cores), gpu, done, False
        self.inbox: queue.Queue = queue.Queue()
        self.thread: threading.Thread | None = None

    def submit(self, function, args: tuple) -> Local:
        if self.thread is None:
            self.thread = threading.Thread(target=self._serve, daemon=True, name="suite-train-here")
            self.thread.start()
        self.busy = True
        task = Local()
        self.inbox.put((task, function, args))
        return task

    def _serve(self) -> None:
        # this thread and those it starts (JAX's, at the first trial here), not the client's others;
        # with the thread pools' sizes and GPU 0 of the round-robin (allocated on demand), as in a worker
        pin(self.cores, self.gpu, every_thread=False)
        while True:
            task, function, args = self.inbox.get()
            try:
                task.value = function(*args)
            except BaseException as exc:  # noqa: BLE001 - raised in the main thread, by next_done
                task.error = exc
            self.done.put(task)


class Local:
    value = error = None

    def result(self):
        if self.error is not None:
            raise self.error
        return self.value


class Waiting:
    """A task submitted while this process's trainer was busy and the local cluster still starting:
    it goes to whichever frees first, the trainer here or a Dask worker (``Pool.dispatch``), so the
    client never blocks on the cluster's start while it could train. ``handle``: where it went."""

    def __init__(self, function, args: tuple, key: str, label: str):
        self.function, self.args, self.key, self.label, self.handle = function, args, key, label, None

    def result(self):
        return self.handle.result()


CONNECTED = object()  # put on the done queue when connecting ends (connected or not)
