import keras
import numpy as np
import pytest

from suite.training import optim
from suite.analysis.schedule_frames import at_steps
from suite.errors import UserError
from suite.execution.runner import validate_config
from suite.training.train import train


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
RISING = {"sgdr", "one_cycle", "warmup_cosine"}  # restart, warm up or cycle: shape-tested below


@pytest.mark.parametrize("name", sorted(set(optim.SCHEDULES) - RISING))
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


# --- every registry entry over a whole run, shapes, and the momentum-scheduled SGD ---------------
STEPS_PER_EPOCH, EPOCHS = 10, 15
RUN = np.arange(STEPS_PER_EPOCH * EPOCHS)


def curve(name, options=None, lr=0.1):
    return at_steps(optim.build_schedule(name, lr, STEPS_PER_EPOCH, EPOCHS, options or OPTIONS.get(name)), RUN)


@pytest.mark.parametrize("name", sorted(optim.SCHEDULES))
def test_every_schedule_is_finite_positive_and_at_most_the_rate_over_the_run(name):
    values = curve(name)
    assert values.shape == RUN.shape and np.isfinite(values).all() and (values > 0).all()
    assert 0.099 <= values.max() <= 0.1 * (1 + 1e-6)  # one-cycle peaks between two steps
    schedule = optim.build_schedule(name, 0.1, STEPS_PER_EPOCH, EPOCHS, OPTIONS.get(name))
    assert isinstance(optim.build_optimizer("sgd", schedule, momentum=0.9), keras.optimizers.SGD)


@pytest.mark.parametrize("name", sorted(optim.MOMENTUM_SCHEDULES))
def test_every_momentum_schedule_stays_in_the_unit_interval_and_builds_an_sgd(name):
    momentum = optim.build_momentum_schedule(name, 0.95, STEPS_PER_EPOCH, EPOCHS)
    values = at_steps(momentum, RUN)
    assert np.isfinite(values).all() and (values >= 0).all() and (values <= 0.95 + 1e-6).all()
    assert values[0] == pytest.approx(0.95)
    for optimizer in optim.SGD_FAMILY:
        assert isinstance(optim.build_optimizer(optimizer, 0.1, momentum), keras.optimizers.SGD)


@pytest.mark.parametrize("name", sorted(optim.LR_CALLBACKS))
def test_every_lr_callback_builds(name):
    callback = optim.build_lr_callback(name)
    assert callback is None if name == "none" else isinstance(callback, keras.callbacks.Callback)


def test_one_cycle_peaks_mid_run_and_momentum_moves_opposite():
    rate = curve("one_cycle")
    momentum = at_steps(optim.build_momentum_schedule("one_cycle", 0.95, STEPS_PER_EPOCH, EPOCHS), RUN)
    peak = int(np.argmax(rate))
    assert abs(peak - 0.45 * len(RUN)) <= 1 and abs(int(np.argmin(momentum)) - peak) <= 1
    assert rate[0] == pytest.approx(0.01) and momentum.min() == pytest.approx(0.85, abs=1e-3)
    assert rate[-1] < rate[0] / 10  # the cool-down goes below the starting rate
    cycle = RUN < 0.9 * len(RUN)
    assert np.corrcoef(rate[cycle], momentum[cycle])[0, 1] < -0.99
    assert (momentum[~cycle] == pytest.approx(0.95))  # held at the top during the cool-down


def test_sgdr_restarts_with_doubling_cycles_at_half_the_rate():
    rate = curve("sgdr")  # 4 cycles fill 15 epochs: 1, 2, 4 and 8 epochs
    restarts = [step for step in range(1, len(RUN)) if rate[step] > rate[step - 1]]
    assert restarts == [10, 30, 70]
    assert rate[restarts] == pytest.approx([0.05, 0.025, 0.0125], rel=1e-5)


def test_warmup_cosine_rises_linearly_then_decays():
    rate = curve("warmup_cosine", {"warmup_epochs": 2})
    assert rate[0] == pytest.approx(0.01) and rate[10] == pytest.approx(0.055)
    assert int(np.argmax(rate)) == 20 and (np.diff(rate[20:]) <= 1e-9).all()


@pytest.mark.parametrize("name, options, step, expected", [
    ("inverse_time", {}, 10, 0.05),
    ("inverse_time", {"decay_rate": 3.0, "decay_epochs": 2}, 20, 0.025),
    ("polynomial", {}, 75, 0.1 * (0.01 + 0.99 * 0.5)),
    ("polynomial", {"power": 2.0, "end_factor": 0.0}, 75, 0.025),
])
def test_new_schedules_count_epochs_in_steps(name, options, step, expected):
    assert curve(name, options)[step] == pytest.approx(expected, rel=1e-5)


def test_scheduled_momentum_is_read_each_step():
    # momentum 0.5 on the first step, 0 from the second: w = -1 then -2 (a constant 0.5 gives -2.5)
    optimizer = optim.build_optimizer("sgd", 1.0, optim.PiecewiseLinear([0, 1], [0.5, 0.0]))
    weight = keras.Variable(0.0)
    for _ in range(2):
        optimizer.apply_gradients([(keras.ops.ones(()), weight)])
    assert float(weight) == pytest.approx(-2.0)
    copy = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert isinstance(copy, optim.ScheduledMomentumSGD) and float(copy.momentum_schedule(1)) == 0.0


def test_momentum_schedule_errors_are_user_errors():
    with pytest.raises(UserError, match="needs an SGD optimizer"):
        optim.build_optimizer("adam", 0.1, optim.build_momentum_schedule("one_cycle", 0.9, 10, 5))
    with pytest.raises(UserError, match="unknown momentum schedule"):
        optim.build_momentum_schedule("one_cycel", 0.9, 10, 5)
    with pytest.raises(UserError, match="rejected its options"):
        optim.build_momentum_schedule("one_cycle", 0.9, 10, 5, {"low": 0.95})


def test_one_cycle_momentum_trains_and_differs_from_constant_momentum(tiny_config):
    config = {**tiny_config, "epochs": 3, "lr_schedule": "one_cycle", "momentum": 0.95}
    cycled = train({**config, "momentum_schedule": "one_cycle"})
    constant = train(config)
    assert cycled["status"] == constant["status"] == "done"
    rates = [row["learning_rate"] for row in cycled["history"]]
    assert len(set(rates)) == 3 and rates == [row["learning_rate"] for row in constant["history"]]
    assert cycled["history"][-1]["loss"] != constant["history"][-1]["loss"]


def test_reduce_on_plateau_trains_and_lowers_the_recorded_rate(tiny_config):
    config = {**tiny_config, "epochs": 3, "lr_callback": "reduce_on_plateau",
              "lr_callback_options": {"patience": 0, "min_delta": 10.0}}  # never improves enough
    outcome = train(config)
    assert outcome["status"] == "done"
    assert [row["learning_rate"] for row in outcome["history"]] == pytest.approx([0.1, 0.1, 0.05])


def test_validation_rejects_bad_schedule_combinations(tiny_config):
    with pytest.raises(UserError, match="needs an SGD optimizer"):
        validate_config({**tiny_config, "optimizer": "adam", "momentum": 0.9,
                         "momentum_schedule": "one_cycle"})
    with pytest.raises(UserError, match="needs lr_schedule=constant"):
        validate_config({**tiny_config, "lr_schedule": "cosine", "lr_callback": "reduce_on_plateau"})
