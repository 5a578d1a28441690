"""Claims on trials as leases: who trains a trial, until when, and taking over a lost one.

A claim file (``<trial key>.claim`` beside the records) holds one JSON object naming its owner
(host, pid, process start time, worker id) and when its lease expires. The owner renews the lease
while it trains (``Heartbeat``, every quarter of the lease), so a claim stays live exactly as long
as its owner makes progress, on this machine or another one sharing the store; nothing has to
tell whether a process on another host lives. A claim is stale, and anyone may take it over, when
its lease has expired, when it cannot be read as a claim (malformed: random bytes, an older
format, or a lease that is no lease: an expiry or length that is not a finite number, a lease
longer than ``MAX_LEASE_S`` or an expiry more than two leases ahead), or at once when it names a
process on this host that has ended. This is the heartbeat /
grace-period scheme of Optuna's ``heartbeat_interval`` and of distributed lock leases (Gray &
Cheriton 1989, "Leases: an efficient fault-tolerant mechanism for distributed file cache
consistency"); like theirs it assumes the hosts' clocks agree to well within a lease (NTP).

Creating a claim is atomic (the content is written to a private file, then hard-linked to the
claim name, which fails if the name exists), so no reader sees half a claim. Taking over a stale
one goes through a short-lived ``.takeover`` lock file, so two takers racing for one stale claim
cannot remove each other's fresh claim.
"""
from __future__ import annotations

import json
import math
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from suite.errors import UserError

LEASE_ENV = "SUITE_LEASE_S"
DEFAULT_LEASE_S = 120.0
MAX_LEASE_S = 86_400.0  # a day: a longer lease is no lease (``--lease-seconds``, and claims as read)
MAX_WAIT_S = 7 * 86_400.0  # a week: the bound on any wait (``--wait-seconds``, ``$SUITE_WAIT_S``)
TAKEOVER_LOCK_S = 30.0  # a takeover lock older than this belongs to a taker that died mid-way
FIELDS = {"host": str, "pid": int, "start": str, "worker": str, "token": str, "expires": (int, float),
          "lease_s": (int, float)}


def env_seconds(name: str, default: float, most: float, example: str) -> float:
    """A duration from the environment variable ``name`` (unset or empty: ``default``). Raises
    UserError, naming ``example``, for a value that is not a number of seconds in (0, most]."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= most:
        raise UserError(f"{name}={text!r} is not a number of seconds in (0, {most:.0f}]; "
                        f"set it like {name}={example} or unset it")
    return value


def lease_seconds() -> float:
    """The lease length in seconds: ``$SUITE_LEASE_S`` (set by ``--lease-seconds``), default 120.

    Raises UserError for a value that is not a positive number."""
    return env_seconds(LEASE_ENV, DEFAULT_LEASE_S, MAX_LEASE_S, "120")


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot: a reused pid does not look alive.
    None for a process that has ended, a zombie included (a killed local worker stays one until
    its launcher reaps it, which the launcher does only after its own share of the trials)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return fields[19]


def me(worker: str = "") -> dict:
    return {"host": socket.gethostname(), "pid": os.getpid(), "start": _start_time(os.getpid()) or "",
            "worker": worker}


@dataclass
class Claim:
    """A claim file as read now. ``owner`` is None for a malformed claim."""

    path: Path
    raw: bytes
    owner: dict | None
    live: bool
    mine: bool
    why_stale: str  # empty while live

    def describe(self) -> str:
        if self.owner is None:
            return f"claim {self.path}"
        o = self.owner
        who = f"{o['worker'] + ' ' if o['worker'] else ''}on {o['host']} (pid {o['pid']})"
        return f"claim {self.path} of {who}"

    def expires_in(self) -> float:
        return self.owner["expires"] - time.time() if self.owner else 0.0


def _parse(raw: bytes) -> dict | None:
    """The claim's owner, or None when it is not a claim: fields missing or of the wrong type, or
    a lease that is no lease (not a finite time within ``MAX_LEASE_S``, or an expiry more than
    two leases ahead: one lease, plus as much again for the hosts' clocks to disagree)."""
    try:
        owner = json.loads(raw.decode())
    except (UnicodeDecodeError, ValueError):  # a number of more digits than Python converts too
        return None
    if not isinstance(owner, dict) or any(not isinstance(owner.get(k), t) or isinstance(owner.get(k), bool)
                                          for k, t in FIELDS.items()):
        return None
    try:
        expires, lease_s = float(owner["expires"]), float(owner["lease_s"])
    except OverflowError:  # an int beyond float range
        return None
    if not (math.isfinite(expires) and 0 < lease_s <= MAX_LEASE_S and expires - time.time() <= 2 * lease_s):
        return None
    return owner


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise UserError(f"claim {path} is a directory, not a claim file; remove it "
                        f"(rm -r '{path}') and rerun") from None
    except OSError as exc:
        raise UserError(f"cannot read claim {path} ({exc.strerror}); fix its permissions or "
                        f"remove it and rerun") from None


def inspect(path: Path) -> Claim | None:
    """The claim at ``path`` and whether it is live; None when there is none.

    Raises UserError when the path is a directory or unreadable (it cannot be judged or replaced)."""
    raw = _read(path)
    if raw is None:
        return None
    owner = _parse(raw)
    if owner is None:
        return Claim(path, raw, None, False, False, "it is malformed (not a suite claim)")
    here = socket.gethostname()
    mine = owner["host"] == here and owner["pid"] == os.getpid() and owner["start"] == (
        _start_time(os.getpid()) or "")
    if owner["host"] == here and _start_time(owner["pid"]) != owner["start"]:
        return Claim(path, raw, owner, False, False, "its process on this host has ended")
    late = time.time() - owner["expires"]
    if late > 0:
        return Claim(path, raw, owner, False, mine, f"its lease expired {late:.0f} s ago")
    return Claim(path, raw, owner, True, mine, "")


def _content(worker: str, lease_s: float, token: str) -> bytes:
    return json.dumps({**me(worker), "token": token, "lease_s": lease_s,
                       "expires": time.time() + lease_s}).encode()


def _create(path: Path, content: bytes) -> bool:
    """Create ``path`` with ``content`` whole, or return False if it exists (atomic, NFS too)."""
    private = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    private.write_bytes(content)
    try:
        os.link(private, path)
        return True
    except FileExistsError:
        return False
    except IsADirectoryError:
        raise UserError(f"claim {path} is a directory, not a claim file; remove it "
                        f"(rm -r '{path}') and rerun") from None
    finally:
        private.unlink(missing_ok=True)


def _remove_if_unchanged(claim: Claim) -> None:
    """Remove a stale claim, unless it changed since it was judged (another taker won)."""
    lock = claim.path.with_name(claim.path.name + ".takeover")
    try:
        handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        try:
            if time.time() - lock.stat().st_mtime > TAKEOVER_LOCK_S:
                lock.unlink(missing_ok=True)  # its taker died between lock and unlock
        except FileNotFoundError:
            pass
        return
    os.close(handle)
    try:
        if _read(claim.path) == claim.raw:
            claim.path.unlink(missing_ok=True)
    finally:
        lock.unlink(missing_ok=True)


def remove_stale(path: Path) -> bool:
    """Remove the claim at ``path`` when it is stale (its process died or its lease ran out, e.g.
    a worker killed after storing its record and before releasing); True when one was removed."""
    claim = inspect(path)
    if claim is None or claim.live or claim.mine:
        return False
    _remove_if_unchanged(claim)
    return not path.exists()


def acquire(path: Path, worker: str, lease_s: float, notes=None) -> bool:
    """Claim ``path`` for this process for ``lease_s`` seconds; False while another holds it live."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(20):
        if _create(path, _content(worker, lease_s, uuid.uuid4().hex)):
            return True
        claim = inspect(path)
        if claim is None:
            continue  # released in between
        if claim.mine:
            return True
        if claim.live:
            return False
        _remove_if_unchanged(claim)
        if notes and not path.exists():
            notes(f"took over the stale {claim.describe()}: {claim.why_stale}")
        time.sleep(0.01)
    return False


def renew(path: Path, lease_s: float) -> bool:
    """Extend this process's lease; False when the claim is no longer ours (taken over, gone)."""
    claim = inspect(path)
    if claim is None or not claim.mine:
        return False
    private = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    private.write_bytes(_content(claim.owner["worker"], lease_s, claim.owner["token"]))
    os.replace(private, path)
    return True


def release(path: Path) -> None:
    try:
        claim = inspect(path)
    except UserError:
        return
    if claim is not None and (claim.mine or claim.owner is None):
        path.unlink(missing_ok=True)


class Heartbeat:
    """Renews the lease on ``path`` every quarter lease in a thread while the ``with`` body runs.

    ``lost`` turns True when the claim was taken over (the owner stalled past its lease); the
    trial then goes on (its record is deterministic) and ``notes`` hears it once."""

    def __init__(self, path: Path, lease_s: float, notes=None):
        self.path, self.lease_s, self.notes = path, lease_s, notes
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"lease {path.name}")

    def _beat(self) -> None:
        while not self._stop.wait(self.lease_s / 4):
            try:
                renewed = renew(self.path, self.lease_s)
            except (OSError, UserError):
                renewed = False  # a storage hiccup: try again at the next beat
                continue
            if not renewed and not self.lost:
                self.lost = True
                if self.notes:
                    self.notes(f"lost the lease {self.path} (this process stalled past "
                               f"{self.lease_s:.0f} s, another took it over)")

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
