import importlib.util
import os
import subprocess
import sys

import pytest

from suite.cli.main import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv, message", [
    (["run", "dept"], "unknown study 'dept'.*did you mean 'depth'"),
    (["run", "depth", "--dataset", "mnist10k"], "unknown dataset 'mnist10k'"),
    (["run", "depth", "--dataset", "cifar10"], "not available offline.*mnist_10k"),
    (["run", "depth", "--set", "epoch=5"], "unknown config key 'epoch'.*did you mean 'epochs'"),
    (["run", "depth", "--set", "epochs=x"], "expected an int in"),
    (["run", "depth", "--set", "activation=sigmod"], "unknown activation 'sigmod'"),
    (["run", "depth", "--set", "epochs"], "key=value"),
    (["run", "depth", "--set", "input_transform=blur"], "unknown input transform 'blur'"),
    (["run", "depth", "--set", "lr_schedule=cosin"], "unknown learning-rate schedule 'cosin'.*'cosine'"),
    (["run", "depth", "--set", "lr_schedule=exponential", "--set", "lr_schedule_options={'rate': 2}"],
     "no option 'rate'.*its options: decay_epochs, decay_rate"),
    (["run", "depth", "--set", "keep_weights=first"], "unknown keep_weights 'first'"),
    (["run", "depth", "--set", "label_corruption=1.5"], r"in \[0, 1\]"),
    (["run", "depth", "--set", "model=cnn", "--set", "conv_filters=8"], "expected a list"),
    (["run", "memorization", "--set", "label_corruption=0.5"], "varies across trials.*axis 'data'"),
    (["run", "depth", "--profile", "fast"], "unknown profile 'fast'"),
    (["run", "depth", "--seeds", "three"], "invalid int value"),
    (["run"], "required: study"),
    (["frobnicate"], "invalid choice"),
    (["report", "depth", "--profile", "smoke"], "no stored trials.*suite run depth"),
    (["run", "depth", "--figure-format", "png,gif"], "png plus any of svg, pdf"),
    (["run", "depth", "--profile", "smoke", "--set", "validation_freq=5"],
     "validation_freq=5 .* keep_weights='best_dev' reads it after every epoch; set keep_weights=last"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    code, out, err = run_cli(capsys, *argv, *(["--runs-dir", str(tmp_path / "runs"),
                                                "--results-dir", str(tmp_path / "res")]
                                               if argv[:1] in (["run"], ["report"]) and len(argv) > 1 else []))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("suite: error: ")
    import re
    assert re.search(message, lines[0]), lines[0]


def test_results_dir_that_is_not_writable(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, _, err = run_cli(capsys, "run", "depth", "--profile", "smoke", "--results-dir", str(blocker))
    assert code == 2 and "cannot write" in err and len(err.strip().splitlines()) == 1
    assert blocker.read_text() == "not a directory"


def test_list_names_studies_datasets(capsys):
    code, out, _ = run_cli(capsys, "list")
    assert code == 0 and "depth" in out and "mnist_10k" in out and "profiles: smoke, quick, paper" in out


def test_no_traceback_from_the_installed_command(tmp_path):
    result = subprocess.run([sys.executable, "-m", "suite.cli.main", "run", "nope"], capture_output=True,
                            text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("suite: error: unknown study 'nope'")


@pytest.mark.parametrize("code, expected", [(0, 0), (2, 2)])
def test_console_exits_with_mains_code_and_a_stop_during_the_exit_gives_130(code, expected):
    # The exit runs the atexit handlers, then leaves without the interpreter's teardown; a SIGINT
    # arriving while it exits ends it with 130 (CPython's teardown would reset SIGINT to SIG_DFL
    # and die of the signal with no status a shell reads as an interruption).
    base = ("import atexit, os, signal, sys, time\n"
            "from suite.cli import main as cli\n"
            f"cli.main = lambda argv=None: {code}\n")
    done = subprocess.run([sys.executable, "-c", base + "cli.console()"], capture_output=True, text=True, timeout=60)
    assert done.returncode == expected, done.stderr
    stopped = subprocess.run([sys.executable, "-c", base + "atexit.register(lambda: os.kill(os.getpid(), "
                              "signal.SIGINT) or time.sleep(30))\ncli.console()"],
                             capture_output=True, text=True, timeout=20)
    assert stopped.returncode == 130, stopped.stderr


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="the JAX backend is not installed")
def test_the_jax_path_never_imports_tensorflow(tmp_path):
    """`suite list` and a smoke run with its report (and a saved model's Keras serialization):
    no TensorFlow on the JAX backend; seaborn only once a report is written (suite.training.without_tensorflow)."""
    code = ("import sys\nfrom suite.cli import main as cli\n"
            "assert cli.main(['list', '--quiet']) == 0\n"
            "print('list', 'tensorflow' in sys.modules, 'seaborn' in sys.modules)\n"
            f"assert cli.main(['run', 'depth', '--profile', 'smoke', '--seeds', '1', '--set', 'epochs=1', "
            f"'--runs-dir', {str(tmp_path / 'runs')!r}, '--results-dir', {str(tmp_path / 'out')!r}, '--quiet']) == 0\n"
            "import keras\nfrom suite.store import artifacts\n"
            f"artifacts.save_model(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]), "
            f"__import__('pathlib').Path({str(tmp_path / 'm.keras')!r}))\n"
            "print('run', 'tensorflow' in sys.modules, 'seaborn' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}  # the CLI's own choice: auto
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    marks = [line for line in result.stdout.splitlines() if line.startswith(("list ", "run "))]
    assert marks == ["list False False", "run False True"], result.stdout
    assert result.stderr == ""  # no library banners either
    assert (tmp_path / "m.keras").stat().st_size > 0


# As on a machine with the README's `pip install -e ".[jax]"`: no TensorFlow to import.
HIDE_TENSORFLOW = """import importlib.machinery as machinery
_find = machinery.PathFinder.find_spec.__func__
def _no_tensorflow(cls, name, path=None, target=None):
    return None if name.split(".")[0] == "tensorflow" else _find(cls, name, path, target)
machinery.PathFinder.find_spec = classmethod(_no_tensorflow)
"""


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="the JAX backend is not installed")
@pytest.mark.parametrize("command", ["run", "show"])
def test_help_without_tensorflow_or_keras_backend_prints_the_help(command):
    """A newcomer's `suite run --help` after the README's JAX install exited 2: the --profile help
    loads every study before the command had chosen the backend, and Keras fell back to TensorFlow."""
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    code = HIDE_TENSORFLOW + f"import sys\nfrom suite.cli import main as cli\nsys.exit(cli.main([{command!r}, '--help']))\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0 and "every study has smoke, quick, paper" in " ".join(result.stdout.split()), \
        result.stderr[-2000:]


def test_a_missing_backend_names_its_own_install_and_the_other_backend(monkeypatch):
    from suite import backend
    from suite.errors import UserError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tensorflow" else real(name, *a))
    with pytest.raises(UserError) as raised:
        backend.choose("tensorflow")
    assert str(raised.value) == ("backend 'tensorflow' is not installed; pip install -e \".[tensorflow]\" (from the "
                                 "checkout) or use --backend jax")


def test_profile_help_lists_each_studys_profiles(capsys):
    """The --profile help names the profiles the studies declare (issue 36), not a fixed list."""
    import pytest

    for argv in (["run", "--help"], ["report", "--help"], ["show", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        text = " ".join(capsys.readouterr().out.split())
        assert "every study has smoke, quick, paper" in text and "depth: also long" in text, argv
