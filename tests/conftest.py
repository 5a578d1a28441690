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
# XLA's CPU backend at -O0 (LLVM without its optimizing passes): the tests' models are tiny and
# train for a few steps, so compiling them is most of their time (a smoke run of `residual`: 27 ->
# 18 CPU s). The suite itself compiles at XLA's default (-O2); every comparison the tests make is
# between two runs of the same session, so both sides compile alike. Subprocesses inherit it.
if "--xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_backend_optimization_level=0".strip()

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


# The long tests (8-60 s each, measured 2026-12-06 at -O0; most start processes or run a study end to end),
# as units kept whole where a module-scoped fixture serves the module. xdist's worksteal gives each
# worker one contiguous half of the collection and lets an idle worker steal from the other's end:
# with these spread over the fronts of both halves, the last tests to run are short ones, not a
# minute-long one started when the other worker was nearly done.
LONG_MODULES = ("tests/execution/test_dask.py", "tests/execution/test_netns.py", "tests/test_catalog.py")
LONG_TESTS = ("tests/benchmarks/test_gpu_check.py::test_the_dry_run", "tests/reporting/test_site.py::test_every_page",
              "tests/end_to_end/test_robustness.py", "tests/study_modules/test_studies.py::test_every_study_runs",
              "tests/search/test_hpo.py::test_killed", "tests/training/test_population.py::test_suite_run",
              "tests/training/test_sharding.py", "tests/training/test_optimizer_plugin.py::test_the_readme",
              "tests/analysis/test_sequential_verdicts.py::test_under_the_null", "tests/cli/test_cli_faults.py::test_only")


def pytest_collection_modifyitems(config, items):
    """Under xdist: the long units first in each half of the collection (one worker's share each)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    units, short = {}, []
    for item in items:
        module = item.nodeid.split("::")[0]
        if module in LONG_MODULES:
            units.setdefault(module, []).append(item)
        elif item.nodeid.startswith(LONG_TESTS):
            units[item.nodeid] = [item]
        else:
            short.append(item)
    halves: tuple[list, list] = ([], [])
    for unit in units.values():  # collection order; each to the half with fewer long tests so far
        min(halves, key=len).extend(unit)
    first = len(items) // 2 - len(halves[0])
    items[:] = halves[0] + short[:max(first, 0)] + halves[1] + short[max(first, 0):]


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
