"""Run outcome classes: learned, collapsed, diverged (NaN or finite blow-up), failed."""
import math

import pytest

from suite.training import outcomes
from suite.training.outcomes import classification_references, classify

TEN = classification_references(10)


def history(losses, accuracies):
    return [{"epoch": i + 1, "loss": loss, "accuracy": acc} for i, (loss, acc) in enumerate(zip(losses, accuracies))]


@pytest.mark.parametrize("status, losses, accuracies, metrics, expected", [
    ("done", [1.2, 0.5, 0.3], [0.6, 0.85, 0.9], {"train_accuracy": 0.91}, "done"),
    # stuck at chance: loss at ln 10, accuracy 11%
    ("done", [2.31, 2.303, 2.302], [0.10, 0.112, 0.11], {"train_accuracy": 0.1125}, "collapsed"),
    # loss never below the chance loss although accuracy drifts above the band
    ("done", [2.5, 2.4, 2.35], [0.2, 0.2, 0.2], {}, "collapsed"),
    # a finite blow-up: 131 against ln 10
    ("done", [1.0, 40.0, 131.0], [0.7, 0.3, 0.1], {"train_accuracy": 0.1}, "diverged"),
    ("done", [1.0, math.inf], [0.7, 0.1], {}, "diverged"),
    ("diverged", [1.0, math.nan], [0.7, math.nan], {}, "diverged"),
    ("failed", [], [], {}, "failed"),
])
def test_classify(status, losses, accuracies, metrics, expected):
    assert classify(status, history(losses, accuracies), metrics, TEN) == expected


def test_skipped_dev_passes_are_no_divergence_but_a_nan_training_loss_is():
    """Epochs without a dev pass (validation_freq) log NaN dev metrics; only the training loss
    says whether a run blew up."""
    run = [{**row, "dev_loss": math.nan, "dev_accuracy": math.nan} for row in history([1.2, 0.5, 0.3], [0.6, 0.85, 0.9])]
    run[-1].update(dev_loss=0.4, dev_accuracy=0.88)
    assert classify("done", run, {"train_accuracy": 0.91}, TEN) == "done"
    run[1]["loss"] = math.nan
    assert classify("done", run, {"train_accuracy": 0.91}, TEN) == "diverged"


def test_references_follow_the_task():
    assert TEN.loss == pytest.approx(math.log(10)) and TEN.accuracy == pytest.approx(0.1)
    two = classification_references(2)
    # 55% training accuracy on 2 classes is within the band of chance; on 10 classes it learned
    run = history([0.9, 0.69, 0.68], [0.5, 0.52, 0.55])
    assert classify("done", run, {}, two) == "collapsed"
    assert classify("done", run, {}, TEN) == "done"
    # Nielsen's sigmoid outputs: K x H(1/K)
    sigmoid = outcomes.chance_loss(10, "sigmoid")
    assert sigmoid == pytest.approx(-(math.log(0.1) + 9 * math.log(0.9)))
    # a regression-like task: no chance accuracy, only a loss reference
    assert classify("done", history([5.0, 1.0], [math.nan, math.nan]), {}, outcomes.References(4.0)) == "done"
    with pytest.raises(ValueError):
        outcomes.chance_loss(1)


def test_collapsed_and_diverged_are_finished_and_count_only_for_initial_metrics():
    from suite.store.trial_store import FINISHED

    assert set(FINISHED) == {"done", "collapsed", "diverged"}
    assert outcomes.counts_for("done", "test_accuracy")
    assert not outcomes.counts_for("collapsed", "test_accuracy")
    assert outcomes.counts_for("collapsed", "grad_ratio_first_last")
    assert outcomes.counts_for("diverged", "bias_grad_norm_3")
    assert not outcomes.counts_for("collapsed", "grad_ratio_first_last_end")
    assert not outcomes.counts_for("failed", "grad_ratio_first_last")


def test_old_records_classify_from_their_history():
    record = {"status": "done", "config": {"dataset": "synthetic", "output_activation": "softmax"},
              "history": history([2.31, 2.302], [0.1, 0.11]), "metrics": {"train_accuracy": 0.11}}
    assert outcomes.classify_record(record) == "collapsed"  # class count from the dataset's loader
    assert outcomes.classify_record({**record, "num_classes": 10}) == "collapsed"
