"""Gradient clipping (Pascanu et al. 2013; decks 003/004): a deep MLP from safe to too large rates."""
from suite import Figure, Rule, Study

RATES = [0.01, 0.03, 0.1, 0.5, 1.0]
SAFE, LARGE = (0.01, 0.03), (0.5, 1.0)
# Thresholds: Pascanu et al. advise about the average gradient norm; this net's global norm at a safe rate
# (0.03) is 4-6 in the first epochs, and 0.1 is about the 99.9th percentile of its gradients' elements there.
CLIPPING = {"none": {},
            "value_0.1": {"optimizer_options": {"clipvalue": 0.1}},
            "global_norm_5": {"optimizer_options": {"global_clipnorm": 5.0}},
            "global_norm_1": {"optimizer_options": {"global_clipnorm": 1.0}}}
CLIPPED = [name for name in CLIPPING if name != "none"]


def rescues(clip):
    return f"{clip}: at large rates clipping turns runs that diverge without it into runs that learn"


def cheap(clip):
    return f"{clip}: at safe rates clipping costs at most 1 point of test accuracy"


def at(clipping, rate):
    return {"clipping": clipping, "learning_rate": rate}


STUDY = Study(
    name="clipping",
    claim="Clipping the gradient (Keras clipvalue, or global_clipnorm as in Pascanu et al.) lets a deep MLP "
          "learn at learning rates where it diverges without clipping, and costs little at safe rates.",
    clauses=(
        'value_0.1: at large rates clipping turns runs that diverge without it into runs that learn',
        'global_norm_5: at large rates clipping turns runs that diverge without it into runs that learn',
        'global_norm_1: at large rates clipping turns runs that diverge without it into runs that learn',
        'value_0.1: at safe rates clipping costs at most 1 point of test accuracy',
        'global_norm_5: at safe rates clipping costs at most 1 point of test accuracy',
        'global_norm_1: at safe rates clipping costs at most 1 point of test accuracy',
    ),
    source="Pascanu, Mikolov & Bengio, 'On the difficulty of training recurrent neural networks', ICML 2013, "
           "(clipping the gradient's norm); lecture decks 003 ('Gradient Clipping': clip "
           "each element, or scale the norm) and 004 (clipping against exploding gradients, which may slow "
           "convergence)",
    base={"depth": 10, "width": 100, "activation": "relu", "kernel_initializer": "he_normal", "optimizer": "sgd",
          "batch_size": 32, "keep_weights": "last"},
    axes={"clipping": CLIPPING, "learning_rate": RATES},
    profiles={
        "smoke": {"dataset": "synthetic", "epochs": 2, "seeds": 2, "depth": 3, "width": 16,
                  "only": ({"learning_rate": [0.01, 1.0], "clipping": ["none", "global_norm_1"]},)},
        "quick": {"dataset": "mnist_10k", "epochs": 5, "seeds": (6, 12)},
        "paper": {"dataset": "mnist", "epochs": 20, "seeds": 5},
    },
    metrics=("test_accuracy", "learned_fraction", "train_accuracy"),
    rules=(
        *(Rule("better", at(clip, rate), at("none", rate), metric="learned_fraction", margin=0.5, runs="finished",
               claim=rescues(clip), says=f"rate {rate}: more seeds learn with {clip} than without (by > 1/2)")
          for clip in CLIPPED for rate in LARGE),
        *(Rule("not_better", at("none", rate), at(clip, rate), margin=0.01, claim=cheap(clip),
               says=f"rate {rate}: no clipping tests at most 1 point above {clip}")
          for clip in CLIPPED for rate in SAFE),
    ),
    figures=(
        Figure("learned_vs_rate", "metric_vs", "learned_fraction", x="learning_rate", hue="clipping",
               title="Share of seeds that learned (neither diverged nor collapsed)"),
        Figure("test_accuracy_vs_rate", "metric_vs", "test_accuracy", x="learning_rate", hue="clipping",
               title="Test accuracy of the runs that learned"),
        Figure("training_loss_large_rate", "curves", "loss", x="step", hue="clipping",
               where={"learning_rate": LARGE[-1]}, title=f"Training loss at rate {LARGE[-1]}"),
    ),
    notes="A deep plain MLP (10 hidden layers of 100 ReLU units, He-normal weights, plain SGD on batches of 32) "
          "trained at rates from 0.01 to 1.0 without clipping, with Keras's clipvalue (each gradient element "
          "to [-0.1, 0.1], deck 003's rule with our threshold) and with global_clipnorm (all gradients "
          "rescaled together to norm <= 5 or <= 1, as Pascanu et al. clip the norm). The thresholds 0.1 and 5 are "
          "ours, set from this net's gradients at a safe rate (its global gradient norm at rate 0.03 is 4-6 over "
          "its first epochs, and 0.1 is about the 99.9th percentile of its elements, measured before the study), "
          "so that they act on outliers only; 1 is a tight threshold that acts at almost every step. What "
          "differs: Pascanu et al. clip recurrent networks' gradients on sequence tasks; the decks state the "
          "technique for any deep network, and this study tests it on a feed-forward one; deck 003's example "
          "threshold, 5 per element, is one a digits MLP's gradients never reach. The quick profile trains 5 epochs of "
          "mnist_10k's 7,000 images, the paper profile 20 epochs of MNIST; the last weights are tested. A run "
          "'learned' when it neither diverged (a NaN or a training loss above 10x its initial loss) nor "
          "collapsed (training accuracy within 5 points of chance); learned_fraction is the share of seeds "
          "that learned. Pascanu et al. give no numbers for this setting: none are shown.",
)
