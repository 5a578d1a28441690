import math

from suite.training import optimum


def test_steps_to_interpolates_log_linearly():
    # relative error 1 at step 0, 1e-2 after 10 steps, 1e-4 after 20: 1e-3 is crossed at step 15
    assert math.isclose(optimum.steps_to([1e-2, 1e-4], 1.0, 1e-3, 10), 15.0)


def test_steps_to_never_reached_or_nonfinite_is_nan():
    assert math.isnan(optimum.steps_to([0.5, 0.4], 1.0, 1e-3, 1))
    assert math.isnan(optimum.steps_to([math.inf], 1.0, 1e-3, 1))


def test_excess_metrics_tail_and_floor():
    rows = [{"dev_loss": value} for value in (1.0, 0.5, 0.3, 0.3)]
    metrics = optimum.excess_metrics(rows, {"optimal_loss": 0.1, "initial_objective": 2.1}, 1, 0.1)
    assert math.isclose(metrics["excess_loss"], 0.2) and math.isclose(metrics["tail_excess_loss"], 0.2)
    assert math.isclose(metrics["steps_to_tolerance"], 3.0)
