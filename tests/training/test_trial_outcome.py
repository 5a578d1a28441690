import math

from suite.training.trial_outcome import first_epoch_reaching, steps_per_epoch


def test_first_epoch_reaching():
    history = [{"epoch": 1, "accuracy": 0.5}, {"epoch": 2, "accuracy": 0.9995}, {"epoch": 3, "accuracy": 1.0}]
    assert first_epoch_reaching(history, 0.999) == 2 and first_epoch_reaching(history, 1.0) == 3
    assert math.isnan(first_epoch_reaching(history[:2], 1.0))


def test_steps_per_epoch_counts_the_short_last_batch_and_at_least_one():
    assert steps_per_epoch(600, 48) == 13 and steps_per_epoch(600, 50) == 12 and steps_per_epoch(5, 10) == 1
