"""Convolutions vs dense layers (deck 002 ll.700-780): accuracy, parameters and shifted test digits."""
from suite import Figure, Rule, Study

CNN = {"model": "cnn", "conv_filters": [8, 16], "conv_kernel": 5, "depth": 0}  # 11,274 parameters
MODELS = {"cnn": CNN,
          # one hidden layer of 14 units: 11,140 parameters, the CNN's count within 2%
          "dense_equal_params": {"model": "mlp", "depth": 1, "width": 14},
          # as many units per layer as the CNN's pooled feature maps (14x14x8, 7x7x16): 2.47 M parameters
          "dense_equal_width": {"model": "mlp", "widths": [1568, 784]}}
DENSE = ("dense_equal_params", "dense_equal_width")
SHIFTS = [1, 2, 3, 4]
FEWER = ("the CNN reaches higher test accuracy than a dense net of (about) its parameter count and than a dense net "
         "of its width, which has 200 times its parameters")
SHIFTED = "on test digits shifted by 1-4 pixels the CNN with pooling loses less accuracy than either dense net"


def drops(trials):
    """accuracy_drop_shift_<k>: the kept weights' test accuracy unshifted minus shifted by k pixels."""
    frame = trials.copy()
    for k in (k for k in SHIFTS if f"test_accuracy_shift_{k}" in frame):
        frame[f"accuracy_drop_shift_{k}"] = frame["test_accuracy_shift_0"] - frame[f"test_accuracy_shift_{k}"]
    return frame


STUDY = Study(
    name="convolution",
    claim="A small CNN reaches higher test accuracy on the digits than dense networks of equal parameter count and of "
          "equal width, with fewer parameters, and loses less accuracy than they do on test digits shifted by 1-4 "
          "pixels.",
    clauses=(FEWER, SHIFTED),
    source="Lecture deck 002 ll.700-745 (convolutional networks: 'no matter where the cat is in the picture, it is a "
           "cat'; translation-equivariant convolutions, '+ pooling will make the model invariant'), decks 003-004 "
           "(weight sharing, locality, fewer parameters); LeCun, Bottou, Bengio & Haffner 1998, 'Gradient-based "
           "learning applied to document recognition', sec. II (local receptive fields, shared weights, subsampling)",
    base={"activation": "relu", "kernel_initializer": "he_normal", "optimizer": "adam", "learning_rate": 0.001,
          "batch_size": 50, "epochs": 6, "test_shifts": SHIFTS},
    axes={"model": MODELS},
    profiles={
        "smoke": {"dataset": "synthetic", "epochs": 1, "seeds": 2,
                  "only": ({"model": ["cnn", "dense_equal_params"]},)},
        "quick": {"dataset": "mnist_10k", "seeds": (5, 10)},
        "paper": {"dataset": "mnist", "seeds": 5},  # 50,000 MNIST digits: not run here
    },
    metrics=("test_accuracy", "n_params", *(f"test_accuracy_shift_{k}" for k in SHIFTS),
             *(f"accuracy_drop_shift_{k}" for k in SHIFTS)),
    derive=drops,
    rules=(
        *(Rule("better", {"model": "cnn"}, {"model": d}, margin=0.0, claim=FEWER,
               says=f"the CNN tests above {d}") for d in DENSE),
        *(Rule("better", {"model": d}, {"model": "cnn"}, metric=f"accuracy_drop_shift_{k}", margin=0.0, claim=SHIFTED,
               says=f"shift {k}: {d} loses more test accuracy than the CNN") for d in DENSE for k in SHIFTS),
    ),
    figures=(
        Figure("accuracy_vs_shift", "columns_vs", "test_accuracy_shift", x="shift", hue="model",
               title="test accuracy vs shift (pixels, mean of the four directions, zero fill)"),
        Figure("params_vs_accuracy", "loglog_by", "test_accuracy", x="n_params", hue="model",
               title="test accuracy vs trainable parameters (log-log)"),
        Figure("curves", "curves", "dev_accuracy", x="epoch", hue="model", title="dev accuracy per epoch"),
    ),
    notes="7,000 mnist_10k training digits, Adam (rate 1e-3, batch 50), 6 epochs, best-dev weights tested; 4 seeds. "
          "The CNN: 5x5 convolutions of 8 and 16 filters (padding same), each with ReLU and 3x3/2 max-pooling, then "
          "the 10 logits (11,274 parameters; the suite's cnn builder). Equal parameters: a 784-14-10 ReLU MLP "
          "(11,140). Equal width, defined before the runs as the CNN's layers with locality and weight sharing "
          "removed: dense layers with as many units as the CNN's pooled feature maps, 784-1568-784-10 (2,468,826). "
          "Shifts (suite.data.shifts): each test digit moved by k pixels down, up, right and left with zero fill, "
          "the accuracy averaged over the four (8,000 images per k), the same images for every model, at "
          "evaluation only (training sees unshifted digits). LeCun et al. 1998 train on 60,000 digits with "
          "LeNet-5 (about 60,000 parameters); their error rates were not read in the paper itself through the "
          "search tools here, so none is shown beside ours.",
)
