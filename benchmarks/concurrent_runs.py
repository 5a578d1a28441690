"""Two `suite run` processes on one store, many times: no spurious exits, nothing trained twice.

Each repetition starts from an empty store, starts two identical runs at once into the same
--runs-dir and --results-dir, and checks that both exit 0, that every trial is stored and that the
two trained each trial once between them (the second waits for the study's run lock, then replays). Before issue 15 two of five such pairs exited 2 ("cannot write to
results/...") because both processes used one fixed writability probe file.
Run:  python benchmarks/concurrent_runs.py [--repetitions 10] [--out FILE.md]
"""
import argparse
import json
import re
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PLAN = ["depth", "--profile", "smoke", "--seeds", "2", "--set", "epochs=1", "--set", "batch_size=100"]


def trial_keys() -> list[str]:
    from suite.design.plugins import all_studies
    STUDIES = all_studies()
    from suite.design.study import expand, parse_overrides

    return [t.key for t in expand(STUDIES["depth"], "smoke", None, 2,
                                  parse_overrides(["epochs=1", "batch_size=100"])).trials]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None, help="append a markdown section here")
    args = parser.parse_args()
    keys = trial_keys()
    rows = []
    for repetition in range(args.repetitions):
        root = Path(tempfile.mkdtemp(prefix="suite-concurrent-"))
        trials = root / "runs" / "depth" / "smoke" / "trials"
        trials.mkdir(parents=True)
        command = [sys.executable, "-m", "suite.cli.main", "run", *PLAN, "--runs-dir", str(root / "runs"),
                   "--results-dir", str(root / "results")]
        started = time.monotonic()
        processes = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(2)]
        outputs = [process.communicate(timeout=900) for process in processes]
        codes = [process.returncode for process in processes]
        stored = sorted(path.stem for path in trials.glob("*.json"))
        row = {"repetition": repetition + 1, "exit_codes": codes, "seconds": round(time.monotonic() - started, 1),
               "stored": len(stored), "unique": len(set(stored)), "trained": sum(1 for _, err in outputs for line in err.splitlines()
                                 if re.search(r" trial \d+/\d+ ", line) and "stored earlier" not in line),
               "errors": [err.strip().splitlines()[-1][:100] for (_, err), code in zip(outputs, codes) if code]}
        rows.append(row)
        print(json.dumps(row), flush=True)
    spurious = sum(code != 0 for row in rows for code in row["exit_codes"])
    summary = {"repetitions": len(rows), "runs": 2 * len(rows), "spurious_exits": spurious,
               "incomplete_stores": sum(row["stored"] != len(keys) for row in rows),
               "trained_twice": sum(row["trained"] - len(keys) for row in rows)}
    print(json.dumps(summary))
    if args.out:
        with args.out.open("a") as stream:
            stream.write("\n".join([
                f"## Two concurrent runs on one store, {len(rows)} repetitions", "",
                f"`python benchmarks/concurrent_runs.py --repetitions {args.repetitions}` on {os.cpu_count()} CPUs "
                f"({platform.machine()}), `suite run {' '.join(PLAN)}` twice at once into one --runs-dir and "
                f"--results-dir ({len(keys)} trials).", "",
                "| " + " | ".join(summary) + " |", "|" + "---|" * len(summary),
                "| " + " | ".join(str(v) for v in summary.values()) + " |", "",
                "| repetition | exit codes | seconds | trials stored | trials trained |", "|---|---|---|---|---|",
                *(f"| {r['repetition']} | {r['exit_codes']} | {r['seconds']} | {r['stored']} | {r['trained']} |"
                  for r in rows), "", ""]))


if __name__ == "__main__":
    main()
