"""Nielsen ch.5: deeper sigmoid networks do not learn better on MNIST."""
from suite import Reference, Related, Rule, Study

ONE = "one hidden layer of 30 sigmoid units is far better than none"
MORE = "with more sigmoid layers (2-4) test accuracy stays about equal to one (within ±1 point)"
LONG_EPOCHS = 90

STUDY = Study(
    name="depth",
    claim="One hidden layer of 30 sigmoid units is far better than none; "
          "with more sigmoid layers (2-4) test accuracy stays about equal (within ±1 point).",
    clauses=(ONE, MORE),
    source="Nielsen, Neural Networks and Deep Learning, ch.5 (lecture deck 001, "
           "'Comparison of different depth for feed-forward architecture')",
    base={
        "model": "mlp", "width": 30, "activation": "sigmoid", "output_activation": "softmax",
        "kernel_initializer": "nielsen", "bias_initializer": "unit_normal",
        "optimizer": "sgd", "learning_rate": 0.1, "batch_size": 10, "l2_lambda": 5.0,
    },
    axes={"depth": [0, 1, 2, 3, 4]},
    profiles={
        "smoke": {"dataset": "synthetic", "epochs": 2, "seeds": 2},
        "quick": {"dataset": "mnist_10k", "epochs": 30, "seeds": (6, 12)},
        # the budget question: 3x the updates of quick (63,000; the book's 30 epochs of 50,000 are 150,000)
        "long": {"dataset": "mnist_10k", "epochs": LONG_EPOCHS, "seeds": (6, 12)},
        "paper": {"dataset": "mnist", "epochs": 30, "seeds": 3},
    },
    metrics=("test_accuracy", "best_dev_accuracy", "final_train_accuracy"),
    references=(Reference(
        citation="Nielsen ch.5 as quoted in lecture deck 001 (MNIST 50k train, 30 epochs)",
        metric="test_accuracy",
        values={0: 0.88, 1: 0.965, 2: 0.969, 3: 0.965, 4: 0.965}),),
    rules=(
        Rule("better", a={"depth": 1}, b={"depth": 0}, metric="test_accuracy", margin=0.01,
             claim=ONE, says="one hidden layer beats none by more than 1 point"),
        *(Rule("equivalent", a={"depth": depth}, b={"depth": 1}, metric="test_accuracy", margin=0.01, claim=MORE,
               says=f"{depth} hidden layers test within ±1 point of 1") for depth in (2, 3, 4)),
    ),
    related=(Related("long", MORE, f"{LONG_EPOCHS} epochs (63,000 updates) instead of 30"),),
    notes="Nielsen's L2 term is lambda/(2n) * sum(w^2) with n the training-set size; the suite "
          "passes Keras L2(lambda / (2n)), which gives the same gradient. The quick profile trains "
          "on 7,000 of the 10,000 embedded digits for 30 epochs (21,000 updates; the book: 50,000 images, "
          "150,000 updates), so absolute accuracies sit below the book's; profile long runs 90 epochs.",
)
