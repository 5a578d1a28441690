"""Hostile inputs (issue 29), kinds 3, 5 (flags and backend), 6 and 9: each one line and exit 2 (3 for
a wait that ran out, 0 where the input is legitimately handled), no traceback, nothing outside the
store, results and output directories changed (``tests/hostile.py``).

3. a plan is checked before its first trial: every dataset it names (``ood_dataset`` too) loaded and
   every option validated, so a damaged Fashion-MNIST or a malformed piecewise schedule writes no
   trial record and no report;
5. every numeric flag has bounds (argparse types in ``suite.cli.arguments``) and every command sets up
   the Keras backend the same way;
6. a wait for another run holding the study's run lock ends after ``--wait-seconds`` (exit 3);
9. a plug-in study module that exits or raises KeyboardInterrupt on import is refused, naming it.
"""
import gzip
import importlib.metadata
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hostile import arena, refused  # noqa: F401 - arena is a fixture

from suite import registry
from suite.cli import arguments
from suite.cli.main import main
from suite.data import datasets
from suite.design import plugins

SMOKE = ["--profile", "smoke", "--seeds", "1", "--set", "epochs=1"]
PIECEWISE = ["run", "depth", *SMOKE, "--set", "lr_schedule=piecewise"]
HUGE = "1" + "0" * 400  # an int beyond float range
CLUSTER_ENV = ("SUITE_WAIT_S",)


@pytest.fixture(autouse=True)
def fresh_process_state(monkeypatch):
    """main() exports the wait bound, and datasets are cached per
    process: neither may leak from one case into the next."""
    for name in CLUSTER_ENV:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.delenv("SUITE_FASHION_MNIST_DIR", raising=False)
    monkeypatch.delenv("SUITE_ALLOW_DOWNLOAD", raising=False)
    datasets.load.cache_clear()
    yield
    datasets.load.cache_clear()


def stored(arena) -> dict:
    """Everything under runs/ and results/ (out/ holds Keras's own config, written at its import)."""
    return {path: digest for path, digest in arena.snapshot(include_inside=True).items()
            if not path.startswith("work/out")}


def nothing_written(arena, before_all, before_stored) -> None:
    assert arena.snapshot() == before_all
    after = stored(arena)
    assert after == before_stored, sorted(set(after) ^ set(before_stored))
    assert not list((arena.work / "runs").rglob("*.json")) and not list((arena.work / "results").rglob("README.md"))


# -- 3. every dataset a plan names is loaded before the first trial ------------------------------------

def _idx(array: np.ndarray, kind: int = 0x08, ndim: int | None = None) -> bytes:
    dims = array.shape
    header = bytes([0, 0, kind, len(dims) if ndim is None else ndim]) + np.asarray(dims, ">u4").tobytes()
    return header + np.asarray(array, np.uint8).tobytes()


VALID = {"train-images-idx3": lambda: np.zeros((10100, 28, 28)), "train-labels-idx1": lambda: np.arange(10100) % 10,
         "t10k-images-idx3": lambda: np.zeros((50, 28, 28)), "t10k-labels-idx1": lambda: np.arange(50) % 10}


def fashion_dir(root: Path, replace: dict) -> Path:
    """The four IDX files of a small valid Fashion-MNIST, with ``replace[stem]``: bytes, None (left
    out), "dir" (a directory in its place) or "loop" (a symbolic link to itself)."""
    directory = root / "fashion"
    directory.mkdir()
    for stem, make in VALID.items():
        path = directory / f"{stem}-ubyte.gz"
        content = replace[stem] if stem in replace else gzip.compress(_idx(make()), compresslevel=1)
        if content is None:
            continue
        if content == "dir":
            path.mkdir()
        elif content == "loop":
            path.symlink_to(path.name)
        else:
            path.write_bytes(content)
    return directory


TEST_IMAGES = gzip.compress(_idx(np.zeros((50, 28, 28))))
FASHION = {  # case -> (files replaced, how the directory is found, what the line says)
    "no_files_at_all": ({stem: None for stem in VALID}, "env", "train-images-idx3-ubyte.gz is missing"),
    "labels_missing": ({"t10k-labels-idx1": None}, "env", "t10k-labels-idx1-ubyte.gz is missing"),
    "images_not_gzip": ({"train-images-idx3": b"\x89PNG not gzip"}, "env", "damaged.*BadGzipFile"),
    "truncated_gzip": ({"t10k-images-idx3": TEST_IMAGES[:30]}, "env", "t10k-images-idx3-ubyte.gz is damaged"),
    "empty_file": ({"t10k-labels-idx1": b""}, "env", "damaged.*not an IDX file"),
    "float_idx": ({"t10k-labels-idx1": gzip.compress(_idx(np.zeros(50), kind=0x0D))}, "env", "not an IDX file"),
    "header_cut_short": ({"t10k-images-idx3": gzip.compress(b"\x00\x00\x08\x03\x00\x00")}, "env", "header cut short"),
    "absurd_header": ({"t10k-images-idx3": gzip.compress(b"\x00\x00\x08\x03" + b"\xff" * 12 + b"\x00" * 9)}, "env",
                      "the header announces"),
    "images_one_dimensional": ({"t10k-images-idx3": gzip.compress(_idx(np.zeros(50)))}, "env",
                               r"test images have shape \(50,\)"),
    "images_27_by_27": ({"t10k-images-idx3": gzip.compress(_idx(np.zeros((50, 27, 27))))}, "env", "shape"),
    "label_12": ({"t10k-labels-idx1": gzip.compress(_idx(np.arange(50) % 13))}, "env", "classes 0-9"),
    "fewer_labels": ({"t10k-labels-idx1": gzip.compress(_idx(np.arange(40) % 10))}, "env", "50 images and 40 labels"),
    "train_too_small": ({"train-images-idx3": gzip.compress(_idx(np.zeros((30, 28, 28)))),
                         "train-labels-idx1": gzip.compress(_idx(np.arange(30) % 10))}, "env", "dev split alone"),
    "directory_as_file": ({"train-labels-idx1": "dir"}, "env", "train-labels-idx1-ubyte.gz is damaged"),
    "symlink_loop": ({"t10k-images-idx3": "loop"}, "env", "t10k-images-idx3-ubyte.gz is damaged"),
    "named_directory_absent": ({}, "absent", "is missing"),
    "no_copy_anywhere": ({}, "none", "not available offline"),
    "damaged_debian_copy": ({"t10k-labels-idx1": b"junk"}, "debian", "damaged"),
    "damaged_keras_cache": ({"train-images-idx3": b"junk"}, "keras",
                            "fashion-mnist/train-images-idx3-ubyte.gz is damaged"),
    "valid_but_wrong_shape": ({}, "env", r"images of shape \(28, 28, 1\), the model takes \(8, 8, 1\)"),
}


@pytest.mark.parametrize("case", FASHION)
def test_a_plans_ood_dataset_is_loaded_before_the_first_trial(case, arena, capsys, monkeypatch):
    replace, where, message = FASHION[case]
    monkeypatch.setattr(datasets, "FASHION_MNIST_DIRS", (str(arena.root / "nowhere"),))
    if where in ("env", "absent"):
        directory = fashion_dir(arena.root, replace)
        monkeypatch.setenv("SUITE_FASHION_MNIST_DIR", str(directory if where == "env" else arena.root / "gone"))
    elif where == "debian":
        monkeypatch.setattr(datasets, "FASHION_MNIST_DIRS", (str(fashion_dir(arena.root, replace)),))
    elif where == "keras":
        cache = fashion_dir(arena.root, replace)
        (arena.work / "out" / "keras" / "datasets").mkdir(parents=True)
        cache.rename(arena.work / "out" / "keras" / "datasets" / "fashion-mnist")
    before_all, before_stored = arena.snapshot(), stored(arena)
    code = main(["run", "mc_dropout", *SMOKE, "--set", "ood_dataset=fashion_mnist"])
    line = refused(code, *capsys.readouterr(), message)
    assert "ood_dataset=fashion_mnist" in line and "--dataset mnist_10k" not in line
    nothing_written(arena, before_all, before_stored)


# -- 3. every option of a plan is validated before the first trial ------------------------------------

OPTIONS = {  # case -> (--set values, what the line says)
    "boundary_a_word": (["lr_schedule_options={'boundaries': ['a'], 'multipliers': [1, 0.1]}"],
                        r"option 'boundaries' \[0\] 'a' is not a float"),
    "multiplier_a_word": (["lr_schedule_options={'boundaries': [1], 'multipliers': ['x', 0.1]}"],
                          r"option 'multipliers' \[0\] 'x' is not a float"),
    "boundary_inf": (["lr_schedule_options={'boundaries': [1e400], 'multipliers': [1, 0.1]}"], "not finite"),
    "boundary_beyond_float": ([f"lr_schedule_options={{'boundaries': [{HUGE}], 'multipliers': [1, 0.1]}}"],
                              "beyond the float range"),
    "multiplier_inf": (["lr_schedule_options={'boundaries': [1], 'multipliers': [1, -1e400]}"], "not finite"),
    "multiplier_negative": (["lr_schedule_options={'boundaries': [1], 'multipliers': [1, -0.5]}"], "out of range"),
    "multiplier_none": (["lr_schedule_options={'boundaries': [1], 'multipliers': [1, None]}"], "None is not allowed"),
    "boundary_nested": (["lr_schedule_options={'boundaries': [[1]], 'multipliers': [1, 0.1]}"], "is not a float"),
    "boundaries_decreasing": (["lr_schedule_options={'boundaries': [3, 1], 'multipliers': [1, 0.1, 0.01]}"],
                              "increasing"),
    "boundary_negative": (["lr_schedule_options={'boundaries': [-1], 'multipliers': [1, 0.1]}"], "out of range"),
    "boundary_past_any_run": (["lr_schedule_options={'boundaries': [2147483648], 'multipliers': [1, 0.1]}"],
                              "out of range"),
    "multiplier_boolean": (["lr_schedule_options={'boundaries': [1], 'multipliers': [True, 0.1]}"], "is not a float"),
    "boundaries_absurdly_many": ([(f"lr_schedule_options={{'boundaries': {list(range(1, 5002))}, "
                                   f"'multipliers': {[1.0] * 5002}}}")], "at most"),
    "boundaries_a_string": (["lr_schedule_options={'boundaries': 'abc', 'multipliers': [1, 0.1]}"], "is not a list"),
    "epsilon_beyond_float": (["optimizer=adam", f"optimizer_options={{'epsilon': {HUGE}}}"], "beyond the float range"),
    "min_lr_beyond_float": (["lr_schedule=constant", "lr_callback=reduce_on_plateau",
                             f"lr_callback_options={{'min_lr': {HUGE}}}"], "beyond the float range"),
    "decay_steps_beyond_int32": (["lr_schedule=exponential", "lr_schedule_options={'decay_steps': 1000000000000}"],
                                 "decay_steps"),
    "decay_steps_huge_literal": (["lr_schedule=exponential", f"lr_schedule_options={{'decay_steps': {HUGE}}}"],
                                 "decay_steps.*beyond"),
}


@pytest.mark.parametrize("case", OPTIONS)
def test_a_plans_options_are_validated_before_the_first_trial(case, arena, capsys):
    values, message = OPTIONS[case]
    before_all, before_stored = arena.snapshot(), stored(arena)
    code = main([*PIECEWISE, *(part for value in values for part in ("--set", value))])
    refused(code, *capsys.readouterr(), message)
    nothing_written(arena, before_all, before_stored)


# -- 5. bounds on every numeric flag -------------------------------------------------------------------

SEARCH = ["search", "mlp_search", *SMOKE]
FLAGS = {
    "factor_1": ([*SEARCH, "--factor", "1"], "--factor: must be >= 2, got 1"),
    "factor_0": ([*SEARCH, "--factor", "0"], "--factor: must be >= 2"),
    "factor_negative": ([*SEARCH, "--factor", "-3"], "--factor: must be >= 2"),
    "factor_huge": ([*SEARCH, "--factor", "1000000"], "--factor: must be <= 100"),
    "max_trials_huge": ([*SEARCH, "--max-trials", "1000000000000"], "--max-trials: must be <= 100000"),
    "max_epochs_huge": ([*SEARCH, "--max-epochs", "1000000000"], "--max-epochs: must be <= 100000"),
    "max_epochs_negative": ([*SEARCH, "--max-epochs", "-1"], "--max-epochs: must be >= 1"),
    "workers_beyond_memory": (["run", "depth", *SMOKE, "--workers", "100000000000"], "--workers: must be <= "),
    "workers_thousand": (["run", "depth", *SMOKE, "--workers", "1000"], "--workers: must be <= .*cores"),
    "population_huge": (["run", "depth", *SMOKE, "--population", "1000000000"], "--population: must be <= 4096"),
    "wait_seconds_forever": (["run", "depth", *SMOKE, "--wait-seconds", "1e300"], "--wait-seconds: must be <= "),
    "cluster_local_huge": (["run", "depth", *SMOKE, "--cluster", "local:100000000000"], "--cluster: must be <= "),
    "cluster_port_huge": (["run", "depth", *SMOKE, "--cluster", "tcp://h:100000"], "--cluster: .*neither local:N"),
    "wait_seconds_nan": (["run", "depth", *SMOKE, "--wait-seconds", "nan"], "--wait-seconds: .*nan"),
    "seeds_on_export": (["export", "tensorboard", "depth", "out/tb", "--seeds", "-2"], "need 1 to 10000 seeds"),
    "seeds_huge_on_compare": (["compare", "depth", "--seeds", "99999999", "--runs-dir", "runs", "--runs-dir", "runs"],
                              "need 1 to 10000 seeds"),
}


@pytest.mark.parametrize("case", FLAGS)
def test_numeric_flags_have_bounds(case, arena, capsys):
    argv, message = FLAGS[case]
    before_all, before_stored = arena.snapshot(), stored(arena)
    refused(main(argv), *capsys.readouterr(), message)
    nothing_written(arena, before_all, before_stored)


def test_more_workers_than_cores_is_a_warning_within_the_hard_bound(monkeypatch, capsys):
    monkeypatch.setattr(arguments, "cores", lambda: 2)
    assert arguments.workers("8") == 8
    with pytest.raises(Exception, match="must be <= 8"):
        arguments.workers("9")
    assert arguments.oversubscribed(8) == ("--workers 8 is more than this machine's 2 cores: the workers share "
                                           "them, each trial runs slower")
    assert arguments.oversubscribed(2) is None


# -- 5. every command sets up the backend the same way (a subprocess: the backend is chosen once) ------

COMMANDS = {"list": ["list"], "show": ["show", "depth"], "site": ["site"],
            "export": ["export", "tensorboard", "depth", "out/tb"],
            "compare": ["compare", "depth", "--runs-dir", "runs", "--runs-dir", "runs"],
            "clean": ["clean", "depth", "--yes"]}


@pytest.mark.parametrize("backend", ["os", "torch"])
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_an_unsupported_backend_alike(command, backend, arena):
    before_all, before_stored = arena.snapshot(), stored(arena)
    ran = arena.run(COMMANDS[command], env={"KERAS_BACKEND": backend})
    refused(ran.returncode, ran.stdout, ran.stderr, f"KERAS_BACKEND={backend} is not a backend the suite supports")
    nothing_written(arena, before_all, before_stored)


# -- 6. a wait for another run of the same study ends within --wait-seconds --------------------------

def test_a_wait_for_another_run_of_the_study_ends_within_wait_seconds(arena):
    from suite.store import lock

    with lock.held(arena.work / "runs" / "depth" / "smoke"):  # another run, holding the study
        before = arena.snapshot()
        started = time.monotonic()
        ran = arena.run(["run", "depth", *SMOKE, "--quiet", "--wait-seconds", "2"], env={"KERAS_BACKEND": "jax"},
                        timeout=90)
    refused(ran.returncode, ran.stdout, ran.stderr.replace("suite: gave up: ", "suite: error: "),
            r"another suite run held .*\.run\.lock for 2 s.*--wait-seconds", exit_code=3)
    assert time.monotonic() - started < 60
    assert arena.snapshot() == before  # nothing trained, no report
    assert not list((arena.work / "runs").rglob("*.json"))


# -- 9. plug-in modules that exit or interrupt on import -----------------------------------------------

IMPORT_SIDE_EFFECTS = {
    "sys_exit_0": ("import sys\nsys.exit(0)\n", "SystemExit"),
    "sys_exit_1": ("import sys\nsys.exit(1)\n", "SystemExit"),
    "sys_exit_text": ("import sys\nsys.exit('bye')\n", "SystemExit"),
    "raise_system_exit": ("raise SystemExit\n", "SystemExit"),
    "builtin_exit": ("exit()\n", "SystemExit"),
    "builtin_quit": ("quit(4)\n", "SystemExit"),
    "keyboard_interrupt": ("raise KeyboardInterrupt\n", "KeyboardInterrupt"),
    "keyboard_interrupt_text": ("raise KeyboardInterrupt('ctrl-c')\n", "KeyboardInterrupt"),
    "generator_exit": ("raise GeneratorExit\n", "GeneratorExit"),
    "base_exception": ("raise BaseException('base')\n", "BaseException"),
    "own_base_exception": ("class Boom(BaseException):\n    pass\nraise Boom()\n", "Boom"),
}


@pytest.mark.parametrize("case", IMPORT_SIDE_EFFECTS)
def test_a_plugin_file_that_exits_on_import_is_refused(case, arena, capsys):
    text, kind = IMPORT_SIDE_EFFECTS[case]
    (arena.work / "plug.py").write_text(text)
    before_all, before_stored = arena.snapshot(), stored(arena)
    try:
        code = main(["run", "./plug.py", *SMOKE])
    except BaseException as exc:  # noqa: BLE001 - what the fault is: the exception leaves main
        code = f"raised {type(exc).__name__}"
    refused(code, *capsys.readouterr(), rf"study file (\./)?plug\.py .*{kind}")
    nothing_written(arena, before_all, before_stored)


def test_a_real_interrupt_during_a_plugin_import_is_still_an_interrupt(arena, capsys):
    (arena.work / "plug.py").write_text("import os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\n"
                                        "time.sleep(5)\n")
    assert main(["run", "./plug.py", *SMOKE]) == 130
    assert capsys.readouterr().err.startswith("suite: interrupted")


@pytest.mark.parametrize("argv", [["show", "./plug.py"], ["clean", "./plug.py", "--yes"],
                                  ["export", "tensorboard", "./plug.py", "out/tb"],
                                  ["compare", "./plug.py", "--runs-dir", "runs", "--runs-dir", "runs"]],
                         ids=["show", "clean", "export", "compare"])
@pytest.mark.parametrize("text", ["import sys\nsys.exit(0)\n", "raise KeyboardInterrupt\n"], ids=["exit", "interrupt"])
def test_every_command_refuses_a_plugin_file_that_exits(argv, text, arena, capsys):
    (arena.work / "plug.py").write_text(text)
    before_all, before_stored = arena.snapshot(), stored(arena)
    try:
        code = main(argv)
    except BaseException as exc:  # noqa: BLE001
        code = f"raised {type(exc).__name__}"
    refused(code, *capsys.readouterr(), r"study file (\./)?plug\.py ")
    nothing_written(arena, before_all, before_stored)


def test_a_plugin_file_that_exits_is_exit_2_in_a_process(arena):
    (arena.work / "plug.py").write_text("import sys\nsys.exit(0)\n")
    before = arena.snapshot()
    ran = arena.run(["run", "plug.py", *SMOKE])
    refused(ran.returncode, ran.stdout, ran.stderr, r"study file plug\.py .*SystemExit")
    assert arena.snapshot() == before


@pytest.mark.parametrize("text, kind", [("import sys\nsys.exit(0)\n", "SystemExit"),
                                        ("raise KeyboardInterrupt\n", "KeyboardInterrupt")],
                         ids=["exit", "interrupt"])
def test_an_entry_point_that_exits_on_import_is_refused(text, kind, arena, capsys, monkeypatch):
    package = arena.root / "pkg" / "exiting_plugin"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(text)
    monkeypatch.syspath_prepend(str(arena.root / "pkg"))
    point = importlib.metadata.EntryPoint("exiting", "exiting_plugin:STUDY", "suite.studies")
    monkeypatch.setattr(registry, "entry_points", lambda group: [point] if group == "suite.studies" else [])
    monkeypatch.setattr(registry, "_loaded", set())
    monkeypatch.setattr(plugins, "STUDIES", {})
    before = arena.snapshot()
    try:
        code = main(["run", "exiting", *SMOKE])
    except BaseException as exc:  # noqa: BLE001
        code = f"raised {type(exc).__name__}"
    finally:
        sys.modules.pop("exiting_plugin", None)
    refused(code, *capsys.readouterr(), rf"entry point 'exiting' .*{kind}")
    assert arena.snapshot() == before


def test_the_corpus_is_large():
    """Each case a distinct hostile input: datasets, options, flags, backends x commands, the run
    lock's wait, plug-in files, plug-in files x commands, one in a process, entry points."""
    cases = (len(FASHION) + len(OPTIONS) + len(FLAGS) + 2 * len(COMMANDS) + 1
             + len(IMPORT_SIDE_EFFECTS) + 4 * 2 + 1 + 2)
    assert cases >= 35
