import json

import pandas as pd
import pytest

from studies import STUDIES
from suite.cli import main


@pytest.mark.parametrize("name", sorted(name for name, study in STUDIES.items() if study.axes))
def test_every_study_runs_end_to_end_on_smoke(name, tmp_path, capsys):
    dirs = ["--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")]
    assert main(["run", name, "--profile", "smoke", *dirs]) == 0
    out = tmp_path / "results" / name / "smoke"
    for artifact in ("README.md", "trials.csv", "summary.csv", "verdict.json"):
        assert (out / artifact).stat().st_size > 0
    assert list(out.glob("*.png"))
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["verdict"] in {"supported", "not_supported", "inconclusive"}
    summary = pd.read_csv(out / "summary.csv")
    study = STUDIES[name]
    for metric in study.metrics:
        assert {f"{metric}_mean", f"{metric}_std", f"{metric}_ci_low", f"{metric}_ci_high"} <= set(summary)
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == len(summary) * study.profiles["smoke"]["seeds"]

    # the report rebuilds the same tables from the stored trials alone
    (out / "summary.csv").unlink()
    assert main(["report", name, "--profile", "smoke", *dirs]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), summary)


@pytest.mark.parametrize("name", sorted(name for name, study in STUDIES.items() if not study.axes))
def test_search_studies_refuse_run_with_a_pointer_to_search(name, capsys):
    assert main(["run", name, "--profile", "smoke"]) == 2
    assert f"suite search {name}" in capsys.readouterr().err
