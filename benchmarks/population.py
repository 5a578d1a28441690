"""Population training: model-epochs per second against population size (suite.training.population).

The depth study's 1x30 sigmoid network on mnist_10k (mini-batch 10, SGD 0.1), one process: P
seeds trained as one population for P = 1, 2, 4, ... (1 to 32 on a CPU, 1 to 256 on a GPU),
beside the per-trial fast path (``suite.training.train.train``, one trial at a time) in the same run, so
the ratios are measured side by side. Each size trains ``--epochs`` epochs; the rate is P / the
median wall time of the epochs after the first (the first epoch of every call traces and compiles
its programs, or loads them from JAX's compilation cache: what a warm-cache run pays once per
population), each epoch its training steps and the dev evaluation; "end to end" is the whole
``train_population`` call (set-up, compilation, initial losses, epochs, test and train
evaluations), and "first epoch" the first epoch's wall time.

The arithmetic floor: the multiply-adds of one model-epoch (forward and backward on the training
split, forward on the dev split: 2 FLOPs per multiply-add, the backward pass twice the forward)
over this machine's measured float32 matmul rate on one core (numpy, 512x512 products).

Writes results/benchmarks/population.md.
Run:  python benchmarks/population.py [--sizes 1,2,4,8,16,32] [--epochs 4]
"""
import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def matmul_rate_one_core(n: int = 512, repeats: int = 20) -> float:
    """Float32 FLOP/s of an n x n matmul on one core (a child process limited to one thread)."""
    code = (f"import numpy as np, time; a = np.random.rand({n}, {n}).astype('float32'); b = a.copy(); a @ b; "
            f"t = time.perf_counter(); [a @ b for _ in range({repeats})]; "
            f"print(2 * {n}**3 * {repeats} / (time.perf_counter() - t))")
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip())


def flops_per_model_epoch(layers: list[int], n_train: int, n_dev: int) -> float:
    """Dense layers' multiply-adds: forward + backward (2x forward) per training example, forward
    per dev example; 2 FLOPs each."""
    per_example = sum(a * b for a, b in zip(layers, layers[1:]))
    return 2 * per_example * (3 * n_train + n_dev)


def convolution_rows(row, cpu_seconds, members: int, epochs: int) -> pd.DataFrame | None:
    """The memorization study's cnn, one trial alone and ``members`` as one population."""
    if not members:
        return None
    from suite.design.plugins import all_studies
    STUDIES = all_studies()
    from suite.training import population
    from suite.training import train
    from suite.design.study import expand

    plan = expand(STUDIES["memorization"], "quick", seeds=members)
    configs = [{**trial.config, "epochs": epochs, "stop_at_train_accuracy": 0.0} for trial in plan.trials
               if (trial.point["model"], trial.point["regularizer"], trial.point["data"]) == ("cnn", "none", "random")]
    started, cpu = time.perf_counter(), cpu_seconds()
    one = train.train(configs[0])
    rows = [row("cnn, per trial", 1, one["history"], time.perf_counter() - started, cpu_seconds() - cpu)]
    started, cpu = time.perf_counter(), cpu_seconds()
    together = population.train_population(configs)
    rows.append(row(f"cnn, P={members}", members, together[0]["history"], time.perf_counter() - started,
                    cpu_seconds() - cpu))
    print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default=None, help="population sizes (default 1..32 on CPU, 1..256 on GPU)")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per size (the first compiles)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "population.md")
    parser.add_argument("--note", default="", help="a line about the machine's load during the run")
    parser.add_argument("--cnn-members", type=int, default=4,
                        help="population size of the convolutional comparison (0: skip it)")
    parser.add_argument("--cores", type=int, default=None,
                        help="pin this process to its first N CPUs (as `suite run --workers` pins each worker); "
                             "default: all")
    args = parser.parse_args()
    if args.cores:  # before JAX starts its thread pools
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:args.cores])

    import jax

    from suite.training import population

    from suite.training import train
    from suite.design.study import DEFAULTS

    gpu = any(device.platform == "gpu" for device in jax.devices())
    sizes = [int(s) for s in (args.sizes or ("1,2,4,8,16,32,64,128,256" if gpu else "1,2,4,8,16,32")).split(",")]
    base = {**DEFAULTS, "dataset": "mnist_10k", "depth": 1, "width": 30, "batch_size": 10,
            "learning_rate": 0.1, "epochs": args.epochs}
    splits = train.trial_splits(base)
    n_train, n_dev = len(splits.y_train), len(splits.y_dev)
    layers = [int(np.prod(splits.input_shape)), 30, splits.num_classes]
    floor_flops = flops_per_model_epoch(layers, n_train, n_dev)

    # the per-trial fast path: one warm-up trial (compiles), then one timed trial
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the first epoch compiles and is not a steady epoch")

    def row(name: str, size: int, history: list[dict], total: float, cpu: float) -> dict:
        times = [entry["wall_time_s"] * size for entry in history]  # a member's row: the epoch / P
        steady = float(np.median(times[1:]))
        return {"population": name, "members": size, "epoch wall (s)": steady, "model-epochs/s": size / steady,
                "first epoch (s)": times[0], "end to end (s)": total, "cores busy": cpu / total}

    def cpu_seconds() -> float:
        usage = os.times()
        return usage.user + usage.system

    train.train({**base, "epochs": 1, "seed": 99})  # imports and the data's first load, not timed
    started, cpu = time.perf_counter(), cpu_seconds()
    one = train.train({**base, "seed": 0})
    rows = [row("per-trial fast path", 1, one["history"], time.perf_counter() - started, cpu_seconds() - cpu)]
    for size in sizes:
        configs = [{**base, "seed": seed} for seed in range(size)]
        started, cpu = time.perf_counter(), cpu_seconds()
        outcomes = population.train_population(configs)
        rows.append(row(f"P={size}", size, outcomes[0]["history"], time.perf_counter() - started,
                        cpu_seconds() - cpu))
        print(rows[-1], flush=True)
    cnn = convolution_rows(row, cpu_seconds, args.cnn_members, args.epochs)
    table = pd.DataFrame(rows)
    table["vs per-trial"] = table["model-epochs/s"] / table["model-epochs/s"].iloc[0]
    rate = matmul_rate_one_core()
    cores = len(os.sched_getaffinity(0))
    floor_s = floor_flops / (rate * cores)
    table["x floor"] = (1 / table["model-epochs/s"]) / floor_s
    device = "GPU: " + jax.devices()[0].device_kind if gpu else f"CPU ({cores} cores)"
    lines = [f"# Population training: model-epochs/s against population size ({device})", "",
             f"`python benchmarks/population.py --epochs {args.epochs}{f' --cores {args.cores}' if args.cores else ''}` on {platform.node()} "
             f"({platform.processor() or platform.machine()}), {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. "
             f"The depth study's 784-30-10 sigmoid network on mnist_10k ({n_train} training, {n_dev} dev "
             f"examples), mini-batch 10, SGD 0.1; each population is P seeds of it. "
             f"\"epoch wall\" is the median of the epochs after the first (training steps and the dev "
             f"evaluation); the first epoch traces and compiles the population's programs (\"first "
             f"epoch\"); \"end to end\" is the whole call, compilation and the test and training-set "
             f"evaluation of every member included; \"cores busy\" is the process's CPU time over that call's "
             f"wall time. All rows come from one run, side by side.", ""]
    if args.note:
        lines += [args.note, ""]
    lines += [table.to_markdown(index=False, floatfmt=".3g"), "",
              f"Arithmetic floor: {floor_flops / 1e6:.1f} MFLOP per model-epoch (layers {layers}: forward + "
              f"backward (2x forward) on the training split, forward on the dev split, 2 FLOPs per "
              f"multiply-add) at the measured float32 matmul rate of {rate / 1e9:.1f} GFLOP/s per core "
              f"(numpy 512x512, one thread, core 0) x {cores} cores = {floor_s * 1e3:.1f} ms per model-epoch; "
              f"\"x floor\" is each row's time per model-epoch over it.", ""]
    if cnn is not None:
        cnn["vs per-trial"] = cnn["model-epochs/s"] / cnn["model-epochs/s"].iloc[0]
        lines += ["## Convolutional networks", "",
                  f"The memorization study's cnn (quick profile: 1,000 mnist_10k images, batch 32, random labels), "
                  f"{args.epochs} epochs: one trial alone against a population of {args.cnn_members}. vmap turns "
                  f"the members' convolutions into one grouped convolution; where the population is not faster, "
                  f"`suite run` trains convolutional models per trial on a CPU (suite.training.population.unsupported).", "",
                  cnn.to_markdown(index=False, floatfmt=".3g"), ""]
    if not gpu:
        lines += ["GPU figures (P = 1 to 256 on one GPU) are pending: no GPU machine was available to "
                  "this run; `python benchmarks/population.py` on a GPU machine writes them.", ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print(args.out.read_text())


if __name__ == "__main__":
    main()
