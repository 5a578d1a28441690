"""Damaged files, full disks, races and Ctrl-C (issue 15), one parametrized test per kind.

Each case checks the promise end to end through ``suite.cli.main.main``: the exit code, one line on
stderr and no traceback, and a checksum of every file under results/ and the store: unchanged,
except the records the run legitimately finished.
"""
import errno
import gzip
import hashlib
import json
import math
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import matplotlib.figure
import numpy as np
import pytest

from suite.design.plugins import all_studies
from suite.data import datasets
from suite.store import files
from suite.reporting import report
from suite.store import trial_store as store
from suite.training import train
from suite.execution import tuning
from suite.cli.main import main

STUDIES = all_studies()

SMOKE = ["depth", "--profile", "smoke", "--seeds", "2", "--set", "epochs=1", "--set", "batch_size=100"]


def dirs(root: Path) -> list[str]:
    return ["--runs-dir", str(root / "runs"), "--results-dir", str(root / "results")]


def checksums(root: Path) -> dict:
    """Every file under ``root`` (keras-tuner's per-process scratch aside) -> sha256."""
    if not root.exists():
        return {}
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file() and ".keras-tuner" not in path.parts}


def one_line(capsys) -> str:
    """The one `suite:` line, which ends stderr (progress lines may come before it)."""
    err = capsys.readouterr().err
    said = [line for line in err.strip().splitlines() if line.startswith("suite:")]
    assert len(said) == 1 and err.strip().endswith(said[0]) and "Traceback" not in err, err
    return said[0]


def trials_dir(root: Path, study: str = "depth") -> Path:
    return root / "runs" / study / "smoke" / "trials"


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished smoke run of depth (10 trials) and its report, made once for the module."""
    root = tmp_path_factory.mktemp("finished")
    assert main(["run", *SMOKE, *dirs(root)]) == 0
    return root


@pytest.fixture
def workspace(finished, tmp_path, capsys):
    for part in ("runs", "results"):
        shutil.copytree(finished / part, tmp_path / part)
    capsys.readouterr()
    return tmp_path


# -- 1. every trial diverged or failed: the report is still written -------------------------------

def _diverges(config, **kwargs):
    nan = math.nan
    return {"status": "diverged", "diverged_epoch": 1, "metrics": {}, "n_params": 10, "steps_per_epoch": 6,
            "splits": {"train": 600, "dev": 200, "test": 200}, "wall_time_s": 0.0,
            "history": [{"epoch": 1, "loss": nan, "accuracy": 0.1, "dev_loss": nan, "dev_accuracy": 0.1,
                         "learning_rate": 0.1, "wall_time_s": 0.0}]}


def _fails(config, **kwargs):
    raise MemoryError("out of memory in a test")


RUNNABLE = [name for name, study in STUDIES.items() if study.axes]


# A nuisance study whose every search trial diverges spends ~30 s in the Bayesian oracle's fits;
# its fall-back to the base values is the same code as when they all fail.
CASES = [(study, outcome) for study in RUNNABLE for outcome in ("diverged", "failed")
         if not (outcome == "diverged" and STUDIES[study].nuisance)]


@pytest.mark.parametrize("study, outcome", CASES)
def test_every_trial_diverged_or_failed_still_gives_a_report(study, outcome, tmp_path, capsys, monkeypatch, per_trial):
    monkeypatch.setattr(train, "train", {"diverged": _diverges, "failed": _fails}[outcome])
    code = main(["run", study, "--profile", "smoke", *dirs(tmp_path)])
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    out = tmp_path / "results" / study / "smoke"
    readme = (out / "README.md").read_text()
    verdict = json.loads((out / "verdict.json").read_text())
    assert f"| {outcome}" in readme
    assert verdict["verdict"] in ("inconclusive", "supported", "not_supported")
    # Runs that did not learn decide no rule on their metrics; a rule over every finished run's
    # outcome (runs="finished", e.g. clipping's share of seeds that learned) is decided by them.
    if STUDIES[study].rules and not any(rule.runs == "finished" for rule in STUDIES[study].rules):
        assert verdict["verdict"] == "inconclusive"
    if outcome == "diverged" and (out / "verdict.json").exists() and verdict.get("checks") and any(
            check["result"] == "fail" for check in verdict["checks"]):
        # a check of the implementation (a theorem on these runs) fails loudly when every run diverged
        assert code == 1 and "CHECK OF THE IMPLEMENTATION FAILED" in err
    elif outcome == "diverged":
        assert code == 0
    else:
        assert code == 1 and re.search(r"\d+ trials? failed", err.strip().splitlines()[-1])


# -- 2. reports are replaced whole or not at all -----------------------------------------------------

def _enospc(*args, **kwargs):
    path = args[0] if isinstance(args[0], (str, Path)) else args[1]  # atomic_write_text or savefig
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


REPORT_FAULTS = {
    "png_on_a_full_disk": (lambda out, mp: mp.setattr(matplotlib.figure.Figure, "savefig", _enospc), 2),
    "csv_on_a_full_disk": (lambda out, mp: mp.setattr(report, "atomic_write_text", _enospc), 2),
    "readme_is_a_directory": (lambda out, mp: ((out / "README.md").unlink(), (out / "README.md").mkdir()), 2),
    "png_is_a_directory": (lambda out, mp: ((out / "test_accuracy_vs_depth.png").unlink(),
                                            (out / "test_accuracy_vs_depth.png").mkdir()), 2),
    "interrupted_half_way": (lambda out, mp: mp.setattr(matplotlib.figure.Figure, "savefig", _interrupt), 130),
}


@pytest.mark.parametrize("fault", REPORT_FAULTS)
def test_a_report_is_replaced_whole_or_not_at_all(fault, workspace, capsys, monkeypatch):
    out = workspace / "results" / "depth" / "smoke"
    damage, expected = REPORT_FAULTS[fault]
    damage(out, monkeypatch)
    before = checksums(workspace)
    assert main(["report", *SMOKE, *dirs(workspace)]) == expected
    line = one_line(capsys)
    assert line.startswith("suite: ")
    assert checksums(workspace) == before
    assert [p.name for p in out.parent.iterdir()] == ["smoke"]  # no staging directory left


def test_a_new_report_drops_stale_files_and_keeps_sub_reports(tmp_path):
    out = tmp_path / "results" / "depth"
    (out / "smoke").mkdir(parents=True)
    (out / "smoke" / "README.md").write_text("the smoke report")
    (out / "stale.png").write_text("from an older report")
    (out / "best_model.keras").write_text("a model another step saved here")
    with files.replaced_whole(out, keep=("*.keras",)) as staging:
        (staging / "README.md").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "best_model.keras", "smoke"]
    assert (out / "smoke" / "README.md").read_text() == "the smoke report"
    assert [p.name for p in out.parent.iterdir()] == ["depth"]
    store.atomic_write_text(out / "a.csv", "x")  # readable like any file the user writes
    assert oct((out / "a.csv").stat().st_mode & 0o777) == oct(0o666 & ~files.umask())


# -- 3. damaged trial records ---------------------------------------------------------------------------

def _edit(change):
    def damage(path: Path):
        record = json.loads(path.read_text())
        change(record)
        path.write_text(json.dumps(record))
    return damage


RECORD_DAMAGE = {
    "random_bytes": lambda path: path.write_bytes(b"\xff\xfe\x00garbage" + bytes(range(256))),
    "truncated": lambda path: path.write_text(path.read_text()[:200]),
    "a_directory": lambda path: (path.unlink(), path.mkdir()),
    "a_json_list": lambda path: path.write_text("[1, 2]"),
    "config_missing": _edit(lambda r: r.pop("config")),
    "config_a_string": _edit(lambda r: r.update(config="mlp")),
    "point_a_list": _edit(lambda r: r.update(point=[1, 0])),
    "seed_a_string": _edit(lambda r: r.update(seed="0")),
    "metric_a_string": _edit(lambda r: r["metrics"].update(test_accuracy="0.9")),
    "done_without_metrics": _edit(lambda r: r.pop("metrics")),
    "done_with_empty_metrics": _edit(lambda r: r.update(metrics={})),
    "done_with_a_nan_metric": _edit(lambda r: r["metrics"].update(test_accuracy=math.nan)),
    "unknown_status": _edit(lambda r: r.update(status="finished")),
    "history_not_a_list": _edit(lambda r: r.update(history={"epoch": 1})),
    "environment_missing": _edit(lambda r: r.pop("environment")),
}


@pytest.mark.parametrize("command", ["run", "report"])
@pytest.mark.parametrize("damage", RECORD_DAMAGE)
def test_a_damaged_record_stops_the_command_and_nothing_changes(damage, command, workspace, capsys):
    victim = sorted(trials_dir(workspace).glob("*.json"))[3]
    RECORD_DAMAGE[damage](victim)
    before = checksums(workspace)
    assert main([command, *SMOKE, *dirs(workspace)]) == 2
    line = one_line(capsys)
    assert str(victim) in line and "move it away" in line and "--fresh" in line, line
    assert checksums(workspace) == before


def test_a_damaged_record_stops_a_search_before_it_starts(tmp_path, capsys, monkeypatch, per_trial):
    trained = []
    monkeypatch.setattr(train, "train", lambda config, **kw: trained.append(config))
    damaged = tmp_path / "runs" / "mlp_search" / "smoke" / "search-random" / "trials" / "abc.json"
    damaged.parent.mkdir(parents=True)
    damaged.write_text(json.dumps({"key": "abc", "status": "done", "metrics": {"best_dev_accuracy": "high"}}))
    before = checksums(tmp_path)
    argv = ["search", "mlp_search", "--profile", "smoke", "--tuner", "random", "--max-trials", "2"]
    assert main([*argv, *dirs(tmp_path)]) == 2
    assert str(damaged) in one_line(capsys)
    assert trained == [] and checksums(tmp_path) == before


# -- 5. paths: a file where a directory belongs, a full disk, a read-only trials directory --------

def _refuse_records(code):
    def put(path, text):
        raise OSError(code, os.strerror(code), str(path))
    return lambda root, mp: mp.setattr(store, "atomic_write_text", put)


def _refuse_probe(code):
    def probe(*args, **kwargs):
        raise OSError(code, os.strerror(code), kwargs.get("dir"))
    return lambda root, mp: mp.setattr(files.tempfile, "NamedTemporaryFile", probe)


def _file_at(part):
    def damage(root, mp):
        shutil.rmtree(root / part / "depth")
        (root / part / "depth").write_text("a file in the way")
    return damage


PATH_FAULTS = {
    "runs_study_is_a_file": (_file_at("runs"), "runs/depth: it is a file where a directory is needed"),
    "results_study_is_a_file": (_file_at("results"), "results/depth: it is a file where a directory is needed"),
    "records_on_a_full_disk": (_refuse_records(errno.ENOSPC), "No space left on device.*free some space"),
    "read_only_trials_directory": (_refuse_records(errno.EACCES), "Permission denied"),
    "results_on_a_full_disk": (_refuse_probe(errno.ENOSPC), "No space left on device"),
    "read_only_file_system": (_refuse_probe(errno.EROFS), "Read-only file system"),
}


@pytest.mark.parametrize("fault", PATH_FAULTS)
def test_a_path_that_cannot_be_written_is_one_line_and_exit_2(fault, workspace, capsys, monkeypatch):
    damage, message = PATH_FAULTS[fault]
    damage(workspace, monkeypatch)
    before = checksums(workspace)
    # a third seed: five trials to train, so a refused record write is hit for real
    assert main(["run", *SMOKE, "--seeds", "3", *dirs(workspace)]) == 2
    line = one_line(capsys)
    assert re.search(message, line) and line.startswith("suite: error: "), line
    assert checksums(workspace) == before
    assert not list(workspace.rglob("*.tmp"))


# -- 6. dataset files ---------------------------------------------------------------------------------

def _idx(array: np.ndarray, kind: int = 0x08, ndim: int | None = None) -> bytes:
    ndim = array.ndim if ndim is None else ndim
    return struct.pack(">BBBB", 0, 0, kind, ndim) + struct.pack(f">{array.ndim}I", *array.shape) + \
        array.astype(np.uint8).tobytes()


def _fashion_dir(root: Path, **replace) -> Path:
    """Four small valid IDX files, with ``replace[stem]`` bytes (None: the file left out)."""
    directory = root / "fashion"
    directory.mkdir()
    arrays = {"train-images-idx3": np.zeros((10100, 28, 28)), "train-labels-idx1": np.arange(10100) % 10,
              "t10k-images-idx3": np.zeros((50, 28, 28)), "t10k-labels-idx1": np.arange(50) % 10}
    for stem, array in arrays.items():
        content = replace.get(stem, gzip.compress(_idx(array)))
        if content is not None:
            (directory / f"{stem}-ubyte.gz").write_bytes(content)
    return directory


DATASET_FAULTS = {
    "not_gzip": ({"train-images-idx3": b"plain bytes, not gzip"}, "damaged.*BadGzipFile"),
    "empty_gzip": ({"train-labels-idx1": gzip.compress(b"")}, "damaged.*not an IDX file"),
    "truncated_gzip": ({"t10k-images-idx3": gzip.compress(_idx(np.zeros((50, 28, 28))))[:40]}, "damaged"),
    "missing_labels": ({"train-labels-idx1": None}, "train-labels-idx1-ubyte.gz is missing"),
    "header_larger_than_data": ({"t10k-images-idx3": gzip.compress(_idx(np.zeros((50, 28, 28)))[:-100])},
                                "header announces 50 x 28 x 28 values"),
    "bad_ndim_byte": ({"t10k-labels-idx1": gzip.compress(_idx(np.zeros(50), ndim=7))}, "not an IDX file"),
    "not_bytes": ({"t10k-labels-idx1": gzip.compress(_idx(np.zeros(50), kind=0x0D))}, "not an IDX file"),
    "wrong_image_shape": ({"t10k-images-idx3": gzip.compress(_idx(np.zeros((50, 27, 28))))}, "shape"),
    "class_out_of_range": ({"t10k-labels-idx1": gzip.compress(_idx(np.arange(50) % 12))}, "classes 0-9"),
    "counts_differ": ({"t10k-labels-idx1": gzip.compress(_idx(np.arange(49) % 10))}, "50 images and 49 labels"),
    "train_too_small": ({"train-images-idx3": gzip.compress(_idx(np.zeros((100, 28, 28)))),
                         "train-labels-idx1": gzip.compress(_idx(np.arange(100) % 10))}, "dev split alone takes"),
}


@pytest.mark.parametrize("fault", [*DATASET_FAULTS, "corrupt_mnist_npz", "mnist_npz_missing_a_split"])
def test_a_damaged_dataset_file_is_one_line_and_never_deleted(fault, tmp_path, capsys, monkeypatch):
    datasets.load.cache_clear()
    monkeypatch.delenv("SUITE_ALLOW_DOWNLOAD", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    import keras

    monkeypatch.setattr(keras.utils, "get_file", lambda *a, **k: pytest.fail("tried to download"))
    if fault in DATASET_FAULTS:
        replace, message = DATASET_FAULTS[fault]
        monkeypatch.setenv("SUITE_FASHION_MNIST_DIR", str(_fashion_dir(tmp_path, **replace)))
        dataset = "fashion_mnist"
    else:
        cache = tmp_path / "keras" / "datasets" / "mnist.npz"
        cache.parent.mkdir(parents=True)
        if fault == "corrupt_mnist_npz":
            cache.write_bytes(b"PK\x03\x04 not really a zip archive")
            message = "mnist.npz is damaged"
        else:
            np.savez(cache, x_train=np.zeros((3, 28, 28), np.uint8), y_train=np.zeros(3, np.uint8))
            message = "mnist.npz is damaged.*x_test"
        dataset = "mnist"
    before = checksums(tmp_path)
    try:
        assert main(["run", *SMOKE, "--dataset", dataset, *dirs(tmp_path)]) == 2
    finally:
        datasets.load.cache_clear()
    line = one_line(capsys)
    assert re.search(message, line), line
    assert checksums(tmp_path) == before  # nothing deleted, nothing trained


# -- 7. races between processes on one store ----------------------------------------------------------

def _probes_in_parallel(tmp_path, workspace):
    errors = []

    def probe():
        for _ in range(40):
            try:
                files.writable(tmp_path / "shared")
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)

    threads = [threading.Thread(target=probe) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and list((tmp_path / "shared").iterdir()) == []


def _own_tuner_directory_and_named_records(tmp_path, workspace):
    first = tuning.scratch(tmp_path)
    assert first == tuning.scratch(tmp_path) and f"{socket.gethostname()}-{os.getpid()}" in first
    assert main(["run", *SMOKE, "--seeds", "3", *dirs(workspace)]) == 0
    # keras-tuner deletes its project directory on overwrite: each process has its own
    root = workspace / "runs" / "depth" / "smoke"
    assert [p.name for p in (root / ".keras-tuner").iterdir()] == [f"{socket.gethostname()}-{os.getpid()}"]
    assert not list(root.glob("tuner-*"))
    tuning._remove_scratch()  # what the process does at exit
    assert not (root / ".keras-tuner").exists()
    new = [json.loads(p.read_text()) for p in trials_dir(workspace).glob("*.json")]
    new = [r for r in new if r["seed"] == 2]
    assert len(new) == 5
    assert all(r["process"]["host"] == socket.gethostname() and r["process"]["pid"] == os.getpid()
               and r["process"]["worker"] == r["worker"] for r in new)


@pytest.mark.parametrize("race", [_probes_in_parallel, _own_tuner_directory_and_named_records])
def test_processes_sharing_a_store_keep_out_of_each_others_way(race, tmp_path, workspace):
    race(tmp_path, workspace)


# -- 8. SIGINT and SIGTERM ------------------------------------------------------------------------------

def test_an_interrupt_swallowed_inside_a_trial_still_stops_the_run(workspace, capsys, monkeypatch, per_trial):
    real, calls = train.train, []

    def swallowing(config, **kwargs):
        calls.append(config["seed"])
        try:  # the KeyboardInterrupt lands in code that drops it, as JAX's gc callback does
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)
        except BaseException:  # noqa: BLE001
            pass
        return real(config, **kwargs)

    monkeypatch.setattr(train, "train", swallowing)
    before = checksums(workspace / "results")
    assert main(["run", *SMOKE, "--seeds", "3", *dirs(workspace)]) == 130
    assert "interrupted" in one_line(capsys)
    stored = [json.loads(p.read_text()) for p in trials_dir(workspace).glob("*.json")]
    # the trial in flight stops at its first epoch boundary, unstored; no other trial starts
    assert len(calls) == 1 and len(stored) == 10
    assert checksums(workspace / "results") == before


@pytest.mark.parametrize("name, code, group", [("SIGINT", 130, True), ("SIGTERM", 143, False)])
def test_a_signal_stops_a_run_promptly_with_its_exit_code(name, code, group, workspace):
    before = checksums(workspace / "results")
    process = subprocess.Popen([sys.executable, "-m", "suite.cli.main", "run", *SMOKE, "--seeds", "12",
                                "--set", "epochs=3", *dirs(workspace)], stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True, start_new_session=True)
    lines = []
    for line in process.stderr:  # wait for one trained trial: the signal lands mid-run
        lines.append(line)
        if re.search(r"trial \d+/60 depth=\d+, seed=\d+: dev", line):
            break
    sent = time.monotonic()
    (os.killpg if group else os.kill)(process.pid, getattr(signal, name))
    rest = process.stderr.read()
    process.wait(timeout=60)
    elapsed = time.monotonic() - sent
    assert process.returncode == code and elapsed < 10, (elapsed, rest)
    said = [line for line in rest.splitlines() if line.startswith("suite:")]
    assert len(said) == 1 and "Traceback" not in rest and "rerun" in said[0], rest
    stored = [json.loads(p.read_text()) for p in trials_dir(workspace).glob("*.json")]
    assert len(stored) >= 11 and all(r["status"] != "failed" for r in stored)
    assert not list(trials_dir(workspace).glob(".*.tmp"))
    assert checksums(workspace / "results") == before
