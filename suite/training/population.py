"""Population training on the JAX backend: trials that share one compiled program train as one.

Trials of a study that share the architecture, input shapes and every setting but a few scalar
keys (``suite.design.config.POPULATION_KEYS``: the seed, the data's label corruption and input transform,
and the learning rate while it is an optimizer variable) train together: each member's state
(weights, random-generator states, optimizer and metric variables) is stacked along a leading
axis and one compiled program runs Keras's own stateless ``train_step`` (``stateless_call`` and
``compute_loss`` under ``jax.value_and_grad``, then ``optimizer.stateless_apply``: the pattern of
keras.io's "custom training loop in JAX" guide) under ``jax.vmap``, a whole epoch per call
(``jax.lax.scan``). The program batches the members' small matrix products into one larger
product, so on a CPU the per-step overheads are paid once per population, and on a GPU many
trials fill the device.

Each member is the trial it would be alone: its initial weights and dropout generator come from
its seed exactly as in ``suite.training.train.train``, its data order is the permutation Keras's array
adapter draws for that seed (``np.random.permutation`` after ``set_random_seed``), it keeps its
own best-dev (or last) weights, and its outcome is assembled by ``suite.training.trial_outcome.finish``, so the
record is the per-trial record (tests/training/test_population.py checks per-step losses against the
per-trial path). A member whose loss turns non-finite is diverged from that epoch on without
stopping the others; one that reaches ``stop_at_train_accuracy`` stops there (its later steps are
computed and discarded). With ``probe_examples`` the layer probe (``suite.training.probes``) runs vmapped
over the members at initialization and after every epoch: each member gets LayerProbe's rows.
Where several devices are visible the members are sharded across them (``suite.training.sharding``).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable

import keras
import numpy as np

from suite.design import config as config_schema
from suite import interrupt
from suite.training import callbacks
from suite.training import probes
from suite.training import sharding
from suite.training import train
from suite.training import trial_outcome
from suite.training import without_tensorflow


def unsupported(config: dict, fast: bool = True, keep_model: bool = False) -> str | None:
    """Why a trial cannot train in a population (a phrase for the one-line notice), else None."""
    if config.get("task", "classification") != "classification":
        return f"the {config['task']} task trains per trial"
    if config["backend"] != "jax" or keras.backend.backend() != "jax":
        return "populations need the JAX backend"
    if not fast:
        return "--plain trains one trial at a time"
    if config["model"] == "cnn" and not train.on_gpu():
        # vmap turns a population's convolutions into one grouped convolution, which XLA's CPU
        # backend runs slower than the members' convolutions one trial at a time
        # (results/benchmarks/population.md)
        return "convolutional models train per trial on a CPU"
    if config.get("augment_shift") or config.get("augment_rotation") or config.get("augment_zoom") \
            or config.get("tta_copies"):
        return "Keras preprocessing layers (augmentation) run per trial"
    if config.get("pretrain_classes"):
        return "pretrained starts run per trial"
    if config["lr_callback"] != "none":
        return f"the metric-driven learning-rate callback '{config['lr_callback']}' runs per trial"
    if keep_model:
        return "trials whose models are saved run per trial"
    return None


def varying_keys(config: dict) -> set[str]:
    """The keys whose values may differ inside this trial's population."""
    keys = set(config_schema.POPULATION_KEYS)
    # a schedule bakes its peak rate into the program, and AdamW's decoupled decay its lambda / rate
    if config["lr_schedule"] != "constant" or config.get("decoupled_weight_decay"):
        keys.discard("learning_rate")
    return keys


def group_key(config: dict) -> str:
    """Trials with equal keys may share a population (every key but the varying ones equal)."""
    return json.dumps({k: v for k, v in config.items() if k not in varying_keys(config)}, sort_keys=True)


def default_size(trials: int) -> int:
    """Members per population when ``--population`` is not given: on a GPU as many as the plan
    offers (up to 256), on a CPU up to 16 (results/benchmarks/population.md: there the rate per
    member is flat in the population size, at 1.6-1.8x the arithmetic floor, and a larger
    population shares compilation and set-up among more trials)."""
    if keras.backend.backend() != "jax":
        return 1
    return max(1, min(256 if train.on_gpu() else 16, trials))


def _shared_or_stacked(arrays: list[np.ndarray]):
    """One array and vmap axis None when every member holds the same data, else stacked, axis 0."""
    first = arrays[0]
    if all(a is first or (a.shape == first.shape and np.array_equal(a, first)) for a in arrays[1:]):
        return first, None
    return np.stack(arrays), 0


def _programs(model: keras.Model, x_axis, y_axis, mesh=None):
    """Compiled, vmapped programs over the members: an epoch's full batches (scan), one step (the
    short last batch) and one evaluation batch; over ``mesh``'s devices, sharded on the members
    (``suite.training.sharding``). Cached on the model per data layout and mesh."""
    import jax  # deferred: loads JAX

    cache = model.__dict__.setdefault("_population_programs", {})
    if (x_axis, y_axis, mesh) in cache:
        return cache[(x_axis, y_axis, mesh)]

    def step(state, x, y, rows):
        logs, state = model.train_step(state, (x[rows], y[rows]))
        return state, logs

    def epoch(state, x, y, batches):
        return jax.lax.scan(lambda carry, rows: step(carry, x, y, rows), state, batches)

    def evaluate(state, x, y):
        logs, state = model.test_step(state, (x, y))
        return logs, state[2]

    axes = (0, x_axis, y_axis, 0)
    programs = (sharding.jit(jax.vmap(epoch, in_axes=axes), mesh, axes, donate=(0,)),
                sharding.jit(jax.vmap(step, in_axes=axes), mesh, axes, donate=(0,)),
                sharding.jit(jax.vmap(evaluate, in_axes=axes[:3]), mesh, axes[:3]))
    cache[(x_axis, y_axis, mesh)] = programs
    return programs


def _select(mask, new: list, old: list) -> list:
    """Per member: ``new`` where ``mask`` is set, else ``old`` (stacked arrays, leading axis)."""
    import jax.numpy as jnp  # deferred: loads JAX

    return [jnp.where(jnp.reshape(mask, (-1,) + (1,) * (n.ndim - 1)), n, o) for n, o in zip(new, old)]


def train_population(configs: list[dict], progress: Callable[[int, dict], None] | None = None,
                     evaluate_test: bool = True, step_log: list | None = None) -> list[dict]:
    """Train the trials ``configs`` (equal ``group_key``) as one population; return one outcome
    per config, in order, as ``suite.training.train.train`` would (status, history, metrics, ...).

    ``progress(member, row)`` receives each member's per-epoch row. ``step_log``, when given, gets
    one ``(members, steps)`` array per epoch of the running-mean training loss Keras logs after
    each step (what tests compare with the per-trial path). Raises ValueError when the configs
    cannot share a program (different ``group_key``).
    """
    import jax.numpy as jnp  # deferred: loads JAX

    started = time.perf_counter()
    if len({group_key(config) for config in configs}) != 1:
        raise ValueError("a population's trials must differ only in " + ", ".join(sorted(varying_keys(configs[0]))))
    first, size = configs[0], len(configs)
    without_tensorflow.set_random_seed(first["seed"])
    template = train.compiled_model(first, train.trial_splits(first), fast=True)
    splits, initial, optimizer_states = [], [], []
    for config in configs:  # the same draws, in the same order, as suite.training.train.train
        without_tensorflow.set_random_seed(config["seed"])
        member_splits = train.trial_splits(config)
        fresh = train.build_model(config, member_splits)
        steps = train.steps_per_epoch(len(member_splits.y_train), config["batch_size"])
        optimizer = train._optimizer(config, steps)
        optimizer.build(template.trainable_variables)
        # the member's initial values, read off its own model (stacked below)
        values = ([jnp.array(v.value) for v in fresh.trainable_variables],
                  [jnp.array(v.value) for v in fresh.non_trainable_variables])
        splits.append(member_splits)
        initial.append(values)
        optimizer_states.append([jnp.array(v.value) for v in optimizer.variables])
    stack = lambda parts: [jnp.stack(column) for column in zip(*parts)]  # noqa: E731
    weights = stack([values[0] for values in initial])
    others = stack([values[1] for values in initial])
    optimizer_state = stack(optimizer_states)
    template.reset_metrics()
    fresh_metrics = [jnp.repeat(v.value[None], size, axis=0) for v in template.metrics_variables]

    x, x_axis = _shared_or_stacked([s.x_train for s in splits])
    y, y_axis = _shared_or_stacked([s.y_train for s in splits])
    x_dev, dev_x_axis = _shared_or_stacked([s.x_dev for s in splits])
    y_dev, dev_y_axis = _shared_or_stacked([s.y_dev for s in splits])
    mesh = sharding.member_mesh(size)  # None on one device: the members' arrays stay where they are
    weights, others, optimizer_state, fresh_metrics = sharding.place((weights, others, optimizer_state,
                                                                      fresh_metrics), mesh)
    run_epoch, run_step, run_train_eval = _programs(template, x_axis, y_axis, mesh)
    _, _, run_eval = _programs(template, dev_x_axis, dev_y_axis, mesh)
    x, y, x_dev, y_dev = (jnp.asarray(a) for a in (x, y, x_dev, y_dev))
    eval_batch = min(train.EVAL_BATCH, len(splits[0].y_dev), len(splits[0].y_test))
    # as suite.training.train.train: the loss before any step, on one evaluation batch of the training set
    initial_losses = _evaluate(run_train_eval, (weights, others), fresh_metrics, x, y, (x_axis, y_axis),
                               eval_batch, limit=eval_batch)["loss"].tolist()

    n, batch = len(splits[0].y_train), first["batch_size"]
    scan = train.scans_epochs(first)  # else one vmapped step per call, as the per-trial path
    full = n // batch if n >= batch else 0
    orders = [np.random.RandomState(config["seed"]) for config in configs]  # Keras's shuffles
    read_rates = callbacks.rate_reader(template)
    rows: list[list[dict]] = [[] for _ in configs]
    probe, probe_rows = _prober(template, first, splits), [[] for _ in configs]
    if probe:  # at initialization, as LayerProbe's on_train_begin
        probe(weights + others, range(size), 0, probe_rows)
    diverged: list[int | None] = [None] * size
    active = np.ones(size, bool)
    best_dev: list[float | None] = [None] * size
    waited = [0] * size  # EarlyStopping's wait: epochs since the best dev accuracy
    best, last = ([jnp.array(v) for v in weights + others] for _ in range(2))  # copies: the state is donated
    for epoch in range(first["epochs"]):
        interrupt.check()
        if not active.any():
            break
        epoch_start = time.perf_counter()
        rates = read_rates(optimizer_state)
        order = np.stack([rs.permutation(n) for rs in orders]).astype("int32")
        state = (weights, others, optimizer_state, [jnp.array(v) for v in fresh_metrics])
        losses = []
        if full and scan:
            state, logs = run_epoch(state, x, y, order[:, :full * batch].reshape(size, full, batch))
            losses.append(logs["loss"])
            logs = {name: values[:, -1] for name, values in logs.items()}
        # a call per step: every step unscanned, else the epoch's last, shorter batch
        for start in range(full * batch if scan else 0, n, batch):
            state, logs = run_step(state, x, y, order[:, start:start + batch])
            losses.append(logs["loss"][:, None])
        if step_log is not None:
            step_log.append(np.concatenate([np.asarray(part) for part in losses], axis=1))
        weights, others, optimizer_state, _ = state
        logs = {name: np.asarray(values) for name, values in logs.items()}
        validated = _dev_pass(first, epoch, logs, active)
        dev = _evaluate(run_eval, (weights, others), fresh_metrics, x_dev, y_dev, (dev_x_axis, dev_y_axis),
                        eval_batch) if validated.any() else None
        seconds = (time.perf_counter() - epoch_start) / size
        was_active, improved = active.copy(), np.zeros(size, bool)
        for member in np.flatnonzero(active):
            row = {"epoch": epoch + 1, "loss": float(logs["loss"][member]),
                   "accuracy": float(logs["sparse_categorical_accuracy"][member]),
                   "dev_loss": float(dev["loss"][member]) if validated[member] else np.nan,
                   "dev_accuracy": float(dev["sparse_categorical_accuracy"][member]) if validated[member] else np.nan,
                   "learning_rate": rates[member], "wall_time_s": seconds}
            rows[member].append(row)
            waited[member] += 1
            # EarlyStopping's test, on the epochs with a dev pass
            if validated[member] and (best_dev[member] is None or row["dev_accuracy"] > best_dev[member]):
                best_dev[member], improved[member], waited[member] = row["dev_accuracy"], True, 0
            patience = configs[member]["early_stopping_patience"]
            if patience and waited[member] >= patience and epoch > 0:
                active[member] = False
            if not np.isfinite(row["loss"]) or (validated[member] and not np.isfinite(row["dev_loss"])):
                diverged[member], active[member] = epoch + 1, False
            threshold = configs[member]["stop_at_train_accuracy"]
            if threshold and row["accuracy"] >= threshold:
                active[member] = False
            if progress:
                progress(int(member), row)
        if probe:  # after the epoch, for the members that trained it (LayerProbe's on_epoch_end)
            probe(weights + others, np.flatnonzero(was_active), epoch + 1, probe_rows)
        best = _select(jnp.asarray(improved), weights + others, best)
        last = _select(jnp.asarray(was_active), weights + others, last)
    interrupt.check()
    outcomes = []
    variables = template.trainable_variables + template.non_trainable_variables
    # EarlyStopping restores the model's weights only: random-generator states stay where training
    # left them (MC-dropout passes after training draw from there)
    restored = {id(v) for v in template.weights}
    use_best = jnp.asarray([config["keep_weights"] == "best_dev" for config in configs])
    kept = [value if id(target) in restored else final
            for target, value, final in zip(variables, _select(use_best, best, last), last, strict=True)]
    # the final evaluations of every member's kept weights at once (suite.training.trial_outcome's)
    kept_split = (kept[:len(template.trainable_variables)], kept[len(template.trainable_variables):])
    evaluations = {"train": _evaluate(run_train_eval, kept_split, fresh_metrics, x, y, (x_axis, y_axis), eval_batch)}
    if evaluate_test:
        x_test, test_x_axis = _shared_or_stacked([s.x_test for s in splits])
        y_test, test_y_axis = _shared_or_stacked([s.y_test for s in splits])
        run_test_eval = _programs(template, test_x_axis, test_y_axis, mesh)[2]
        evaluations["test"] = _evaluate(run_test_eval, kept_split, fresh_metrics, jnp.asarray(x_test),
                                        jnp.asarray(y_test), (test_x_axis, test_y_axis), eval_batch)
    kept = sharding.gathered(kept, mesh)
    for member, config in enumerate(configs):
        for target, value in zip(variables, kept, strict=True):
            target.assign(jnp.array(value[member]))
        outcome = trial_outcome.finish(config, template, splits[member], rows[member], diverged[member],
                                       initial_losses[member], started, eval_batch, evaluate_test=evaluate_test,
                                       probe_rows=probe_rows[member] if probe else None,
                                       evaluations={split: {name: float(values[member]) for name, values in logs.items()}
                                                    for split, logs in evaluations.items()})
        outcomes.append(outcome)
    total = time.perf_counter() - started
    for outcome in outcomes:
        outcome["wall_time_s"] = total / size
        outcome["population"] = {"size": size, "wall_time_s": total}
    return outcomes


def _prober(template: keras.Model, config: dict, splits: list):
    """None without ``probe_examples``, else ``probe(values, members, epoch, rows)``: the layer
    probe (``suite.training.probes``) of every member in one vmapped program on its first
    ``probe_examples`` training examples, appending the rows of ``members`` to ``rows[member]``."""
    count = config["probe_examples"]
    if not count:
        return None
    x, x_axis = _shared_or_stacked([s.x_train[:count] for s in splits])
    y, y_axis = _shared_or_stacked([s.y_train[:count] for s in splits])
    loss = train.lookup(train.OUTPUT_LOSSES, config["output_activation"], "output activation")()
    program = probes.population_program(template, loss, config["activation"], x_axis, y_axis)

    def probe(values, members, epoch: int, rows: list[list[dict]]) -> None:
        tables = np.asarray(program(values, x, y))  # (members, layers, stats); waits before donation
        for member in members:
            rows[member] += [{"epoch": epoch, **row} for row in probes.rows_of(tables[member])]

    return probe


def _dev_pass(config: dict, epoch: int, logs: dict, active: np.ndarray) -> np.ndarray:
    """Per member, whether ``epoch`` (0-based) ends with a dev pass: every ``validation_freq``-th
    epoch, as Keras's ``fit(validation_freq=N)``, and the last epoch a member trains (the last of
    the run, or a non-finite loss or ``stop_at_train_accuracy`` ending it), as the per-trial path's
    ``suite.training.callbacks.EpochLog.validate_last``."""
    if (epoch + 1) % config["validation_freq"] == 0 or epoch + 1 == config["epochs"]:
        return active.copy()
    threshold = config["stop_at_train_accuracy"]
    ends = ~np.isfinite(logs["loss"])
    if threshold:
        ends |= logs["sparse_categorical_accuracy"] >= threshold
    return active & ends


def _evaluate(run_eval, weights, fresh_metrics, x, y, axes, eval_batch: int, limit: int | None = None) -> dict:
    """Every member on a split (its first ``limit`` examples) in batches of ``eval_batch``: Keras's
    ``evaluate``, vmapped (the metrics accumulate over the batches; the last batch's logs are the
    split's). Returns ``{metric: (members,) array}``."""
    import jax.numpy as jnp  # deferred: loads JAX

    metrics, logs = [jnp.array(v) for v in fresh_metrics], None
    x_axis, y_axis = axes
    n = x.shape[0 if x_axis is None else 1]
    n = n if limit is None else min(n, limit)
    for start in range(0, n, eval_batch):
        part = slice(start, start + eval_batch)
        logs, metrics = run_eval((weights[0], weights[1], metrics), x[part] if x_axis is None else x[:, part],
                                 y[part] if y_axis is None else y[:, part])
    return {name: np.asarray(values) for name, values in logs.items()}
