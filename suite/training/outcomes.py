"""Run outcome classes: did a trial learn, fail to learn, or blow up?

Pure functions of a trial's history and metrics, so a record is classified when it is built and
again when it is read (records stored before these classes existed reclassify the same way).

Statuses (``STATUSES``), decided on what the run learned, not on the path of its loss:

- ``done``: finished and learned. A classifier learned when its best dev accuracy or its final
  training accuracy lies more than ``CHANCE_BAND`` above chance (1/K for K classes); a
  regression learned when its lowest dev loss or its final training loss lies below
  ``1 - REGRESSION_BAND`` times the loss of the constant predictor (the training targets' mean).
  A run that learned and then became unstable (its final training loss above its loss at
  initialization, short of a blow-up) is still ``done``; ``unstable`` flags it for the pages.
- ``collapsed``: finished without learning by that measure, and without blowing up.
- ``diverged``: a NaN or infinite loss (training stops there), or a finite blow-up: the last
  epoch's training loss above ``BLOWUP_FACTOR`` times the reference loss.
- ``failed``: an exception inside the trial (retried on a rerun).

``collapsed`` and ``diverged`` are results (``FINISHED``): a rerun does not train them again.

The reference loss is the training loss at initialization (``suite.training.train`` measures it on one
evaluation batch of the training set before the first step, penalty included as in training).
Records stored before it was measured use the chance loss instead, the loss of the best constant
prediction (the class frequencies, uniform for the balanced datasets here): ln K for a softmax
output with cross-entropy, K x H(1/K) for Nielsen's independent sigmoid outputs; a network at a
usual initialization predicts about uniformly, so it starts near that value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

STATUSES = ("done", "collapsed", "diverged", "failed")
FINISHED = ("done", "collapsed", "diverged")  # results: a rerun skips them; "failed" is retried
LEARNED = ("done",)  # the runs whose trained metrics are averaged and compared

# A best dev accuracy and a final training accuracy both at most this far above chance (absolute,
# as a fraction) count as not learned: 5 points is well above the seed-to-seed noise of a model
# that predicts one class (its accuracy is that class's share, 10% +- ~1 point on the balanced
# 10-class sets) and far below anything a trained model on these tasks reaches (the worst learning
# runs sit above 30%).
CHANCE_BAND = 0.05
# A regression that explains less than this share of its constant predictor's loss (for MSE on
# standardized targets: R^2 below 0.05 on the training and dev splits) did not learn.
REGRESSION_BAND = 0.05
# A finite loss this many times the reference is a blow-up, not slow learning: runs that blow up
# end at 50-250x ln 10, while slow or saturated runs stay within ~3x of their start.
BLOWUP_FACTOR = 10.0

# Metrics measured at initialization, before any training (the layer probe's epoch 0, see
# ``suite.training.probes.summary_metrics``): they stay valid for a run that later collapsed or diverged.
INIT_METRICS = ("grad_ratio_first_last", "activation_std_ratio", "activation_std_drift",
                "backprop_std_ratio", "saturated_fraction_init",
                "state_grad_factor_init", "state_grad_r2_init", "state_grad_ratio_init")  # + sequence_models
INIT_PREFIXES = ("bias_grad_norm_",)
# Metrics of the outcome itself, defined for every finished run: ``learned_fraction`` is 1 for a
# run that learned (done) and 0 for one that collapsed or diverged, so its mean over seeds is the
# share of seeds that learned (what gradient clipping is claimed to raise at large rates).
OUTCOME_METRICS = ("learned_fraction",)


@dataclass(frozen=True)
class References:
    """What "did not learn" and "blew up" are measured against, for one task.

    ``loss``: the reference training loss (the loss at initialization; the chance loss for an old
    classifier record); ``accuracy``: chance accuracy (None for a regression); ``constant_loss``:
    a regression's loss of the constant predictor (None: not measured, then ``loss`` stands in).
    """
    loss: float
    accuracy: float | None = None
    constant_loss: float | None = None


def chance_loss(num_classes: int, output: str = "softmax") -> float:
    """Training loss of the best constant prediction for ``num_classes`` balanced classes.

    softmax + categorical cross-entropy: ln K (the entropy of the uniform distribution);
    independent sigmoid outputs with binary cross-entropy summed over the K units (Nielsen's
    network2 cost): K x H(1/K) = ln K + (K - 1) ln(K / (K - 1)). Raises ValueError for K < 2.
    """
    if num_classes < 2:
        raise ValueError(f"need at least 2 classes, got {num_classes}")
    k = num_classes
    if output == "sigmoid":
        return math.log(k) + (k - 1) * math.log(k / (k - 1))
    return math.log(k)


def classification_references(num_classes: int, output: str = "softmax",
                              initial_loss: float | None = None) -> References:
    """A K-class classifier's references: its loss at initialization (the chance loss when not
    measured) and chance accuracy 1/K."""
    loss = initial_loss if _finite(initial_loss) else chance_loss(num_classes, output)
    return References(loss, 1.0 / num_classes)


def classify(status: str, history: list[dict], metrics: dict, references: References) -> str:
    """The outcome class of a trial (one of ``STATUSES``; see the module's docstring).

    ``status``: what training said (``done``, ``diverged`` for a non-finite loss, ``failed``);
    ``history``: per-epoch rows with ``loss``, ``accuracy``, ``dev_loss``, ``dev_accuracy``;
    ``metrics``: final metrics of the kept weights (``train_loss``, ``train_accuracy``).
    ``failed`` and ``diverged`` stay; a ``done`` (or ``collapsed``) run is re-judged.
    """
    if status in ("failed", "diverged"):
        return status
    losses = _column(history, "loss")
    if any(not math.isfinite(loss) for loss in losses):
        return "diverged"
    if losses and references.loss > 0 and losses[-1] > BLOWUP_FACTOR * references.loss:
        return "diverged"
    return "done" if learned(history, metrics, references) else "collapsed"


def learned(history: list[dict], metrics: dict, references: References) -> bool:
    """Whether a finished run learned: a classifier's best dev accuracy or final training accuracy
    above chance + ``CHANCE_BAND``; a regression's lowest dev loss or final training loss below
    (1 - ``REGRESSION_BAND``) x the constant predictor's loss. With neither accuracies nor losses
    to read (a record without a history), the run counts as learned."""
    if references.accuracy is not None:
        best_dev = [value for value in _column(history, "dev_accuracy") if math.isfinite(value)]
        final_train = metrics.get("train_accuracy", (_column(history, "accuracy") or [None])[-1])
        readings = ([max(best_dev)] if best_dev else []) + ([final_train] if _finite(final_train) else [])
        return not readings or max(readings) > references.accuracy + CHANCE_BAND
    baseline = references.constant_loss if _finite(references.constant_loss) else references.loss
    dev = [value for value in _column(history, "dev_loss") if math.isfinite(value)]
    final_train = metrics.get("train_loss", (_column(history, "loss") or [None])[-1])
    readings = ([min(dev)] if dev else []) + ([final_train] if _finite(final_train) else [])
    if not readings or not (_finite(baseline) and baseline > 0):
        return True
    return min(readings) < (1 - REGRESSION_BAND) * baseline


def unstable(history: list[dict], references: References) -> bool:
    """A run that ended with its training loss above its loss at initialization: shown on the
    pages beside a run that learned all the same."""
    losses = _column(history, "loss")
    return bool(losses) and references.loss > 0 and math.isfinite(references.loss) and losses[-1] > references.loss


def _column(history: list[dict], name: str) -> list[float]:
    return [float(row[name]) for row in history if row.get(name) is not None]


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def measured_at_init(metric: str) -> bool:
    """Whether ``metric`` is measured before training (valid for every finished run)."""
    return metric in INIT_METRICS or metric.startswith(INIT_PREFIXES)


def counts_for(status: str, metric: str) -> bool:
    """Whether a run with ``status`` contributes its value of ``metric`` to means and tests:
    learned runs for every metric; collapsed and diverged runs only for metrics measured at
    initialization (what they measured after training describes a run that did not train) and
    for the outcome metrics (``OUTCOME_METRICS``)."""
    return status in LEARNED or (status in FINISHED and (measured_at_init(metric) or metric in OUTCOME_METRICS))


def record_references(record: dict) -> References:
    """The references of a stored trial: its initial loss and class count (stored since the
    outcome classes exist; older records name a dataset, whose class count is read from the
    loader, and fall back to the chance loss of their output layer)."""
    classes = record.get("num_classes")
    if classes is None:
        from suite.data import datasets  # deferred: loads scikit-learn; old records only (the loader is cached)

        classes = datasets.load(record["config"]["dataset"]).num_classes
    return classification_references(classes, record["config"].get("output_activation", "softmax"),
                                     record.get("initial_loss"))


def references_of(record: dict) -> References:
    """The references of a stored (or just built) trial, for either task."""
    if record["config"].get("task", "classification") == "regression":  # no classes, no chance level
        return References(record.get("initial_loss") or math.inf, None, record.get("constant_loss"))
    return record_references(record)


def classify_record(record: dict) -> str:
    """``classify`` for a stored (or just built) trial record."""
    if record["status"] == "failed":
        return "failed"
    return classify(record["status"], record.get("history", []), record.get("metrics", {}), references_of(record))


def unstable_record(record: dict) -> bool:
    """``unstable`` for a stored trial that learned (False for any other)."""
    return classify_record(record) == "done" and unstable(record.get("history", []), references_of(record))
