"""The trial store: one JSON file per finished trial, written atomically.

A record appears whole or not at all (temp file + fsync + rename), so a kill at any moment loses
at most the trial in flight, and a reader never sees half a record. A trial in flight holds a
claim file (created with O_EXCL) naming its process, so two processes running the same study
into one store never train the same trial at once; a claim whose process has died is taken over.
"""
from __future__ import annotations

import json
import os
import socket
import tempfile
import time
from pathlib import Path

from suite.errors import UserError
from suite.outcomes import FINISHED  # a rerun skips these (done, collapsed, diverged); failed is retried

CLAIM_GRACE_S = 10.0  # an empty claim younger than this is being written, not abandoned


def _process_identity(pid: int) -> str | None:
    """Host, pid and start time: a pid reused by a later process does not look like the claimant."""
    try:
        start = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None
    return f"{socket.gethostname()} {pid} {start}"


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

    def _claim_path(self, key: str) -> Path:
        return self.trials_dir / f"{key}.claim"

    def _claim_alive(self, path: Path) -> bool:
        try:
            owner = path.read_text().split()
            age = time.time() - path.stat().st_mtime
        except OSError:
            return False
        if len(owner) != 3:
            return age < CLAIM_GRACE_S
        host, pid, _ = owner
        if host != socket.gethostname():
            return True  # another machine's process: nothing here can tell, so trust it
        return _process_identity(int(pid)) == " ".join(owner)

    def claimed_elsewhere(self, key: str) -> bool:
        path = self._claim_path(key)
        return path.exists() and self._claim_alive(path) and \
            path.read_text().strip() != _process_identity(os.getpid())

    def claim(self, key: str) -> bool:
        """Take the trial for this process; False when a live process (another one) holds it."""
        path = self._claim_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        me = _process_identity(os.getpid())
        for _ in range(3):
            try:
                handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if self._claim_alive(path):
                    return path.read_text().strip() == me
                path.unlink(missing_ok=True)  # abandoned by a dead process; O_EXCL settles races
                continue
            with os.fdopen(handle, "w") as stream:
                stream.write(me)
            return True
        return False

    def release(self, key: str) -> None:
        self._claim_path(key).unlink(missing_ok=True)

    def load(self, keys) -> list[dict]:
        """The stored records among ``keys``, in that order."""
        return [record for record in map(self.get, keys) if record is not None]
