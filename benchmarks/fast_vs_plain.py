"""Does the fast path change any study result? Rerun a study with `--plain` and compare.

Runs `suite run STUDY --plain` (a plain fit loop: no XLA, one step per execution, a new model per
trial) into a scratch directory and compares its per-value test accuracy with the fast path's
stored results (`results/<study>/summary.csv`), within seed noise. Optionally times the
TensorFlow backend with and without `--deterministic`.
Run:  python benchmarks/fast_vs_plain.py [--study depth] [--determinism-epochs 3]
"""
import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def suite(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "suite.cli.main", *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--study", default="depth")
    parser.add_argument("--determinism-epochs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "fast_vs_plain.md")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="suite-plain-"))
    plain_s = suite("run", args.study, "--plain", "--runs-dir", str(scratch / "runs"),
                    "--results-dir", str(scratch / "results"))
    fast = pd.read_csv(ROOT / "results" / args.study / "summary.csv")
    plain = pd.read_csv(scratch / "results" / args.study / "summary.csv")
    axis = fast.columns[0]
    table = pd.DataFrame({axis: fast[axis], "fast %": 100 * fast.test_accuracy_mean,
                          "plain %": 100 * plain.test_accuracy_mean})
    table["difference (points)"] = table["plain %"] - table["fast %"]
    noise = 2 * np.sqrt((fast.test_accuracy_std ** 2 + plain.test_accuracy_std ** 2) / fast.n) * 100
    table["2 standard errors"] = noise
    table["within seed noise"] = table["difference (points)"].abs() <= noise + 0.5
    lines = [f"# Fast path vs plain path: `{args.study}`", "",
             f"`python benchmarks/fast_vs_plain.py --study {args.study}`: the committed fast-path results "
             f"against `suite run {args.study} --plain` ({plain_s:.0f} s), mean test accuracy over seeds. "
             f"The paths run different compiled programs, so single runs differ in float rounding; "
             f"the question is whether the means agree within seed noise.", "",
             table.to_markdown(index=False, floatfmt=".2f"), ""]
    if args.determinism_epochs:
        common = ["run", args.study, "--backend", "tensorflow", "--set", f"epochs={args.determinism_epochs}"]
        timings = {}
        for label, extra in (("default", []), ("--deterministic", ["--deterministic"])):
            runs = scratch / f"det-{label.strip('-')}"
            timings[label] = suite(*common, *extra, "--runs-dir", str(runs), "--results-dir", str(runs / "res"))
        lines += ["## Cost of the determinism switch (TensorFlow backend)", "",
                  f"`suite run {args.study} --backend tensorflow --set epochs={args.determinism_epochs}`: "
                  f"{timings['default']:.1f} s by default, {timings['--deterministic']:.1f} s with "
                  f"`--deterministic` ({timings['--deterministic'] / timings['default']:.2f}x).", ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print(args.out.read_text())


if __name__ == "__main__":
    main()
