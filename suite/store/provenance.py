"""Where and with what a trial ran: versions, backend, device, git commit."""
from __future__ import annotations

import os
import platform
import socket
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PACKAGES = ("keras", "tensorflow", "keras-tuner", "jax", "jaxlib", "numpy", "pandas", "scikit-learn")
SETTINGS = ("SUITE_DETERMINISTIC", "TF_DETERMINISTIC_OPS", "TF_ENABLE_ONEDNN_OPTS", "OMP_NUM_THREADS",
            "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "XLA_FLAGS", "CUDA_VISIBLE_DEVICES", "SUITE_CPUS",
            "KERAS_BACKEND")  # the variables a trial record names
_kept_settings: dict | None = None  # keep_settings(): the settings as this process's backend started


def _settings() -> dict:
    return {name: os.environ[name] for name in SETTINGS if name in os.environ}


def keep_settings() -> None:
    """Record, from now on, the settings as they are now rather than when a record is made: a
    process whose backend has started (the client of ``local:N``) calls it before Dask's nannies
    set OMP_NUM_THREADS & co. in its environment for the workers they spawn; there they would not
    take effect, yet its trial records would list them."""
    global _kept_settings  # one process, one backend start: the first call keeps
    if _kept_settings is None:
        _kept_settings = _settings()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    """The suite checkout's commit, with '+dirty' when it has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def last_change(path: Path) -> str | None:
    """The short commit that last changed ``path`` (None outside a checkout, or never committed)."""
    try:
        found = subprocess.run(["git", "log", "-1", "--format=%h", "--", str(path)], cwd=Path(path).parent,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return found or None


def device() -> str:
    import keras  # deferred: loads Keras

    if keras.backend.backend() == "jax":
        import jax  # deferred: loads JAX

        kinds = sorted({f"{d.platform}:{getattr(d, 'device_kind', '')}" for d in jax.devices()})
        return ", ".join(kinds) if any(not k.startswith("cpu") for k in kinds) else _cpu()
    import tensorflow as tf  # deferred: loads TensorFlow

    gpus = tf.config.list_physical_devices("GPU")
    return ", ".join(gpu.name for gpu in gpus) if gpus else _cpu()


def _cpu() -> str:
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor() or platform.machine()
    return f"cpu ({model}, {os.cpu_count()} cores)"


@lru_cache(maxsize=1)
def environment() -> dict:
    import keras  # deferred: loads Keras

    return {
        "backend": keras.backend.backend(),
        "device": device(),
        "host": socket.gethostname(),  # with the record's worker id: who trained it, for the report
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpus_used": len(os.sched_getaffinity(0)),
        "packages": {name: _version(name) for name in PACKAGES if _version(name)},
        "git_commit": git_commit(),
        "env": _settings() if _kept_settings is None else dict(_kept_settings),
    }
