"""Soak test: SIGKILL `suite run` at random moments, many times, then check nothing was lost.

Alternates one worker and --workers 2. After every kill, every stored trial file must parse as a
whole record; after a final rerun every trial of the grid must be stored exactly once and no
claim may be left. Prints the counts for the record.
Run:  python benchmarks/kill_resume.py [--kills 20]  (attempts go on until that many runs were killed)
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN = ["depth", "--seeds", "10", "--set", "epochs=4"]  # quick profile: 50 trials of real digits
GRID = 50


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-delay", type=float, default=3.0)
    parser.add_argument("--max-delay", type=float, default=15.0, help="raise on a busy machine, where "
                        "start-up alone takes longer, so that kills also land mid-training")
    parser.add_argument("--out", type=Path, default=None, help="append a markdown section here")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    runs = Path(tempfile.mkdtemp(prefix="suite-kill-"))
    trials = runs / "depth" / "quick" / "trials"
    command = [sys.executable, "-m", "suite.cli.main", "run", *PLAN, "--runs-dir", str(runs),
               "--results-dir", str(runs / "results")]
    parsed = kills = mid_training = 0
    index = -1
    # A run that finishes before its kill is no kill: go on until --kills runs were killed (at
    # most 3x as many attempts, so a machine too fast for the delays still ends).
    while kills < args.kills and index + 1 < 3 * args.kills:
        index += 1
        workers = ["--workers", "2"] if index % 2 else []
        # Once the grid is complete, start over so that every attempt can land mid-run.
        fresh = ["--fresh"] if len(list(trials.glob("*.json"))) == GRID else []
        stored_before = 0 if fresh else len(list(trials.glob("*.json")))
        process = subprocess.Popen(command + workers + fresh, cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(args.min_delay, args.max_delay))
        if process.poll() is None:
            mid_training += len(list(trials.glob("*.json"))) > stored_before
            os.killpg(process.pid, signal.SIGKILL)  # the launcher and its workers, mid-trial
            kills += 1
        process.wait()
        time.sleep(0.5)
        for path in trials.glob("*.json"):
            record = json.loads(path.read_text())  # raises if any stored file is partial
            assert record["status"] in ("done", "collapsed", "diverged") and record["key"] == path.stem
            parsed += 1
        print(f"kill {index + 1}: {len(list(trials.glob('*.json')))} trials stored", flush=True)
    final = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    stored = sorted(path.stem for path in trials.glob("*.json"))
    assert len(stored) == len(set(stored)) == GRID, stored
    assert not list(trials.glob("*.claim")), "a claim outlived its run"
    # A kill between creating and renaming a temporary file leaves it behind; it is never read.
    leftovers = len(list(trials.glob(".*.tmp")))
    summary = {"kills": kills, "kills_after_a_trial_was_stored": mid_training, "attempts": index + 1, "record_reads_after_kills": parsed,
               "trials_after_final_rerun": len(stored), "duplicated": len(stored) - len(set(stored)),
               "lost": GRID - len(set(stored)), "claims_left": len(list(trials.glob("*.claim"))),
               "unread_temporary_files": leftovers}
    print(json.dumps(summary))
    if args.out:
        with args.out.open("a") as stream:
            stream.write("\n".join([
                f"## SIGKILL soak, {kills} kills", "",
                f"`python benchmarks/kill_resume.py --kills {args.kills} --min-delay {args.min_delay:g} --max-delay {args.max_delay:g}` on {os.cpu_count()} CPUs: `suite run "
                f"{' '.join(PLAN)}` ({GRID} trials), alternating 1 and 2 workers, the process group killed "
                f"after a random {args.min_delay:g}-{args.max_delay:g} s, then one final rerun.", "",
                "| " + " | ".join(summary) + " |", "|" + "---|" * len(summary),
                "| " + " | ".join(str(v) for v in summary.values()) + " |", "", ""]))


if __name__ == "__main__":
    main()
