import math

import pandas as pd
import pytest

from suite.analysis import estimation


def test_bias_spread_and_selection_against_hand_computed_values():
    rows = []
    # truth protocol "full": width 8 tests at 0.80 / 0.82 over two seeds, width 64 at 0.90 / 0.88 (best)
    for width, tests in ((8, (0.80, 0.82)), (64, (0.90, 0.88))):
        for seed, test in enumerate(tests):
            rows.append(dict(protocol="full", width=width, seed=seed, status="done", final_dev_accuracy=1.0,
                             test_accuracy=test))
    # hold-out estimates: seed 0 prefers 64 (right), seed 1 prefers 8 (wrong)
    for width, estimates in ((8, (0.70, 0.95)), (64, (0.85, 0.75))):
        for seed, estimate in enumerate(estimates):
            rows.append(dict(protocol="ho", width=width, seed=seed, status="done", final_dev_accuracy=estimate,
                             test_accuracy=0.5))
    out = estimation.derive(pd.DataFrame(rows), estimator="protocol", configuration="width", truth="full")
    ho = out[out.protocol == "ho"].set_index(["width", "seed"])
    assert ho.estimate_bias[(8, 0)] == pytest.approx(0.70 - 0.80)
    assert ho.estimate_bias[(64, 1)] == pytest.approx(0.75 - 0.88)
    assert ho.estimate_bias_same_size[(64, 1)] == pytest.approx(0.75 - 0.5)  # against its own models' test accuracy
    assert ho.estimate_abs_deviation[(8, 0)] == pytest.approx(abs(0.70 - 0.825))  # median of 0.70 and 0.95
    assert ho.picks_test_best_fraction.tolist() == [1.0, 0.0, 1.0, 0.0]
    full = out[out.protocol == "full"]
    assert full.picks_test_best_fraction.tolist() == [0.5] * 4  # the full protocol ties at 1.0: half a hit


def test_rows_that_did_not_finish_get_no_estimate():
    frame = pd.DataFrame([dict(p="full", w=1, seed=0, status="done", final_dev_accuracy=0.9, test_accuracy=0.8),
                          dict(p="ho", w=1, seed=0, status="diverged", final_dev_accuracy=math.nan,
                               test_accuracy=math.nan)])
    out = estimation.derive(frame, estimator="p", configuration="w", truth="full")
    assert math.isnan(out.estimate_bias[1]) and out.estimate_bias[0] == pytest.approx(0.1)
    assert math.isnan(out.estimate_bias_same_size[1]) and out.estimate_bias_same_size[0] == pytest.approx(0.1)
