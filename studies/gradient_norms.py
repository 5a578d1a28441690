"""Nielsen ch.5, 'the speed of learning' of each layer: the vanishing gradient in sigmoid nets."""
from suite import Figure, Reference, Rule, Study

DEPTHS = [2, 3, 4]
# Nielsen's own numbers at initialization, epoch 0 of the files his book's figures are drawn from.
NIELSEN = {2: [0.06574, 0.30922], 3: [0.01184, 0.05997, 0.28314], 4: [0.00298, 0.01708, 0.06954, 0.28514]}
CITATION = ("Nielsen, Neural Networks and Deep Learning ch.5: ||dC/db|| per hidden layer at "
            "initialization, from his repository's fig/norms_during_training_{2,3,4}_layers.json "
            "(mnielsen/neural-networks-and-deep-learning, epoch 0; sigmoid output, 1,000 MNIST images)")
LAYER_RULES = "at initialization the first hidden layer's gradient is smaller than the last's"


def by_output(output):
    return {"output": output}


STUDY = Study(
    name="gradient_norms",
    claim="In deep sigmoid networks the early layers learn much more slowly than the later ones: the "
          "gradient with respect to the first hidden layer's biases is a small fraction of the last "
          "hidden layer's, the gap grows with depth, and it persists during training.",
    clauses=(
        "at initialization the first hidden layer's gradient is smaller than the last's",
        'the gap grows with depth',
        'the gap persists during training',
    ),
    source="Nielsen, Neural Networks and Deep Learning, ch.5 'The vanishing gradient problem' "
           "(lecture deck 001, 'Vanishing gradient, activation functions and initialization')",
    base={
        "model": "mlp", "width": 30, "activation": "sigmoid", "kernel_initializer": "nielsen",
        "bias_initializer": "unit_normal", "optimizer": "sgd", "learning_rate": 0.1, "l2_lambda": 5.0,
        # full-batch gradient descent on the first 1,000 training images, probed on the same images
        "train_size": 1000, "batch_size": 1000, "probe_examples": 1000, "keep_weights": "last",
        "validation_freq": 10,  # nothing here reads the dev split per epoch: every 10 epochs and the last
    },
    axes={"depth": DEPTHS,
          "output": {"sigmoid": {"output_activation": "sigmoid"}, "softmax": {"output_activation": "softmax"}}},
    profiles={
        "smoke": {"dataset": "synthetic", "train_size": 100, "batch_size": 100, "probe_examples": 100,
                  "epochs": 3, "seeds": 2, "only": ({"depth": [2, 4]},)},
        "quick": {"dataset": "mnist_10k", "epochs": 500, "seeds": (6, 12)},
        "paper": {"dataset": "mnist", "epochs": 500, "seeds": 3},
    },
    metrics=("bias_grad_norm_1", "bias_grad_norm_2", "bias_grad_norm_3", "bias_grad_norm_4",
             "grad_ratio_first_last", "grad_ratio_first_last_end", "test_accuracy"),
    references=tuple(Reference(CITATION, f"bias_grad_norm_{layer}",
                               {(depth, "sigmoid"): norms[layer - 1] for depth, norms in NIELSEN.items()
                                if layer <= depth}) for layer in range(1, 5)),
    rules=(
        *(Rule("within", {"depth": depth, "output": output}, metric="grad_ratio_first_last", bounds=(None, 0.5),
               says=f"{depth} hidden layers, {output} output: ||dC/db1|| < 0.5 x the last hidden layer's",
               claim=LAYER_RULES) for depth in DEPTHS for output in ("sigmoid", "softmax")),
        *(Rule("better", {"depth": shallow, "output": output}, {"depth": deep, "output": output},
               metric="grad_ratio_first_last", margin=0.0, claim="the gap grows with depth",
               says=f"{output} output: the first/last ratio is smaller with {deep} hidden layers than {shallow}")
          for output in ("sigmoid", "softmax") for shallow, deep in ((2, 3), (3, 4))),
        # A claim about gradients, not about what the net learned: every finished run counts (runs="finished"),
        # collapsed ones included, as Nielsen's own 4-layer nets hardly learn in this regime either; a run that
        # diverged to NaN has no end-of-training probe (nothing measured), so it drops out.
        *(Rule("within", {"depth": 4, "output": output}, metric="grad_ratio_first_last_end", bounds=(None, 1.0),
               runs="finished", claim="the gap persists during training",
               says=f"4 hidden layers, {output} output: the first layer still lags after 500 epochs of training "
                    f"(every finished run, learned or not)") for output in ("sigmoid", "softmax")),
    ),
    figures=(
        *(Figure(f"speed_of_learning_{depth}_layers", "layers", "bias_grad_norm", x="epoch", hue="layer",
                 where={"depth": depth, "output": "sigmoid"}, log_y=True,
                 title=f"Speed of learning: {depth} hidden layers (sigmoid output)") for depth in DEPTHS),
        Figure("speed_of_learning_4_layers_softmax", "layers", "bias_grad_norm", x="epoch", hue="layer",
               where={"depth": 4, "output": "softmax"}, log_y=True,
               title="Speed of learning: 4 hidden layers (softmax output, as in the slides)"),
        Figure("gradient_by_layer_at_init", "layers", "bias_grad_norm", x="layer", hue="depth",
               where={"output": "sigmoid", "epoch": 0}, log_y=True,
               title="||dC/db|| per hidden layer at initialization (sigmoid output)"),
    ),
    notes="As Nielsen's generate_gradient.py: [784, 30 x depth, 10] sigmoid networks, weights N(0, 1/n_in), "
          "biases N(0, 1), one full-batch gradient step (rate 0.1, L2 lambda 5.0 with n = 1,000) per epoch "
          "on the first 1,000 training images, and ||dC/db|| (the data term, averaged over those images) "
          "per hidden layer before training and after every epoch. 'sigmoid' is network2's sigmoid output "
          "with the cross-entropy cost; 'softmax' is the slides' variant. bias_grad_norm_l is at "
          "initialization; grad_ratio_first_last = ||dC/db|| of hidden layer 1 over the last hidden "
          "layer's (at initialization; _end after the last epoch). 'The gap persists during training' is judged on "
          "_end over every finished run, whether it learned or collapsed (its rules count them: a claim about "
          "the gradients, which Nielsen makes for nets that hardly learn at this depth too); the table's _end "
          "column, like every trained metric there, averages only the runs that learned and lists the others' "
          "values. The quick profile's 1,000 images are "
          "mnist_10k's, not Nielsen's first 1,000 of MNIST. The dev split, which nothing here reads, is "
          "evaluated every 10 epochs and after the last.",
)
