import json
import math
import re

import pandas as pd
import pytest

from suite.design.plugins import all_studies
from suite.analysis.frames import is_percent, metric_range
from suite.cli.main import main

STUDIES = all_studies()

INTERVAL = re.compile(r"\[(-?[\d.]+(?:e-?\d+)?), (-?[\d.]+(?:e-?\d+)?)\]")


def intervals_in_tables(readme: str) -> list[tuple[str, float, float]]:
    """(metric, low, high) for every interval in the markdown tables' metric columns."""
    found, header = [], None
    for line in readme.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if header is None:
            header = cells
        elif not set(line) <= set("|-: "):
            for name, cell in zip(header, cells):
                metric = name.removesuffix(" %")
                found += [(metric, float(low), float(high)) for low, high in INTERVAL.findall(cell)]
    return found


def assert_intervals_in_range(readme: str) -> int:
    scanned = intervals_in_tables(readme)
    for metric, low, high in scanned:
        bottom, top = metric_range(metric)
        scale = 100 if is_percent(metric) else 1
        assert scale * bottom - 1e-9 <= low <= high <= scale * top + 1e-9 or math.isinf(top) and low >= bottom, \
            (metric, low, high)
    return len(scanned)


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

    # every interval in the rendered tables lies inside its metric's range (a smoke run that
    # learned nothing has none to show, so the count is not asserted; the scan's own test is below)
    assert_intervals_in_range((out / "README.md").read_text())

    # the report rebuilds the same tables from the stored trials alone
    (out / "summary.csv").unlink()
    assert main(["report", name, "--profile", "smoke", *dirs]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), summary)


@pytest.mark.parametrize("name", sorted(name for name, study in STUDIES.items() if not study.axes))
def test_search_studies_refuse_run_with_a_pointer_to_search(name, capsys):
    assert main(["run", name, "--profile", "smoke"]) == 2
    assert f"suite search {name}" in capsys.readouterr().err


def test_the_interval_scan_finds_an_interval_outside_its_range():
    readme = "| depth | test_accuracy % | dead_fraction |\n|---|---|---|\n| 4 | 45.00 ± 29.0 [-27.34, 116.77] | 0.1 [0.0, 0.2] |\n"
    assert intervals_in_tables(readme) == [("test_accuracy", -27.34, 116.77), ("dead_fraction", 0.0, 0.2)]
    with pytest.raises(AssertionError):
        assert_intervals_in_range(readme)
