"""--mlflow (issue 36): a 2-trial run logs each trial to an MLflow store while it trains (the config
as params, a step per epoch, the status) and the report's files as artifacts; read back with
MlflowClient. Without MLflow, --mlflow is one line naming the extra, before anything trains."""
import json
from pathlib import Path

import pytest

from suite.cli.main import main
from suite.execution import mlflow_tracking

SMOKE = ["run", "depth", "--profile", "smoke", "--seeds", "1", "--set", "epochs=3"]


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.setenv(mlflow_tracking.ENV, "")  # main sets them in this process: restored after
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")


@pytest.mark.skipif(not mlflow_tracking.installed(), reason='mlflow is not installed (pip install -e ".[mlflow]")')
def test_a_run_logs_params_metrics_per_epoch_status_and_the_report(tmp_path, clean_env, capsys):
    from mlflow.tracking import MlflowClient

    store = f"file:{tmp_path / 'mlruns'}"
    code = main([*SMOKE, "--mlflow", store, "--runs-dir", str(tmp_path / "runs"),
                 "--results-dir", str(tmp_path / "res")])
    assert code == 0, capsys.readouterr().err
    records = {r["key"]: r for r in (json.loads(p.read_text()) for p in (tmp_path / "runs").rglob("trials/*.json"))}
    client = MlflowClient(tracking_uri=store)
    experiment = client.get_experiment_by_name("depth")
    runs = client.search_runs([experiment.experiment_id])
    trials = [run for run in runs if run.data.tags.get("suite.kind") != "report"]
    assert len(trials) == len(records) >= 2
    for run in trials:
        record = records[run.data.tags["suite.key"]]
        assert run.data.params["epochs"] == "3" and run.data.params["seed"] == str(record["seed"])
        assert set(run.data.params) == set(record["config"])
        assert run.info.status == "FINISHED" and run.data.tags["suite.status"] == record["status"]
        losses = client.get_metric_history(run.info.run_id, "loss")
        assert sorted(m.step for m in losses) == [row["epoch"] for row in record["history"]] == [1, 2, 3]
        assert [m.value for m in sorted(losses, key=lambda m: m.step)] == pytest.approx(
            [row["loss"] for row in record["history"]])
        assert run.data.metrics["final_test_accuracy"] == pytest.approx(record["metrics"]["test_accuracy"])
    [report] = [run for run in runs if run.data.tags.get("suite.kind") == "report"]
    artifacts = {item.path for item in client.list_artifacts(report.info.run_id)}
    assert {"README.md", "verdict.json", "trials.csv"} <= artifacts


def test_mlflow_not_installed_is_refused_before_training(tmp_path, clean_env, capsys, monkeypatch):
    monkeypatch.setattr(mlflow_tracking, "installed", lambda: False)
    code = main([*SMOKE, "--mlflow", "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "res")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and 'pip install -e ".[mlflow]"' in err[0], err
    assert not (tmp_path / "runs").exists() and not (tmp_path / "res").exists()


@pytest.mark.skipif(not mlflow_tracking.installed(), reason='mlflow is not installed (pip install -e ".[mlflow]")')
@pytest.mark.parametrize("uri", ["", "nosuchscheme://somewhere"])
def test_a_uri_mlflow_refuses_is_one_line(tmp_path, clean_env, capsys, uri):
    code = main([*SMOKE, "--mlflow", uri, "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "res")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--mlflow" in err[0], err
    assert not (tmp_path / "runs").exists()


def test_a_path_becomes_an_absolute_file_uri(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert mlflow_tracking.resolve("mlruns") == (tmp_path / "mlruns").as_uri()
    assert mlflow_tracking.resolve("http://127.0.0.1:5000") == "http://127.0.0.1:5000"
    assert mlflow_tracking.resolve("file:/x/mlruns") == "file:/x/mlruns"


@pytest.mark.skipif(not mlflow_tracking.installed(), reason='mlflow is not installed (pip install -e ".[mlflow]")')
def test_a_search_logs_its_trials_and_report(tmp_path, clean_env, capsys):
    from mlflow.tracking import MlflowClient

    store = f"file:{tmp_path / 'mlruns'}"
    code = main(["search", "mlp_search", "--profile", "smoke", "--tuner", "random", "--max-trials", "2", "--seeds", "1",
                 "--set", "epochs=1", "--keep-models", "none", "--mlflow", store, "--runs-dir", str(tmp_path / "runs"),
                 "--results-dir", str(tmp_path / "res")])
    assert code == 0, capsys.readouterr().err
    client = MlflowClient(tracking_uri=store)
    runs = client.search_runs([client.get_experiment_by_name("mlp_search").experiment_id])
    trials = [run for run in runs if run.data.tags.get("suite.kind") != "report"]
    assert len(trials) >= 3 and all(run.info.status == "FINISHED" for run in trials)  # 2 searched, 1 re-run
    assert all(client.get_metric_history(run.info.run_id, "loss") for run in trials)
    [report] = [run for run in runs if run.data.tags.get("suite.kind") == "report"]
    assert "README.md" in {item.path for item in client.list_artifacts(report.info.run_id)}
