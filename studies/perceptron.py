"""Rosenblatt's perceptron: AND and OR yes, XOR no, Novikoff's bound (checks: theorems); backprop with 2 hidden
units learns XOR in most seeds, mistakes grow as the margin shrinks (verdicts)."""
from suite import Check, Figure, Rule, Study

LOGIC = {f"perceptron_{name.upper()}": {"dataset": f"logic_{name}"} for name in ("and", "or", "xor")}
# a 2-2-2 network (2 hidden sigmoid units, softmax output: one logistic unit's decision) trained by backprop
BACKPROP = {"backprop_XOR": {"dataset": "logic_xor", "loss": "cross_entropy", "depth": 1, "width": 2,
                             "kernel_initializer": "glorot_uniform", "learning_rate": 0.5, "epochs": 25}}
MARGINS = (0.2, 0.1, 0.05, 0.02)
SEPARABLE = {f"margin_{m:g}": {"dataset": "separable", "separable_margin": m, "epochs": 200,
                               "stop_at_train_accuracy": 1.0} for m in MARGINS}
XOR = "a network with one hidden layer of 2 units trained by backpropagation learns XOR in most seeds"
TREND = "the perceptron makes more mistakes as the margin shrinks"
# The quick profile's pilot (seeds 0-29, one look, clean commit 2915941) left the XOR clause open: 0.6 of its seeds
# learned XOR, 95% interval [0.41, 0.77], and its power note asked for about 200 seeds per point.
REPLICATION = ("This page is a replication declared before its data (issue 30): the pilot, 30 seeds per point "
               "(seeds 0-29, trials of clean commit 2915941), left the XOR clause inconclusive (0.6 of the seeds "
               "learned XOR, 95% interval [0.41, 0.77]; its power note: about 197 seeds per point). The plan here, "
               "100 then 200 seeds per point on fresh seeds 100-299 that the pilot never used, sized by that note, "
               "was committed before any of its trials ran, and the pilot's trials are not pooled with it (its page "
               "is in git history, e.g. commit 6d5abc6).")

STUDY = Study(
    name="perceptron",
    claim="A network with 2 hidden units trained by backpropagation learns XOR in most seeds; on linearly separable "
          "data the perceptron makes more mistakes as the margin shrinks. (That Rosenblatt's rule learns AND and OR, "
          "never classifies more than 3 of XOR's 4 cases, and makes at most (R / gamma)^2 mistakes (Novikoff 1962) "
          "are theorems: checks of the implementation, not verdicts.)",
    clauses=(XOR, TREND),
    source="Lecture decks 000 ('Perceptron learning', 'what binary threshold neurons cannot do'), 002 "
           "('Perceptron for binary classification', 'Multi-layer perceptron') and 004; Rosenblatt 1958; "
           "Novikoff, 'On convergence proofs on perceptrons' (1962); Minsky & Papert, Perceptrons (1969)",
    base={"model": "mlp", "depth": 0, "loss": "perceptron", "activation": "sigmoid", "kernel_initializer": "zeros",
          "bias_initializer": "zeros", "optimizer": "sgd", "learning_rate": 1.0, "batch_size": 1, "epochs": 5,
          "keep_weights": "last"},
    axes={"setup": {**LOGIC, **BACKPROP, **SEPARABLE}},
    profiles={
        "smoke": {"seeds": 2, "epochs": 2, "only": ({"setup": ["perceptron_AND", "perceptron_XOR", "backprop_XOR",
                                                               "margin_0.2"]},)},
        "quick": {"seeds": (100, 200), "first_seed": 100},
        "paper": {"seeds": 100},
    },
    metrics=("test_accuracy", "best_dev_accuracy", "fitted_fraction", "train_mistakes", "mistake_bound",
             "mistakes_to_bound", "epochs_to_100"),
    rules=(
        Rule("within", {"setup": "backprop_XOR"}, metric="fitted_fraction", bounds=(0.5, None), runs="finished",
             claim=XOR, says="backprop 2-2-2, XOR: the fraction of seeds that classify all 4 cases is above 1/2"),
        # Novikoff's bound grows as 1 / gamma^2 but bounds the mistakes only from above: that the count itself
        # rises is empirical. rho > 0.3 as before (a moderate rank correlation, fixed before the data).
        Rule("increasing", {}, metric="train_mistakes", margin=0.3,
             along=("setup", [f"margin_{m:g}" for m in MARGINS]), claim=TREND,
             says="mistakes rise as the margin falls from 0.2 to 0.02"),
    ),
    checks=(
        *(Check(f"perceptron, {name}: all 4 cases right", {"setup": f"perceptron_{name}"}, "test_accuracy", (1.0, None),
                why=f"{name} is linearly separable, (R / gamma)^2 = {bound} with the bias input (Novikoff 1962): "
                    f"at most {bound} mistakes, each a few updates after the last, long before the end of the "
                    f"first epoch's 400 updates")
          for name, bound in (("AND", 51), ("OR", 27))),
        Check("perceptron, XOR: never more than 3 of the 4 cases right", {"setup": "perceptron_XOR"},
              "best_dev_accuracy", (None, 0.75),
              why="no line separates XOR's classes (Minsky & Papert 1969): every weight vector errs on a case, at "
                  "every epoch"),
        Check("Novikoff: mistakes at most (R / gamma)^2", {"setup": [f"margin_{m:g}" for m in MARGINS]},
              "mistakes_to_bound", (None, 1.0),
              why="Novikoff (1962): from zero weights, any order of updates on data of radius R separable with "
                  "margin gamma makes at most (R / gamma)^2 mistakes"),
    ),
    figures=(
        Figure("mistakes_vs_bound", "metric_vs", "mistakes_to_bound", x="separable_margin",
               where={"dataset": "separable"}, guide=(1.0, "Novikoff bound"),
               title="mistakes / (R / gamma)^2 against the margin (mean, 95% CI, seeds)"),
        Figure("mistakes", "metric_vs", "train_mistakes", x="separable_margin", where={"dataset": "separable"},
               title="perceptron mistakes until a mistake-free epoch, against the margin"),
        Figure("xor_curves", "curves", "dev_accuracy", x="epoch", hue="setup",
               where={"dataset": ["logic_and", "logic_or", "logic_xor"]},
               title="accuracy on the 4 cases per epoch (perceptron rule and backprop)"),
    ),
    notes="The perceptron is a Dense layer with 2 output units trained by SGD (rate 1, batch 1, zero initial "
          "weights) on suite.training.losses.perceptron_criterion, whose gradient is Rosenblatt's update: for 2 classes the "
          "decision is one threshold unit on the difference of the two units (class 1 iff z > 0, deck 002's "
          "convention), updated by 2x per mistake (from zero weights the same mistakes as rate 1). The logic sets "
          "are the 4 cases of the truth table, repeated 100 times per epoch in a seed-shuffled order (online "
          "updates), evaluated on the 4 cases; the last epoch's weights are kept. Separable sets: 100 training "
          "points in the unit disk, drawn from the trial seed, a random separating line through the origin, points "
          "closer than the margin rejected; R = max ||(x, 1)|| (the bias input included) and gamma = the smallest "
          "distance to that line, so (R / gamma)^2 bounds the mistakes of any order of updates; training stops at "
          "the first epoch without a mistake. Mistakes are counted from Keras's running training accuracy (each "
          "example's prediction before its own update). Backprop XOR: 2 sigmoid hidden units, softmax over 2 "
          "classes, Glorot-uniform weights, SGD rate 0.5, 25 epochs of 400 online updates; a seed learns XOR when "
          "its last weights classify all 4 cases (fitted_fraction), the others are stuck. The XOR rule is a "
          "t-test on the seed mean on the logit scale (an indicator's mean is the fraction of seeds), not a "
          "binomial test. Changes in this version (issue 31): that the perceptron rule learns AND and OR, cannot "
          "learn XOR and keeps within Novikoff's bound are theorems, so they are checks of the implementation (every "
          "seed must satisfy them), no longer clauses with verdicts; fitting every separable set within 200 epochs "
          "is neither a theorem (the bound allows more epochs) nor the claim, and is shown in the table only. "
          + REPLICATION,
)
