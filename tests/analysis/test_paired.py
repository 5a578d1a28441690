import math

import pandas as pd
import pytest

from suite.analysis import paired


def test_difference_is_paired_by_seed_within_each_level_and_lands_on_a_rows_only():
    rows = [dict(start=start, loss=loss, seed=seed, status=status, first=value)
            for start, loss, seed, status, value in (
                ("sat", "ce", 0, "done", 0.80), ("sat", "q", 0, "collapsed", 0.30),
                ("sat", "ce", 1, "done", 0.82), ("sat", "q", 1, "failed", math.nan),
                ("free", "ce", 0, "done", 0.90), ("free", "q", 0, "done", 0.88),
                ("free", "ce", 1, "done", 0.91))]  # seed 1's quadratic run at "free" is missing
    out = paired.derive(pd.DataFrame(rows), "lead", "first", "loss", "ce", "q", within="start")
    lead = out.set_index(["start", "loss", "seed"]).lead
    assert lead[("sat", "ce", 0)] == pytest.approx(0.50)  # a collapsed partner still measured its value
    assert lead[("free", "ce", 0)] == pytest.approx(0.02)
    assert math.isnan(lead[("sat", "ce", 1)]) and math.isnan(lead[("free", "ce", 1)])
    assert out[out.loss == "q"].lead.isna().all()


def test_missing_metric_gives_a_nan_column():
    out = paired.derive(pd.DataFrame([dict(s=1, l="ce", seed=0, status="done")]), "lead", "first", "l", "ce", "q", "s")
    assert out.lead.isna().all()
