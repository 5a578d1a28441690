import pytest

from frames import GRID, TRIALS
from studies import STUDIES
from suite import verdicts
from suite.study import Rule


@pytest.mark.parametrize("rule, expected", [
    (Rule("better", {"depth": 1}, {"depth": 0}, "test_accuracy", 0.01, ""), "supported"),
    (Rule("better", {"depth": 0}, {"depth": 1}, "test_accuracy", 0.01, ""), "not_supported"),
    (Rule("not_better", {"depth": 0}, {"depth": 1}, "test_accuracy", 0.01, ""), "supported"),
    (Rule("not_better", {"depth": 1}, {"depth": 0}, "test_accuracy", 0.01, ""), "not_supported"),
])
def test_rules(rule, expected):
    assert verdicts.judge(rule, TRIALS)["verdict"] == expected


def test_too_few_seeds_is_inconclusive():
    rule = Rule("better", {"depth": 1}, {"depth": 0}, "test_accuracy", 0.01, "")
    assert verdicts.judge(rule, TRIALS[TRIALS.seed == 0])["verdict"] == "inconclusive"


def test_overall_verdict_combines_rules():
    result = verdicts.verdict(STUDIES["depth"], TRIALS)
    assert result["verdict"] in {"supported", "not_supported", "inconclusive"}
    assert {"claim", "rule", "verdict", "evidence"} <= set(result)
    assert len(result["evidence"]) == len(STUDIES["depth"].rules)


@pytest.mark.parametrize("rule, expected", [
    (Rule("within", {"model": "mlp", "data": "random"}, bounds=(0.08, 0.12)), "supported"),
    (Rule("within", {"model": "mlp", "data": "random"}, bounds=(0.5, None)), "not_supported"),
    (Rule("within", {"model": "mlp", "data": "random"}, bounds=(0.095, 0.2)), "inconclusive"),
    (Rule("within", {"model": "mlp", "data": "true"}, bounds=(0.85, None)), "supported"),
    (Rule("increasing", {"model": "mlp"}, metric="epochs_to_100", margin=0.5,
          along=("data", ("true", "half", "random"))), "supported"),
    (Rule("increasing", {"model": "mlp"}, metric="epochs_to_100", margin=0.5,
          along=("data", ("random", "half", "true"))), "not_supported"),
    (Rule("increasing", {"model": "mlp"}, metric="test_accuracy", margin=0.5,
          along=("data", ("random", "half", "true"))), "supported"),
    (Rule("small_vs_gap", {"model": "mlp_wd", "data": "true"}, {"model": "mlp", "data": "true"},
          margin=0.1, gap=({"model": "mlp", "data": "true"}, {"model": "mlp", "data": "random"})), "supported"),
    (Rule("small_vs_gap", {"model": "mlp", "data": "half"}, {"model": "mlp", "data": "true"},
          margin=0.1, gap=({"model": "mlp", "data": "true"}, {"model": "mlp", "data": "random"})), "not_supported"),
])
def test_more_rule_kinds(rule, expected):
    result = verdicts.judge(rule, GRID)
    assert result["verdict"] == expected, result
    assert result.get("detail") or result.get("why")


def test_increasing_ranks_a_time_never_reached_last():
    rule = Rule("increasing", {"model": "mlp"}, metric="epochs_to_100", along=("data", ("true", "random")))
    result = verdicts.judge(rule, GRID)
    from scipy import stats

    expected = stats.spearmanr([0, 0, 0, 1, 1, 1], [10, 11, 12, 60, 10_000, 70]).statistic
    assert result["n"] == 6 and result["n_not_reached"] == 1 and result["rho"] == pytest.approx(expected)


def test_unknown_rule_kind_is_a_user_error():
    from suite.errors import UserError

    with pytest.raises(UserError, match="unknown rule kind 'beter'"):
        verdicts.judge(Rule("beter", {"depth": 1}, {"depth": 0}), TRIALS)


def test_verdict_per_claim_and_overall():
    from suite.study import Study

    rules = (Rule("within", {"model": "mlp", "data": "random"}, bounds=(0.08, 0.12), claim="chance"),
             Rule("within", {"model": "mlp", "data": "random"}, bounds=(0.5, None), claim="fits"),
             Rule("within", {"model": "mlp", "data": "true"}, bounds=(0.85, None), claim="fits"))
    result = verdicts.verdict(Study("s", "overall claim", "src", {}, {"model": [], "data": []}, {}, rules=rules), GRID)
    assert result["verdict"] == "not_supported" and len(result["evidence"]) == 3
    assert [(c["claim"], c["verdict"], len(c["evidence"])) for c in result["claims"]] == [
        ("chance", "supported", 1), ("fits", "not_supported", 2)]
    assert "'within' holds" in result["rule"]
    unnamed = tuple(Rule("within", {"model": "mlp", "data": "random"}, bounds=(0.08, 0.12)) for _ in range(2))
    assert "claims" not in verdicts.verdict(Study("s", "one claim", "src", {}, {"model": [], "data": []}, {},
                                                  rules=unnamed), GRID)
