"""Before anything trains: every metric a study reads (its rules, tables, summary metrics and
metric figures) and a search's objective must be a metric its trials log
(``suite.training.logged``), a column the trials frame adds (``suite.analysis.frames``) or a
search comparison's own (``Comparison.metrics``). Anything else would leave an empty column, a
rule "inconclusive" for want of seeds that did finish, or a search that picks a "best" on nothing.

A study with ``derive`` computes further metrics from the trials frame; names unknown here are
left to the report, which refuses a metric no finished trial has (``suite.reporting.report``).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from suite.analysis.frames import FRAME_METRICS
from suite.data import datasets
from suite.design.study import Plan
from suite.errors import UserError, did_you_mean
from suite.training import logged

METRIC_FIGURES = ("metric_vs", "ratio_vs", "heatmap")  # figure kinds whose metric is a trial metric


def _facts(name: str) -> Iterable[str]:
    return datasets.load(name).facts  # loaded (and cached) by the plan's validation already


def available(plan: Plan, facts: Callable[[str], Iterable[str]] = _facts) -> set[str]:
    """The metric names the trials of ``plan`` log, with the frame's and a comparison's own."""
    configs = {json.dumps({k: v for k, v in t.config.items() if k != "seed"}, sort_keys=True, default=str): t.config
               for t in plan.trials}
    names = set(FRAME_METRICS) | set(getattr(plan.study.comparison, "metrics", ()) or ())
    for config in configs.values():
        names |= logged.logged(config, facts(config["dataset"]))
    return names


def read_by(study) -> list[tuple[str, str]]:
    """(what reads it, metric) for every metric the study's pages read."""
    return [*((f"metrics {list(study.metrics)}", name) for name in study.metrics),
            *((f"rule {rule.says or rule.kind!r}", rule.metric) for rule in study.rules),
            *((f"table '{table.name}'", table.metric) for table in study.tables),
            *((f"figure '{figure.name}'", figure.metric) for figure in study.figures if figure.kind in METRIC_FIGURES)]


def _choices(names: set[str]) -> str:
    return ", ".join(sorted(names))


def check_study(plan: Plan, facts: Callable[[str], Iterable[str]] = _facts) -> None:
    """UserError for the first metric the study reads that its trials do not log (naming it,
    what reads it and the metrics available)."""
    names = available(plan, facts)
    for reader, metric in read_by(plan.study):
        if not logged.is_logged(metric, names) and plan.study.derive is None:
            raise UserError(f"study '{plan.study.name}': {reader} reads metric '{metric}', which its trials do not "
                            f"log{did_you_mean(metric, names)}; choose one of: {_choices(names)}")


def dev_metrics(plan: Plan, facts: Callable[[str], Iterable[str]] = _facts) -> set[str]:
    """The dev-split metrics the trials of ``plan`` log: what a search may select on."""
    return {name for name in available(plan, facts) - set(FRAME_METRICS) if "dev" in name.split("_")}
