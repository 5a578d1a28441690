"""Checks of the implementation: each ``suite.design.specs.Check`` of a study evaluated on its trials.

A check states something that holds by arithmetic or by a theorem in every run (no statistics: one
seed outside its bounds is a bug, not noise), so it is evaluated seed by seed and never enters the
verdicts. Pure DataFrame work.
"""
from __future__ import annotations

import math

import pandas as pd

from suite.analysis.frames import select

PASS, FAIL, NOT_RUN = "pass", "fail", "not run"


def _inside(value: float, bounds: tuple) -> bool:
    low, high = bounds
    return math.isfinite(value) and (low is None or value >= low) and (high is None or value <= high)


def evaluate_one(check, trials: pd.DataFrame) -> dict:
    """The check on the trials matching ``check.where`` (every status but ``failed``, whose run
    ended in an error): ``result`` is ``pass`` when at least one trial matches and each measured
    the metric inside the bounds, ``not run`` when no stored trial matches (a profile that selects
    other points, or trials not run yet), else ``fail``; with the count, the range of the values and
    the seeds outside or unmeasured."""
    ran = trials[trials.status != "failed"] if "status" in trials else trials
    matching = select(ran, check.where)
    values = pd.to_numeric(matching[check.metric], errors="coerce") if check.metric in matching else \
        pd.Series(math.nan, index=matching.index, dtype="float64")
    measured = values[values.map(math.isfinite)]
    outside = [float(v) for v in measured if not _inside(float(v), check.bounds)]
    unmeasured = len(values) - len(measured)
    result = NOT_RUN if not len(values) else PASS if not outside and not unmeasured else FAIL
    return {"check": check.says, "why": check.why, "metric": check.metric, "where": check.where,
            "bounds": list(check.bounds), "n": int(len(values)), "n_outside": len(outside),
            "n_unmeasured": int(unmeasured), "min": float(measured.min()) if len(measured) else math.nan,
            "max": float(measured.max()) if len(measured) else math.nan,
            "outside": outside[:5], "result": result}


def evaluate(study, trials: pd.DataFrame, profile: str | None = None) -> list[dict]:
    """Every check of ``study`` that applies to ``profile`` (a check naming no profiles applies to
    all), in the study's order."""
    return [evaluate_one(check, trials) for check in getattr(study, "checks", ())
            if not check.profiles or profile is None or profile in check.profiles]


def failed(results: list[dict]) -> list[dict]:
    return [item for item in results if item["result"] == FAIL]
