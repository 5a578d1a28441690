import math

import numpy as np
import pytest

from suite.data import quadratic


@pytest.mark.parametrize("kappa", [10.0, 1e4])
def test_designed_covariance_hessian_and_initial_loss(kappa):
    splits = quadratic.designed(3, kappa, repeats=2)
    x = splits.x_dev.astype(float)
    assert np.allclose(x.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(np.linalg.eigvalsh(x.T @ x / len(x))[[0, -1]], [1 / kappa, 1], rtol=1e-3)
    assert len(splits.y_train) == 2 * len(splits.y_dev)
    facts = splits.facts
    assert facts["hessian_max"] == 2.0 and facts["critical_rate"] == 1.0 and math.isclose(facts["condition"], kappa)
    assert math.isclose(facts["initial_objective"], 1.0, rel_tol=1e-9) and facts["optimal_loss"] < 1e-12


def test_noise_gives_a_positive_minimum():
    assert quadratic.designed(0, 10.0, noise=0.5).facts["optimal_loss"] > 0.1


def test_predicted_steps_gd_grows_like_kappa():
    steps = [quadratic.predicted_steps("gd", kappa, 1e-4) for kappa in (100.0, 1000.0)]
    assert 9 < steps[1] / steps[0] < 11
    assert quadratic.predicted_steps("heavy_ball", 1000.0, 1e-4) < steps[1] / 10


def test_unknown_method():
    with pytest.raises(KeyError):
        quadratic.tuned("adam", 10.0)
