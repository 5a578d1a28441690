"""Two-sample tests chosen for the sample at hand (issue 30): exact where the sample is small or
binary, Welch's t-test where it is large enough for its approximation, never p = 0 from a finite
sample.

- **Binary outcomes** (every value 0 or 1: ``learned_fraction``, a task solved): Fisher's exact
  test on the 2x2 table of counts (``scipy.stats.fisher_exact``; Fisher 1935) for a difference in
  rates of 0; against a non-zero margin the score test for two proportions (Farrington & Manning
  1990), and the larger of the two p-values where the hypothesis implies the sign.
- **Fewer than** ``EXACT_BELOW`` **values a side**: a two-sample permutation test of the mean
  difference shifted by the margin (``scipy.stats.permutation_test``; exact over every relabelling
  when they number at most ``PERMUTATIONS``, Monte Carlo with that many resamples otherwise, both
  with the p-value counted as (b + 1) / (m + 1) by scipy: Phipson & Smyth 2010). Its smallest
  one-sided p-value with n and m values is 1 / C(n + m, n): 3 vs 3 seeds can never reach
  0.025, 5 vs 5 can (1/252).
- **Otherwise**: Welch's t-test (Welch 1947).
- **A side that does not vary with the seed** (every value identical, not binary: a deterministic
  arm, a timing copied across seeds) is one observation, not n: the other side is tested against it
  as a constant (one-sample t-test, or a sign-flip permutation test below ``EXACT_BELOW``); when
  both sides are such, there is nothing to test and the rule stays open, saying why.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import test_proportions_2indep

EXACT_BELOW = 8  # values a side below which the permutation test replaces Welch's t-test
PERMUTATIONS = 20000  # exact up to this many relabellings, else this many Monte Carlo resamples


def is_binary(*sides: np.ndarray) -> bool:
    values = np.concatenate([np.asarray(side, dtype=float) for side in sides])
    return len(values) > 0 and bool(np.isin(values, (0.0, 1.0)).all())


def constant(values: np.ndarray) -> bool:
    """At least two values, all identical: a side that did not vary with the seed."""
    return len(values) > 1 and bool(np.all(values == values[0]))


def method(a: np.ndarray, b: np.ndarray) -> str:
    """The test ``shift_p`` uses for these samples, as the page names it."""
    if is_binary(a, b):
        return "Fisher's exact test"
    if constant(a) and constant(b):
        return "no test: both sides identical across seeds (one observation each)"
    if constant(a) or constant(b):
        other = b if constant(a) else a
        return ("one-sample sign-flip permutation test against the constant side"
                if len(other) < EXACT_BELOW else "one-sample t-test against the constant side")
    return "permutation test" if min(len(a), len(b)) < EXACT_BELOW else "Welch's t-test"


def _mean_difference(x, y, axis=-1):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def _fisher(a: np.ndarray, b: np.ndarray, shift: float, alternative: str) -> float:
    """Binary sides: Fisher's exact test of the sign; a non-zero margin (``shift``) by the score
    test for a difference of two proportions (Farrington & Manning 1990, as
    ``statsmodels.stats.proportion.test_proportions_2indep(method="score")``), and where the
    hypothesis also says the sign (a rate above a positive margin), the larger of the two p-values."""
    table = [[int(a.sum()), int(len(a) - a.sum())], [int(b.sum()), int(len(b) - b.sum())]]
    exact = float(stats.fisher_exact(table, alternative=alternative).pvalue)
    if shift == 0:
        return exact
    with warnings.catch_warnings():  # rates of 0 or 1 make its odds ratio divide by zero; the p-value stands
        warnings.simplefilter("ignore", RuntimeWarning)
        score = float(test_proportions_2indep(table[0][0], len(a), table[1][0], len(b), value=shift, method="score",
                                              compare="diff", alternative="larger" if alternative == "greater"
                                              else "smaller").pvalue)
    score = score if math.isfinite(score) else 1.0
    signs_too = (alternative == "greater") == (shift > 0)
    return max(exact, score) if signs_too else score


def _one_sample(values: np.ndarray, null: float, alternative: str) -> float:
    if np.all(values == values[0]):
        return float(values[0] <= null) if alternative == "greater" else float(values[0] >= null)
    if len(values) >= EXACT_BELOW:
        return float(stats.ttest_1samp(values, null, alternative=alternative).pvalue)
    result = stats.permutation_test((values - null,), np.mean, permutation_type="samples", vectorized=True,
                                    n_resamples=PERMUTATIONS, alternative=alternative, random_state=0)
    return float(result.pvalue)


def shift_p(a: np.ndarray, b: np.ndarray, shift: float, alternative: str) -> float:
    """One-sided p-value of mean(a) - mean(b) ``alternative`` ('greater' / 'less') ``shift``, by
    the test ``method`` names; NaN where no test applies (both sides constant)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if is_binary(a, b):
        return _fisher(a, b, shift, alternative)
    if constant(a) and constant(b):
        return math.nan
    if constant(b):
        return _one_sample(a, b[0] + shift, alternative)
    if constant(a):  # mean(a) - mean(b) > shift  <=>  mean(b) < a - shift
        return _one_sample(b, a[0] - shift, "less" if alternative == "greater" else "greater")
    if min(len(a), len(b)) < EXACT_BELOW:
        result = stats.permutation_test((a - shift, b), _mean_difference, permutation_type="independent",
                                        vectorized=True, n_resamples=PERMUTATIONS, alternative=alternative,
                                        random_state=0)
        return float(result.pvalue)
    with warnings.catch_warnings():  # near-identical seeds make scipy warn; the p-value is still right
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.ttest_ind(a, b + shift, equal_var=False, alternative=alternative).pvalue)


def observations(values: np.ndarray) -> int:
    """How many independent observations ``values`` are: 1 for a side that did not vary with
    the seed (``constant``, unless binary), else its length."""
    values = np.asarray(values, dtype=float)
    return 1 if constant(values) and not is_binary(values) else len(values)
