"""Plug-in studies (a file, or an entry point) and plug-in models and datasets (entry points)."""
import importlib.metadata
import json
import re
import sys
import textwrap
from pathlib import Path

import pytest

from suite.data import datasets
from suite.training import models
from suite.design import plugins
from suite import registry
from suite.training import train
from suite.cli.main import main
from suite.errors import UserError

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    text = README.read_text()
    block = text.split("<!-- plug-in example: tests/design/test_plugins.py runs this block -->", 1)[1]
    return re.search(r"```python\n(.*?)```", block, re.S).group(1)


@pytest.fixture
def clean_registries(monkeypatch):
    """Entry points added during a test leave the registries as they were."""
    registries = (plugins.all_studies(), models.MODELS, datasets.DATASETS)
    before = [dict(table) for table in registries]
    monkeypatch.setattr(registry, "_loaded", set())
    yield
    for table, kept in zip(registries, before):
        table.clear()
        table.update(kept)
    datasets.load.cache_clear()


def test_readme_example_runs_from_its_path(tmp_path, capsys):
    path = tmp_path / "my_study.py"
    path.write_text(readme_example())
    code = main(["run", str(path), "--profile", "smoke", "--runs-dir", str(tmp_path / "runs"),
                 "--results-dir", str(tmp_path / "res")])
    assert code == 0, capsys.readouterr().err
    verdict = json.loads((tmp_path / "res" / "my_width" / "smoke" / "verdict.json").read_text())
    assert verdict["verdict"] in ("supported", "not_supported", "inconclusive")
    assert len(list((tmp_path / "runs" / "my_width" / "smoke" / "trials").glob("*.json"))) == 4


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    ("x = 1\n", "defines no STUDY"),
    ("import no_such_module_here\n", "fails to import: ModuleNotFoundError"),
])
def test_bad_study_file_is_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "bad_study.py"
    if content is not None:
        path.write_text(content)
    code = main(["run", str(path), "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0]


PLUGIN = {
    "my_plugin_pkg/__init__.py": "",
    "my_plugin_pkg/studies.py": "",  # filled from the README example
    "my_plugin_pkg/models.py": '''
        import keras

        def build_tiny(input_shape, num_classes, *, width):
            """A one-layer MLP whose width comes from the config key it names."""
            return keras.Sequential([keras.Input(input_shape), keras.layers.Flatten(),
                                     keras.layers.Dense(width, activation="relu"),
                                     keras.layers.Dense(num_classes)])
    ''',
    "my_plugin_pkg/data.py": '''
        from suite.data.datasets import load_synthetic

        def load_my_digits():
            """The synthetic digits under another name."""
            return load_synthetic()
    ''',
}


@pytest.fixture
def plugin_package(tmp_path, monkeypatch, clean_registries):
    """A tiny plug-in package on sys.path, announced by an importlib.metadata stub."""
    for name, text in PLUGIN.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if name != "my_plugin_pkg/studies.py" else readme_example())
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))
    points = {
        "suite.studies": [importlib.metadata.EntryPoint("my_width", "my_plugin_pkg.studies:STUDY", "suite.studies")],
        "suite.models": [importlib.metadata.EntryPoint("tiny_mlp", "my_plugin_pkg.models:build_tiny", "suite.models"),
                         importlib.metadata.EntryPoint("mlp", "my_plugin_pkg.models:build_tiny", "suite.models")],
        "suite.datasets": [importlib.metadata.EntryPoint("my_digits", "my_plugin_pkg.data:load_my_digits",
                                                         "suite.datasets")],
    }
    monkeypatch.setattr(registry, "entry_points", lambda group: points.get(group, []))
    yield
    for module in [m for m in sys.modules if m.startswith("my_plugin_pkg")]:
        del sys.modules[module]


def test_entry_points_extend_every_registry(plugin_package, tmp_path, capsys):
    assert plugins.find_study("my_width").name == "my_width"
    assert registry.extend(models.MODELS, "suite.models")["mlp"] is models.build_mlp  # built-in wins
    code = main(["list"])
    out = capsys.readouterr().out
    assert code == 0 and "my_width" in out and "my_digits" in out
    code = main(["run", "my_width", "--profile", "smoke", "--seeds", "1", "--set", "model=tiny_mlp",
                 "--set", "dataset=my_digits", "--runs-dir", str(tmp_path / "runs"),
                 "--results-dir", str(tmp_path / "res")])
    assert code == 0, capsys.readouterr().err
    records = [json.loads(p.read_text()) for p in (tmp_path / "runs" / "my_width" / "smoke" / "trials").glob("*.json")]
    assert {r["config"]["model"] for r in records} == {"tiny_mlp"} and all(r["status"] == "done" for r in records)
    # the plug-in model really built the network: one hidden Dense of `width` units, no more
    assert {r["n_params"] for r in records} == {64 * 8 + 8 + 8 * 10 + 10, 64 * 64 + 64 + 64 * 10 + 10}


def test_unknown_name_lists_plugins_too(plugin_package):
    with pytest.raises(UserError, match="unknown model 'tiny'.*tiny_mlp"):
        train.lookup(registry.extend(models.MODELS, "suite.models"), "tiny", "model")


def test_broken_entry_point_is_named(monkeypatch, clean_registries):
    broken = importlib.metadata.EntryPoint("broken", "no_such_plugin_module:STUDY", "suite.studies")
    monkeypatch.setattr(registry, "entry_points", lambda group: [broken] if group == "suite.studies" else [])
    with pytest.raises(UserError, match="entry point 'broken'.*no_such_plugin_module"):
        plugins.find_study("depth")
