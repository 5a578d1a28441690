import dataclasses
import hashlib
import json
import math

import numpy as np
import pandas as pd
import pytest

from suite.design.plugins import all_studies
from suite.reporting.report import plan_hash, write_report
from suite.design.study import Reference, Rule, Study, expand

STUDIES = all_studies()

ENVIRONMENT = {"backend": "jax", "device": "cpu", "cpu_count": 2, "python": "3", "packages": {}, "git_commit": "x"}


def fake_records(plan, accuracy, noise=0.003):
    """Stored-trial records with made-up numbers (seed-to-seed std ``noise``): the report needs no training."""
    rng = np.random.default_rng(0)
    records = []
    for trial in plan.trials:
        acc = accuracy(trial) + rng.normal(0, noise)
        history = [{"epoch": e, "loss": 2.0 / e, "accuracy": min(1.0, acc + 0.02 * e), "dev_loss": 1.0,
                    "dev_accuracy": acc, "wall_time_s": 0.1} for e in range(1, 4)]
        records.append({"key": trial.key, "point": trial.point, "seed": trial.config["seed"],
                        "config": trial.config, "status": "done", "history": history, "steps_per_epoch": 10,
                        "metrics": {"test_accuracy": acc, "train_accuracy": 1.0, "best_dev_accuracy": acc,
                                    "final_train_accuracy": 1.0,
                                    "epochs_to_100": 3.0 if trial.config["label_corruption"] else math.nan},
                        "wall_time_s": 1.0, "environment": ENVIRONMENT, "splits": {"train": 10}})
    return records


def test_several_axes_get_a_row_per_point_and_default_plots(tmp_path):
    study = Study("two", "c", "s", {"dataset": "synthetic"},
                  {"net": {"small": {"width": 8}, "large": {"width": 16}}, "depth": [0, 1]},
                  {"quick": {"seeds": 2}}, metrics=("test_accuracy", "epochs_to_100"),
                  rules=(Rule("better", {"net": "large"}, {"net": "small"}, margin=0.01, says="large wins"),))
    plan = expand(study, "quick")
    write_report(plan, fake_records(plan, lambda t: 0.8 + 0.1 * (t.point["net"] == "large")), tmp_path)
    readme = (tmp_path / "README.md").read_text()
    assert "axis `net`: `small` = `{\"width\": 8}`" in readme and "large wins: supported" in readme
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(zip(summary.net, summary.depth)) == [("small", 0), ("small", 1), ("large", 0), ("large", 1)]
    assert "never reached (0 of 2 seeds)" in readme  # an epoch count no seed reached
    assert {p.name for p in tmp_path.glob("*.png")} == {"test_accuracy_vs_net.png", "curves_dev_accuracy.png",
                                                        "curves_loss.png"}


def test_study_figures_claims_and_published_numbers(tmp_path):
    plan = expand(STUDIES["memorization"], "quick")
    records = fake_records(plan, lambda t: 0.9 * (1 - t.config["label_corruption"]) + 0.1)
    write_report(plan, records, tmp_path)
    assert {p.name for p in tmp_path.glob("*.png")} == {f"{f.name}.png" for f in STUDIES["memorization"].figures}
    readme = (tmp_path / "README.md").read_text()
    assert readme.count("Published numbers:") == 1
    summary = pd.read_csv(tmp_path / "summary.csv").set_index(["model", "regularizer", "data"])
    assert summary.loc[("mlp_1x512", "none", "random"), "reference_test_accuracy"] == 0.1061
    assert math.isnan(summary.loc[("cnn", "crop_wd", "true"), "reference_train_accuracy"])  # CIFAR-10's, not comparable
    assert "10.61" in readme
    verdict = json.loads((tmp_path / "verdict.json").read_text())
    assert len(verdict["claims"]) == 4 and all(c["evidence"] for c in verdict["claims"])
    trials = pd.read_csv(tmp_path / "trials.csv")
    assert {"label_corruption", "input_transform", "weight_decay", "random_crop"} <= set(trials)


@pytest.mark.parametrize("name", sorted(STUDIES))
def test_every_study_names_existing_axis_values_in_its_references(name):
    study = STUDIES[name]
    for reference in study.references:
        for key in reference.values:
            values = key if isinstance(key, tuple) else (key,)
            assert all(value in study.levels[axis] for axis, value in zip(study.axes, values))


def test_published_numbers_keep_the_decimals_their_source_prints(tmp_path):
    """A reference's ``digits``: 96.90 stays 96.90 and 88 stays 88 (the source's precision, not 96.9 or 88.00)."""
    study = Study("pub", "c", "s", {"dataset": "synthetic"}, {"depth": [0, 1]}, {"quick": {"seeds": 2}},
                  metrics=("test_accuracy", "best_dev_accuracy"),
                  references=(Reference("deck", "test_accuracy", {0: 0.88}, digits=0),
                              Reference("book", "best_dev_accuracy", {1: 0.969}, digits=2)))
    plan = expand(study, "quick")
    write_report(plan, fake_records(plan, lambda t: 0.9), tmp_path)
    rows = [line for line in (tmp_path / "README.md").read_text().splitlines() if line.startswith("| ")]
    assert "| 88 " in rows[1] and "| 96.90 " in rows[2] and "88.00" not in rows[1]


def test_paper_tables_show_ours_beside_published_and_diverged_cells(tmp_path):
    plan = expand(STUDIES["optimizers"], "quick")
    records = fake_records(plan, lambda t: 0.97 - 0.01 * (t.config["optimizer"] == "adadelta"))
    for record in records:  # the study picks each method's rate by its dev accuracy at the last epoch
        record["metrics"]["final_dev_accuracy"] = record["metrics"]["best_dev_accuracy"]
        if record["point"]["optimizer"] == "momentum" and record["point"]["learning_rate"] == 1.0:
            record.update(status="diverged", metrics={})
    write_report(plan, records, tmp_path)
    readme = (tmp_path / "README.md").read_text()
    assert "## Tables in the paper's layout" in readme and "**Table 2.**" in readme
    assert "| learning_rate \\ optimizer | sgd | momentum | adagrad |" in readme
    assert "(2.26) | diverged; published 89.68 | " in readme and "| epsilon = 1e-6 | " in readme and "(1.83)" in readme
    assert {"test_error_vs_learning_rate.png", "adadelta_grid.png"} <= {p.name for p in tmp_path.glob("*.png")}


def test_nuisance_searches_feed_the_sensitivity_figure_and_the_tuned_column(tmp_path):
    study = STUDIES["optimizers_tuned"]
    plan = expand(study, "smoke")
    records = fake_records(plan, lambda t: 0.9)
    searches = [{"tuned_for": {"optimizer": name}, "config": {**plan.trials[0].config, "learning_rate": lr},
                 "status": "done", "metrics": {"best_dev_accuracy": 0.9 - abs(math.log10(lr) + 2) / 10},
                 "key": f"learning_rate={lr}"} for name in ("sgd", "adam") for lr in (1e-3, 1e-2, 1e-1)]
    write_report(plan, records, tmp_path, searches=searches)
    assert (tmp_path / "sensitivity.png").stat().st_size > 0
    frame = pd.read_csv(tmp_path / "nuisance_trials.csv")
    assert list(frame[frame.chosen].learning_rate) == [0.01, 0.01]
    readme = (tmp_path / "README.md").read_text()
    assert "tuned learning_rate" in readme and "6 search trials" in readme


def test_lr_schedule_figure_draws_every_schedule_and_the_plateau_rates(tmp_path):
    from suite.analysis.schedule_frames import schedule_frame

    plan = expand(STUDIES["schedules"], "quick")
    records = fake_records(plan, lambda t: 0.95)
    for record in records:  # the rate each epoch used, as EpochLog records it
        record["metrics"].update(train_loss=0.01, final_dev_accuracy=0.95)
        for row in record["history"]:
            row["learning_rate"] = 0.05 / 10 ** (row["epoch"] - 1)
    frame = schedule_frame(records, "schedule")
    assert list(dict.fromkeys(frame.schedule)) == list(STUDIES["schedules"].axes["schedule"])
    steps = frame.groupby(["schedule", "seed"]).step.max()
    first = plan.first_seed  # the quick profile is a replication on seeds from 100
    assert steps[("cosine", first)] == 15 * 10 - 1 and steps[("plateau", first + 4)] == 3 * 10 - 1  # 3 recorded epochs
    plateau = frame[(frame.schedule == "plateau") & (frame.seed == first)]
    assert list(plateau.learning_rate) == pytest.approx([0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005])
    one_cycle = frame[frame.schedule == "one_cycle"]
    assert one_cycle.momentum.min() == pytest.approx(0.85, abs=1e-3)
    assert (frame[frame.schedule == "constant"].momentum == 0.9).all()
    write_report(plan, records, tmp_path)
    assert {p.name for p in tmp_path.glob("*.png")} == {f"{f.name}.png" for f in STUDIES["schedules"].figures}


def test_figures_in_every_requested_format_linked_from_the_readme(tmp_path):
    plan = expand(STUDIES["depth"], "smoke")
    write_report(plan, fake_records(plan, lambda t: 0.8 + 0.01 * t.point["depth"]), tmp_path,
                 figure_formats=("png", "svg", "pdf"))
    readme = (tmp_path / "README.md").read_text()
    for png in tmp_path.glob("*.png"):
        stem = png.stem
        assert (tmp_path / f"{stem}.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
        assert (tmp_path / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
        assert f"![{stem}]({stem}.png)\n[SVG]({stem}.svg) · [PDF]({stem}.pdf)" in readme


def test_an_epoch_threshold_cell_says_how_many_seeds_never_reached_it():
    from suite.reporting.tables import _cell

    row = pd.Series({"n": 5, "n_diverged": 0, "n_failed": 0, "epochs_to_100_n": 1, "epochs_to_100_mean": 100.0,
                     "epochs_to_100_std": math.nan, "epochs_to_100_ci_low": math.nan, "epochs_to_100_ci_high": math.nan})
    assert _cell(row, "epochs_to_100") == "100.0 (1 of 5 seeds; 4 never reached it)"
    assert _cell(pd.Series({**row, "epochs_to_100_n": 0}), "epochs_to_100") == "never reached (0 of 5 seeds)"


REPLICATED = Study("replicated", "c", "s", {"dataset": "synthetic"}, {"depth": [0, 1]},
                   {"quick": {"seeds": (3, 6), "first_seed": 100}},
                   rules=(Rule("better", {"depth": 1}, {"depth": 0}, margin=0.01, says="deeper wins"),))


def test_a_replication_page_names_its_seed_values(tmp_path):
    plan = expand(REPLICATED, "quick")
    write_report(plan, fake_records(plan, lambda t: 0.8 + 0.1 * t.point["depth"]), tmp_path)
    readme = (tmp_path / "README.md").read_text()
    assert "looks at 3, 6 seeds per point (seeds 100-105), each deciding" in readme
    assert "; 6 seeds (100-105)" in readme
    assert json.loads((tmp_path / "verdict.json").read_text())["plan"]["first_seed"] == 100
    once = expand(REPLICATED, "quick", seeds=4)  # --seeds: one look, the offset stays
    write_report(once, fake_records(once, lambda t: 0.8), tmp_path / "once")
    readme = (tmp_path / "once" / "README.md").read_text()
    assert "Seed plan (declared in the study before the data): 4 seeds per point (seeds 100-103), judged once" in readme


def test_the_plan_hash_tells_a_replication_from_its_pilot():
    plan = expand(REPLICATED, "quick")
    pilot = dataclasses.replace(plan, first_seed=0)
    assert plan_hash(plan) != plan_hash(pilot)
    # first_seed 0 hashes as before it existed: committed pages keep their plan hashes
    study = pilot.study
    before = repr((study.clauses, study.rules, study.axes, study.profiles.get(pilot.profile), pilot.looks,
                   sorted(pilot.overrides.items())))
    assert plan_hash(pilot) == hashlib.sha1(before.encode()).hexdigest()[:12]


@pytest.mark.parametrize("verdict, said", [("supported", "decided at look 2"), ("not_supported", "decided at look 2"),
                                           ("budget_limited", "budget-limited at look 2"),
                                           ("inconclusive", "still open at look 2")])
def test_an_evidence_line_says_decided_only_of_a_decided_rule(verdict, said):
    """batch_size's page said "decided at look 2" of its two inconclusive rules."""
    from suite.reporting.tables import verdict_lines

    item = {"rule": "r", "verdict": verdict, "kind": "better", "detail": "d", "look": 2, "seeds_at_look": 12}
    line = verdict_lines({"verdict": verdict, "evidence": [item], "rule": "how"})[2]
    assert line.endswith(f"; {said} (12 seeds per point)"), line
