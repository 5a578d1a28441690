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
over this machine's measured float32 matmul rate on one core (numpy, 512x512 products) times the
cores, or with ``--rate jax`` over the rate of a jitted matmul loop on JAX's device (a GPU's).
On a device that keeps memory statistics (a GPU) each row also gives the process's peak device
memory so far (``memory_stats()``; rows run in increasing P).

Writes results/benchmarks/population.md (``--json``: the rows too, rewritten after each row, so
a run cut short keeps what it measured; benchmarks/gpu_check.py reads it).
Run:  python benchmarks/population.py [--sizes 1,2,4,8,16,32] [--epochs 4] [--rate numpy|jax]
"""
import argparse
import json
import math
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


def matmul_rate_jax(n: int, repeats: int = 20) -> float:
    """Float32 FLOP/s of n x n matmuls on JAX's default device: one jitted loop of ``repeats``
    products (each rescaled to unit RMS, O(n^2) beside the product's O(n^3)), at XLA's default
    matmul precision, the models' own; timed after a compiling call."""
    import jax  # deferred: loads JAX
    import jax.numpy as jnp  # deferred: loads JAX

    @jax.jit
    def chain(a, b):
        def body(_, x):
            x = x @ b
            return x * jax.lax.rsqrt(jnp.mean(x * x))
        return jax.lax.fori_loop(0, repeats, body, a)

    keys = jax.random.split(jax.random.PRNGKey(0))
    a, b = (jax.random.normal(key, (n, n), jnp.float32) for key in keys)
    chain(a, b).block_until_ready()
    started = time.perf_counter()
    chain(a, b).block_until_ready()
    return 2 * n ** 3 * repeats / (time.perf_counter() - started)


def peak_device_memory_mib() -> float:
    """The process's peak memory on JAX's first device in MiB (its allocator's statistics, a
    GPU's); NaN where the device keeps none (a CPU)."""
    import jax  # deferred: loads JAX

    stats = jax.devices()[0].memory_stats() or {}
    return stats.get("peak_bytes_in_use", math.nan) / 2 ** 20


def flops_per_model_epoch(layers: list[int], n_train: int, n_dev: int) -> float:
    """Dense layers' multiply-adds: forward + backward (2x forward) per training example, forward
    per dev example; 2 FLOPs each."""
    per_example = sum(a * b for a, b in zip(layers, layers[1:]))
    return 2 * per_example * (3 * n_train + n_dev)


def cpu_seconds() -> float:
    usage = os.times()
    return usage.user + usage.system


def row(name: str, size: int, history: list[dict], total: float, cpu: float) -> dict:
    """One table row from the first member's per-epoch history (its wall times are the epoch / P)."""
    times = [entry["wall_time_s"] * size for entry in history]
    steady = float(np.median(times[1:]))
    return {"population": name, "members": size, "epoch wall (s)": steady, "model-epochs/s": size / steady,
            "first epoch (s)": times[0], "end to end (s)": total, "cores busy": cpu / total,
            "peak device memory (MiB)": peak_device_memory_mib()}


def convolution_rows(members: int, epochs: int, profile: str = "quick") -> list[dict]:
    """The memorization study's cnn (no regularizer, random labels where the profile has them),
    one trial alone and ``members`` as one population."""
    if not members:
        return []
    from suite.design.plugins import all_studies  # deferred: loads Keras
    from suite.design.study import expand  # deferred: loads Keras
    from suite.training import population, train  # deferred: loads Keras

    plan = expand(all_studies()["memorization"], profile, seeds=members)
    trials = [trial for trial in plan.trials if (trial.point["model"], trial.point["regularizer"]) == ("cnn", "none")]
    data = "random" if any(trial.point["data"] == "random" for trial in trials) else trials[0].point["data"]
    configs = [{**trial.config, "epochs": epochs, "stop_at_train_accuracy": 0.0} for trial in trials
               if trial.point["data"] == data]
    started, cpu = time.perf_counter(), cpu_seconds()
    one = train.train(configs[0])
    rows = [row("cnn, per trial", 1, one["history"], time.perf_counter() - started, cpu_seconds() - cpu)]
    started, cpu = time.perf_counter(), cpu_seconds()
    together = population.train_population(configs)
    rows.append(row(f"cnn, P={members}", members, together[0]["history"], time.perf_counter() - started,
                    cpu_seconds() - cpu))
    print(rows[-1], flush=True)
    return rows


def measure(sizes: list[int], epochs: int, cnn_members: int, report=None, cnn_profile: str = "quick") -> dict:
    """The per-trial fast path, then a population of P seeds for each P in ``sizes``, then the
    cnn comparison; ``report(result)`` gets the result so far after each row. Returns
    ``{"rows": [...], "cnn": [...], "layers", "flops_per_model_epoch", "n_train", "n_dev"}``."""
    from suite.design.study import DEFAULTS  # deferred: loads Keras
    from suite.training import population, train  # deferred: loads Keras

    base = {**DEFAULTS, "dataset": "mnist_10k", "depth": 1, "width": 30, "batch_size": 10,
            "learning_rate": 0.1, "epochs": epochs}
    splits = train.trial_splits(base)
    n_train, n_dev = len(splits.y_train), len(splits.y_dev)
    layers = [int(np.prod(splits.input_shape)), 30, splits.num_classes]
    result = {"rows": [], "cnn": [], "layers": layers, "n_train": n_train, "n_dev": n_dev,
              "flops_per_model_epoch": flops_per_model_epoch(layers, n_train, n_dev)}
    report = report or (lambda result: None)
    # the per-trial fast path: one warm-up trial (imports, the data's first load; not timed), then one timed trial
    train.train({**base, "epochs": 1, "seed": 99})
    started, cpu = time.perf_counter(), cpu_seconds()
    one = train.train({**base, "seed": 0})
    result["rows"].append(row("per-trial fast path", 1, one["history"], time.perf_counter() - started,
                              cpu_seconds() - cpu))
    report(result)
    for size in sizes:
        configs = [{**base, "seed": seed} for seed in range(size)]
        started, cpu = time.perf_counter(), cpu_seconds()
        outcomes = population.train_population(configs)
        result["rows"].append(row(f"P={size}", size, outcomes[0]["history"], time.perf_counter() - started,
                                  cpu_seconds() - cpu))
        print(result["rows"][-1], flush=True)
        report(result)
    result["cnn"] = convolution_rows(cnn_members, epochs, cnn_profile)
    report(result)
    return result


def table(rows: list[dict], floor_s: float) -> pd.DataFrame:
    """Rows as a table with each one's rate over the first row's and its time per model-epoch
    over the floor; the memory column only where the device keeps statistics."""
    frame = pd.DataFrame(rows)
    frame["vs per-trial"] = frame["model-epochs/s"] / frame["model-epochs/s"].iloc[0]
    frame["x floor"] = (1 / frame["model-epochs/s"]) / floor_s
    return frame.dropna(axis=1, how="all")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default=None, help="population sizes (default 1..32 on CPU, 1..256 on GPU)")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per size (the first compiles)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "population.md")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here (after each row)")
    parser.add_argument("--note", default="", help="a line about the machine's load during the run")
    parser.add_argument("--cnn-members", type=int, default=4,
                        help="population size of the convolutional comparison (0: skip it)")
    parser.add_argument("--cnn-profile", default="quick",
                        help="memorization's profile the cnn comes from (smoke: tiny images, for quick checks)")
    parser.add_argument("--cores", type=int, default=None,
                        help="pin this process to its first N CPUs (as `suite run --workers` pins each worker); "
                             "default: all")
    parser.add_argument("--rate", choices=("numpy", "jax"), default="numpy",
                        help="the floor's matmul rate: numpy on one core x the cores (default), or a jitted "
                             "matmul loop on JAX's device (a GPU's rate)")
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the first epoch compiles and is not a steady epoch")
    if args.cores:  # before JAX starts its thread pools
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:args.cores])

    import jax  # noqa: E402

    gpu = any(device.platform == "gpu" for device in jax.devices())
    sizes = [int(s) for s in (args.sizes or ("1,2,4,8,16,32,64,128,256" if gpu else "1,2,4,8,16,32")).split(",")]
    cores = len(os.sched_getaffinity(0))
    device = "GPU: " + jax.devices()[0].device_kind if gpu else f"CPU ({cores} cores)"
    if args.rate == "jax":
        n = 8192 if gpu else 512
        rate = matmul_rate_jax(n)
        rate_text = (f"the measured float32 matmul rate of {rate / 1e9:.1f} GFLOP/s on {device} (a jitted loop of "
                     f"{n}x{n} products at XLA's default precision)")
    else:
        rate = matmul_rate_one_core() * cores
        rate_text = (f"the measured float32 matmul rate of {rate / cores / 1e9:.1f} GFLOP/s per core (numpy "
                     f"512x512, one thread, core 0) x {cores} cores")
    head = {"device": device, "jax": jax.__version__, "devices": [str(d) for d in jax.devices()], "sizes": sizes,
            "epochs": args.epochs, "rate_flops": rate, "rate_method": args.rate}

    def report(result: dict) -> None:
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({**head, **result}, indent=1))

    result = measure(sizes, args.epochs, args.cnn_members, report, args.cnn_profile)
    floor_s = result["flops_per_model_epoch"] / rate
    frame = table(result["rows"], floor_s)
    n_train, n_dev, layers = result["n_train"], result["n_dev"], result["layers"]
    lines = [f"# Population training: model-epochs/s against population size ({device})", "",
             f"`python benchmarks/population.py --epochs {args.epochs}{f' --cores {args.cores}' if args.cores else ''}"
             f"{' --rate jax' if args.rate == 'jax' else ''}` on {platform.node()} "
             f"({platform.processor() or platform.machine()}), {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. "
             f"The depth study's 784-30-10 sigmoid network on mnist_10k ({n_train} training, {n_dev} dev "
             f"examples), mini-batch 10, SGD 0.1; each population is P seeds of it. "
             f"\"epoch wall\" is the median of the epochs after the first (training steps and the dev "
             f"evaluation); the first epoch traces and compiles the population's programs (\"first "
             f"epoch\"); \"end to end\" is the whole call, compilation and the test and training-set "
             f"evaluation of every member included; \"cores busy\" is the process's CPU time over that call's "
             f"wall time. All rows come from one run, side by side.", ""]
    if "peak device memory (MiB)" in frame:
        lines[-2] += (" \"peak device memory\" is the process's peak on the device after the row (JAX's "
                      "`memory_stats()`; rows run in increasing P).")
    if args.note:
        lines += [args.note, ""]
    lines += [frame.to_markdown(index=False, floatfmt=".3g"), "",
              f"Arithmetic floor: {result['flops_per_model_epoch'] / 1e6:.1f} MFLOP per model-epoch (layers {layers}: "
              f"forward + backward (2x forward) on the training split, forward on the dev split, 2 FLOPs per "
              f"multiply-add) at {rate_text} = {floor_s * 1e3:.3g} ms per model-epoch; "
              f"\"x floor\" is each row's time per model-epoch over it.", ""]
    if result["cnn"]:
        cnn = table(result["cnn"], math.nan)  # no floor: the dense layers' count does not apply
        lines += ["## Convolutional networks", "",
                  f"The memorization study's cnn ({args.cnn_profile} profile; quick: 1,000 mnist_10k images, batch 32, "
                  f"random labels), "
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
