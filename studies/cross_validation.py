"""Kohavi (1995): hold-out vs stratified k-fold as accuracy estimators and for model selection."""
from functools import partial

from suite.analysis import estimation
from suite import Figure, Rule, Study

ESTIMATORS = {"resubstitution": {"cv_folds": 1}, "holdout_33": {"holdout_fraction": 1 / 3},
              "holdout_10": {"holdout_fraction": 0.1}, "cv3": {"cv_folds": 3}, "cv5": {"cv_folds": 5},
              "cv10": {"cv_folds": 10}}
MAIN, OTHER = 64, 32  # widths: the estimators are compared on MAIN; OTHER is the rival configuration
SPREAD = "stratified 10-fold estimates spread less than hold-out's at equal training size (90% of the pool)"
BIAS = ("small k is more pessimistic than large k: 3-fold's estimate falls further below the full-pool model's "
        "test accuracy than 10-fold's")
SAME_SIZE = ("the pessimism is the smaller training set's, not the estimator's: against models trained on as much "
             "data as its own (2/3 of the pool for 3-fold, 9/10 for 10-fold), each k-fold estimate is within "
             "±1 point")
# SAME_SIZE's bounds: ±1 point, the suite's "about equal" accuracy margin (as in the losses and depth studies),
# fixed before these rules were judged; about two standard errors of a 10-seed mean of 600-example estimates.
SAME_SIZE_BOUNDS = (-0.01, 0.01)
RESUB = "resubstitution (accuracy on the training pool itself) is optimistically biased"
SELECT = "10-fold picks the width that is best on the test split more often than hold-out"

STUDY = Study(
    name="cross_validation",
    claim="Stratified 10-fold cross-validation estimates accuracy with less spread than a hold-out split of "
          "the same training size; against the model trained on the whole pool 3-fold is more pessimistic than "
          "10-fold, because its models train on less data (against models of its own training size each is "
          "about unbiased); resubstitution is optimistic; and 10-fold selects the better configuration more "
          "often than hold-out.",
    clauses=(
        "stratified 10-fold estimates spread less than hold-out's at equal training size (90% of the pool)",
        BIAS,
        SAME_SIZE,
        'resubstitution (accuracy on the training pool itself) is optimistically biased',
        '10-fold picks the width that is best on the test split more often than hold-out',
    ),
    source="Kohavi, 'A study of cross-validation and bootstrap for accuracy estimation and model selection', "
           "IJCAI 1995 (lecture deck 000: 'either use a separate validation dataset ... 3-fold cross-validation')",
    base={"model": "mlp", "depth": 1, "activation": "relu", "kernel_initializer": "he_normal", "optimizer": "adam",
          "learning_rate": 0.003, "batch_size": 20, "keep_weights": "last", "train_size": 600},
    axes={"estimator": ESTIMATORS, "width": [MAIN, OTHER]},
    only=({"width": MAIN}, {"width": OTHER, "estimator": ["resubstitution", "holdout_10", "cv10"]}),
    profiles={
        "smoke": {"dataset": "synthetic", "train_size": 300, "epochs": 2, "batch_size": 50, "seeds": 2,
                  "only": ({"width": MAIN, "estimator": ["resubstitution", "holdout_10", "cv3"]},
                           {"width": OTHER, "estimator": ["resubstitution", "holdout_10"]})},
        "quick": {"dataset": "mnist_10k", "epochs": 15, "seeds": (15, 30), "first_seed": 100},
        "paper": {"dataset": "mnist", "train_size": 2000, "epochs": 30, "seeds": 30},
    },
    metrics=("estimate_accuracy", "true_accuracy", "estimate_bias", "estimate_bias_same_size", "estimate_abs_deviation",
             "picks_test_best_fraction", "test_accuracy"),
    derive=partial(estimation.derive, estimator="estimator", configuration="width", truth="resubstitution"),
    rules=(
        *(Rule("better", {"estimator": "holdout_10", "width": w}, {"estimator": "cv10", "width": w}, claim=SPREAD,
               metric="estimate_abs_deviation", says=f"width {w}: hold-out's |estimate - median| exceeds 10-fold's")
          for w in (MAIN, OTHER)),
        Rule("better", {"estimator": "cv10", "width": MAIN}, {"estimator": "cv3", "width": MAIN},
             metric="estimate_bias", margin=0.0, claim=BIAS,
             says="estimate minus the full-pool model's test accuracy: 10-fold's above 3-fold's (margin 0: the "
                  "claim is an order)"),
        *(Rule("within", {"estimator": k, "width": MAIN}, metric="estimate_bias_same_size", bounds=SAME_SIZE_BOUNDS,
               claim=SAME_SIZE, says=f"{k}: estimate minus the test accuracy of its own fold models is within ±1 point")
          for k in ("cv3", "cv10")),
        Rule("within", {"estimator": "resubstitution", "width": MAIN}, metric="estimate_bias", bounds=(0.0, None),
             claim=RESUB, says="resubstitution estimate minus its own test accuracy is above 0"),
        Rule("better", {"estimator": "cv10", "width": MAIN}, {"estimator": "holdout_10", "width": MAIN},
             metric="picks_test_best_fraction", claim=SELECT,
             says="10-fold picks the test-best width in more resamplings than hold-out (10%)"),
    ),
    figures=(
        Figure("bias", "metric_vs", "estimate_bias", x="estimator", hue="width", guide=(0.0, "unbiased"),
               title="estimate minus the full-pool model's test accuracy (mean, 95% CI over resamplings)"),
        Figure("bias_same_size", "metric_vs", "estimate_bias_same_size", x="estimator", hue="width",
               guide=(0.0, "unbiased"),
               title="estimate minus the test accuracy of its own models (same training size; mean, 95% CI)"),
        Figure("spread", "metric_vs", "estimate_abs_deviation", x="estimator", hue="width",
               title="|estimate - median estimate| per resampling (mean, 95% CI)"),
        Figure("selection", "metric_vs", "picks_test_best_fraction", x="estimator", where={"width": MAIN},
               title="fraction of resamplings whose choice of width is the test-best one"),
    ),
    notes=("A fixed pool of 600 mnist_10k digits (a stratified subset of train + dev, the same for every "
           "resampling: Kohavi's fixed data set), a 784-64-10 ReLU MLP (rival for model selection: 32 hidden units, with resubstitution, 10% hold-out and 10-fold only), Adam at 3e-3, "
           "batch 20, 15 epochs, the last epoch's weights (no early stopping: the validation data never "
           "steers training). Each seed is one resampling: new folds or hold-out draw (scikit-learn's "
           "StratifiedKFold / StratifiedShuffleSplit with random_state = seed) and new initial weights. "
           "Estimators: resubstitution (train and score on the whole pool), hold-out of 33% and 10% of the "
           "pool, stratified 3-, 5- and 10-fold (the estimate is the mean of the folds' validation "
           "accuracies). Two truths (issue 31: one alone confounds the estimator with the training size): the "
           "test accuracy (2,000 untouched test digits) of the model trained on the whole pool with the same "
           "seed (estimate_bias, paired by seed: Kohavi's target, the classifier built on the whole data set), "
           "and the test accuracy of the very models the estimate came from (estimate_bias_same_size: for "
           "3-fold models trained on 2/3 of the pool, for 10-fold on 9/10, for hold-out on the rest of the "
           "pool), which leaves the training size out and measures the estimator itself. Kohavi's claim, as "
           "far as it can be read here (the abstract and introduction; his section on cross-validation's bias "
           "and its Figure 3, bias against the number of folds, were not in a copy the search tools reach): "
           "he wants estimators of low bias and low variance for the accuracy of the classifier built on the "
           "whole data set, and k-fold is pessimistic for small k because each fold's classifier trains on "
           "(k-1)/k of the data, less so as k grows; so the rules ask that 3-fold fall further below the "
           "full-pool model than 10-fold does, and that against same-size models each be within ±1 point. "
           "The pool (train + dev digits) and the test split are different draws of MNIST, so a shift "
           "between them would show as a same-size bias of every hold-out and k-fold estimator alike. Folds of one seed are not independent "
           "(they share training data), so each seed's folds are averaged first and every interval and test "
           "is across the seeds. Spread is compared by a Welch t-test on |estimate - median| (Brown-"
           "Forsythe). Kohavi ran C4.5 and naive Bayes on real-world data sets (over half a million runs, his "
           "abstract); we could read only the abstract, which states conclusions and no number that "
           "applies to this network, so no published number is shown."
           " This page is a replication declared before its data (issue 30): the pilot, 10 resamplings per point (seeds 0-9, trials of clean commit c7722a0), left three of its five clauses inconclusive; the plan here, 15 then 30 seeds per point on fresh seeds 100-129 that the pilot never used, was committed before any of its trials ran, and the pilot's trials are not pooled with it (its page is in git history, e.g. commit 9eb4f6d)."),
)
