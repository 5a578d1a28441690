"""Pure DataFrame work: trial records -> tables, summaries with confidence intervals, verdicts."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from suite.study import Rule, Study

CONFIDENCE = 0.95


def trials_frame(records: list[dict], axes: list[str], config_keys=()) -> pd.DataFrame:
    """One row per trial: axis values, seed, status, final metrics, wall time (and config keys)."""
    rows = []
    for record in records:
        row = {axis: record["point"][axis] for axis in axes}
        row.update({key: record["config"][key] for key in config_keys})
        row.update(seed=record["seed"], status=record["status"],
                   diverged_epoch=record.get("diverged_epoch"), **record.get("metrics", {}),
                   epochs_run=len(record.get("history", [])), wall_time_s=record["wall_time_s"],
                   backend=record["environment"]["backend"], key=record["key"],
                   error=record.get("error"))
        rows.append(row)
    return pd.DataFrame(rows).sort_values([*axes, "seed"], ignore_index=True)


def history_frame(records: list[dict], axes: list[str]) -> pd.DataFrame:
    """Long form: one row per trial and epoch."""
    rows = [{**{axis: record["point"][axis] for axis in axes}, "seed": record["seed"], **row}
            for record in records for row in record.get("history", [])]
    return pd.DataFrame(rows)


def mean_ci(values) -> tuple[float, float, float, float]:
    """Mean, sample std and the t-based 95% confidence interval of the mean."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n == 0:
        return (math.nan,) * 4
    mean = float(values.mean())
    if n == 1:
        return mean, math.nan, math.nan, math.nan
    std = float(values.std(ddof=1))
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * std / math.sqrt(n)
    return mean, std, mean - half, mean + half


def summarize(trials: pd.DataFrame, study: Study) -> pd.DataFrame:
    """One row per scientific value: n, and mean/std/CI of each metric over finished seeds."""
    axes = list(study.axes)
    rows = []
    for values, group in trials.groupby(axes, sort=True):
        values = values if isinstance(values, tuple) else (values,)
        done = group[group.status == "done"]
        row = dict(zip(axes, values), n=len(done), n_diverged=int((group.status == "diverged").sum()),
                   n_failed=int((group.status == "failed").sum()))
        for metric in study.metrics:
            column = done[metric] if metric in done else []
            row[f"{metric}_mean"], row[f"{metric}_std"], row[f"{metric}_ci_low"], \
                row[f"{metric}_ci_high"] = mean_ci(column)
        for reference in study.references:
            row[f"reference_{reference.metric}"] = reference.values.get(values[0], math.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def _select(trials: pd.DataFrame, where: dict, metric: str) -> np.ndarray:
    mask = trials.status == "done"
    for axis, value in where.items():
        mask &= trials[axis] == value
    return trials.loc[mask, metric].to_numpy(dtype=float)


def judge(rule: Rule, trials: pd.DataFrame) -> dict:
    """One-sided Welch 95% bounds on mean(a) - mean(b), compared with the rule's margin.

    Both rule kinds are directional ("a beats b by more than the margin", "a does not"), so each
    uses the one-sided bound that could refute it; together the bounds form a 90% interval.
    """
    a, b = _select(trials, rule.a, rule.metric), _select(trials, rule.b, rule.metric)
    evidence = {"rule": rule.says, "a": rule.a, "b": rule.b, "metric": rule.metric,
                "margin": rule.margin, "n_a": len(a), "n_b": len(b)}
    if len(a) < 2 or len(b) < 2:
        return {**evidence, "verdict": "inconclusive", "why": "fewer than 2 finished seeds per side"}
    diff = float(a.mean() - b.mean())
    if np.std(a) == 0 and np.std(b) == 0:
        low = high = diff
    else:
        with warnings.catch_warnings():  # near-identical seeds make scipy warn; the bound is still right
            warnings.simplefilter("ignore", RuntimeWarning)
            low = stats.ttest_ind(a, b, equal_var=False, alternative="greater").confidence_interval(
                CONFIDENCE).low
            high = stats.ttest_ind(a, b, equal_var=False, alternative="less").confidence_interval(
                CONFIDENCE).high
    low, high = float(low), float(high)
    if rule.kind == "better":
        verdict = "supported" if low > rule.margin else "not_supported" if high < rule.margin else "inconclusive"
    elif rule.kind == "not_better":
        verdict = "supported" if high < rule.margin else "not_supported" if low > rule.margin else "inconclusive"
    else:
        raise ValueError(f"unknown rule kind {rule.kind!r}")
    return {**evidence, "difference": diff, "lower_bound": low, "upper_bound": high, "verdict": verdict}


def verdict(study: Study, trials: pd.DataFrame) -> dict:
    """All rules supported -> supported; any contradicted -> not_supported; else inconclusive."""
    evidence = [judge(rule, trials) for rule in study.rules]
    verdicts = {item["verdict"] for item in evidence}
    overall = ("not_supported" if "not_supported" in verdicts
               else "supported" if verdicts == {"supported"} else "inconclusive")
    rule_text = ("each rule bounds the difference in means (a - b) over seeds with one-sided Welch "
                 "95% bounds: 'better' holds when the lower bound exceeds the margin and is "
                 "contradicted when the upper bound is below it; 'not_better' holds when the upper "
                 "bound is below the margin and is contradicted when the lower bound exceeds it. "
                 "The claim is supported when every rule holds, not supported when any is "
                 "contradicted, inconclusive otherwise")
    return {"claim": study.claim, "rule": rule_text, "verdict": overall, "evidence": evidence}
