"""Litter of dead processes and what `suite clean` may delete (suite.store.cleanup)."""
import os
import socket
import subprocess
import sys
import time

import pytest

from suite.errors import UserError
from suite.store import cleanup


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_sweep_removes_only_what_dead_processes_on_this_host_left(tmp_path):
    host, dead = socket.gethostname(), dead_pid()
    names = {f".report.{host}-{dead}.abcdef12.tmp": False, f".report.{host}-{dead}.old": False,
             f".report.{host}-{os.getpid()}.abcdef12.tmp": True, f".report.other-{dead}.abcdef12.tmp": True,
             ".report.abcdef12.tmp": True, "report": True, ".report.zzzzzz99.tmp": False}
    for name in names:
        (tmp_path / name).mkdir()
    old = time.time() - 2 * cleanup.LEGACY_AGE_S
    os.utime(tmp_path / ".report.zzzzzz99.tmp", (old, old))  # staging from before owners, long dead
    assert cleanup.sweep(tmp_path) == 3
    assert {path.name for path in tmp_path.iterdir()} == {name for name, kept in names.items() if kept}


def test_sweep_of_scratch_keeps_live_and_foreign_processes(tmp_path):
    host = socket.gethostname()
    for name in (f"{host}-{dead_pid()}", f"{host}-{os.getpid()}", "elsewhere-1", "notes"):
        (tmp_path / name).mkdir()
    assert cleanup.sweep(tmp_path, scratch=True) == 1
    assert len(list(tmp_path.iterdir())) == 3


def test_inside_resolves_through_a_linked_store_but_refuses_a_link_below_it(tmp_path):
    (tmp_path / "disk" / "depth" / "smoke").mkdir(parents=True)
    (tmp_path / "runs").symlink_to(tmp_path / "disk")
    assert cleanup.inside(tmp_path / "runs" / "depth", tmp_path / "runs") == (tmp_path / "disk" / "depth").resolve()
    (tmp_path / "disk" / "other").symlink_to(tmp_path / "disk" / "depth")
    with pytest.raises(UserError, match="other is a symbolic link"):
        cleanup.inside(tmp_path / "runs" / "other" / "smoke", tmp_path / "runs")
