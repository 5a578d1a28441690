"""The results page's tables and verdict lines: the results table (one row per point), the
verdict with its evidence, and a study's ``Table`` specs as markdown pivots in a paper's layout."""
from __future__ import annotations

import json
import math

import pandas as pd

from suite.training import outcomes
from suite.analysis.frames import CONFIDENCE, LIST_SEEDS_UP_TO, is_percent, select
from suite.errors import UserError
from suite.design import seed_plan
from suite.design.study import Plan, Study, Table
from suite.training.tasks import REGRESSION_METRICS, TASKS


MIN_INTERVAL_VALUES = 3  # fewer values: a cell lists them instead of an interval (issue 30)


def _format(metric: str, mean: float):
    """Scale and format: accuracies in % with 2 decimals, counts and ratios from 1 up with 1,
    below 1 (a loss, a gradient norm) 3 significant digits."""
    return (100, ".2f") if is_percent(metric) else (1, ".1f" if abs(mean) >= 1 else ".3g")


def _seed_list(values, scale: int, form: str) -> str:
    return ", ".join(f"{scale * value:{form}}" for value in values)


def _cell(row: pd.Series, metric: str) -> str:
    """'62.10 ± 0.40 [61.11, 63.09] (seeds 61.9, 62.3; 1 of 3 collapsed: 11.25)': mean ± std
    [interval] over the runs that count, each seed's value with few seeds, and the runs left out."""
    finished = int(row["n"] + row.get("n_collapsed", 0) + row["n_diverged"])
    count = int(row.get(f"{metric}_n", row["n"]))
    # an epochs_to_* threshold left empty by a learned run was never reached within the budget
    never = int(row["n"] - count) if metric.startswith("epochs_to") else 0
    seeds, excluded = _as_list(row.get(f"{metric}_seeds")), _as_list(row.get(f"{metric}_excluded"))
    left_out = [f"{int(row[f'n_{status}'])} of {finished} {status}"
                for status in ("collapsed", "diverged") if row.get(f"n_{status}", 0)]
    if count == 0:
        if finished == 0:
            return "failed" if row["n_failed"] else "missing"
        if row["n"] == 0:  # no seed learned: the classes, then the values they reached
            classes = [status for status in ("collapsed", "diverged") if row.get(f"n_{status}", 0)]
            values = f": {_seed_list(excluded, *_format(metric, max(excluded, key=abs)))}" if excluded else ""
            counts = " + ".join(str(int(row[f"n_{status}"])) for status in classes)
            return f"{' / '.join(classes)} ({counts} of {finished}{values})"
        return f"never reached (0 of {never} seeds)" if never else f"n/a (0 of {int(row['n'])} seeds)"
    mean, std = row[f"{metric}_mean"], row[f"{metric}_std"]
    scale, form = _format(metric, mean)
    few = count < MIN_INTERVAL_VALUES and len(seeds) == count  # the values themselves, no interval
    text = (_seed_list(seeds, scale, form) if few
            else f"{scale * mean:{form}}" + (f" ± {scale * std:{form}}" if not math.isnan(std) else ""))
    if not few and not math.isnan(row[f"{metric}_ci_low"]):
        text += f" [{scale * row[f'{metric}_ci_low']:{form}}, {scale * row[f'{metric}_ci_high']:{form}}]"
    notes = []
    if few and count > 1:
        notes.append(f"{count} values: no interval below {MIN_INTERVAL_VALUES}")
    elif 1 < len(seeds) <= LIST_SEEDS_UP_TO:
        notes.append(f"seeds {_seed_list(seeds, scale, form)}")
    if never:
        notes.append(f"{count} of {int(row['n'])} seeds; {never} never reached it")
    elif count < row["n"]:
        notes.append(f"{count} of {int(row['n'])} seeds")
    if left_out:
        notes.append("; ".join(left_out) + (f": {_seed_list(excluded, scale, form)}" if excluded else ""))
    return text + (f" ({'; '.join(notes)})" if notes else "")


def _as_list(value) -> list:
    """A per-seed list from the summary (a list, or its text after a CSV round trip)."""
    if isinstance(value, str):
        return json.loads(value)
    return list(value) if isinstance(value, (list, tuple)) else []


def results_legend(study: Study | None = None) -> list[str]:
    """How to read the results table: outcome classes, the interval and its level (stated once);
    with a regression metric in ``study``, how its errors are measured."""
    regression = study is not None and any(metric in REGRESSION_METRICS for metric in study.metrics)
    return [f"Seeds: `done` = finished and learned (a classifier's best dev accuracy or final training "
            f"accuracy more than {100 * outcomes.CHANCE_BAND:g} points above chance; a regression's lowest dev "
            f"loss or final training loss below {1 - outcomes.REGRESSION_BAND:g}x the constant predictor's); "
            f"`collapsed` = finished without learning by that measure; `diverged` = NaN/inf loss, or a final "
            f"training loss above {outcomes.BLOWUP_FACTOR:g}x its loss at initialization; "
            f"`failed` = an error; `unstable` counts the `done` seeds whose final training loss is above their "
            f"loss at initialization (they learned, then lost it). Means, std and intervals "
            f"are over the `done` seeds (and, for numbers measured at initialization, the collapsed and "
            f"diverged ones too); a cell names the seeds it leaves out and their values.",
            "", f"Accuracies in %: mean ± std over seeds [two-sided {100 * CONFIDENCE:g}% interval "
            f"of the mean, the confidence level of every interval and verdict on this page; computed on "
            f"the logit scale for accuracies and fractions and on the log scale for losses, norms, "
            f"epochs and ratios, so it stays inside the metric's range]; with up to "
            f"{LIST_SEEDS_UP_TO} seeds each seed's value follows."
            + (f" {TASKS['regression'].wording}; their intervals are computed on the log scale (MSE, MAE) "
               f"and on the scale -log(1 - R^2)." if regression else "")]


def results_table(plan: Plan, summary: pd.DataFrame, trials: pd.DataFrame | None = None) -> str:
    """Markdown: one row per scientific value, metrics as mean ± std [interval] (accuracies in %).
    When the points span both task types (``suite.training.tasks``), one table per task, each with its
    own metrics (a regression's errors, a classifier's accuracies)."""
    metrics = list(plan.study.metrics)
    if trials is None or "task" not in trials or trials.task.nunique() < 2:
        return _results_table(plan, summary, trials, metrics)
    parts = []
    for task, rows in trials.groupby("task", sort=False):
        points = set(rows[list(plan.axes)].itertuples(index=False, name=None))
        mask = [point in points for point in summary[list(plan.axes)].itertuples(index=False, name=None)]
        own = [m for m in metrics if (m in REGRESSION_METRICS) == (task == "regression")]
        parts.append(f"**{task}**\n\n" + _results_table(plan, summary[mask], trials, own))
    return "\n\n".join(parts)


def _header(study: Study, metric: str) -> str:
    unit = " %" if is_percent(metric) else f" ({study.units[metric]})" if metric in study.units else ""
    return f"{metric}{unit}"


def _results_table(plan: Plan, summary: pd.DataFrame, trials: pd.DataFrame | None, metrics: list) -> str:
    table = summary[list(plan.axes)].copy()
    for key in plan.study.nuisance or {}:  # the values tuned for each scientific value
        tuned = trials.groupby(plan.axes)[key].first()
        values = [tuned.loc[point if len(point) > 1 else point[0]]
                  for point in summary[list(plan.axes)].itertuples(index=False, name=None)]
        table[f"tuned {key}"] = [f"{v:.4g}" if isinstance(v, float) else v for v in values]
    table["seeds (done/collapsed/diverged/failed)"] = [
        f"{r.n}/{r.n_collapsed}/{r.n_diverged}/{r.n_failed}"
        + (f" ({int(r.n_unstable)} unstable)" if getattr(r, "n_unstable", 0) else "") for r in summary.itertuples()]
    for metric in metrics:
        table[_header(plan.study, metric)] = [_cell(row, metric) for _, row in summary.iterrows()]
        reference = f"reference_{metric}"
        if reference in summary:
            table[f"published {_header(plan.study, metric)}"] = [
                _published(plan.study, metric, v) for v in summary[reference]]
    # a published column whose reference declares its digits stays as written (read as a number,
    # "96.90" would print as 96.9)
    declared = {f"published {_header(plan.study, r.metric)}" for r in plan.study.references if r.digits is not None}
    verbatim = [i for i, name in enumerate(table.columns) if name in declared]
    return table.to_markdown(index=False, disable_numparse=verbatim or False)


def _published(study: Study, metric: str, value: float) -> str:
    """A published number in the table's unit, with the decimals its reference declares (``digits``)."""
    if math.isnan(value):
        return ""
    digits = next((r.digits for r in study.references if r.metric == metric and r.digits is not None), None)
    scaled = 100 * value if is_percent(metric) else value
    return f"{scaled:.{digits}f}" if digits is not None else f"{scaled:.2f}" if is_percent(metric) else f"{value:g}"


def _evidence_lines(evidence: list[dict]) -> list[str]:
    lines = []
    for item in evidence:
        line = f"- {item['rule']}: {item['verdict'].replace('_', ' ')} [{item.get('test', item['kind'])} test] " \
               f"({item.get('detail') or item.get('why')})"
        if item.get("budget_note"):
            line += f"; {item['budget_note']} (the test alone said: {item.get('would_be', '').replace('_', ' ')})"
        if item.get("power_note"):
            line += f"; {item['power_note']}"
        if item.get("seeds_at_look"):
            at = {"supported": "decided", "not_supported": "decided", "budget_limited": "budget-limited"}.get(
                item["verdict"], "still open")  # an open rule ran every look it was given: not "decided"
            line += f"; {at} at look {item['look']} ({item['seeds_at_look']} seeds per point)"
        lines.append(line)
    return lines


def plan_lines(verdict: dict, spent: dict | None = None, plan_hash: str = "", changed_at: str = "") -> list[str]:
    """The seed plan a page was judged under: its looks and level spending, the seed values when
    they start past 0 (a replication's ``first_seed``), the seeds each look added, the plan's hash
    and the commit where the study's rules last changed."""
    plan = verdict.get("plan")
    lines = []
    first = plan.get("first_seed", 0) if plan else 0
    values = f" ({seed_plan.values_text(first, plan['looks'][-1])})" if first and plan["looks"] else ""
    if plan and len(plan["looks"]) > 1:
        lines.append(f"Seed plan (sequential design, declared in the study before the data): looks at "
                     f"{', '.join(map(str, plan['looks']))} seeds per point{values}, each deciding at one-sided "
                     f"level {plan['level_per_look']:.4g} ({plan['spending']})"
                     + (f"; trials run per look: {', '.join(f'look {k}: {n}' for k, n in spent.items())}" if spent else "")
                     + ".")
    elif plan:
        lines.append(f"Seed plan (declared in the study before the data): {', '.join(map(str, plan['looks']))} "
                     f"seeds per point{values}, judged once at one-sided level {plan['level_per_look']:.4g}.")
    if plan_hash:
        lines.append(f"Plan hash `{plan_hash}` (rules, margins, axes, profile and seeds)"
                     + (f"; the study's definition last changed in commit `{changed_at}`" if changed_at else "") + ".")
    return lines


def verdict_lines(verdict: dict) -> list[str]:
    lines = [f"**Verdict: {verdict['verdict'].replace('_', ' ')}.**", ""]
    if "claims" not in verdict:
        lines += _evidence_lines(verdict["evidence"])
    else:
        for number, claim in enumerate(verdict["claims"], 1):
            lines += [f"{number}. **{claim['claim']}**: {claim['verdict'].replace('_', ' ')}.", "",
                      *(f"   {line}" for line in _evidence_lines(claim["evidence"])), ""]
        lines = lines[:-1]
    return lines + ["", f"How the verdict is decided: {verdict['rule']}."]


def table_cell(row: pd.Series, spec: Table) -> str:
    """'2.31 ± 0.05 (2.26)': ours mean ± std over the learned seeds, the published number in
    parentheses; 'diverged' / 'collapsed' when no seed learned, and the seeds left out named."""
    scale = 100 if is_percent(spec.metric) else 1
    flip = (lambda value: 1 - value) if spec.as_error else (lambda value: value)
    published = row.get(f"reference_{spec.metric}", math.nan)
    suffix = "" if pd.isna(published) else f" ({scale * flip(published):.2f})"
    bare = "" if pd.isna(published) else f"; published {scale * flip(published):.2f}"  # beside no number of ours
    collapsed = int(row.get("n_collapsed", 0))
    total = int(row["n"] + collapsed + row["n_diverged"] + row["n_failed"])
    if row["n"] == 0 or pd.isna(row[f"{spec.metric}_mean"]):
        text = ("diverged" if row["n_diverged"] and not collapsed else "collapsed" if collapsed and not row["n_diverged"]
                else f"{collapsed} collapsed, {int(row['n_diverged'])} diverged" if collapsed
                else "failed" if row["n_failed"] else "missing")
        return f"{text}{bare}"
    mean, std = scale * flip(row[f"{spec.metric}_mean"]), scale * row[f"{spec.metric}_std"]
    text = f"{mean:.2f}" + ("" if math.isnan(std) else f" ± {std:.2f}")
    left_out = [f"{count} of {total} seeds {status}" for status, count in
                (("collapsed", collapsed), ("diverged", int(row["n_diverged"]))) if count]
    if left_out:
        text += f" ({', '.join(left_out)})"
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
        unit = " (%)" if is_percent(spec.metric) else f" ({study.units[spec.metric]})" if spec.metric in study.units \
            else ""
        lines += [f"**{spec.name}.** {spec.caption}".rstrip(), "",
                  f"Cells: ours, {what}{unit} mean ± std over the seeds that learned (published in "
                  f"parentheses).", "",
                  render(study, summary, spec), ""]
    return lines
