"""CPU shares and pinning for several trainers on one machine (``--workers N``): split this
process's CPUs into disjoint shares, keep a process (or a thread) to one, and size the thread
pools the backends start later to match. Plain OS calls (``sched_setaffinity``) and environment
variables; no Dask, no Keras."""
from __future__ import annotations

import contextlib
import os
import subprocess

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


def pin(cores: set[int], gpu: int | None = None, every_thread: bool = True, environment: bool = True) -> None:
    """Keep every thread of this process (or only the calling one) to ``cores``; the threads
    started later inherit it, and the thread pools JAX and TensorFlow start later get one thread
    per core; ``gpu``: the GPU it sees (of several, allocated on demand). ``environment=False``
    where the backend has started already (the client of ``local:N``): the variables would not
    take effect, and the trial records, which list them, would claim settings that were not."""
    for task in os.listdir("/proc/self/task") if every_thread else ["0"]:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(int(task), cores)
    if not environment:
        return
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, str(len(cores)))
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
    if len(cores) == 1 and "--xla_cpu_multi_thread_eigen" not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_cpu_multi_thread_eigen=false".strip()
    if gpu is not None:  # several workers may share a GPU: allocate memory as needed, not all up front
        os.environ.update(CUDA_VISIBLE_DEVICES=str(gpu), TF_FORCE_GPU_ALLOW_GROWTH="true",
                          XLA_PYTHON_CLIENT_PREALLOCATE="false")
