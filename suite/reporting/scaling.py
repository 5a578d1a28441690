"""Log-log figures of a metric against a power-of-two axis (Shallue et al. 2019's steps-to-result
plots): mean over seeds with its interval, each seed as a dot, and optionally the line of a given
slope through the first point (slope -1: perfect scaling, twice the batch halves the steps).
Takes DataFrames, returns a Figure, writes nothing."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from suite.analysis import power_law
from suite.reporting import plots


def loglog(summary: pd.DataFrame, x: str, metric: str, trials: pd.DataFrame, title: str = "",
           slope: float | None = None, log_y: bool = True) -> plt.Figure:
    """``summary``: one row per value of ``x`` (``analysis.summarize_by``: ``{metric}_mean``,
    ``_ci_low``, ``_ci_high``); ``trials``: the seeds' values. x on a log-2 axis, y on a log axis
    when ``log_y``; ``slope``: a dashed guide y = y0 (x / x0)^slope through the first finite mean."""
    summary = summary.sort_values(x)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    color = plots.palette(["mean"])["mean"]
    done = trials[trials.status == "done"]
    ax.scatter(done[x], done[metric], s=12, color="grey", alpha=0.6, label="each seed", zorder=2)
    means = summary[f"{metric}_mean"].to_numpy(dtype=float)
    low = means - summary[f"{metric}_ci_low"].to_numpy(dtype=float)
    high = summary[f"{metric}_ci_high"].to_numpy(dtype=float) - means
    # an interval of identical values is the mean itself: no rounding may make its error bar negative
    low, high = np.clip(np.nan_to_num(low), 0, None), np.clip(np.nan_to_num(high), 0, None)
    ax.errorbar(summary[x], means, yerr=[low, high], marker="o", color=color,
                capsize=3, label=f"mean ({plots.BAND_LABEL})", zorder=3)
    finite = np.isfinite(means)
    if slope is not None and finite.any():
        x0, y0 = float(summary[x].to_numpy()[finite][0]), float(means[finite][0])
        xs = np.array(sorted(summary[x]), dtype=float)
        ax.plot(xs, y0 * (xs / x0) ** slope, linestyle="--", color="black",
                label=f"slope {slope:g} (perfect scaling)" if slope == -1 else f"slope {slope:g}")
    never = summary[~finite | (summary[f"{metric}_n"] < summary["n"])]
    for value in never[x]:
        ax.axvline(value, color="C3", alpha=0.2, linewidth=6)
    if len(never):
        ax.plot([], [], color="C3", alpha=0.2, linewidth=6, label="some seeds never reached it")
    ax.set_xscale("log", base=2)
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(plots.LABELS.get(metric, metric))
    ax.set_title(title or f"{metric} vs {x}")
    plots.legend_outside(ax)
    return fig


def loglog_by(trials: pd.DataFrame, x: str, metric: str, hue: str, title: str = "", fit: bool = True,
              order: list | None = None) -> plt.Figure:
    """``metric`` against ``x`` on log-log axes, one colour per value of ``hue`` (in ``order``):
    each learned seed as a dot, the mean per x joined, and with ``fit`` the least-squares power law
    through all of a hue's seeds (``suite.analysis.power_law.fit``) as a dashed line, its exponent
    and 95% interval in the legend."""
    done = trials[(trials.status == "done") & np.isfinite(trials[metric].astype(float))
                  & (trials[metric].astype(float) > 0)]
    levels = [level for level in (order or list(dict.fromkeys(done[hue]))) if level in set(done[hue])]
    colors = plots.palette(levels, numeric=False)
    fig, ax = plt.subplots(figsize=(6.8, 4.4))
    for number, level in enumerate(levels):
        rows = done[done[hue] == level].sort_values(x)
        color, marker = colors[level], plots.MARKERS[number % len(plots.MARKERS)]
        ax.scatter(rows[x], rows[metric], s=12, color=color, alpha=0.5, marker=marker)
        means = rows.groupby(x, sort=True)[metric].mean()
        label = str(level)
        if fit:
            fitted = power_law.fit(rows[x], rows[metric])
            xs = np.array([means.index.min(), means.index.max()], dtype=float)
            ax.plot(xs, fitted["alpha"] * xs ** fitted["exponent"], linestyle="--", color=color)
            label += f" (fit: exponent {fitted['exponent']:.2f} [{fitted['low']:.2f}, {fitted['high']:.2f}])"
        ax.plot(means.index, means.to_numpy(), marker=marker, color=color, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(plots.LABELS.get(metric, metric))
    ax.set_title(title or f"{metric} vs {x}")
    ax.scatter([], [], s=12, color="grey", alpha=0.5, label="each seed")
    plots.legend_outside(ax)
    return fig
