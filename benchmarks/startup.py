"""Start-up and report: the time a `suite` command spends outside the trials, and what it imports.

The depth grid of the speed benchmark (5 networks x 3 seeds; 1 epoch: the trials do not matter
here) is trained once into a scratch store. Then each round runs, in fresh processes, `suite
report depth` on that store (what `suite run` does once its trials are stored: start, import,
plan, read the store, write the report with its figures) in three arms, interleaved:

  now          the suite as it is: on the JAX backend TensorFlow is never imported
  +tensorflow  the same, with TensorFlow imported up front (as the CLI used to on every backend)
  before       +tensorflow, and statsmodels' Holm correction walking the whole heap (its
               gc.collect(); the suite now freezes the heap for the call): the code before
               issue 20's part 5, as far as this command goes

Phases, from timestamps in the child: interpreter start (parent's spawn to the child's first
line), `import suite.cli.main`, libraries (backend choice, Keras, keras-tuner and the suite's modules,
up to planning), planning (`suite.cli.commands.training._plan`: expand the study into trials), report (reading the store
and writing results/: tables, verdicts, figures), exit (the rest of the process's wall time: the
exit handlers, as `suite` ends, without the interpreter's teardown). Also the heavy libraries each arm has imported.
Medians over rounds. Writes results/benchmarks/startup.md.
Run:  python benchmarks/startup.py [--rounds 5]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = ("tensorflow", "jax", "keras", "keras_tuner", "matplotlib", "seaborn", "statsmodels", "sklearn",
             "scipy", "pandas")
ARMS = ["now", "+tensorflow", "before"]
GRID = ["depth", "--seeds", "3", "--set", "epochs=1"]

# Runs in the child; the parent passes the arm and the spawn time in argv.
CHILD = r"""
import json, os, sys, time
first = time.time()
arm, spawned, runs, grid, libraries = sys.argv[1], float(sys.argv[2]), sys.argv[3], *map(json.loads, sys.argv[4:6])
marks = {"start": time.perf_counter()}
from suite.cli import main as cli
marks["cli"] = time.perf_counter()
from suite.cli.commands import training
if arm in ("+tensorflow", "before"):
    from suite import console
    with console._descriptor_2_silenced():
        import tensorflow  # noqa: F401  (what hide_library_noise used to do on every backend)
if arm == "before":
    from suite.analysis import verdicts
    from statsmodels.stats.multitest import multipletests
    verdicts._holm_adjusted = lambda raw: multipletests(raw, method="holm")[1]
plan = training._plan
def timed_plan(args):
    marks["libraries"] = time.perf_counter()
    result = plan(args)
    marks["plan"] = time.perf_counter()
    return result
training._plan = timed_plan
main = cli.main
def timed_main(argv=None):
    code = main(argv)
    marks["report"] = time.perf_counter()
    print(json.dumps({"code": code, "interpreter_s": first - spawned,
                      "import_cli_s": marks["cli"] - marks["start"], "libraries_s": marks["libraries"] - marks["cli"],
                      "plan_s": marks["plan"] - marks["libraries"], "report_s": marks["report"] - marks["plan"],
                      "imported": [m for m in libraries if m in sys.modules]}))
    return code
cli.main = timed_main
sys.argv = ["suite", "report", *grid, "--runs-dir", runs, "--results-dir", runs + "/out", "--quiet"]
cli.console()  # as the `suite` command ends: atexit handlers, then no interpreter teardown
"""


def run_child(arm: str, runs: Path) -> dict:
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    spawned = time.time()
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, arm, repr(spawned), str(runs), json.dumps(GRID),
                          json.dumps(LIBRARIES)], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        sys.exit(f"suite report failed in arm {arm}: {out.stderr[-2000:]}")
    process = time.perf_counter() - started
    inside = sum(result[k] for k in ("interpreter_s", "import_cli_s", "libraries_s", "plan_s", "report_s"))
    return {**result, "arm": arm, "exit_s": process - inside, "process_s": process}


def machine() -> str:
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor() or platform.machine()
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "startup.md")
    args = parser.parse_args()
    runs = Path(tempfile.mkdtemp(prefix="suite-startup-"))
    load_before = os.getloadavg()
    subprocess.run([sys.executable, "-m", "suite.cli.main", "run", *GRID, "--runs-dir", str(runs),
                    "--results-dir", str(runs / "out"), "--quiet"], cwd=ROOT, check=True,
                   env=dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=str(ROOT)), stdout=subprocess.DEVNULL)
    rows = []
    for round_index in range(args.rounds):
        arms = ARMS[round_index % len(ARMS):] + ARMS[:round_index % len(ARMS)]  # rotated per round
        for arm in arms:
            rows.append({**run_child(arm, runs), "round": round_index})
            print(f"round {round_index} {arm}: {rows[-1]['process_s']:.2f} s", flush=True)
    load_after = os.getloadavg()
    write(pd.DataFrame(rows), args, load_before, load_after)


def write(frame: pd.DataFrame, args, load_before, load_after) -> None:
    phases = ["interpreter_s", "import_cli_s", "libraries_s", "plan_s", "report_s", "exit_s", "process_s"]
    table = frame.groupby("arm")[phases].median().reindex(ARMS)
    table.loc["before - now"] = table.loc["before"] - table.loc["now"]
    rounds = frame.pivot(index="round", columns="arm", values="process_s")[ARMS]
    imported = {arm: ", ".join(frame[frame.arm == arm].imported.iloc[0]) for arm in ARMS}
    lines = ["# Start-up and report time", "",
             f"`python benchmarks/startup.py --rounds {args.rounds}` on "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {machine()}; niceness {os.nice(0)}; load average (1, 5, 15 min) "
             f"{', '.join(f'{x:.1f}' for x in load_before)} before and {', '.join(f'{x:.1f}' for x in load_after)} "
             f"after. `suite report {' '.join(GRID)}` (15 stored trials; what `suite run` does once its trials are "
             f"stored) in fresh processes, JAX backend, the arms interleaved over {args.rounds} rounds; medians "
             f"in seconds.", "",
             "- `now`: the suite as committed. `+tensorflow`: the same with TensorFlow imported up front, as the "
             "CLI did on every backend before issue 20's part 5. `before`: `+tensorflow` with statsmodels' Holm "
             "correction walking the whole heap (its `gc.collect()`; the suite now freezes the heap for the call).",
             "- Phases: `interpreter_s` spawn to the child's first line; `import_cli_s` `import suite.cli.main`; "
             "`libraries_s` from there to planning (backend, Keras, keras-tuner, the suite's modules); `plan_s` "
             "expanding the study into trials; `report_s` reading the store and writing the report (tables, "
             "verdicts, figures); `exit_s` the rest (exit handlers; `suite` skips the interpreter's teardown); "
             "`process_s` the whole process as the parent saw it. Each column is its own median over rounds, so "
             "the phases need not add up to `process_s` exactly.", "",
             table.reset_index().to_markdown(index=False, floatfmt=".2f"), "",
             "Every process's wall time (s), by round in the order run (machine noise shows here; the fastest "
             f"process per arm: {', '.join(f'{arm} {frame[frame.arm == arm].process_s.min():.2f} s' for arm in ARMS)}):",
             "", rounds.to_markdown(floatfmt=".2f"), "",
             "Heavy libraries imported by the end of the command:", "",
             *[f"- `{arm}`: {names}" for arm, names in imported.items()], "",
             "Keras itself imports matplotlib (`keras.src.visualization`), scikit-learn (`keras.wrappers`) and "
             "SciPy (through JAX) whenever they are installed, so they load on every path that imports Keras; "
             "seaborn and the suite's plotting modules load only where a report is written (not in `--workers` "
             "workers).", ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print(args.out.read_text())


if __name__ == "__main__":
    main()
