"""Speed benchmark: the depth grid (5 networks x seeds, mini-batch 10, mnist_10k) five ways.

  A  a plain user loop: keras.Sequential + compile + fit(batch_size=10) per trial, TF backend
  K  a keras-tuner user: a keras_tuner.GridSearch over depth x seed calling model.fit per trial,
     one process, TF backend (benchmarks/tuner_keras.py; the same networks as A)
  B  the suite, one worker, default settings (JAX backend when installed)
  C  the suite with --workers 2
  D  the suite on the TensorFlow backend (its fast path: XLA, whole epochs per execution)
  N  the suite, one worker, one trial at a time (--no-population; not in the default arms)

The suite keeps JAX's persistent compilation cache; B and C are measured cold (an empty cache, as
on a first run) and warm (the cache the cold run left, as on every later run of the same models).

Each arm is a fresh process, timed end to end (imports included, as a user would see it); the arms
are interleaved over rounds so machine noise hits them alike. Writes results/benchmarks/.
Run:  python benchmarks/train_speed.py [--epochs 5] [--seeds 3] [--rounds 2] [--arms A,K,B,...]
      [--memory-trials 200] [--out DIR]   (a quick check: --epochs 1 --seeds 1 --rounds 1
      --memory-trials 0 --out /tmp/speed)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    parents, rss = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
            rss[int(stat.parent.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    family, frontier = {pid}, [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier and p not in family]
        family.update(children)
        frontier = children
    return sum(rss.get(p, 0) for p in family) / 2**20


def timed(command: list[str], env: dict, timeout: float | None = None) -> tuple[float, float, str]:
    """Wall time, peak tree RSS (MB) and stdout of one command; RuntimeError if it fails or runs
    past ``timeout`` seconds (then it is killed)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def sample():
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise RuntimeError(f"ran past {timeout:.0f} s, killed: {' '.join(command)}") from None
    wall = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"benchmark arm failed ({process.returncode}): {' '.join(command)}: {err[-1500:]}")
    return wall, peak[0], out


def suite_trials(runs: Path, study: str = "depth", profile: str = "quick") -> list[dict]:
    rows = []
    for path in (runs / study / profile / "trials").glob("*.json"):
        record = json.loads(path.read_text())
        rows.append({"depth": record["point"]["depth"], "seed": record["seed"],
                     "test_accuracy": record["metrics"].get("test_accuracy", np.nan),
                     "wall_time_s": record["wall_time_s"],
                     "finished": datetime.fromisoformat(record["finished_at"]).timestamp(),
                     "epoch_times": [row["wall_time_s"] for row in record["history"]],
                     "backend": record["environment"]["backend"], "device": record["environment"]["device"]})
    return rows


SUITE_FLAGS = {"B": [], "C": ["--workers", "2"], "D": ["--backend", "tensorflow"], "N": ["--no-population"]}


def run_arm(arm: str, epochs: int, seeds: int, scratch: Path, round_index: int, plain_backend: str = "tensorflow",
            dataset: str | None = None, timeout: float | None = None) -> dict:
    """One arm, a fresh process timed end to end; arms A and K on ``plain_backend``, the suite's on
    its default (JAX when installed); ``dataset`` replaces mnist_10k (quick checks)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("KERAS_BACKEND", None)
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    # A cold run starts from an empty cache; its warm twin reuses what the cold run left.
    env["SUITE_COMPILATION_CACHE"] = str(scratch / f"jax-cache-{arm[0]}-{round_index}")
    if arm in ("A", "K"):
        env["KERAS_BACKEND"] = plain_backend
        script = {"A": "benchmarks/plain_keras.py", "K": "benchmarks/tuner_keras.py"}[arm]
        if dataset and arm == "K":
            raise ValueError("arm K (benchmarks/tuner_keras.py) trains mnist_10k only")
        data = ["--dataset", dataset] if dataset else []
        wall, peak, out = timed([sys.executable, script, "--epochs", str(epochs), "--seeds", str(seeds), *data], env,
                                timeout)
        trials = [dict(json.loads(line), backend=plain_backend) for line in out.splitlines() if line.startswith("{")]
    else:
        runs = Path(tempfile.mkdtemp(dir=scratch))
        data = ["--dataset", dataset] if dataset else []
        wall, peak, _ = timed([sys.executable, "-m", "suite.cli.main", "run", "depth", "--set", f"epochs={epochs}",
                               "--seeds", str(seeds), "--runs-dir", str(runs),
                               "--results-dir", str(runs / "results"), *data, *SUITE_FLAGS[arm.removesuffix("warm")]],
                              env, timeout)
        trials = suite_trials(runs)
    steady = np.median([t for trial in trials for t in trial["epoch_times"][1:]])
    fixed = np.median([trial["wall_time_s"] - epochs * steady for trial in trials])
    if arm in ("A", "K"):  # one process, trials back to back
        span = sum(trial["wall_time_s"] for trial in trials)
    else:  # from the first trial's start to the last trial's end, over all workers
        span = max(t["finished"] for t in trials) - min(t["finished"] - t["wall_time_s"] for t in trials)
    return {"arm": arm, "wall_s": wall, "peak_rss_mb": peak, "trials": trials,
            "steady_epoch_s": float(steady), "fixed_cost_per_model_s": float(fixed),
            "training_span_s": float(span), "outside_trials_s": float(wall - span),
            "epochs_s": float(len(trials) * epochs * steady), "model_epochs_per_s": len(trials) * epochs / wall}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--arms", default="A,K,B,Bwarm,C,Cwarm,D")
    parser.add_argument("--memory-trials", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="suite-bench-"))
    results = []
    arms = args.arms.split(",")
    for round_index in range(args.rounds):
        # Rotate the order between rounds; a warm run always follows its own cold run.
        order = arms[round_index % len(arms):] + arms[:round_index % len(arms)]
        order = [a for a in order if not a.endswith("warm")]
        order = [x for a in order for x in ([a, f"{a}warm"] if f"{a}warm" in arms else [a])]
        for arm in order:
            result = run_arm(arm, args.epochs, args.seeds, scratch, round_index)
            result["round"] = round_index
            results.append(result)
            print(f"round {round_index} arm {arm}: {result['wall_s']:.1f}s, "
                  f"{result['model_epochs_per_s']:.2f} model-epochs/s", flush=True)
    memory = []
    for size in (1, 4) if args.memory_trials else ():  # per trial, then populations of 4
        _, _, out = timed([sys.executable, "benchmarks/memory_flat.py", "--trials", str(args.memory_trials),
                           "--population", str(size)], dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
        memory.append(json.loads(out.strip().splitlines()[-1]))
        print(f"memory: {memory[-1]}", flush=True)
    write(results, memory, args)


def accuracy_check(results: list[dict]) -> pd.DataFrame:
    """Per arm and depth: mean test accuracy over seeds and rounds vs arm A, within seed noise?"""
    rows = [{"arm": r["arm"], "depth": t["depth"], "seed": t["seed"], "test_accuracy": t["test_accuracy"]}
            for r in results for t in r["trials"]]
    frame = pd.DataFrame(rows).groupby(["arm", "depth", "seed"], as_index=False).test_accuracy.mean()
    stats = frame.groupby(["arm", "depth"]).test_accuracy.agg(["mean", "std", "count"]).reset_index()
    base = stats[stats.arm == "A"].set_index("depth")
    stats["difference_vs_A"] = stats["mean"] - stats.depth.map(base["mean"])
    noise = 2 * np.sqrt(stats["std"] ** 2 / stats["count"] + stats.depth.map(base["std"] ** 2 / base["count"]))
    stats["within_seed_noise"] = stats["difference_vs_A"].abs() <= noise + 0.005
    return stats


def write(results: list[dict], memory: dict | None, args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = pd.DataFrame([{k: v for k, v in r.items() if k != "trials"} for r in results])
    table = frame.groupby("arm").agg(wall_s=("wall_s", "median"), model_epochs_per_s=("model_epochs_per_s", "median"),
                                     steady_epoch_s=("steady_epoch_s", "median"),
                                     fixed_cost_per_model_s=("fixed_cost_per_model_s", "median"),
                                     training_span_s=("training_span_s", "median"),
                                     outside_trials_s=("outside_trials_s", "median"),
                                     epochs_s=("epochs_s", "median"),
                                     peak_rss_mb=("peak_rss_mb", "max")).reset_index()
    base = table.set_index("arm").loc["A", "model_epochs_per_s"] if "A" in set(table.arm) else np.nan
    table["ratio_to_A"] = table.model_epochs_per_s / base
    if "K" in set(table.arm):
        table["ratio_to_K"] = table.model_epochs_per_s / table.set_index("arm").loc["K", "model_epochs_per_s"]
    names = {"A": "A: plain keras fit, TF", "K": "K: keras-tuner GridSearch calling fit, TF", "B": "B: suite, 1 worker (default), cold cache",
             "Bwarm": "B: suite, 1 worker (default), warm cache", "C": "C: suite, --workers 2, cold cache",
             "Cwarm": "C: suite, --workers 2, warm cache", "D": "D: suite, TF backend"}
    table.insert(1, "what", table.arm.map(names))
    accuracy = accuracy_check(results)
    device = next((t["device"] for r in results for t in r["trials"] if "device" in t), "?")
    args.out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out / "runs.csv", index=False)
    table.to_csv(args.out / "summary.csv", index=False)
    accuracy.to_csv(args.out / "accuracy.csv", index=False)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.barh(table.what, table.model_epochs_per_s, color=[f"C{i}" for i in range(len(table))])
    for y, (rate, ratio) in enumerate(zip(table.model_epochs_per_s, table.ratio_to_A)):
        ax.text(rate, y, f" {ratio:.1f}x", va="center")
    ax.set_xlabel("model-epochs per second (higher is better)")
    ax.set_title(f"depth grid, {args.epochs} epochs x {args.seeds} seeds, batch 10")
    fig.tight_layout()
    fig.savefig(args.out / "speed.png", dpi=110)
    lines = ["# Training speed benchmark", "",
             f"`python benchmarks/train_speed.py --epochs {args.epochs} --seeds {args.seeds} --rounds {args.rounds}`: "
             f"the depth study's 5 networks x {args.seeds} seeds, mini-batch 10, {args.epochs} epochs of the 7,000 "
             f"`mnist_10k` training digits, each arm a fresh process timed end to end (imports included), "
             f"arms interleaved over {args.rounds} rounds; medians over rounds. Device: {device}; "
             f"{os.cpu_count()} CPUs.", "",
             table.to_markdown(index=False, floatfmt=".3g"), "",
             "- `model_epochs_per_s`: trained model-epochs per wall-clock second of the whole command; "
             "`ratio_to_A` / `ratio_to_K`: that rate over arm A's (plain `fit`) / arm K's (keras-tuner).",
             "- `steady_epoch_s`: median epoch time after the first (training plus the dev evaluation).",
             "- `fixed_cost_per_model_s`: median per trial of its wall time minus epochs x the steady epoch "
             "time (building, compiling, the first epoch's tracing, testing).",
             "- `training_span_s`: from the first trial's start to the last trial's end (all workers; A and K: "
             "their trials' wall times summed, a trial running from its model's build to its test evaluation); "
             "`outside_trials_s`: wall time outside it (imports, start-up, planning, writing the report); "
             "`epochs_s`: trials x epochs x the steady epoch time, the training proper (summed over workers).",
             "- `peak_rss_mb`: peak resident memory of the process tree (all workers).", "",
             "![speed](speed.png)", "", "## Accuracy agrees with arm A", "",
             "Mean test accuracy over seeds per depth; `within_seed_noise`: |difference| <= 2 standard errors "
             "+ 0.5 points.", "", accuracy.to_markdown(index=False, floatfmt=".4g"), ""]
    if memory:
        lines += ["## Memory over many trials in one worker", "",
                  f"`benchmarks/memory_flat.py --population P`: {args.memory_trials} trials in one process "
                  f"({memory[0]['backend']} backend), cycling through 12 architectures (more than the "
                  f"compiled-model cache keeps); P = 1 trains them one at a time, P = 4 as populations of 4 "
                  f"(suite.training.population). Resident memory (MB) after N trials:", ""]
        for run in memory:
            rss = {int(k): round(v) for k, v in run["rss_mb"].items()}
            lines.append(f"- P = {run['population']}: {rss}; after {args.memory_trials} minus after 10: "
                         f"{rss[max(rss)] - rss[10]:+d} MB.")
        lines.append("")
    (args.out / "README.md").write_text("\n".join(lines))
    print((args.out / "README.md").read_text())


if __name__ == "__main__":
    main()
