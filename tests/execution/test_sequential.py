"""The sequential seed design end to end: later looks add seeds only where a rule is still open."""
import suite
from suite import Rule, Study
from suite.analysis import verdicts
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
