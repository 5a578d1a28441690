"""Which initialization: symmetry, and keeping activations and gradients at one scale through depth."""
from suite.study import Figure, Rule, Study

NAMES = ("zeros", "constant", "small_normal", "large_normal", "glorot_uniform", "glorot_normal",
         "he_uniform", "he_normal", "lecun_uniform", "lecun_normal")
PRESERVED = (0.5, 2.0)  # last/first hidden layer's activation std within a factor of 2: scale kept


def at(init, activation):
    return {"initializer": init, "activation": activation}


STUDY = Study(
    name="initializers",
    claim="Zero initialization never breaks the symmetry between units; Glorot initialization suits "
          "tanh (and sigmoid), He initialization suits ReLU; too large an initialization explodes or "
          "saturates.",
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
        "quick": {"dataset": "mnist_10k", "epochs": 5, "seeds": 3},
        "paper": {"dataset": "mnist", "epochs": 10, "seeds": 3},
    },
    metrics=("test_accuracy", "activation_std_ratio", "backprop_std_ratio", "saturated_fraction_init",
             "dead_fraction"),
    rules=(
        *(Rule("within", at("zeros", act), bounds=(None, 0.2), claim="zeros never break symmetry",
               says=f"zeros, {act}: test accuracy stays near chance (<= 20%)") for act in ("tanh", "relu")),
        Rule("within", at("glorot_normal", "tanh"), metric="activation_std_ratio", bounds=PRESERVED,
             claim="Glorot suits tanh, He suits ReLU",
             says="glorot_normal, tanh: layer-5/layer-1 activation std within [0.5, 2] at initialization"),
        Rule("within", at("he_normal", "relu"), metric="activation_std_ratio", bounds=PRESERVED,
             claim="Glorot suits tanh, He suits ReLU",
             says="he_normal, relu: layer-5/layer-1 activation std within [0.5, 2] at initialization"),
        Rule("within", at("glorot_normal", "relu"), metric="activation_std_ratio", bounds=(None, 0.5),
             claim="Glorot suits tanh, He suits ReLU",
             says="glorot_normal, relu: activations shrink through depth (ratio < 0.5; He: x1/sqrt(2) per layer)"),
        Rule("within", at("large_normal", "relu"), metric="activation_std_ratio", bounds=(10.0, None),
             claim="too-large initialization explodes or saturates",
             says="large_normal (std 1), relu: activations grow > 10x from layer 1 to layer 5"),
        Rule("within", at("large_normal", "tanh"), metric="saturated_fraction_init", bounds=(0.5, None),
             claim="too-large initialization explodes or saturates",
             says="large_normal (std 1), tanh: over half the hidden units saturated (|a| > 0.99)"),
        Rule("better", at("glorot_normal", "tanh"), at("large_normal", "tanh"), margin=0.01,
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
          "activation_std_ratio = activation std of hidden layer 5 over layer 1; backprop_std_ratio = "
          "std of dC/dz (per example) at layer 1 over layer 5; saturated_fraction_init = share of tanh "
          "outputs with |a| > 0.99; all three at initialization. dead_fraction: relu units that output 0 "
          "on all 1,000 images after the last epoch. A run whose loss turns NaN is 'diverged' and its "
          "metrics are not averaged in.",
)
