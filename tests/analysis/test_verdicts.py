import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from frames import GRID, TRIALS, frame
from suite.design.plugins import all_studies
from suite.analysis import verdicts
from suite.design.study import Rule

STUDIES = all_studies()


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
    (Rule("within", {"model": "mlp", "data": "random"}, bounds=(0.07, 0.13)), "supported"),
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
    from suite.design.study import Study

    rules = (Rule("within", {"model": "mlp", "data": "random"}, bounds=(0.05, 0.15), claim="chance"),
             Rule("within", {"model": "mlp", "data": "random"}, bounds=(0.5, None), claim="fits"),
             Rule("within", {"model": "mlp", "data": "true"}, bounds=(0.85, None), claim="fits"))
    result = verdicts.verdict(Study("s", "overall claim", "src", {}, {"model": [], "data": []}, {}, rules=rules), GRID)
    assert result["verdict"] == "not_supported" and len(result["evidence"]) == 3
    assert [(c["claim"], c["verdict"], len(c["evidence"])) for c in result["claims"]] == [
        ("chance", "supported", 1), ("fits", "not_supported", 2)]
    assert "'within' (one-sample" in result["rule"] and "Holm" in result["rule"] and "95%" in result["rule"]
    unnamed = tuple(Rule("within", {"model": "mlp", "data": "random"}, bounds=(0.08, 0.12)) for _ in range(2))
    assert "claims" not in verdicts.verdict(Study("s", "one claim", "src", {}, {"model": [], "data": []}, {},
                                                  rules=unnamed), GRID)


def _pairs(a_values, b_values, a_status=None):
    a_status = a_status or ["done"] * len(a_values)
    return frame([(1, s, "done", v) for s, v in enumerate(b_values)]
                 + [(4, s, st, v) for s, (st, v) in enumerate(zip(a_status, a_values))])


EQUAL = Rule("equivalent", {"depth": 4}, {"depth": 1}, margin=0.01, says="about equal")


def test_tost_with_the_interval_inside_the_margin_is_supported():
    result = verdicts.judge(EQUAL, _pairs([0.950, 0.952, 0.951, 0.949, 0.950], [0.951, 0.950, 0.952, 0.950, 0.949]))
    assert result["verdict"] == "supported" and result["test"] == "equivalence"
    assert -0.01 < result["lower_bound"] < result["upper_bound"] < 0.01
    # 5 vs 5 seeds: two one-sided permutation tests, each at its exact floor 1 / C(10, 5)
    assert result["p_support"] == pytest.approx(1 / 252) and "permutation test" in result["detail"]


def test_tost_with_the_interval_crossing_the_margin_is_not_supported():
    wide = verdicts.judge(EQUAL, _pairs([0.93, 0.96, 0.95], [0.951, 0.950, 0.952]))
    assert wide["verdict"] == "inconclusive" and wide["seeds_needed"] > 3
    far = verdicts.judge(EQUAL, _pairs([0.80, 0.801, 0.799, 0.802, 0.798], [0.951, 0.950, 0.952, 0.953, 0.949]))
    assert far["verdict"] == "not_supported"


def test_an_equivalence_with_a_collapsed_seed_is_never_supported():
    # two seeds match depth 1 exactly; the third did not learn
    result = verdicts.judge(EQUAL, _pairs([0.951, 0.950, 0.11], [0.951, 0.950, 0.952], ["done", "done", "collapsed"]))
    assert result["verdict"] != "supported" and result["collapsed_a"] == 1 and "1 collapsed" in result["detail"]
    # even when the collapsed seed's value happens to sit inside the margin
    result = verdicts.judge(EQUAL, _pairs([0.951, 0.950, 0.951, 0.950, 0.951], [0.951, 0.950, 0.951, 0.950, 0.951],
                                          ["done", "done", "done", "done", "collapsed"]))
    assert result["verdict"] == "inconclusive"
    # a one-directional 'not_better' would call the same collapse supported: the reason for 'equivalent'
    collapsed = _pairs([0.11, 0.12, 0.10, 0.105, 0.115], [0.951, 0.950, 0.952, 0.953, 0.949], ["collapsed"] * 5)
    assert verdicts.judge(Rule("not_better", {"depth": 4}, {"depth": 1}, margin=0.01), collapsed)["verdict"] == "inconclusive"
    assert verdicts.judge(EQUAL, collapsed)["verdict"] == "not_supported"


def test_an_equivalence_rule_needs_a_margin():
    from suite.errors import UserError

    with pytest.raises(UserError, match="margin > 0"):
        verdicts.judge(Rule("equivalent", {"depth": 4}, {"depth": 1}), TRIALS)


def test_holm_makes_a_borderline_family_inconclusive():
    """Each rule alone is decided at p just below the level; six of them together are not."""
    from suite.design.study import Study

    data, rules = [], []
    for point in range(7):  # 10 seeds a point: Welch's t-test, each rule alone at p = 0.011
        offset = 0.0 if point == 0 else 0.003
        data += [(point, s, "done", 0.90 + offset + 0.004 * (s - 4.5) / 4.5) for s in range(10)]
    trials = frame(data)
    for point in range(1, 7):
        rules.append(Rule("better", {"depth": point}, {"depth": 0}, margin=0.0, says=f"{point} beats 0"))
    singles = [verdicts.judge(rule, trials) for rule in rules]
    assert all(item["verdict"] == "supported" and item["p_support"] < verdicts.ALPHA for item in singles)
    study = Study("s", "c", "src", {}, {"depth": list(range(7))}, {}, rules=tuple(rules))
    family = verdicts.verdict(study, trials)
    assert {item["verdict"] for item in family["evidence"]} == {"inconclusive"}
    assert family["verdict"] == "inconclusive" and family["correction"] == "holm"
    assert all(item["p_support_holm"] >= item["p_support"] for item in family["evidence"])


def test_every_rule_kind_says_which_test_it_is():
    assert {kind.test for kind in verdicts.RULES.values()} <= {"equivalence", "one-directional", "bounds"}
    assert verdicts.RULES["equivalent"].test == "equivalence" and verdicts.RULES["better"].test == "one-directional"
    for name, kind in verdicts.RULES.items():
        assert f"'{name}' (" in kind.text and ("equivalence" in kind.text or "one-" in kind.text)


def test_inconclusive_rules_carry_a_power_note():
    result = verdicts.judge(EQUAL, _pairs([0.93, 0.96, 0.95], [0.951, 0.940, 0.962]))
    assert result["verdict"] == "inconclusive" and "seeds per point" in result["power_note"]


def test_left_out_collapses_cannot_support_a_one_directional_rule():
    """'1 beats 0' with depth 1's failures dropped would look supported; counted, it is not."""
    trials = frame([(0, s, "done", 0.88 + 0.001 * s) for s in range(5)]
                   + [(1, s, "done", 0.95 + 0.001 * s) for s in range(3)] + [(1, 3, "collapsed", 0.10), (1, 4, "collapsed", 0.11)])
    rule = Rule("better", {"depth": 1}, {"depth": 0}, "test_accuracy", 0.01, "1 beats 0")
    result = verdicts.judge(rule, trials)
    assert result["verdict"] == "inconclusive" and result["with_unlearned"] != "supported"
    learned_only = verdicts.judge(rule, trials[trials.status == "done"])
    assert learned_only["verdict"] == "supported"
    # a rule that declares runs="finished" (a claim that something fails to learn) counts them
    chance = Rule("within", {"depth": 1}, bounds=(None, 0.2), runs="finished")
    stuck = frame([(1, s, "collapsed", 0.10 + 0.002 * s) for s in range(4)])
    assert verdicts.judge(chance, stuck)["verdict"] == "supported"
    assert verdicts.judge(Rule("within", {"depth": 1}, bounds=(None, 0.2)), stuck)["verdict"] == "inconclusive"


# --- issue 30: tests made for small samples -------------------------------------------------

def _two_sides(a_values, b_values, metric="learned_fraction"):
    rows = [{"arm": "a", "seed": i, "status": "done", metric: v} for i, v in enumerate(a_values)]
    rows += [{"arm": "b", "seed": i, "status": "done", metric: v} for i, v in enumerate(b_values)]
    return pd.DataFrame(rows)


def test_three_against_three_binary_outcomes_give_fishers_p_not_zero():
    from suite.analysis.verdicts import judges

    rule = Rule("better", {"arm": "a"}, {"arm": "b"}, metric="learned_fraction", runs="finished", says="r")
    evidence = judges.difference(rule, _two_sides([1, 1, 1], [0, 0, 0]))
    assert evidence["p_support"] == pytest.approx(0.05)
    assert evidence["test_used"] == "Fisher's exact test"


def test_identical_repetitions_count_once():
    from suite.analysis.verdicts import judges

    rule = Rule("better", {"arm": "a"}, {"arm": "b"}, metric="test_accuracy", says="r")
    grid = [0.946, 0.946, 0.946]  # a deterministic arm: the same run three times
    evidence = judges.difference(rule, _two_sides([0.95, 0.951, 0.955, 0.949, 0.953], grid, "test_accuracy"))
    assert evidence["observations_b"] == 1 and evidence["observations_a"] == 5
    assert "one observation" in evidence["detail"]
    both = judges.difference(rule, _two_sides([0.95] * 3, grid, "test_accuracy"))
    assert np.isnan(both["p_support"]) and "one observation each" in both["why"]


@pytest.mark.parametrize("n", [2, 3, 5, 7])
def test_small_samples_use_a_permutation_test_whose_p_is_never_zero(n):
    from suite.analysis.verdicts import samples

    a, b = np.linspace(0.9, 0.91, n), np.linspace(0.5, 0.51, n)
    p = samples.shift_p(a, b, 0.0, "greater")
    assert samples.method(a, b) == "permutation test"
    assert p == pytest.approx(1 / math.comb(2 * n, n), rel=1e-6) and p > 0


def test_large_samples_use_welch():
    from suite.analysis.verdicts import samples

    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 1, 10), rng.normal(0, 1, 12)
    assert samples.method(a, b) == "Welch's t-test"
    assert samples.shift_p(a, b, 0.0, "greater") == pytest.approx(
        stats.ttest_ind(a, b, equal_var=False, alternative="greater").pvalue)


def test_binary_outcomes_against_a_margin_use_the_score_test():
    from suite.analysis.verdicts import samples

    none, all_ = np.zeros(12), np.ones(12)
    # 0 of 12 vs 0 of 12: "more learn by over 1/2" is contradicted, not left open
    assert samples.shift_p(none, none, 0.5, "less") < 0.001
    assert samples.shift_p(all_, none, 0.5, "greater") < 0.001
    seven = np.r_[np.ones(7), np.zeros(5)]
    assert samples.shift_p(seven, none, 0.5, "greater") > 0.2  # 7/12 is barely above a 1/2 margin


@pytest.mark.parametrize("n, decided", [(3, False), (5, False), (6, True)])
def test_seeds_all_on_the_range_edge_get_the_sign_flip_p_never_zero(n, decided):
    from suite.analysis.verdicts import judges

    rule = Rule("within", {"arm": "a"}, metric="train_accuracy", bounds=(0.99, None), says="fits")
    evidence = judges.within(rule, _two_sides([1.0] * n, [0.5, 0.6], "train_accuracy"))
    assert evidence["p_support"] == pytest.approx(0.5 ** n) and evidence["p_contradict"] == 1.0
    assert (evidence["p_support"] < 0.025) is decided


def test_identical_values_inside_the_range_are_one_observation_and_not_tested():
    from suite.analysis.verdicts import judges

    rule = Rule("within", {"arm": "a"}, metric="test_accuracy", bounds=(None, 0.2), says="chance")
    evidence = judges.within(rule, _two_sides([0.1125] * 6, [0.5, 0.6], "test_accuracy"))
    assert np.isnan(evidence["p_support"]) and np.isnan(evidence["p_contradict"])
    assert "one observation" in evidence["detail"]


def test_a_bootstrap_p_is_never_zero():
    from suite.analysis.verdicts import samples

    assert samples.bootstrap_p(np.zeros(2000, dtype=bool)) == pytest.approx(1 / 2001)
    assert samples.bootstrap_p(np.ones(9, dtype=bool)) == 1.0


def test_a_zero_one_outcome_all_one_is_on_its_edge_not_one_observation():
    """saddle_points' `escaped` (0/1 per trial) at 1 for 10 seeds read as one observation until
    it had a range: 10 seeds that each escaped are 10 observations (sign-flip p = 2^-10)."""
    from suite.analysis.verdicts import judges

    rule = Rule("within", {"arm": "a"}, metric="escaped", bounds=(0.99, None), runs="finished", says="escapes")
    evidence = judges.within(rule, _two_sides([1.0] * 10, [0.0, 1.0], "escaped"))
    assert evidence["p_support"] == pytest.approx(2 ** -10)


def _rank_frame(values_by_level: dict) -> pd.DataFrame:
    rows = [{"level": level, "seed": seed, "status": "done", "test_accuracy": value}
            for level, values in values_by_level.items() for seed, value in enumerate(values)]
    return pd.DataFrame(rows)


def test_an_increasing_rule_weaker_than_its_margin_is_refuted():
    """A rise far weaker than the rule's rho > 0.5 refutes it (it used to stay inconclusive: the
    judge could contradict only a significantly negative rho)."""
    rng = np.random.default_rng(0)
    frame_ = _rank_frame({level: rng.normal(0.5 + 0.002 * level, 0.05, 40) for level in range(4)})
    rule = Rule("increasing", {}, metric="test_accuracy", margin=0.5, along=("level", (0, 1, 2, 3)))
    result = verdicts.judge(rule, frame_)
    assert result["rho"] < 0.3 and result["interval"][1] < 0.5
    assert result["verdict"] == "not_supported", result


def test_an_increasing_rule_is_supported_only_when_its_interval_clears_the_margin():
    rule = Rule("increasing", {}, metric="test_accuracy", margin=0.5, along=("level", (0, 1, 2, 3)))
    strong = verdicts.judge(rule, _rank_frame({level: [level + 0.1 * s for s in range(5)] for level in range(4)}))
    assert strong["verdict"] == "supported" and strong["interval"][0] > 0.5 and strong["p_support"] > 0
    # rho about 0.6 over 12 trials: above the margin, significantly above zero, not above the margin
    noisy = verdicts.judge(rule, _rank_frame({0: [1, 4, 2], 1: [3, 2, 6], 2: [5, 7, 3], 3: [4, 8, 6]}))
    assert 0.5 < noisy["rho"] < 0.75 and noisy["interval"][0] < 0.5 and noisy["verdict"] == "inconclusive"


def test_rho_test_matches_fisher_z_with_bonett_wright_variance():
    from suite.analysis.verdicts.judges import rho_test

    p_above, p_below, low, high = rho_test(0.17, 96, 0.5)
    se = math.sqrt((1 + 0.17 ** 2 / 2) / 93)
    assert p_below == pytest.approx(stats.norm.cdf((math.atanh(0.17) - math.atanh(0.5)) / se))
    assert p_above + p_below == pytest.approx(1)
    assert (low, high) == pytest.approx((math.tanh(math.atanh(0.17) - 1.959964 * se),
                                         math.tanh(math.atanh(0.17) + 1.959964 * se)), abs=1e-6)
    assert rho_test(1.0, 5, 0.5)[0] > 0  # a perfect rank order over few trials: never p = 0
