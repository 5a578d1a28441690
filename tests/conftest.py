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
# identical tiny programs (every study's smoke trials) compile once instead of once per model.
_CACHE = tempfile.mkdtemp(prefix="suite-test-jax-cache-")
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", _CACHE)
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

import pytest  # noqa: E402

from suite.design.study import DEFAULTS  # noqa: E402


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
