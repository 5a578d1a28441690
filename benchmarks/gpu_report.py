"""gpu.md, the tables of benchmarks/gpu_check.py: the device named, every number with its unit."""
import math

import pandas as pd

from population import table  # the population rows' ratios and floor (benchmarks/population.py)

UNITS = {"vs per-trial": "vs per-trial (x)", "x floor": "x floor (x)", "cores busy": "cores busy (CPU s / s)"}
GRID = ["arm", "what", "trials", "wall (s)", "model-epochs/s", "vs plain fit (x)", "steady epoch (s)",
        "peak RSS (MiB)", "device (records)", "error"]
STUDIES = ["command", "wall (s)", "trials", "in populations", "epochs trained", "peak RSS (MiB)",
           "device (records)", "error"]


def _markdown(frame: pd.DataFrame, columns: list[str] | None = None) -> str:
    if columns:
        frame = frame.reindex(columns=[c for c in columns if c in frame or c != "error"])
        frame = frame.drop(columns=[c for c in ("error",) if c in frame and frame[c].isna().all()])
    return frame.to_markdown(index=False, floatfmt=".3g")


def population_table(population: dict) -> pd.DataFrame:
    """The dense rows (with their floor) and the cnn's, one table, units in the column names."""
    parts = []
    if population.get("rows"):
        parts.append(table(population["rows"], population["flops_per_model_epoch"] / population["rate_flops"]))
    if population.get("cnn"):
        parts.append(table(population["cnn"], math.nan))
    return pd.concat(parts, ignore_index=True).rename(columns=UNITS) if parts else pd.DataFrame()


def markdown(report: dict) -> str:
    device, sizes = report["device"], report["sizes"]
    name = f"{device['device_kind']} ({device['platform']})"
    lines = [f"# GPU check: {name}", ""]
    if report["dry_run"]:
        lines += ["**Dry run** (`--dry-run`): the check's code path on the CPU with tiny sizes; not a measurement.", ""]
    versions = ", ".join(f"{k} {device[k]}" for k in ("jax", "keras", "keras_tuner", "pydantic") if k in device)
    lines += [f"`{report['command']}` at commit {report['commit']}, started {report['started']}; {versions}; "
              f"JAX devices: {', '.join(device['devices'])}."
              + (f" Installed from the carried wheels: {', '.join(device['installed'])}." if device.get("installed")
                 else "") + (f" Whole check: {report['wall_s']:.0f} s." if "wall_s" in report else ""), ""]
    population = report.get("population")
    if population is not None:
        lines += ["## Population training (`benchmarks/population.py --rate jax`)", "",
                  f"The depth study's 784-30-10 sigmoid network on mnist_10k, mini-batch 10, SGD 0.1, "
                  f"{sizes['epochs']} epochs per row; a population is P seeds trained as one vmapped program; "
                  f"the first row trains one trial alone on the per-trial fast path. \"epoch wall\" is the median "
                  f"epoch after the first (which compiles), \"end to end\" the whole call (set-up, compilation, "
                  f"evaluations); \"peak device memory\" is the process's peak so far (rows in increasing P).", ""]
        if population.get("rows"):
            rate = population["rate_flops"]
            floor_s = population["flops_per_model_epoch"] / rate
            lines += [table(population["rows"], floor_s).rename(columns=UNITS).pipe(_markdown), "",
                      f"Arithmetic floor: {population['flops_per_model_epoch'] / 1e6:.0f} MFLOP per model-epoch at "
                      f"the device's measured float32 matmul rate of {rate / 1e12:.3g} TFLOP/s (a jitted loop of "
                      f"square products, XLA's default precision) = {floor_s * 1e3:.3g} ms per model-epoch; "
                      f"\"x floor\" is each row's time per model-epoch over it.", ""]
        if population.get("cnn"):
            lines += [f"The memorization study's cnn ({sizes['cnn_profile']} profile, random labels where it has "
                      f"them), one trial alone and {sizes['cnn_members']} as one population:", "",
                      table(population["cnn"], math.nan).rename(columns=UNITS).pipe(_markdown), ""]
        if population.get("error"):
            lines += [f"Stage error: {population['error']}", ""]
    if report.get("grid"):
        grid = "synthetic digits" if sizes["grid_dataset"] else "mnist_10k"
        lines += ["## The same grid three ways, on the same device, in the same run", "",
                  f"The speed benchmark's depth grid (5 networks x {sizes['grid_seeds']} seeds, {sizes['grid_epochs']} "
                  f"epochs of {grid}, mini-batch 10), each arm a fresh process timed end to end (imports included, "
                  f"a cold compilation cache): A a plain `keras.Sequential` + `fit` loop, N the suite one trial at "
                  f"a time, B the suite with populations. model-epochs/s = trials x epochs / wall time.", "",
                  _markdown(pd.DataFrame(report["grid"]), GRID), ""]
    if report.get("studies"):
        lines += ["## Studies", "", "Each a fresh `suite run` with a cold compilation cache, its report included; "
                  "the device is what the trial records name.", "",
                  _markdown(pd.DataFrame(report["studies"]), STUDIES), ""]
    return "\n".join(lines)
