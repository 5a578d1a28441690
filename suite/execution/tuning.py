"""Hyperparameter searches: a search space declared as data, run by keras-tuner's oracles.

A space maps config keys to specs: ``{"int": [lo, hi]}``, ``{"float": [lo, hi]}`` (optional
``"sampling": "log"`` and ``"step"``), ``{"choice": [...]}``; ``"when": {"key": [values]}`` makes a
parameter conditional on another (keras-tuner's conditional scopes). Every tuner trial is a suite
trial: trained by ``suite.training.train``, stored by the store, and replayed from the store on a rerun, so an
interrupted search resumes without retraining (keras-tuner's oracles are deterministic given their
seed and the results they are told). Hyperband trials train from scratch for ``tuner/epochs``.
"""
from __future__ import annotations

import atexit
import shutil
from pathlib import Path

import keras_tuner
from keras_tuner.src import config as keras_tuner_config
from keras_tuner.src.engine import base_tuner

from suite.store import cleanup
from suite.errors import GaveUp, UserError, did_you_mean, lookup

# keras-tuner prints the traceback of every failed trial to stderr; the suite stores it in the
# trial's record and prints one summary line instead.
keras_tuner_config.DEBUG = False

OBJECTIVES = {  # suite metric behind each keras-tuner objective name
    "val_accuracy": ("best_dev_accuracy", "max"),
    "val_loss": ("min_dev_loss", "min"),
}
# The seed every search (and nuisance-tuning) trial trains with. The chosen configuration is then
# re-run over the confirmation seeds 0, 1, ... (from the plan's first_seed), which must not include it:
# a configuration picked because it did well on one seed would otherwise report that lucky seed again.
SEARCH_SEED = 10_000
ORACLE_SEED = 1  # the oracles' own sampling seed (kept from when the search seed was 0)


def confirmation_seeds(count: int, first: int = 0) -> list[int]:
    """The seeds a chosen configuration is re-run with: first .. first + count - 1 (``first``: the
    plan's first_seed), disjoint from ``SEARCH_SEED`` (a UserError otherwise)."""
    seeds = list(range(first, first + count))
    if SEARCH_SEED in seeds and first:
        raise UserError(f"first_seed {first} with {count} seeds: the seeds {first}..{first + count - 1} would include "
                        f"the search seed {SEARCH_SEED}; choose a first_seed below {SEARCH_SEED - count + 1}")
    if SEARCH_SEED in seeds:
        raise UserError(f"--seeds {count}: the confirmation seeds would include the search seed "
                        f"{SEARCH_SEED}; use fewer than {SEARCH_SEED} seeds")
    return seeds


def register_objective(text: str, logged: set[str] | None = None) -> str:
    """The objective named on the command line: a name of ``OBJECTIVES``, or ``METRIC:max`` /
    ``METRIC:min`` for any logged dev-split metric (e.g. ``mean_dev_accuracy:max``), which is
    added to ``OBJECTIVES``. ``logged``: the dev metrics the search's trials log
    (``suite.execution.metric_checks.dev_metrics``). Raises UserError for a test-split metric (a
    search never sees the test split), a missing direction or a metric the trials do not log
    (a search would pick its "best" on nothing)."""
    metric, _, direction = text.partition(":")
    if text in OBJECTIVES:
        metric, direction = OBJECTIVES[text]
    elif direction not in ("max", "min") or not metric:
        raise UserError(f"objective '{text}': give val_accuracy, val_loss or METRIC:max|min for a logged dev "
                        f"metric (e.g. mean_dev_accuracy:max, min_dev_loss:min)")
    elif "dev" not in metric.split("_"):
        raise UserError(f"objective '{text}': a search selects on the dev split only; choose a dev metric "
                        f"(best_dev_accuracy, min_dev_loss, final_dev_accuracy, mean_dev_accuracy, ...)")
    if logged is not None and metric not in logged:
        raise UserError(f"objective '{text}': the search's trials do not log '{metric}'{did_you_mean(metric, logged)}; "
                        f"choose one of the dev metrics they log: {', '.join(sorted(logged))} (as METRIC:max|min)")
    OBJECTIVES.setdefault(text, (metric, direction))
    return text


def objective(name: str) -> keras_tuner.Objective:
    lookup(OBJECTIVES, name, "objective")
    return keras_tuner.Objective(name, direction=OBJECTIVES[name][1])


def _declare_one(hp: keras_tuner.HyperParameters, name: str, spec: dict):
    sampling = spec.get("sampling", "linear")
    if "int" in spec:
        low, high = spec["int"]
        return hp.Int(name, low, high, step=spec.get("step"), sampling=sampling)
    if "float" in spec:
        low, high = spec["float"]
        return hp.Float(name, low, high, step=spec.get("step"), sampling=sampling)
    if "choice" in spec:
        return hp.Choice(name, spec["choice"])
    raise UserError(f"search parameter '{name}': spec {spec} needs one of int, float, choice")


def declare(hp: keras_tuner.HyperParameters, space: dict) -> None:
    for name, spec in space.items():
        if "when" in spec:
            (parent, values), = spec["when"].items()
            with hp.conditional_scope(parent, values):
                _declare_one(hp, name, spec)
        else:
            _declare_one(hp, name, spec)


_SCRATCH: set[Path] = set()
SCRATCH_DIR = ".keras-tuner"


def sweep(root) -> None:
    """Remove what processes on this host that have ended left in a store's ``root``: their
    keras-tuner scratch directories and half-written record files (a kill leaves them)."""
    scratch_dir = Path(root) / SCRATCH_DIR
    if cleanup.sweep(scratch_dir, scratch=True):
        _remove_if_empty(scratch_dir)
    cleanup.sweep(Path(root) / "trials")


def scratch(root) -> str:
    """This process's own directory for keras-tuner's bookkeeping under a store's ``root``.

    A tuner made with ``overwrite=True`` deletes its project directory, so processes sharing one
    store (concurrent runs, workers) each keep theirs apart (host and pid); the store, not these
    files, says what is finished, so each is removed when the process exits, and those of
    processes that were killed by the next process to start or end here (``sweep``)."""
    path = Path(root) / SCRATCH_DIR / cleanup.owner()
    if not _SCRATCH:
        atexit.register(_remove_scratch)
    if path not in _SCRATCH:
        sweep(root)
    _SCRATCH.add(path)
    return str(path)


def _remove_if_empty(directory: Path) -> None:
    try:
        directory.rmdir()  # only when no other process has one there
    except OSError:
        pass


def _remove_scratch() -> None:
    for path in _SCRATCH:
        shutil.rmtree(path, ignore_errors=True)
        cleanup.sweep(path.parent, scratch=True)  # workers killed before this process ended
        _remove_if_empty(path.parent)


class SpaceModel(keras_tuner.HyperModel):
    """Declares the space so keras-tuner can activate every conditional scope; builds no model."""

    def __init__(self, space: dict):
        super().__init__()
        self.space = space

    def build(self, hp):
        declare(hp, self.space)
        return None


def build_oracle(tuner: str, space: dict, objective_name: str, max_trials: int, max_epochs: int,
                 factor: int = 3, seed: int | None = None):
    """keras-tuner's oracle for ``tuner``; Hyperband (Li et al., JMLR 2018) trains its rounds for
    ``max_epochs`` / ``factor``^k epochs and keeps the best 1 / ``factor`` of each round.
    ``seed``: the oracle's own sampling seed (>= 1: keras-tuner draws a random one for 0)."""
    factories = {
        "random": lambda kw: keras_tuner.oracles.RandomSearchOracle(max_trials=max_trials, **kw),
        "bayesian": lambda kw: keras_tuner.oracles.BayesianOptimizationOracle(max_trials=max_trials, **kw),
        "grid": lambda kw: keras_tuner.oracles.GridSearchOracle(max_trials=max_trials, **kw),
        # Enough brackets for the budget; max_trials caps the total.
        "hyperband": lambda kw: keras_tuner.oracles.HyperbandOracle(
            max_epochs=max_epochs, factor=factor, hyperband_iterations=max_trials, **kw),
    }
    oracle = lookup(factories, tuner, "tuner")(dict(
        objective=objective(objective_name), seed=ORACLE_SEED if seed is None else seed,
        # The suite stores every failed trial and reports them in one summary line; keras-tuner's
        # own cap would end a search whose trials all fail with a RuntimeError instead (Hyperband
        # may run more trials than max_trials), so it is out of reach.
        max_consecutive_failed_trials=10 ** 9))
    oracle.max_trials = max_trials
    oracle.verbose = 0
    return oracle


def objective_value(name: str, record: dict) -> float:
    """The objective ``name`` of a finished trial's record, for the oracle: a diverged trial's
    missing metric and a target never reached (NaN) are the worst value (keras-tuner needs a number)."""
    metric, direction = OBJECTIVES[name]
    worst = 0.0 if direction == "max" else 1e30
    value = record["metrics"].get(metric, worst)
    return value if value == value else worst


class Fatal(keras_tuner.errors.FatalError):
    """Carries a UserError or GaveUp raised inside a trial out of keras-tuner's trial loop, which
    would otherwise record it as a failed trial and go on."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


class SearchTuner(base_tuner.BaseTuner):
    """Turns each keras-tuner trial's values into a suite trial config and runs it."""

    def __init__(self, oracle, space: dict, execute, **kwargs):
        super().__init__(oracle=oracle, hypermodel=SpaceModel(space), **kwargs)
        self.execute = execute

    def run_trial(self, trial, *args, **kwargs):
        values = dict(trial.hyperparameters.values)
        try:
            record = self.execute(values, trial.trial_id)
        except (UserError, GaveUp, OSError) as exc:  # end the search, not just this trial
            raise Fatal(exc) from None
        if record["status"] == "failed":
            raise keras_tuner.errors.FailedTrialError(record["error"])
        return {self.oracle.objective.name: objective_value(self.oracle.objective.name, record)}

    def save_model(self, trial_id, model, step=0):
        """Models are not kept: the trial record holds everything the reports need."""

    def load_model(self, trial):
        return None


def overrides_of(values: dict) -> dict:
    """Config overrides from a trial's hyperparameter values (keras-tuner's own keys dropped)."""
    overrides = {k: v for k, v in values.items() if not k.startswith("tuner/")}
    if "tuner/epochs" in values:
        overrides["epochs"] = int(values["tuner/epochs"])
    return overrides
