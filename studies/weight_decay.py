"""Loshchilov & Hutter (2019): Adam with L2 against AdamW (decoupled weight decay) over a
learning-rate x decay grid."""
from suite import Figure, Rule, Study

RATES = [1e-4, 1e-3, 1e-2]
DECAYS = [1e-5, 1e-4, 1e-3, 1e-2]
CLAIM = ("AdamW's good region is less coupled to the learning rate: across learning rates, the decay factor with "
         "the lowest test error moves less with decoupled weight decay (AdamW) than with L2 in Adam's gradient")

STUDY = Study(
    name="weight_decay",
    claim=CLAIM + ".",
    clauses=(
        "AdamW's good region is less coupled to the learning rate: across learning rates, the decay factor with the lowest test error moves less with decoupled weight decay (AdamW) than with L2 in Adam's gradient",
    ),
    source="Loshchilov & Hutter, 'Decoupled weight decay regularization', ICLR 2019 (arXiv 1711.05101v3), "
           "Figure 1 (test error over learning rate x weight decay, Adam vs AdamW) and Algorithm 2; lecture deck "
           "001 ('Weight decay is not equivalent to l2-norm when using adaptive learning rates')",
    base={"model": "mlp", "depth": 1, "width": 128, "activation": "relu", "kernel_initializer": "he_normal",
          "keep_weights": "last"},
    axes={"method": {"adam_l2": {"optimizer": "adam"},
                     "adamw": {"optimizer": "adamw", "decoupled_weight_decay": True}},
          "learning_rate": RATES, "weight_decay": DECAYS},
    profiles={
        "smoke": {"dataset": "synthetic", "epochs": 2, "batch_size": 50, "width": 32, "seeds": 2,
                  "only": ({"learning_rate": 1e-2, "weight_decay": [1e-4, 1e-2]},)},
        "quick": {"dataset": "mnist_10k", "train_size": 1000, "batch_size": 32, "epochs": 30, "seeds": (6, 12)},
        # the paper's data set and schedule length with the suite's small CNN (its ResNet is not in the suite)
        "paper": {"dataset": "cifar10", "model": "cnn", "conv_filters": [32, 64], "depth": 1, "batch_size": 128,
                  "epochs": 100, "lr_schedule": "cosine", "seeds": 5},
    },
    metrics=("test_accuracy", "train_accuracy", "generalization_gap"),
    rules=(Rule("optimum_spread", {"method": "adamw"}, {"method": "adam_l2"}, margin=0.0,
                along=("learning_rate", "weight_decay"), claim=CLAIM,
                says="the best weight decay moves less across learning rates with AdamW than with Adam + L2 "
                     "(std of its log10, in decades)"),),
    figures=(
        Figure("test_error_heatmap", "heatmap", "test_accuracy", x="learning_rate", y="weight_decay", hue="method",
               as_error=True, title="Test error (%), Adam + L2 vs AdamW (Figure 1's layout)"),
        Figure("test_error_vs_decay", "metric_vs", "test_accuracy", x="weight_decay", hue="learning_rate",
               as_error=True, where={"method": "adamw"}, title="AdamW: test error vs decay, one line per rate"),
        Figure("test_error_vs_l2", "metric_vs", "test_accuracy", x="weight_decay", hue="learning_rate",
               as_error=True, where={"method": "adam_l2"}, title="Adam + L2: test error vs L2 factor, one line per rate"),
    ),
    notes=("Both methods use the same factor lambda per step, as in the paper's Algorithm 2: Adam + L2 adds "
           "lambda * w to the gradient before Adam's moment estimates (the suite's weight_decay key, Keras L2 of "
           "lambda / 2 on every kernel); AdamW subtracts lambda * eta_t * w from the kernels after Adam's step "
           "(keras.optimizers.AdamW with weight_decay = lambda / learning_rate, since Keras multiplies its decay "
           "by the current rate; biases are not decayed, as the L2 penalty does not touch them), so lambda does "
           "not scale with the learning rate. Quick profile, scaled down for a 2-core CPU: a 784-128-10 ReLU "
           "MLP on 1,000 mnist_10k digits, batch 32, 30 epochs at a constant rate, last weights tested, 5 seeds, "
           "a 3 x 4 grid of rates and factors per method (the paper: ResNets on CIFAR-10 with finer grids and normalized "
           "weight decay). The rule finds, for each learning rate, the factor with the best mean test accuracy, "
           "and compares the spread of those factors (std of log10 across the rates) between the two methods, "
           "with a bootstrap over seeds; it needs 5 seeds per cell. The heatmap's cells are test error means; "
           "Figure 1 gives no numbers in a table, so no published numbers are shown. paper profile: CIFAR-10 "
           "with the suite's small CNN, 100 epochs of batch 128 with cosine annealing (not run here)."),
)
