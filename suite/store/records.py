"""The trial record's schema: what every reader of the store may rely on.

A record is checked when the store reads it, so a damaged file (random bytes, a directory, a
field missing or of the wrong type, an absurd size, an unknown status, a finished trial without
its metrics, a metric outside its natural range such as an accuracy of 5.0) stops the command with
one line naming the file and the fix, before anything is trained, retrained or rewritten. The
trial config is only checked to be a mapping here; its keys are the config schema's business.

The natural range of each metric (``METRIC_RANGES``) lives here, the lowest layer that needs it:
the analysis builds its intervals on the same ranges (``suite.analysis.frames``).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError, \
    model_validator

from suite.errors import UserError

STATUSES = ("done", "collapsed", "diverged", "failed")
# Measured by every trial that ran to its end (``done`` or ``collapsed``; a search trial has no
# test accuracy): tables, verdicts and searches read them.
REQUIRED_METRICS = ("test_accuracy", "best_dev_accuracy")
REGRESSION_REQUIRED = ("test_mse", "min_dev_loss")  # a regression trial's (suite.training.tasks)
# Integers a float holds exactly (pandas reads every number as int64 or float64); counts are >= 0.
Int = Annotated[StrictInt, Field(ge=-2 ** 53, le=2 ** 53)]
Count = Annotated[StrictInt, Field(ge=0, le=2 ** 53)]
Number = Int | StrictFloat
PointValue = StrictStr | Int | StrictFloat | StrictBool | None | list | dict
MAX_EPOCHS = 1_000_000  # rows of a history; no trial comes near it
# Columns the trials frame sets itself (suite.analysis.frames.trials_frame): no metric may take their name.
RESERVED = ("seed", "status", "learned_fraction", "diverged_epoch", "epochs_run", "wall_time_s",
            "epoch_wall_time_s", "backend", "key", "error", "fold", "folds", "unstable", "chance_accuracy",
            "steps_budget", "late_dev_gain")

# The range each metric lives in, by name (first match wins; the default is unbounded):
# accuracies, error rates and fractions in [0, 1]; losses, norms, epochs, ratios, spreads,
# drifts and times >= 0. A stored value outside it damages the record; the analysis computes
# its intervals on a scale that respects it (``suite.analysis.frames.t_on_scale``).
METRIC_RANGES = (
    (("generalization_gap",), (-1.0, 1.0)),  # train minus test accuracy
    (("accuracy", "error", "fraction", "auroc"), (0.0, 1.0)),
    (("loss", "norm", "epoch", "ratio", "std", "drift", "time", "n_params", "nll", "entropy"), (0.0, math.inf)),
    # regression errors (target units), counts of steps and mistakes, the Novikoff quantities
    (("mse", "mae", "steps", "mistake", "data_radius", "data_margin"), (0.0, math.inf)),
    (("r2",), (-math.inf, 1.0)),  # R^2: 1 at a perfect fit, unbounded below
)
UNBOUNDED = (-math.inf, math.inf)
# Losses that are a model's own objective (``suite.training.losses``: ``objective``, e.g. the saddle
# x^2 - y^2) may be negative: in a record of such a trial the loss metrics and history are unbounded.
SIGNED_LOSSES = ("objective",)
_SLACK = 1e-9  # float rounding at a bound (a mean of accuracies that are all 1.0)


def metric_range(metric: str) -> tuple[float, float]:
    """(low, high) bounds of ``metric``'s values, from ``METRIC_RANGES`` (default unbounded)."""
    return next((bounds for words, bounds in METRIC_RANGES if any(word in metric for word in words)),
                UNBOUNDED)


def out_of_range(metric: str, value, signed_loss: bool = False) -> str | None:
    """Why ``value`` cannot be a value of ``metric`` (None when it can: NaN is "not measured");
    ``signed_loss``: the trial minimizes a signed objective, so a loss may be any number."""
    if value is None or value != value:
        return None
    low, high = UNBOUNDED if signed_loss and "loss" in metric else metric_range(metric)
    if low - _SLACK <= value <= high + _SLACK:
        return None
    return f"{metric} is {value:.6g}, outside its range [{low:g}, {high:g}]"


class _Model(BaseModel):
    # Strict: a number written as a string is damage, not a number. Extra fields are allowed:
    # newer versions of the suite add some, and older readers ignore them.
    model_config = ConfigDict(strict=True, extra="allow")


class Environment(_Model):
    backend: StrictStr
    device: StrictStr | None = None
    packages: dict[str, StrictStr] | None = None
    python: StrictStr | None = None
    cpu_count: Count | None = None
    git_commit: StrictStr | None = None
    host: StrictStr | None = None


class EpochRow(_Model):
    epoch: Count
    loss: Number | None = None
    accuracy: Number | None = None
    dev_loss: Number | None = None
    dev_accuracy: Number | None = None
    learning_rate: Number | None = None
    wall_time_s: Number | None = None


class TrialRecord(_Model):
    key: StrictStr
    status: Literal[STATUSES]
    point: dict[str, PointValue]
    seed: Count
    config: dict[str, Any]
    metrics: dict[str, Number | None]
    history: Annotated[list[EpochRow], Field(max_length=MAX_EPOCHS)]
    wall_time_s: Number
    environment: Environment
    error: StrictStr | None = None
    host: StrictStr | None = None
    worker: StrictStr | None = None
    splits: dict[str, Count] | None = None
    diverged_epoch: Count | None = None
    n_params: Count | None = None
    steps_per_epoch: Count | None = None
    num_classes: Count | None = None
    initial_loss: Number | None = None
    constant_loss: Number | None = None
    started_at: StrictStr | None = None
    finished_at: StrictStr | None = None

    @model_validator(mode="after")
    def _values_in_range(self):
        if not 0 <= self.wall_time_s < math.inf:
            raise ValueError(f"wall_time_s is {self.wall_time_s}, not a duration")
        if "seed" in self.point and self.point["seed"] != self.seed:
            raise ValueError(f"seed {self.seed} is not its point's seed {self.point['seed']!r}")
        clash = sorted(name for name in self.metrics if name in RESERVED or name in self.point)
        if clash:
            raise ValueError(f"metric names {clash} are taken by the trials frame's own columns or the point's axes")
        signed = self.config.get("loss") in SIGNED_LOSSES
        problem = next((why for name, value in self.metrics.items() if (why := out_of_range(name, value, signed))),
                       None)
        problem = problem or next((f"history epoch {row.epoch}: {why}" for row in self.history
                                   for name in ("loss", "accuracy", "dev_loss", "dev_accuracy")
                                   if (why := out_of_range(name, getattr(row, name), signed))), None)
        if problem:
            raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _done_has_its_metrics(self):
        if self.status in ("done", "collapsed"):  # both ran to the end
            # search and nuisance trials (``search`` in the record) leave the test split unseen
            task = self.config.get("task", "classification")
            names = REQUIRED_METRICS if task == "classification" else REGRESSION_REQUIRED
            required = [name for name in names
                        if not name.startswith("test_") or "search" not in (self.model_extra or {})]
            for name in required:
                value = self.metrics.get(name)
                if value is None or not math.isfinite(value):
                    state = "missing" if value is None else f"{value}"
                    raise ValueError(f"a '{self.status}' trial's metric '{name}' is {state}")
        return self


def _first_problem(error: ValidationError) -> str:
    item = error.errors()[0]
    where = ".".join(str(part) for part in item["loc"])
    message = item["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def damaged(path: Path, problem: str) -> UserError:
    return UserError(f"trial record {path} is damaged ({problem}); move it away (or rerun with --fresh "
                     f"to discard the stored trials) and rerun to train that trial again")


def validate(data: Any, path: Path, key: str) -> dict:
    """``data`` (a parsed record file) if it is a whole trial record of ``key``, else a UserError
    naming ``path``, the first problem found and the fix."""
    if not isinstance(data, dict):
        raise damaged(path, f"a JSON {type(data).__name__}, not an object")
    if data.get("key") != key:
        raise UserError(f"trial record {path} is not a trial of this study (its key is "
                        f"{data.get('key')!r}); move it away and rerun")
    try:
        TrialRecord.model_validate(data)
    except ValidationError as exc:
        raise damaged(path, _first_problem(exc)) from None
    return data


def _canonical(point: dict) -> str:
    return json.dumps(point, sort_keys=True, default=str)  # a tuple and its JSON list compare equal


def of_point(record: dict, point: dict, path: Path) -> dict:
    """``record`` if its point is ``point`` (the trial its key names), else a damaged-record UserError."""
    if _canonical(record["point"]) != _canonical(point):
        stored = _canonical(record["point"])
        raise damaged(path, f"its point {stored[:80]} is not its trial's {_canonical(point)[:80]}")
    return record
