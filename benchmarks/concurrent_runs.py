"""Two `suite run` processes on one store that holds stale claims, many times: no spurious exits.

Each repetition starts from an empty store in which some trials carry a claim file left by a
process that has died (as after a SIGKILL), starts two identical runs at once into the same
--runs-dir and --results-dir, and checks that both exit 0, that every trial is stored once and
that no claim is left. Before issue 15 two of five such pairs exited 2 ("cannot write to
results/...") because both processes used one fixed writability probe file.
Run:  python benchmarks/concurrent_runs.py [--repetitions 10] [--out FILE.md]
"""
import argparse
import json
import os
import platform
import socket
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


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--stale", type=int, default=4, help="stale claims per repetition")
    parser.add_argument("--out", type=Path, default=None, help="append a markdown section here")
    args = parser.parse_args()
    keys = trial_keys()
    rows = []
    for repetition in range(args.repetitions):
        root = Path(tempfile.mkdtemp(prefix="suite-concurrent-"))
        trials = root / "runs" / "depth" / "smoke" / "trials"
        trials.mkdir(parents=True)
        for index, key in enumerate(keys[repetition % 3:][:args.stale]):
            # Stale claims as the suite writes them (suite.store.leases): a SIGKILLed process's, whose lease
            # has not run out yet (its process on this host has ended), and one whose lease expired.
            expires = time.time() + (600 if index % 2 else -60)
            (trials / f"{key}.claim").write_text(json.dumps({
                "host": socket.gethostname(), "pid": dead_pid(), "start": "1", "worker": "dead",
                "token": f"stale{index}", "lease_s": 120.0, "expires": expires}))
        command = [sys.executable, "-m", "suite.cli.main", "run", *PLAN, "--runs-dir", str(root / "runs"),
                   "--results-dir", str(root / "results")]
        started = time.monotonic()
        processes = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(2)]
        outputs = [process.communicate(timeout=900) for process in processes]
        codes = [process.returncode for process in processes]
        stored = sorted(path.stem for path in trials.glob("*.json"))
        row = {"repetition": repetition + 1, "exit_codes": codes, "seconds": round(time.monotonic() - started, 1),
               "stored": len(stored), "unique": len(set(stored)), "claims_left": len(list(trials.glob("*.claim"))),
               "errors": [err.strip().splitlines()[-1][:100] for (_, err), code in zip(outputs, codes) if code]}
        rows.append(row)
        print(json.dumps(row), flush=True)
    spurious = sum(code != 0 for row in rows for code in row["exit_codes"])
    summary = {"repetitions": len(rows), "runs": 2 * len(rows), "spurious_exits": spurious,
               "incomplete_stores": sum(row["stored"] != len(keys) for row in rows),
               "claims_left": sum(row["claims_left"] for row in rows)}
    print(json.dumps(summary))
    if args.out:
        with args.out.open("a") as stream:
            stream.write("\n".join([
                f"## Two concurrent runs on one store with {args.stale} stale claims, {len(rows)} repetitions", "",
                f"`python benchmarks/concurrent_runs.py --repetitions {args.repetitions}` on {os.cpu_count()} CPUs "
                f"({platform.machine()}), `suite run {' '.join(PLAN)}` twice at once into one --runs-dir and "
                f"--results-dir ({len(keys)} trials).", "",
                "| " + " | ".join(summary) + " |", "|" + "---|" * len(summary),
                "| " + " | ".join(str(v) for v in summary.values()) + " |", "",
                "| repetition | exit codes | seconds | trials stored | claims left |", "|---|---|---|---|---|",
                *(f"| {r['repetition']} | {r['exit_codes']} | {r['seconds']} | {r['stored']} | {r['claims_left']} |"
                  for r in rows), "", ""]))


if __name__ == "__main__":
    main()
