"""Pure DataFrame work: trial records -> tables and summaries with confidence intervals."""
from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from suite.data import folds
from suite.store.records import METRIC_RANGES, UNBOUNDED, metric_range  # noqa: F401 (the analysis's names for them)
from suite.training import outcomes

if TYPE_CHECKING:  # annotations only: the study imports the verdicts, which import this module
    from suite.design.study import Study

# The one confidence level of every interval and decision on a results page: tables print
# two-sided CONFIDENCE intervals, and a verdict rule decides when such an interval lies beyond
# its margin, i.e. each one-sided test runs at level ALPHA = (1 - CONFIDENCE) / 2.
CONFIDENCE = 0.95
ALPHA = round((1 - CONFIDENCE) / 2, 12)
# Up to this many seeds per point the tables list every seed's value beside the mean.
LIST_SEEDS_UP_TO = 5

# The range each metric lives in is suite.store.records.METRIC_RANGES (the store refuses a stored
# value outside it); intervals are computed on a scale that respects it (``t_on_scale``).

# Columns the trials frame adds to the records' metrics, which a study's rules and tables may read too.
FRAME_METRICS = ("learned_fraction", "epochs_run", "wall_time_s", "epoch_wall_time_s", "diverged_epoch", "unstable",
                 "chance_accuracy", "steps_budget", "late_dev_gain", "n_params")


def is_percent(metric: str) -> bool:
    """Accuracies and error rates are shown in percent (points for differences)."""
    return "accuracy" in metric or "error" in metric or "generalization_gap" in metric


def _link(metric: str, budget: float | None = None):
    """The scale the interval is built on, as (g, dg/dx, inverse of g): logit of the position
    within a [low, high] range, log of the distance above a lower bound, identity otherwise.
    ``budget`` caps the range from above (an epochs-to-target never exceeds the epochs run)."""
    low, high = _range(metric, budget)
    if math.isfinite(low) and math.isfinite(high):
        width = high - low
        return (lambda x: math.log((x - low) / (high - x)),
                lambda x: width / ((x - low) * (high - x)),
                lambda y: low + width / (1 + math.exp(-y)) if y > -700 else low)
    if math.isfinite(low):
        return (lambda x: math.log(x - low), lambda x: 1 / (x - low),
                lambda y: low + math.exp(min(y, 700)))
    if math.isfinite(high):  # bounded above only (R^2): minus the log of the distance below it
        return (lambda x: -math.log(high - x), lambda x: 1 / (high - x),
                lambda y: high - math.exp(-max(y, -700)))
    return (lambda x: x, lambda x: 1.0, lambda y: y)


def _range(metric: str, budget: float | None = None) -> tuple[float, float]:
    low, high = metric_range(metric)
    if budget is not None and math.isfinite(budget):
        # the budget is an attainable value (reached at the last epoch): the interval's range ends
        # just above it
        high = min(high, budget * (1 + 1e-6) + 1e-9)
    return low, high


def _interior(metric: str, value: float, budget: float | None = None) -> bool:
    low, high = _range(metric, budget)
    return low < value < high


def budget_of(metric: str, frame: pd.DataFrame) -> float | None:
    """The most a ``*epochs_to*`` / ``steps_to*`` metric can be in ``frame`` (its rows' largest
    ``epochs_budget`` / ``steps_budget``), None for other metrics or without the column."""
    column = "epochs_budget" if "epochs_to" in metric else "steps_budget" if metric.startswith("steps_to") else None
    if column is None or column not in frame or frame[column].isna().all():
        return None
    return float(frame[column].max())


def t_on_scale(values, metric: str = "", null: float | None = None, budget: float | None = None) -> dict:
    """The mean of ``values`` with its t-statistic on the metric's scale (``_link``).

    Delta method: on the scale g, the mean's standard error is g'(mean) x s / sqrt(n), and
    g(mean) +- t(n - 1) x that error, mapped back, is a two-sided interval for the mean that stays
    inside the metric's range (the logit interval for a proportion, the log interval for a
    positive quantity: Agresti, Categorical Data Analysis, 3rd ed., sec. 1.4; on the identity
    scale it is the usual t-interval). With ``null`` it adds the one-sided p-values of
    mean < null (``p_less``) and mean > null (``p_greater``). Returns NaNs where undefined
    (fewer than 2 values).
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    result = {"n": n, "mean": mean, "std": math.nan, "low": math.nan, "high": math.nan,
              "p_less": math.nan, "p_greater": math.nan}
    if n < 2:
        return result
    std = float(values.std(ddof=1))
    if std <= 1e-12 * abs(mean):  # identical values (a timing copied across seeds): rounding, not spread
        std = 0.0
    result["std"] = std
    q = stats.t.ppf(1 - ALPHA, n - 1)
    g, dg, inverse = _link(metric, budget)
    if std == 0 or not _interior(metric, mean, budget):  # every seed alike (or on the range's edge)
        result["low"] = result["high"] = mean
        if null is not None:
            result["p_less"], result["p_greater"] = float(mean >= null), float(mean <= null)
        return result
    se = dg(mean) * std / math.sqrt(n)
    centre = g(mean)
    result["low"], result["high"] = inverse(centre - q * se), inverse(centre + q * se)
    if null is not None:
        low, high = _range(metric, budget)
        if null <= low or null >= high:  # a bound on the range's edge: no mean can pass it
            result["p_less"], result["p_greater"] = float(null <= low), float(null >= high)
        else:
            t_value = (centre - g(null)) / se
            result["p_less"] = float(stats.t.cdf(t_value, n - 1))
            result["p_greater"] = float(stats.t.sf(t_value, n - 1))
    return result


def _varying_config(records: list[dict], exclude) -> list[str]:
    """Config keys whose value differs between the records (what a named-overlay axis sets)."""
    keys = dict.fromkeys(key for record in records for key in record.get("config", {}))
    return [key for key in keys if key not in exclude and key != "seed" and len(
        {json.dumps(record["config"].get(key), sort_keys=True) for record in records}) > 1]


def sort_points(frame: pd.DataFrame, axes) -> pd.DataFrame:
    """Rows in the study's order of axis values (``axes``: a list, or axis -> ordered values)."""
    order = axes if isinstance(axes, dict) else {}
    by = [axis for axis in axes if axis in frame] + (["seed"] if "seed" in frame else [])

    def position(column: pd.Series) -> pd.Series:
        if not order.get(column.name):  # no declared order: natural order
            return column
        rank = {value: index for index, value in enumerate(order[column.name])}
        return column.map(lambda value: rank.get(value, len(rank)))

    return frame.sort_values(by, key=position, ignore_index=True, kind="stable") if by else frame


def trials_frame(records: list[dict], axes, config_keys=()) -> pd.DataFrame:
    """One row per trial: axis values, the config keys that vary (and ``config_keys``), seed,
    status (the outcome class, ``suite.training.outcomes``, recomputed from the record), ``learned_fraction``
    (1 when it learned, 0 when it collapsed or diverged; NaN when it failed), metrics, wall time.
    The k folds of a seed are one row (``suite.data.folds.aggregate``: metrics averaged over the folds,
    ``folds`` their number): the seed, not the fold, is the independent unit of every interval."""
    varying = list(dict.fromkeys([*_varying_config(records, set(axes)), *config_keys]))
    rows = []
    for record in records:
        row = {axis: record["point"][axis] for axis in axes}
        if folds.FOLD in record["point"]:
            row[folds.FOLD] = record["point"][folds.FOLD]
        row.update({key: _scalar(record["config"].get(key)) for key in varying})
        status = outcomes.classify_record(record)
        references = outcomes.references_of(record) if status != "failed" else None
        row.update(seed=record["seed"], status=status,
                   unstable=status == "done" and outcomes.unstable(record.get("history", []), references),
                   chance_accuracy=references.accuracy if references else None,
                   learned_fraction=float(status in outcomes.LEARNED) if status in outcomes.FINISHED else math.nan,
                   diverged_epoch=record.get("diverged_epoch"), **record.get("metrics", {}),
                   epochs_run=len(record.get("history", [])), wall_time_s=record["wall_time_s"],
                   n_params=float(record["n_params"]) if record.get("n_params") is not None else math.nan,
                   epoch_wall_time_s=epoch_wall_time(record.get("history", [])),
                   backend=record["environment"]["backend"], key=record["key"],
                   error=record.get("error"))
        # the most an epochs-to-target can be: a search's epoch budget, else the trial's epochs
        row["epochs_budget"] = record.get("metrics", {}).get("epochs_budget", record["config"].get("epochs"))
        row["late_dev_gain"] = late_dev_gain(record.get("history", []), record["config"].get("task", "classification"))
        row["steps_budget"] = (row["epochs_budget"] or math.nan) * record.get("steps_per_epoch", math.nan)
        rows.append(row)
    return sort_points(folds.aggregate(pd.DataFrame(rows), list(axes)), axes)


LATE_WINDOW_SHARE = 0.25  # the last quarter of the epochs (at least LATE_WINDOW_MIN of them)
LATE_WINDOW_MIN = 3


def late_dev_gain(history: list[dict], task: str = "classification") -> float:
    """How much the dev metric still rose over the run's last epochs: the least-squares slope of
    dev accuracy (a regression: minus the dev loss, relative to its mean over the window) against
    the epoch, over the last ``LATE_WINDOW_SHARE`` of the epochs with a dev pass (at least
    ``LATE_WINDOW_MIN``), times the window's span in epochs. A fraction (0.01 = one accuracy point
    gained over the window); NaN with fewer dev passes. ``suite.analysis.verdicts.budget`` tests it
    across seeds: a comparison still rising at its last epoch is budget-limited."""
    name = "dev_loss" if task == "regression" else "dev_accuracy"
    rows = [(row["epoch"], row[name]) for row in history
            if isinstance(row.get(name), (int, float)) and math.isfinite(row[name])]
    window = max(LATE_WINDOW_MIN, math.ceil(LATE_WINDOW_SHARE * len(rows)))
    if len(rows) < LATE_WINDOW_MIN:
        return math.nan
    epochs, values = (np.asarray(column, dtype=float) for column in zip(*rows[-window:]))
    if np.ptp(epochs) == 0:
        return math.nan
    slope = float(np.polyfit(epochs, values, 1)[0]) * float(np.ptp(epochs))
    if task == "regression":
        scale = float(np.mean(values))
        return -slope / scale if scale > 0 else math.nan
    return slope


def epoch_wall_time(history: list[dict]) -> float:
    """The median wall time of an epoch (seconds, its dev evaluation included where the epoch had
    one: ``validation_freq``), leaving out the
    first epoch, which compiles; NaN without a history. A measurement of this machine, not a
    result: it lives in the trials frame, not in the record's metrics."""
    times = [row["wall_time_s"] for row in history if "wall_time_s" in row]
    return float(np.median(times[1:] or times)) if times else math.nan


def _scalar(value):
    return json.dumps(value) if isinstance(value, (list, dict)) else value


def history_frame(records: list[dict], axes) -> pd.DataFrame:
    """Long form: one row per trial and epoch, with the optimizer steps taken by its end."""
    varying = _varying_config(records, set(axes))
    # Axis values come last: an axis named like a logged column (learning_rate) keeps its value,
    # not the per-epoch float32 reading.
    rows = [{**{key: _scalar(record["config"].get(key)) for key in varying}, "seed": record["seed"], **row,
             "step": row["epoch"] * record.get("steps_per_epoch", math.nan),
             **{axis: record["point"][axis] for axis in axes}}
            for record in records for row in record.get("history", [])]
    return pd.DataFrame(rows)


def select(frame: pd.DataFrame, where: dict) -> pd.DataFrame:
    """Rows matching ``where`` (column -> value, or list of values)."""
    mask = pd.Series(True, index=frame.index)
    for column, allowed in where.items():
        mask &= frame[column].isin(allowed if isinstance(allowed, (list, tuple)) else [allowed])
    return frame[mask]


def mean_ci(values, metric: str = "", budget: float | None = None) -> tuple[float, float, float, float]:
    """Mean, sample std and the two-sided ``CONFIDENCE`` interval of the mean on the metric's
    scale (``t_on_scale``; the plain t-interval for a metric without a range); ``budget`` caps
    the range (``budget_of``)."""
    result = t_on_scale(values, metric, budget=budget)
    return result["mean"], result["std"], result["low"], result["high"]


def counted(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The rows whose value of ``metric`` counts (``outcomes.counts_for``): learned runs, and
    collapsed or diverged ones for metrics measured at initialization."""
    if metric not in frame:
        return frame.iloc[:0]
    mask = frame.status.map(lambda status: outcomes.counts_for(status, metric)).astype(bool)
    return frame[mask]


def summarize_by(trials: pd.DataFrame, by: list[str], metrics) -> pd.DataFrame:
    """One row per group (in order of appearance): how many seeds are ``done`` (finished and
    learned: ``n``), ``n_collapsed``, ``n_diverged``, ``n_failed``; for each metric the mean, std
    and ``CONFIDENCE`` interval over the runs that count for it (``counted``), ``{metric}_n`` the
    finite values among them (an epoch never reached is NaN), ``{metric}_seeds`` those values in
    seed order and ``{metric}_excluded`` the values of the collapsed or diverged runs left out."""
    rows = []
    for values, group in trials.groupby(by, sort=False):
        values = values if isinstance(values, tuple) else (values,)
        row = dict(zip(by, values), n=int((group.status == "done").sum()),
                   n_collapsed=int((group.status == "collapsed").sum()),
                   n_diverged=int((group.status == "diverged").sum()), n_failed=int((group.status == "failed").sum()),
                   n_unstable=int(group.unstable.fillna(False).astype(bool).sum()) if "unstable" in group else 0)
        for metric in metrics:
            column = counted(group, metric)[metric].dropna() if metric in group else pd.Series(dtype=float)
            left_out = group[~group.index.isin(column.index) & group.status.isin(outcomes.FINISHED)]
            row[f"{metric}_n"] = len(column)
            row[f"{metric}_mean"], row[f"{metric}_std"], row[f"{metric}_ci_low"], \
                row[f"{metric}_ci_high"] = mean_ci(column, metric, budget_of(metric, group))
            row[f"{metric}_seeds"] = [float(v) for v in column]
            row[f"{metric}_excluded"] = ([float(v) for v in left_out[metric].dropna()]
                                         if metric in left_out else [])
        rows.append(row)
    return pd.DataFrame(rows)


def summarize(trials: pd.DataFrame, study: "Study") -> pd.DataFrame:
    """One row per scientific value (point), in the study's order, with the published numbers."""
    axes = list(study.axes)
    summary = summarize_by(sort_points(trials, study.levels), axes, study.metrics)
    for reference in study.references:
        keys = summary[axes].itertuples(index=False, name=None)
        summary[f"reference_{reference.metric}"] = [
            reference.values.get(key if len(axes) > 1 else key[0], math.nan) for key in keys]
    return summary


def ratio_to_baseline(trials: pd.DataFrame, x: str, baseline, metric: str, pair_on: list[str]) -> pd.DataFrame:
    """Each finished trial's ``metric`` divided by that of its partner at ``x == baseline`` (same
    values of ``pair_on``, e.g. seed and model): Zhang et al.'s time to fit relative to true labels."""
    done = trials[trials.status == "done"]
    base = done[done[x] == baseline].set_index(pair_on)[metric].rename("_baseline")
    paired = done.join(base, on=pair_on)
    return paired.assign(**{metric: paired[metric] / paired["_baseline"]}).drop(columns="_baseline")


def probe_frame(records: list[dict], axes) -> pd.DataFrame:
    """Long form of the layer probe: one row per trial, probe epoch (0 = initialization) and Dense
    layer, with the per-layer statistics (``suite.training.probes.STATS``)."""
    rows = [{**{axis: record["point"][axis] for axis in axes}, "seed": record["seed"], **row}
            for record in records for row in record.get("probes", [])]
    return pd.DataFrame(rows)


def nuisance_rank(metrics: dict, objective: str = "best_dev_accuracy", direction: str = "max") -> tuple:
    """Sort key of a finished nuisance-search trial's ``metrics`` (smallest = best): a finite
    objective before a missing one (a target never reached), then the objective in its
    ``direction``, then the best dev accuracy (the tie-break)."""
    value = metrics.get(objective, math.nan)
    finite = isinstance(value, (int, float)) and math.isfinite(value)
    return (not finite, (-value if direction == "max" else value) if finite else 0.0,
            -metrics.get("best_dev_accuracy", 0.0))


def nuisance_frame(records: list[dict], keys, objective: str = "best_dev_accuracy",
                   direction: str = "max") -> pd.DataFrame:
    """One row per nuisance-search trial: the point it tuned, the nuisance ``keys``, status and
    dev ``objective``; ``chosen`` marks the trial whose values each point's seeds ran with (the
    best by ``nuisance_rank`` among the done trials, the first by key on a tie, as
    ``suite.search.tuner_search`` chooses)."""
    rows = [{**record["tuned_for"], **{key: _scalar(record["config"].get(key)) for key in keys},
             "status": record["status"], objective: record.get("metrics", {}).get(objective, math.nan),
             "best_dev_accuracy": record.get("metrics", {}).get("best_dev_accuracy", math.nan),
             "key": record["key"]} for record in records]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    groups = list(records[0]["tuned_for"])
    done = [(index, record) for index, record in enumerate(records) if record["status"] == "done"]
    best = {}
    for index, record in done:
        group = tuple(record["tuned_for"].get(g) for g in groups)
        rank = nuisance_rank(record.get("metrics", {}), objective, direction)
        if group not in best or rank < best[group][0]:
            best[group] = (rank, index)
    return frame.assign(chosen=frame.index.isin([index for _, index in best.values()]))
