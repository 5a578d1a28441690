"""Decks 000 p.22 and 004: a stack of linear layers is still linear; one nonlinear hidden layer is not."""
from suite import Figure, Rule, Study

WIDTH = 100  # every hidden layer, linear or ReLU
LINEAR_DEPTHS = (1, 3, 6)
NETWORKS = {"softmax_regression": {"depth": 0, "collapse_check": True},
            **{f"linear_{d}": {"depth": d, "activation": "linear", "collapse_check": True} for d in LINEAR_DEPTHS},
            "relu_1": {"depth": 1, "activation": "relu", "kernel_initializer": "he_normal"}}
LINEAR = [f"linear_{d}" for d in LINEAR_DEPTHS]
# Equivalence margin, fixed before any run: +-1 point of test accuracy, the margin the depth study uses for
# "about equal" and about 3x the seed-to-seed std of a softmax regression's test accuracy on these 3,000 digits
# (~0.3 points); the claim is one of function classes (exactly equal), so a larger gap would be the optimizer's.
SAME = 0.01
# The ReLU layer must win by more than 1 point: a difference the equivalence margin would call "the same" is no win.
BEATS = 0.01

EQUAL = f"1-, 3- and 6-layer linear networks (width {WIDTH}) reach softmax regression's test accuracy within +-1 point"
NONLINEAR = (f"one ReLU hidden layer of the same width beats softmax regression and every linear network by more "
             f"than 1 point of test accuracy")


def net(name):
    return {"network": name}


STUDY = Study(
    name="linear_depth",
    claim="A network of 1, 3 or 6 hidden layers with linear activations computes a linear map (the product of its "
          "weight matrices), so it reaches the same test accuracy as softmax regression, while one nonlinear (ReLU) "
          "hidden layer of the same width beats all of them.",
    clauses=(EQUAL, NONLINEAR),
    source="Lecture deck 000, 'Learning with hidden units' (p.22, lines 315-319: 'More layers of linear units do "
           "not help. Its still linear.'; 'We need multiple layers of adaptive, non-linear hidden units'); deck 004 "
           "line 499 (without activation functions a deep network is a linear function of its input, whatever its "
           "number of layers)",
    base={"model": "mlp", "width": WIDTH, "activation": "linear", "kernel_initializer": "glorot_uniform",
          "bias_initializer": "zeros", "optimizer": "adam", "learning_rate": 1e-3, "batch_size": 32},
    axes={"network": NETWORKS},
    profiles={
        "smoke": {"dataset": "synthetic", "epochs": 2, "seeds": 2, "width": 16,
                  "only": ({"network": ["softmax_regression", "linear_3", "relu_1"]},)},
        "quick": {"dataset": "mnist_10k", "epochs": 20, "seeds": (6, 12)},
        "paper": {"dataset": "mnist", "epochs": 20, "seeds": 5},
    },
    metrics=("test_accuracy", "train_accuracy", "best_dev_accuracy", "collapse_max_abs_diff",
             "collapse_relative_diff"),
    rules=(
        *(Rule("equivalent", net(name), net("softmax_regression"), margin=SAME, claim=EQUAL,
               says=f"{name}: test accuracy within +-1 point of softmax regression") for name in LINEAR),
        *(Rule("better", net("relu_1"), net(name), margin=BEATS, claim=NONLINEAR,
               says=f"one ReLU layer beats {name} by more than 1 point") for name in ["softmax_regression", *LINEAR]),
    ),
    figures=(
        Figure("test_accuracy", "metric_vs", "test_accuracy", x="network", as_error=True,
               title="test error per network (linear stacks vs softmax regression vs one ReLU layer)"),
        Figure("dev_curves", "curves", "dev_accuracy", x="epoch", hue="network",
               title="dev accuracy per epoch (mean over seeds)"),
    ),
    notes=f"Every network: Flatten -> [Dense({WIDTH}) -> activation] x depth -> Dense(10) logits, softmax "
          "cross-entropy, Adam (1e-3), batches of 32, 20 epochs on the 7,000 training digits of mnist_10k, the "
          "best-dev-accuracy epoch's weights tested on its 3,000 test digits; Glorot-uniform kernels for the "
          "linear stacks and softmax regression (depth 0), He-normal for the ReLU layer, zero biases. The check "
          "that a linear stack is one linear map (not a rule: it holds by algebra, up to float32 rounding) is the "
          "collapse_max_abs_diff column: max |logits - (x W_1 ... W_k + b)| over the test inputs, with W and b "
          "multiplied out in float64 from the trained weights (suite.training.collapse), and the same relative to "
          "the largest logit. What differs from the source: the decks state the fact without an experiment; the "
          "equivalence margin (+-1 point) and the 1-point win are ours, fixed before the runs; the budget and "
          "optimizer are the same for every network, so a deep linear stack that optimizes differently (its "
          "loss is not convex in the factors) may land elsewhere within its function class.",
)
