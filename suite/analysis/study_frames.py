"""The trials frame of one study: the frames module's rows, the study's derived columns, and a
column for every metric it reads. Pure DataFrame work, shared by the report, the Python API and
the sequential design (which judges the stored trials between its looks)."""
from __future__ import annotations

import math

import pandas as pd

from suite.analysis import frames as analysis
from suite.design.study import Plan
from suite.errors import UserError

FINISHED_RUNS = ("done", "collapsed")  # ran to their end: they logged every metric of their config


def with_metric_columns(trials: pd.DataFrame, study) -> pd.DataFrame:
    """Every metric the study's tables, rules and summary figures read, as a column (NaN where no
    trial measured it: every trial diverged or failed), so the report says so instead of crashing."""
    names = [*study.metrics, *(rule.metric for rule in study.rules), *(spec.metric for spec in study.tables),
             *(spec.metric for spec in study.figures if spec.kind in ("metric_vs", "ratio_vs", "heatmap"))]
    missing = [name for name in dict.fromkeys(names) if name not in trials]
    finished = int(trials.status.isin(FINISHED_RUNS).sum()) if "status" in trials else 0
    logged = trials.select_dtypes("number").columns
    if missing and finished:  # not "no trial got that far": a name no trial logs (a study's derive missed it)
        raise UserError(f"study '{study.name}' reads metric '{missing[0]}', which none of its {finished} finished "
                        f"trials logged; fix the metric its rules, tables, metrics or figures name (the trials "
                        f"have: {', '.join(sorted(set(logged) - {*study.axes, 'seed'}))[:600]})")
    return trials.assign(**{name: math.nan for name in missing}) if missing else trials


def study_trials(plan: Plan, records: list[dict]) -> pd.DataFrame:
    """One row per trial: the study's levels, nuisance keys, derived columns, and a column for
    every metric its tables, rules and figures read (NaN where no trial measured it)."""
    study = plan.study
    trials = analysis.trials_frame(records, study.levels, tuple(study.nuisance or ()))
    # a study's derive reads the metrics of trials that ran to their end: with none (every trial
    # diverged or failed) there is nothing to derive, and the columns it would add are NaN below
    ran = study.derive and "status" in trials and trials.status.isin(FINISHED_RUNS).any()
    return with_metric_columns(study.derive(trials) if ran else trials, study)
