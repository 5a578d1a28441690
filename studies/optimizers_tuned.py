"""Ten optimizers, each with its learning rate tuned on the dev split on the same budget, over seeds."""
from suite import Figure, Rule, Study

OPTIMIZERS = ["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "nadam", "adamax"]
ADAPTIVE = ["adagrad", "adadelta", "rmsprop", "adam", "adamw", "nadam", "adamax"]
DECK = "lecture deck 001, 'Rule of thumb': fine-tuned SGD can provide better results than adaptive methods"

STUDY = Study(
    name="optimizers_tuned",
    claim="With each optimizer's learning rate tuned on the same budget, no adaptive method beats SGD "
          "with momentum by more than half a point, and momentum beats plain SGD.",
    clauses=(
        "lecture deck 001, 'Rule of thumb': fine-tuned SGD can provide better results than adaptive methods",
        'momentum (0.9) beats plain SGD when both rates are tuned (Zeiler 2012, Table 1: 2.03% vs 2.26%)',
    ),
    source="Lecture deck 001, 'Adaptive learning rates' and 'Rule of thumb' (optimizers in Keras: "
           "Duchi 2011, Zeiler 2012, Tieleman & Hinton 2012, Kingma & Ba 2015, Loshchilov & Hutter 2019, "
           "Dozat 2016); tuning protocol: Google's deep learning tuning playbook (nuisance "
           "hyperparameters tuned per scientific value)",
    base={"model": "mlp", "depth": 2, "width": 100, "activation": "relu", "kernel_initializer": "he_normal",
          "batch_size": 50, "epochs": 4},
    axes={"optimizer": OPTIMIZERS},
    nuisance={"learning_rate": {"float": [1e-4, 10.0], "sampling": "log"}},
    nuisance_budget={"tuner": "bayesian", "max_trials": 8},
    profiles={
        "smoke": {"dataset": "synthetic", "width": 16, "epochs": 1, "seeds": 2,
                  "only": ({"optimizer": ["sgd", "adam"]},)},
        "quick": {"dataset": "mnist_10k", "seeds": (12, 24), "first_seed": 100},
        "paper": {"dataset": "mnist", "epochs": 10, "seeds": 5},
    },
    metrics=("test_accuracy", "best_dev_accuracy"),
    rules=(
        *(Rule("not_better", {"optimizer": o}, {"optimizer": "momentum"}, margin=0.005, claim=DECK,
               says=f"tuned {o} beats tuned momentum by less than 0.5 points") for o in ADAPTIVE),
        Rule("better", {"optimizer": "momentum"}, {"optimizer": "sgd"}, margin=0.0,
             claim="momentum (0.9) beats plain SGD when both rates are tuned (Zeiler 2012, Table 1: 2.03% vs 2.26%)",
             says="tuned momentum beats tuned SGD"),
    ),
    figures=(
        Figure("sensitivity", "nuisance_vs", "best_dev_accuracy", x="learning_rate", hue="optimizer",
               title="dev accuracy vs learning rate in each optimizer's search (star: chosen)"),
        Figure("test_accuracy", "metric_vs", "test_accuracy", x="optimizer",
               title="test accuracy at the tuned learning rate (mean, 95% CI, seeds)"),
        Figure("curves", "curves", "dev_accuracy", x="epoch", hue="optimizer",
               title="dev accuracy per epoch at the tuned learning rate"),
    ),
    notes="A short budget for a 2-core CPU: a 784-100-100-10 ReLU MLP, batch 50, 4 epochs on 7,000 "
          "mnist_10k digits. Each optimizer's learning rate is searched on a log scale in [1e-4, 10] by "
          "keras-tuner's Bayesian oracle, 8 trials on a tuning seed (not one of the reported seeds) scored by best dev accuracy, then the chosen "
          "rate is run on every seed; every other option is Keras's default (momentum and Nesterov: "
          "0.9). The margin of half a point is ours: the deck gives no number. The best-dev epoch's "
          "weights are tested."
          " This page is a replication declared before its data (issue 30): the pilot, 12 seeds per point (seeds 0-11, trials of clean commit 271f804; declared as 6 then 12, but a fault since fixed ran all 12 as one look), left both clauses inconclusive; the plan here, 12 then 24 seeds per point on fresh seeds 100-123 that the pilot never used, was committed before any of its trials ran, and the pilot's trials are not pooled with it (its page is in git history, e.g. commit 9eb4f6d).",
)
