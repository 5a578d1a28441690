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
