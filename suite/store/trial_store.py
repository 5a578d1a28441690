"""The trial store: one JSON file per finished trial, written atomically.

A record appears whole or not at all (temp file + fsync + rename), so a kill at any moment loses
at most the trials in flight, and a reader never sees half a record. One process writes a store's
records: the one holding the study's run lock (``suite.store.lock``); Dask workers write none.
"""
from __future__ import annotations

import json
from pathlib import Path

from suite.design import names
from suite.store import records
from suite.store.files import Unreadable, atomic_write_text, read_text, umask  # noqa: F401 (atomic_write_text: also imported from here)
from suite.training.outcomes import FINISHED  # a rerun skips these (done, collapsed, diverged); failed is retried


class TrialStore:
    """Trial records of one study and profile under ``root``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.trials_dir = self.root / "trials"

    def path(self, key: str) -> Path:
        return self.trials_dir / f"{names.file_stem(key)}.json"

    def get(self, key: str) -> dict | None:
        """The stored record of ``key``, None when there is none; a UserError naming the file and
        the fix when it cannot be read or is not a whole trial record (``suite.store.records``)."""
        path = self.path(key)
        try:
            text = read_text(path)
        except FileNotFoundError:
            return None
        except Unreadable as exc:
            raise records.damaged(path, str(exc)) from None
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise records.damaged(path, f"{exc.msg} at line {exc.lineno}") from None
        except RecursionError:
            raise records.damaged(path, "nested too deeply") from None
        return records.validate(record, path, key)

    def check_all(self) -> int:
        """Read every stored record (UserError at the first damaged one); returns how many."""
        paths = sorted(self.trials_dir.glob("*.json"))
        for path in paths:
            self.get(path.stem)
        return len(paths)

    def is_finished(self, key: str) -> bool:
        record = self.get(key)
        return record is not None and record["status"] in FINISHED

    def put(self, record: dict) -> Path:
        path = self.path(record["key"])
        # An OSError (full disk, read-only directory) ends the run: the CLI names it in one line.
        atomic_write_text(path, json.dumps(record, indent=1, sort_keys=True, allow_nan=True))
        return path

    def load(self, keys) -> list[dict]:
        """The stored records among ``keys``, in that order."""
        return [record for record in map(self.get, keys) if record is not None]

    def load_trials(self, trials) -> list[dict]:
        """The stored records of ``trials`` (each with ``key`` and ``point``), in that order; a
        record whose point is not its trial's is damaged (UserError)."""
        found = []
        for trial in trials:
            record = self.get(trial.key)
            if record is not None:
                found.append(records.of_point(record, trial.point, self.path(trial.key)))
        return found
