"""Run outcome classes: learned, collapsed, diverged (NaN or finite blow-up), failed."""
import math

import pytest

from suite.training import outcomes
from suite.training.outcomes import classification_references, classify

TEN = classification_references(10)


def history(losses, accuracies, dev=None):
    dev = dev or accuracies
    return [{"epoch": i + 1, "loss": loss, "accuracy": acc, "dev_accuracy": d}
            for i, (loss, acc, d) in enumerate(zip(losses, accuracies, dev))]


@pytest.mark.parametrize("status, losses, accuracies, metrics, expected", [
    ("done", [1.2, 0.5, 0.3], [0.6, 0.85, 0.9], {"train_accuracy": 0.91}, "done"),
    # stuck at chance: loss at ln 10, accuracy 11%
    ("done", [2.31, 2.303, 2.302], [0.10, 0.112, 0.11], {"train_accuracy": 0.1125}, "collapsed"),
    # loss never below the chance loss, yet 20% is above the band: it learned something (issue 30:
    # decided on what the run learned, not on the loss path)
    ("done", [2.5, 2.4, 2.35], [0.2, 0.2, 0.2], {}, "done"),
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


def test_a_run_at_80_percent_whose_loss_rose_is_done_and_flagged_unstable():
    # optimizers study, momentum at rate 1: 79-83 % test accuracy, loss never below its initial value
    rows = history([2.6, 2.9, 3.1], [0.7, 0.78, 0.8], dev=[0.72, 0.79, 0.8])
    references = classification_references(10, initial_loss=2.5)
    assert classify("done", rows, {"train_accuracy": 0.8}, references) == "done"
    assert outcomes.unstable(rows, references)


def test_a_run_at_chance_whose_loss_fell_by_a_thousandth_is_collapsed():
    # clipping study, clipvalue 0.1 at rate 0.5: loss 2.3039 (ln 10), dev accuracy 11.3 % at every epoch
    start = 2.306
    rows = history([start * 0.9995, start * 0.999], [0.112, 0.1125], dev=[0.113, 0.113])
    references = classification_references(10, initial_loss=start)
    assert classify("done", rows, {"train_accuracy": 0.1125}, references) == "collapsed"


def test_a_run_that_learned_on_dev_but_not_on_train_counts_as_learned():
    rows = history([2.0, 1.9], [0.12, 0.13], dev=[0.4, 0.5])
    assert classify("done", rows, {"train_accuracy": 0.13}, TEN) == "done"


@pytest.mark.parametrize("dev_losses, train_loss, expected", [
    ([0.9, 0.6, 0.4], 0.35, "done"),  # explains 60% of the constant predictor's loss
    ([1.0, 0.99, 0.98], 0.97, "collapsed"),  # within 5% of the constant predictor
])
def test_a_regression_is_judged_against_its_constant_predictor(dev_losses, train_loss, expected):
    rows = [{"epoch": i + 1, "loss": loss, "dev_loss": loss} for i, loss in enumerate(dev_losses)]
    references = outcomes.References(loss=1.2, accuracy=None, constant_loss=1.0)
    assert classify("done", rows, {"train_loss": train_loss}, references) == expected


def _committed_trials():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "results"
    return sorted(path for path in root.rglob("trials.csv") if "site" not in path.parts)


@pytest.mark.parametrize("path", _committed_trials(), ids=lambda p: str(p.parent.name))
def test_committed_outcome_labels_follow_what_the_runs_learned(path):
    """Issue 30: no `done` run sits at chance on test, dev and train alike (a run that fitted random
    labels is `done` at chance on test and dev: it learned its training set); no `collapsed` run is
    above the band on dev or train."""
    import pandas as pd

    trials = pd.read_csv(path)
    if "test_accuracy" not in trials or "best_dev_accuracy" not in trials:
        return  # a regression, or a search page
    if "chance_accuracy" not in trials:
        pytest.skip(f"{path}: written before issue 30's outcome classes; regenerate it")
    band = trials.chance_accuracy + outcomes.CHANCE_BAND
    done = trials[trials.status == "done"]
    train_done = done["train_accuracy"] if "train_accuracy" in done else done.get("final_train_accuracy")
    at_chance = done[(done.test_accuracy <= band[done.index]) & (done.best_dev_accuracy <= band[done.index])
                     & (train_done <= band[done.index])]
    assert at_chance.empty, f"{path}: done runs at chance: {list(at_chance.key)}"
    collapsed = trials[trials.status == "collapsed"]
    train = collapsed["train_accuracy"] if "train_accuracy" in collapsed else collapsed.get("final_train_accuracy")
    above = collapsed[(collapsed.best_dev_accuracy > band[collapsed.index]) | (train > band[collapsed.index])]
    assert above.empty, f"{path}: collapsed runs above the band: {list(above.key)}"
