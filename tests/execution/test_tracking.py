"""Live tracking (issue 36): --tensorboard DIR writes event files while a 2-trial run trains:
one scalar per epoch with increasing wall times, then the final metrics and HParams with the status."""
import json

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import metadata as hparams_metadata

from suite.cli.main import main


def test_a_run_writes_event_files_while_it_trains(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SUITE_TENSORBOARD_DIR", "")  # main sets it in this process: restored (unset) after
    board = tmp_path / "tb"
    code = main(["run", "depth", "--profile", "smoke", "--seeds", "1", "--set", "epochs=3",
                 "--tensorboard", str(board),
                 "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "res")])
    assert code == 0, capsys.readouterr().err
    records = [json.loads(p.read_text()) for p in (tmp_path / "runs").rglob("trials/*.json")]
    runs = sorted({p.parent for p in board.rglob("events.out.tfevents.*")})
    assert len(runs) == len(records) >= 2
    for run in runs[:2]:
        events = EventAccumulator(str(run), size_guidance={"scalars": 0, "tensors": 0}).Reload()
        losses = events.Scalars("epoch/loss")
        assert [e.step for e in losses] == list(range(1, len(losses) + 1)) and len(losses) >= 1
        times = [e.wall_time for e in losses]
        assert times == sorted(times)
        assert "final/test_accuracy" in events.Tags()["scalars"]
        start = hparams_metadata.parse_session_start_info_plugin_data(
            events.SummaryMetadata(hparams_metadata.SESSION_START_INFO_TAG).plugin_data.content)
        assert start.hparams["status"].string_value in ("done", "collapsed", "diverged")
