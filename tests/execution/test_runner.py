from collections import Counter

import pytest

from suite.design.plugins import all_studies
from suite.execution import runner
from suite.training import train
from suite.design.study import expand
from suite.store.trial_store import FINISHED, TrialStore

STUDIES = all_studies()


def finished(counts: Counter) -> Counter:
    """Statuses with the results (done, collapsed, diverged: tiny runs may not learn) as one."""
    merged = Counter()
    for status, n in counts.items():
        merged["finished" if status in FINISHED else status] += n
    return merged


def tiny_plan(seeds=2, **overrides):
    return expand(STUDIES["depth"], "smoke", seeds=seeds,
                  overrides={"epochs": 1, "batch_size": 100, **overrides})


@pytest.fixture
def count_calls(monkeypatch):
    calls = Counter()
    real = train.train

    def counting(config, **kwargs):
        calls[(config["depth"], config["seed"])] += 1
        return real(config, **kwargs)

    monkeypatch.setattr(train, "train", counting)
    return calls


def test_runs_every_point_once_and_a_rerun_trains_nothing(tmp_path, count_calls):
    plan = tiny_plan()
    assert finished(runner.run_plan(plan, runner.store_for(plan, tmp_path))) == Counter(finished=10)
    assert set(count_calls.values()) == {1} and len(count_calls) == 10
    assert finished(runner.run_plan(plan, runner.store_for(plan, tmp_path))) == Counter(finished=10)
    assert sum(count_calls.values()) == 10
    record = TrialStore(tmp_path / "depth" / "smoke").get(plan.trials[0].key)
    for field in ("config", "seed", "history", "metrics", "status", "wall_time_s", "environment"):
        assert field in record
    assert {"backend", "device", "packages", "git_commit"} <= set(record["environment"])


def test_interrupted_run_resumes_without_repeating(tmp_path, count_calls, monkeypatch):
    plan = tiny_plan()
    real = train.train

    def dies_on_the_fourth(config, **kwargs):
        if sum(count_calls.values()) == 3:
            raise KeyboardInterrupt  # like a kill: not an Exception, so the run stops here
        return real(config, **kwargs)

    monkeypatch.setattr(train, "train", dies_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        runner.run_plan(plan, runner.store_for(plan, tmp_path))
    assert len(TrialStore(tmp_path / "depth" / "smoke").load(t.key for t in plan.trials)) == 3
    monkeypatch.setattr(train, "train", real)
    assert finished(runner.run_plan(plan, runner.store_for(plan, tmp_path))) == Counter(finished=10)


def test_failed_trial_is_recorded_the_study_goes_on_and_a_rerun_retries(tmp_path, monkeypatch):
    plan = tiny_plan(seeds=1)
    real = train.train

    def breaks_depth_2(config, **kwargs):
        if config["depth"] == 2:
            raise ValueError("bad layer argument")
        return real(config, **kwargs)

    monkeypatch.setattr(train, "train", breaks_depth_2)
    assert finished(runner.run_plan(plan, runner.store_for(plan, tmp_path))) == Counter(finished=4, failed=1)
    failed = [r for r in runner.stored_records(plan, runner.store_for(plan, tmp_path)) if r["status"] == "failed"]
    assert failed[0]["error"] == "ValueError: bad layer argument"
    monkeypatch.setattr(train, "train", real)
    assert finished(runner.run_plan(plan, runner.store_for(plan, tmp_path))) == Counter(finished=5)


def test_fresh_starts_over(tmp_path, count_calls):
    plan = tiny_plan(seeds=1)
    runner.run_plan(plan, runner.store_for(plan, tmp_path))
    runner.run_plan(plan, runner.store_for(plan, tmp_path), fresh=True)
    assert set(count_calls.values()) == {2}


def test_oracle_skips_finished_points_and_stops():
    points = [{"depth": d, "seed": 0} for d in range(3)]
    oracle = runner.StudyGridOracle(points, is_taken=lambda point: point["depth"] == 1)
    assert oracle.populate_space("0")["values"] == points[0]


def test_oracle_keeps_each_worker_on_one_configuration(tmp_path):
    points = [{"depth": d, "seed": s} for d in range(3) for s in range(3)]
    oracle = runner.StudyGridOracle(points, is_taken=lambda point: False)
    oracle._set_project_dir(str(tmp_path), "oracle")
    handed = {"w0": [], "w1": []}
    for tuner in ["w0", "w1"] * 4 + ["w0"]:
        trial = oracle.create_trial(tuner)
        handed[tuner].append(trial.hyperparameters.values["depth"])
        trial.status = "FAILED"  # ended without metrics: this test only looks at the hand-out order
        oracle.end_trial(trial)
    assert handed["w0"][:3] == [0, 0, 0] and handed["w1"][:3] == [1, 1, 1]
    assert sorted(handed["w0"] + handed["w1"]) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
