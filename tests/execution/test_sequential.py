"""The sequential seed design end to end: later looks add seeds only where a rule is still open."""
import suite
from suite import Rule, Study
from suite.analysis import verdicts
from suite.analysis.study_frames import study_trials
from suite.execution import sequential

# Two rules on synthetic data after 1 epoch: 64 units beating 8 by 50 points stays open, and an
# equivalence of a point with itself at a 50-point margin is decided at the first look (5 vs 5
# seeds: the permutation test's floor 1/252 is below the look's Holm level 0.0125 / 2).
STUDY = Study(
    name="seq_api", claim="c", source="s", base={"dataset": "synthetic", "epochs": 1, "depth": 1},
    axes={"width": [8, 64], "activation": ["relu", "tanh"]},
    profiles={"smoke": {"seeds": (5, 8)}},
    clauses=("open", "decided"),
    rules=(Rule("better", {"width": 64, "activation": "relu"}, {"width": 8, "activation": "relu"}, margin=0.5,
                claim="open", says="64 beats 8 by 50 points"),
           Rule("equivalent", {"width": 64, "activation": "tanh"}, {"width": 64, "activation": "tanh"},
                margin=0.5, claim="decided", says="tanh 64 within 50 points of itself")),
)


def test_a_later_look_adds_seeds_only_at_the_open_rules_points(tmp_path):
    result = suite.run(STUDY, profile="smoke", runs_dir=tmp_path / "runs", results_dir=tmp_path / "res")
    seeds = result.trials.groupby(["width", "activation"]).seed.max().to_dict()
    evidence = {item["rule"]: item for item in result.verdict["evidence"]}
    assert evidence["64 beats 8 by 50 points"]["look"] == 2  # open after look 1: seeds 2-3 added at its points
    assert evidence["tanh 64 within 50 points of itself"]["look"] == 1
    assert seeds[(64, "relu")] == 7 and seeds[(8, "relu")] == 7
    assert seeds[(64, "tanh")] == 4 and seeds[(8, "tanh")] == 4  # no rule open there: no more seeds
    assert result.verdict["plan"]["looks"] == [5, 8]
    page = result.page.read_text()
    assert "looks at 5, 8 seeds per point" in page and "trials run per look: look 1: 20, look 2: 6" in page
    # a rerun asks for the same trials and trains nothing
    again = suite.run(STUDY, profile="smoke", runs_dir=tmp_path / "runs", results_dir=tmp_path / "res")
    assert sorted(r["key"] for r in again.records) == sorted(r["key"] for r in result.records)


def test_an_open_rule_on_a_derived_metric_extends_every_point():
    """A slope over sizes (a derived column) at one point reads every point: its new seeds go
    everywhere (learning_curves' power-law R^2 stayed at 5 seeds when only its own point grew)."""
    evidence = [{"verdict": "inconclusive"}, {"verdict": "supported"}]
    assert verdicts.undecided_sides(STUDY, evidence) == [{"width": 64, "activation": "relu"},
                                                         {"width": 8, "activation": "relu"}]
    assert verdicts.undecided_sides(STUDY, evidence, frozenset({"test_accuracy"})) == [{}]
    assert sequential._matches(type("T", (), {"point": {"width": 8, "activation": "tanh", "seed": 6}})(), [{}])


# A replication plan on fresh seeds: looks of 3 and 6 seeds from seed 100. Rule "a" (arm a's
# accuracy >= 50%) is decided at the first look; rule "b" (arm b's >= 85%, its seeds spread around
# it) stays open, so the second look adds seeds 103-105 at arm b only.
REPLICATION = Study(
    name="seq_replication", claim="c", source="s", base={"dataset": "synthetic", "epochs": 1},
    axes={"arm": {"a": {"width": 8}, "b": {"width": 16}}}, profiles={"smoke": {"seeds": (3, 6), "first_seed": 100}},
    clauses=("a", "b"),
    rules=(Rule("within", {"arm": "a"}, bounds=(0.5, None), claim="a", says="a above 50%"),
           Rule("within", {"arm": "b"}, bounds=(0.85, None), claim="b", says="b above 85%")),
)
ACCURACY = {"a": [0.95, 0.951, 0.949, 0.95, 0.95, 0.95], "b": [0.80, 0.90, 0.86, 0.84, 0.88, 0.87]}
ENVIRONMENT = {"backend": "jax", "device": "cpu", "cpu_count": 2, "python": "3", "packages": {}, "git_commit": "x"}


def _record(trial) -> dict:
    """A stored record with a made-up accuracy (``ACCURACY`` by arm and the seed's rank): no training."""
    acc = ACCURACY[trial.point["arm"]][trial.point["seed"] - 100]
    history = [{"epoch": 1, "loss": 0.5, "accuracy": acc, "dev_loss": 0.5, "dev_accuracy": acc, "wall_time_s": 0.1}]
    return {"key": trial.key, "point": trial.point, "seed": trial.config["seed"], "config": trial.config,
            "status": "done", "history": history, "steps_per_epoch": 10, "wall_time_s": 1.0,
            "environment": ENVIRONMENT, "metrics": {"test_accuracy": acc, "best_dev_accuracy": acc}}


def test_a_replications_looks_count_its_own_seeds_from_first_seed():
    plan = suite.plan(REPLICATION, profile="smoke")
    assert sorted({t.point["seed"] for t in plan.trials}) == list(range(100, 106))
    stored = {trial.key: _record(trial) for trial in plan.trials}
    asked = []

    def load(trials):
        asked.append([(t.point["arm"], t.point["seed"]) for t in trials])
        return [stored[t.key] for t in trials]

    trials, look = sequential.planned(plan, load)
    assert asked[0] == [(arm, seed) for arm in "ab" for seed in (100, 101, 102)]  # the first look: 100-102 only
    assert look == 2
    assert sorted((t.point["arm"], t.point["seed"]) for t in trials) == sorted(
        [*asked[0], ("b", 103), ("b", 104), ("b", 105)])  # the open rule's arm gets 103-105, arm a nothing
    records = [stored[t.key] for t in trials]
    assert sequential.seeds_spent(plan, records) == {1: 6, 2: 3}
    frame = study_trials(plan, records)
    evidence = verdicts.judge_looks(REPLICATION, frame, plan.looks, first_seed=plan.first_seed)
    assert [(item["look"], item["n_a"]) for item in evidence] == [(1, 3), (2, 6)]
    assert evidence[0]["verdict"] == "supported"
