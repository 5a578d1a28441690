"""Deck 003: gradient descent on a quadratic with a known Hessian: the 2/L threshold, kappa vs sqrt(kappa), SGD's floor."""
from math import ceil

import pandas as pd

from suite import Check, Figure, Reference, Rule, Study, Table
from suite.analysis import rates
from suite.data import quadratic

KAPPAS = [10.0, 100.0, 1000.0, 10000.0]  # the range, one point per decade
CRITICAL = 2 / quadratic.hessian_eigenvalues(10.0)[0]  # 2/L = 1 for every kappa (L = 2: Keras's MSE has no 1/2)
RATIOS = [0.9, 0.95, 0.99, 1.01, 1.05, 1.1]  # eta / (2/L), the brief's grid: the threshold to within 1%
METHODS = ("gd", "heavy_ball", "nesterov")
EPSILON = 1e-4  # relative error (f - f*) / (f0 - f*) the iteration counts are taken at
# Each rate run's epoch holds about 1/20 of its predicted steps (full-batch steps, log-interpolated between
# epoch ends), over 3x the predicted count: the instrument's resolution, set from the analysis, not the results.
PREDICTED = {(k, m): quadratic.predicted_steps(m, k, EPSILON) for k in KAPPAS for m in METHODS}
NOISE, FLOOR_RATES, FLOOR_KAPPA = 0.5, [0.025, 0.05, 0.1], 10.0  # mini-batch SGD on noisy targets


def rate_run(method, kappa):
    tuned = quadratic.tuned(method, kappa)
    repeats = max(1, ceil(PREDICTED[kappa, method] / 20))
    return {"learning_rate": tuned["learning_rate"], "momentum": tuned["momentum"],
            "optimizer_options": {"nesterov": tuned["nesterov"]}, "quadratic_repeats": repeats,
            "epochs": ceil(3 * PREDICTED[kappa, method] / repeats), "target_relative_error": EPSILON}


SGD = {"target_noise": NOISE, "batch_size": 10, "shuffle": True, "quadratic_repeats": 10, "epochs": 40}
RUNS = {**{f"ratio_{r}": {"learning_rate": r * CRITICAL, "quadratic_repeats": 50, "epochs": 10} for r in RATIOS},
        **{f"{m}_k{k:g}": rate_run(m, k) for m in METHODS for k in KAPPAS},
        **{f"sgd_eta_{eta}": {**SGD, "learning_rate": eta} for eta in FLOOR_RATES},
        "sgd_decay": {**SGD, "learning_rate": FLOOR_RATES[-1], "lr_schedule": "inverse_time",
                      "lr_schedule_options": {"decay_rate": 1.0, "decay_epochs": 1.0}}}
FLOOR = "constant-step mini-batch SGD stalls at a noise floor proportional to eta (log-log slope in [0.7, 1.3])"
THEORY = {"gd": "the slowest mode contracts by 1 - 1/kappa per step: ~kappa ln(1/eps) steps (exact recursion: 1.00)",
          "heavy_ball": "Polyak 1964: rate (sqrt kappa - 1)/(sqrt kappa + 1) at the tuned parameters (exact recursion: "
                        "0.56 over this range)",
          "nesterov": "Nesterov 2004, Thm 2.2.3: ~sqrt(kappa) ln(1/eps) steps (exact recursion: 0.53 over this range)"}
DECAY = "a 1/t decaying step (Robbins-Monro) ends below the constant step's floor from the same start"


def derive(trials: pd.DataFrame) -> pd.DataFrame:
    method = trials.run.str.rsplit("_k", n=1).str[0]
    rate = trials.run.map(lambda name: RUNS[name]["learning_rate"])
    return trials.assign(
        kappa_slope=rates.loglog_slope(trials, method.isin(METHODS), "condition_number", "steps_to_tolerance",
                                       [method, "seed"]),
        threshold_ratio=rates.stability_threshold(trials.assign(ratio=rate / CRITICAL), trials.run.str.startswith(
            "ratio_"), "ratio", trials.status == "done", ["condition_number", "seed"]),
        floor_slope=rates.loglog_slope(trials.assign(rate=rate), trials.run.str.startswith("sgd_eta"), "rate",
                                       "tail_excess_loss", ["seed"]))


def rate_point(method, kappa=KAPPAS[-1]):
    return {"condition_number": kappa, "run": f"{method}_k{kappa:g}"}


STUDY = Study(
    name="step_size",
    claim="On a quadratic with a known Hessian, constant-step mini-batch SGD stalls at a noise floor proportional "
          "to eta while a decaying step keeps going; gradient descent's 2/L threshold and its kappa (GD) and "
          "sqrt(kappa) (heavy ball, Nesterov) iteration counts, which hold by arithmetic on this problem, are "
          "checks of the implementation.",
    clauses=(FLOOR, DECAY),
    source="Lecture deck 003 (step size vs 2/L, condition number, momentum, Nesterov, SGD noise and step decay) and "
           "deck 000 pp.56-58; Nesterov, Introductory Lectures on Convex Optimization (2004), Thm 2.1.15 (GD) and "
           "2.2.3 (accelerated); Polyak 1964 (heavy ball); Robbins & Monro 1951; Bottou, Curtis & Nocedal 2018, "
           "Thm 4.6 (fixed-step SGD's floor proportional to the step); Goh, 'Why momentum really works', Distill 2017",
    base={"dataset": "quadratic", "task": "regression", "loss": "mse", "model": "mlp", "depth": 0,
          "kernel_initializer": "zeros", "bias_initializer": "zeros", "optimizer": "sgd", "batch_size": 100,
          "shuffle": False, "keep_weights": "last"},
    axes={"condition_number": KAPPAS, "run": RUNS},
    only=({"run": [f"ratio_{r}" for r in RATIOS]},
          *({"condition_number": k, "run": f"{m}_k{k:g}"} for m in METHODS for k in KAPPAS),
          {"condition_number": FLOOR_KAPPA, "run": [*(f"sgd_eta_{eta}" for eta in FLOOR_RATES), "sgd_decay"]}),
    profiles={
        "smoke": {"seeds": 2, "only": ({"condition_number": 10.0, "run": ["ratio_0.99", "ratio_1.01"]},
                                       {"condition_number": 10.0, "run": "gd_k10"},
                                       {"condition_number": 100.0, "run": "gd_k100"})},
        "quick": {"seeds": (3, 6)},
        "paper": {"seeds": 10},
    },
    derive=derive,
    metrics=("steps_to_tolerance", "kappa_slope", "threshold_ratio", "excess_loss", "tail_excess_loss",
             "floor_slope", "learned_fraction"),
    references=(Reference("exact NumPy recursion of Keras's SGD update, mode by mode (suite.data.quadratic."
                          "predicted_steps)", "steps_to_tolerance",
                          {(k, f"{m}_k{k:g}"): PREDICTED[k, m] for k, m in PREDICTED}),
                Reference("analytic: 2/L from the Hessian 2 [[X^T X / n, 0], [0, 1]] of Keras's MSE",
                          "threshold_ratio", {(k, f"ratio_{r}"): 1.0 for k in KAPPAS for r in RATIOS})),
    # Deterministic full-batch runs on a known quadratic: what they show holds by arithmetic (the exact
    # recursion is the reference), so they are checks of Keras's SGD, not verdicts that could fail (issue 31).
    checks=(
        *(Check(f"kappa {k:g}: every seed converges at 0.99 (2/L)", {"condition_number": k, "run": "ratio_0.99"},
                "learned_fraction", (1.0, None), why="gradient descent on a quadratic contracts every mode iff "
                "eta < 2/L (Nesterov 2004, Thm 2.1.15)") for k in KAPPAS),
        *(Check(f"kappa {k:g}: every seed diverges at 1.01 (2/L)", {"condition_number": k, "run": "ratio_1.01"},
                "learned_fraction", (None, 0.0), why="above 2/L the top mode grows by |1 - eta L| > 1 per step")
          for k in KAPPAS),
        Check("gradient descent at 1/L: slope of log iterations on log kappa in [0.9, 1.1]", rate_point("gd"),
              "kappa_slope", (0.9, 1.1), why=THEORY["gd"]),
        *(Check(f"{m}: slope of log iterations on log kappa in [0.4, 0.65]", rate_point(m), "kappa_slope",
                (0.4, 0.65), why=THEORY[m]) for m in METHODS[1:]),
    ),
    rules=(
        Rule("within", {"condition_number": FLOOR_KAPPA, "run": "sgd_eta_0.1"}, metric="floor_slope",
             bounds=(0.7, 1.3), claim=FLOOR, says="slope of log floor (mean excess loss, last half) on log eta"),
        Rule("better", {"condition_number": FLOOR_KAPPA, "run": "sgd_eta_0.1"},
             {"condition_number": FLOOR_KAPPA, "run": "sgd_decay"}, metric="excess_loss", claim=DECAY,
             says="final excess loss: constant eta 0.1 above the 1/t decay from 0.1"),
    ),
    tables=(Table("Converged (1) or diverged (0) per eta / (2/L)", "learned_fraction", "condition_number", "run",
                  where={"run": [f"ratio_{r}" for r in RATIOS]}, caption="Share of seeds whose loss fell (not "
                  "diverged: loss above 10x its initial value or not finite); 2/L = 1 here."),),
    figures=(
        Figure("loss_around_critical", "curves", "loss", x="step", hue="run",
               where={"condition_number": 100.0, "run": [f"ratio_{r}" for r in RATIOS]},
               title="kappa 100: training loss across eta / (2/L)"),
        *(Figure(f"iterations_vs_kappa_{m}", "loglog", "steps_to_tolerance", x="condition_number",
                 where={"run": [f"{m}_k{k:g}" for k in KAPPAS]}, baseline=1.0 if m == "gd" else 0.5, log_y=True,
                 title=f"{m}: steps to relative error 1e-4 against kappa (guide: slope "
                       f"{1 if m == 'gd' else 0.5})") for m in METHODS),
        Figure("sgd_floor", "curves", "dev_loss", x="step", hue="run",
               where={"run": [*(f"sgd_eta_{eta}" for eta in FLOOR_RATES), "sgd_decay"]},
               title="mini-batch SGD (batch 10, noisy targets): objective per step"),
    ),
    notes="A designed least-squares problem (suite.data.quadratic): 100 rows, 10 exactly centred inputs whose "
          "covariance X^T X / n has eigenvalues log-spaced from 1/kappa to 1 (random eigenvectors per seed), "
          "targets y = X w* + b* with the initial loss split equally over the eigendirections (f(0) = 1). "
          "A Dense(1) layer (zero initial kernel and bias) minimizes Keras's MSE f = (1/n) sum (x.w + b - y)^2 "
          "(no 1/2): its Hessian is 2 [[X^T X / n, 0], [0, 1]], eigenvalues 2 lambda_i and 2 for the bias, so "
          "L = 2, mu = 2/kappa and 2/L = 1 for every kappa (with a 1/2 in the loss, or ignoring the bias, the "
          "threshold would read 2). Full-batch steps: batch 100 with the rows repeated in a fixed order (no "
          "shuffling), so one epoch is many gradient-descent steps; dev = the same rows, so its loss at each "
          "epoch end is the objective. Threshold: eta = r (2/L) for r in the grid, 500 steps; a run diverged "
          "when its loss rose above 10x its initial value or overflowed. Rates: steps to relative error 1e-4 "
          "(f - f*) / (f0 - f*), log-interpolated between epoch ends of ~1/20 of the predicted count each; GD at "
          "eta = 1/L; heavy ball (Polyak 1964) at eta = 4/(sqrt L + sqrt mu)^2, momentum ((sqrt kappa - 1)/"
          "(sqrt kappa + 1))^2; Nesterov (Keras SGD nesterov=True) at eta = 1/L, momentum (sqrt kappa - 1)/"
          "(sqrt kappa + 1). The exact predicted counts (the same update iterated in float64 per eigenmode) are "
          "shown beside ours; over this kappa range they have slopes 1.00 (GD), 0.56 (heavy ball) and 0.53 "
          "(Nesterov): the asymptotic 1 and 1/2 with a finite-range correction. Slopes are fitted per seed over "
          "the four kappas and the interval is across seeds. Noise floor: kappa 10, targets with Gaussian noise "
          "(std 0.5, f* from NumPy's lstsq), shuffled mini-batches of 10, 4,000 steps; the floor is the mean "
          "excess objective over the last half of the epoch ends; the decaying step is eta_t = 0.1 / (1 + t/100) "
          "(Keras InverseTimeDecay). What differs: Nesterov's and Polyak's theorems bound the distance to the "
          "optimum; we count steps on the loss's relative error, whose constants differ but whose kappa scaling "
          "is the same. Keras's fit samples mini-batches without replacement (each epoch a fresh permutation of "
          "the tiled rows: random reshuffling), and the floor is read at epoch ends, i.e. after whole passes over "
          "the data, whereas the proportional floor (Bottou et al. Thm 4.6, Robbins-Monro) is for independent "
          "draws; after the first run (commit 77ad153) a NumPy check of the same problem (seed 0) with draws with "
          "replacement and the objective averaged every 10 steps over 36,000 steps gave floors 0.0031, 0.0063 and "
          "0.0134 at eta 0.025, 0.05 and 0.1 (slope about 1.05), against this page's Keras numbers; the rule "
          "and its bounds were left as set before the run.",
)
