"""Hostile inputs that aim at the file system (issue 29, kinds 1, 7, 8 and the writes of 5): names
with path parts, symlinks, litter of killed processes, modules shadowed by the working directory,
file-size limits and unwritable targets. Each case: exit 2 with one line (or 0 where the input is
legitimately handled), no traceback, and nothing beside runs/, results/ and out/ created, changed
or deleted (``arena.snapshot()``)."""
import ctypes
import io
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hostile import arena, refused  # noqa: F401 (arena is a fixture)
from suite.cli.main import main
from suite.design.plugins import find_study
from suite.design.study import expand
from suite.store.trial_store import TrialStore

SMOKE = ["--profile", "smoke", "--seeds", "1", "--set", "epochs=1"]
SELECTION = Path("depth", "smoke", "seeds=1,epochs=1")  # where SMOKE's report goes under results/
NAME_RULE = r"cannot be a directory name"

# Names that must never become a path component; "VICTIM" stands for the arena's victim directory
# (absolute), "DEEP" for a relative path from runs/<study>/ that reaches it.
BAD_NAMES = {
    "parent": "../escaped",
    "grandparent": "../../victim",
    "deep": "DEEP",
    "absolute": "VICTIM",
    "empty": "",
    "dot": ".",
    "dotdot": "..",
    "separator": "a/b",
    "nul": "a\x00b",
    "overlong": "a" * 300,
    "newline": "a\nb",
    "dash": "-rf",
    "hidden": ".hidden",
    "backslash": "..\\victim",
}


def _name(arena, name: str) -> str:
    return {"VICTIM": str(arena.victim), "DEEP": "../../../victim"}.get(name, name)


def record(trial) -> dict:
    """A stored record of ``trial`` as training writes one, with made-up numbers."""
    accuracy = 0.1 + 0.2 * trial.point["depth"]
    history = [{"epoch": 1, "accuracy": accuracy, "dev_accuracy": accuracy, "dev_loss": 1.0, "loss": 1.0,
                "learning_rate": 0.1, "wall_time_s": 0.1}]
    metrics = {name: accuracy for name in ("best_dev_accuracy", "final_dev_accuracy", "final_train_accuracy",
                                           "first_dev_accuracy", "mean_dev_accuracy", "test_accuracy",
                                           "train_accuracy")}
    metrics.update(best_epoch=1, epochs_trained=1.0, kept_epoch=1, min_dev_loss=1.0, test_loss=1.0, train_loss=1.0,
                   final_train_loss=1.0, generalization_gap=0.0, fitted_fraction=0.0, train_mistakes=10.0,
                   epochs_to_100=float("nan"), epochs_to_99_9=float("nan"))
    environment = {"backend": "jax", "cpu_count": 2, "cpus_used": 2, "device": "cpu", "env": {}, "git_commit": "x",
                   "host": "h", "packages": {"keras": "3"}, "platform": "linux", "python": "3.11"}
    return {"key": trial.key, "point": trial.point, "config": trial.config, "seed": trial.point["seed"],
            "status": "done", "error": None, "diverged_epoch": None, "environment": environment,
            "fast_path": True, "started_at": "2026-01-01T00:00:00+00:00",
            "finished_at": "2026-01-01T00:00:01+00:00", "history": history, "initial_loss": 2.3,
            "metrics": metrics, "n_params": 650, "num_classes": 10, "overrides": {"epochs": 1},
            "process": {"host": "h", "pid": 1, "worker": "tuner0"}, "profile": "smoke", "study": "depth",
            "splits": {"dev": 200, "test": 200, "train": 600}, "steps_per_epoch": 60, "wall_time_s": 0.5,
            "worker": "tuner0"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The smoke selection of `depth` (5 trials) as stored records, written here (no training);
    tests copy this runs/."""
    root = tmp_path_factory.mktemp("store") / "runs"
    plan = expand(find_study("depth"), "smoke", seeds=1, overrides={"epochs": 1})
    trials = TrialStore(root / "depth" / "smoke")
    for trial in plan.trials:
        trials.put(record(trial))
    return root


def with_store(arena, store) -> Path:
    shutil.copytree(store, arena.work / "runs")
    (arena.work / "victim").mkdir()  # what runs/depth/../../victim would reach
    (arena.work / "victim" / "precious.txt").write_text("keep\n")
    return arena.work / "runs"


def plugin(arena, name: str = "plug_study", profile: str = "smoke", depths=(0, 1), axes: dict | None = None) -> str:
    """A plug-in study file (as in the README) under out/; returns its path."""
    path = arena.work / "out" / "plug.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        "from suite import Study\n"
        f"STUDY = Study(name={name!r}, claim='c', source='s', base={{'width': 8}}, axes={axes or {'depth': list(depths)}!r},\n"
        f"              profiles={{{profile!r}: {{'dataset': 'synthetic', 'epochs': 1, 'seeds': 1}}}})\n")
    return str(path)


def no_staging_left(arena) -> None:
    left = [p for p in arena.work.rglob("*") if p.name.endswith((".tmp", ".old")) or p.name == ".keras-tuner"]
    assert not left, left


# --- 1. names with path parts -------------------------------------------------------------------

@pytest.mark.parametrize("case", list(BAD_NAMES) + ["subdirectory", "trailing", "inner"])
def test_clean_refuses_a_profile_that_is_not_a_name(arena, store, capsys, case):
    with_store(arena, store)
    name = {"subdirectory": "smoke/trials", "trailing": "smoke/", "inner": "smoke/../../../../victim"}.get(case)
    before = arena.snapshot(include_inside=True)
    code = main(["clean", "depth", f"--profile={_name(arena, name or BAD_NAMES[case])}", "--yes"])
    refused(code, *capsys.readouterr(), NAME_RULE)
    assert arena.snapshot(include_inside=True) == before


@pytest.mark.parametrize("case", ["parent", "grandparent", "deep", "absolute", "empty", "dotdot", "separator",
                                  "nul", "overlong", "newline", "hidden"])
def test_a_plugin_study_whose_name_is_not_a_name_is_refused_before_anything(arena, store, capsys, case):
    with_store(arena, store)
    path = plugin(arena, name=_name(arena, BAD_NAMES[case]))
    before = arena.snapshot(include_inside=True)
    for argv in (["clean", path, "--yes"], ["run", path, "--profile", "smoke", "--quiet"]):
        code = main(argv)
        # an empty name is refused by the study's field checks first (a name must be a non-empty str)
        refused(code, *capsys.readouterr(), rf"study name .*{NAME_RULE}|name must be a non-empty str")
        assert arena.snapshot(include_inside=True) == before


@pytest.mark.parametrize("case", ["parent", "absolute", "dot", "separator"])
def test_a_plugin_profile_whose_name_is_not_a_name_is_refused(arena, capsys, case):
    name = _name(arena, BAD_NAMES[case])
    path = plugin(arena, profile=name)
    before = arena.snapshot(include_inside=True)
    for argv in (["run", path, "--profile", name, "--quiet"], ["clean", path, "--profile", name, "--yes"],
                 ["run", path, "--quiet"]):
        code = main(argv)
        refused(code, *capsys.readouterr(), NAME_RULE)
        assert arena.snapshot(include_inside=True) == before


@pytest.mark.parametrize("value", ["a\x00b", "x" * 200, "../" * 60])
def test_a_trial_key_that_cannot_be_a_file_name_is_refused_before_training(arena, capsys, value):
    path = plugin(arena, axes={"variant": {value: {"depth": 1}}})
    before = arena.snapshot()
    code = main(["run", path, "--profile", "smoke", "--quiet"])
    refused(code, *capsys.readouterr(), r"trial key .* cannot be a file name")
    assert arena.snapshot() == before
    assert not list((arena.work / "runs").rglob("*.*")) if (arena.work / "runs").exists() else True


@pytest.mark.parametrize("argv", [
    ["report", "depth", "--profile", ""],
    ["show", "depth", "--profile", ""],
    ["show", "depth", "--profile", "../../../victim"],
    ["export", "tensorboard", "depth", "--profile", "/tmp", "out/tb"],
    ["compare", "depth", "--profile", "..", "--runs-dir", "runs", "--runs-dir", "runs"],
    ["report", "depth", "--profile", "smoke", "--seeds", "1", "--set", "epochs=1", "--dataset", ""],
    ["report", "depth", "--profile", "smoke", "--dataset", "../../victim"],
    ["run", "depth", "--profile", "smoke", "--dataset", "/etc"],
    ["run", "depth", "--profile", "smoke\x00"],
    ["search", "mlp_search", "--profile", "../smoke"],
], ids=lambda argv: " ".join(argv).replace("\x00", "NUL"))
def test_profile_and_dataset_flags_take_names_only(arena, store, capsys, argv):
    with_store(arena, store)
    before = arena.snapshot(include_inside=True)
    code = main(argv)
    refused(code, *capsys.readouterr(), rf"argument --(profile|dataset): .*{NAME_RULE}")
    assert arena.snapshot(include_inside=True) == before


@pytest.mark.parametrize("override, message", [
    ("activation=../../victim", "unknown activation"),
    ("optimizer_options={'name': '../../victim'}", "has no option 'name'"),
    ("widths=['../x']", "widths"),
    ("dataset=../victim", "unknown dataset"),
    ("kernel_initializer=/etc/passwd", "unknown initializer"),
])
def test_selection_values_that_look_like_paths_are_refused_before_anything(arena, store, capsys, override, message):
    with_store(arena, store)
    before = arena.snapshot(include_inside=True)
    code = main(["report", "depth", *SMOKE, "--set", override])
    refused(code, *capsys.readouterr(), message)
    assert arena.snapshot(include_inside=True) == before


def test_a_selection_is_written_in_its_own_directory_inside_results(arena, store, capsys):
    with_store(arena, store)
    before = arena.snapshot()
    code = main(["report", "depth", *SMOKE, "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err, err
    assert (arena.work / "results" / SELECTION / "verdict.json").is_file()
    assert arena.snapshot() == before


# --- 1. clean and symbolic links ----------------------------------------------------------------

@pytest.mark.parametrize("link, target", [
    ("depth/smoke", "VICTIM"),          # the profile directory points out of the store
    ("depth", "VICTIM"),                # the study directory points out of the store
    ("depth/smoke", "depth/quick"),     # the profile directory points at another profile's trials
])
def test_clean_never_follows_a_symlink_out_of_its_directory(arena, store, capsys, link, target):
    runs = with_store(arena, store)
    (runs / "depth" / "quick" / "trials").mkdir(parents=True)
    (runs / "depth" / "quick" / "trials" / "x.json").write_text("{}")
    if link == "depth":
        shutil.rmtree(runs / "depth")
    else:
        shutil.rmtree(runs / link)
    (runs / link).symlink_to(arena.victim if target == "VICTIM" else runs / target)
    before = arena.snapshot(include_inside=True)
    argv = ["clean", "depth", "--yes"] + (["--profile", "smoke"] if link != "depth" else [])
    code = main(argv)
    refused(code, *capsys.readouterr(), r"symbolic link")
    assert arena.snapshot(include_inside=True) == before


def test_clean_removes_a_symlink_inside_the_profile_not_its_target(arena, store, capsys):
    runs = with_store(arena, store)
    (runs / "depth" / "smoke" / "escape").symlink_to(arena.victim)
    before = arena.snapshot()
    code = main(["clean", "depth", "--profile", "smoke", "--yes"])
    out, err = capsys.readouterr()
    assert code == 0 and err == "" and "removed" in out and len(out.splitlines()) == 1, (out, err)
    assert not (runs / "depth" / "smoke").exists() and arena.snapshot() == before


def test_clean_through_a_symlinked_runs_dir_deletes_inside_its_target(arena, store, capsys):
    shutil.copytree(store, arena.work / "out" / "store")
    (arena.work / "runs").symlink_to(arena.work / "out" / "store")
    before = arena.snapshot()
    code = main(["clean", "depth", "--yes"])
    out, err = capsys.readouterr()
    assert code == 0 and err == "" and "5 stored records" in out, (out, err)
    assert not (arena.work / "out" / "store" / "depth").exists() and (arena.work / "runs").is_symlink()
    assert arena.snapshot() == before


def test_clean_says_what_it_will_remove_before_asking(arena, store, capsys, monkeypatch):
    runs = with_store(arena, store)
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: print(prompt) or "n")
    code = main(["clean", "depth", "--profile", "smoke"])
    out = capsys.readouterr().out
    assert code == 0 and str((runs / "depth" / "smoke").resolve()) in out and "5 stored records" in out, out
    assert (runs / "depth" / "smoke" / "trials").is_dir()


class Terminal(io.StringIO):
    def isatty(self):
        return True


# --- 7. litter of killed processes --------------------------------------------------------------

def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_scratch_of_dead_processes_is_removed_on_start(arena, store, capsys):
    runs = with_store(arena, store)
    scratch = runs / "depth" / "smoke" / ".keras-tuner"
    host = socket.gethostname()
    dead, live, foreign = scratch / f"{host}-{_dead_pid()}", scratch / f"{host}-1", scratch / "elsewhere-42"
    for directory in (dead, live, foreign):
        (directory / "local").mkdir(parents=True)
        (directory / "local" / "oracle.json").write_text("{}")
    before = arena.snapshot()
    code = main(["run", "depth", *SMOKE, "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err, err
    assert not dead.exists() and live.exists() and foreign.exists()  # pid 1 lives; another host's is not ours
    assert arena.snapshot() == before


def test_report_staging_of_dead_processes_is_removed(arena, store, capsys):
    with_store(arena, store)
    parent = arena.work / "results" / SELECTION.parent
    host = socket.gethostname()
    dead = parent / f".{SELECTION.name}.{host}-{_dead_pid()}.k2x9_abc.tmp"
    legacy = parent / f".{SELECTION.name}.k2x9_abc.tmp"  # before staging names carried their owner
    for directory in (dead, legacy):
        directory.mkdir(parents=True)
        (directory / "README.md").write_text("half a report")
    day_ago = time.time() - 86400
    os.utime(legacy, (day_ago, day_ago))
    before = arena.snapshot()
    code = main(["report", "depth", *SMOKE, "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err, err
    assert sorted(p.name for p in parent.iterdir()) == [SELECTION.name]
    assert arena.snapshot() == before


# --- 8. modules shadowed by the working directory -----------------------------------------------

CONSOLE = "import sys; del sys.path[0]; from suite.cli.main import console; console()"  # like the `suite` script


@pytest.mark.parametrize("shadows", [("concurrent.py", "json.py")])
def test_workers_start_whatever_the_working_directory_holds(arena, shadows):
    for name in shadows:
        (arena.work / name).write_text("raise ImportError('shadowed by the working directory')\n")
    path = plugin(arena, depths=(0,))
    before = arena.snapshot()
    run = subprocess.run([sys.executable, "-c", CONSOLE, "run", path, "--profile", "smoke", "--workers", "2",
                          "--quiet"], cwd=arena.work, capture_output=True, text=True, timeout=180,
                         env={**os.environ, "SUITE_QUIET": "0"})
    assert run.returncode == 0 and run.stderr == "", run.stderr[-3000:]  # no worker failed, none is missing
    assert len(list((arena.work / "runs" / "plug_study" / "smoke" / "trials").glob("*.json"))) == 1
    assert arena.snapshot() == before
    no_staging_left(arena)


# --- 5. writes: file-size limits and unwritable targets -----------------------------------------

def files_written(arena) -> dict:
    """The files under runs/, results/ and out/ (Keras's own settings file aside)."""
    return {name: digest for name, digest in arena.snapshot(include_inside=True).items()
            if digest != "dir" and not name.startswith("work/out/keras/")}


def _file_size_limit(limit: int):
    def preexec():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def _no_dac_override():
    """As root, obey permission bits (drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH for the child)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        libc.prctl(24, capability, 0, 0, 0)  # PR_CAPBSET_DROP; fails harmlessly when not root


@pytest.mark.parametrize("command", ["run", "report", "export"])
def test_a_file_size_limit_while_writing_is_one_line_and_leaves_nothing_partial(arena, store, command):
    if command == "run":
        (arena.work / "runs").mkdir()
    else:
        with_store(arena, store)
    argv = {"run": ["run", plugin(arena, depths=(0,)), "--profile", "smoke", "--quiet"], "report": ["report", "depth", *SMOKE, "--quiet"],
            "export": ["export", "tensorboard", "depth", *SMOKE, "out/tb"]}[command]
    before = arena.snapshot()
    inside = files_written(arena)
    done = arena.run(argv, preexec=_file_size_limit(256))
    refused(done.returncode, done.stdout, done.stderr, r"File too large.*ulimit -f")
    assert arena.snapshot() == before
    no_staging_left(arena)
    if command != "run":  # no file written at all: no partial report, no partial event file
        assert files_written(arena) == inside


@pytest.mark.parametrize("target, message", [
    ("out/file", "is a file where a directory is needed"),
    ("out/file/sub", "is a file where a directory is needed"),
    ("out/a\x00b", "NUL"),
])
def test_export_into_a_target_that_is_not_a_directory(arena, store, capsys, target, message):
    with_store(arena, store)
    (arena.work / "out").mkdir()
    (arena.work / "out" / "file").write_text("not a directory\n")
    before = arena.snapshot(include_inside=True)
    code = main(["export", "tensorboard", "depth", *SMOKE, target])
    refused(code, *capsys.readouterr(), message)
    assert arena.snapshot(include_inside=True) == before


def test_export_into_a_read_only_directory(arena, store):
    with_store(arena, store)
    (arena.work / "out" / "ro").mkdir(parents=True)
    (arena.work / "out" / "ro").chmod(0o555)
    before, inside = arena.snapshot(), files_written(arena)
    done = arena.run(["export", "tensorboard", "depth", *SMOKE, "out/ro/tb"], preexec=_no_dac_override)
    (arena.work / "out" / "ro").chmod(0o755)
    refused(done.returncode, done.stdout, done.stderr, r"cannot write to .*out/ro")
    assert arena.snapshot() == before and files_written(arena) == inside
