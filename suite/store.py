"""The trial store: one JSON file per finished trial, written atomically.

A record appears whole or not at all (temp file + fsync + rename), so a kill at any moment loses
at most the trial in flight, and a reader never sees half a record.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from suite.errors import UserError

FINISHED = ("done", "diverged")  # a rerun skips these; "failed" trials are retried


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class TrialStore:
    """Trial records of one study and profile under ``root``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.trials_dir = self.root / "trials"

    def path(self, key: str) -> Path:
        return self.trials_dir / f"{key}.json"

    def get(self, key: str) -> dict | None:
        path = self.path(key)
        try:
            text = path.read_text()
        except FileNotFoundError:
            return None
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(f"trial record {path} is corrupt ({exc.msg} at line {exc.lineno}); "
                            f"move it away and rerun to train that trial again") from None
        if not isinstance(record, dict) or record.get("key") != key or "status" not in record:
            raise UserError(f"trial record {path} is not a trial of this study; move it away and rerun")
        return record

    def is_finished(self, key: str) -> bool:
        record = self.get(key)
        return record is not None and record["status"] in FINISHED

    def put(self, record: dict) -> Path:
        path = self.path(record["key"])
        try:
            atomic_write_text(path, json.dumps(record, indent=1, sort_keys=True, allow_nan=True))
        except PermissionError:
            raise UserError(f"cannot write to {path.parent}; choose a writable --runs-dir") from None
        return path

    def load(self, keys) -> list[dict]:
        """The stored records among ``keys``, in that order."""
        return [record for record in map(self.get, keys) if record is not None]
