"""What a Dask worker runs: one task trains one trial, or one population, from the full configs it
carries and returns the records; the client stores them (records have one writer). Kept light at
import (no Keras, no Dask): a worker imports it to unpickle its first task.

Also the worker's fingerprint (suite code, Python, the packages that change numbers, the Keras
backend), which the client compares with its own before it sends work (``difference``).
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import os
import platform
import random
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = ("keras", "keras-tuner", "jax", "jaxlib", "tensorflow", "numpy", "scikit-learn", "dask", "distributed")
# What a task sets in the worker before it imports Keras: the client's backend and settings.
ENV_KEYS = ("KERAS_BACKEND", "SUITE_TENSORBOARD_DIR", "SUITE_DETERMINISTIC", "TF_DETERMINISTIC_OPS",
            "TF_ENABLE_ONEDNN_OPTS", "SUITE_COMPILATION_CACHE", "SUITE_MLFLOW_URI")
TOPIC = "suite-trials"  # the structured event a task logs when it starts (the client hears reruns)
# Dask's modules that draw from Python's global generator while a task runs in another thread:
# utils_comm when a result is gathered (random.choice), sizeof when a task's data is sized
# (random.sample), the scheduler, connection back-off and worker lifetimes.
DASK_DRAWING = ("dask.sizeof", "distributed.utils_comm", "distributed.scheduler", "distributed.comm.core",
                "distributed.worker")


def task_env() -> dict:
    """The settings a task sets in its worker before Keras loads there (the backend, ...)."""
    return {name: os.environ[name] for name in ENV_KEYS if os.environ.get(name)}


class WrongWorker(RuntimeError):
    """A task reached a worker whose fingerprint differs from the client's."""


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@functools.lru_cache(maxsize=1)
def _installed() -> tuple:
    found = []
    for name in ("suite", *PACKAGES):
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            found.append((name, None))
    return tuple(found)


def fingerprint() -> dict:
    """This process's suite code (a digest of its .py files), suite version, Python, package
    versions and the Keras backend it has chosen (None: not chosen yet, a task chooses it)."""
    found: dict = {"suite code": _code_digest(), "python": ".".join(platform.python_version_tuple()[:2]),
                   **dict(_installed())}
    backend = os.environ.get("KERAS_BACKEND") or None
    if "keras" in sys.modules:  # already loaded: its backend is fixed
        backend = sys.modules["keras"].backend.backend()
    found["backend"] = backend
    return found


def difference(mine: dict, theirs: dict) -> str:
    """The differences that refuse a worker, named ("keras 3.5.0 here, 3.4.1 there; ..."), or ''.
    A worker that has not chosen a backend yet takes the client's."""
    parts = []
    for name, value in mine.items():
        other = theirs.get(name)
        if name == "backend" and other is None:
            continue
        if other != value:
            parts.append(f"{name} {value or 'not installed'} here, {other or 'not installed'} there")
    return "; ".join(parts)


def keep_dask_off_the_global_random() -> None:
    """Give Dask's modules (``DASK_DRAWING``) a generator of their own instead of Python's global one.

    A trial seeds the global generator and Keras then draws each unseeded initializer's seed from it
    (``keras.src.random.seed_generator.make_default_seed``); a draw by Dask's event loop in between,
    from another thread, changed the trial's initial weights: 51 of 990 trials differed between two
    identical ``--workers 2`` runs of ``cross_validation``, on the client's trainer and on the worker
    alike. Imports Dask (called only where Dask runs); idempotent."""
    for name in DASK_DRAWING:
        module = sys.modules.get(name) or importlib.import_module(name)
        if getattr(module, "random", None) is random:
            module.random = random.Random()


def train_task(trials: list[dict], meta: dict, options: dict) -> list[dict]:
    """Train ``trials`` (dicts with key, point, config) as one population when ``options["population"]``
    and there are several, else one at a time; returns their records, unstored. Refuses to run on a
    worker whose fingerprint differs from ``options["fingerprint"]`` (WrongWorker)."""
    wrong = difference(options["fingerprint"], fingerprint())
    if wrong:
        raise WrongWorker(f"worker on {platform.node()} differs from the client: {wrong}")
    for name in ENV_KEYS:  # before Keras is imported here for the first time
        if options["env"].get(name):
            os.environ[name] = options["env"][name]
    keep_dask_off_the_global_random()
    name = _announce(trials)
    from suite.design.study import Trial  # deferred: loads pandas and scikit-learn
    from suite.execution import trials as execution  # deferred: loads Keras

    members = [Trial(t["key"], t["point"], t["config"]) for t in trials]
    progress = execution.Progress(options["prefix"], len(members), stream=_Null())
    if options["population"] and len(members) > 1:
        records = execution.train_group(members, meta, options["fast"], progress, name,
                                        evaluate_test=options["evaluate_test"])
    else:
        records = [execution.train_trial(member, meta, options["fast"], progress, name,
                                         evaluate_test=options["evaluate_test"]) for member in members]
    for record in records:
        record.pop("model", None)
    return records


def _announce(trials: list[dict]) -> str:
    """Log that this worker starts ``trials`` (the client says so when one starts a second time:
    its first worker was lost); returns the worker's name for the records."""
    from distributed import get_worker  # deferred: loads Dask

    try:
        worker = get_worker()
    except ValueError:  # not on a Dask worker (called directly)
        return "local"
    name = f"dask-{worker.name}"
    worker.log_event(TOPIC, {"keys": [t["key"] for t in trials], "worker": name, "host": platform.node()})
    return name


def warm(env: dict) -> None:
    """Import what a task needs (Keras on the client's backend, the trainer), so a worker's first
    task does not wait for it; nothing on a worker that differs from the client."""
    if difference(env["fingerprint"], fingerprint()):
        return
    keep_dask_off_the_global_random()
    for name in ENV_KEYS:
        if env["env"].get(name):
            os.environ[name] = env["env"][name]
    from suite.execution import trials  # noqa: F401  deferred: loads Keras


class _Null:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False
