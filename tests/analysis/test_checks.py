import math

import pandas as pd
import pytest

from suite.analysis import checks
from suite.design.specs import Check


def frame(values, statuses=None, point="a"):
    return pd.DataFrame({"setup": point, "seed": range(len(values)), "metric": values,
                         "status": statuses or ["done"] * len(values)})


@pytest.mark.parametrize("values, bounds, result, outside, unmeasured", [
    ([0.0, 0.0, 0.0], (None, 0.0), "pass", 0, 0),          # exactly zero, inclusive bound
    ([0.2, 0.5, 1.0], (0.2, 1.0), "pass", 0, 0),
    ([0.2, 1.01, 0.5], (None, 1.0), "fail", 1, 0),        # one seed outside fails: no statistics
    ([1.0, math.nan, 1.0], (1.0, None), "fail", 0, 1),    # a seed that did not measure it fails
    ([math.inf], (0.0, None), "fail", 0, 1),
])
def test_a_check_holds_only_when_every_seed_is_inside_its_bounds(values, bounds, result, outside, unmeasured):
    item = checks.evaluate_one(Check("c", {"setup": "a"}, "metric", bounds), frame(values))
    assert (item["result"], item["n_outside"], item["n_unmeasured"], item["n"]) == (result, outside, unmeasured,
                                                                                    len(values))


def test_every_status_counts_but_failed_and_other_points_do_not():
    trials = pd.concat([frame([0.0, 0.0, 5.0], ["collapsed", "diverged", "failed"]), frame([9.0], point="b")])
    item = checks.evaluate_one(Check("c", {"setup": "a"}, "metric", (None, 0.0)), trials)
    assert item["result"] == "pass" and item["n"] == 2 and item["max"] == 0.0


def test_a_check_that_names_no_logged_metric_fails_and_one_no_trial_ran_is_not_run():
    assert checks.evaluate_one(Check("c", {"setup": "b"}, "metric", (0, 1)), frame([0.5]))["result"] == "not run"
    item = checks.evaluate_one(Check("c", {"setup": "a"}, "absent", (0, 1)), frame([0.5]))
    assert item["result"] == "fail" and item["n_unmeasured"] == 1


def test_evaluate_keeps_the_checks_of_the_profile_in_order():
    class Study:
        checks = (Check("all", {"setup": "a"}, "metric", (0, 1)),
                  Check("paper only", {"setup": "a"}, "metric", (0, 1), profiles=("paper",)))
    assert [item["check"] for item in checks.evaluate(Study, frame([0.5]), "quick")] == ["all"]
    assert [item["check"] for item in checks.evaluate(Study, frame([0.5]), "paper")] == ["all", "paper only"]
    assert checks.failed(checks.evaluate(Study, frame([2.0]), "quick"))[0]["check"] == "all"
