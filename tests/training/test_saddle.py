"""The saddle model counts its own escape step, gradient descent follows y <- (1 + 2 eta) y on it,
and Newton's step with the saddle's Hessian contracts (x, y) by 1 - eta."""
import math

import keras
import numpy as np
import pytest

from suite.training import logged, losses, optim, saddle


def trained(start, steps, optimizer, rows=None):
    model = saddle.build_saddle((2,), 1, saddle_x0=start[0], saddle_y0=start[1], saddle_jitter=0.0, seed=0)
    model.compile(optimizer=optimizer, loss=losses.objective)
    x = np.zeros((steps, 2), "float32") if rows is None else rows
    model.fit(x, np.zeros(len(x), "float32"), batch_size=1, epochs=1, shuffle=False, verbose=0)
    return model, saddle.readings(model)


@pytest.mark.parametrize("delta", [1e-2, 1e-4])
def test_gradient_descent_escapes_at_the_first_step_past_the_prediction(delta):
    model, reading = trained((1.0, delta), 80, keras.optimizers.SGD(0.1))
    delta32 = float(np.float32(delta))
    assert reading["escape_step"] == math.ceil(math.log(1 / delta32) / math.log(1.2))
    assert reading["escaped"] == 1.0 and reading["start_abs_y"] == pytest.approx(delta32)
    assert reading["final_abs_y"] == pytest.approx(delta32 * 1.2 ** 80, rel=1e-4)


def test_on_the_stable_manifold_gradient_descent_stays_at_y_zero():
    _, reading = trained((1.0, 0.0), 60, keras.optimizers.SGD(0.1))
    assert math.isnan(reading["escape_step"]) and reading["escaped"] == 0.0
    assert reading["final_abs_y"] == 0.0 and reading["final_distance"] == pytest.approx(0.8 ** 60, rel=1e-4)


def test_newton_contracts_towards_the_saddle_from_any_start():
    _, reading = trained((1.0, 0.5), 50, optim.build_optimizer("saddle_newton", 0.1))
    assert reading["final_distance"] == pytest.approx(math.hypot(1.0, 0.5) * 0.9 ** 50, rel=1e-4)
    assert reading["escaped"] == 0.0


def test_noisy_rows_add_their_values_to_the_gradient():
    rows = np.array([[0.0, 0.3]], "float32")  # one step: y <- y - eta (-2 y + 0.3)
    model, reading = trained((0.0, 0.0), 1, keras.optimizers.SGD(0.1), rows=rows)
    assert reading["final_abs_y"] == pytest.approx(0.03, rel=1e-5)


def test_readings_are_the_logged_saddle_metrics_and_the_start_jitter_follows_the_seed():
    model = saddle.build_saddle((2,), 1, saddle_x0=1.0, saddle_y0=0.5, saddle_jitter=0.25, seed=1)
    assert set(saddle.readings(model)) == set(logged.SADDLE)
    again = saddle.build_saddle((2,), 1, saddle_x0=1.0, saddle_y0=0.5, saddle_jitter=0.25, seed=1)
    other = saddle.build_saddle((2,), 1, saddle_x0=1.0, saddle_y0=0.5, saddle_jitter=0.25, seed=2)
    point = lambda m: np.asarray(m.get_layer("saddle").point.numpy())  # noqa: E731
    np.testing.assert_array_equal(point(model), point(again))
    assert not np.array_equal(point(model), point(other))
    assert logged.is_logged(
        "escape_step", logged.logged({"task": "regression", "model": "saddle"}))
