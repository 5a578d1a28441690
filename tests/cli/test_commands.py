"""show, compare, clean and export tensorboard, on stored records written here (no training)."""
import io
import json
import math
from pathlib import Path

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import metadata as hparams_metadata

from suite.design.plugins import all_studies
from suite.cli.main import main
from suite.design.study import expand
from suite.store.trial_store import TrialStore

STUDIES = all_studies()


def store_depth(runs_dir: Path, shift: float = 0.0) -> list[dict]:
    """The depth study's smoke plan as stored records with made-up but distinct numbers."""
    plan = expand(STUDIES["depth"], "smoke")
    store = TrialStore(runs_dir / "depth" / "smoke")
    records = []
    for trial in plan.trials:
        depth, seed = trial.point["depth"], trial.point["seed"]
        accuracy = 0.5 + 0.1 * depth + 0.01 * seed + shift
        record = {"key": trial.key, "point": trial.point, "config": trial.config, "seed": seed,
                  "status": "done", "wall_time_s": 1.0, "started_at": "2026-01-01T00:00:00+00:00",
                  "environment": {"backend": "jax"},
                  "history": [{"epoch": e, "loss": 1.0 / e, "dev_accuracy": accuracy - 0.1 / e} for e in (1, 2)],
                  "metrics": {"test_accuracy": accuracy, "best_dev_accuracy": accuracy,
                              "final_train_accuracy": accuracy, "epochs_to_100": math.nan}}
        store.put(record)
        records.append(record)
    return records


def test_export_tensorboard_reads_back(tmp_path, capsys):
    records = store_depth(tmp_path / "runs")
    out = tmp_path / "tb"
    code = main(["export", "tensorboard", "depth", "--profile", "smoke", str(out), "--runs-dir", str(tmp_path / "runs")])
    assert code == 0, capsys.readouterr().err
    top = EventAccumulator(str(out), size_guidance={"tensors": 0}).Reload()
    assert top.Tags()["tensors"] == [hparams_metadata.EXPERIMENT_TAG]
    experiment = hparams_metadata.parse_experiment_plugin_data(
        top.SummaryMetadata(hparams_metadata.EXPERIMENT_TAG).plugin_data.content)
    assert {h.name for h in experiment.hparam_infos} == {"depth", "seed", "status"}
    assert "final/test_accuracy" in {m.name.tag for m in experiment.metric_infos}
    for record in records:
        run = EventAccumulator(str(out / f"depth={record['point']['depth']}" / f"seed_{record['seed']}"),
                               size_guidance={"scalars": 0, "tensors": 0}).Reload()
        assert [e.value for e in run.Scalars("epoch/loss")] == pytest.approx([1.0, 0.5])
        assert [e.step for e in run.Scalars("epoch/dev_accuracy")] == [1, 2]
        assert run.Scalars("final/test_accuracy")[0].value == pytest.approx(record["metrics"]["test_accuracy"])
        assert "final/epochs_to_100" not in run.Tags()["scalars"]  # NaN: never reached, not a number
        start = hparams_metadata.parse_session_start_info_plugin_data(
            run.SummaryMetadata(hparams_metadata.SESSION_START_INFO_TAG).plugin_data.content)
        assert start.hparams["depth"].number_value == record["point"]["depth"]
        assert start.hparams["seed"].number_value == record["seed"]
        assert start.hparams["status"].string_value == record["status"]
        times = [e.wall_time for e in run.Scalars("epoch/loss")]  # each epoch at its own end, in order
        assert times == sorted(times) and (len(set(times)) == len(times) or not any(
            row.get("wall_time_s") for row in record["history"]))


def test_compare_shows_the_difference_per_point(tmp_path, capsys):
    store_depth(tmp_path / "a")
    store_depth(tmp_path / "b", shift=0.02)
    code = main(["compare", "depth", "--profile", "smoke", "--runs-dir", str(tmp_path / "a"),
                 "--runs-dir", str(tmp_path / "b")])
    out = capsys.readouterr().out
    assert code == 0
    rows = [line for line in out.splitlines() if "test_accuracy" in line and "|" in line]
    assert len(rows) == 5 and all("0.02" in row for row in rows)


def test_compare_needs_two_stores_with_trials(tmp_path, capsys):
    store_depth(tmp_path / "a")
    code = main(["compare", "depth", "--profile", "smoke", "--runs-dir", str(tmp_path / "a"),
                 "--runs-dir", str(tmp_path / "empty")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "no stored trials" in err[0] and "empty" in err[0]


def test_show_prints_verdict_and_headline_table(capsys):
    code = main(["show", "depth", "--results-dir", str(Path(__file__).resolve().parents[2] / "results")])
    out = capsys.readouterr().out
    verdict = json.loads((Path(__file__).resolve().parents[2] / "results" / "depth" / "verdict.json").read_text())
    assert code == 0 and f"verdict: {verdict['verdict'].replace('_', ' ')}" in out
    assert "| depth" in out.replace("|   depth", "| depth")


def test_show_without_results_is_one_line(tmp_path, capsys):
    code = main(["show", "depth", "--results-dir", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "suite run depth" in err[0]


@pytest.mark.parametrize("answer, removed", [("y\n", True), ("n\n", False), ("", False)])
def test_clean_asks_first(tmp_path, capsys, monkeypatch, answer, removed):
    store_depth(tmp_path / "runs")
    stdin = io.StringIO(answer)
    stdin.isatty = lambda: True
    monkeypatch.setattr("sys.stdin", stdin)
    code = main(["clean", "depth", "--runs-dir", str(tmp_path / "runs")])
    assert code == 0 and (tmp_path / "runs" / "depth").exists() != removed


def test_clean_without_terminal_needs_yes(tmp_path, capsys, monkeypatch):
    store_depth(tmp_path / "runs")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["clean", "depth", "--runs-dir", str(tmp_path / "runs")]) == 2
    assert (tmp_path / "runs" / "depth").exists()
    assert main(["clean", "depth", "--profile", "smoke", "--yes", "--runs-dir", str(tmp_path / "runs")]) == 0
    assert not (tmp_path / "runs" / "depth" / "smoke").exists() and "removed" in capsys.readouterr().out
