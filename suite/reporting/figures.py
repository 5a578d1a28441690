"""Which figures a report draws: a study's figure specs (``suite.design.study.Figure``, by kind) turned
into matplotlib figures from the trials, learning curves and probe rows (``build``), else the
default plots. Pure: frames in, figures out; ``suite.reporting.report`` saves them."""
from __future__ import annotations

import pandas as pd

from suite.analysis import frames as analysis
from suite.analysis import schedule_frames
from suite.reporting import heatmaps
from suite.reporting import plots
from suite.reporting import search_plots
from suite.errors import lookup
from suite.design.study import Plan


def _label(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One label per combination of values, e.g. 'wd, random'."""
    return frame[columns].astype(str).agg(", ".join, axis=1)


def _default_figures(plan: Plan, trials: pd.DataFrame, summary: pd.DataFrame, history: pd.DataFrame) -> dict:
    """The first metric against the first axis, one line per combination of the other axes, and
    the learning curves, one line per point."""
    study, axis, others = plan.study, plan.axes[0], plan.axes[1:]
    hue = ", ".join(others)
    if others:
        summary, trials = summary.assign(**{hue: _label(summary, others)}), trials.assign(**{hue: _label(trials, others)})
    figures = {f"{metric}_vs_{axis}.png": plots.metric_vs_axis(summary, axis, metric, trials, hue=hue)
               for metric in study.metrics[:1] if trials[metric].notna().any()}  # not when none measured it
    if not history.empty:
        curve_hue = ", ".join(plan.axes)
        if others:
            history = history.assign(**{curve_hue: _label(history, plan.axes)})
        figures.update({f"curves_{metric}.png": plots.learning_curves(history, curve_hue, metric)
                        for metric in study.curves})
    return figures


def _curves_figure(spec, study, trials, history, records):
    data = analysis.select(history, spec.where) if not history.empty else history
    return None if data.empty else plots.learning_curves(data, spec.hue, spec.metric, spec.title, spec.x)


def _summary_figure(spec, study, trials, history, records):
    data = analysis.select(trials, spec.where)
    if not data[spec.metric].notna().any():  # every trial diverged or failed: nothing to draw
        return None
    columns = [spec.hue, spec.x] if spec.hue else [spec.x]
    data = analysis.sort_points(data, {column: study.levels.get(column) for column in columns})
    line = spec.guide or None
    if spec.kind == "ratio_vs":
        data = analysis.ratio_to_baseline(data, spec.x, spec.baseline, spec.metric,
                                          ["seed", spec.hue] if spec.hue else ["seed"])
        line = (1.0, f"{spec.x} = {spec.baseline}")
    if data.empty:
        return None
    grouped = analysis.summarize_by(data, columns, [spec.metric])
    return plots.metric_vs_axis(grouped, spec.x, spec.metric, data, spec.title, spec.hue, spec.as_error, line)


def _layers_figure(spec, study, trials, history, records):
    data = analysis.probe_frame(records, list(study.axes))
    if data.empty:
        return None
    data = analysis.select(data[~data.output_layer], spec.where)
    if data.empty:
        return None
    return plots.layer_statistics(data, spec.x, spec.metric, spec.hue, spec.title, spec.log_y)


def _uncertainty_figure(spec, study, trials, history, records):
    """``mc_curve``: a test metric of the MC average against the passes T (one line per ``hue``,
    the standard prediction's mean dashed); ``entropy_histogram``: predictive entropy of test
    digits and OOD inputs, one panel per ``hue`` value, for the trials matching ``where``."""
    from suite.reporting import uncertainty_plots  # deferred: loads matplotlib

    return uncertainty_plots.FIGURES[spec.kind](spec, study, trials, records)


def _percentiles_figure(spec, study, trials, history, records):
    """Percentiles of a probe statistic over training (Ioffe & Szegedy 2015, Fig. 1(b, c)):
    the columns ``<metric>_p<q>`` of the probe rows matching ``where`` (axes, ``layer``), one
    line per percentile against ``spec.x`` (epoch)."""
    data = analysis.probe_frame(records, list(study.axes))
    columns = [column for column in data.columns if column.startswith(f"{spec.metric}_p")]
    if data.empty or not columns:
        return None
    data = analysis.select(data[~data.output_layer], spec.where)
    long = data.melt(id_vars=[spec.x, "seed"], value_vars=columns, var_name="percentile", value_name=spec.metric)
    long["percentile"] = long["percentile"].str.replace(f"{spec.metric}_p", "", regex=False) + "th"
    long = long.dropna(subset=[spec.metric])
    return None if long.empty else plots.layer_statistics(long, spec.x, spec.metric, "percentile", spec.title)


# Figure kind (study.Figure.kind) -> f(spec, study, trials, history, records) -> Figure or None.
FIGURE_KINDS = {"curves": _curves_figure, "metric_vs": _summary_figure, "ratio_vs": _summary_figure,
                "layers": _layers_figure, "heatmap": heatmaps.heatmap_figure, "mc_curve": _uncertainty_figure,
                "entropy_histogram": _uncertainty_figure, "percentiles": _percentiles_figure}


def build(plan: Plan, trials: pd.DataFrame, summary: pd.DataFrame, history: pd.DataFrame,
             records: list[dict], searches: pd.DataFrame | None = None) -> dict:
    """File name -> Figure: the study's own figure specs (study.Figure), else the default plots."""
    study = plan.study
    if not study.figures:
        return _default_figures(plan, trials, summary, history)
    figures = {}
    for spec in study.figures:
        if spec.kind in SEARCH_FIGURE_KINDS:
            figure = SEARCH_FIGURE_KINDS[spec.kind](spec, study, searches)
        else:
            figure = lookup(FIGURE_KINDS, spec.kind, "figure kind")(spec, study, trials, history, records)
        if figure is not None:
            figures[f"{spec.name}.png"] = figure
    return figures


def _nuisance_figure(spec, study, searches):
    if searches is None or searches.empty:
        return None
    data = analysis.sort_points(analysis.select(searches, spec.where), {spec.hue: study.levels.get(spec.hue)})
    return None if data.empty else search_plots.nuisance_sensitivity(data, spec.x, spec.metric, spec.hue, spec.title)


def _anytime_figure(spec, study, curves):
    from suite.search import anytime  # deferred: loads pandas and scikit-learn

    if curves is None or curves.empty:
        return None
    gridded = anytime.on_grid(curves, int(curves.epochs_spent.max()))
    data = analysis.sort_points(anytime.band(gridded), {"tuner": study.levels.get("tuner")})
    return search_plots.anytime_bands(data, spec.title)


# Figure kinds drawn from the nuisance searches' trials or a comparison's anytime curves:
# f(spec, study, searches frame or None). ``nuisance_vs``: each search trial's dev ``metric``
# against the nuisance key ``x``, a panel per ``hue``; ``anytime``: best dev accuracy so far
# against epochs spent, a band per tuner over its repetitions.
SEARCH_FIGURE_KINDS = {"nuisance_vs": _nuisance_figure, "anytime": _anytime_figure}


def _lr_schedule_figure(spec, study, trials, history, records):
    """Learning rate (and momentum) per optimizer step, one curve per value of ``spec.hue``."""
    chosen = [record for record in records if all(
        record["point"].get(key, record["config"].get(key)) in (value if isinstance(value, (list, tuple)) else [value])
        for key, value in spec.where.items())]
    frame = schedule_frames.schedule_frame(chosen, spec.hue)
    return None if frame.empty else plots.schedule_curves(frame, spec.hue, spec.title, study.levels.get(spec.hue))


FIGURE_KINDS["lr_schedule"] = _lr_schedule_figure


def _loglog_figure(spec, study, trials, history, records):
    """``metric`` against ``x`` on log-log axes (``suite.reporting.scaling``); ``baseline``: the slope of a
    guide line through the first point (-1: perfect scaling), ``log_y`` False for a linear y."""
    from suite.reporting import scaling  # deferred: loads matplotlib

    data = analysis.select(trials, spec.where)
    if not data[spec.metric].notna().any():
        return None
    grouped = analysis.summarize_by(data.sort_values(spec.x, kind="stable"), [spec.x], [spec.metric])
    return scaling.loglog(grouped, spec.x, spec.metric, data, spec.title, spec.baseline, spec.log_y)


FIGURE_KINDS["loglog"] = _loglog_figure


def _loglog_by_figure(spec, study, trials, history, records):
    """``power_law``: ``metric`` against ``x`` on log-log axes per ``hue``, with each hue's fitted
    power law; ``loglog_by``: the same without the fit (e.g. accuracy against parameters)."""
    from suite.reporting import scaling  # deferred: loads matplotlib

    data = analysis.select(trials, spec.where)
    if not data[spec.metric].notna().any():
        return None
    return scaling.loglog_by(data, spec.x, spec.metric, spec.hue, spec.title, fit=spec.kind == "power_law",
                             order=study.levels.get(spec.hue))


def _columns_figure(spec, study, trials, history, records):
    """``columns_vs``: the columns ``<metric>_<value>`` of the trials (e.g. test_accuracy_shift_2)
    as one metric against ``x`` = the numeric suffix, one line per ``hue``, mean and 95% CI."""
    prefix = f"{spec.metric}_"
    columns = [column for column in trials.columns if column.startswith(prefix)
               and column[len(prefix):].lstrip("-").isdigit()]
    data = analysis.select(trials, spec.where)
    if not columns or data.empty:
        return None
    ids = [column for column in ("seed", "status", spec.hue) if column]
    long = data.melt(id_vars=ids, value_vars=columns, var_name=spec.x, value_name=spec.metric)
    long[spec.x] = long[spec.x].str[len(prefix):].astype(int)
    long = analysis.sort_points(long, {spec.hue: study.levels.get(spec.hue)} if spec.hue else {})
    grouped = analysis.summarize_by(long, [spec.hue, spec.x] if spec.hue else [spec.x], [spec.metric])
    return plots.metric_vs_axis(grouped, spec.x, spec.metric, long, spec.title, spec.hue, spec.as_error,
                                spec.guide or None)


FIGURE_KINDS.update({"power_law": _loglog_by_figure, "loglog_by": _loglog_by_figure, "columns_vs": _columns_figure})
