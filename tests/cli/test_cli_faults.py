"""Bad input by kind (issue 14): one line, exit 2, no traceback, nothing under results/ or the store
changed; selections write their own reports; progress in words; only the suite's own lines."""
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from suite.design.plugins import all_studies
from suite.analysis import frames as analysis
from suite.design import config
from suite.training import train
from suite.cli.main import main
from suite.design.selection import results_path
from suite.design.study import expand

STUDIES = all_studies()

OPTS = "lr_schedule_options"
MALFORMED = [  # (argv, environment, what the one line must say)
    # --set values: types, non-finite numbers, ranges, absurd sizes
    (["run", "depth", "--set", "epochs=2.0"], {}, "epochs=2.0: epochs is not allowed; expected an int"),
    (["run", "depth", "--set", "epochs=1e22"], {}, "expected an int in"),
    (["run", "depth", "--set", "epochs=10000000000000000000000"], {}, r"expected an int in \[1, 100000\]"),
    (["run", "depth", "--set", "learning_rate=1e400"], {}, "learning_rate=inf: learning_rate is not finite"),
    (["run", "depth", "--set", "learning_rate=-0.1"], {}, r"expected a float in \(0, 10000\]"),
    (["run", "depth", "--set", "learning_rate=fast"], {}, "expected a float"),
    (["run", "depth", "--set", "batch_size=0"], {}, r"expected an int in \[1, "),
    (["run", "depth", "--set", "batch_size=True"], {}, "expected an int"),
    (["run", "depth", "--set", "dropout=1.0"], {}, r"in \[0, 1\)"),
    (["run", "depth", "--set", "label_corruption=1.5"], {}, r"in \[0, 1\]"),
    (["run", "depth", "--set", "width=1000000000"], {}, r"in \[1, 100000\]"),
    (["run", "optimizers", "--set", "depth=-1"], {}, r"in \[0, 1000\]"),
    (["run", "depth", "--set", "conv_filters=8"], {}, "expected a list of int"),
    (["run", "depth", "--set", "conv_filters=[16, 0]"], {}, r"conv_filters\[1\] is not allowed"),
    (["run", "depth", "--set", "train_size=5"], {}, "train_size=5: a stratified subset"),
    # keys: unknown, set by another flag, or overriding an axis whatever their name
    (["run", "depth", "--set", "epoch=5"], {}, "unknown config key 'epoch'.*did you mean 'epochs'"),
    (["run", "depth", "--set", "=3"], {}, "key=value"),
    (["run", "depth", "--set", "seed=3"], {}, "set by --seeds"),
    (["run", "depth", "--set", "backend=numpy"], {}, "set by --backend"),
    (["run", "depth", "--set", "depth=2"], {}, "varies across trials.*axis 'depth'"),
    (["run", "depth", "--set", "widths=[30]"], {}, "'widths' varies across trials.*axis 'depth'"),
    (["run", "memorization", "--set", "label_corruption=0.5"], {}, "varies across trials.*axis 'data'"),
    # registry names and their declared options
    (["run", "depth", "--set", "activation=sigmod"], {}, "unknown activation 'sigmod'"),
    (["run", "depth", "--set", "optimizer_options={'bogus': 1}"], {}, "optimizer 'sgd' has no option 'bogus'"),
    (["run", "depth", "--set", "optimizer=adam", "--set", "optimizer_options={'beta_1': 1.5}"], {},
     r"option 'beta_1' 1.5 is out of range: a float in \[0, 1\)"),
    (["run", "depth", "--set", "lr_schedule=sgdr", "--set", f"{OPTS}={{'cycles': 0}}"], {},
     r"option 'cycles' 0 is out of range: an int in \[1, 10000\]"),
    (["run", "depth", "--set", "lr_schedule=sgdr", "--set", f"{OPTS}={{'t_mul': 0.5}}"], {},
     r"option 't_mul' 0.5 is out of range: a float in \[1, 100\]"),
    (["run", "depth", "--set", "lr_schedule=piecewise", "--set", f"{OPTS}={{'boundaries': [5], 'multipliers': [1]}}"],
     {}, "needs one more multiplier than boundaries"),
    (["run", "depth", "--set", "lr_callback=reduce_on_plateau", "--set", "lr_callback_options={'monitor': 'dev_loss'}"],
     {}, "option 'monitor' 'dev_loss' is not one of 'val_loss'"),
    (["run", "depth", "--set", "lr_callback=reduce_on_plateau",
      "--set", "lr_callback_options={'monitor': 'val_accuracy'}"], {}, "option 'monitor' 'val_accuracy'"),
    (["run", "depth", "--set", "lr_callback_options=[1]"], {}, "expected a dict"),
    (["run", "depth", "--set", "lr_callback=reduce_on_plateau", "--set", "lr_schedule=cosine"], {},
     "needs lr_schedule=constant"),
    (["run", "depth", "--set", "optimizer=adam", "--set", "momentum_schedule=one_cycle"], {},
     "needs an SGD optimizer"),
    # selection flags
    (["run", "depth", "--seeds", "0"], {}, "need 1 to 10000 seeds"),
    (["run", "depth", "--seeds", "1000000000"], {}, "need 1 to 10000 seeds"),
    (["run", "depth", "--seeds", "three"], {}, "invalid int value"),
    (["run", "depth", "--profile", "fast"], {}, "unknown profile 'fast'"),
    (["run", "depth", "--dataset", "mnist10k"], {}, "unknown dataset 'mnist10k'"),
    (["run", "dept"], {}, "unknown study 'dept'"),
    (["run", "depth", "--workers", "0"], {}, "must be >= 1"),
    (["report", "depth", "--seeds", "5"], {}, "no stored trials"),
    (["search", "depth"], {}, "declares no search space"),
    (["search", "mlp_search", "--max-trials", "0"], {}, "must be >= 1"),
    (["search", "mlp_search", "--tuner", "annealing"], {}, "invalid choice"),
    # clusters
    (["run", "depth", "--cluster", "tcp://host:99999"], {}, "neither local:N nor a Dask scheduler address"),
    (["run", "depth", "--cluster", "scheduler:8786"], {}, "neither local:N nor a Dask scheduler address"),
    (["run", "depth", "--cluster", "local:0"], {}, "must be >= 1"),
    (["run", "depth", "--cluster", "local:2", "--workers", "2"], {}, "give one"),
    (["run", "depth", "--role", "chief"], {}, "unrecognized arguments: --role chief"),
    # environment
    (["run", "depth"], {"KERAS_BACKEND": "numpy"}, "KERAS_BACKEND=numpy is not a backend the suite supports"),
    (["run", "depth"], {"KERAS_BACKEND": "torch"}, "KERAS_BACKEND=torch is not a backend"),
    (["run", "depth", "--backend", "numpy"], {}, "invalid choice: 'numpy'"),
]


def checksum(root: Path) -> str:
    digest = hashlib.sha1()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working directory holding a committed report and a store, at the default paths."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("SUITE_RESULTS_DIR", raising=False)
    monkeypatch.delenv("SUITE_RUNS_DIR", raising=False)
    monkeypatch.setenv("SUITE_QUIET", "0")  # restored after the test, unlike a delenv of an unset name
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    for path in ("results/depth/README.md", "runs/depth/quick/trials/depth=1-seed=0-x.json"):
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text("kept\n")
    return work


def test_the_corpus_is_large_and_distinct():
    assert len(MALFORMED) >= 40
    assert len({(tuple(argv), tuple(env.items())) for argv, env, _ in MALFORMED}) == len(MALFORMED)


@pytest.mark.parametrize("argv, env, message", MALFORMED, ids=[" ".join(a[1:])[:60] for a, _, _ in MALFORMED])
def test_malformed_input_is_one_line_exit_2_and_changes_nothing(argv, env, message, workdir, monkeypatch, capsys):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    before = checksum(workdir)
    code = main(argv)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and len(lines) == 1, (code, out, err)
    assert lines[0].startswith("suite: error: ") and "Traceback" not in err
    assert re.search(message, lines[0]), lines[0]
    assert checksum(workdir) == before  # nothing under results/ or the store created or changed


def test_a_selection_writes_its_own_report_and_retries_count_in_words(workdir, monkeypatch, capsys, per_trial):
    real = train.train

    def breaks(config, **kwargs):
        if config["depth"] in (2, 3):
            raise MemoryError("out of memory in a test")
        return real(config, **kwargs)

    monkeypatch.setattr(train, "train", breaks)
    argv = ["run", "depth", "--profile", "smoke", "--seeds", "1", "--set", "epochs=1", "--set", "batch_size=100"]
    committed = workdir / "results" / "depth"
    (committed / "smoke").mkdir()
    (committed / "smoke" / "README.md").write_text("the profile's own report\n")
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "2 trials failed" in err
    assert re.search(r"trial 1/5 depth=0, seed=0: dev \d+\.\d\d% test \d+\.\d\d%", err)
    own = committed / "smoke" / "seeds=1,batch_size=100,epochs=1"
    assert (own / "README.md").exists()
    assert (committed / "smoke" / "README.md").read_text() == "the profile's own report\n"
    monkeypatch.setattr(train, "train", real)
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "3 finished earlier, 2 failed earlier (retried), 0 to run" in err
    assert re.findall(r"trial (\d)/5", err) == ["4", "5"]  # the retried trials, counted once each
    readme = (own / "README.md").read_text()
    assert "1 seed;" in readme or "1 seed\n" in readme or "1 seed " in readme
    assert "backend: jax" in readme


def test_results_directories_are_named_by_the_selection(tmp_path):
    depth = STUDIES["depth"]
    root = tmp_path / "results"
    assert results_path(root, expand(depth, "quick"), None) == root / "depth"
    own = STUDIES["hpo_algorithms"].profiles["quick"]["seeds"]  # one look: --seeds of the same count is the profile's own
    assert results_path(root, expand(STUDIES["hpo_algorithms"], "quick", seeds=own), own) == root / "hpo_algorithms"
    # a sequential plan (looks) is never the same selection as a fixed count
    assert results_path(root, expand(depth, "quick", seeds=12), 12) == root / "depth" / "seeds=12"
    assert results_path(root, expand(depth, "quick", seeds=1, overrides={"epochs": 2}), 1) == \
        root / "depth" / "seeds=1,epochs=2"
    assert results_path(root, expand(depth, "smoke", dataset="mnist_10k"), None) == \
        root / "depth" / "smoke" / "dataset=mnist_10k"
    assert results_path(root, expand(depth, "quick", backend="tensorflow", deterministic=True), None) == \
        root / "depth" / "backend=tensorflow,deterministic"
    assert results_path(root, expand(depth, "quick", seeds=1), 1, by_selection=False) == root / "depth"


def test_axis_values_win_over_a_logged_column_of_the_same_name():
    record = {"point": {"learning_rate": 1e-4, "seed": 0}, "config": {"learning_rate": 1e-4}, "seed": 0,
              "steps_per_epoch": 10, "history": [{"epoch": 1, "loss": 1.0, "learning_rate": 9.999999747378752e-05}]}
    frame = analysis.history_frame([record], ["learning_rate"])
    assert frame.learning_rate.tolist() == [1e-4]


def test_the_recorded_rate_is_the_one_the_epoch_used(tiny_config):
    config = {**tiny_config, "epochs": 3, "lr_schedule": "exponential",
              "lr_schedule_options": {"decay_rate": 0.5, "staircase": True}}
    rates = [row["learning_rate"] for row in train.train(config)["history"]]
    assert rates == pytest.approx([0.1, 0.05, 0.025])


def test_dev_selected_trials_leave_the_test_split_unseen(tiny_config):
    outcome = train.train(tiny_config, evaluate_test=False)
    assert "best_dev_accuracy" in outcome["metrics"] and "train_accuracy" in outcome["metrics"]
    assert not {"test_accuracy", "test_loss"} & set(outcome["metrics"])


def test_keys_version_and_quiet(capsys, monkeypatch):
    monkeypatch.setenv("SUITE_QUIET", "0")  # restored after the test, unlike a delenv of an unset name
    assert main(["keys"]) == 0
    out = capsys.readouterr().out
    assert all(f"\n{name} (" in out for name in config.FIELDS)
    schedules = out.split("\nlr_schedule (")[1].split("\n")[1]
    assert schedules.startswith("  allowed: one of ") and "sgdr" in schedules and "one_cycle" in schedules
    assert main(["--version"]) == 0 and re.match(r"suite \S+", capsys.readouterr().out)
    assert main(["list", "--quiet"]) == 0 and os.environ["SUITE_QUIET"] == "1"


def test_only_the_suites_own_lines_on_tensorflow_deterministic(tmp_path):
    """TensorFlow's banners, the cuInit error and determinism warnings stay hidden; --quiet
    leaves the one result line (without --quiet: tests/end_to_end/test_robustness.py's determinism test)."""
    argv = [sys.executable, "-m", "suite.cli.main", "run", "depth", "--profile", "smoke", "--seeds", "1",
            "--set", "epochs=1", "--set", "batch_size=100", "--backend", "tensorflow", "--deterministic",
            "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")]
    quiet = subprocess.run([*argv, "--quiet"], capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    assert re.fullmatch(r"\[depth\] wrote \S+ \(.*, 0 failed, 0 missing\)\n", quiet.stdout), quiet.stdout
    records = [json.loads(p.read_text()) for p in (tmp_path / "runs" / "depth" / "smoke" / "trials").glob("*.json")]
    assert {r["config"]["backend"] for r in records} == {"tensorflow"} and len(records) == 5
    trials = pd.read_csv(tmp_path / "results" / "depth" / "smoke" / "trials.csv")
    assert set(trials.backend) == {"tensorflow"}


def test_an_exhausted_search_space_says_so(tmp_path, monkeypatch, capsys):
    import dataclasses

    monkeypatch.setenv("SUITE_QUIET", "0")  # restored after the test, unlike a delenv of an unset name
    tiny = dataclasses.replace(STUDIES["mlp_search"], name="tiny_search", search={"depth": {"choice": [1, 2]}})
    monkeypatch.setitem(STUDIES, "tiny_search", tiny)
    argv = ["search", "tiny_search", "--profile", "smoke", "--tuner", "grid", "--max-trials", "5",
            "--set", "epochs=1", "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "the grid search space is exhausted after 2 trials of the --max-trials 5" in err
    assert re.findall(r"trial (\d)/5", err) == ["1", "2"]
