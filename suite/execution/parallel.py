"""Many trials at once: worker processes against one keras-tuner oracle (its chief/worker mode).

The launcher serves the oracle over gRPC with keras-tuner's own ``OracleServicer`` and starts one
``suite`` process per worker with ``KERASTUNER_TUNER_ID``/``KERASTUNER_ORACLE_IP``/
``KERASTUNER_ORACLE_PORT`` set; each worker asks the oracle for a grid point, trains it, writes its
record to the shared store and asks again. Workers are pinned to disjoint CPU sets (or GPUs), so
two workers on two cores do not fight over threads.
"""
from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
import sys
from concurrent import futures

from suite.errors import UserError

THREAD_VARIABLES = ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "MKL_NUM_THREADS",
                    "OPENBLAS_NUM_THREADS")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(oracle, host: str, port: int):
    """Start keras-tuner's oracle gRPC service in this process; returns (server, servicer)."""
    import grpc  # deferred: loads gRPC
    from keras_tuner.src import protos  # deferred: loads keras-tuner

    from suite.execution.cluster import TrackingServicer  # deferred: loads keras-tuner and Keras

    # One thread, as in keras-tuner's own chief: the oracle's methods are synchronized anyway.
    # No SO_REUSEPORT (gRPC's default), so a second chief on a busy port fails instead of sharing it.
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1), options=[("grpc.so_reuseport", 0)])
    servicer = TrackingServicer(oracle)
    protos.get_service_grpc().add_OracleServicer_to_server(servicer, server)
    try:
        server.add_insecure_port(f"{host}:{port}")
    except RuntimeError:
        raise UserError(f"cannot serve on {host}:{port} (address not on this host, or port in use); "
                        f"choose another --oracle-ip / --oracle-port") from None
    server.start()
    return server, servicer


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


def worker_env(index: int, cpus: list[int], gpus: int, host: str, port: int) -> dict:
    env = dict(os.environ, KERASTUNER_TUNER_ID=f"worker{index}", KERASTUNER_ORACLE_IP=host,
               KERASTUNER_ORACLE_PORT=str(port), SUITE_CPUS=",".join(map(str, cpus)),
               SUITE_LOCAL_WORKER="1", SUITE_PARENT_PID=str(os.getpid()))
    if gpus:  # several workers may share a GPU: allocate memory as needed, not all up front
        env.update(CUDA_VISIBLE_DEVICES=str(index % gpus), TF_FORCE_GPU_ALLOW_GROWTH="true",
                   XLA_PYTHON_CLIENT_PREALLOCATE="false")
    return env


def pin_current_process() -> None:
    """In a worker, before Keras is imported: die with the launcher, stay on the CPUs it gave us."""
    parent = os.environ.pop("SUITE_PARENT_PID", None)
    if parent:
        _die_with_parent()
        if os.getppid() != int(parent):  # the launcher died before the line above: go with it
            os.kill(os.getpid(), signal.SIGKILL)
    cpus = os.environ.get("SUITE_CPUS")
    if not cpus:
        return
    cores = {int(cpu) for cpu in cpus.split(",")}
    os.sched_setaffinity(0, cores)
    threads = str(len(cores))
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, threads)
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
    if len(cores) == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = f"{flags} --xla_cpu_multi_thread_eigen=false".strip()


def _die_with_parent() -> None:
    """In the worker: the kernel sends SIGKILL when the launcher dies, so no worker is orphaned
    waiting an hour (keras-tuner's client timeout) for an oracle that is gone. Set by the worker
    itself, not in a ``preexec_fn``: that would make ``subprocess`` fork the launcher while its
    gRPC server threads run, and gRPC's fork handlers then abort the child now and then
    ("epoll_wait error: Bad file descriptor", exit -6); without it ``subprocess`` uses vfork."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


_ENTRY = "from suite.cli.main import console; console()"


def worker_command() -> list[str]:
    """``suite`` in a fresh interpreter, with the working directory out of ``sys.path``: ``python
    -m`` and ``-c`` put it first, so a ``concurrent.py`` or ``json.py`` there would be imported
    instead of the standard library's (``-P`` on Python 3.11+, else the entry removed first)."""
    if sys.version_info >= (3, 11):
        return [sys.executable, "-P", "-c", _ENTRY]
    return [sys.executable, "-c", f"import sys; del sys.path[0]; {_ENTRY}"]


def start(worker_argv: list[str], workers: int, host: str, port: int, first: int = 0) -> list:
    """Start workers ``first`` .. ``workers`` - 1 as ``suite <worker_argv>`` processes."""
    shares, gpus = cpu_shares(workers), gpu_count()
    return [subprocess.Popen([*worker_command(), *worker_argv], env=worker_env(i, shares[i], gpus, host, port))
            for i in range(first, workers)]


def stop(processes, grace_s: float = 2.0) -> None:
    """Tell the workers still running to stop (SIGINT: each ends its trial in flight unstored and
    releases its claim), and kill those that have not ended after ``grace_s`` seconds."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        try:
            process.send_signal(signal.SIGINT)
        except OSError:
            pass
    deadline = time.monotonic() + grace_s
    for process in running:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def pin_to_share(index: int, workers: int) -> set[int]:
    """The launcher working as worker ``index``: keep to that worker's CPUs (threads started
    later inherit them), leaving the other shares to the other workers; returns the CPUs it had."""
    before, cores = os.sched_getaffinity(0), cpu_shares(workers)[index]
    os.sched_setaffinity(0, set(cores))
    for name in THREAD_VARIABLES:  # read when a backend starts its thread pools, if not started yet
        os.environ.setdefault(name, str(len(cores)))
    if len(cores) == 1 and "--xla_cpu_multi_thread_eigen" not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_cpu_multi_thread_eigen=false".strip()
    return before
