import atexit
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

# The tests mirror suite's subpackages (tests/training/, tests/store/ ...); shared frames live here.
sys.path.insert(0, str(Path(__file__).parent))

# Same backend choice as the CLI's "auto", made before anything imports keras.
os.environ.setdefault("KERAS_BACKEND", "jax" if importlib.util.find_spec("jax") else "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# JAX's persistent compilation cache, as the CLI sets it up (suite.cli.main._choose_backend), but set
# here because JAX reads it when first imported, which happens before any test calls the CLI.
# A fresh folder per session: the tests' timing is CI's (cold cache); within the session the many
# identical tiny programs (every study's smoke trials) compile once instead of once per model. The
# xdist workers of one session share it (named by their run id, removed by the controller at the
# end), so a program one worker compiled is not compiled again by the other.
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID")
_SHARED_CACHE = os.path.join(tempfile.gettempdir(), "suite-test-jax-cache-{}")
if _RUN:
    _CACHE = _SHARED_CACHE.format(_RUN)
    os.makedirs(_CACHE, exist_ok=True)
else:
    _CACHE = tempfile.mkdtemp(prefix="suite-test-jax-cache-")
    atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", _CACHE)
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

import pytest  # noqa: E402

from suite.design.study import DEFAULTS  # noqa: E402

_WORKER_CACHES: set[str] = set()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist's controller: note the cache its workers share (their run id names it)."""
    _WORKER_CACHES.add(_SHARED_CACHE.format(node.workerinput["testrunuid"]))


def pytest_unconfigure(config):
    """The controller removes its workers' shared cache once they are done."""
    for path in _WORKER_CACHES:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def tiny_config():
    """A trial config that trains in about a second on the synthetic dataset."""
    return {**DEFAULTS, "dataset": "synthetic", "epochs": 2, "batch_size": 50, "width": 16,
            "seed": 0}


@pytest.fixture
def per_trial(monkeypatch):
    """Trials train one at a time, through ``suite.training.train.train``, which the test replaces: the
    population path (``suite.training.population``) trains without calling it."""
    from suite.training import population

    monkeypatch.setattr(population, "default_size", lambda *args, **kwargs: 1)
