"""The record schema's metric ranges: a loss is >= 0, except in a trial that minimizes a signed
objective (the saddle's x^2 - y^2), where any finite loss is a value."""
from pathlib import Path

import pytest

from suite.errors import UserError
from suite.store import records


def regression(loss, value):
    return {"key": "k", "status": "done", "point": {}, "seed": 0, "config": {"task": "regression", "loss": loss},
            "metrics": {"test_mse": 0.0, "min_dev_loss": value, "final_train_loss": value},
            "history": [{"epoch": 1, "loss": value, "dev_loss": value}], "wall_time_s": 0.0,
            "environment": {"backend": "jax"}}


def test_a_negative_loss_damages_a_record_unless_its_loss_is_a_signed_objective():
    with pytest.raises(UserError, match="outside its range"):
        records.validate(regression("mse", -2.0), Path("r.json"), "k")
    assert records.validate(regression("objective", -2.0), Path("r.json"), "k")["metrics"]["min_dev_loss"] == -2.0


def test_the_signed_exception_covers_losses_only():
    assert records.out_of_range("final_train_loss", -1.0, signed_loss=True) is None
    assert records.out_of_range("test_accuracy", 2.0, signed_loss=True) is not None
