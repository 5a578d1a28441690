import importlib.util
import os

# Same backend choice as the CLI's "auto", made before anything imports keras.
os.environ.setdefault("KERAS_BACKEND", "jax" if importlib.util.find_spec("jax") else "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

from suite.study import DEFAULTS  # noqa: E402


@pytest.fixture
def tiny_config():
    """A trial config that trains in about a second on the synthetic dataset."""
    return {**DEFAULTS, "dataset": "synthetic", "epochs": 2, "batch_size": 50, "width": 16,
            "seed": 0}


@pytest.fixture
def per_trial(monkeypatch):
    """Trials train one at a time, through ``suite.train.train``, which the test replaces: the
    population path (``suite.population``) trains without calling it."""
    from suite import population

    monkeypatch.setattr(population, "default_size", lambda *args, **kwargs: 1)
