"""The metrics a trial logs, by name: what its record's ``metrics`` holds, from its config and the
facts of its data. A study's rules, tables and figures and a search's objective may read only
these (``suite.execution.metric_checks`` refuses any other name before anything trains).

``suite.training.trial_outcome`` writes them (with ``suite.training.tasks``, ``uncertainty`` and
``probes``); tests/end_to_end/test_hostile_reports.py checks a trained record against this list.
"""
from __future__ import annotations

from collections.abc import Iterable

from suite.data import input_statistics
from suite.training import outcomes

# First epoch whose training accuracy reaches the threshold (Zhang et al.'s "time to fit").
FIT_THRESHOLDS = {"epochs_to_99_9": 0.999, "epochs_to_100": 1.0}
# Every trial that ran to its end, whatever its task.
COMMON = ("epochs_trained", "best_epoch", "min_dev_loss", "kept_epoch", "final_train_loss", "train_loss",
          "test_loss")
CLASSIFICATION = ("test_accuracy", "generalization_gap", "train_accuracy", "fitted_fraction",
                  "best_dev_accuracy", "first_dev_accuracy", "final_train_accuracy", "final_dev_accuracy",
                  *FIT_THRESHOLDS, "mean_dev_accuracy", "train_mistakes")
REGRESSION = ("test_mse", "test_mae", "test_r2")  # suite.training.tasks.regression_metrics (its REGRESSION_METRICS)
OPTIMUM = ("excess_loss", "tail_excess_loss")  # on data whose facts give its minimum f* (suite.training.optimum)
# with model saddle (suite.training.saddle)
SADDLE = ("escape_step", "escaped", "final_distance", "final_abs_y", "start_abs_y")
COLLAPSE = ("collapse_max_abs_diff", "collapse_relative_diff")  # with collapse_check (suite.training.collapse)
OPTIMUM_TARGET = ("steps_to_tolerance",)  # with target_relative_error, on such data
TARGET = ("epochs_to_target_dev", "steps_to_target_dev")  # with target_dev_accuracy
BOUND = ("mistakes_to_bound",)  # on data whose facts give Novikoff's mistake bound
UNCERTAINTY = ("test_nll", "test_calibration_error", "test_entropy", "misclassified_auroc")  # mc_passes or ood_dataset
MC = ("scaled_test_accuracy",)
TTA = ("tta_test_accuracy", "tta_gain")  # with tta_copies (suite.training.augmentation)  # with mc_passes
OOD = ("ood_entropy", "ood_auroc")  # with ood_dataset
PROBES = (*outcomes.INIT_METRICS, "dead_fraction", "grad_ratio_first_last_end")  # with probe_examples
# with probe_examples on an rnn: dL/dh_t through time (suite.training.sequence_models.summary_metrics)
STATE_PROBES = ("state_grad_factor_init", "state_grad_r2_init", "state_grad_ratio_init", "state_grad_factor_end",
                "state_grad_r2_end", "state_grad_ratio_end")


def logged(config: dict, facts: Iterable[str] = ()) -> set[str]:
    """The metric names a finished trial of ``config`` logs; ``facts``: the names of its data's
    facts (``suite.data.splits.Splits.facts``), which it logs too. Per-layer probe metrics
    (``bias_grad_norm_<layer>``) are matched by ``is_logged``."""
    facts = set(facts)
    regression = config.get("task", "classification") == "regression"
    names = {*COMMON, *(REGRESSION if regression else CLASSIFICATION), *facts}
    if regression and "optimal_loss" in facts:
        names.update((*OPTIMUM, *(OPTIMUM_TARGET if config.get("target_relative_error") else ())))
    if regression and config.get("model") == "saddle":
        names.update(SADDLE)
    if not regression:
        names.update(BOUND if "mistake_bound" in facts else ())
        names.update(TARGET if config.get("target_dev_accuracy") else ())
    mc, ood = config.get("mc_passes") or 0, config.get("ood_dataset", "none") not in (None, "none")
    if mc or ood:
        names.update((*UNCERTAINTY, *(MC if mc else ()), *(OOD if ood else ())))
    if config.get("tta_copies") and not regression:
        names.update(TTA)
    if config.get("input_statistics"):
        names.update(input_statistics.STATISTICS)
    if config.get("test_shifts") and not regression:
        names.update(f"test_accuracy_shift_{k}" for k in (0, *config["test_shifts"]))
    if config.get("collapse_check"):
        names.update(COLLAPSE)
    if config.get("probe_examples"):
        names.update(STATE_PROBES if config.get("model") == "rnn" else PROBES)
    return names


def is_logged(name: str, names: set[str]) -> bool:
    """Whether ``name`` is among ``names`` (``logged``), a per-layer probe metric included."""
    return name in names or (bool(names & set(PROBES)) and name.startswith(outcomes.INIT_PREFIXES))
