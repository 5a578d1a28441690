"""benchmarks/gpu_check.py, the one command of a GPU machine's few minutes (issue 37), kept from
rotting between GPU runs: its dry run (every stage on the CPU, tiny sizes, TensorFlow hidden as on
the GPU machines) writes every file and table, and its set-up installs carried wheels and
declares the suite's entry points where nothing is installed."""
import csv
import importlib.metadata
import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module():
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "benchmarks" / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _header(markdown: str, title: str) -> list[str]:
    """The column names of the first table after the heading ``title``."""
    section = markdown.split(f"## {title}", 1)[1]
    row = next(line for line in section.splitlines() if line.startswith("|"))
    return [cell.strip() for cell in row.strip("|").split("|")]


def test_the_dry_run_writes_every_table_with_units(tmp_path):
    run = subprocess.run([sys.executable, "benchmarks/gpu_check.py", "--dry-run", "--out", str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "JAX devices: [CpuDevice(id=0)]" in run.stdout
    assert {"gpu.md", "gpu.json", "population.csv", "arms.csv", "studies.csv"} <= {p.name for p in tmp_path.iterdir()}
    text = (tmp_path / "gpu.md").read_text()
    assert text.startswith("# GPU check: cpu (cpu)") and "**Dry run**" in text
    assert _header(text, "Population training") == [
        "population", "members", "epoch wall (s)", "model-epochs/s", "first epoch (s)", "end to end (s)",
        "cores busy (CPU s / s)", "vs per-trial (x)", "x floor (x)"]  # no memory statistics on a CPU
    assert _header(text, "The same grid") == [
        "arm", "what", "trials", "wall (s)", "model-epochs/s", "vs plain fit (x)", "steady epoch (s)",
        "peak RSS (MiB)", "device (records)"]
    assert _header(text, "Studies") == [
        "command", "wall (s)", "trials", "in populations", "epochs trained", "peak RSS (MiB)", "device (records)"]
    report = json.loads((tmp_path / "gpu.json").read_text())
    assert [row["members"] for row in report["population"]["rows"]] == [1, 1, 2]
    assert [row["members"] for row in report["population"]["cnn"]] == [1, 2]
    assert not report["population"]["error"]
    grid = {row["arm"]: row for row in report["grid"]}
    assert set(grid) == {"A", "N", "B"} and not any("error" in row for row in grid.values())
    assert grid["A"]["vs plain fit (x)"] == 1 and grid["B"]["trials"] == grid["N"]["trials"] == 5
    assert [row["trials"] for row in report["studies"]] == [5, 5]
    assert all(row["device (records)"].startswith("cpu") and "error" not in row for row in report["studies"])
    with open(tmp_path / "population.csv") as handle:
        assert len(list(csv.DictReader(handle))) == 5  # the dense rows and the cnn's


def _wheel(folder: Path, name: str, version: str) -> Path:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}/__init__.py", f"VERSION = {version!r}\n")
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    return path


def test_carried_wheels_install_only_what_is_missing_or_older(tmp_path):
    check = _module()
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels, "gpu_check_demo", "1.0")
    _wheel(wheels, "pytest", "0.1")  # installed here, newer: not shadowed
    installed = check.install(wheels, tmp_path / "site")
    assert installed == ["gpu_check_demo-1.0-py3-none-any.whl"]
    assert (tmp_path / "site" / "gpu_check_demo" / "__init__.py").exists()
    assert not (tmp_path / "site" / "pytest").exists()
    with pytest.raises(SystemExit, match="gpu_wheels.sh"):
        check.install(tmp_path / "site", tmp_path / "other")  # no wheel there


def test_the_suites_entry_points_are_declared_where_it_is_not_installed(tmp_path, monkeypatch):
    check = _module()
    assert not check.register_entry_points(tmp_path)  # installed here: nothing to declare
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **kwargs: [])
    assert check.register_entry_points(tmp_path)
    (suite,) = importlib.metadata.distributions(path=[str(tmp_path)])
    studies = {point.name: point.value for point in suite.entry_points if point.group == "suite.studies"}
    assert studies["depth"] == "studies.depth:STUDY" and len(studies) == len(list((ROOT / "studies").glob("[!_]*.py")))
