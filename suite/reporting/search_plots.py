"""Figures of hyperparameter searches, from DataFrames: each function returns a matplotlib Figure
and writes nothing (the search report's optimization history and per-parameter plots, the
nuisance searches' sensitivity panels, the tuners' anytime bands). Shares ``suite.reporting.plots``'s theme."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.patches import Patch

from suite.analysis.frames import CONFIDENCE
from suite.reporting.plots import LABELS, MARKERS, legend_outside, log_axis, palette, wide_range


def optimization_history(trials: pd.DataFrame, objective: str, maximize: bool,
                         budget: str = "epochs") -> plt.Figure:
    """Each search trial's objective in the order it finished, and the best so far. Trials of
    different training budgets (Hyperband's rounds: 1, 3, 9, 27 epochs) are not comparable, so
    each budget gets its own colour and its own best-so-far line."""
    fig, ax = plt.subplots(figsize=(7.2, 4.2))
    order = pd.Series(range(1, len(trials) + 1), index=trials.index)
    budgets = sorted(trials[budget].dropna().unique()) if budget in trials else []
    groups = [(f"{value} {budget}", trials[trials[budget] == value]) for value in budgets] if len(budgets) > 1 \
        else [("trial", trials)]
    colors = palette([label for label, _ in groups], numeric=len(groups) > 2)
    for number, (label, group) in enumerate(groups):
        values = group[objective]
        best = values.cummax() if maximize else values.cummin()
        ax.scatter(order[group.index], values, s=16, alpha=0.7, color=colors[label], marker=MARKERS[number],
                   label=label if len(groups) > 1 else "trial")
        ax.step(order[group.index], best, where="post", color=colors[label] if len(groups) > 1 else "C3",
                label=f"best so far{' at ' + label if len(groups) > 1 else ''}")
    ax.set_xlabel("trial (in order of completion)")
    ax.set_ylabel(LABELS.get(objective, objective))
    ax.set_title("optimization history" + (f", per {budget} budget" if len(groups) > 1 else ""))
    legend_outside(ax)
    return fig


def objective_vs_parameter(trials: pd.DataFrame, parameter: str, objective: str, log: bool,
                           hue: str | None = None) -> plt.Figure:
    """One dot per search trial: how the objective depends on one hyperparameter."""
    fig, ax = plt.subplots(figsize=(5, 3.6))
    data = trials.dropna(subset=[parameter])
    colors = palette(sorted(data[hue].dropna().unique())) if hue else None
    if pd.api.types.is_numeric_dtype(data[parameter]):
        sns.scatterplot(data=data, x=parameter, y=objective, hue=hue, ax=ax, s=30, palette=colors)
        if log:
            log_axis(ax, "x")
    else:
        sns.stripplot(data=data, x=parameter, y=objective, hue=hue, ax=ax, palette=colors)
    ax.set_ylabel(LABELS.get(objective, objective))
    ax.set_title(f"{LABELS.get(objective, objective)} vs {parameter}")
    legend_outside(ax, title=hue)
    return fig


def nuisance_sensitivity(frame: pd.DataFrame, x: str, metric: str, hue: str, title: str = "") -> plt.Figure:
    """One panel per value of ``hue``: each nuisance-search trial's dev ``metric`` against ``x``
    (a line through them in order of x), the chosen value starred, diverged trials as crosses at
    the bottom."""
    levels = list(dict.fromkeys(frame[hue]))
    columns = min(5, len(levels))
    rows = -(-len(levels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns + 0.6, 2.5 * rows + 0.6),
                             sharex=True, sharey=True, squeeze=False)
    finite = frame[metric].dropna()
    bottom = min(finite.min(), 0.0) if len(finite) else 0.0
    for ax, level in zip(axes.flat, levels):
        group = frame[frame[hue] == level].sort_values(x)
        done = group[group.status == "done"]
        ax.plot(done[x], done[metric], marker="o", markersize=4, color="C0")
        chosen = group[group.get("chosen", False) == True]  # noqa: E712 (a boolean column)
        ax.scatter(chosen[x], chosen[metric], marker="*", s=140, color="C3", zorder=3, label="chosen")
        failed = group[group.status != "done"]
        ax.scatter(failed[x], [bottom] * len(failed), marker="x", color="grey", zorder=3)
        ax.set_title(str(level), fontsize="medium")
        if wide_range(frame[x].dropna()):
            log_axis(ax, "x")
    for ax in list(axes.flat)[len(levels):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(x)
    for ax in axes[:, 0]:
        ax.set_ylabel(LABELS.get(metric, metric))
    if (frame.status != "done").any():  # one legend entry, whichever panel the crosses are in
        axes.flat[0].scatter([], [], marker="x", color="grey", label="diverged")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 0.95), frameon=False)
    fig.suptitle(title or f"{LABELS.get(metric, metric)} vs {x} in each {hue}'s search")
    fig.tight_layout()
    return fig


def anytime_bands(band: pd.DataFrame, title: str = "") -> plt.Figure:
    """Best dev accuracy found so far against the training epochs spent, one step line per tuner
    (its mean over repetitions) with its band (a t-interval over the repetitions; frame from
    ``suite.search.anytime.band``: tuner, epochs_spent, mean, low, high)."""
    fig, ax = plt.subplots(figsize=(7.2, 4.2))
    tuners = list(dict.fromkeys(band.tuner))
    colors = palette(tuners, numeric=False)
    for number, tuner in enumerate(tuners):
        data = band[band.tuner == tuner].dropna(subset=["mean"])
        ax.step(data.epochs_spent, data["mean"], where="post", color=colors[tuner], label=tuner,
                marker=MARKERS[number], markevery=max(len(data) // 8, 1), markersize=4)
        ax.fill_between(data.epochs_spent, data.low, data.high, step="post", color=colors[tuner], alpha=0.2)
    ax.set_xlabel("training epochs spent by the search")
    ax.set_ylabel("best dev accuracy so far")
    ax.set_title(title or "anytime performance of each tuner")
    legend_outside(ax, extra=(Patch(alpha=0.2, color="0.5",
                                    label=f"band: {CONFIDENCE:.0%} CI over repetitions (tuner seeds)"),), title="tuner")
    return fig
