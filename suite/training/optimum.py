"""Metrics of a trial on data that knows its minimum f* (``facts["optimal_loss"]``, e.g. the designed
quadratic of ``suite.data.quadratic``), read off the dev loss at each epoch's end (there the dev
split is the objective's own rows): how far above f* training ended, where it stalled, and after how
many steps the relative error (f - f*) / (f0 - f*) first reached a target."""
from __future__ import annotations

import math


def excess_metrics(rows: list[dict], facts: dict, steps_per_epoch: int, target: float = 0.0) -> dict:
    """``excess_loss``: last dev loss minus f*; ``tail_excess_loss``: its mean over the last half of
    the epochs (a noise floor); with ``target`` > 0, ``steps_to_tolerance``: the first step at
    which the relative error reaches ``target``, interpolated log-linearly between the two epoch
    ends around the crossing (NaN when never within the run). f0 is ``facts["initial_objective"]``
    (the loss at zero weights). Rounding below f* counts as 0."""
    best, start = facts["optimal_loss"], facts["initial_objective"]
    excess = [max(row["dev_loss"] - best, 0.0) for row in rows]
    finite = [value for value in excess if math.isfinite(value)]
    metrics = {"excess_loss": excess[-1] if excess else math.nan,
               "tail_excess_loss": sum(finite[len(finite) // 2:]) / len(finite[len(finite) // 2:]) if finite
               else math.nan}
    if target:
        metrics["steps_to_tolerance"] = steps_to(excess, start - best, target, steps_per_epoch)
    return metrics


def steps_to(excess: list[float], initial: float, target: float, steps_per_epoch: int) -> float:
    """First step at which ``excess`` / ``initial`` <= ``target``; ``excess[k]`` is measured after
    epoch k + 1, i.e. after (k + 1) x ``steps_per_epoch`` steps, and ``initial`` at step 0."""
    before = (0, initial)
    for epoch, value in enumerate(excess, start=1):
        if not math.isfinite(value):
            return math.nan
        if value <= target * initial:
            (step0, error0), step1 = before, epoch * steps_per_epoch
            if value <= 0 or error0 <= value:
                return float(step1)
            fraction = math.log(error0 / (target * initial)) / math.log(error0 / value)
            return step0 + fraction * (step1 - step0)
        before = (epoch * steps_per_epoch, value)
    return math.nan
