import math

import numpy as np
import pandas as pd

from suite.analysis import rates


def test_loglog_slope_per_group():
    frame = pd.DataFrame({"k": [10, 100, 1000, 10, 100, 1000], "t": [10, 100, 1000, 3, 3 * 10 ** .5, 30],
                          "m": ["a"] * 3 + ["b"] * 3})
    slopes = rates.loglog_slope(frame, frame.k > 0, "k", "t", ["m"])
    assert np.allclose(slopes[:3], 1.0) and np.allclose(slopes[3:], 0.5)


def test_loglog_slope_missing_value_is_nan():
    frame = pd.DataFrame({"k": [10, 100], "t": [1.0, math.nan], "m": ["a", "a"]})
    assert rates.loglog_slope(frame, frame.k > 0, "k", "t", ["m"]).isna().all()


def test_stability_threshold_midpoint_and_non_monotone():
    frame = pd.DataFrame({"r": [0.9, 0.99, 1.01, 1.1, 0.9, 0.99, 1.01, 1.1], "g": [0] * 4 + [1] * 4,
                          "ok": [True, True, False, False, True, False, True, False]})
    found = rates.stability_threshold(frame, frame.r > 0, "r", frame.ok, ["g"])
    assert np.allclose(found[:4], 1.0) and found[4:].isna().all()
