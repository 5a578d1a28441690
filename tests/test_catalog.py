"""One table of every trial (issue 36): ``suite.load_all`` and ``suite export parquet`` over a
store holding two studies, a selection and a nuisance search."""
import json
from pathlib import Path

import pandas as pd
import pytest

import suite
from suite.cli.main import main


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    runs = tmp_path_factory.mktemp("catalog") / "runs"
    for argv in (["perceptron", "--profile", "smoke", "--seeds", "1"],
                 ["depth", "--profile", "smoke", "--seeds", "1", "--set", "epochs=1"],
                 ["depth", "--profile", "smoke", "--seeds", "1", "--set", "epochs=2"]):
        assert main(["run", *argv, "--runs-dir", str(runs), "--results-dir", str(runs.parent / "res")]) == 0
    return runs


def _records(runs: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(runs.rglob("trials/*.json"))]


def test_load_all_has_a_row_per_trial_and_per_epoch(store):
    catalog = suite.load_all(store)
    records = _records(store)
    assert len(catalog.trials) == len(records) and set(catalog.trials["study"]) == {"perceptron", "depth"}
    assert len(catalog.history) == sum(len(r["history"]) for r in records)
    assert {"config.epochs", "config.learning_rate", "point.depth", "test_accuracy", "status"} <= set(catalog.trials)
    depth = catalog.trials[catalog.trials.study == "depth"]
    assert sorted(depth["config.epochs"].unique()) == [1, 2]  # both selections, told apart by their config


def test_export_parquet_reads_back_in_pandas(store, tmp_path, capsys):
    assert main(["export", "parquet", str(tmp_path / "pq"), "--runs-dir", str(store)]) == 0
    trials = pd.read_parquet(tmp_path / "pq" / "trials.parquet")
    history = pd.read_parquet(tmp_path / "pq" / "history.parquet")
    catalog = suite.load_all(store)
    assert trials.shape == catalog.trials.shape and history.shape == catalog.history.shape
    assert sorted(trials["key"]) == sorted(r["key"] for r in _records(store))
    assert "wrote" in capsys.readouterr().out
