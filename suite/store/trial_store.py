"""The trial store: one JSON file per finished trial, written atomically.

A record appears whole or not at all (temp file + fsync + rename), so a kill at any moment loses
at most the trial in flight, and a reader never sees half a record. A trial in flight holds a
claim file, a lease (``suite.store.leases``), so processes on one or several machines running the same
study into one store never train the same trial at once, and a trial whose owner died is retried.
"""
from __future__ import annotations

import json
from pathlib import Path

from suite.design import names
from suite.store import leases
from suite.store import records
from suite.store.files import Unreadable, atomic_write_text, read_text, umask  # noqa: F401 (atomic_write_text: also imported from here)
from suite.training.outcomes import FINISHED  # a rerun skips these (done, collapsed, diverged); failed is retried


class TrialStore:
    """Trial records of one study and profile under ``root``."""

    def __init__(self, root: Path, lease_s: float | None = None):
        self.root = Path(root)
        self.trials_dir = self.root / "trials"
        self.lease_s = leases.lease_seconds() if lease_s is None else lease_s

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

    def _claim_path(self, key: str) -> Path:
        return self.trials_dir / f"{names.file_stem(key)}.claim"

    def inspect_claim(self, key: str) -> leases.Claim | None:
        """The claim on ``key`` as it stands (None when unclaimed); see ``suite.store.leases``."""
        return leases.inspect(self._claim_path(key))

    def claimed_elsewhere(self, key: str) -> bool:
        """Whether another process holds a live lease on ``key``."""
        claim = self.inspect_claim(key)
        return claim is not None and claim.live and not claim.mine

    def claim(self, key: str, worker: str = "", notes=None) -> bool:
        """Take the trial for this process; False while another process holds a live lease on it.

        A stale claim (malformed, expired, or its process on this host gone) is taken over, and
        ``notes`` (a callable taking one line) hears whose it was and why it was stale.
        """
        return leases.acquire(self._claim_path(key), worker, self.lease_s, notes)

    def hold(self, key: str, notes=None) -> leases.Heartbeat:
        """A context manager renewing this process's lease on ``key`` while it trains."""
        return leases.Heartbeat(self._claim_path(key), self.lease_s, notes)

    def release(self, key: str) -> None:
        """Give up this process's claim on ``key`` (a claim taken over by another stays)."""
        leases.release(self._claim_path(key))

    def drop_stale_claim(self, key: str) -> bool:
        """Remove a stale claim left on finished trial ``key`` (its worker died between storing the
        record and releasing the claim); True when one was removed. A claim on an unfinished
        trial is left for the next taker, who reports whose it was."""
        return self.is_finished(key) and leases.remove_stale(self._claim_path(key))

    def drop_stale_claims(self) -> int:
        """``drop_stale_claim`` for every claim in the store; returns how many were removed."""
        return sum(self.drop_stale_claim(path.name.removesuffix(".claim"))
                   for path in sorted(self.trials_dir.glob("*.claim")))

    def claims(self) -> list[leases.Claim]:
        """Every claim in the store, live or stale, by file name."""
        found = [leases.inspect(path) for path in sorted(self.trials_dir.glob("*.claim"))]
        return [claim for claim in found if claim is not None]

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
