import math

import pandas as pd
import pytest

from studies import STUDIES
from suite import analysis
from suite.study import Rule


def test_mean_ci_matches_the_t_interval():
    mean, std, low, high = analysis.mean_ci([0.90, 0.92, 0.94])
    assert mean == pytest.approx(0.92) and std == pytest.approx(0.02)
    assert (low, high) == pytest.approx((0.92 - 4.302653 * 0.02 / math.sqrt(3),
                                         0.92 + 4.302653 * 0.02 / math.sqrt(3)))
    assert math.isnan(analysis.mean_ci([0.5])[2])


def frame(rows):
    return pd.DataFrame([{"depth": d, "seed": s, "status": st, "test_accuracy": acc}
                         for d, s, st, acc in rows])


TRIALS = frame([(0, 0, "done", 0.88), (0, 1, "done", 0.89), (0, 2, "done", 0.885),
                (1, 0, "done", 0.95), (1, 1, "done", 0.96), (1, 2, "done", 0.955),
                (2, 0, "done", 0.951), (2, 1, "diverged", math.nan), (2, 2, "done", 0.958)])


@pytest.mark.parametrize("rule, expected", [
    (Rule("better", {"depth": 1}, {"depth": 0}, "test_accuracy", 0.01, ""), "supported"),
    (Rule("better", {"depth": 0}, {"depth": 1}, "test_accuracy", 0.01, ""), "not_supported"),
    (Rule("not_better", {"depth": 0}, {"depth": 1}, "test_accuracy", 0.01, ""), "supported"),
    (Rule("not_better", {"depth": 1}, {"depth": 0}, "test_accuracy", 0.01, ""), "not_supported"),
])
def test_rules(rule, expected):
    assert analysis.judge(rule, TRIALS)["verdict"] == expected


def test_too_few_seeds_is_inconclusive():
    rule = Rule("better", {"depth": 1}, {"depth": 0}, "test_accuracy", 0.01, "")
    assert analysis.judge(rule, TRIALS[TRIALS.seed == 0])["verdict"] == "inconclusive"


def test_summary_counts_statuses_and_joins_references():
    summary = analysis.summarize(TRIALS.assign(best_dev_accuracy=0.9, final_train_accuracy=0.9),
                                 STUDIES["depth"])
    row = summary.set_index("depth").loc[2]
    assert (row.n, row.n_diverged, row.n_failed) == (2, 1, 0)
    assert row.test_accuracy_mean == pytest.approx(0.9545)
    assert row.reference_test_accuracy == 0.969


def test_overall_verdict_combines_rules():
    result = analysis.verdict(STUDIES["depth"], TRIALS)
    assert result["verdict"] in {"supported", "not_supported", "inconclusive"}
    assert {"claim", "rule", "verdict", "evidence"} <= set(result)
    assert len(result["evidence"]) == len(STUDIES["depth"].rules)
