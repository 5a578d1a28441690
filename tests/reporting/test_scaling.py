"""Log-log figures, the nuisance ranking by steps to a target, and the ranges of the new metrics."""
import math

import pandas as pd

from suite.analysis import frames as analysis
from suite.reporting import scaling


def test_loglog_draws_means_seeds_and_the_perfect_scaling_guide():
    trials = pd.DataFrame({"batch_size": [8, 8, 32, 32, 128, 128], "status": ["done"] * 6,
                           "steps": [400.0, 420.0, 100.0, 110.0, 40.0, math.nan], "seed": [0, 1] * 3})
    summary = analysis.summarize_by(trials, ["batch_size"], ["steps"])
    figure = scaling.loglog(summary, "batch_size", "steps", trials, slope=-1)
    ax = figure.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    guide = [line for line in ax.get_lines() if line.get_linestyle() == "--"][0]
    assert list(guide.get_ydata()) == [410.0, 410.0 / 4, 410.0 / 16]  # through the first mean, slope -1
    labels = ax.get_legend_handles_labels()[1]
    assert "some seeds never reached it" in labels  # batch 128: one seed never reached the target


def test_nuisance_rank_prefers_a_reached_target_then_fewer_steps_then_dev_accuracy():
    reached_fast = {"steps_to_target_dev": 50.0, "best_dev_accuracy": 0.8}
    reached_slow = {"steps_to_target_dev": 90.0, "best_dev_accuracy": 0.95}
    never = {"steps_to_target_dev": math.nan, "best_dev_accuracy": 0.99}
    never_worse = {"steps_to_target_dev": math.nan, "best_dev_accuracy": 0.5}
    ranked = sorted([never_worse, reached_slow, never, reached_fast],
                    key=lambda m: analysis.nuisance_rank(m, "steps_to_target_dev", "min"))
    assert ranked == [reached_fast, reached_slow, never, never_worse]
    assert analysis.nuisance_rank({"best_dev_accuracy": 0.9}) < analysis.nuisance_rank({"best_dev_accuracy": 0.8})


def test_new_metrics_have_ranges_and_r2_intervals_stay_below_one():
    assert analysis.metric_range("test_mae") == (0.0, math.inf)
    assert analysis.metric_range("steps_to_target_dev") == (0.0, math.inf)
    assert analysis.metric_range("mistakes_to_bound") == (0.0, math.inf)
    assert analysis.metric_range("test_r2") == (-math.inf, 1.0)
    result = analysis.t_on_scale([0.95, 0.99, 0.90], "test_r2")
    assert result["low"] < result["mean"] < result["high"] < 1.0


def test_epoch_wall_time_leaves_out_the_compiling_first_epoch():
    history = [{"wall_time_s": 9.0}, {"wall_time_s": 0.1}, {"wall_time_s": 0.3}, {"wall_time_s": 0.2}]
    assert analysis.epoch_wall_time(history) == 0.2
    assert math.isnan(analysis.epoch_wall_time([]))
