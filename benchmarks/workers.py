"""Does `--workers 2` finish a CPU-bound quick study faster than `--workers 1`?

Times `suite run STUDY --fresh` end to end (imports included) with 1 and 2 workers, interleaved
over rounds, each into its own scratch store; reports the medians and their ratio.
Run:  python benchmarks/workers.py [--study depth] [--rounds 2]
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--study", default="depth")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="suite-workers-"))
    walls = {1: [], 2: []}
    for round_index in range(args.rounds):
        for workers in ((1, 2) if round_index % 2 == 0 else (2, 1)):
            runs = scratch / f"w{workers}-r{round_index}"
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "suite.cli.main", "run", args.study, "--fresh",
                            "--workers", str(workers), "--runs-dir", str(runs),
                            "--results-dir", str(runs / "results")], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls[workers].append(time.perf_counter() - started)
            print(f"round {round_index}, --workers {workers}: {walls[workers][-1]:.1f} s", flush=True)
    one, two = statistics.median(walls[1]), statistics.median(walls[2])
    print(f"median --workers 1: {one:.1f} s, --workers 2: {two:.1f} s, speed-up {one / two:.2f}x")


if __name__ == "__main__":
    main()
