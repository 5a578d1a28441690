"""Trained models kept next to a search's report, as ``.keras`` files (``keras.saving.load_model``).

Training returns the model (``suite.training.train.train(keep_model=True)``); this layer decides which
to keep and writes them, each atomically (a temporary ``.keras`` file renamed into place).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

KEEP = ("best", "all", "none")  # seed 0 of the best configuration, every confirmation seed, nothing


def model_path(out_dir: Path, seed: int) -> Path:
    return out_dir / ("best_model.keras" if seed == 0 else f"best_model_seed{seed}.keras")


def save_model(model, path: Path) -> None:
    """``model.save`` into a temporary file beside ``path``, then rename it (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.keras")
    from suite.training.without_tensorflow import tensorflow_unused  # deferred: loads Keras

    try:
        with tensorflow_unused():  # Keras's saving would import TensorFlow to rule out its types
            model.save(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class ModelKeeper:
    """Saves the models of the best configuration's re-run: ``keep`` is one of ``KEEP``."""

    def __init__(self, out_dir: Path, keep: str, seeds: int):
        self.out_dir = out_dir
        self.seeds = {"best": {0}, "all": set(range(seeds)), "none": set()}[keep]

    def __call__(self, record: dict, model) -> None:  # runner.run_trial's on_model
        if record["seed"] in self.seeds:
            save_model(model, model_path(self.out_dir, record["seed"]))

    @property
    def wanted(self) -> bool:
        return bool(self.seeds)

    def fill_missing(self, plan, fast: bool = True) -> list[Path]:
        """Models of trials stored before this run (a resumed search): trained again from the
        same config and seed, which gives the same weights on the same machine and backend."""
        from suite.training import train  # deferred: loads Keras

        written = []
        for trial in plan.trials:
            path = model_path(self.out_dir, trial.config["seed"])
            if trial.config["seed"] in self.seeds and not path.exists():
                print(f"[{plan.study.name}] training seed {trial.config['seed']} of the best configuration "
                      f"again to keep its model (its record was stored before this run)", file=sys.stderr)
                outcome = train.train(trial.config, fast=fast, keep_model=True)
                if "model" in outcome:
                    save_model(outcome["model"], path)
                    written.append(path)
        return written
