"""Figures from DataFrames. Each function returns a matplotlib Figure and writes nothing."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless: reports are rendered on servers and in CI

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

LABELS = {"test_accuracy": "test accuracy", "dev_accuracy": "dev accuracy", "loss": "train loss",
          "accuracy": "train accuracy", "dev_loss": "dev loss",
          "best_dev_accuracy": "best dev accuracy", "final_train_accuracy": "final train accuracy"}


def metric_vs_axis(summary: pd.DataFrame, axis: str, metric: str, trials: pd.DataFrame | None = None,
                   title: str = "") -> plt.Figure:
    """Mean over seeds with its 95% CI band, each seed as a dot, and the published numbers."""
    fig, ax = plt.subplots(figsize=(6, 4))
    positions = range(len(summary))
    low, high = summary[f"{metric}_ci_low"], summary[f"{metric}_ci_high"]
    if "accuracy" in metric:  # a t-interval can leave [0, 1] with few, spread seeds
        low, high = low.clip(0, 1), high.clip(0, 1)
    ax.plot(positions, summary[f"{metric}_mean"], marker="o", label="this suite (mean over seeds)")
    ax.fill_between(positions, low, high, alpha=0.25, label="95% CI")
    if trials is not None:
        where = {value: index for index, value in enumerate(summary[axis])}
        done = trials[trials.status == "done"]
        ax.scatter(done[axis].map(where), done[metric], s=12, color="black", alpha=0.6, zorder=3,
                   label="seeds")
    reference = f"reference_{metric}"
    if reference in summary and summary[reference].notna().any():
        ax.plot(positions, summary[reference], linestyle="--", marker="s", color="grey",
                label="published")
    ax.set_xticks(list(positions), [str(value) for value in summary[axis]])
    ax.set_xlabel(axis)
    ax.set_ylabel(LABELS.get(metric, metric))
    ax.set_title(title or f"{LABELS.get(metric, metric)} vs {axis}")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def learning_curves(history: pd.DataFrame, hue: str, metric: str, title: str = "") -> plt.Figure:
    """Per-epoch ``metric`` for each value of ``hue``; bands span the seeds (95% CI)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    sns.lineplot(data=history, x="epoch", y=metric, hue=hue, errorbar=("ci", 95), n_boot=200,
                 seed=0, palette="viridis", ax=ax)
    if metric.endswith("loss"):
        ax.set_yscale("log")
    ax.set_ylabel(LABELS.get(metric, metric))
    ax.set_title(title or f"{LABELS.get(metric, metric)} per epoch by {hue}")
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
