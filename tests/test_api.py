"""The Python API (issue 32): run, load and report a study from a notebook, get frames back; the
CLI's compare and export read only the selection asked for, as report does."""
import subprocess
import sys

import pandas as pd
import pytest

import suite
from suite.cli.main import main

INLINE = suite.Study(
    name="api_width", claim="64 sigmoid units beat 8", source="a test",
    base={"model": "mlp", "depth": 1, "activation": "sigmoid", "learning_rate": 0.5},
    axes={"width": [8, 64]},
    profiles={"smoke": {"dataset": "synthetic", "epochs": 2, "batch_size": 50, "seeds": 2}},
    rules=(suite.Rule("better", a={"width": 64}, b={"width": 8}, margin=0.0, says="64 beat 8"),),
)


def test_the_public_surface_is_named():
    assert {"run", "load", "report", "studies", "Study", "Rule", "Result", "UserError"} <= set(dir(suite))
    assert "depth" in suite.studies()


def test_an_inline_study_runs_and_gives_frames(tmp_path):
    result = suite.run(INLINE, profile="smoke", runs_dir=str(tmp_path / "runs"), results_dir=tmp_path / "res")
    assert isinstance(result.trials, pd.DataFrame) and len(result.trials) == 4
    assert set(result.trials["width"]) == {8, 64} and "test_accuracy" in result.trials
    assert len(result.history) == 4 * 2 and {"epoch", "dev_accuracy"} <= set(result.history.columns)
    assert len(result.summary) == 2
    assert result.verdict["verdict"] in ("supported", "not supported", "inconclusive")
    assert result.figures and all(hasattr(figure, "savefig") for figure in result.figures.values())
    assert result.page == tmp_path / "res" / "api_width" / "smoke" / "README.md" and result.page.is_file()
    loaded = suite.load(INLINE, profile="smoke", runs_dir=tmp_path / "runs")  # no training, nothing written
    assert loaded.page is None and sorted(r["key"] for r in loaded.records) == sorted(r["key"] for r in result.records)
    pd.testing.assert_frame_equal(loaded.trials, result.trials)
    # another selection of the same profile (a newcomer's load without the run's overrides): the
    # message said to run the study first, though the store held these trials
    with pytest.raises(suite.UserError, match="holds 4 of other selections; give the same overrides"):
        suite.load(INLINE, profile="smoke", overrides={"epochs": 1}, runs_dir=tmp_path / "runs")


def test_refusals_raise_the_cli_line(tmp_path):
    with pytest.raises(suite.UserError, match="unknown config key 'epoch'"):
        suite.run(INLINE, profile="smoke", overrides={"epoch": 1}, runs_dir=tmp_path)
    with pytest.raises(suite.UserError, match="no stored trials"):
        suite.load("depth", profile="smoke", runs_dir=tmp_path)


def test_the_issue_command_works_in_a_fresh_interpreter(tmp_path):
    code = ("import suite; r = suite.run('depth', profile='smoke', overrides={'epochs': 1}, seeds=1, "
            "runs_dir='scratch/runs', results_dir='scratch/results'); print(r.trials.shape, r.verdict['verdict'])")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1].startswith("(5, ")


@pytest.fixture(scope="module")
def two_selections(tmp_path_factory):
    """The same study stored under two selections (epochs 1 and 2), in two stores A and B."""
    tmp_path = tmp_path_factory.mktemp("selections")
    for store in ("A", "B"):
        for epochs in (1, 2):
            suite.run(INLINE, profile="smoke", overrides={"epochs": epochs}, runs_dir=tmp_path / store,
                      results_dir=tmp_path / "res")
    return tmp_path


def _stored_file(tmp_path) -> str:
    """INLINE as a study file, which the CLI can name."""
    path = tmp_path / "api_width_study.py"
    path.write_text("from suite import Rule, Study\nSTUDY = Study(name='api_width', claim='c', source='s', "
                    "base={'model': 'mlp', 'depth': 1, 'activation': 'sigmoid', 'learning_rate': 0.5}, "
                    "axes={'width': [8, 64]}, profiles={'smoke': {'dataset': 'synthetic', 'epochs': 2, "
                    "'batch_size': 50, 'seeds': 2}})\n")
    return str(path)


def test_compare_reads_only_the_selection_asked_for(two_selections, capsys):
    """Fault 6: with two selections stored, compare pooled both into n = 4 seeds a side."""
    study = _stored_file(two_selections)
    code = main(["compare", study, "--profile", "smoke", "--set", "epochs=1",
                 "--runs-dir", str(two_selections / "A"), "--runs-dir", str(two_selections / "B")])
    out = capsys.readouterr().out
    assert code == 0, out
    table = [line for line in out.splitlines() if line.startswith("|") and "test_accuracy" in line]
    assert table and all(cells[2].strip() == "2" and cells[4].strip() == "2"
                         for cells in (line.split("|")[1:] for line in table)), out


def test_export_reads_only_the_selection_and_a_rerun_replaces_its_runs(two_selections, tmp_path, capsys):
    """Fault 6: export wrote four configurations into one run, and a re-export added files."""
    study, out = _stored_file(two_selections), tmp_path / "tb"
    argv = ["export", "tensorboard", study, str(out), "--profile", "smoke", "--set", "epochs=2",
            "--runs-dir", str(two_selections / "A")]
    assert main(argv) == 0
    first = sorted(p.relative_to(out) for p in out.rglob("events.out.tfevents.*"))
    assert len(first) == 1 + 4  # the experiment's hparams config, one run per trial of this selection
    assert main(argv) == 0
    assert len(list(out.rglob("events.out.tfevents.*"))) == len(first)
    capsys.readouterr()
