"""Whole-or-nothing file system changes, guarded reads, and one-line messages for the file
system's refusals.

Every file the suite writes goes through here. ``atomic_write_text`` writes one file (a temporary
file, fsync, rename). ``replaced_whole`` writes a directory (a report) beside the old one and swaps
it in only once it is complete, so a full disk, a file-size limit (``ulimit -f``), a kill or a crash
half-way leaves the old report as it was. ``filled`` writes new files into a directory the user
named (an export) through a staging directory, so a failure leaves no partial file there.
Staging names carry their owner (``suite.store.cleanup``), whose leftovers the next write sweeps.
``writable`` checks a directory with a probe of its own (a unique temporary file), so concurrent
processes never delete each other's probe. ``describe`` turns the OSErrors of a full disk, a
read-only or foreign directory, or a file where a directory belongs into one line with the fix.
``read_bytes`` and ``read_text`` read a file the suite wrote (a trial record, a verdict, a page)
only when it is a regular file of a sane size: a directory, a FIFO (whose open would block), a
device (/dev/zero never ends), an absurd size or bytes that are not UTF-8 become ``Unreadable``,
whose message the caller puts in its own one line with the fix.
"""
from __future__ import annotations

import ctypes
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from suite.errors import UserError
from suite.store import cleanup

# Refusals that name a fault of the place the user pointed us at, not a bug: reported in one line.
PATH_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR,
               errno.EISDIR, errno.EEXIST, errno.ENOENT, errno.ENAMETOOLONG, errno.ELOOP, errno.EMLINK,
               errno.EFBIG}
_FIXES = {errno.ENOSPC: "free some space", errno.EDQUOT: "free some space (disk quota exceeded)",
          errno.EFBIG: "raise the file-size limit (ulimit -f)"}
MAX_READ_BYTES = 64 * 2 ** 20  # far above any record, verdict or page the suite writes
_RENAME_EXCHANGE = 2  # renameat2(2): swap two paths atomically (Linux >= 3.15)
_AT_FDCWD = -100


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _blocking_ancestor(path: Path) -> Path | None:
    """The nearest ancestor of ``path`` that exists and is not a directory (ENOTDIR's cause)."""
    for parent in [path, *path.parents]:
        if parent.exists() or parent.is_symlink():
            return None if parent.is_dir() else parent
    return None


def describe(exc: OSError, flags: str = "--runs-dir / --results-dir") -> str:
    """One line naming the path, what is wrong with it and the fix."""
    path = Path(exc.filename) if exc.filename else None
    what = exc.strerror or type(exc).__name__
    if path is not None and exc.errno == errno.EEXIST and path.exists() and not path.is_dir():
        return f"cannot write to {path}: it is a file where a directory is needed; move it away or choose another {flags}"
    if path is not None and exc.errno == errno.ENOTDIR:
        blocker = _blocking_ancestor(path)
        if blocker is not None:
            return (f"cannot write to {blocker}: it is a file where a directory is needed; move it away or "
                    f"choose another {flags}")
    if path is not None and exc.errno == errno.EISDIR:
        return f"cannot write to {path}: it is a directory where a file is needed; move it away or choose another {flags}"
    fix = _FIXES.get(exc.errno, "fix its permissions")
    where = f"{path}" if path is not None else "the file system"
    return f"cannot write to {where} ({what}); {fix} or choose another {flags}"


class Unreadable(Exception):
    """A file that cannot be read as asked; the message says why, the caller whose file and the fix."""


def read_bytes(path: Path, limit: int = MAX_READ_BYTES) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them. FileNotFoundError as it
    comes; ``Unreadable`` for anything else that is not a readable regular file of that size."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise Unreadable(exc.strerror or type(exc).__name__) from None
    try:
        status = os.fstat(handle)
        if stat.S_ISDIR(status.st_mode):
            raise Unreadable("a directory, not a file")
        if not stat.S_ISREG(status.st_mode):
            raise Unreadable("not a regular file")
        if status.st_size > limit:
            raise Unreadable(f"{status.st_size / 2 ** 20:.0f} MiB, more than the {limit / 2 ** 20:.0f} MiB "
                             f"such a file may hold")
        os.set_blocking(handle, True)
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        raise Unreadable(exc.strerror or type(exc).__name__) from None
    finally:
        os.close(handle)
    if len(data) > limit:  # grew while it was read
        raise Unreadable(f"more than the {limit / 2 ** 20:.0f} MiB such a file may hold")
    return data


def read_text(path: Path, limit: int = MAX_READ_BYTES) -> str:
    """``read_bytes`` decoded as UTF-8 (``Unreadable`` when it is not)."""
    try:
        return read_bytes(path, limit).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8 text: byte {exc.start}") from None


def writable(directory: Path, flags: str = "--runs-dir / --results-dir") -> None:
    """Create ``directory`` if needed and prove a file can be written in it (UserError if not)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-probe-", delete=True) as probe:
            probe.write(b"probe")
            probe.flush()
    except OSError as exc:
        raise UserError(describe(exc, flags)) from None


def atomic_write_text(path: Path, text: str) -> None:
    """``path`` holds ``text`` whole, or is as it was: a temporary file beside it (named for
    its owner), fsynced, then renamed over it; the temporary file is removed on any failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{cleanup.owner()}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp's 0600 would hide results from other users
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, exc.filename or str(path)) from None  # name the file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _is_staging(name: str) -> bool:
    return name.startswith(".") and name.endswith((".tmp", ".old"))


@contextmanager
def replaced_whole(out_dir: Path, keep: tuple[str, ...] = ()) -> Iterator[Path]:
    """Yield an empty directory beside ``out_dir``; when the block completes, it becomes
    ``out_dir`` in one step. On any error (or an interrupt) it is removed and ``out_dir`` is left
    exactly as it was.

    Sub-directories of the old ``out_dir`` that the new one does not write (the reports of other
    profiles and searches under ``results/<study>/``), and its files matching a glob pattern of
    ``keep`` (what other steps write there, such as saved models), are moved into the new one
    before the swap.
    Raises UserError when the old directory holds a directory where the new one writes a file.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir} is a file where the report directory belongs; move it away or "
                        f"choose another --results-dir")
    cleanup.sweep(out_dir.parent)  # staging that killed writers left beside it
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.{cleanup.owner()}.", suffix=".tmp"))
    moved = []  # what was moved over from the old directory, given back on an error
    try:
        os.chmod(staging, 0o777 & ~umask())
        yield staging
        _sync_tree(staging)
        if out_dir.is_dir():
            written = {entry.name for entry in staging.iterdir()}
            for entry in out_dir.iterdir():
                if _is_staging(entry.name) or not entry.is_dir() or entry.is_symlink():
                    continue
                if entry.name in written and not (staging / entry.name).is_dir():  # a directory replaces one
                    raise UserError(f"{entry} is a directory where the report writes a file; move it "
                                    f"away and rerun (the old report is unchanged)")
            for entry in out_dir.iterdir():
                if _is_staging(entry.name) or entry.name in written:
                    continue
                if (entry.is_dir() and not entry.is_symlink()) or any(entry.match(p) for p in keep):
                    os.rename(entry, staging / entry.name)
                    moved.append(entry.name)
            if _exchange(staging, out_dir):
                shutil.rmtree(staging, ignore_errors=True)  # now the old report
                return
            old = out_dir.parent / f".{out_dir.name}.{cleanup.owner()}.old"
            os.rename(out_dir, old)
            os.rename(staging, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, out_dir)
        _fsync_dir(out_dir.parent)
    except BaseException as exc:
        if staging.exists():
            # Give back what was already moved over, then drop the half-written report.
            for name in moved if out_dir.is_dir() else ():
                if not (out_dir / name).exists():
                    os.rename(staging / name, out_dir / name)
            shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):  # name the report, not its staging copy
            named = str(exc.filename or out_dir).replace(str(staging), str(out_dir))
            raise OSError(exc.errno, exc.strerror, named) from None
        raise


@contextmanager
def filled(out_dir: Path, flags: str = "output directory") -> Iterator[Path]:
    """Yield an empty staging directory inside ``out_dir`` (created if needed); when the block
    completes, its files move to the same places under ``out_dir`` (renames: no data is written
    then). On any error the staging is removed, and so is every directory this call created;
    the file system's refusals become a UserError naming the path and the fix."""
    out_dir = Path(out_dir)
    if "\x00" in str(out_dir):
        raise UserError(f"{str(out_dir)!r} contains a NUL character; choose another {flags}")
    created = [path for path in (out_dir, *out_dir.parents) if not (path.exists() or path.is_symlink())]
    staging = None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        cleanup.sweep(out_dir, prefix=".staging.")  # what killed exports left, nothing of the user's
        staging = Path(tempfile.mkdtemp(dir=out_dir, prefix=f".staging.{cleanup.owner()}.", suffix=".tmp"))
        yield staging
        for folder, _, names in os.walk(staging):
            target = out_dir / Path(folder).relative_to(staging)
            target.mkdir(exist_ok=True)
            for name in names:
                os.replace(Path(folder) / name, target / name)
        shutil.rmtree(staging)
    except BaseException as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        for path in created:  # deepest first; only what this call made, and only if empty
            try:
                path.rmdir()
            except OSError:
                break
        if isinstance(exc, OSError) and exc.errno in PATH_ERRNOS:
            if staging is not None and exc.filename:
                exc.filename = str(exc.filename).replace(str(staging), str(out_dir))
            raise UserError(describe(exc, flags)) from None
        raise


def _fsync_dir(directory: Path) -> None:
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _sync_tree(directory: Path) -> None:
    """Flush the new report's files to disk before it replaces the old one (a crash after the
    swap must not leave empty files behind)."""
    for entry in directory.iterdir():
        if entry.is_file():
            handle = os.open(entry, os.O_RDONLY)
            try:
                os.fsync(handle)
            finally:
                os.close(handle)
    _fsync_dir(directory)
