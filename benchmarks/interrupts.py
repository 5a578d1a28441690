"""Soak test: SIGINT (and SIGTERM) to `suite run` at random moments; every run must stop promptly.

Each attempt starts `suite run` in its own process group, waits a random time (imports, planning,
training and the report are all hit), sends the signal to the whole group as a terminal's Ctrl-C
does, and measures how long the launcher takes to exit and with which code. Alternates one worker
and --workers 2. A run that finished before the signal is not counted. Afterwards every stored
record must parse, no claim may be left, and a rerun must complete the grid.
Run:  python benchmarks/interrupts.py [--attempts 30] [--signal INT|TERM] [--out FILE.md]
(runs are started until --attempts of them were interrupted)
"""
import argparse
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN = ["depth", "--seeds", "4", "--set", "epochs=3"]  # quick profile: 20 trials of real digits
LIMIT_S = 3.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=30)
    parser.add_argument("--signal", default="INT", choices=("INT", "TERM"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-delay", type=float, default=2.0)
    parser.add_argument("--max-delay", type=float, default=14.0, help="raise on a busy machine, where "
                        "start-up alone takes longer, so that signals also land mid-training")
    parser.add_argument("--out", type=Path, default=None, help="append a markdown section here")
    args = parser.parse_args()
    signum = getattr(signal, f"SIG{args.signal}")
    expected = 128 + signum
    rng = random.Random(args.seed)
    runs = Path(tempfile.mkdtemp(prefix="suite-interrupts-"))
    trials = runs / "depth" / "quick" / "trials"
    command = [sys.executable, "-m", "suite.cli.main", "run", *PLAN, "--runs-dir", str(runs),
               "--results-dir", str(runs / "results")]
    rows = []
    index, interrupted = -1, 0
    # A run that finishes before its signal is no interruption: go on until --attempts runs were
    # interrupted (at most 3x as many starts, so a machine too fast for the delays still ends).
    while interrupted < args.attempts and index + 1 < 3 * args.attempts:
        index += 1
        workers = 2 if index % 2 else 1
        fresh = ["--fresh"] if len(list(trials.glob("*.json"))) >= 20 else []
        at_start = 0 if fresh else len(list(trials.glob("*.json")))
        process = subprocess.Popen(command + ["--workers", str(workers)] + fresh, cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        delay = rng.uniform(args.min_delay, args.max_delay)
        time.sleep(delay)
        if process.poll() is not None:
            rows.append({"attempt": index + 1, "workers": workers, "delay_s": delay, "stored_before": None,
                         "code": process.returncode,
                         "seconds": None, "lines": None, "note": "finished before the signal"})
            print(json.dumps(rows[-1]), flush=True)
            continue
        stored_before = len(list(trials.glob("*.json"))) - at_start  # by this attempt, before the signal
        interrupted += 1
        sent = time.monotonic()
        os.killpg(process.pid, signum)
        try:
            _, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            _, err = process.communicate()
        seconds = time.monotonic() - sent
        lines = [line for line in err.splitlines() if line.startswith("suite:") or "Traceback" in line]
        rows.append({"attempt": index + 1, "workers": workers, "delay_s": round(delay, 2),
                     "stored_before": stored_before, "code": process.returncode, "seconds": round(seconds, 2), "lines": len(lines),
                     "traceback": "Traceback" in err, "note": lines[-1][:90] if lines else ""})
        if len(lines) != 1:  # the whole of what it said, to see why
            rows[-1]["stderr"] = [line[:160] for line in err.splitlines()[-12:]]
        print(json.dumps(rows[-1]), flush=True)
        time.sleep(0.3)
        for path in trials.glob("*.json"):
            record = json.loads(path.read_text())  # raises if any stored file is partial
            assert record["key"] == path.stem
    final = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    stored = len(list(trials.glob("*.json")))
    claims = len(list(trials.glob("*.claim")))
    hit = [row for row in rows if row["seconds"] is not None]
    good = [row for row in hit if row["code"] == expected and row["seconds"] <= LIMIT_S
            and row["lines"] == 1 and not row["traceback"]]
    summary = {"signal": f"SIG{args.signal}", "attempts": len(rows), "interrupted": len(hit),
               f"exit_{expected}_within_{LIMIT_S:g}s_one_line": len(good),
               "max_seconds": max((row["seconds"] for row in hit), default=None),
               "mid_training": sum(row["stored_before"] > 0 for row in hit),
               "final_rerun_exit": final.returncode, "trials_after_rerun": stored, "claims_left": claims}
    print(json.dumps(summary))
    if args.out:
        with args.out.open("a") as stream:
            stream.write(_markdown(args, summary, rows))


def _markdown(args, summary: dict, rows: list[dict]) -> str:
    lines = [f"## SIG{args.signal}, {summary['interrupted']} runs interrupted of {summary['attempts']} started (seed {args.seed})", "",
             f"`python benchmarks/interrupts.py --attempts {args.attempts} --signal {args.signal} --min-delay {args.min_delay:g} --max-delay {args.max_delay:g}` on "
             f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), `suite run "
             f"{' '.join(PLAN)}`, alternating 1 and 2 workers, signal to the process group after a "
             f"random {args.min_delay:g}-{args.max_delay:g} s; "
             f"`mid_training`: attempts with trials already stored (the rest hit start-up: imports, "
             f"planning, the first compilation).", "",
             "| " + " | ".join(summary) + " |", "|" + "---|" * len(summary),
             "| " + " | ".join(str(value) for value in summary.values()) + " |", "",
             "| attempt | workers | signal after s | trials stored before | exit code | exit after s | `suite:` lines | last line |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['attempt']} | {row['workers']} | {row['delay_s']:.2f} | {row['stored_before']} | {row['code']} | "
                     f"{row['seconds'] if row['seconds'] is not None else '-'} | {row['lines'] if row['lines'] is not None else '-'} | "
                     f"{row['note']} |")
    for row in rows:
        if row.get("stderr"):
            lines += ["", f"Attempt {row['attempt']} said (last lines of its stderr):", "", "```",
                      *row["stderr"], "```"]
    return "\n".join(lines) + "\n\n"


if __name__ == "__main__":
    main()
