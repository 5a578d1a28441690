"""Figures from DataFrames. Each function returns a matplotlib Figure and writes nothing."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless: reports are rendered on servers and in CI

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

LABELS = {"test_accuracy": "test accuracy", "dev_accuracy": "dev accuracy", "loss": "train loss",
          "accuracy": "train accuracy", "dev_loss": "dev loss",
          "best_dev_accuracy": "best dev accuracy", "final_train_accuracy": "final train accuracy",
          "train_accuracy": "train accuracy", "epochs_to_100": "epochs to 100% train accuracy",
          "epochs_to_99_9": "epochs to 99.9% train accuracy", "step": "optimizer step",
          "bias_grad_norm": "||dC/db|| (bias-gradient norm)", "weight_grad_norm": "||dC/dW|| (weight-gradient norm)",
          "activation_std": "activation std", "backprop_grad_std": "back-propagated gradient std (dC/dz)",
          "dead_fraction": "fraction of dead units", "saturated_fraction": "fraction of saturated units"}


def _error(metric: str) -> str:
    return LABELS.get(metric, metric).replace("accuracy", "error")


def metric_vs_axis(summary: pd.DataFrame, axis: str, metric: str, trials: pd.DataFrame | None = None,
                   title: str = "", hue: str = "", as_error: bool = False,
                   reference_line: tuple | None = None) -> plt.Figure:
    """Mean over seeds with its 95% CI band, each seed as a dot, and the published numbers; one
    line per value of ``hue`` when given. ``as_error`` plots 1 - metric; ``reference_line`` is
    (y, label) for a horizontal guide such as chance."""
    fig, ax = plt.subplots(figsize=(6.4, 4.2) if hue else (6, 4))
    levels = list(dict.fromkeys(summary[axis]))
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in levels)
    # a numeric axis keeps its spacing; names sit at even steps in the study's order
    where = {value: value for value in sorted(levels)} if numeric else {v: i for i, v in enumerate(levels)}
    flip = (lambda values: 1 - values) if as_error else (lambda values: values)
    groups = list(summary.groupby(hue, sort=False)) if hue else [(None, summary)]
    colors = sns.color_palette("viridis" if len(groups) > 6 else "deep", len(groups))
    for (label, group), color in zip(groups, colors):
        positions = group[axis].map(where)
        low, high = flip(group[f"{metric}_ci_low"]), flip(group[f"{metric}_ci_high"])
        if "accuracy" in metric:  # a t-interval can leave [0, 1] with few, spread seeds
            low, high = low.clip(0, 1), high.clip(0, 1)
        ax.plot(positions, flip(group[f"{metric}_mean"]), marker="o", color=color,
                label=f"{hue} {label}" if hue else "this suite (mean over seeds)")
        ax.fill_between(positions, low, high, alpha=0.2, color=color, **({} if hue else {"label": "95% CI"}))
        if trials is not None:
            done = trials[(trials.status == "done") & (trials[hue] == label if hue else True)]
            ax.scatter(done[axis].map(where), flip(done[metric]), s=12, alpha=0.6, zorder=3,
                       color="black" if not hue else color, **({} if hue else {"label": "seeds"}))
    reference = f"reference_{metric}"
    if reference in summary and summary[reference].notna().any():
        ax.plot(summary[axis].map(where), flip(summary[reference]), linestyle="none" if hue else "--",
                marker="s", color="grey", label="published")
    if reference_line:
        ax.axhline(reference_line[0], color="grey", linestyle=":", label=reference_line[1])
    if numeric and _wide(levels):
        ax.set_xscale("log")
    ax.set_xticks(list(where.values()), [str(value) for value in where])
    if not numeric and len(where) > 5:  # many names side by side: slant them so they do not overlap
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right", rotation_mode="anchor")
    ax.set_xlabel(axis)
    name = _error(metric) if as_error else LABELS.get(metric, metric)
    ax.set_ylabel(name)
    ax.set_title(title or f"{name} vs {axis}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def _seed_bands(data: pd.DataFrame, x: str, metric: str, hue: str, log_y: bool, **style):
    """One line per ``hue`` value with its 95% CI band over the seeds (numeric hues in order)."""
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    numeric = pd.api.types.is_numeric_dtype(data[hue])
    sns.lineplot(data=data, x=x, y=metric, hue=hue, errorbar=("ci", 95), n_boot=200, seed=0,
                 palette="viridis" if numeric else "tab10", ax=ax, **style)
    if log_y:
        ax.set_yscale("log")
    return fig, ax


def learning_curves(history: pd.DataFrame, hue: str, metric: str, title: str = "",
                    x: str = "epoch") -> plt.Figure:
    """Per-epoch ``metric`` against ``x`` (epoch or step) for each value of ``hue``; bands span
    the seeds (95% CI)."""
    fig, ax = _seed_bands(history, x, metric, hue, log_y=metric.endswith("loss"))
    ax.set_ylabel(LABELS.get(metric, metric))
    ax.set_title(title or f"{LABELS.get(metric, metric)} per {x} by {hue}")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def optimization_history(trials: pd.DataFrame, objective: str, maximize: bool) -> plt.Figure:
    """Each search trial's objective in the order it finished, and the best so far."""
    fig, ax = plt.subplots(figsize=(6, 4))
    values = trials[objective]
    best = values.cummax() if maximize else values.cummin()
    ax.scatter(range(1, len(values) + 1), values, s=14, alpha=0.7, label="trial")
    ax.step(range(1, len(values) + 1), best, where="post", color="C3", label="best so far")
    ax.set_xlabel("trial (in order of completion)")
    ax.set_ylabel(LABELS.get(objective, objective))
    ax.set_title("optimization history")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def objective_vs_parameter(trials: pd.DataFrame, parameter: str, objective: str, log: bool,
                           hue: str | None = None) -> plt.Figure:
    """One dot per search trial: how the objective depends on one hyperparameter."""
    fig, ax = plt.subplots(figsize=(5, 3.6))
    data = trials.dropna(subset=[parameter])
    if pd.api.types.is_numeric_dtype(data[parameter]):
        sns.scatterplot(data=data, x=parameter, y=objective, hue=hue, ax=ax, s=30)
        if log:
            ax.set_xscale("log")
    else:
        sns.stripplot(data=data, x=parameter, y=objective, hue=hue, ax=ax)
    ax.set_ylabel(LABELS.get(objective, objective))
    ax.set_title(f"{LABELS.get(objective, objective)} vs {parameter}")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def layer_statistics(probes: pd.DataFrame, x: str, metric: str, hue: str, title: str = "",
                     log_y: bool = False) -> plt.Figure:
    """A per-layer probe statistic against ``x`` (epoch or layer), one line per ``hue``; bands
    span the seeds (95% CI)."""
    data = probes.dropna(subset=[metric])
    if log_y:  # a statistic of exactly 0 (e.g. zero init) cannot sit on a log axis
        data = data[data[metric] > 0]
    fig, ax = _seed_bands(data, x, metric, hue, log_y, marker="o" if x == "layer" else None)
    if x == "layer":
        ax.set_xticks(sorted(data[x].unique()))
        ax.set_xlabel("hidden layer (1 = nearest the input)")
    ax.set_ylabel(LABELS.get(metric, metric))
    ax.set_title(title or f"{LABELS.get(metric, metric)} per {x}")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def _wide(values) -> bool:
    """Positive numbers spanning two decades or more (learning rates) read best on a log axis."""
    values = [float(value) for value in values]
    return bool(values) and min(values) > 0 and max(values) / min(values) >= 100


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
        if _wide(frame[x].dropna()):
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(levels):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(x)
    for ax in axes[:, 0]:
        ax.set_ylabel(LABELS.get(metric, metric))
    if (frame.status != "done").any():  # one legend entry, whichever panel the crosses are in
        axes.flat[0].scatter([], [], marker="x", color="grey", label="diverged")
    axes.flat[0].legend(fontsize="x-small", loc="lower left")
    fig.suptitle(title or f"{LABELS.get(metric, metric)} vs {x} in each {hue}'s search")
    fig.tight_layout()
    return fig


def schedule_curves(frame: pd.DataFrame, hue: str, title: str = "", order: list | None = None) -> plt.Figure:
    """Learning rate (log scale) against the optimizer step, one line per ``hue`` value and seed;
    a second panel shows the momentum when it is not the same constant everywhere."""
    with_momentum = frame["momentum"].nunique() > 1
    fig, axes = plt.subplots(2 if with_momentum else 1, 1, sharex=True, squeeze=False,
                             figsize=(7.2, 6.4) if with_momentum else (7.2, 4.4),
                             gridspec_kw={"height_ratios": [3, 1.3]} if with_momentum else None)
    rate_ax, momentum_ax = axes[0][0], axes[-1][0] if with_momentum else None
    labels = [label for label in (order or []) if label in set(frame[hue])]
    labels += [label for label in dict.fromkeys(frame[hue]) if label not in labels]
    colors = dict(zip(labels, sns.color_palette("tab10" if len(labels) <= 10 else "husl", len(labels))))
    for label in labels:
        for number, (_, curve) in enumerate(frame[frame[hue] == label].groupby("seed", sort=True)):
            style = {"color": colors[label], "linewidth": 1.3, "label": str(label) if number == 0 else None}
            rate_ax.plot(curve["step"], curve["learning_rate"], **style)
            if with_momentum:
                momentum_ax.plot(curve["step"], curve["momentum"], **style)
    rate_ax.set_yscale("log")
    rate_ax.set_ylabel("learning rate")
    rate_ax.set_title(title or f"learning rate per optimizer step by {hue}")
    rate_ax.legend(fontsize="small", ncol=2)
    if with_momentum:
        momentum_ax.set_ylabel("momentum")
    for ax in axes[:, 0]:
        ax.grid(alpha=0.3)
    axes[-1][0].set_xlabel(LABELS["step"])
    fig.tight_layout()
    return fig
