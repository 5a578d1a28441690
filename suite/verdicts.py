"""Verdicts: each Rule of a study judged on the trials frame, combined per claim and overall.

Pure DataFrame work, like analysis. Rule kinds are a registry (RULES), so a study states its
claims as data and a new kind of evidence is one function here.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from suite.analysis import CONFIDENCE, MEASURED, is_percent, select
from suite.errors import lookup
from suite.study import Rule, Study


def _select(trials: pd.DataFrame, where: dict, metric: str, keep_nan: bool = False) -> np.ndarray:
    """The metric's values in the matching trials. A diverged trial counts only for the metrics it
    has (measured at initialization, before the blow-up); with ``keep_nan`` a NaN means "never
    reached", which only a finished run can say."""
    measured = trials[trials.status == "done"] if keep_nan else trials[trials.status.isin(MEASURED)]
    values = select(measured, where)[metric].to_numpy(dtype=float)
    return values if keep_nan else values[~np.isnan(values)]


def _points(metric: str, value: float) -> str:
    """Accuracies as percentage points, anything else (epochs, losses) as it is."""
    return f"{100 * value:+.2f} points" if is_percent(metric) else f"{value:+.3g}"


def _span(metric: str, value: float, low: float, high: float) -> str:
    """'+1.45 [+0.74, +2.16] points' for accuracies; plain numbers otherwise."""
    if is_percent(metric):
        return f"{100 * value:+.2f} [{100 * low:+.2f}, {100 * high:+.2f}] points"
    return f"{value:+.3g} [{low:+.3g}, {high:+.3g}]"


def _welch_bounds(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """mean(a) - mean(b) with its one-sided Welch 95% lower and upper bounds."""
    diff = float(a.mean() - b.mean())
    if np.std(a) == 0 and np.std(b) == 0:
        return diff, diff, diff
    with warnings.catch_warnings():  # near-identical seeds make scipy warn; the bound is still right
        warnings.simplefilter("ignore", RuntimeWarning)
        low = stats.ttest_ind(a, b, equal_var=False, alternative="greater").confidence_interval(CONFIDENCE).low
        high = stats.ttest_ind(a, b, equal_var=False, alternative="less").confidence_interval(CONFIDENCE).high
    return diff, float(low), float(high)


def _difference(rule: Rule, trials: pd.DataFrame) -> dict:
    """One-sided Welch 95% bounds on mean(a) - mean(b), compared with the rule's margin.

    Both kinds are directional ("a beats b by more than the margin", "a does not"), so each uses
    the one-sided bound that could refute it; together the bounds form a 90% interval.
    """
    a, b = _select(trials, rule.a, rule.metric), _select(trials, rule.b, rule.metric)
    evidence = {"n_a": len(a), "n_b": len(b)}
    if len(a) < 2 or len(b) < 2:
        return {**evidence, "verdict": "inconclusive", "why": "fewer than 2 finished seeds per side"}
    diff, low, high = _welch_bounds(a, b)
    scale = 100 if is_percent(rule.metric) else 1
    digits = "+.2f" if scale == 100 or max(abs(low), abs(high)) >= 1 else "+.3g"  # a loss keeps its digits
    if rule.kind == "better":
        verdict = "supported" if low > rule.margin else "not_supported" if high < rule.margin else "inconclusive"
    else:
        verdict = "supported" if high < rule.margin else "not_supported" if low > rule.margin else "inconclusive"
    return {**evidence, "difference": diff, "lower_bound": low, "upper_bound": high, "verdict": verdict,
            "detail": f"difference {_points(rule.metric, diff)}, one-sided 95% bounds "
                      f"[{scale * low:{digits}}, {scale * high:{digits}}], margin {scale * rule.margin:.1f}; "
                      f"n = {len(a)} vs {len(b)}"}


def _level(metric: str, value: float) -> str:
    """An absolute value: accuracies in %, anything else as it is."""
    return f"{100 * value:.2f}%" if is_percent(metric) else f"{value:.3g}"


def _within(rule: Rule, trials: pd.DataFrame) -> dict:
    """Both one-sided 95% bounds on mean(a) inside ``bounds`` -> supported; one entirely outside
    -> not supported."""
    a = _select(trials, rule.a, rule.metric)
    low, high = rule.bounds
    if len(a) < 2:
        return {"n_a": len(a), "verdict": "inconclusive", "why": "fewer than 2 finished seeds"}
    mean = float(a.mean())
    half = float(stats.t.ppf(CONFIDENCE, len(a) - 1) * a.std(ddof=1) / math.sqrt(len(a)))
    lower, upper = mean - half, mean + half
    required = (f"in [{_level(rule.metric, low)}, {_level(rule.metric, high)}]" if low is not None and high is not None
                else f">= {_level(rule.metric, low)}" if low is not None else f"<= {_level(rule.metric, high)}")
    inside = (low is None or lower >= low) and (high is None or upper <= high)
    outside = (low is not None and upper < low) or (high is not None and lower > high)
    verdict = "supported" if inside else "not_supported" if outside else "inconclusive"
    return {"n_a": len(a), "mean": mean, "lower_bound": lower, "upper_bound": upper, "verdict": verdict,
            "detail": f"mean {_level(rule.metric, mean)}, one-sided 95% bounds [{_level(rule.metric, lower)}, "
                      f"{_level(rule.metric, upper)}], required {required}; n = {len(a)}"}


def _increasing(rule: Rule, trials: pd.DataFrame) -> dict:
    """Spearman rank correlation of the metric with the position along ``along``; a NaN (a
    threshold never reached within the budget) ranks above every number."""
    axis, order = rule.along
    positions, values, means = [], [], {}
    for position, level in enumerate(order):
        found = _select(trials, {**rule.a, axis: level}, rule.metric, keep_nan=True)
        positions += [position] * len(found)
        values += list(found)
        if len(found):
            means[str(level)] = float(np.nanmean(found)) if np.isfinite(found).any() else None
    values = np.asarray(values, dtype=float)
    censored = int(np.isnan(values).sum())
    finite = values[~np.isnan(values)]
    values[np.isnan(values)] = (finite.max() + 1) if len(finite) else 0.0
    evidence = {"n": len(values), "n_not_reached": censored, "means": means}
    if len(set(positions)) < 2 or len(values) < 4 or np.ptp(values) == 0:
        return {**evidence, "verdict": "inconclusive", "why": "too few finished trials or no variation"}
    rho, p = stats.spearmanr(positions, values, alternative="greater")
    verdict = ("supported" if rho > rule.margin and p < 1 - CONFIDENCE
               else "not_supported" if rho <= 0 else "inconclusive")
    listed = ", ".join(f"{level} {'never' if mean is None else f'{mean:.3g}'}" for level, mean in means.items())
    return {**evidence, "rho": float(rho), "p_value": float(p), "verdict": verdict,
            "detail": f"Spearman rho {rho:.2f} (one-sided p = {p:.2g}; needs rho > {rule.margin} and "
                      f"p < {1 - CONFIDENCE:.2f}) over {len(values)} trials, {censored} not reached; "
                      f"means: {listed}"}


def _small_vs_gap(rule: Rule, trials: pd.DataFrame) -> dict:
    """|mean(a) - mean(b)| against ``margin`` x (mean(c) - mean(d)), all with one-sided Welch 95%
    bounds: the effect's largest bound below margin x the gap's lower bound -> supported; its
    smallest possible size above margin x the gap's upper bound -> not supported."""
    (c_where, d_where), groups = rule.gap, {}
    for name, where in (("a", rule.a), ("b", rule.b), ("c", c_where), ("d", d_where)):
        groups[name] = _select(trials, where, rule.metric)
    evidence = {f"n_{name}": len(values) for name, values in groups.items()}
    if min(map(len, groups.values())) < 2:
        return {**evidence, "verdict": "inconclusive", "why": "fewer than 2 finished seeds per group"}
    effect, e_low, e_high = _welch_bounds(groups["a"], groups["b"])
    gap, g_low, g_high = _welch_bounds(groups["c"], groups["d"])
    largest = max(abs(e_low), abs(e_high))
    smallest = 0.0 if e_low <= 0 <= e_high else min(abs(e_low), abs(e_high))
    verdict = ("supported" if largest < rule.margin * g_low
               else "not_supported" if smallest > rule.margin * g_high else "inconclusive")
    return {**evidence, "effect": effect, "effect_bounds": [e_low, e_high], "gap": gap,
            "gap_bounds": [g_low, g_high], "verdict": verdict,
            "detail": f"effect {_span(rule.metric, effect, e_low, e_high)} vs gap "
                      f"{_span(rule.metric, gap, g_low, g_high)} (one-sided 95% bounds); needs "
                      f"|effect| < {rule.margin:g} x gap"}


# kind -> (judge, how it decides, for verdict.json)
RULES = {
    "better": (_difference, "'better' holds when the lower bound exceeds the margin and is "
                            "contradicted when the upper bound is below it"),
    "not_better": (_difference, "'not_better' holds when the upper bound is below the margin and is "
                                "contradicted when the lower bound exceeds it"),
    "within": (_within, "'within' holds when both one-sided 95% bounds on the mean of a lie inside "
                        "the bounds and is contradicted when one lies entirely outside them"),
    "increasing": (_increasing, "'increasing' holds when the Spearman rank correlation with the "
                                "level exceeds the margin at one-sided p < 0.05 and is contradicted "
                                "when it is not positive"),
    "small_vs_gap": (_small_vs_gap, "'small_vs_gap' holds when the one-sided Welch 95% bounds of "
                                    "mean(a) - mean(b) lie within margin x the lower bound of the gap "
                                    "mean(c) - mean(d), and is contradicted when the smallest size "
                                    "the effect can have exceeds margin x the gap's upper bound"),
}
DIFFERENCE_TEXT = "each rule bounds the difference in means (a - b) over seeds with one-sided Welch 95% bounds"


def judge(rule: Rule, trials: pd.DataFrame) -> dict:
    judge_rule = lookup(RULES, rule.kind, "rule kind")[0]
    evidence = {"rule": rule.says, "kind": rule.kind, "a": rule.a, "b": rule.b, "metric": rule.metric,
                "margin": rule.margin}
    evidence.update({name: getattr(rule, name) for name in ("bounds", "along", "gap", "claim")
                     if getattr(rule, name)})
    return {**evidence, **judge_rule(rule, trials)}


def _combine(evidence: list[dict]) -> str:
    """All rules supported -> supported; any contradicted -> not_supported; else inconclusive."""
    verdicts = {item["verdict"] for item in evidence}
    return ("not_supported" if "not_supported" in verdicts
            else "supported" if verdicts == {"supported"} else "inconclusive")


def verdict(study: Study, trials: pd.DataFrame) -> dict:
    """The study's verdict, and one per claim when its rules name several."""
    evidence = [judge(rule, trials) for rule in study.rules]
    kinds = list(dict.fromkeys(rule.kind for rule in study.rules))
    texts = [RULES[kind][1] for kind in kinds]
    if set(kinds) <= {"better", "not_better"}:
        rule_text = f"{DIFFERENCE_TEXT}: {'; '.join(texts)}"
    else:
        rule_text = "; ".join(texts) + f" ('better'/'not_better': {DIFFERENCE_TEXT})"
    rule_text += (". The claim is supported when every rule holds, not supported when any is "
                  "contradicted, inconclusive otherwise")
    result = {"claim": study.claim, "rule": rule_text, "verdict": _combine(evidence), "evidence": evidence}
    claims = list(dict.fromkeys(rule.claim for rule in study.rules if rule.claim))
    if claims:
        result["claims"] = [{"claim": claim, "verdict": _combine(items), "evidence": items}
                            for claim in claims
                            for items in [[e for e in evidence if e.get("claim") == claim]]]
    return result


def _point_means(trials: pd.DataFrame, where: dict, by: list[str], metric: str) -> list[np.ndarray]:
    """The finished seeds' values of ``metric`` at each point (a combination of ``by``) matching ``where``."""
    done = select(trials[trials.status == "done"], where).dropna(subset=[metric])
    return [group[metric].to_numpy(dtype=float) for _, group in done.groupby(by, sort=False)] if len(done) else []


def _less_spread(rule: Rule, trials: pd.DataFrame) -> dict:
    """Sensitivity to hyperparameters: the spread (largest minus smallest point mean) of ``metric``
    over the points of a (which differ in the axes ``along``) against margin x the spread over the
    points of b. A bootstrap over each point's seeds (2,000 resamples, fixed seed) gives one-sided
    95% bounds on spread(a) / spread(b): the upper bound below the margin -> supported, the lower
    bound above it -> not supported."""
    by = list(rule.along)
    groups = {"a": _point_means(trials, rule.a, by, rule.metric), "b": _point_means(trials, rule.b, by, rule.metric)}
    evidence = {"points_a": len(groups["a"]), "points_b": len(groups["b"])}
    if min(len(groups["a"]), len(groups["b"])) < 2 or min(len(v) for g in groups.values() for v in g) < 2:
        return {**evidence, "verdict": "inconclusive", "why": "fewer than 2 points per side or 2 finished seeds per point"}

    def spread(points: list[np.ndarray]) -> float:
        means = [values.mean() for values in points]
        return float(max(means) - min(means))

    rng = np.random.default_rng(0)
    ratios = []
    for _ in range(2000):
        resampled = {name: [rng.choice(values, len(values)) for values in points] for name, points in groups.items()}
        ratios.append(spread(resampled["a"]) / max(spread(resampled["b"]), 1e-12))
    low, high = (float(np.quantile(ratios, q)) for q in (1 - CONFIDENCE, CONFIDENCE))
    spread_a, spread_b = spread(groups["a"]), spread(groups["b"])
    ratio = spread_a / max(spread_b, 1e-12)
    verdict = "supported" if high < rule.margin else "not_supported" if low > rule.margin else "inconclusive"
    return {**evidence, "spread_a": spread_a, "spread_b": spread_b, "ratio": ratio, "ratio_bounds": [low, high],
            "verdict": verdict,
            "detail": f"spread {_level(rule.metric, spread_a)} over {len(groups['a'])} points vs "
                      f"{_level(rule.metric, spread_b)} over {len(groups['b'])}; ratio {ratio:.3f}, one-sided "
                      f"95% bootstrap bounds [{low:.3f}, {high:.3f}], needs < {rule.margin:g}"}


RULES["less_spread"] = (_less_spread, "'less_spread' holds when the one-sided 95% bootstrap bounds (over "
                                      "seeds) of spread(a) / spread(b), a spread being the largest minus "
                                      "the smallest point mean over the axes 'along', lie below the margin, "
                                      "and is contradicted when they lie above it")
