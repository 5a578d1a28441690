"""Recurrent builders and the dL/dh_t probe: shapes per cell, the last step's gradient against its
closed form, the decay fit on exact geometric sequences, the probe's summary metrics."""
import math

import keras
import numpy as np
import pytest

from suite.data import sequences
from suite.training import sequence_models


@pytest.mark.parametrize("cell", sorted(sequence_models.CELLS))
def test_each_cell_builds_and_its_probe_gives_one_norm_per_step(cell):
    keras.utils.set_random_seed(0)
    model = sequence_models.build_rnn((7, 2), 1, cell=cell, width=4)
    assert model.output_shape == (None, 1)
    x, y = sequences.adding_arrays(5, 7, np.random.default_rng(0))
    norms = sequence_models.state_gradient_norms(model, x, y)
    assert norms.shape == (7,) and np.isfinite(norms).all() and (norms > 0).all()


def test_the_last_steps_gradient_is_the_output_layers_closed_form():
    keras.utils.set_random_seed(1)
    model = sequence_models.build_rnn((5, 2), 1, cell="simple_rnn", width=3)
    x, y = sequences.adding_arrays(4, 5, np.random.default_rng(2))
    h = keras.ops.convert_to_numpy(model.get_layer("recurrent")(x))
    kernel, bias = (keras.ops.convert_to_numpy(v) for v in model.get_layer("output").weights)
    residual = (h @ kernel + bias).reshape(-1) - y
    expected = np.linalg.norm((2 / len(y)) * residual[:, None] * kernel.reshape(1, -1))
    norms = sequence_models.state_gradient_norms(model, x, y)
    assert norms[-1] == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("factor", [0.5, 0.9, 1.2])
def test_decay_fit_recovers_an_exact_geometric_rate(factor):
    norms = 3.0 * factor ** np.arange(20)[::-1]  # step t = 1..20; the last step has distance 0
    fit = sequence_models.decay_fit(norms)
    assert fit["factor"] == pytest.approx(factor) and fit["r2"] == pytest.approx(1.0)
    assert fit["ratio"] == pytest.approx(factor ** 19)


def test_decay_fit_skips_underflowed_steps_and_needs_three():
    assert sequence_models.decay_fit([0.0, 0.25, 0.5, 1.0])["factor"] == pytest.approx(0.5)
    assert math.isnan(sequence_models.decay_fit([0.0, 0.0, 1.0])["factor"])


def test_summary_metrics_read_the_first_and_last_probe_epochs():
    rows = [{"epoch": epoch, "step": t + 1, "state_grad_norm": base ** t}
            for epoch, base in ((0, 2.0), (3, 1.0)) for t in range(5)]
    metrics = sequence_models.summary_metrics(rows)
    assert metrics["state_grad_factor_init"] == pytest.approx(0.5) and metrics["state_grad_factor_end"] == 1.0
    assert "state_grad_factor_end" not in sequence_models.summary_metrics(rows, at_end=False)


def test_rnn_is_registered_and_reads_its_keys_from_the_config():
    from suite.design.study import DEFAULTS
    from suite.training import models
    from suite.training.train import model_arguments

    config = {**DEFAULTS, "model": "rnn", "cell": "gru", "width": 5}
    assert model_arguments(models.MODELS["rnn"], config, n_train=10) == {"cell": "gru", "width": 5}
