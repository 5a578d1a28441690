"""A keras-tuner search over the MLP's nuisance hyperparameters on the embedded MNIST digits."""
from suite import Study

STUDY = Study(
    name="mlp_search",
    claim="How far do tuned width, depth, learning rate and dropout take a plain ReLU MLP beyond the "
          "lecture's 784-30-10 sigmoid network on the same digits?",
    source="Search protocol: Li et al. 2018 (Hyperband) via keras-tuner; baseline: the `depth` study",
    base={"model": "mlp", "activation": "relu", "kernel_initializer": "he_normal",
          "optimizer": "momentum", "momentum": 0.9, "batch_size": 32},
    axes={},
    profiles={
        "smoke": {"dataset": "synthetic", "epochs": 3, "seeds": 2},
        "quick": {"dataset": "mnist_10k", "epochs": 27, "seeds": 3},
        "paper": {"dataset": "mnist", "epochs": 27, "seeds": 3},
    },
    metrics=("test_accuracy", "best_dev_accuracy"),
    # Steps keep the space finite so every tuner, grid included, can walk it.
    search={
        "depth": {"int": [1, 4]},
        # Widened from [16, 512] (issue 31): the first search's best width, 512, sat on the range's
        # upper bound. One octave further, to 1024: the widest a quick search affords on a 2-core CPU
        # (a deep net's cost per epoch grows with the square of its width). The search report says
        # whether the best value is on a boundary again (suite.analysis.search_bounds).
        "width": {"int": [16, 1024], "step": 2, "sampling": "log"},
        "learning_rate": {"float": [0.001, 0.3], "sampling": "log"},
        "dropout": {"float": [0.0, 0.5], "step": 0.1},
    },
)
