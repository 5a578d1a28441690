"""Headless Chromium (Debian's ``chromium`` package) for checking and picturing the results site."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

# No network, no first-run screens, no sandbox (containers), a fresh profile per call.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def find() -> str | None:
    """The Chromium executable, or None when it is not installed (apt-get install chromium)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(url: str, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
    executable = find()
    if executable is None:
        raise FileNotFoundError("chromium is not installed; apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="suite-chromium-") as profile:
        return subprocess.run([executable, *FLAGS, f"--user-data-dir={profile}", *arguments, url],
                              capture_output=True, text=True, timeout=timeout)


def dump_dom(url: str, timeout: float = 120) -> str:
    """The page's DOM after Chromium loaded it (images and stylesheets fetched); raises
    subprocess.TimeoutExpired when it takes longer than ``timeout`` seconds (a script's dialog
    blocks a headless page for ever)."""
    return _run(url, "--dump-dom", timeout=timeout).stdout


def screenshot(url: str, path: Path, width: int = 1280, height: int = 1600) -> Path:
    """A PNG of the page at ``url``; raises RuntimeError when Chromium wrote none."""
    _run(url, f"--window-size={width},{height}", f"--screenshot={Path(path).resolve()}")
    if not Path(path).exists():
        raise RuntimeError(f"chromium wrote no screenshot of {url}")
    return Path(path)
