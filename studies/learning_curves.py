"""Learning curves (deck 000 p.49, Hestness et al. 2017): test error against training-set size."""
import math
from functools import partial

from suite import Figure, Rule, Study
from suite.analysis import power_law

MODELS = {"linear": {"model": "mlp", "depth": 0},  # softmax regression
          "mlp": {"model": "mlp", "depth": 1, "width": 100},
          "cnn": {"model": "cnn", "conv_filters": [8, 16], "conv_kernel": 5, "depth": 0}}
# A fixed budget of optimizer steps per size, decided before any run: 1,500 Adam steps of batch 32,
# so a small set is not under-trained (375 epochs of 100 digits) and a large one gets ~7 epochs; the
# dev split is read once, at the end (last weights: no early stopping on a dev set larger than n).
STEPS, BATCH = 1500, 32
SIZES = [100, 300, 1000, 3000, 7000]


def budget(n):
    epochs = math.ceil(STEPS / math.ceil(n / BATCH))
    return {"train_size": n, "epochs": epochs, "validation_freq": epochs}


LARGE = [10_000, 30_000, 50_000]  # Fashion-MNIST (profile paper) only
AXIS = {**{str(n): budget(n) for n in SIZES + LARGE}, "smoke": {"train_size": 200, "epochs": 2, "validation_freq": 2},
        "smoke_small": {"train_size": 100, "epochs": 2, "validation_freq": 2}}
POWER = ("test error falls as a power law in n: for each model the fitted exponent is negative and the log-log "
         "line explains at least 90% of the variance of log error")
NARROWS = ("the gap between models narrows with more data: the MLP's and the CNN's |test-error difference| to the "
           "linear model is smaller at 7,000 digits than at 100")
SHRINKS = "the train-test gap shrinks as n grows, for every model"

STUDY = Study(
    name="learning_curves",
    claim="Test error falls as a power law in the training-set size n, the gap between models narrows with more "
          "data, and the train-test gap shrinks as n grows.",
    clauses=(POWER, NARROWS, SHRINKS),
    source="Lecture deck 000 p.49 (l.761-763: 'Importance of training set size: if a neural net has a LARGE number "
           "of free parameters, train it with a sufficiently large training set'), deck 004 (l.1320: learning "
           "curves); Hestness et al. 2017, 'Deep Learning Scaling is Predictable, Empirically' (arXiv 1712.00409: "
           "generalization error eps(m) = alpha m^beta_g in the power-law region)",
    base={"activation": "relu", "kernel_initializer": "he_normal", "optimizer": "adam", "learning_rate": 0.001,
          "batch_size": BATCH, "keep_weights": "last"},
    axes={"model": MODELS, "size": AXIS},
    only=({"size": [str(n) for n in SIZES]},),
    profiles={
        "smoke": {"dataset": "synthetic", "seeds": 2, "only": ({"model": ["linear", "cnn"], "size": ["smoke_small", "smoke"]},)},
        "quick": {"dataset": "mnist_10k", "seeds": (5, 10)},
        # Debian's Fashion-MNIST (50,000 training images), up to the whole split: not run here (files absent)
        "paper": {"dataset": "fashion_mnist", "seeds": 3, "only": ({"size": [str(n) for n in SIZES + LARGE]},)},
    },
    metrics=("test_error", "train_error", "generalization_gap", "power_law_exponent", "power_law_r2",
             "abs_error_gap_to_linear"),
    derive=partial(power_law.derive, model="model", size="train_size", baseline="linear"),
    rules=(
        *(Rule("within", {"model": m, "size": "7000"}, metric="power_law_exponent", bounds=(None, 0.0), claim=POWER,
               says=f"{m}: the exponent fitted per seed over the five sizes is below 0") for m in MODELS),
        *(Rule("within", {"model": m, "size": "7000"}, metric="power_law_r2", bounds=(0.9, None), claim=POWER,
               says=f"{m}: R^2 of the log-log fit per seed >= 0.9") for m in MODELS),
        *(Rule("better", {"model": m, "size": "100"}, {"model": m, "size": "7000"}, metric="abs_error_gap_to_linear",
               margin=0.0, claim=NARROWS, says=f"{m} vs linear: |error difference| larger at n = 100 than at 7,000")
          for m in ("mlp", "cnn")),
        *(Rule("increasing", {"model": m}, metric="generalization_gap", margin=0.5,
               along=("size", [str(n) for n in SIZES[::-1]]), claim=SHRINKS,
               says=f"{m}: train minus test accuracy falls as n grows (rank correlation)") for m in MODELS),
    ),
    figures=(
        Figure("learning_curves", "power_law", "test_error", x="train_size", hue="model",
               title="test error vs training-set size (log-log; dashed: fitted power law over all seeds)"),
        Figure("generalization_gap", "metric_vs", "generalization_gap", x="train_size", hue="model",
               title="train minus test accuracy vs training-set size"),
        Figure("gap_to_linear", "metric_vs", "abs_error_gap_to_linear", x="train_size", hue="model",
               title="|test error - linear model's test error| vs training-set size"),
    ),
    notes=f"Training sets of {', '.join(f'{n:,}' for n in SIZES)} mnist_10k digits, each a stratified scikit-learn "
          "subset of the 7,000-digit training split with a fixed seed (suite.data.datasets.subsample: the same "
          "subset for every model and seed; 7,000 is the whole split); dev (1,000) and test (2,000) stay whole. "
          f"Models: softmax regression (784-10), a 784-100-10 ReLU MLP, and a CNN (5x5 convolutions of 8 and 16 "
          "filters, each with ReLU and 3x3/2 max-pooling, then the 10 logits: 11,274 parameters). Every model and "
          f"size gets the same budget, fixed a priori: about {STEPS:,} Adam steps (rate 1e-3, batch {BATCH}; epochs = "
          f"ceil({STEPS} / steps per epoch), so 375 epochs of 100 digits and 7 of 7,000), no regularization, last "
          "weights tested. The power law is fitted per model and seed by least squares of log test error on log n "
          "(suite.analysis.power_law.fit); the rules read the per-seed exponents and R^2 (3 seeds: a t-interval), "
          "the figure shows the fit over all seeds with its own interval. Hestness et al. 2017 measure exponents on "
          "far larger sets (ImageNet, language, speech) in the power-law region, after tuning each model per size; "
          "their paper's per-domain exponents could not be read through the search tools here (a summary by A. "
          "Colyer, 'the morning paper', 2018-03-28, gives -0.07 to -0.35 across their domains), so no number is "
          "put beside ours as a reference. Fashion-MNIST (up to 50,000 images) is not run: Debian's files are not "
          "present on this machine.",
)
