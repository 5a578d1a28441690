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
    monkeypatch.setattr(registry, "_sources", dict(getattr(registry, "_sources", {})), raising=False)
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
        "suite.models": [importlib.metadata.EntryPoint("tiny_mlp", "my_plugin_pkg.models:build_tiny", "suite.models")],
        "suite.datasets": [importlib.metadata.EntryPoint("my_digits", "my_plugin_pkg.data:load_my_digits",
                                                         "suite.datasets")],
    }
    monkeypatch.setattr(registry, "entry_points", lambda group: points.get(group, []))
    yield
    for module in [m for m in sys.modules if m.startswith("my_plugin_pkg")]:
        del sys.modules[module]


def test_entry_points_extend_every_registry(plugin_package, tmp_path, capsys):
    assert plugins.find_study("my_width").name == "my_width"
    assert registry.extend(models.MODELS, "suite.models")["mlp"] is models.build_mlp
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


# --- the plug-in contract (issue 32): what a plug-in cannot honour is refused before training ---

def _study_file(tmp_path, body: str, name: str = "plug.py") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return str(path)


POSITIONAL_BUILDER = '''
    import keras
    from suite import Rule, Study
    from suite.training import models

    def build_positional(input_shape, num_classes, width=32):
        """A builder whose setting is positional-or-keyword (not keyword-only)."""
        return keras.Sequential([keras.Input(input_shape), keras.layers.Flatten(),
                                 keras.layers.Dense(width, activation="relu"), keras.layers.Dense(num_classes)])

    models.MODELS["positional_mlp"] = build_positional
    STUDY = Study(name="positional", claim="c", source="s", base={"model": "positional_mlp"},
                  axes={"width": [8, 64]}, profiles={"smoke": {"dataset": "synthetic", "epochs": 1, "seeds": 1}})
'''


def test_a_positional_or_keyword_setting_reaches_the_builder(tmp_path, capsys, clean_registries):
    """Fault 1: `def build(input_shape, num_classes, width=32)` never received `width`."""
    study = _study_file(tmp_path, POSITIONAL_BUILDER)
    code = main(["run", study, "--profile", "smoke", "--runs-dir", str(tmp_path / "runs"),
                 "--results-dir", str(tmp_path / "res")])
    assert code == 0, capsys.readouterr().err
    records = [json.loads(p.read_text()) for p in (tmp_path / "runs" / "positional" / "smoke" / "trials").glob("*.json")]
    assert {r["n_params"] for r in records} == {64 * 8 + 8 + 8 * 10 + 10, 64 * 64 + 64 + 64 * 10 + 10}


def test_a_softmax_output_is_refused_before_training(tmp_path, capsys, clean_registries):
    """Fault 2: a builder ending in softmax was trained as if it returned logits (double softmax)."""
    study = _study_file(tmp_path, POSITIONAL_BUILDER.replace("keras.layers.Dense(num_classes)",
                                                             "keras.layers.Dense(num_classes, activation='softmax')"))
    code = main(["run", study, "--profile", "smoke", "--runs-dir", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    assert code == 2 and "ends in a softmax activation" in err and "Dense(num_classes)" in err
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").rglob("*.json"))


def test_a_study_file_cannot_take_a_registered_name_unless_it_says_it_replaces_it(tmp_path, capsys):
    """Fault 3: a plug-in study named 'depth' shared runs/depth/ and replaced results/depth/."""
    body = readme_example().replace('name="my_width"', 'name="depth"')
    code = main(["run", _study_file(tmp_path, body), "--profile", "smoke", "--runs-dir", str(tmp_path / "runs"),
                 "--results-dir", str(tmp_path / "res")])
    assert code == 2 and "names its study 'depth', which is a registered study" in capsys.readouterr().err
    replacing = body.replace('name="depth"', 'name="depth", replaces="depth"')
    assert plugins.study_from_file(Path(_study_file(tmp_path, replacing, "r.py"))).name == "depth"


def test_an_entry_point_cannot_shadow_a_built_in(monkeypatch, clean_registries):
    point = importlib.metadata.EntryPoint("mlp", "my_plugin_pkg.models:build_tiny", "suite.models")
    monkeypatch.setattr(registry, "entry_points", lambda group: [point] if group == "suite.models" else [])
    with pytest.raises(UserError, match="takes the name of the built-in model 'mlp'"):
        registry.extend(models.MODELS, "suite.models")


def test_a_rule_on_a_point_off_its_axis_is_refused(tmp_path, capsys):
    """Fault 4: a rule naming width=128 on axis [8, 64] ran the study and said 'inconclusive'."""
    body = readme_example().replace("a={\"width\": 64}", "a={\"width\": 128}")
    code = main(["run", _study_file(tmp_path, body), "--profile", "smoke", "--runs-dir", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    assert code == 2 and "names width=128, which is not on axis 'width' [8, 64]" in err
    assert not (tmp_path / "runs").exists()


def test_an_axis_the_model_does_not_read_is_refused(plugin_package, tmp_path, capsys):
    """Fault 5: `suite run depth --set model=tiny_mlp` trained five identical 'depths'."""
    code = main(["run", "depth", "--profile", "smoke", "--set", "model=tiny_mlp", "--runs-dir", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    assert code == 2 and "axis `depth` sets `depth`, which model `tiny_mlp` does not read" in err
    code = main(["run", "my_width", "--profile", "smoke", "--set", "model=tiny_mlp", "--set", "activation='tanh'",
                 "--runs-dir", str(tmp_path / "runs")])
    assert code == 2 and "--set activation is not read by model `tiny_mlp`" in capsys.readouterr().err


BOTTLENECK_STUDY = '''
    import keras
    import suite
    from suite.training import models

    def build_bottleneck(input_shape, num_classes, *, width, bottleneck):
        """Width units, then a narrower bottleneck: a setting no built-in model has."""
        return keras.Sequential([keras.Input(input_shape), keras.layers.Flatten(),
                                 keras.layers.Dense(width, activation="relu"),
                                 keras.layers.Dense(bottleneck, activation="relu"), keras.layers.Dense(num_classes)])

    suite.declare_keys({"bottleneck": suite.Option(int, 4, "units in the bottleneck layer", ge=1, le=4096)})
    models.MODELS["bottleneck_mlp"] = build_bottleneck
    STUDY = suite.Study(name="bottleneck", claim="c", source="s", base={"model": "bottleneck_mlp", "width": 16},
                        axes={"bottleneck": [2, 8]},
                        profiles={"smoke": {"dataset": "synthetic", "epochs": 1, "seeds": 1}})
'''


def test_a_plugin_model_declares_its_own_config_keys(tmp_path, capsys, clean_registries, monkeypatch):
    """Plug-in settings: an axis on `bottleneck` was refused as an unknown key."""
    from suite.design import plugin_keys

    monkeypatch.setattr(plugin_keys, "DECLARED", {})
    study = _study_file(tmp_path, BOTTLENECK_STUDY)
    code = main(["run", study, "--profile", "smoke", "--runs-dir", str(tmp_path / "runs"),
                 "--results-dir", str(tmp_path / "res")])
    assert code == 0, capsys.readouterr().err
    records = [json.loads(p.read_text()) for p in (tmp_path / "runs" / "bottleneck" / "smoke" / "trials").glob("*.json")]
    assert {r["config"]["bottleneck"] for r in records} == {2, 8}
    assert {r["n_params"] for r in records} == {64 * 16 + 16 + 16 * b + b + b * 10 + 10 for b in (2, 8)}
    from suite.design import config

    with pytest.raises(UserError, match=r"bottleneck \(a plug-in model's key\) 0 is out of range: an int in \[1, 4096\]"):
        config.validate({**config.DEFAULTS, "bottleneck": 0})
    assert main(["keys"]) == 0 and "bottleneck (int, default 4; --set (a plug-in model's key))" in capsys.readouterr().out
