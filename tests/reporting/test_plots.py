"""Figures: one theme, categories as dots without joining lines, broken axes for outliers,
legends outside the data, labelled bands, per-budget search history, per-seed schedules."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from suite.analysis import frames as analysis
from suite.reporting import plots
from suite.reporting import search_plots


def summary_and_trials(levels, means, hue_values=("1x100", "5x100")):
    rows = [{"activation": level, "network": hue, "seed": seed, "status": "done",
             "test_accuracy": mean + (0.1 if hue == "5x100" and level == levels[0] else 0) * -6 + 0.002 * seed}
            for level, mean in zip(levels, means) for hue in hue_values for seed in range(3)]
    trials = pd.DataFrame(rows)
    return analysis.summarize_by(trials, ["network", "activation"], ["test_accuracy"]), trials


def legend_is_outside(fig, ax) -> bool:
    legend = ax.get_legend() or (fig.legends[0] if fig.legends else None)
    fig.canvas.draw()
    box, axes_box = legend.get_window_extent(), ax.get_window_extent()
    return box.x0 >= axes_box.x1 - 1


def legend_texts(ax) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


def test_categories_are_dots_with_a_broken_axis_for_outliers():
    levels = ["sigmoid", "tanh", "relu", "elu", "selu", "gelu"]
    summary, trials = summary_and_trials(levels, [0.9, 0.93, 0.94, 0.935, 0.93, 0.945])
    fig = plots.metric_vs_axis(summary, "activation", "test_accuracy", trials, hue="network")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2  # the 5x100 sigmoid outlier (0.3) gets its own panel
    bulk = axes[0].get_ylim()
    assert bulk[0] > 0.8 and bulk[1] < 1.0  # the bulk is not squeezed by the outlier
    for ax in axes:  # no line joins one category to the next
        assert all(len(line.get_xdata()) <= 1 or line.get_linestyle() == "None" for line in ax.get_lines()
                   if line.get_label() != "_nolegend_" and not line.get_label().startswith("_child"))
    assert any(plots.BAND_LABEL in text for text in legend_texts(axes[0]))
    assert legend_is_outside(fig, axes[0])
    plt.close(fig)


def test_numeric_axis_keeps_lines_and_a_labelled_band_without_split():
    trials = pd.DataFrame([{"depth": d, "seed": s, "status": "done", "test_accuracy": 0.9 + 0.01 * d + 0.003 * s}
                           for d in range(4) for s in range(3)])
    summary = analysis.summarize_by(trials, ["depth"], ["test_accuracy"])
    fig = plots.metric_vs_axis(summary, "depth", "test_accuracy", trials)
    (ax,) = fig.axes
    assert any(isinstance(c, PolyCollection) for c in ax.collections)  # the shaded band
    assert any(len(line.get_xdata()) == 4 for line in ax.get_lines())
    assert f"band: {plots.BAND_LABEL}" in legend_texts(ax) and legend_is_outside(fig, ax)
    plt.close(fig)


@pytest.mark.parametrize("values, split", [([0.9, 0.91, 0.92, 0.93, 0.1], True),
                                           ([0.1, 0.3, 0.5, 0.7, 0.9], False), ([0.9, 0.1], False)])
def test_outlier_split(values, split):
    assert (plots.outlier_split(values) is not None) == split


def test_learning_curves_legend_outside_with_band_label():
    history = pd.DataFrame([{"epoch": e, "seed": s, "depth": d, "dev_accuracy": 0.5 + 0.1 * e + 0.01 * s - 0.05 * d}
                            for e in range(1, 4) for s in range(3) for d in range(3)])
    fig = plots.learning_curves(history, "depth", "dev_accuracy")
    ax = fig.axes[0]
    assert f"band: {plots.BAND_LABEL}" in legend_texts(ax) and legend_is_outside(fig, ax)
    plt.close(fig)


def test_learning_curves_skip_epochs_without_a_dev_pass():
    """validation_freq=2 over 5 epochs: dev accuracy at epochs 2, 4, 5 only (NaN elsewhere); the line
    joins them."""
    history = pd.DataFrame([{"epoch": e, "seed": s, "depth": d,
                             "dev_accuracy": 0.5 + 0.1 * e + 0.01 * s if e in (2, 4, 5) else np.nan}
                            for e in range(1, 6) for s in range(3) for d in range(2)])
    fig = plots.learning_curves(history, "depth", "dev_accuracy")
    lines = [line for line in fig.axes[0].get_lines() if len(line.get_xdata())]
    assert lines and all(list(line.get_xdata()) == [2, 4, 5] for line in lines[:2])
    assert all(np.isfinite(line.get_ydata()).all() for line in lines)
    plt.close(fig)


def test_optimization_history_has_a_best_line_per_budget():
    trials = pd.DataFrame({"epochs": [1, 1, 3, 1, 3, 9, 9], "best_dev_accuracy": [.5, .6, .7, .55, .8, .85, .84]})
    fig = search_plots.optimization_history(trials, "best_dev_accuracy", maximize=True)
    ax = fig.axes[0]
    texts = legend_texts(ax)
    assert [t for t in texts if t.startswith("best so far")] == [
        "best so far at 1 epochs", "best so far at 3 epochs", "best so far at 9 epochs"]
    plt.close(fig)


def test_schedules_with_per_seed_paths_get_a_panel_of_their_own():
    steps = np.arange(10)
    frame = pd.concat([
        pd.DataFrame({"schedule": "constant", "seed": 0, "step": steps, "learning_rate": 0.1, "momentum": 0.9}),
        *(pd.DataFrame({"schedule": "plateau", "seed": seed, "step": steps,
                        "learning_rate": np.where(steps > 3 + seed, 0.01, 0.1), "momentum": 0.9})
          for seed in range(3))])
    fig = plots.schedule_curves(frame, "schedule")
    assert len(fig.axes) == 2
    per_seed = fig.axes[1]
    assert len(per_seed.get_lines()) == 3 and "plateau" in per_seed.get_title()
    assert any("median of 3 seeds" in text for text in legend_texts(fig.axes[0]))
    plt.close(fig)


def test_palette_is_colour_blind_safe_for_names():
    colors = plots.palette(["a", "b", "c"])
    import seaborn as sns
    assert list(colors.values()) == sns.color_palette("colorblind", 3)
