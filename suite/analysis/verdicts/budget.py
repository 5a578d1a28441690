"""Budget-limited comparisons (issue 30): a rule about trained models whose compared arms are
still improving at their last epochs says nothing yet about the models, only about the budget.

Each trial's ``late_dev_gain`` (``suite.analysis.frames.late_dev_gain``: the least-squares rise of
its dev accuracy over the last quarter of its epochs, or the relative fall of a regression's dev
loss) is tested across the seeds of each side of a rule with a one-sided one-sample t-test (mean
gain > 0 at level ``ALPHA``); a side is *still rising* when that test rejects and the mean gain is
at least ``MATERIAL_GAIN`` (half a point of accuracy, or 0.5 % of the dev loss, over the window).
A decided rule is ``budget_limited`` when the side that could overturn it is still moving: for a
comparison of two sides, that side gains on the other (``assess``, ``overturning``); otherwise
any side still rising. Two sides rising in step leave their comparison standing.

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
                 "generalization_gap")  # not fitted_fraction: "fitted within the budget" names its budget


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


def _measured(trials: pd.DataFrame, side: dict, metric: str) -> pd.DataFrame:
    """The rows of ``side`` that count for ``metric`` and hold a value of it: a derived metric
    defined on some rows only (a rate chosen on the dev split) speaks for those rows alone."""
    rows = counted(select(trials, side), metric)
    return rows[rows[metric].notna()] if metric in rows else rows


def _gains(trials: pd.DataFrame, side: dict, metric: str) -> np.ndarray:
    return _measured(trials, side, metric).late_dev_gain.dropna().to_numpy(dtype=float)


def _gains_more(first: np.ndarray, second: np.ndarray) -> float | None:
    """One-sided Welch p-value that ``first`` gains more than ``second`` over the last epochs; 1
    when the mean excess is below ``MATERIAL_GAIN``; None when both sides are identical across
    their seeds (one observation each: no test, and no p = 0 from a finite sample), their excess
    then being exact: the gap is moving."""
    if len(first) < 2 or len(second) < 2 or np.mean(first) - np.mean(second) < MATERIAL_GAIN:
        return 1.0
    if np.std(first) == 0 and np.std(second) == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.ttest_ind(first, second, equal_var=False, alternative="greater").pvalue)


def _moving(p: float | None) -> bool:
    """Whether a gain test says the curve moves: significant, or exact (None: identical seeds)."""
    return p is None or p < ALPHA


def _p_text(p: float | None) -> str:
    return "identical across seeds, one observation each: no test" if p is None else f"p = {p:.2g}"


def assess(rule: Rule, trials: pd.DataFrame) -> dict | None:
    """How the compared sides were still moving at the end of the budget (None: the rule is not
    about trained models, or the frame has no ``late_dev_gain``). A comparison of two sides
    (better, not_better, equivalent): the p-values that one side's dev curve was still gaining on
    the other's (``a_gains``, ``b_gains``: the gap between them was still moving); other kinds:
    the sides still rising (``still_rising``)."""
    if not applies(rule) or "late_dev_gain" not in trials:
        return None
    if rule.kind in ("better", "not_better", "equivalent"):
        gains_a, gains_b = _gains(trials, rule.a, rule.metric), _gains(trials, rule.b, rule.metric)
        return {"a_gains": _gains_more(gains_a, gains_b), "b_gains": _gains_more(gains_b, gains_a),
                "gain_a": float(np.mean(gains_a)) if len(gains_a) else None,
                "gain_b": float(np.mean(gains_b)) if len(gains_b) else None}
    return {"still_rising": still_rising(rule, trials)}


def overturning(kind: str, verdict: str, difference: float | None, assessed: dict | None) -> str:
    """Why a decided verdict is budget-limited (empty: it is not): the side whose still-rising
    curve could overturn it, gaining on the other (a 'better' a > b is overturned by b gaining on
    a; an equivalence by either side pulling away; ...), or for the other kinds any side still
    rising. An undecided rule stays inconclusive."""
    if not assessed or verdict not in ("supported", "not_supported"):
        return ""
    if "still_rising" in assessed:
        return "; ".join(assessed["still_rising"])
    threat = {("better", "supported"): ["b_gains"], ("better", "not_supported"): ["a_gains"],
              ("not_better", "supported"): ["a_gains"], ("not_better", "not_supported"): ["b_gains"],
              ("equivalent", "supported"): ["a_gains", "b_gains"],
              ("equivalent", "not_supported"): ["b_gains" if (difference or 0) > 0 else "a_gains"]}[(kind, verdict)]
    moving = [name for name in threat if _moving(assessed[name])]
    if not moving:
        return ""
    gains = f"a {100 * (assessed['gain_a'] or 0):+.2f}, b {100 * (assessed['gain_b'] or 0):+.2f} points over the last epochs"
    test = _p_text(assessed[moving[0]]).replace("p =", "one-sided Welch p =")
    return f"side {moving[0][0]}'s dev curve is still gaining on the other's ({gains}; {test}), which could overturn this"


def still_rising(rule: Rule, trials: pd.DataFrame) -> list[str]:
    """Descriptions of the sides of ``rule`` whose dev curves are still rising (empty: none, or
    the rule is not about trained models, or the frame has no ``late_dev_gain``)."""
    if not applies(rule) or "late_dev_gain" not in trials:
        return []
    rising = []
    for side in sides(rule):
        gains = _measured(trials, side, rule.metric).late_dev_gain.dropna().to_numpy(dtype=float)
        if len(gains) < 2 or np.mean(gains) < MATERIAL_GAIN:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            # every seed gaining the same: exact, one observation (no p = 0 from a finite sample)
            p = float(stats.ttest_1samp(gains, 0.0, alternative="greater").pvalue) if np.std(gains) > 0 else None
        if _moving(p):
            where = ", ".join(f"{key}={value}" for key, value in side.items())
            rising.append(f"{where}: {100 * np.mean(gains):+.2f} over its last epochs ({_p_text(p)}, "
                          f"{len(gains)} seeds)")
    return rising


def text() -> str:
    return (f"A decided rule on the trained models (test, training, final or best-dev numbers) is budget-limited "
            f"when the side that could overturn it was still moving at the end of the budget: each seed's "
            f"least-squares gain in dev accuracy (a regression: relative fall of its dev loss) over the last "
            f"quarter of its epochs; for a comparison of two sides, the side that could close (or open) the gap "
            f"gains on the other by at least {100 * MATERIAL_GAIN:g} points on average (one-sided Welch test at "
            f"level {ALPHA:g}), for other kinds a side still rising by that much (one-sided t-test); such a rule is "
            f"neither supported nor contradicted: a bigger budget would have to decide it")
