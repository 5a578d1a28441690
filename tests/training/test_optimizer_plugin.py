"""Benchmark your own optimizer (issue 32): an optimizer in a separate, pip-installed package,
registered through the ``suite.optimizers`` entry point, runs on a built-in study and in the
README's benchmark study file (the test installs the package and runs both, as a user would)."""
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
PACKAGE = {
    "pyproject.toml": '''
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "my-suite-optimizer"
        version = "0.1"
        [project.entry-points."suite.optimizers"]
        lion_like = "my_suite_optimizer:make"
    ''',
    "my_suite_optimizer/__init__.py": '''
        """Keras's Lion (Chen et al. 2023) as the suite's 'lion_like' optimizer."""
        import keras

        def make(learning_rate, momentum, **options):
            """The suite calls it with the trial's learning rate (a float or a schedule) and momentum."""
            return keras.optimizers.Lion(learning_rate, **options)
    ''',
}


def readme_block() -> str:
    block = README.read_text().split("<!-- optimizer benchmark: tests/training/test_optimizer_plugin.py runs this block -->", 1)[1]
    return re.search(r"```python\n(.*?)```", block, re.S).group(1)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """The package pip-installed into its own site directory; the environment that sees it."""
    root = tmp_path_factory.mktemp("optimizer_plugin")
    for name, text in PACKAGE.items():
        (root / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "src" / name).write_text(textwrap.dedent(text))
    site = root / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                              "--no-build-isolation", "--target", str(site), str(root / "src")],
                             capture_output=True, text=True, timeout=300)
    if install.returncode != 0 and "No module named" in install.stderr and "setuptools" in install.stderr:
        pytest.skip("setuptools is not installed in this environment: the package cannot be built offline")
    assert install.returncode == 0, install.stderr[-3000:]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
            "SUITE_QUIET": "1"}


def suite_cli(argv, env, cwd):
    return subprocess.run([sys.executable, "-m", "suite.cli", *argv], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_the_readme_benchmark_study_runs(installed, tmp_path):
    (tmp_path / "bench_my_optimizer.py").write_text(readme_block())
    run = suite_cli(["run", "bench_my_optimizer.py", "--profile", "smoke", "--runs-dir", "runs",
                     "--results-dir", "res"], installed, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    verdict = json.loads((tmp_path / "res" / "bench_lion" / "smoke" / "verdict.json").read_text())
    assert "lion_like" in json.dumps(verdict["evidence"])
    records = [json.loads(p.read_text()) for p in (tmp_path / "runs" / "bench_lion" / "smoke" / "trials").glob("*.json")]
    assert "lion_like" in {r["config"]["optimizer"] for r in records}  # the installed optimizer really trained


def test_without_the_package_the_name_is_unknown(tmp_path):
    run = suite_cli(["run", "depth", "--profile", "smoke", "--set", "optimizer=lion_like"],
                    {**os.environ, "SUITE_QUIET": "1"}, tmp_path)
    assert run.returncode == 2 and "unknown optimizer 'lion_like'" in run.stderr
