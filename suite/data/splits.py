"""A dataset as fixed train/dev/test splits: what every loader returns and every trial trains on."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SPLIT_SEED = 0


@dataclass(frozen=True)
class Splits:
    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_dev: np.ndarray
    y_dev: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    source: str
    # A regression's targets are standardized for training: y = (target - target_mean) / target_scale,
    # so reports undo it (``suite.training.tasks``); ``facts``: numbers of the generated data a trial records
    # as metrics (the Novikoff bound of a separable set).
    task: str = "classification"
    target_mean: float = 0.0
    target_scale: float = 1.0
    facts: dict = field(default_factory=dict)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.y_train), "dev": len(self.y_dev), "test": len(self.y_test)}
