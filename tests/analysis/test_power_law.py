import math

import numpy as np
import pandas as pd
import pytest

from suite.analysis import power_law


def test_fit_recovers_an_exact_power_law():
    n = np.array([100, 300, 1000, 3000, 7000])
    fitted = power_law.fit(n, 2.0 * n ** -0.4)
    assert fitted["exponent"] == pytest.approx(-0.4)
    assert fitted["alpha"] == pytest.approx(2.0)
    assert fitted["r2"] == pytest.approx(1.0)
    assert fitted["low"] == pytest.approx(-0.4) and fitted["high"] == pytest.approx(-0.4)


def test_fit_needs_three_positive_points():
    assert math.isnan(power_law.fit([1, 2, 3], [0.1, 0.0, 0.05])["exponent"])


def learning_frame():
    rows = []
    for model, scale in (("linear", 1.0), ("cnn", 0.5)):
        for seed in (0, 1):
            for n in (100, 1000, 10000):
                error = scale * n ** -0.5 * (1 + 0.01 * seed)
                rows.append({"model": model, "train_size": n, "seed": seed, "status": "done",
                             "test_accuracy": 1 - error, "train_accuracy": 1.0})
    return pd.DataFrame(rows)


def test_derive_adds_exponents_and_gaps():
    frame = power_law.derive(learning_frame())
    assert frame.power_law_exponent.to_numpy() == pytest.approx(-0.5)
    cnn = frame[frame.model == "cnn"]
    assert cnn.abs_error_gap_to_linear.to_numpy() == pytest.approx(0.5 * cnn.train_size.to_numpy() ** -0.5
                                                                   * (1 + 0.01 * cnn.seed.to_numpy()))
    assert frame[frame.model == "linear"].abs_error_gap_to_linear.isna().all()
