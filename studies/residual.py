"""He et al. (2016): the degradation problem, scaled down to MLPs on the embedded digits."""
from suite import Figure, Rule, Study

DEPTHS = [3, 5, 9, 17, 33]  # hidden layers: a plain first layer and 1, 2, 4, 8, 16 blocks of two
SHALLOW, DEEPEST = 5, 33
MODELS = {"plain": {"model": "mlp"}, "residual": {"model": "residual_mlp"}}
PLAIN = "plain networks' training error rises with depth beyond a point"
RESIDUAL = (f"residual networks' training error rises from {SHALLOW} to {DEEPEST} hidden layers by under 1/10 of the "
            "plain nets' rise (a relative test: a smaller rise still passes), and the deepest beats its plain twin")


def error_rise(trials):
    """Each trial's training error minus that of the same model's 5-hidden-layer trial of the same seed
    (= the 5-layer net's training accuracy minus this one's): how much training error depth adds, per seed."""
    if "train_accuracy" not in trials:  # every trial diverged or failed: nothing to pair
        return trials.assign(train_error_rise=float("nan"))
    base = trials[trials.depth == SHALLOW][["model", "seed", "train_accuracy"]]
    paired = trials.merge(base.rename(columns={"train_accuracy": "_base"}), on=["model", "seed"], how="left")
    paired["train_error_rise"] = (paired["_base"] - paired["train_accuracy"]).where(paired.depth != SHALLOW)
    return paired.drop(columns="_base")


def net(model, depth):
    return {"model": model, "depth": depth}


STUDY = Study(
    name="residual",
    claim="Deeper plain MLPs reach a higher training error than shallower ones (degradation); the training error of "
          "residual MLPs of the same width rises from 5 to 33 hidden layers by under a tenth of the plain nets' rise "
          "(a relative test: a smaller rise still passes), and the deepest residual net fits better than its plain "
          "twin.",
    clauses=(PLAIN, RESIDUAL),
    source="He, Zhang, Ren & Sun, 'Deep Residual Learning for Image Recognition', CVPR 2016: Figure 1 (plain "
           "nets of 20 and 56 layers on CIFAR-10), Figure 4 and Table 2 (plain vs residual nets of 18 and 34 "
           "layers on ImageNet); lecture decks 003 ('Residual Connection') and 004 ('skip connections')",
    base={"width": 64, "activation": "relu", "kernel_initializer": "he_normal", "normalization": "batch",
          "normalization_placement": "before", "block_layers": 2, "optimizer": "momentum", "learning_rate": 0.05,
          "batch_size": 64, "keep_weights": "last", "probe_examples": 500},
    axes={"model": MODELS, "depth": DEPTHS},
    profiles={
        "smoke": {"dataset": "synthetic", "epochs": 2, "seeds": 2, "probe_examples": 50, "width": 16,
                  "only": ({"depth": [3, 5]},)},
        "quick": {"dataset": "mnist_10k", "epochs": 10, "seeds": (6, 12)},
        "paper": {"dataset": "mnist", "epochs": 30, "seeds": 3},
    },
    metrics=("train_accuracy", "train_error_rise", "test_accuracy", "final_train_loss", "learned_fraction"),
    derive=error_rise,
    rules=(
        Rule("better", net("plain", SHALLOW), net("plain", DEEPEST), metric="train_accuracy", margin=0.01,
             runs="finished", claim=PLAIN,
             says=f"plain: {SHALLOW} hidden layers fit the training set better than {DEEPEST} (by > 1 point)"),
        Rule("increasing", {"model": "plain"}, metric="train_accuracy", margin=0.5, runs="finished",
             along=("depth", [d for d in reversed(DEPTHS) if d >= SHALLOW]), claim=PLAIN,
             says=f"plain: training accuracy falls steadily with depth from {SHALLOW} to {DEEPEST} hidden layers"),
        Rule("small_vs_gap", net("residual", SHALLOW), net("residual", DEEPEST), metric="train_accuracy", margin=0.1,
             gap=(net("plain", SHALLOW), net("plain", DEEPEST)), claim=RESIDUAL,
             says=f"residual: the training accuracy lost from {SHALLOW} to {DEEPEST} hidden layers is under 1/10 "
                  f"of what the plain net loses"),
        Rule("better", net("residual", DEEPEST), net("plain", DEEPEST), metric="train_accuracy", margin=0.01,
             runs="finished", claim=RESIDUAL,
             says=f"{DEEPEST} hidden layers: the residual net fits the training set better than the plain one"),
    ),
    figures=(
        Figure("training_error_vs_depth", "metric_vs", "train_accuracy", x="depth", hue="model", as_error=True,
               title="Training error vs depth (He et al. Fig. 1 / Table 2, as MLPs)"),
        Figure("test_error_vs_depth", "metric_vs", "test_accuracy", x="depth", hue="model", as_error=True,
               title="Test error vs depth"),
        Figure("training_curves", "curves", "loss", x="step", hue="model", where={"depth": DEEPEST},
               title=f"Training loss, {DEEPEST} hidden layers (He et al. Fig. 4 style)"),
        *(Figure(f"gradient_by_layer_{model}", "layers", "weight_grad_norm", x="layer", hue="depth",
                 where={"model": model, "epoch": 0}, log_y=True,
                 title=f"{model}: ||dC/dW|| per hidden layer at initialization") for model in MODELS),
        Figure("gradient_by_layer_deepest_trained", "layers", "weight_grad_norm", x="layer", hue="model",
               where={"depth": DEEPEST, "epoch": 1}, log_y=True,
               title=f"{DEEPEST} hidden layers: ||dC/dW|| per layer after the first epoch"),
    ),
    notes="He et al.'s degradation experiment as MLPs: plain nets are the mlp of 3, 5, 9, 17 and 33 hidden layers "
          "of 64 ReLU units; their residual twins (residual_mlp) add an identity shortcut around every two "
          "layers after the first (1 to 16 blocks), with no extra parameters, as the paper's Fig. 4 pairs. As in "
          "the paper: He-normal weights, batch normalization after each Dense layer and before the activation, "
          "the block's last activation after the addition, SGD with momentum 0.9. What differs: 7,000 "
          "mnist_10k training images (quick) or MNIST's 50,000 (paper) instead of ImageNet or CIFAR-10; "
          "fully connected layers instead of 3x3 convolutions; a constant rate of 0.05 on batches of 64 for 10 "
          "epochs (1,100 steps; paper profile: 30 epochs, 23,400 steps) instead of 0.1 divided by 10 on "
          "plateaus over 600,000 steps; no weight decay or augmentation. Training error is 1 - the training "
          "accuracy of the last weights on the whole training split; train_error_rise is a trial's training error "
          "minus that of the same model's 5-hidden-layer trial of the same seed (its mean is the absolute rise "
          "from 5 hidden layers, with its interval over seeds). What the residual clause tests is relative: the "
          "residual nets' rise from 5 to 33 hidden layers against a tenth of the plain nets' (our margin, in the "
          "study since it was written, before its first results: 'far less degradation' as an order of magnitude), "
          "so it can pass while their training error still rises; the train_error_rise column shows that rise with "
          "its interval. He et al. report more than that on ImageNet (sec. 4.1, Fig. 4 right): their 34-layer "
          "ResNet has a lower training error than the 18-layer one. No rule here claims that; the train_error_rise "
          "column shows whether our residual MLPs' training error rises or falls. Gradient norms are the layer "
          "probe's ||dC/dW|| per hidden layer on 500 training images (BN on their batch statistics), before training "
          "and after each epoch. For context only, He et al.'s Table 2 (ImageNet validation top-1 error, %, "
          "10-crop; read in transcriptions of the paper's text, arXiv:1512.03385): plain 18 layers 27.94, 34 "
          "layers 28.54; ResNet 18 layers 27.88, 34 layers 25.03. These are ImageNet CNN errors, not comparable in "
          "scale or level with digit MLPs, so they are not set beside ours in the tables; what carries over is the "
          "direction (the deeper plain net is worse, the deeper ResNet better), which the rules judge on our "
          "training error.",
)
