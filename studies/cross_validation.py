"""Kohavi (1995): hold-out vs stratified k-fold as accuracy estimators and for model selection."""
from functools import partial

from suite.analysis import estimation
from suite import Figure, Rule, Study

ESTIMATORS = {"resubstitution": {"cv_folds": 1}, "holdout_33": {"holdout_fraction": 1 / 3},
              "holdout_10": {"holdout_fraction": 0.1}, "cv3": {"cv_folds": 3}, "cv5": {"cv_folds": 5},
              "cv10": {"cv_folds": 10}}
MAIN, OTHER = 64, 32  # widths: the estimators are compared on MAIN; OTHER is the rival configuration
SPREAD = "stratified 10-fold estimates spread less than hold-out's at equal training size (90% of the pool)"
BIAS = "small k is pessimistically biased: 3-fold underestimates the full-pool model's test accuracy"
RESUB = "resubstitution (accuracy on the training pool itself) is optimistically biased"
SELECT = "10-fold picks the width that is best on the test split more often than hold-out"

STUDY = Study(
    name="cross_validation",
    claim="Stratified 10-fold cross-validation estimates accuracy with less spread than a hold-out split of "
          "the same training size; 3-fold is pessimistically biased; resubstitution is optimistic; and "
          "10-fold selects the better configuration more often than hold-out.",
    clauses=(
        "stratified 10-fold estimates spread less than hold-out's at equal training size (90% of the pool)",
        "small k is pessimistically biased: 3-fold underestimates the full-pool model's test accuracy",
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
        "quick": {"dataset": "mnist_10k", "epochs": 15, "seeds": 10},
        "paper": {"dataset": "mnist", "train_size": 2000, "epochs": 30, "seeds": 30},
    },
    metrics=("estimate_accuracy", "true_accuracy", "estimate_bias", "estimate_abs_deviation",
             "picks_test_best_fraction", "test_accuracy"),
    derive=partial(estimation.derive, estimator="estimator", configuration="width", truth="resubstitution"),
    rules=(
        *(Rule("better", {"estimator": "holdout_10", "width": w}, {"estimator": "cv10", "width": w}, claim=SPREAD,
               metric="estimate_abs_deviation", says=f"width {w}: hold-out's |estimate - median| exceeds 10-fold's")
          for w in (MAIN, OTHER)),
        Rule("within", {"estimator": "cv3", "width": MAIN}, metric="estimate_bias", bounds=(None, 0.0), claim=BIAS,
             says="3-fold estimate minus the full-pool model's test accuracy is below 0"),
        Rule("within", {"estimator": "resubstitution", "width": MAIN}, metric="estimate_bias", bounds=(0.0, None),
             claim=RESUB, says="resubstitution estimate minus its own test accuracy is above 0"),
        Rule("better", {"estimator": "cv10", "width": MAIN}, {"estimator": "holdout_10", "width": MAIN},
             metric="picks_test_best_fraction", claim=SELECT,
             says="10-fold picks the test-best width in more resamplings than hold-out (10%)"),
    ),
    figures=(
        Figure("bias", "metric_vs", "estimate_bias", x="estimator", hue="width", guide=(0.0, "unbiased"),
               title="estimate minus the full-pool model's test accuracy (mean, 95% CI over resamplings)"),
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
           "accuracies). The truth is the test accuracy (2,000 untouched test digits) of the model trained on "
           "the whole pool with the same seed; bias is paired by seed. Folds of one seed are not independent "
           "(they share training data), so each seed's folds are averaged first and every interval and test "
           "is across the 10 seeds. Spread is compared by a Welch t-test on |estimate - median| (Brown-"
           "Forsythe). Kohavi ran C4.5 and naive Bayes on real-world data sets (over half a million runs, his "
           "abstract); we could read only the abstract, which states conclusions and no number that "
           "applies to this network, so no published number is shown."),
)
