"""Figure kind ``heatmap``: the mean of a metric over a grid of two axes, one panel per value of
a third (Loshchilov & Hutter 2019, Figure 1: test error over learning rate x weight decay for
Adam and AdamW). Pure: a DataFrame in, a matplotlib figure out; the report writes it."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import Rectangle

from suite.analysis import frames as analysis


def grid_means(trials: pd.DataFrame, x: str, y: str, facet: str, metric: str, as_error: bool) -> pd.DataFrame:
    """One row per (facet, y, x) cell: ``value`` = mean of ``metric`` (1 - metric with
    ``as_error``) over the seeds that count for it (``analysis.counted``), NaN where none does;
    ``n`` = how many counted. ``facet`` may be empty (one panel)."""
    keys = [c for c in (facet, y, x) if c]
    rows = []
    for values, cell in trials.groupby(keys, sort=False):
        found = analysis.counted(cell, metric)[metric].dropna()
        mean = float(found.mean()) if len(found) else np.nan
        rows.append({**dict(zip(keys, values if isinstance(values, tuple) else (values,))),
                     "value": 1 - mean if as_error else mean, "n": len(found)})
    return pd.DataFrame(rows)


def _best_cells(table: pd.DataFrame, minimize: bool) -> list[tuple[int, int]]:
    """(row, column) of the best cell in each column of the pivot ``table``."""
    cells = []
    for column, name in enumerate(table.columns):
        values = table[name]
        if values.notna().any():
            cells.append((table.index.get_loc(values.idxmin() if minimize else values.idxmax()), column))
    return cells


def robust_limits(values, fence: float = 3.0) -> tuple[float, float]:
    """Colour limits that one far cell cannot set: the range of the finite values, cut at Tukey's
    far-out fences (quartiles -/+ ``fence`` x the inter-quartile range; Tukey 1977). Cells beyond
    take the end colours and are hatched. All values equal: their range."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return np.nan, np.nan
    q1, q3 = np.percentile(finite, (25, 75))
    spread = q3 - q1
    if spread <= 0:
        return float(finite.min()), float(finite.max())
    return float(max(finite.min(), q1 - fence * spread)), float(min(finite.max(), q3 + fence * spread))


def heatmap_grid(cells: pd.DataFrame, x: str, y: str, facet: str, metric: str, title: str = "",
                 as_error: bool = False, order: dict | None = None) -> plt.Figure:
    """One annotated heatmap per facet value (viridis, shared colour scale; grey: no run counted),
    each column's best cell outlined in red: where the good region lies along ``y`` for each
    ``x``. ``order``: column -> ordered values (the study's levels)."""
    order = order or {}
    facets = [v for v in order.get(facet, []) if v in set(cells[facet])] if facet else [None]
    facets = facets or list(dict.fromkeys(cells[facet])) if facet else facets
    low, high = robust_limits(cells.value)
    figure, axes = plt.subplots(1, len(facets), figsize=(4.6 * len(facets) + 1, 4.2), squeeze=False)
    scale = 100.0 if analysis.is_percent(metric) else 1.0
    label = f"{'test error' if as_error and metric == 'test_accuracy' else ('1 - ' if as_error else '') + metric}"
    for ax, value in zip(axes[0], facets):
        part = cells if facet == "" or value is None else cells[cells[facet] == value]
        table = part.pivot(index=y, columns=x, values="value")
        table = table.reindex(index=[v for v in order.get(y, sorted(table.index)) if v in table.index][::-1],
                              columns=[v for v in order.get(x, sorted(table.columns)) if v in table.columns])
        sns.heatmap(table * scale, ax=ax, cmap="viridis" if as_error else "viridis_r", vmin=low * scale,
                    vmax=high * scale, annot=True, fmt=".1f", cbar=ax is axes[0][-1],
                    cbar_kws={"label": f"{label}{' (%)' if scale == 100 else ''}"})
        for row, column in zip(*np.nonzero(((table < low) | (table > high)).to_numpy())):
            ax.add_patch(Rectangle((column, row), 1, 1, fill=False, hatch="//", edgecolor="white", linewidth=0))
        for row, column in _best_cells(table, minimize=as_error):
            ax.add_patch(Rectangle((column + 0.04, row + 0.04), 0.92, 0.92, fill=False, edgecolor="red", linewidth=2.5))
        ax.set_facecolor("0.85")
        ax.set_title(f"{facet} = {value}" if facet else "")
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_xticklabels([f"{v:g}" if isinstance(v, float) else str(v) for v in table.columns], rotation=0)
        ax.set_yticklabels([f"{v:g}" if isinstance(v, float) else str(v) for v in table.index], rotation=0)
    clipped = bool(((cells.value < low) | (cells.value > high)).any())
    figure.suptitle(f"{title or label}\nmean over seeds; red box: the best {y} at each {x}"
                    + ("\nhatched: beyond the colour scale (Tukey's far-out fences)" if clipped else ""))
    figure.tight_layout()
    return figure


def heatmap_figure(spec, study, trials, history, records):
    """Report adapter (``suite.reporting.figures.FIGURE_KINDS``): ``spec.x`` across, ``spec.y`` down,
    one panel per ``spec.hue``; None when nothing finished."""
    data = analysis.select(trials, spec.where)
    if data.empty or not data[spec.metric].notna().any():
        return None
    cells = grid_means(data, spec.x, spec.y, spec.hue, spec.metric, spec.as_error)
    return heatmap_grid(cells, spec.x, spec.y, spec.hue, spec.metric, spec.title, spec.as_error, study.levels)
