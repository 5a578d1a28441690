"""The sequential seed design's judgement and the budget-limited class (issue 30)."""
import math

import numpy as np
import pandas as pd
import pytest

from suite.analysis import verdicts
from suite.analysis.verdicts import samples
from suite.analysis.frames import late_dev_gain, mean_ci
from suite.design.study import Rule, Study

BETTER = Rule("better", {"arm": "a"}, {"arm": "b"}, metric="test_accuracy", says="a beats b", claim="a beats b")


def study(*rules):
    return Study(name="seq", claim="a beats b", source="s", base={}, axes={"arm": ["a", "b"]},
                 profiles={"quick": {"seeds": (5, 10, 20)}}, rules=rules or (BETTER,), clauses=("a beats b",))


def frame(a, b, gains=None):
    rows = [{"arm": arm, "seed": seed, "status": "done", "test_accuracy": value,
             "late_dev_gain": (gains or {}).get(arm, 0.0)}
            for arm, values in (("a", a), ("b", b)) for seed, value in enumerate(values)]
    return pd.DataFrame(rows)


def test_a_clear_difference_is_decided_at_the_first_look():
    rng = np.random.default_rng(1)
    trials = frame(0.95 + 0.002 * rng.standard_normal(5), 0.90 + 0.002 * rng.standard_normal(5))
    item = verdicts.judge_looks(study(), trials, (5, 10, 20))[0]
    assert item["verdict"] == "supported" and item["look"] == 1 and item["seeds_at_look"] == 5
    assert verdicts.undecided_sides(study(), [item]) == []


def test_an_open_rule_names_the_points_a_later_look_extends():
    trials = frame([0.9, 0.91, 0.905, 0.903, 0.907], [0.9, 0.91, 0.905, 0.903, 0.907])
    evidence = verdicts.judge_looks(study(), trials, (5, 10, 20), upto=1)
    assert evidence[0]["verdict"] == "inconclusive"
    assert verdicts.undecided_sides(study(), evidence) == [{"arm": "a"}, {"arm": "b"}]


def test_the_level_is_spent_evenly_over_the_looks():
    assert verdicts.sequential_level((5, 10, 20)) == pytest.approx(0.025 / 3)
    assert verdicts.sequential_level((5,)) == pytest.approx(0.025)


def _sequential_decision(a, b, looks):
    """The design's decision for one rule on arrays: each look's test (``samples.shift_p``) at the
    plan's level, stopping at the first look that decides; ``judge_looks`` does the same on frames."""
    level = verdicts.sequential_level(looks)
    for seeds in looks:
        if samples.shift_p(a[:seeds], b[:seeds], 0.0, "greater") < level:
            return "supported"
        if samples.shift_p(a[:seeds], b[:seeds], 0.0, "less") < level:
            return "not_supported"
    return "inconclusive"


def test_the_array_simulation_decides_as_the_engine_does():
    rng = np.random.default_rng(3)
    for shift in (0.0, 0.004, 0.01, -0.01):
        a, b = 0.9 + shift + 0.01 * rng.standard_normal(20), 0.9 + 0.01 * rng.standard_normal(20)
        assert verdicts.judge_looks(study(), frame(a, b), (5, 10, 20))[0]["verdict"] == _sequential_decision(
            a, b, (5, 10, 20))


def test_under_the_null_the_sequential_design_keeps_its_false_positive_rate():
    """2,000 simulated studies with no difference, looks at 5, 10 and 20 seeds, seeds added only
    while the rule is open: the share ever called 'supported' stays at or below the one-sided 2.5 %."""
    rng = np.random.default_rng(0)
    calls = [_sequential_decision(0.9 + 0.01 * rng.standard_normal(20), 0.9 + 0.01 * rng.standard_normal(20),
                                  (5, 10, 20)) for _ in range(2000)]
    assert calls.count("supported") / 2000 <= 0.025
    assert calls.count("not_supported") / 2000 <= 0.025


def test_a_comparison_still_rising_is_budget_limited():
    rng = np.random.default_rng(2)
    trials = frame(0.95 + 0.002 * rng.standard_normal(5), 0.90 + 0.002 * rng.standard_normal(5),
                   gains={"b": 0.03})  # the losing side still gains 3 points over its last epochs
    trials.loc[trials.arm == "b", "late_dev_gain"] += 0.002 * rng.standard_normal(5)
    item = verdicts.judge(BETTER, trials)
    assert item["verdict"] == "budget_limited" and item["would_be"] == "supported"
    assert "side b's dev curve is still gaining" in item["budget_note"]
    result = verdicts.verdict(study(), trials)
    assert result["verdict"] == "budget_limited" and result["claims"][0]["verdict"] == "budget_limited"


def test_deterministic_gains_are_one_observation_each_never_p_0():
    """Both sides gaining identically in every seed (deterministic arms): no Welch test and no
    p = 0; the exact excess still marks the comparison budget-limited, and the note says why."""
    rng = np.random.default_rng(2)
    trials = frame(0.95 + 0.002 * rng.standard_normal(5), 0.90 + 0.002 * rng.standard_normal(5),
                   gains={"b": 0.03})  # late_dev_gain: 0 in every seed of a, 0.03 in every seed of b
    item = verdicts.judge(BETTER, trials)
    assert item["verdict"] == "budget_limited" and item["would_be"] == "supported"
    assert "one observation each: no test" in item["budget_note"] and "p = 0" not in item["budget_note"]


def test_a_side_losing_ground_is_signed_once():
    """A side whose dev accuracy fell over its last epochs read "a +-0.30" on the depth page."""
    rng = np.random.default_rng(2)
    trials = frame(0.95 + 0.002 * rng.standard_normal(5), 0.90 + 0.002 * rng.standard_normal(5),
                   gains={"a": -0.003, "b": 0.03})
    trials["late_dev_gain"] += 0.002 * rng.standard_normal(len(trials))
    note = verdicts.judge(BETTER, trials)["budget_note"]
    assert "(a -0." in note and ", b +2." in note and "+-" not in note, note


def test_two_sides_rising_in_step_leave_their_comparison_standing():
    rng = np.random.default_rng(4)
    trials = frame(0.95 + 0.002 * rng.standard_normal(5), 0.90 + 0.002 * rng.standard_normal(5),
                   gains={"a": 0.03, "b": 0.03})
    trials["late_dev_gain"] += 0.002 * rng.standard_normal(len(trials))
    assert verdicts.judge(BETTER, trials)["verdict"] == "supported"


def test_an_open_rule_stays_inconclusive_however_its_sides_move():
    trials = frame([0.9, 0.91, 0.905, 0.903, 0.907], [0.9, 0.91, 0.905, 0.903, 0.907], gains={"b": 0.03})
    trials.loc[trials.arm == "b", "late_dev_gain"] += np.linspace(0, 0.002, 5)
    assert verdicts.judge(BETTER, trials)["verdict"] == "inconclusive"


def test_speed_and_outcome_rules_are_not_budget_limited():
    rule = Rule("better", {"arm": "a"}, {"arm": "b"}, metric="mean_dev_accuracy", says="faster")
    trials = frame([0.95] * 5, [0.9] * 5, gains={"a": 0.03, "b": 0.03}).assign(
        mean_dev_accuracy=lambda f: f.test_accuracy + np.linspace(0, 0.001, len(f)))
    assert verdicts.judge(rule, trials)["verdict"] != "budget_limited"


@pytest.mark.parametrize("curve, rising", [
    ([0.5, 0.6, 0.7, 0.8, 0.85, 0.88, 0.9, 0.92], True),
    ([0.5, 0.8, 0.9, 0.91, 0.91, 0.91, 0.91, 0.91], False),
])
def test_late_dev_gain_reads_the_last_quarter_of_the_curve(curve, rising):
    history = [{"epoch": i + 1, "dev_accuracy": value} for i, value in enumerate(curve)]
    assert (late_dev_gain(history) > 0.005) is rising


def test_an_epochs_to_target_interval_stays_within_the_budget():
    values = [20.0, 31.0]  # two runs on a 32-epoch budget: a log-scale t-interval would reach 20,939
    _, _, low, high = mean_ci(values, "epochs_to_target", budget=32.0)
    assert 0 <= low and high <= 32.0 * (1 + 1e-6) + 1e-9
    _, _, _, unbounded = mean_ci(values, "epochs_to_target")
    assert unbounded > 32


def test_a_derived_metric_defined_on_some_rows_is_budget_judged_on_those_rows_alone():
    """A rate chosen on the dev split: the rule's side is every rate of a method, but only the chosen
    rate's rows hold the metric; the other rates' still-rising curves must not make it budget-limited."""
    from suite.analysis.verdicts import budget
    from suite.design.study import Rule

    rows = [{"arm": arm, "rate": rate, "seed": seed, "status": "done",
             "test_accuracy_tuned": (0.9 + 0.001 * seed) if rate == 1 else math.nan,
             "late_dev_gain": 0.0 if rate == 1 else 0.05 + 0.001 * seed}
            for arm in ("a", "b") for rate in (1, 2) for seed in range(5)]
    rule = Rule("not_better", {"arm": "a"}, {"arm": "b"}, metric="test_accuracy_tuned", margin=0.005)
    assessed = budget.assess(rule, pd.DataFrame(rows))
    assert assessed["gain_a"] == assessed["gain_b"] == 0.0


def test_a_replications_looks_count_its_seeds_by_rank_from_first_seed():
    """Seeds 100-109 under looks (5, 10) from first_seed 100: the first look judges 100-104 (5 a side),
    the last all ten; a pilot's seeds 0-4 in the frame (never in a replication's own) take no part."""
    rng = np.random.default_rng(5)
    replication = frame(0.9 + 0.01 * rng.standard_normal(10), 0.9 + 0.01 * rng.standard_normal(10))
    replication["seed"] += 100
    pilot = frame([0.99] * 5, [0.5] * 5)  # a pilot whose numbers would decide at once
    trials = pd.concat([pilot, replication], ignore_index=True)
    looks = (5, 10)
    first = verdicts.judge_looks(study(), trials, looks, upto=1, first_seed=100)[0]
    assert first["verdict"] == "inconclusive" and (first["n_a"], first["n_b"]) == (5, 5)
    last = verdicts.judge_looks(study(), trials, looks, first_seed=100)[0]
    assert last["look"] == 2 and last["seeds_at_look"] == 10 and (last["n_a"], last["n_b"]) == (10, 10)
    plan = verdicts.verdict(study(), replication, looks, first_seed=100)["plan"]
    assert plan["looks"] == [5, 10] and plan["first_seed"] == 100
    assert verdicts.verdict(study(), replication, (10,), first_seed=100)["plan"] == {
        "looks": [10], "level_per_look": 0.025, "spending": "one look", "first_seed": 100}
    assert "plan" not in verdicts.verdict(study(), frame([0.9] * 5, [0.9] * 5), (5,))
