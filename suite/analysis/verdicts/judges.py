"""The judges of the rule kinds: one function per kind, (rule, trials frame) -> evidence.

Each returns the evidence a page shows (``detail``, or ``why`` when it cannot decide) and two
one-sided p-values, ``p_support`` (the rule holds) and ``p_contradict`` (it is refuted), which
``suite.analysis.verdicts`` corrects over a study's rules before deciding.
"""
from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.power import TTestIndPower, TTestPower

from suite.training import outcomes
from suite.analysis.frames import ALPHA, CONFIDENCE, counted, is_percent, select, t_on_scale
from suite.analysis.verdicts import samples
from suite.errors import UserError

if TYPE_CHECKING:  # the study module imports this one (rule kinds): annotations only
    from suite.design.study import Rule

POWER = 0.8  # the power the seed estimate of an inconclusive rule aims at
MIN_SPREAD_SEEDS = 5  # less_spread: fewer seeds per point give too few distinct bootstrap resamples
BOOTSTRAP_RESAMPLES = 2000


def _every_run(rule: Rule) -> bool:
    """Whether every finished run counts for ``rule`` (its ``runs``), not only those that learned."""
    if getattr(rule, "runs", "learned") not in ("learned", "finished"):
        raise UserError(f"rule {rule.says!r}: runs must be 'learned' or 'finished', not {rule.runs!r}")
    return getattr(rule, "runs", "learned") == "finished"


def _values(trials: pd.DataFrame, where: dict, metric: str, finished: bool = False) -> tuple[np.ndarray, dict]:
    """The metric's values in the matching trials that count (``analysis.counted``), and how many
    matching seeds collapsed / diverged. ``finished``: every finished run's value instead,
    collapsed ones included (an equivalence claim is about every run)."""
    matching = select(trials, where)
    left_out = {status: int((matching.status == status).sum()) for status in ("collapsed", "diverged")}
    rows = matching[matching.status.isin(outcomes.FINISHED)] if finished else counted(matching, metric)
    values = rows[metric].to_numpy(dtype=float) if metric in rows else np.array([])
    return values[~np.isnan(values)], left_out


def _scale(metric: str) -> tuple[float, str]:
    return (100.0, "points") if is_percent(metric) else (1.0, "")


def _number(metric: str, value: float, sign: str = "+") -> str:
    scale, _ = _scale(metric)
    return f"{scale * value:{sign}.2f}" if scale == 100 or abs(value) >= 1 else f"{value:{sign}.3g}"


def _level(metric: str, value: float) -> str:
    """An absolute value: accuracies in %, anything else as it is."""
    return f"{100 * value:.2f}%" if is_percent(metric) else f"{value:.3g}"


def _welch_p(a: np.ndarray, b: np.ndarray, shift: float, alternative: str) -> float:
    """One-sided p-value for mean(a) - mean(b) ``alternative`` ('greater'/'less') ``shift``, by
    the test made for the sample at hand (``samples.shift_p``: Fisher, permutation or Welch)."""
    return samples.shift_p(a, b, shift, alternative)


def _welch_interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    if np.std(a) == 0 and np.std(b) == 0:
        diff = float(a.mean() - b.mean())
        return diff, diff
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(CONFIDENCE)
    return float(ci.low), float(ci.high)


def _seeds_needed(distance: float, sd: float, two_samples: bool = True) -> int | None:
    """Seeds per point at which a one-sided t-test at ``ALPHA`` detects ``distance`` with power
    ``POWER`` when the seed-to-seed std is ``sd`` (statsmodels' power of the t-test); None where
    undefined."""
    if not (sd > 0 and distance > 0):
        return None
    solver = TTestIndPower() if two_samples else TTestPower()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            n = solver.solve_power(effect_size=distance / sd, alpha=ALPHA, power=POWER, alternative="larger")
        except Exception:  # the root finder gives up far beyond any affordable seed count
            return None
    return int(math.ceil(n)) if np.isfinite(n) else None


def _collapse_note(left_out: dict, side: str, counted: bool = False) -> str:
    """'a: 1 collapsed' for the seeds of one side that did not learn ('(counted)' when their values
    are in the test); empty when all learned."""
    parts = [f"{count} {status}" for status, count in left_out.items() if count]
    return f"{side}: {', '.join(parts)}{' (counted)' if counted else ''}" if parts else ""


def difference(rule: Rule, trials: pd.DataFrame) -> dict:
    """mean(a) - mean(b) against ``margin`` with Welch's t-test (one-directional kinds: 'better'
    claims the difference exceeds the margin, 'not_better' that it stays below it) or with two
    one-sided tests (TOST, Schuirmann 1987; 'equivalent' claims it lies within +-margin)."""
    equivalence = rule.kind == "equivalent"
    if equivalence and not rule.margin > 0:
        raise UserError(f"rule {rule.says!r}: an 'equivalent' rule needs a margin > 0 (the largest "
                        f"difference that counts as equal)")
    a, left_a = _values(trials, rule.a, rule.metric, finished=equivalence or _every_run(rule))
    b, left_b = _values(trials, rule.b, rule.metric, finished=equivalence or _every_run(rule))
    evidence = {"n_a": len(a), "n_b": len(b), "collapsed_a": left_a["collapsed"], "diverged_a": left_a["diverged"],
                "collapsed_b": left_b["collapsed"], "diverged_b": left_b["diverged"]}
    every = equivalence or _every_run(rule)
    notes = "; ".join(filter(None, [_collapse_note(left_a, "a", every), _collapse_note(left_b, "b", every)]))
    if len(a) < 2 or len(b) < 2:
        return {**evidence, "p_support": math.nan, "p_contradict": math.nan,
                "why": "fewer than 2 finished seeds per side" + (f" ({notes})" if notes else "")}
    diff = float(a.mean() - b.mean())
    low, high = _welch_interval(a, b)
    margin = rule.margin
    test = samples.method(a, b)
    evidence.update(test_used=test, observations_a=samples.observations(a), observations_b=samples.observations(b))
    if samples.constant(a) and samples.constant(b) and not samples.is_binary(a, b):
        return {**evidence, "difference": diff, "p_support": math.nan, "p_contradict": math.nan,
                "why": f"both sides are identical across their seeds ({_level(rule.metric, a[0])} vs "
                       f"{_level(rule.metric, b[0])}): one observation each, nothing to test"}
    if equivalence:  # two one-sided tests (TOST), each by the sample's own test
        p_support = max(_welch_p(a, b, -margin, "greater"), _welch_p(a, b, margin, "less"))
        p_contradict = min(_welch_p(a, b, margin, "greater"), _welch_p(a, b, -margin, "less"))
        if notes:  # a run that did not learn is evidence against "about equal": never supported
            p_support = math.nan
        distance = margin
    else:
        greater, less = _welch_p(a, b, margin, "greater"), _welch_p(a, b, margin, "less")
        p_support, p_contradict = (greater, less) if rule.kind == "better" else (less, greater)
        distance = margin if margin > 0 else abs(diff)
    sd = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    scale, unit = _scale(rule.metric)
    bound = f"within ±{scale * margin:.2f}" if equivalence else f"margin {scale * margin:.2f}"
    counts = f"n = {len(a)} vs {len(b)}" + "".join(
        f" ({side} is identical across its seeds: one observation)" for side, values in (("a", a), ("b", b))
        if samples.observations(values) == 1 < len(values))
    detail = (f"difference {_number(rule.metric, diff)}{' ' + unit if unit else ''}, "
              f"{100 * CONFIDENCE:g}% interval [{_number(rule.metric, low)}, {_number(rule.metric, high)}], "
              f"{bound}; {counts}; {test}" + (f"; {notes}" if notes else ""))
    return {**evidence, "difference": diff, "lower_bound": low, "upper_bound": high, "p_support": p_support,
            "p_contradict": p_contradict, "seeds_needed": _seeds_needed(distance, sd), "detail": detail}


def within(rule: Rule, trials: pd.DataFrame) -> dict:
    """mean(a) inside ``bounds`` (None for an open end), tested on the metric's own scale
    (``analysis.t_on_scale``): both bounds passed -> supported, one refuted -> not supported."""
    a, left_a = _values(trials, rule.a, rule.metric, finished=_every_run(rule))
    low, high = rule.bounds
    notes = _collapse_note(left_a, "a", _every_run(rule))
    if len(a) < 2:
        return {"n_a": len(a), "p_support": math.nan, "p_contradict": math.nan,
                "why": "fewer than 2 finished seeds" + (f" ({notes})" if notes else "")}
    supports, contradicts = [], []
    for bound, holds, fails in ((low, "p_greater", "p_less"), (high, "p_less", "p_greater")):
        if bound is not None:
            test = t_on_scale(a, rule.metric, null=bound)
            supports.append(test[holds])
            contradicts.append(test[fails])
    test = t_on_scale(a, rule.metric)
    if test["std"] == 0 and all(math.isnan(p) for p in supports + contradicts):
        notes = "; ".join(filter(None, ["identical across its seeds: one observation, nothing to test", notes]))
    required = (f"in [{_level(rule.metric, low)}, {_level(rule.metric, high)}]" if low is not None and high is not None
                else f">= {_level(rule.metric, low)}" if low is not None else f"<= {_level(rule.metric, high)}")
    nearest = min(abs(test["mean"] - bound) for bound in (low, high) if bound is not None)
    return {"n_a": len(a), "mean": test["mean"], "lower_bound": test["low"], "upper_bound": test["high"],
            "p_support": max(supports), "p_contradict": min(contradicts),
            "seeds_needed": _seeds_needed(nearest, test["std"], two_samples=False),
            "detail": f"mean {_level(rule.metric, test['mean'])}, {100 * CONFIDENCE:g}% interval "
                      f"[{_level(rule.metric, test['low'])}, {_level(rule.metric, test['high'])}], required "
                      f"{required}; n = {len(a)}" + (f"; {notes}" if notes else "")}


def rho_test(rho: float, n: int, margin: float) -> tuple[float, float, float, float]:
    """Spearman's ``rho`` over ``n`` pairs against ``margin``: (p that rho > margin, p that rho <
    margin, the two-sided 95% interval's low and high end). Fisher's z = atanh(rho) is about normal
    with variance (1 + rho^2 / 2) / (n - 3) for Spearman's rho (Bonett & Wright 2000, Psychometrika
    65:23-28, eq. 3; Fieller, Hartley & Pearson 1957 give 1.06 / (n - 3) at rho = 0); an
    approximation with tied ranks, as along a few levels. A rho of +-1 is held just inside the
    interval so that a finite sample never gives p = 0. Needs n >= 4."""
    clipped = float(np.clip(rho, -0.9999, 0.9999))
    se = math.sqrt((1 + clipped ** 2 / 2) / (n - 3))
    z = (math.atanh(clipped) - math.atanh(margin)) / se
    half = stats.norm.ppf(1 - ALPHA) * se  # ALPHA is one-sided: a two-sided 95% interval
    return (float(stats.norm.sf(z)), float(stats.norm.cdf(z)), math.tanh(math.atanh(clipped) - half),
            math.tanh(math.atanh(clipped) + half))


def increasing(rule: Rule, trials: pd.DataFrame) -> dict:
    """Spearman rank correlation of the metric with the position along ``along``; a NaN (a
    threshold never reached within the budget) ranks above every number. Tested against the
    margin (``rho_test``): supported when rho is significantly above it, contradicted when
    significantly below it (a rise weaker than the rule asks for refutes the rule); support also
    needs the rank test against zero (scipy's, one-sided), so it is never easier than a rise."""
    axis, order = rule.along
    positions, values, means = [], [], {}
    for position, level in enumerate(order):
        matching = select(trials, {**rule.a, axis: level})
        counts = matching.status.isin(outcomes.FINISHED if _every_run(rule) else outcomes.LEARNED)
        found = matching.loc[counts, rule.metric].to_numpy(dtype=float)
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
        return {**evidence, "p_support": math.nan, "p_contradict": math.nan,
                "why": "too few finished trials or no variation"}
    rho, p_rise = stats.spearmanr(positions, values, alternative="greater")
    p_above, p_below, low, high = rho_test(float(rho), len(values), rule.margin)
    listed = ", ".join(f"{level} {'never' if mean is None else f'{mean:.3g}'}" for level, mean in means.items())
    return {**evidence, "rho": float(rho), "interval": [low, high], "p_support": max(p_above, float(p_rise)),
            "p_contradict": p_below,
            "detail": f"Spearman rho {rho:.2f}, 95% interval [{low:.2f}, {high:.2f}] (Fisher z), needs rho > "
                      f"{rule.margin} (one-sided p = {max(p_above, float(p_rise)):.2g} above it, {p_below:.2g} "
                      f"below it) over {len(values)} trials, {censored} not reached; means: {listed}"}


def _contrast_p(groups: list[np.ndarray], weights: list[float]) -> tuple[float, float, float]:
    """sum(w_i mean_i) with Welch-Satterthwaite degrees of freedom: (estimate, p that it is < 0,
    p that it is > 0) (Satterthwaite 1946)."""
    estimate = float(sum(w * g.mean() for w, g in zip(weights, groups)))
    parts = [w * w * g.var(ddof=1) / len(g) for w, g in zip(weights, groups)]
    variance = sum(parts)
    if variance == 0:  # every group identical across its seeds: nothing to test, never p = 0
        return estimate, math.nan, math.nan
    df = variance ** 2 / sum(part ** 2 / (len(g) - 1) for part, g in zip(parts, groups) if part > 0)
    t_value = estimate / math.sqrt(variance)
    return estimate, float(stats.t.cdf(t_value, df)), float(stats.t.sf(t_value, df))


def _nan_or(pick, *values: float) -> float:
    """``pick`` of the p-values, NaN (undecidable) when any is NaN."""
    return math.nan if any(math.isnan(v) for v in values) else pick(values)


def small_vs_gap(rule: Rule, trials: pd.DataFrame) -> dict:
    """|mean(a) - mean(b)| < ``margin`` x (mean(c) - mean(d)): two one-sided Welch contrasts
    (effect - margin x gap < 0 and -effect - margin x gap < 0), an equivalence test whose margin
    is a fraction of another difference. Supported when both hold, contradicted when either
    contrast is significantly positive."""
    (c_where, d_where), groups, notes = rule.gap, {}, []
    for name, where in (("a", rule.a), ("b", rule.b), ("c", c_where), ("d", d_where)):
        groups[name], left_out = _values(trials, where, rule.metric, finished=_every_run(rule))
        notes.append(_collapse_note(left_out, name, _every_run(rule)))
    notes = "; ".join(filter(None, notes))
    evidence = {f"n_{name}": len(values) for name, values in groups.items()}
    if min(map(len, groups.values())) < 2:
        return {**evidence, "p_support": math.nan, "p_contradict": math.nan,
                "why": "fewer than 2 finished seeds per group" + (f" ({notes})" if notes else "")}
    a, b, c, d = groups["a"], groups["b"], groups["c"], groups["d"]
    m = rule.margin
    _, up_less, up_greater = _contrast_p([a, b, c, d], [1, -1, -m, m])
    _, down_less, down_greater = _contrast_p([a, b, c, d], [-1, 1, -m, m])
    effect, gap = float(a.mean() - b.mean()), float(c.mean() - d.mean())
    e_low, e_high = _welch_interval(a, b)
    g_low, g_high = _welch_interval(c, d)
    scale, unit = _scale(rule.metric)

    def span(value, low, high):
        return f"{_number(rule.metric, value)} [{_number(rule.metric, low)}, {_number(rule.metric, high)}]"

    return {**evidence, "effect": effect, "effect_bounds": [e_low, e_high], "gap": gap, "gap_bounds": [g_low, g_high],
            "p_support": _nan_or(max, up_less, down_less), "p_contradict": _nan_or(min, up_greater, down_greater),
            "detail": f"effect {span(effect, e_low, e_high)} vs gap {span(gap, g_low, g_high)}"
                      f"{' ' + unit if unit else ''} ({100 * CONFIDENCE:g}% intervals); needs |effect| < "
                      f"{m:g} x gap" + (f"; {notes}" if notes else "")}


def _point_values(trials: pd.DataFrame, where: dict, by: list[str], metric: str) -> list[np.ndarray]:
    """The counted seeds' values of ``metric`` at each point (a combination of ``by``) matching ``where``."""
    rows = counted(select(trials, where), metric).dropna(subset=[metric])
    return [group[metric].to_numpy(dtype=float) for _, group in rows.groupby(by, sort=False)] if len(rows) else []


def _spread(points: list[np.ndarray]) -> float:
    """The standard deviation of the point means: unlike the range, its expected value does not
    grow with the number of points compared."""
    return float(np.std([values.mean() for values in points], ddof=1))


def less_spread(rule: Rule, trials: pd.DataFrame) -> dict:
    """Sensitivity to hyperparameters: the spread (std of the point means) of ``metric`` over the
    points of a (which differ in the axes ``along``) against margin x that over the points of b.
    A bootstrap over each point's seeds (``BOOTSTRAP_RESAMPLES``, fixed seed) gives the ratio's
    distribution: p_support = share of resampled ratios >= margin, p_contradict = share <= margin.
    Needs ``MIN_SPREAD_SEEDS`` seeds per point (fewer give too few distinct resamples)."""
    by = list(rule.along)
    groups = {"a": _point_values(trials, rule.a, by, rule.metric), "b": _point_values(trials, rule.b, by, rule.metric)}
    evidence = {"points_a": len(groups["a"]), "points_b": len(groups["b"])}
    fewest = min((len(v) for g in groups.values() for v in g), default=0)
    if min(len(groups["a"]), len(groups["b"])) < 2 or fewest < MIN_SPREAD_SEEDS:
        return {**evidence, "p_support": math.nan, "p_contradict": math.nan,
                "why": f"needs 2 points per side and {MIN_SPREAD_SEEDS} finished seeds per point (fewest: {fewest})"}
    rng = np.random.default_rng(0)
    ratios = np.array([
        _spread([rng.choice(v, len(v)) for v in groups["a"]]) / max(_spread([rng.choice(v, len(v)) for v in groups["b"]]), 1e-12)
        for _ in range(BOOTSTRAP_RESAMPLES)])
    low, high = (float(np.quantile(ratios, q)) for q in (ALPHA, 1 - ALPHA))
    spread_a, spread_b = _spread(groups["a"]), _spread(groups["b"])
    ratio = spread_a / max(spread_b, 1e-12)
    return {**evidence, "spread_a": spread_a, "spread_b": spread_b, "ratio": ratio, "ratio_bounds": [low, high],
            "p_support": samples.bootstrap_p(ratios >= rule.margin), "p_contradict": samples.bootstrap_p(ratios <= rule.margin),
            "detail": f"spread (std of point means) {_level(rule.metric, spread_a)} over {len(groups['a'])} points vs "
                      f"{_level(rule.metric, spread_b)} over {len(groups['b'])}; ratio {ratio:.3f}, "
                      f"{100 * CONFIDENCE:g}% bootstrap interval [{low:.3f}, {high:.3f}], needs < {rule.margin:g}"}


