import keras
import pytest

from suite import optim
from suite.errors import UserError


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_every_optimizer_builds_with_the_learning_rate(name):
    optimizer = optim.build_optimizer(name, 0.05)
    assert isinstance(optimizer, keras.optimizers.Optimizer)
    assert float(optimizer.learning_rate) == pytest.approx(0.05)


def test_momentum_variants():
    assert optim.build_optimizer("momentum", 0.1).momentum == 0.9
    assert optim.build_optimizer("nesterov", 0.1).nesterov
    assert optim.build_optimizer("sgd", 0.1, momentum=0.5).momentum == 0.5


def test_options_reach_the_optimizer_and_bad_ones_are_user_errors():
    assert optim.build_optimizer("adadelta", 1.0, options={"rho": 0.9}).rho == 0.9
    with pytest.raises(UserError, match="rejected its options"):
        optim.build_optimizer("adam", 0.1, options={"not_an_option": 1})
    with pytest.raises(UserError, match="unknown optimizer"):
        optim.build_optimizer("adamm", 0.1)


def lr_at(schedule, step):
    return float(schedule(step)) if callable(schedule) else float(schedule)


OPTIONS = {"piecewise": {"boundaries": [2], "multipliers": [1.0, 0.1]}}


@pytest.mark.parametrize("name", sorted(optim.SCHEDULES))
def test_every_schedule_starts_at_the_learning_rate_and_never_rises(name):
    schedule = optim.build_schedule(name, 0.1, steps_per_epoch=10, epochs=5, options=OPTIONS.get(name))
    values = [lr_at(schedule, step) for step in range(0, 50, 5)]
    assert values[0] == pytest.approx(0.1)
    assert all(later <= earlier + 1e-9 for earlier, later in zip(values, values[1:]))
    optimizer = optim.build_optimizer("sgd", schedule, momentum=0.9)
    assert float(optimizer.learning_rate) == pytest.approx(0.1)


@pytest.mark.parametrize("name, options, step, expected", [
    ("exponential", {}, 9, 0.1),
    ("exponential", {}, 10, 0.095),  # Zhang et al.: x 0.95 per epoch
    ("exponential", {}, 25, 0.1 * 0.95 ** 2),
    ("exponential", {"decay_steps": 390}, 389, 0.1),
    ("exponential", {"decay_steps": 390}, 390, 0.095),
    ("exponential", {"decay_epochs": 2, "staircase": False}, 10, 0.1 * 0.95 ** 0.5),
    ("step", {"every_epochs": 2, "factor": 0.5}, 20, 0.05),
    ("piecewise", {"boundaries": [1, 3], "multipliers": [1, 0.5, 0.1]}, 15, 0.05),
    ("piecewise", {"boundaries": [1, 3], "multipliers": [1, 0.5, 0.1]}, 31, 0.01),
    ("cosine", {}, 25, 0.05),
    ("cosine", {"alpha": 0.1}, 50, 0.01),
])
def test_schedules_count_epochs_in_steps(name, options, step, expected):
    schedule = optim.build_schedule(name, 0.1, steps_per_epoch=10, epochs=5, options=options)
    assert lr_at(schedule, step) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("name, options, message", [
    ("exponential", {"decay": 0.9}, "rejected its options"),
    ("piecewise", {"boundaries": [1], "multipliers": [1]}, "one more multiplier"),
    ("cosin", {}, "unknown learning-rate schedule 'cosin'.*did you mean 'cosine'"),
])
def test_bad_schedules_are_user_errors(name, options, message):
    with pytest.raises(UserError, match=message):
        optim.build_schedule(name, 0.1, 10, 5, options)
