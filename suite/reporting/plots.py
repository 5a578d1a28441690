"""Figures from DataFrames. Each function returns a matplotlib Figure and writes nothing."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless: reports are rendered on servers and in CI

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib import ticker  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from suite.analysis.frames import CONFIDENCE, mean_ci  # noqa: E402

# One theme for every figure: seaborn's "colorblind" palette (Wong's eight colours plus two)
# for names, viridis (perceptually uniform, readable in grey and by colour-blind readers) for
# ordered numbers, and markers beside colours wherever lines must be told apart.
THEME = {"context": "notebook", "style": "whitegrid", "palette": "colorblind", "font_scale": 0.9,
         "rc": {"axes.titlesize": "medium", "legend.fontsize": "small", "legend.title_fontsize": "small",
                "savefig.bbox": "tight", "svg.fonttype": "none", "svg.hashsalt": "suite", "pdf.fonttype": 42}}
sns.set_theme(**THEME)
# What every shaded band and error bar spans, said in one place (the tables' interval level).
BAND_LABEL = f"{CONFIDENCE:.0%} CI over seeds"
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")

LABELS = {"test_accuracy": "test accuracy", "dev_accuracy": "dev accuracy", "loss": "train loss",
          "accuracy": "train accuracy", "dev_loss": "dev loss",
          "best_dev_accuracy": "best dev accuracy", "final_train_accuracy": "final train accuracy",
          "train_accuracy": "train accuracy", "epochs_to_100": "epochs to 100% train accuracy",
          "epochs_to_99_9": "epochs to 99.9% train accuracy", "step": "optimizer step",
          "bias_grad_norm": "||dC/db|| (bias-gradient norm)", "weight_grad_norm": "||dC/dW|| (weight-gradient norm)",
          "activation_std": "activation std", "backprop_grad_std": "back-propagated gradient std (dC/dz)",
          "dead_fraction": "fraction of dead units", "saturated_fraction": "fraction of saturated units",
          "act_input": "input of one activation (unit 1)", "learned_fraction": "share of seeds that learned"}



MIN_BAND = 3  # an interval from fewer values is not a band worth drawing: the seeds are shown instead


def band(values, metric: str = "") -> tuple[float, float]:
    """The interval of the mean drawn as a band, (nan, nan) below ``MIN_BAND`` values."""
    values = list(values)
    if len(values) < MIN_BAND:
        return float("nan"), float("nan")
    return tuple(mean_ci(values, metric)[2:])


def log_axis(ax, which: str = "x", base: float = 10) -> None:
    """A log axis whose labels never overlap: labelled major ticks, unlabelled minor ones
    (matplotlib labels minor ticks on spans under a decade, where they crowd)."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log", base=base)
    axis.set_major_formatter(ticker.LogFormatterSciNotation(base=base, labelOnlyBase=False,
                                                            minor_thresholds=(0, 0)))
    axis.set_minor_formatter(ticker.NullFormatter())


def palette(levels, numeric: bool | None = None) -> dict:
    """Level -> colour: viridis for ordered numbers, the colour-blind palette for names (cycled
    beyond ten, where the markers keep the levels apart)."""
    levels = list(levels)
    if numeric is None:
        numeric = all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in levels)
    colors = (sns.color_palette("viridis", len(levels)) if numeric and len(levels) > 2
              else [sns.color_palette("colorblind", 10)[i % 10] for i in range(len(levels))])
    return dict(zip(levels, colors))


def legend_outside(ax, extra: tuple = (), **kwargs) -> None:
    """The legend right of the axes, where it covers no data (savefig's tight box keeps it);
    ``extra``: proxy artists to add (e.g. what a shaded band spans)."""
    handles, labels = ax.get_legend_handles_labels()
    handles, labels = [*handles, *extra], [*labels, *(artist.get_label() for artist in extra)]
    # the series first, then what the marks mean (seeds, published numbers, bands)
    order = sorted(range(len(labels)), key=lambda i: labels[i] in ("each seed", "published") or i >= len(labels) - len(extra))
    handles, labels = [handles[i] for i in order], [labels[i] for i in order]
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                  frameon=False, **kwargs)


def _error(metric: str) -> str:
    return LABELS.get(metric, metric).replace("accuracy", "error")


def outlier_split(values, ratio: float = 3.0) -> tuple | None:
    """Where a y axis should break: ((low, high) of the bulk, (low, high) of the outliers), or None.

    The values are split at their widest gap; it is a break when the gap is ``ratio`` times wider
    than the bulk's own range and the bulk (the larger side) holds at least 2/3 of the values,
    i.e. when a few values would squeeze the rest into a sliver.
    """
    values = np.sort(np.asarray([v for v in values if np.isfinite(v)], dtype=float))
    if len(values) < 4:
        return None
    gaps = np.diff(values)
    cut = int(np.argmax(gaps))
    lower, upper = values[:cut + 1], values[cut + 1:]
    bulk, rest = (lower, upper) if len(lower) >= len(upper) else (upper, lower)
    spread = max(bulk[-1] - bulk[0], 1e-12)
    if len(bulk) < 2 * len(values) / 3 or gaps[cut] < ratio * spread:
        return None
    return (bulk[0], bulk[-1]), (rest[0], rest[-1])


def _padded(low: float, high: float, fraction: float = 0.15, floor: float = 0.0) -> tuple:
    pad = max((high - low) * fraction, floor)
    return low - pad, high + pad


def metric_vs_axis(summary: pd.DataFrame, axis: str, metric: str, trials: pd.DataFrame | None = None,
                   title: str = "", hue: str = "", as_error: bool = False,
                   reference_line: tuple | None = None) -> plt.Figure:
    """Mean over seeds with its confidence interval (``BAND_LABEL``), each seed as a dot, and the
    published numbers; one colour per value of ``hue`` when given. A numeric axis keeps its
    spacing and draws lines with shaded bands; named values (categories) get a dot plot with error
    bars and no joining lines. When a few points sit far from the rest (``outlier_split``) the y
    axis breaks into two panels, so the bulk is not squeezed into a sliver. ``as_error`` plots
    1 - metric; ``reference_line`` is (y, label) for a horizontal guide such as chance."""
    levels = list(dict.fromkeys(summary[axis]))
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in levels)
    # a numeric axis keeps its spacing; names sit at even steps in the study's order
    where = {value: value for value in sorted(levels)} if numeric else {v: i for i, v in enumerate(levels)}
    flip = (lambda values: 1 - values) if as_error else (lambda values: values)
    groups = list(summary.groupby(hue, sort=False)) if hue else [(None, summary)]
    colors = palette([label for label, _ in groups]) if hue else {None: sns.color_palette("colorblind")[0]}
    reference = f"reference_{metric}"
    has_reference = reference in summary and summary[reference].notna().any()
    ys = [*flip(summary[f"{metric}_mean"])]
    if trials is not None:
        ys += [*flip(trials.loc[trials.status == "done", metric].astype(float))]
    if has_reference:
        ys += [*flip(summary[reference].dropna())]
    split = outlier_split(ys)
    ends = [*flip(summary[f"{metric}_ci_low"]).dropna(), *flip(summary[f"{metric}_ci_high"]).dropna()]
    if "accuracy" in metric:
        ends = [min(max(v, 0.0), 1.0) for v in ends]
    if split:
        (bulk_lo, bulk_hi), (out_lo, out_hi) = split
        outliers_below = out_hi < bulk_lo
        fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7.2, 4.8),
                                          gridspec_kw={"height_ratios": [3, 1] if outliers_below else [1, 3],
                                                       "hspace": 0.08})
        panels = [top, bottom]
    else:
        fig, ax = plt.subplots(figsize=(7.2, 4.2))
        panels = [ax]
    dodge = 0.0 if numeric or len(groups) == 1 else 0.5 / len(groups)
    for ax in panels:
        for number, (label, group) in enumerate(groups):
            color, marker = colors[label], MARKERS[number % len(MARKERS)]
            shift = (number - (len(groups) - 1) / 2) * dodge
            positions = group[axis].map(where) + shift
            mean = flip(group[f"{metric}_mean"])
            low, high = flip(group[f"{metric}_ci_low"]), flip(group[f"{metric}_ci_high"])
            if as_error:
                low, high = high, low
            if "accuracy" in metric:  # a t-interval can leave [0, 1] with few, spread seeds
                low, high = low.clip(0, 1), high.clip(0, 1)
            if f"{metric}_n" in group:  # an interval from fewer than MIN_BAND values is not drawn
                few = group[f"{metric}_n"].to_numpy() < MIN_BAND
                low, high = low.mask(few), high.mask(few)
            name = f"{hue} {label}" if hue else "mean over seeds"
            if numeric:
                ax.plot(positions, mean, marker=marker, color=color, label=name)
                ax.fill_between(positions, low, high, alpha=0.2, color=color, linewidth=0)
            else:  # categories: no line joins one name to the next
                ax.errorbar(positions, mean, yerr=[(mean - low).clip(lower=0), (high - mean).clip(lower=0)],
                            fmt=marker, color=color, markersize=7, capsize=3, linestyle="none", label=name)
            if trials is not None:
                done = trials[(trials.status == "done") & (trials[hue] == label if hue else True)]
                # astype: with no done seed in a group the mapped column stays an (empty) string column
                ax.scatter(done[axis].map(where).astype(float) + shift, flip(done[metric].astype(float)), s=14, alpha=0.55, zorder=3,
                           color="black" if not hue else color, marker="o", linewidths=0,
                           **({"label": "each seed"} if number == 0 else {}))
        if has_reference:
            ax.plot(summary[axis].map(where), flip(summary[reference]), linestyle="none", marker="_",
                    markersize=14, markeredgewidth=2, color="0.35", label="published", zorder=4)
        if reference_line:
            ax.axhline(reference_line[0], color="0.4", linestyle=":", label=reference_line[1])
    first, ax = panels[0], panels[-1]
    if numeric and wide_range(levels):
        log_axis(ax, "x")
    ax.set_xticks(list(where.values()), [str(value) for value in where])
    if not numeric and len(where) > 5:  # many names side by side: slant them so they do not overlap
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right", rotation_mode="anchor")
    if not numeric:
        ax.set_xlim(-0.6, len(where) - 0.4)
    ax.set_xlabel(axis)
    name = _error(metric) if as_error else LABELS.get(metric, metric)
    if split:
        top, bottom = panels
        # each panel also spans the interval ends nearer to its own values than to the other's
        for value in ends:
            if abs(value - np.clip(value, out_lo, out_hi)) < abs(value - np.clip(value, bulk_lo, bulk_hi)):
                out_lo, out_hi = min(out_lo, value), max(out_hi, value)
            else:
                bulk_lo, bulk_hi = min(bulk_lo, value), max(bulk_hi, value)
        bulk, out = _padded(bulk_lo, bulk_hi, floor=1e-3), _padded(out_lo, out_hi, 0.15, floor=1e-3)
        (bottom if outliers_below else top).set_ylim(*out)
        (top if outliers_below else bottom).set_ylim(*bulk)
        top.spines["bottom"].set_visible(False)
        bottom.spines["top"].set_visible(False)
        top.tick_params(bottom=False)
        marks = {"marker": [(-1, -0.5), (1, 0.5)], "markersize": 10, "linestyle": "none", "color": "k",
                 "mec": "k", "mew": 1, "clip_on": False}
        top.plot([0, 1], [0, 0], transform=top.transAxes, **marks)
        bottom.plot([0, 1], [1, 1], transform=bottom.transAxes, **marks)
        fig.supylabel(f"{name} (broken axis)", fontsize="medium")
    else:
        first.set_ylabel(name)
    first.set_title(title or f"{name} vs {axis}")
    # the legend says what the band or the bars span
    span = (Patch(alpha=0.2, color="0.5", label=f"band: {BAND_LABEL}") if numeric
            else Line2D([], [], color="0.3", marker="|", markersize=12, linestyle="none", label=f"bars: {BAND_LABEL}"))
    legend_outside(first, extra=(span,))
    return fig


def _seed_bands(data: pd.DataFrame, x: str, metric: str, hue: str, log_y: bool, **style):
    """One line per ``hue`` value with its band over the seeds (``BAND_LABEL``: the tables'
    interval of the mean, ``analysis.mean_ci``: a t-interval on the metric's scale), numeric hues
    in order; the legend sits outside the data."""
    fig, ax = plt.subplots(figsize=(7.2, 4.2))
    levels = list(dict.fromkeys(data[hue]))
    numeric = pd.api.types.is_numeric_dtype(data[hue])
    colors = palette(sorted(levels) if numeric else levels, numeric)
    if not numeric and len(levels) > 10:  # the palette's ten colours repeat: markers tell them apart
        style = {**{k: v for k, v in style.items() if k != "marker"}, "style": hue, "style_order": list(colors),
                 "markers": [MARKERS[i % len(MARKERS)] for i in range(len(colors))],
                 "dashes": ["" if i < 10 else (4, 1.5) for i in range(len(colors))]}  # second round dashed
    # seaborn's default bootstrap took 5.7 s for one 500-epoch, 5-layer figure; this takes 0.9 s
    sns.lineplot(data=data, x=x, y=metric, hue=hue, errorbar=lambda values: band(values, metric),
                 palette=colors, hue_order=list(colors), ax=ax, **style)
    if log_y:
        log_axis(ax, "y")
    legend_outside(ax, extra=(Patch(alpha=0.2, color="0.5", label=f"band: {BAND_LABEL}"),), title=hue)
    return fig, ax


def learning_curves(history: pd.DataFrame, hue: str, metric: str, title: str = "",
                    x: str = "epoch") -> plt.Figure:
    """Per-epoch ``metric`` against ``x`` (epoch or step) for each value of ``hue``; bands span
    the seeds (``BAND_LABEL``). NaN values (epochs without a dev pass, ``validation_freq``) are
    left out (seaborn drops them): the line joins the epochs that were measured."""
    fig, ax = _seed_bands(history, x, metric, hue, log_y=metric.endswith("loss"))
    ax.set_ylabel(LABELS.get(metric, metric))
    ax.set_title(title or f"{LABELS.get(metric, metric)} per {x} by {hue}")
    return fig


def wide_range(values) -> bool:
    """Positive numbers spanning two decades or more (learning rates) read best on a log axis."""
    values = [float(value) for value in values]
    return bool(values) and min(values) > 0 and max(values) / min(values) >= 100


def layer_statistics(probes: pd.DataFrame, x: str, metric: str, hue: str, title: str = "",
                     log_y: bool = False) -> plt.Figure:
    """A per-layer probe statistic against ``x`` (epoch or layer), one line per ``hue``; bands
    span the seeds (``BAND_LABEL``)."""
    data = probes.dropna(subset=[metric])
    if log_y:  # a statistic of exactly 0 (e.g. zero init) cannot sit on a log axis
        data = data[data[metric] > 0]
    fig, ax = _seed_bands(data, x, metric, hue, log_y, marker="o" if x == "layer" else None)
    if x == "layer":
        ax.set_xticks(sorted(data[x].unique()))
        ax.set_xlabel("hidden layer (1 = nearest the input)")
    ax.set_ylabel(LABELS.get(metric, metric))
    ax.set_title(title or f"{LABELS.get(metric, metric)} per {x}")
    return fig


def schedule_curves(frame: pd.DataFrame, hue: str, title: str = "", order: list | None = None) -> plt.Figure:
    """Learning rate (log scale) against the optimizer step, one line per ``hue`` value; a second
    panel shows the momentum when it is not the same constant everywhere. A schedule whose seeds
    took different paths (ReduceLROnPlateau follows each seed's dev loss) gets a panel of its own
    with one line per seed, instead of its seeds' plateaus joined into one zig-zag."""
    labels = [label for label in (order or []) if label in set(frame[hue])]
    labels += [label for label in dict.fromkeys(frame[hue]) if label not in labels]
    per_seed = [label for label in labels if frame[frame[hue] == label]["seed"].nunique() > 1]
    with_momentum = frame["momentum"].nunique() > 1
    rows = [("rate", 3.0), *((f"seeds {label}", 2.0) for label in per_seed), *([("momentum", 1.3)] if with_momentum else [])]
    fig, axes = plt.subplots(len(rows), 1, sharex=True, squeeze=False, figsize=(7.2, 1.6 * sum(r for _, r in rows)),
                             gridspec_kw={"height_ratios": [r for _, r in rows]})
    panels = {name: ax for (name, _), ax in zip(rows, axes[:, 0])}
    rate_ax = panels["rate"]
    colors = palette(labels, numeric=False)
    for number, label in enumerate(labels):
        curves = list(frame[frame[hue] == label].groupby("seed", sort=True))
        style = {"color": colors[label], "linewidth": 1.4,
                 "linestyle": ("-", "--", "-.", ":")[number // 10 % 4]}
        if label in per_seed:
            seed_colors = palette([seed for seed, _ in curves], numeric=True)
            for seed, curve in curves:
                panels[f"seeds {label}"].plot(curve["step"], curve["learning_rate"], color=seed_colors[seed],
                                              linewidth=1.2, label=f"seed {seed}")
            panels[f"seeds {label}"].set_yscale("log")
            panels[f"seeds {label}"].set_ylabel("learning rate")
            panels[f"seeds {label}"].set_title(f"{label}: one line per seed (the rate follows each seed's dev loss)",
                                               fontsize="small")
            legend_outside(panels[f"seeds {label}"])
            # in the shared panel: the seeds' median rate per step, named as such
            median = frame[frame[hue] == label].groupby("step")["learning_rate"].median()
            rate_ax.plot(median.index, median.values, label=f"{label} (median of {len(curves)} seeds)", **style)
        else:
            rate_ax.plot(curves[0][1]["step"], curves[0][1]["learning_rate"], label=str(label), **style)
        if with_momentum:
            panels["momentum"].plot(curves[0][1]["step"], curves[0][1]["momentum"], **style)
    rate_ax.set_yscale("log")
    rate_ax.set_ylabel("learning rate")
    rate_ax.set_title(title or f"learning rate per optimizer step by {hue}")
    legend_outside(rate_ax, title=hue)
    if with_momentum:
        panels["momentum"].set_ylabel("momentum")
    axes[-1][0].set_xlabel(LABELS["step"])
    return fig
