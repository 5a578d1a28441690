"""Figures of predictive uncertainty (``suite.training.uncertainty``'s stored curves and histograms):
frames from trial records (pure DataFrame work) and plots that take them and return figures."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from suite.analysis import frames as analysis
from suite.reporting import plots

# The standard prediction's column for each metric of the MC curve.
STANDARD = {"accuracy": "test_accuracy", "nll": "test_nll", "calibration_error": "test_calibration_error",
            "entropy": "test_entropy"}
LABELS = {"accuracy": "test accuracy", "nll": "test NLL (nats)", "calibration_error": "test ECE (15 bins)",
          "entropy": "mean predictive entropy (nats)"}
GROUPS = {"test_correct": "test digits, correct", "test_wrong": "test digits, misclassified",
          "ood": "out of distribution"}


def _matching(records: list[dict], where: dict) -> list[dict]:
    return [r for r in records if r["status"] == "done" and r.get("uncertainty")
            and all(r["point"].get(k) in (v if isinstance(v, (list, tuple)) else [v]) for k, v in where.items())]


def curve_frame(records: list[dict], axes, where: dict | None = None) -> pd.DataFrame:
    """One row per done trial and number of passes T of its MC curve: axis values, seed, passes,
    accuracy, nll, calibration_error, entropy."""
    rows = [{**{axis: r["point"][axis] for axis in axes}, "seed": r["seed"], "status": "done", **row}
            for r in _matching(records, where or {}) for row in r["uncertainty"]["curve"]]
    return pd.DataFrame(rows)


def histogram_frame(records: list[dict], axes, where: dict | None = None) -> pd.DataFrame:
    """Entropy histogram counts summed over the matching trials: one row per axis values, group
    (test_correct, test_wrong, ood) and bin (left edge ``low``, right edge ``high``, ``count``)."""
    rows = []
    for r in _matching(records, where or {}):
        histogram = r["uncertainty"]["entropy_histogram"]
        edges = histogram["edges"]
        for group in GROUPS:
            for index, count in enumerate(histogram.get(group, [])):
                rows.append({**{axis: r["point"][axis] for axis in axes}, "group": group,
                             "low": edges[index], "high": edges[index + 1], "count": count})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.groupby([*axes, "group", "low", "high"], sort=False, as_index=False)["count"].sum()


def mc_curve(curve: pd.DataFrame, metric: str, hue: str, standard: pd.DataFrame, title: str = "") -> plt.Figure:
    """Mean ``metric`` of the MC average against the passes T (log axis), a band per ``hue``
    value (the 95% CI over seeds), and the standard (scaled) prediction's mean as a dashed line."""
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    levels = list(dict.fromkeys(curve[hue]))
    colors = plots.palette(levels, numeric=False)
    summary = analysis.summarize_by(curve, [hue, "passes"], [metric])
    for level in levels:
        part = summary[summary[hue] == level]
        ax.plot(part.passes, part[f"{metric}_mean"], marker="o", color=colors[level], label=f"{level}: MC average")
        ax.fill_between(part.passes, part[f"{metric}_ci_low"], part[f"{metric}_ci_high"], color=colors[level], alpha=0.2)
        reference = standard[(standard[hue] == level) & (standard.status == "done")][STANDARD[metric]].dropna()
        if len(reference):
            ax.axhline(reference.mean(), color=colors[level], linestyle="--", label=f"{level}: standard (scaled)")
    ax.set_xscale("log")
    ax.set_xlabel("stochastic forward passes T")
    ax.set_ylabel(LABELS.get(metric, metric))
    ax.set_title(title or f"{LABELS.get(metric, metric)} vs T")
    band = plt.matplotlib.patches.Patch(color="grey", alpha=0.2, label=plots.BAND_LABEL)
    plots.legend_outside(ax, (band,))
    return fig


def entropy_histograms(frame: pd.DataFrame, hue: str, title: str = "") -> plt.Figure:
    """One panel per ``hue`` value: the fraction of each group's inputs per entropy bin (step
    histograms of test digits correct / misclassified and OOD inputs, summed over seeds)."""
    levels = list(dict.fromkeys(frame[hue]))
    fig, axes = plt.subplots(1, len(levels), figsize=(4.2 * len(levels) + 1.5, 3.6), squeeze=False, sharey=True)
    colors = plots.palette(list(GROUPS), numeric=False)
    for ax, level in zip(axes[0], levels):
        part = frame[frame[hue] == level]
        for group, label in GROUPS.items():
            rows = part[part.group == group]
            if rows.empty or rows["count"].sum() == 0:
                continue
            share = rows["count"].to_numpy() / rows["count"].sum()
            ax.stairs(share, np.r_[rows.low.to_numpy(), rows.high.to_numpy()[-1]], color=colors[group],
                      label=f"{label} (n={int(rows['count'].sum())})", linewidth=1.6)
        ax.set_title(str(level))
        ax.set_xlabel("predictive entropy (nats; max ln 10)")
    axes[0][0].set_ylabel("fraction of the group's inputs")
    plots.legend_outside(axes[0][-1])
    fig.suptitle(title or "predictive entropy, in distribution vs out of distribution")
    return fig


def _mc_curve_figure(spec, study, trials, records):
    curve = curve_frame(records, list(study.axes), spec.where)
    if curve.empty:
        return None
    standard = analysis.select(trials, {**{k: v for k, v in spec.where.items() if k != "inference"}})
    standard = standard[standard.get("mc_passes", 0) == 0] if "mc_passes" in standard else standard.iloc[:0]
    return mc_curve(curve, spec.metric, spec.hue, standard, spec.title)


def _histogram_figure(spec, study, trials, records):
    frame = histogram_frame(records, list(study.axes), spec.where)
    return None if frame.empty else entropy_histograms(frame, spec.hue, spec.title)


# Figure kind -> f(spec, study, trials frame, records) -> Figure or None (suite.reporting.figures.FIGURE_KINDS).
FIGURES = {"mc_curve": _mc_curve_figure, "entropy_histogram": _histogram_figure}
