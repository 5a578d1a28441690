"""Kills, divergence, failures, bad input and concurrent writers, end to end through the CLI."""
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from suite.training import outcomes
from suite.training import train
from suite.cli.main import main
from suite.store.trial_store import FINISHED

SMOKE = ["depth", "--profile", "smoke", "--seeds", "2", "--set", "epochs=1", "--set", "batch_size=100"]


def start(tmp_path, *extra):
    return subprocess.Popen([sys.executable, "-m", "suite.cli.main", "run", *SMOKE, *extra,
                             "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def trials_dir(tmp_path) -> Path:
    return tmp_path / "runs" / "depth" / "smoke" / "trials"


def records(tmp_path) -> dict:
    return {path.stem: json.loads(path.read_text()) for path in trials_dir(tmp_path).glob("*.json")}


def trained(stderr: str) -> list[str]:
    return re.findall(r"trial \d+/\d+ (depth=\d+, seed=\d+):", stderr)


def test_sigkill_at_random_points_then_rerun_completes_everything_once(tmp_path):
    rng = random.Random(0)
    seen = []
    for _ in range(2):
        process = start(tmp_path)
        time.sleep(rng.uniform(4, 9))
        process.send_signal(signal.SIGKILL)
        seen += trained(process.communicate()[1])
        for record in records(tmp_path).values():  # every stored file parses and is whole
            assert record["status"] in FINISHED and record["history"]
        assert not list(trials_dir(tmp_path).glob("*.tmp")) if trials_dir(tmp_path).exists() else True
    final = start(tmp_path)
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err
    seen += trained(err)
    assert len(records(tmp_path)) == 10
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 10  # no trial finished twice


def test_two_processes_on_one_store_never_train_a_trial_twice(tmp_path):
    first, second = start(tmp_path), start(tmp_path)
    outputs = [process.communicate(timeout=300) for process in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    ran = trained(outputs[0][1]) + trained(outputs[1][1])
    assert len(ran) == len(set(ran)) == 10
    assert len(records(tmp_path)) == 10
    assert "0 failed, 0 missing" in outputs[0][0] + outputs[1][0]  # whoever finished last reported everything


def test_divergence_is_a_cell_not_a_number(tmp_path, capsys):
    argv = ["run", *SMOKE, "--set", "optimizer=momentum", "--set", "learning_rate=100.0",
            "--set", "activation=linear", "--runs-dir", str(tmp_path / "runs"),
            "--results-dir", str(tmp_path / "results")]
    assert main(argv) == 0
    stored = records(tmp_path).values()
    diverged = [r for r in stored if r["status"] == "diverged"]
    assert diverged
    # A NaN loss ends the run at once with no metrics; a finite blow-up (issue 12's outcome
    # classes: final loss > BLOWUP_FACTOR x the chance loss) finishes its epochs and is diverged too.
    for record in diverged:
        if record["diverged_epoch"] is not None:
            assert record["diverged_epoch"] == 1 and record["metrics"] == {}
        else:
            assert record["history"][-1]["loss"] > outcomes.BLOWUP_FACTOR * outcomes.record_references(record).loss
    readme = (tmp_path / "results" / "depth" / "smoke" / "README.md").read_text()
    assert "| diverged" in readme


def test_a_failing_trial_exits_1_with_a_summary_and_a_rerun_retries(tmp_path, capsys, monkeypatch, per_trial):
    real = train.train

    def breaks_depth_3(config, **kwargs):
        if config["depth"] == 3:
            raise MemoryError("out of memory in a test")
        return real(config, **kwargs)

    monkeypatch.setattr(train, "train", breaks_depth_3)
    argv = ["run", *SMOKE, "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert "2 trials failed" in err[-1] and "MemoryError: out of memory in a test" in err[-1]
    monkeypatch.setattr(train, "train", real)
    assert main(argv) == 0
    assert all(r["status"] in FINISHED for r in records(tmp_path).values())


BAD_INPUTS = [
    (["run", "depht"], "unknown study"),
    (["run", "depth", "--set", "optimizer=adamm"], "unknown optimizer"),
    (["run", "depth", "--set", "kernel_initializer=glorot"], "unknown initializer"),
    (["run", "depth", "--set", "learning_rate=fast"], "expected a float"),
    (["run", "depth", "--set", "batch_size=-3"], r"expected an int in \[1, "),
    (["run", "depth", "--set", "dropout=2"], r"in \[0, 1\)"),
    (["run", "depth", "--set", "=3"], "key=value"),
    (["run", "depth", "--seeds", "0"], "need 1 to 10000 seeds"),
    (["run", "depth", "--workers", "0"], "must be >= 1"),
    (["search", "depth", "--max-trials", "2"], "declares no search space"),
    (["search", "mlp_search", "--tuner", "annealing"], "invalid choice"),
    (["report", "depth", "--profile", "paper"], "not available offline|no stored trials"),
]


@pytest.mark.parametrize("argv, message", BAD_INPUTS)
def test_bad_input_corpus(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    code = main([*argv, "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and re.search(message, err[0]), err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").rglob("*.json"))


@pytest.mark.parametrize("damage", ["truncate", "garbage", "foreign"])
def test_damaged_trial_records_stop_the_run_and_are_kept(damage, tmp_path, capsys):
    argv = ["run", *SMOKE, "--seeds", "1", "--runs-dir", str(tmp_path / "runs"),
            "--results-dir", str(tmp_path / "results")]
    assert main(argv) == 0
    victim = sorted(trials_dir(tmp_path).glob("*.json"))[0]
    text = victim.read_text()
    damaged = {"truncate": text[: len(text) // 2], "garbage": "\x00\x01not json",
               "foreign": json.dumps({"key": "someone-else", "status": "done"})}[damage]
    victim.write_text(damaged)
    before = {p: p.read_bytes() for p in (tmp_path / "results").rglob("*") if p.is_file()}
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and victim.name in err[0] and "move it away" in err[0]
    assert victim.read_text() == damaged  # never deleted or rewritten
    assert before == {p: p.read_bytes() for p in (tmp_path / "results").rglob("*") if p.is_file()}


def test_bad_input_never_prints_a_traceback(tmp_path):
    for argv in (["run", "depth", "--set", "epochs=[1"], ["run", "depth", "--dataset", "cifar10"]):
        result = subprocess.run([sys.executable, "-m", "suite.cli.main", *argv], capture_output=True, text=True,
                                cwd=tmp_path, env=dict(os.environ, KERAS_HOME=str(tmp_path)))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines()[-1].startswith("suite: error: ")


@pytest.mark.parametrize("backend, switch", [("tensorflow", "--deterministic"), ("jax", None)])
def test_same_seed_same_machine_gives_bit_identical_histories(backend, switch, tmp_path):
    runs = []
    for attempt in range(2):
        argv = [sys.executable, "-m", "suite.cli.main", "run", *SMOKE, "--seeds", "1", "--backend", backend,
                "--runs-dir", str(tmp_path / f"runs{attempt}"), "--results-dir", str(tmp_path / "results")]
        result = subprocess.run(argv + ([switch] if switch else []), capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        # only the suite's own lines: no TensorFlow/absl banners, cuInit errors or warnings
        assert all(line.startswith("[depth]") for line in result.stderr.splitlines()), result.stderr
        stored = tmp_path / f"runs{attempt}" / "depth" / "smoke" / "trials"
        runs.append({p.name: json.loads(p.read_text()) for p in stored.glob("*.json")})
    assert runs[0].keys() == runs[1].keys()
    for name, record in runs[0].items():
        strip = lambda rows: [{k: v for k, v in row.items() if k != "wall_time_s"} for row in rows]
        assert strip(record["history"]) == strip(runs[1][name]["history"])
        assert record["metrics"] == runs[1][name]["metrics"]
        if switch:
            assert record["environment"]["env"]["SUITE_DETERMINISTIC"] == "1"
