"""The trial record's schema: what every reader of the store may rely on.

A record is checked when the store reads it, so a damaged file (random bytes, a directory, a
field missing or of the wrong type, an unknown status, a finished trial without its metrics)
stops the command with one line naming the file and the fix, before anything is trained,
retrained or rewritten. The trial config is only checked to be a mapping here; its keys are the
config schema's business.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError, \
    model_validator

from suite.errors import UserError

STATUSES = ("done", "collapsed", "diverged", "failed")
# Measured by every trial that ran to its end (``done`` or ``collapsed``; a search trial has no
# test accuracy): tables, verdicts and searches read them.
REQUIRED_METRICS = ("test_accuracy", "best_dev_accuracy")
REGRESSION_REQUIRED = ("test_mse", "min_dev_loss")  # a regression trial's (suite.training.tasks)
Number = StrictInt | StrictFloat
PointValue = StrictStr | StrictInt | StrictFloat | StrictBool | None | list | dict


class _Model(BaseModel):
    # Strict: a number written as a string is damage, not a number. Extra fields are allowed:
    # newer versions of the suite add some, and older readers ignore them.
    model_config = ConfigDict(strict=True, extra="allow")


class Environment(_Model):
    backend: StrictStr
    device: StrictStr | None = None
    packages: dict[str, StrictStr] | None = None


class EpochRow(_Model):
    epoch: StrictInt


class TrialRecord(_Model):
    key: StrictStr
    status: Literal[STATUSES]
    point: dict[str, PointValue]
    seed: StrictInt
    config: dict[str, Any]
    metrics: dict[str, Number | None]
    history: list[EpochRow]
    wall_time_s: Number
    environment: Environment
    error: StrictStr | None = None

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
