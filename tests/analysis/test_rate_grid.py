import math

import pandas as pd
import pytest

from suite.analysis import rate_grid


def test_rate_grid_tunes_on_seed_zero_and_reports_the_others():
    rows = []
    for seed in (0, 1, 2):
        for rate, epochs, status in ((0.01, 5.0, "done"), (0.1, 2.0, "done"), (1.0, math.nan, "diverged")):
            rows.append({"scaling": "a", "learning_rate": rate, "seed": seed, "status": status,
                         "epochs_to_target_dev": epochs, "best_dev_accuracy": 0.9, "test_accuracy": 0.9})
    frame = rate_grid.derive(pd.DataFrame(rows), group="scaling", epochs=10)
    assert (frame.tuned_rate == 0.1).all()
    tuned = frame.dropna(subset=["epochs_to_target_tuned"])
    assert sorted(tuned.seed) == [1, 2] and (tuned.epochs_to_target_tuned == 2.0).all()
    stable = frame.dropna(subset=["max_stable_log10_rate"])
    assert len(stable) == 3 and stable.max_stable_log10_rate.to_numpy() == pytest.approx(-1.0)
