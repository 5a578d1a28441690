"""The GPU check of issue 37: one command for a short, offline GPU machine (<= 8 minutes on one H100).

From the repository root, with the wheels of benchmarks/gpu_wheels.sh in .whl/ (carried with the
working tree: the machines have JAX but no Keras, keras-tuner or pydantic, and no package index):

    python benchmarks/gpu_check.py                  # writes to $OUT, else results/benchmarks/gpu-check/
    python benchmarks/gpu_check.py --dry-run --out /tmp/check   # the same path on the CPU, tiny sizes

In order, each stage a fresh process with a time limit inside ``--budget``, the files rewritten
after every stage (a stage that fails or runs out of time is reported as such, the rest go on):

1. installs the carried wheels whose distributions are missing (or older) where ``import keras,
   keras_tuner, pydantic`` fails (``pip install --no-index --no-deps --target .whl/site``, put on
   the children's PYTHONPATH; nothing is installed when the imports work), registers the suite's
   entry points where the suite is not installed, and prints the device (``jax.devices()``);
2. ``benchmarks/population.py --rate jax`` for P = 1, 4, 16, 64, 256, 1024 (the depth network:
   model-epochs/s, end-to-end time, peak device memory, x the floor at the device's measured
   matmul rate; the memorization cnn alone and as a population of 16);
3. the speed benchmark's depth grid (benchmarks/train_speed.py) three ways on the same device:
   a plain ``model.fit`` loop (benchmarks/plain_keras.py, on JAX), ``suite run --no-population``
   (per trial) and ``suite run`` (populations), each a fresh process timed end to end;
4. ``suite run depth`` (quick) and ``suite run memorization`` (quick: its cnn points) with their
   wall times and the device their records name.

Writes gpu.md (the tables, the device named, every number with its unit), gpu.json (all of it),
population.csv, arms.csv and studies.csv. ``--dry-run`` runs every stage on the CPU with tiny
sizes (P = 1, 2; 2 epochs; smoke profiles; the grid on the synthetic digits) with TensorFlow
hidden from every process, as on the GPU machines; tests/benchmarks/test_gpu_check.py runs it.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import pandas as pd  # noqa: E402

from gpu_report import markdown, population_table  # noqa: E402  (gpu.md's tables)
from train_speed import run_arm, timed  # noqa: E402  (the speed benchmark's arms and timing)

NEEDED = ("keras", "keras_tuner", "pydantic")
FULL = {"sizes": "1,4,16,64,256,1024", "epochs": 4, "cnn_members": 16, "cnn_profile": "quick", "grid_epochs": 5,
        "grid_seeds": 3, "grid_dataset": None, "depth": ["--profile", "quick"], "cnn": ["--profile", "quick"],
        "limits": {"population": 210, "grid": 150, "depth": 90, "memorization": 150}}
DRY = {"sizes": "1,2", "epochs": 2, "cnn_members": 2, "cnn_profile": "smoke", "grid_epochs": 2, "grid_seeds": 1,
       "grid_dataset": "synthetic", "depth": ["--profile", "smoke", "--seeds", "1", "--set", "epochs=1"],
       "cnn": ["--profile", "smoke", "--seeds", "1", "--set", "epochs=1"],
       "limits": {"population": 120, "grid": 120, "depth": 60, "memorization": 60}}
PROBE = """import json, jax
devices = jax.devices()
print("JAX devices:", devices, flush=True)
found = {"jax": jax.__version__, "devices": [str(d) for d in devices], "platform": devices[0].platform,
         "device_kind": devices[0].device_kind, "missing": []}
for name in %r:
    try:
        found[name] = __import__(name).__version__
    except Exception as exc:
        found["missing"].append(f"{name} ({type(exc).__name__}: {exc})")
print(json.dumps(found))
""" % (NEEDED,)
# the GPU machines have no TensorFlow: a dry run hides it from every process it starts
HIDE_TENSORFLOW = """import importlib.machinery as machinery
_find = machinery.PathFinder.find_spec.__func__
def _no_tensorflow(cls, name, path=None, target=None):
    return None if name.split(".")[0] == "tensorflow" else _find(cls, name, path, target)
machinery.PathFinder.find_spec = classmethod(_no_tensorflow)
"""


def probe(env: dict) -> dict:
    run = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300)
    if run.returncode:
        sys.exit(f"JAX does not start: {run.stderr[-2000:]}")
    print(run.stdout.splitlines()[0], flush=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def _version(text: str) -> tuple:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:4])


def install(wheels: Path, target: Path) -> list[str]:
    """Install the wheels in ``wheels`` whose distribution this Python lacks or has older, into
    ``target`` (pip; without pip, unpacked: these wheels carry no scripts or data); return their
    names."""
    import importlib.metadata
    import importlib.util
    import zipfile

    chosen = []
    for wheel in sorted(wheels.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        try:
            if _version(importlib.metadata.version(name)) >= _version(version):
                continue
        except importlib.metadata.PackageNotFoundError:
            pass
        chosen.append(wheel)
    if not chosen:
        sys.exit(f"no wheel in {wheels} that this Python lacks: prepare them with `bash benchmarks/gpu_wheels.sh` "
                 f"where PyPI is reachable and carry {wheels} with the working tree")
    if importlib.util.find_spec("pip"):
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--upgrade",
                        "--target", str(target), *map(str, chosen)], check=True)
    else:
        for wheel in chosen:
            zipfile.ZipFile(wheel).extractall(target)
    return [wheel.name for wheel in chosen]


def register_entry_points(target: Path) -> bool:
    """Where the suite is not installed, a dist-info in ``target`` declaring pyproject.toml's entry
    points (the built-in studies are found through them); the code stays the working tree's."""
    import importlib.metadata
    import tomllib

    if list(importlib.metadata.entry_points(group="suite.studies")):
        return False
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    info = target / f"suite-{project['version']}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: suite\nVersion: {project['version']}\n")
    (info / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in points.items()) + "\n"
        for group, points in project["entry-points"].items()))
    return True


def environment(args, scratch: Path) -> tuple[dict, dict]:
    """The children's environment (JAX backend, the working tree and the installed wheels on
    PYTHONPATH) and what the device probe found, installing the wheels first if needed."""
    target = args.wheels / "site"
    paths = [str(ROOT)] + ([str(target)] if target.is_dir() else [])
    if args.dry_run:
        (scratch / "hide").mkdir()
        (scratch / "hide" / "sitecustomize.py").write_text(HIDE_TENSORFLOW)
        paths.insert(0, str(scratch / "hide"))
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=os.pathsep.join(paths + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    found, installed = probe(env), []
    if found["missing"]:
        print(f"not importable: {'; '.join(found['missing'])}; installing the wheels of {args.wheels}", flush=True)
        installed = install(args.wheels, target)
        env["PYTHONPATH"] = os.pathsep.join([str(target), env["PYTHONPATH"]])
        found = probe(env)
        if found["missing"]:
            sys.exit(f"still not importable after installing the wheels: {'; '.join(found['missing'])}")
    sys.path.insert(0, str(target))
    if register_entry_points(target):
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([str(target), *env["PYTHONPATH"].split(os.pathsep)]))
    found["installed"] = installed
    return env, found


def population_stage(sizes, env, out: Path, limit: float) -> dict:
    data = out / "population.json"
    data.unlink(missing_ok=True)
    command = [sys.executable, "benchmarks/population.py", "--rate", "jax", "--sizes", sizes["sizes"],
               "--epochs", str(sizes["epochs"]), "--cnn-members", str(sizes["cnn_members"]),
               "--cnn-profile", sizes["cnn_profile"], "--out", str(out / "population.md"), "--json", str(data)]
    try:
        wall, _, _ = timed(command, env, limit)
        error = None
    except RuntimeError as exc:  # what it measured before failing stays in its JSON
        wall, error = None, str(exc)
    result = json.loads(data.read_text()) if data.exists() else {"rows": [], "cnn": []}
    return {**result, "wall_s": wall, "error": error}


def grid_stage(sizes, env, scratch: Path, deadline: float) -> list[dict]:
    """The depth grid as a plain fit loop (A), the suite per trial (N) and in populations (B)."""
    arms = []
    for arm, what in (("A", "plain keras fit (benchmarks/plain_keras.py), JAX"),
                      ("N", "suite run --no-population (one trial at a time)"),
                      ("B", "suite run (populations)")):
        row = {"arm": arm, "what": what}
        try:
            os.environ.update(env)  # run_arm starts from this process's environment
            result = run_arm(arm, sizes["grid_epochs"], sizes["grid_seeds"], scratch, 0, plain_backend="jax",
                             dataset=sizes["grid_dataset"], timeout=max(1.0, deadline - time.perf_counter()))
            devices = sorted({t["device"] for t in result["trials"] if t.get("device")})
            row.update({"trials": len(result["trials"]), "wall (s)": result["wall_s"],
                        "model-epochs/s": result["model_epochs_per_s"], "steady epoch (s)": result["steady_epoch_s"],
                        "peak RSS (MiB)": result["peak_rss_mb"], "device (records)": ", ".join(devices) or "-"})
        except (RuntimeError, ValueError, OSError) as exc:
            row["error"] = str(exc)
        arms.append(row)
    plain = next((a["model-epochs/s"] for a in arms if a["arm"] == "A" and "model-epochs/s" in a), float("nan"))
    for row in arms:
        if "model-epochs/s" in row:
            row["vs plain fit (x)"] = row["model-epochs/s"] / plain
    return arms


def study_stage(study: str, flags: list[str], env, scratch: Path, limit: float) -> dict:
    runs = scratch / f"runs-{study}"
    profile = flags[flags.index("--profile") + 1]
    command = [sys.executable, "-m", "suite.cli.main", "run", study, *flags, "--runs-dir", str(runs),
               "--results-dir", str(scratch / f"results-{study}")]
    row = {"command": "suite run " + " ".join([study, *flags])}
    try:
        wall, peak, _ = timed(command, dict(env, SUITE_COMPILATION_CACHE=str(scratch / f"jax-cache-{study}")), limit)
        row.update({"wall (s)": wall, "peak RSS (MiB)": peak})
    except RuntimeError as exc:
        row["error"] = str(exc)
    records = [json.loads(p.read_text()) for p in (runs / study / profile / "trials").glob("*.json")]
    devices = {r.get("environment", {}).get("device") for r in records} - {None}
    row.update({"trials": len(records), "in populations": sum("population" in r for r in records),
                "epochs trained": sum(len(r.get("history", [])) for r in records),
                "device (records)": ", ".join(sorted(devices)) or "-"})
    return row


def write(out: Path, report: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu.json").write_text(json.dumps(report, indent=1, default=str))
    population_table(report.get("population", {})).to_csv(out / "population.csv", index=False)
    pd.DataFrame(report.get("grid", [])).to_csv(out / "arms.csv", index=False)
    pd.DataFrame(report.get("studies", [])).to_csv(out / "studies.csv", index=False)
    (out / "gpu.md").write_text(markdown(report))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_out = Path(os.environ["OUT"]) if os.environ.get("OUT") else ROOT / "results" / "benchmarks" / "gpu-check"
    parser.add_argument("--out", type=Path, default=default_out, help="output folder (default $OUT, else %(default)s)")
    parser.add_argument("--wheels", type=Path, default=ROOT / ".whl", help="the carried wheels (default .whl/)")
    parser.add_argument("--dry-run", action="store_true", help="the same stages on the CPU with tiny sizes")
    parser.add_argument("--budget", type=float, default=450, help="seconds for all stages (default 450)")
    parser.add_argument("--install-only", action="store_true", help="install the wheels if needed, probe, stop")
    parser.add_argument("--commit", default=None, help="the commit to name (default: git describe, where git is)")
    args = parser.parse_args()
    started = time.perf_counter()
    deadline = started + args.budget
    sizes = DRY if args.dry_run else FULL
    scratch = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    os.chdir(ROOT)
    env, found = environment(args, scratch)
    if args.install_only:
        return print(json.dumps(found, indent=1))
    if found["platform"] != "gpu" and not args.dry_run:
        print(f"no GPU visible ({found['devices']}): measuring the {found['platform']} at full sizes", flush=True)
    report = {"device": found, "dry_run": args.dry_run, "sizes": sizes, "command": " ".join(sys.argv),
              "started": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "commit": args.commit or _commit(),
              "studies": []}
    write(args.out, report)

    def left(stage: str) -> float:
        return max(1.0, min(sizes["limits"][stage], deadline - time.perf_counter()))

    def stage(label: str, measure):
        print(f"{label} ...", flush=True)
        began = time.perf_counter()
        result = measure()
        print(f"{label}: {time.perf_counter() - began:.0f} s", flush=True)
        return result

    report["population"] = stage(f"[1/4] population sizes {sizes['sizes']}",
                                 lambda: population_stage(sizes, env, args.out, left("population")))
    write(args.out, report)
    report["grid"] = stage("[2/4] the depth grid: plain fit, per trial, populations",
                           lambda: grid_stage(sizes, env, scratch, time.perf_counter() + left("grid")))
    write(args.out, report)
    for index, (study, flags) in enumerate((("depth", sizes["depth"]), ("memorization", sizes["cnn"])), 3):
        report["studies"].append(stage(f"[{index}/4] suite run {study} {' '.join(flags)}",
                                       lambda: study_stage(study, flags, env, scratch, left(study))))
        write(args.out, report)
    report["wall_s"] = time.perf_counter() - started
    write(args.out, report)
    print((args.out / "gpu.md").read_text())


def _commit() -> str:
    try:
        run = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    except OSError:  # no git on the machine
        return "unknown (no git)"
    return run.stdout.strip() or "unknown (no git)"


if __name__ == "__main__":
    main()
