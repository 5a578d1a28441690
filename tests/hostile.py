"""Harness of the hostile-input tests (issue 29): an arena with a store, a results directory, an
output directory and, beside them, a sentinel tree and a victim directory that no command may
create, change or delete anything in; and the check that a refusal is one line, exit 2, no
traceback.

    def test_x(arena, capsys):
        before = arena.snapshot()
        code = main([...])                      # in-process (fast), or arena.run([...]) in a subprocess
        refused(code, *capsys.readouterr(), "what the line must say")
        assert arena.snapshot() == before       # nothing outside runs/, results/, out/ changed
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

INSIDE = ("runs", "results", "out")  # what a command may write, under arena.work


@dataclass
class Arena:
    root: Path  # tmp_path: holds work/ (the current directory), sentinel/ and victim/ beside it
    work: Path
    sentinel: Path
    victim: Path

    def snapshot(self, include_inside: bool = False) -> dict[str, str]:
        """Every path under root with a digest of its bytes (a symlink: its target), skipping
        work/{runs,results,out} unless ``include_inside``."""
        state = {}
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root)
            if not include_inside and rel.parts[:1] == ("work",) and len(rel.parts) > 1 and rel.parts[1] in INSIDE:
                continue
            if path.is_symlink():
                state[str(rel)] = "link:" + os.readlink(path)
            elif path.is_file():
                state[str(rel)] = hashlib.sha1(path.read_bytes()).hexdigest()
            else:
                state[str(rel)] = "dir"
        return state

    def run(self, argv: list[str], env: dict | None = None, preexec=None, timeout: float = 120,
            stdin: str | None = None) -> subprocess.CompletedProcess:
        """``suite ARGV`` in a fresh interpreter, from work/ (for limits such as ``ulimit -f``)."""
        environment = {**os.environ, "SUITE_QUIET": "0", **(env or {})}
        return subprocess.run([sys.executable, "-m", "suite.cli", *argv], cwd=self.work, env=environment,
                              capture_output=True, text=True, timeout=timeout, preexec_fn=preexec,
                              input=stdin)


@pytest.fixture
def arena(tmp_path, monkeypatch) -> Arena:
    work, sentinel, victim = tmp_path / "work", tmp_path / "sentinel", tmp_path / "victim"
    for directory in (work, sentinel / "nested", victim):
        directory.mkdir(parents=True)
    (sentinel / "keep.txt").write_text("sentinel\n")
    (sentinel / "nested" / "data.bin").write_bytes(bytes(range(256)))
    (victim / "precious.txt").write_text("do not delete\n")
    monkeypatch.chdir(work)
    for name in ("SUITE_RESULTS_DIR", "SUITE_RUNS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUITE_QUIET", "0")
    monkeypatch.setenv("KERAS_HOME", str(work / "out" / "keras"))
    return Arena(tmp_path, work, sentinel, victim)


def refused(code: int, out: str, err: str, message: str = "", exit_code: int = 2) -> str:
    """The refusal contract: exit 2 (or ``exit_code``), nothing on stdout, one line on stderr
    starting 'suite: error: ', no traceback, matching ``message`` (a regular expression)."""
    lines = err.strip().splitlines()
    assert code == exit_code, (code, out[-2000:], err[-3000:])
    assert out == "" and len(lines) == 1, (out[-2000:], err[-3000:])
    assert lines[0].startswith("suite: error: ") and "Traceback" not in err, err[-3000:]
    assert re.search(message, lines[0]), lines[0]
    return lines[0]
