"""Budget-limited comparisons (issue 30): a rule about trained models whose compared arms are
still improving at their last epochs says nothing yet about the models, only about the budget.

Each trial's ``late_dev_gain`` (``suite.analysis.frames.late_dev_gain``: the least-squares rise of
its dev accuracy over the last quarter of its epochs, or the relative fall of a regression's dev
loss) is tested across the seeds of each side of a rule with a one-sided one-sample t-test (mean
gain > 0 at level ``ALPHA``); a side is *still rising* when that test rejects and the mean gain is
at least ``MATERIAL_GAIN`` (half a point of accuracy, or 0.5 % of the dev loss, over the window).
A rule with a side still rising is ``budget_limited`` whatever its test said.

Which rules: those on metrics of the trained model at the end of its budget (``FINAL_METRICS``
prefixes: test, train, final and best-dev numbers); not speed metrics (epochs to a target, area
under the curve), numbers measured at initialization, outcome shares or timings, whose meaning
does not depend on the run having converged.
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from suite.analysis.frames import ALPHA, counted, select

if TYPE_CHECKING:  # the study module imports the verdicts (rule kinds): annotations only
    from suite.design.study import Rule

MATERIAL_GAIN = 0.005
FINAL_METRICS = ("test_", "train_accuracy", "train_loss", "final_", "best_dev", "min_dev_loss",
                 "generalization_gap", "fitted_fraction")


def applies(rule: Rule) -> bool:
    """Whether ``rule`` is about the trained model at the end of its budget."""
    return rule.metric.startswith(FINAL_METRICS) and rule.runs == "learned"


def sides(rule: Rule) -> list[dict]:
    """The partial points a rule compares: a, b, the gap's sides, and a at each level of ``along``."""
    found = [rule.a, rule.b, *(part for part in rule.gap if isinstance(part, dict))]
    if rule.kind == "increasing" and rule.along:
        axis, order = rule.along
        found = [{**rule.a, axis: level} for level in order]
    return [side for side in found if side]


def still_rising(rule: Rule, trials: pd.DataFrame) -> list[str]:
    """Descriptions of the sides of ``rule`` whose dev curves are still rising (empty: none, or
    the rule is not about trained models, or the frame has no ``late_dev_gain``)."""
    if not applies(rule) or "late_dev_gain" not in trials:
        return []
    rising = []
    for side in sides(rule):
        gains = counted(select(trials, side), rule.metric).late_dev_gain.dropna().to_numpy(dtype=float)
        if len(gains) < 2 or np.mean(gains) < MATERIAL_GAIN:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            p = float(stats.ttest_1samp(gains, 0.0, alternative="greater").pvalue) if np.std(gains) > 0 else 0.0
        if p < ALPHA:
            where = ", ".join(f"{key}={value}" for key, value in side.items())
            rising.append(f"{where}: +{100 * np.mean(gains):.2f} over its last epochs (p = {p:.2g}, "
                          f"{len(gains)} seeds)")
    return rising


def text() -> str:
    return (f"A rule on the trained models (test, training, final or best-dev numbers) is budget-limited when "
            f"a side's dev accuracy (a regression: its dev loss, relatively) is still rising over the last "
            f"quarter of its epochs: the least-squares gain over that window, tested across seeds with a "
            f"one-sided t-test at level {ALPHA:g}, at least {100 * MATERIAL_GAIN:g} points (or %) on average; "
            f"such a rule is neither supported nor contradicted: a bigger budget would have to decide it")
