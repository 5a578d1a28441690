"""Tables in a paper's layout: a study's ``Table`` specs as markdown pivots, ours beside published."""
from __future__ import annotations

import math

import pandas as pd

from suite.analysis import is_percent, select
from suite.errors import UserError
from suite.study import Study, Table



def table_cell(row: pd.Series, spec: Table) -> str:
    """'2.31 ± 0.05 (2.26)': ours mean ± std over finished seeds, the published number in
    parentheses; 'diverged' when no seed finished and some diverged."""
    scale = 100 if is_percent(spec.metric) else 1
    flip = (lambda value: 1 - value) if spec.as_error else (lambda value: value)
    published = row.get(f"reference_{spec.metric}", math.nan)
    suffix = "" if pd.isna(published) else f" ({scale * flip(published):.2f})"
    total = int(row["n"] + row["n_diverged"] + row["n_failed"])
    if row["n"] == 0 or pd.isna(row[f"{spec.metric}_mean"]):
        text = "diverged" if row["n_diverged"] else "failed" if row["n_failed"] else "missing"
        return text + suffix
    mean, std = scale * flip(row[f"{spec.metric}_mean"]), scale * row[f"{spec.metric}_std"]
    text = f"{mean:.2f}" + ("" if math.isnan(std) else f" ± {std:.2f}")
    if row["n_diverged"]:
        text += f" ({int(row['n_diverged'])} of {total} seeds diverged)"
    return text + suffix


def render(study: Study, summary: pd.DataFrame, spec: Table) -> str:
    """Markdown: one row per value of ``spec.rows``, one column per value of ``spec.columns``;
    the points matching ``spec.where`` must differ only in those two axes."""
    data = select(summary, spec.where)
    present_rows, present_columns = set(data[spec.rows]), set(data[spec.columns])
    rows = [value for value in study.levels[spec.rows] if value in present_rows]
    columns = [value for value in study.levels[spec.columns] if value in present_columns]
    header = [f"{spec.rows} \\ {spec.columns}", *(str(value) for value in columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row_value in rows:
        cells = [f"{spec.rows} = {row_value}"]
        for column_value in columns:
            match = data[(data[spec.rows] == row_value) & (data[spec.columns] == column_value)]
            if len(match) > 1:
                raise UserError(f"table '{spec.name}' of study '{study.name}': {len(match)} points "
                                f"share one cell; fix the other axes in its 'where'")
            cells.append(table_cell(match.iloc[0], spec) if len(match) else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table_lines(study: Study, summary: pd.DataFrame) -> list[str]:
    """The README section with every Table of the study, or nothing."""
    if not study.tables:
        return []
    lines = ["## Tables in the paper's layout", ""]
    for spec in study.tables:
        what = spec.metric.replace("accuracy", "error") if spec.as_error else spec.metric
        unit = " (%)" if is_percent(spec.metric) else ""
        lines += [f"**{spec.name}.** {spec.caption}".rstrip(), "",
                  f"Cells: ours, {what}{unit} mean ± std over seeds (published in parentheses).", "",
                  render(study, summary, spec), ""]
    return lines
