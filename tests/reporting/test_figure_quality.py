"""Report-grade figures (issue 36): 200 dpi PNGs, no band from fewer than 3 values, log axes
whose labels do not overlap, heatmap colours that one far cell cannot wash out."""
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from suite.reporting import heatmaps, plots, report


def test_pngs_are_written_at_200_dpi():
    assert report.DPI >= 200


def test_no_band_from_fewer_than_three_values():
    assert all(math.isnan(v) for v in plots.band([0.5, 0.6], "test_accuracy"))
    low, high = plots.band([0.5, 0.6, 0.55], "test_accuracy")
    assert low < 0.55 < high


def test_a_log_axis_labels_only_major_ticks():
    figure, ax = plt.subplots()
    ax.plot([0.001, 0.002, 0.005], [1, 2, 3])
    plots.log_axis(ax, "x")
    figure.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels(minor=True) if t.get_text()] == []
    plt.close(figure)


def test_one_far_cell_does_not_set_the_colour_scale():
    values = np.array([0.02, 0.021, 0.023, 0.025, 0.022, 0.024, 0.026, 0.636])  # weight_decay's 63.6 % cell
    low, high = heatmaps.robust_limits(values)
    assert low == values.min() and high < 0.1
    assert heatmaps.robust_limits(np.array([0.1, 0.2, 0.3])) == (0.1, 0.3)  # no outlier: the full range
    cells = pd.DataFrame({"lr": [1, 1, 2, 2, 3, 3], "wd": [1, 2, 1, 2, 1, 2],
                          "value": [0.02, 0.03, 0.025, 0.636, 0.021, 0.028], "n": 3})
    figure = heatmaps.heatmap_grid(cells, "lr", "wd", "", "test_accuracy", as_error=True)
    assert "hatched: beyond the colour scale" in figure._suptitle.get_text()
    plt.close(figure)
