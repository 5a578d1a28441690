"""What the suite removes: the litter of processes that died, and a store directory on `suite clean`.

Staging files and directories (``files.replaced_whole``, ``files.atomic_write_text``) and
keras-tuner's scratch directories (``suite.execution.tuning.scratch``) carry their owner in their
name, ``<host>-<pid>``; ``sweep`` removes those of processes on this host that have ended (a kill
leaves them behind), and staging from before names carried an owner once it is an hour old.
``inside`` resolves what ``suite clean`` is asked to delete and refuses a path that a symbolic
link leads anywhere but to its own place in the store.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import time
from pathlib import Path

from suite.errors import UserError

LEGACY_AGE_S = 3600.0  # staging without an owner in its name older than this is left over
_RANDOM = r"[a-z0-9_]{6,}"  # tempfile's random part


def owner() -> str:
    """This process as it appears in the names of its staging and scratch: ``<host>-<pid>``."""
    return f"{socket.gethostname()}-{os.getpid()}"


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this host (a zombie has ended: its work is over)."""
    if pid <= 0:
        return False
    if Path("/proc/self/stat").exists():
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        except (OSError, IndexError):
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, as another user's
        return True
    return True


def _left_over(entry: Path, scratch: bool) -> bool:
    name, host = entry.name, re.escape(socket.gethostname())
    if scratch:  # keras-tuner scratch: exactly <host>-<pid>
        found = re.fullmatch(rf"{host}-(\d+)", name)
        return bool(found) and not alive(int(found.group(1)))
    if not (name.startswith(".") and name.endswith((".tmp", ".old"))):
        return False
    found = re.search(rf"\.{host}-(\d+)(\.|$)", name[:-4])
    if found:
        return not alive(int(found.group(1)))
    if re.search(r"-\d+(\.[a-z0-9_]+)?$", name[:-4]) or not re.search(rf"\.{_RANDOM}$", name[:-4]):
        return False  # another host's, or not staging of ours
    try:
        return time.time() - entry.lstat().st_mtime > LEGACY_AGE_S
    except OSError:
        return False


def sweep(directory: Path, scratch: bool = False, prefix: str = "") -> int:
    """Remove the staging (or, with ``scratch``, the keras-tuner scratch directories) in
    ``directory`` that processes on this host left when they died; returns how many. With
    ``prefix`` (a directory the user named), only names starting with it, and only those that
    name their owner."""
    try:
        entries = list(Path(directory).iterdir())
    except OSError:
        return 0
    removed = 0
    for entry in entries:
        if prefix and not (entry.name.startswith(prefix) and f".{socket.gethostname()}-" in entry.name):
            continue
        if _left_over(entry, scratch):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                try:
                    entry.unlink()
                except OSError:
                    continue
            removed += 1
    return removed


def inside(path: Path, root: Path) -> Path:
    """``path`` (below ``root``) resolved, if no symbolic link leads it elsewhere than
    ``root``'s own resolved place; a UserError naming the link otherwise. ``root`` itself may
    be a link (a store on another disk)."""
    path, root = Path(path), Path(root)
    relative = path.relative_to(root)
    resolved = path.resolve()
    if resolved == root.resolve() / relative and not path.is_symlink():
        return resolved
    link = root
    for part in relative.parts:
        link = link / part
        if link.is_symlink():
            break
    raise UserError(f"{link} is a symbolic link (to {os.readlink(link)}); `suite clean` removes only the "
                    f"store's own directories and never follows a link out of them: remove the link itself "
                    f"(rm '{link}') if that is what you want")


def count_records(directory: Path) -> int:
    """Stored trial records (``trials/*.json``) under ``directory``, links not followed."""
    return sum(sum(name.endswith(".json") for name in files)
               for folder, _, files in os.walk(directory) if Path(folder).name == "trials")
