"""Batch size (Shallue et al. 2019 protocol): steps to a target, wall time per epoch, generalization."""
from suite import Figure, Reference, Rule, Study

# epochs per batch size: about the same steps for the large batches, a few epochs for the small
EPOCHS = {8: 4, 16: 5, 32: 8, 64: 12, 128: 25, 256: 40, 512: 60, 1024: 100, 2048: 150}
BATCHES = {str(size): {"batch_size": size, "epochs": epochs} for size, epochs in EPOCHS.items()}
QUICK = ["8", "32", "128", "512", "2048"]
SCALING = "larger batches reach the target dev accuracy in fewer steps, with diminishing returns"
# Keskar et al. 2017, Table 2, network F1 (fully connected, MNIST): mean over 5 runs, SB = batch 256, LB = 10% of
# the training set; set beside our small (32) and large (2048) batch of the generalization rule.
KESKAR_F1 = {"train_accuracy": {"32": 0.9966, "2048": 0.9992}, "test_accuracy": {"32": 0.9803, "2048": 0.9781}}
KESKAR = ("Keskar et al. 2017, Table 2, network F1 (fully connected, MNIST, ADAM, mean of 5 runs; read in two "
          "transcriptions of the arXiv text, 1609.04836): small batch (SB, 256) 99.66% train / 98.03% test, large "
          "batch (LB, 10% of the training set: 6,000) 99.92% / 97.81%, shown beside our batch 32 (SB) and 2048 "
          "(LB) for the direction, not the level (theirs trained on 60,000 images until the loss stopped improving)")

STUDY = Study(
    name="batch_size",
    claim="With the learning rate tuned for each batch size, larger batches need fewer steps to a target dev "
          "accuracy (perfect scaling at first, then diminishing returns: more examples per step for the same "
          "progress), take less wall time per epoch, and small batches generalize better (Keskar et al. 2017).",
    clauses=(
        'larger batches reach the target dev accuracy in fewer steps, with diminishing returns',
        'larger batches take less wall time per epoch',
        'small batches generalize better than large ones (Keskar et al. 2017)',
    ),
    source="Lecture deck 004, 'Batch Size' (speed, generalization, stability) and deck 003 (mini-batches); "
           "Shallue et al., 'Measuring the effects of data parallelism on neural network training', JMLR 2019 "
           "(steps to result with tuned learning rate per batch size); Keskar et al., 'On large-batch training "
           "for deep learning: generalization gap and sharp minima', ICLR 2017, Table 2 (SB vs LB, network F1 "
           "on MNIST)",
    base={"model": "mlp", "depth": 1, "width": 16, "activation": "relu", "kernel_initializer": "he_normal",
          "optimizer": "sgd", "train_size": 2048, "target_dev_accuracy": 0.85,
          # each trial trains on its own (issue 31): in a population a point's seeds train together and
          # every seed logs the population's epoch time split evenly, one number for all its seeds
          "train_alone": True},
    axes={"batch": BATCHES},
    only=({"batch": QUICK},),
    nuisance={"learning_rate": {"choice": [0.03, 0.1, 0.3, 1.0, 3.0]}},
    nuisance_budget={"tuner": "grid", "max_trials": 5, "objective": "steps_to_target_dev:min"},
    profiles={
        "smoke": {"dataset": "synthetic", "train_size": 0, "target_dev_accuracy": 0.5, "seeds": 2,
                  "only": ({"batch": ["8", "32"]},)},
        "quick": {"dataset": "mnist_10k", "seeds": (6, 12)},
        "paper": {"dataset": "mnist", "train_size": 0, "target_dev_accuracy": 0.95, "width": 100, "seeds": 5,
                  "only": ({"batch": list(BATCHES)},)},
    },
    metrics=("steps_to_target_dev", "epochs_to_target_dev", "epoch_wall_time_s", "test_accuracy",
             "train_accuracy"),
    units={"epoch_wall_time_s": "s", "steps_to_target_dev": "steps", "epochs_to_target_dev": "epochs"},
    references=tuple(Reference(KESKAR, metric, values) for metric, values in KESKAR_F1.items()),
    rules=(
        Rule("increasing", {}, metric="steps_to_target_dev", margin=0.5, along=("batch", QUICK[::-1]), claim=SCALING,
             says="steps to the target fall as the batch grows (a target never reached counts as the most steps)"),
        Rule("increasing", {}, metric="epochs_to_target_dev", margin=0.5, along=("batch", QUICK[2:]), claim=SCALING,
             says="diminishing returns: from batch 128 up, epochs (examples / training size) to the target rise"),
        Rule("increasing", {}, metric="epoch_wall_time_s", margin=0.5, along=("batch", QUICK[::-1]),
             claim="larger batches take less wall time per epoch",
             says="the median epoch time falls as the batch grows"),
        Rule("better", {"batch": "32"}, {"batch": "2048"}, metric="test_accuracy", margin=0.0,
             claim="small batches generalize better than large ones (Keskar et al. 2017)",
             says="batch 32 tests above batch 2048 (each at its tuned rate)"),
    ),
    figures=(
        Figure("steps_to_target", "loglog", "steps_to_target_dev", x="batch_size", baseline=-1, log_y=True,
               title="steps to the target dev accuracy vs batch size (log-log; dashed: perfect scaling)"),
        Figure("epoch_time", "loglog", "epoch_wall_time_s", x="batch_size", log_y=True,
               title="median wall time per epoch vs batch size (this machine, under load)"),
        Figure("test_accuracy", "loglog", "test_accuracy", x="batch_size", log_y=False,
               title="test accuracy vs batch size, each at its tuned learning rate"),
        Figure("learning_rate", "nuisance_vs", "steps_to_target_dev", x="learning_rate", hue="batch",
               title="steps to the target vs learning rate in each batch size's search (star: chosen)"),
    ),
    notes="Scaled down for a 2-core CPU: a 784-16-10 ReLU MLP, plain SGD (no momentum, so the learning rate is "
          "the only nuisance hyperparameter), 2,048 stratified mnist_10k training digits (batch 2048 is full-batch "
          "gradient descent), target 85% dev accuracy. For each batch size keras-tuner's grid tries the rates "
          "0.03, 0.1, 0.3, 1 and 3 on the search seed and keeps the one with the fewest steps to the target (the "
          "best dev accuracy breaks ties and decides when no rate reaches it), as Shallue et al. tune for steps to "
          "result (they also tune momentum, over far more trials). Steps to the target are counted to the end of "
          "the first epoch whose dev accuracy reaches it, so their resolution is one epoch (256 steps at batch 8, "
          "1 at batch 2048): for small batches they are upper bounds. Epoch budgets grow with the batch (4 epochs "
          "at batch 8 to 150 at 2048); test accuracy is measured with the best-dev weights at that budget, not at "
          "convergence as in Keskar et al., so a large batch that is still improving tests lower for lack of "
          "steps too. Epoch wall time is the median over epochs 2 onwards, dev evaluation included, on a "
          "machine shared with other jobs; every trial trains on its own (train_alone, issue 31), so each "
          "seed's epoch time is its own measurement: the suite's population training, which trains a point's "
          "seeds (and a search's rates) as one vmapped program, logs the population's epoch time divided by "
          "its size, the same number for every seed of a population (so the earlier page had one measurement "
          "per population, not per seed), and it spreads the per-step overhead that small batches pay over "
          "the members. Shallue et al. count steps, not time; the wall-time clause is deck 004's ('Batch Size', l.1798: 'Larger batch sizes can result in faster training times'). Keskar et al.'s Table 2 (their F1 network on MNIST, ADAM, no budget: "
          "trained until the loss stopped improving) sits beside our batch 32 and 2048: their batches are 256 and "
          "6,000 of 60,000 images (ours 32 and 2,048 of 2,048: full batch), plain SGD with a tuned rate here.",
)
