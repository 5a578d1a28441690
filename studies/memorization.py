"""Zhang et al. (2017): networks with more parameters than examples fit random labels and inputs."""
from suite import Figure, Reference, Rule, Study

MODELS = {"mlp_1x512": {"model": "mlp", "depth": 1, "width": 512},
          "mlp_3x512": {"model": "mlp", "depth": 3, "width": 512},
          "cnn": {"model": "cnn", "conv_filters": [8, 16], "conv_kernel": 3, "depth": 2, "width": 256}}
REGULARIZERS = {"none": {}, "wd": {"weight_decay": 5e-4}, "crop": {"random_crop": 4},
                "crop_wd": {"random_crop": 4, "weight_decay": 5e-4}}
LEVELS = ("true", "corrupt_0.2", "corrupt_0.4", "corrupt_0.6", "corrupt_0.8", "random")
PIXELS = ("shuffled_pixels", "random_pixels", "gaussian")
DATA = {**{name: {"label_corruption": p} for name, p in zip(LEVELS, (0.0, 0.2, 0.4, 0.6, 0.8, 1.0))},
        **{name: {"input_transform": name} for name in PIXELS}}
TABLE_1 = ({"regularizer": ["none", "wd"], "data": "true"}, {"model": "cnn", "data": "true"},
           {"regularizer": "none", "data": "random"})
# Figure 1 on the quick budget: every label level for the MLP, four levels and the pixel tests for the CNN.
FIGURE_1 = ({"model": "mlp_1x512", "regularizer": "none", "data": list(LEVELS)},
            {"model": "cnn", "regularizer": "none", "data": ["corrupt_0.4", "corrupt_0.8", *PIXELS]})
ZHANG = {("mlp_1x512", "none", "true"): (1.0, .5051), ("mlp_1x512", "wd", "true"): (.998, .5039),
         ("mlp_1x512", "none", "random"): (.9934, .1061), ("mlp_3x512", "none", "true"): (1.0, .5239),
         ("mlp_3x512", "wd", "true"): (1.0, .5335), ("mlp_3x512", "none", "random"): (1.0, .1048),
         ("cnn", "none", "true"): (1.0, .7607), ("cnn", "wd", "true"): (1.0, .7736),
         ("cnn", "crop", "true"): (.9982, .7966), ("cnn", "crop_wd", "true"): (.999, .8122),
         ("cnn", "none", "random"): (.9982, .0986)}
CITATION = ("Zhang et al. 2017, Table 1 (CIFAR-10, 50k training images; lecture decks 001/002), random-label rows "
            "only: fitting random labels and chance-level test accuracy do not depend on the data set, while "
            "true-label accuracies on CIFAR-10 say nothing about MNIST's; the cnn rows show the paper's small "
            "AlexNet (its Inception, random labels: 100.0 / 9.78)")
COMPARABLE = {key: value for key, value in ZHANG.items() if key[2] == "random"}
FULL = {"batch_size": 128, "epochs": 120, "lr_schedule_options": {"decay_rate": 0.95}, "seeds": 3,
        "only": (*TABLE_1, {"regularizer": "none"})}  # every data condition for every model


# Margins from Zhang's own effect sizes (Table 1, CIFAR-10 test accuracy, the ZHANG rows above), fixed before
# the rerun of issue 31. STEP: the smallest step between two architectures that Table 1 ranks, MLP 3x512 vs
# 1x512 without regularization, 52.39 - 50.51 = 1.88 points; a step of our ranking counts when it is larger.
# REG_EFFECT: the largest change of test accuracy by an explicit regularizer in Table 1, small AlexNet with
# random crop + weight decay vs neither, 81.22 - 76.07 = 5.15 points (weight decay alone moves it 1.29, and
# the MLPs' by -0.12 and +0.96); a regularizer that moves ours by more does more than the paper says it does.
STEP = round(ZHANG[("mlp_3x512", "none", "true")][1] - ZHANG[("mlp_1x512", "none", "true")][1], 4)
REG_EFFECT = round(ZHANG[("cnn", "crop_wd", "true")][1] - ZHANG[("cnn", "none", "true")][1], 4)
RANK = ("on true labels the models rank as in Zhang's Table 1 (1x512 < 3x512 < small AlexNet), each step larger "
        "than Table 1's smallest (1.88 points)")
REGULARIZE = ("regularizers change test accuracy by at most Table 1's largest regularizer effect (5.15 points: "
              "small AlexNet, random crop + weight decay)")


def plain(model, data="true"):
    return {"model": model, "regularizer": "none", "data": data}


# The quick profile's pilot (seeds 0-4, 5 per point, clean commit 87b1e17) could not decide a pairwise rule
# at 5 seeds whatever the data (see the notes); its replication runs fresh seeds in a declared sequential plan.
REPLICATION = ("This page is a replication declared before its data (issue 30): the pilot, 5 seeds per point "
               "(seeds 0-4, trials of clean commit 87b1e17), left all four clauses inconclusive for that reason; the "
               "plan here, 8 then 16 seeds per point on fresh seeds 100-115 that the pilot never used, was committed "
               "before any of its trials ran, and the pilot's trials are not pooled with it (its page is in git "
               "history, e.g. commit 9eb4f6d).")

STUDY = Study(
    name="memorization",
    claim="Networks with more parameters than training examples fit random labels perfectly while "
          "test accuracy falls to chance; fitting slows as label corruption grows; on true labels the "
          "models rank as in Zhang's Table 1, by steps as large as its smallest; explicit regularizers change "
          "test accuracy by no more than Table 1's largest regularizer effect.",
    clauses=(
        'random labels are fitted (train accuracy >= 99%) while test accuracy is chance (10 ± 2%)',
        'time to fit grows with the label corruption level',
        RANK,
        REGULARIZE,
    ),
    source="Zhang, Bengio, Hardt, Recht, Vinyals, 'Understanding deep learning requires rethinking "
           "generalization', ICLR 2017, Table 1 and Figure 1 (lecture decks 001 and 002, 'Learning "
           "with random inputs and labels')",
    # nothing here reads the dev split per epoch (last weights, train-accuracy stop, test metrics):
    # it is evaluated every 10 epochs and after the last one only
    base={"activation": "relu", "optimizer": "sgd", "learning_rate": 0.01, "momentum": 0.9,
          "lr_schedule": "exponential", "keep_weights": "last", "stop_at_train_accuracy": 1.0, "validation_freq": 10},
    axes={"model": MODELS, "regularizer": REGULARIZERS, "data": DATA},
    only=(*TABLE_1, *FIGURE_1),
    profiles={
        "smoke": {"dataset": "synthetic", "epochs": 3, "batch_size": 50, "seeds": 2,
                  "only": ({"model": "mlp_1x512", "regularizer": "none", "data": ["true", "random"]},
                           {"model": "cnn", "regularizer": "none", "data": ["true", "random_pixels"]},
                           {"model": "cnn", "regularizer": "crop_wd", "data": "true"})},
        # Zhang's 0.95 decay per CIFAR-10 epoch of 390 steps, kept per step on 32-step epochs.
        "quick": {"dataset": "mnist_10k", "train_size": 1000, "batch_size": 32, "epochs": 100,
                  "lr_schedule_options": {"decay_rate": 0.95, "decay_steps": 390}, "seeds": (8, 16),
                  "first_seed": 100},
        "paper": {"dataset": "cifar10", **FULL},
        "fashion": {"dataset": "fashion_mnist", **FULL},
    },
    metrics=("train_accuracy", "test_accuracy", "epochs_to_100"),
    references=(Reference(CITATION, "train_accuracy", {k: v[0] for k, v in COMPARABLE.items()}),
                Reference(CITATION, "test_accuracy", {k: v[1] for k, v in COMPARABLE.items()})),
    rules=(
        *(Rule("within", plain(m, "random"), metric=metric, bounds=bounds, says=f"{m}, random labels: {text}",
               claim="random labels are fitted (train accuracy >= 99%) while test accuracy is chance (10 ± 2%)")
          for m in MODELS for metric, bounds, text in (("train_accuracy", (0.99, None), "train accuracy >= 99%"),
                                                       ("test_accuracy", (0.08, 0.12), "test accuracy 8-12%"))),
        *(Rule("increasing", {"model": m, "regularizer": "none"}, metric="epochs_to_100", margin=0.5, runs="finished",
               along=("data", LEVELS), claim="time to fit grows with the label corruption level",
               says=f"{m}: epochs to 100% train accuracy rise with the corruption level") for m in MODELS),
        *(Rule("better", plain(upper), plain(lower), margin=STEP, claim=RANK,
               says=f"true labels, no regularizer: {upper} beats {lower} by more than {100 * STEP:.2f} points")
          for lower, upper in (("mlp_1x512", "mlp_3x512"), ("mlp_3x512", "cnn"))),
        *(Rule("equivalent", {"model": m, "regularizer": r, "data": "true"}, plain(m), margin=REG_EFFECT,
               says=f"{m}: {r} vs none, true labels, within ±{100 * REG_EFFECT:.2f} points", claim=REGULARIZE)
          for m in MODELS for r in REGULARIZERS if r != "none" and (m == "cnn" or r == "wd")),
    ),
    figures=(
        Figure("learning_curves", "curves", "loss", x="step", hue="data", where={"model": "cnn", "regularizer": "none"},
               title="Fig. 1a: cnn training loss by data condition"),
        Figure("convergence_slowdown", "ratio_vs", "epochs_to_100", x="label_corruption", hue="model",
               where={"regularizer": "none", "input_transform": "none"}, baseline=0.0,
               title="Fig. 1b: epochs to 100% train accuracy, relative to true labels"),
        Figure("test_error_vs_corruption", "metric_vs", "test_accuracy", x="label_corruption", hue="model",
               where={"regularizer": "none", "input_transform": "none"}, as_error=True,
               guide=(0.9, "chance"), title="Fig. 1c: test error vs label corruption"),
    ),
    notes=("Quick profile, scaled down for a 2-core CPU: 1,000 mnist_10k training images (Zhang: 50,000 "
           "CIFAR-10), batch 32 (128), at most 100 epochs, 8 then 16 seeds, no CNN at corruption 0.2 and 0.6; "
           "the cnn is a small AlexNet-like net (3x3 convs of 8 and 16 filters with 3x3/2 max-pooling, "
           "dense 256-256; Zhang's has 1.4M parameters). SGD, momentum 0.9, rate 0.01 as in the paper, "
           "its x0.95 per CIFAR-10 epoch applied every 390 steps so that short epochs do not decay it "
           "faster. Weight decay adds 5e-4 w to the gradient (the decks do not give Zhang's value); "
           "crop pads 4 pixels and crops back at random. Training stops at the first epoch whose "
           "running train accuracy is 100% (with crop, on augmented batches, it rarely is: n/a); "
           "train accuracy is the last weights on the whole (corrupted) training set; the dev split, which "
           "nothing here reads, is evaluated every 10 epochs and after the last. paper and "
           "fashion use the full training split, batch 128 and the per-epoch decay, same networks. "
           "Published numbers are shown only on the random-label rows: Zhang's true-label accuracies are "
           "CIFAR-10's and are not comparable with digits; what carries over is the ranking (of the models on "
           "true labels, of the label-corruption levels in time to fit), which the rules judge. epochs_to_100 averages the seeds that reached 100% train accuracy "
           "and the cell says how many never did within the budget; the time-to-fit rule ranks a seed "
           "that never got there above every one that did. The margins are Zhang's own effect sizes on Table 1's "
           "CIFAR-10 test accuracies (issue 31; before, a Spearman rank test whose cnn step carried the MLPs' "
           "0.22-point one, and 1/10 of an 80-point gap, 8 points): each model step must exceed Table 1's smallest "
           "architecture step (MLP 3x512 vs 1x512, 52.39 vs 50.51: 1.88 points) and each regularizer must move "
           "test accuracy by less than Table 1's largest regularizer effect (small AlexNet, crop + weight decay "
           "vs neither, 81.22 vs 76.07: 5.15 points). Points on digits are not points on CIFAR-10: our 1,000-digit "
           "MLPs test near 90%, closer to their ceiling than Zhang's near 50%, which makes a step of 1.88 points "
           "harder to show here; the margins are the paper's and stay as they are. Zhang's Table 2 (ImageNet) "
           "could not be read here and is not used. With 5 seeds a side the engine's exact permutation test "
           "(issue 30) cannot give a one-sided p below 1/252 = 0.004, which Holm's correction over the 15 rules lifts above "
           "0.025: the pairwise rules (the ranking steps, the regularizer effects) stay inconclusive at this seed count "
           "whatever the data; from 8 seeds a side the engine uses Welch's t-test. "
           + REPLICATION),
)
