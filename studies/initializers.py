"""Which initialization: symmetry, and keeping activations and gradients at one scale through depth."""
from suite import Figure, Rule, Study

NAMES = ("zeros", "constant", "small_normal", "large_normal", "glorot_uniform", "glorot_normal",
         "he_uniform", "he_normal", "lecun_uniform", "lecun_normal")
# The deck's pairing and the alternatives it is tested against. LeCun is left out: with 100 -> 100
# layers fan_in = fan_out, so LeCun and Glorot draw from the same distribution (deck 004: LeCun is
# the special case of Glorot with fan_in = fan_out) and past layer 1 cannot differ.
MATCH = (("tanh", "glorot_normal", ("he_normal", "small_normal", "large_normal")),
         ("relu", "he_normal", ("glorot_normal", "small_normal", "large_normal")))
KEEPS = ("of the alternatives, the matching initialization (Glorot for tanh, He for ReLU) keeps the "
         "activation scale across layers closest to constant at initialization")
FASTER = "the matching initialization trains faster than each alternative"


def at(init, activation):
    return {"initializer": init, "activation": activation}


STUDY = Study(
    name="initializers",
    claim="Zero initialization never breaks the symmetry between units; Glorot initialization suits "
          "tanh, He initialization suits ReLU (each keeps the activation scale across layers closer to "
          "constant, and trains faster, than the alternatives); too large an initialization explodes or "
          "saturates.",
    clauses=(
        'zeros never break symmetry',
        'of the alternatives, the matching initialization (Glorot for tanh, He for ReLU) keeps the activation scale across layers closest to constant at initialization',
        'the matching initialization trains faster than each alternative',
        'too-large initialization explodes or saturates',
    ),
    source="Glorot & Bengio 2010 (Xavier init, activation and back-propagated gradient spreads per "
           "layer), He et al. 2015; lecture deck 001 'Parameters initialization'",
    base={"model": "mlp", "depth": 5, "width": 100, "optimizer": "sgd", "learning_rate": 0.01,
          "momentum": 0.9, "batch_size": 32, "probe_examples": 1000},
    axes={"initializer": {name: {"kernel_initializer": name} for name in NAMES},
          "activation": ["tanh", "relu"]},
    profiles={
        "smoke": {"dataset": "synthetic", "epochs": 2, "batch_size": 50, "width": 16, "depth": 3,
                  "probe_examples": 100, "seeds": 2,
                  "only": ({"initializer": ["zeros", "glorot_normal", "large_normal"]},)},
        "quick": {"dataset": "mnist_10k", "epochs": 5, "seeds": (6, 12)},
        "paper": {"dataset": "mnist", "epochs": 10, "seeds": 3},
    },
    metrics=("test_accuracy", "mean_dev_accuracy", "activation_std_ratio", "activation_std_drift",
             "backprop_std_ratio", "saturated_fraction_init", "dead_fraction"),
    rules=(
        *(Rule("within", at("zeros", act), bounds=(None, 0.2), claim="zeros never break symmetry", runs="finished",
               says=f"zeros, {act}: test accuracy stays near chance (<= 20%)") for act in ("tanh", "relu")),
        *(Rule("better", at(other, act), at(best, act), metric="activation_std_drift", margin=0.0, claim=KEEPS,
               says=f"{act}: {other}'s activation scale drifts more over the 5 layers than {best}'s")
          for act, best, others in MATCH for other in others),
        *(Rule("better", at(best, act), at(other, act), metric="mean_dev_accuracy", margin=0.0, claim=FASTER,
               runs="finished",
               says=f"{act}: {best} learns faster than {other} (mean dev accuracy over the epochs)")
          for act, best, others in MATCH for other in others),
        Rule("within", at("large_normal", "relu"), metric="activation_std_ratio", bounds=(10.0, None),
             claim="too-large initialization explodes or saturates",
             says="large_normal (std 1), relu: activations grow > 10x from layer 1 to layer 5"),
        Rule("within", at("large_normal", "tanh"), metric="saturated_fraction_init", bounds=(0.5, None),
             claim="too-large initialization explodes or saturates",
             says="large_normal (std 1), tanh: over half the hidden units saturated (|a| > 0.99)"),
        Rule("better", at("glorot_normal", "tanh"), at("large_normal", "tanh"), margin=0.01, runs="finished",
             claim="too-large initialization explodes or saturates",
             says="tanh: glorot_normal tests more than 1 point above large_normal"),
    ),
    figures=(
        Figure("test_accuracy", "metric_vs", "test_accuracy", x="initializer", hue="activation",
               title="test accuracy by initializer (5 x 100 MLP)"),
        *(Figure(f"{stat}_{act}_{when}", "layers", stat, x="layer", hue="initializer", log_y=True,
                 where={"activation": act, "epoch": epoch,
                        "initializer": ["small_normal", "large_normal", "glorot_normal", "he_normal", "lecun_normal"]},
                 title=f"{act}: {label} per layer, {when.replace('_', ' ')}")
          for stat, label in (("activation_std", "activation std"), ("backprop_grad_std", "back-propagated gradient std"))
          for act in ("tanh", "relu") for when, epoch in (("at_init", 0), ("after_1_epoch", 1))),
    ),
    notes="5 hidden layers of 100 units, SGD with momentum 0.9, rate 0.01, batch 32, zero biases, the "
          "initializer on every kernel: zeros; constant 0.1; small_normal N(0, 0.01^2); large_normal "
          "N(0, 1); Glorot/He/LeCun as in Keras (uniform and normal). The layer probe runs on 1,000 "
          "training images before training and after every epoch (Glorot & Bengio's view): "
          "activation_std_ratio = activation std of hidden layer 5 over layer 1, activation_std_drift = "
          "|ln activation_std_ratio| (0 = scale kept; the claims rank initializations by it); backprop_std_ratio = "
          "std of dC/dz (per example) at layer 1 over layer 5; saturated_fraction_init = share of tanh "
          "outputs with |a| > 0.99; all three at initialization. dead_fraction: relu units that output 0 "
          "on all 1,000 images after the last epoch; mean_dev_accuracy (dev accuracy averaged over the 5 "
          "epochs) is how fast a run learns. Each claim compares the deck's pairing with every "
          "alternative at the same activation (the old bands could not tell He + tanh from Glorot + "
          "tanh); LeCun is not among the alternatives because with 100 -> 100 layers it draws from the "
          "same distribution as Glorot. Differences from the source: Glorot & Bengio probe much wider "
          "nets on other data; here 5 x 100 on digits, 5 epochs. A run whose loss turns NaN is "
          "'diverged' and its metrics are not averaged in.",
)
