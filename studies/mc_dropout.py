"""Gal & Ghahramani (2016): dropout kept on at test time, averaged over T passes, as uncertainty."""
from suite import Figure, Rule, Study

MODELS = {"mlp": {"model": "mlp", "depth": 2, "width": 256},
          "cnn": {"model": "cnn", "conv_filters": [8, 16], "conv_kernel": 3, "depth": 1, "width": 128}}
JUDGED = ("mlp",)  # the quick profile runs the mlp alone; profile cnn shows the cnn beside it, unjudged
INFERENCE = {"standard": {"mc_passes": 0}, "mc": {"mc_passes": 100}}
ACCURACY = "MC averaging does not lower test accuracy (by more than 0.5 points)"
CALIBRATION = "MC averaging lowers the test NLL and the expected calibration error"
WRONG = "predictive entropy is higher on misclassified test digits than on correct ones (AUROC > 0.5)"
OOD = "predictive entropy is higher on Fashion-MNIST images than on test digits (AUROC > 0.5)"


def pair(model):
    return {"model": model, "inference": "standard"}, {"model": model, "inference": "mc"}


STUDY = Study(
    name="mc_dropout",
    claim="Averaging T = 100 stochastic passes with dropout on (MC dropout) keeps test accuracy and lowers "
          "NLL and calibration error against the standard scaled prediction; its predictive entropy is "
          "higher on misclassified digits and on out-of-distribution images.",
    clauses=(
        'MC averaging does not lower test accuracy (by more than 0.5 points)',
        'MC averaging lowers the test NLL and the expected calibration error',
        'predictive entropy is higher on misclassified test digits than on correct ones (AUROC > 0.5)',
        'predictive entropy is higher on Fashion-MNIST images than on test digits (AUROC > 0.5)',
    ),
    source="Gal & Ghahramani, 'Dropout as a Bayesian approximation: representing model uncertainty in deep "
           "learning', ICML 2016 (lecture deck 004, 'Monte Carlo Dropout')",
    base={"activation": "relu", "kernel_initializer": "he_normal", "dropout": 0.5, "optimizer": "adam",
          "learning_rate": 0.001, "batch_size": 100, "ood_dataset": "fashion_mnist"},
    axes={"model": MODELS, "inference": INFERENCE},
    profiles={
        "smoke": {"dataset": "synthetic", "ood_dataset": "noise", "epochs": 2, "batch_size": 50, "seeds": 2,
                  "only": ({"model": "mlp"},)},
        # the cnn's 10 trials took 90-150 s each under load on the 2-core CPU: quick is the mlp's alone
        "quick": {"dataset": "mnist_10k", "epochs": 8, "seeds": (6, 12), "only": ({"model": "mlp"},)},
        "cnn": {"dataset": "mnist_10k", "epochs": 8, "seeds": 5},
        "paper": {"dataset": "mnist", "epochs": 30, "seeds": 5},
    },
    metrics=("test_accuracy", "test_nll", "test_calibration_error", "test_entropy", "misclassified_auroc",
             "ood_entropy", "ood_auroc"),
    rules=tuple(rule for model in JUDGED for standard, mc in [pair(model)] for rule in (
        Rule("not_better", standard, mc, margin=0.005, claim=ACCURACY,
             says=f"{model}: standard beats MC by less than 0.5 points"),
        Rule("better", standard, mc, metric="test_nll", claim=CALIBRATION, says=f"{model}: MC lowers the NLL"),
        Rule("better", standard, mc, metric="test_calibration_error", claim=CALIBRATION,
             says=f"{model}: MC lowers the ECE"),
        Rule("within", mc, metric="misclassified_auroc", bounds=(0.5, None), claim=WRONG,
             says=f"{model}, MC: entropy's AUROC for 'misclassified' above 0.5"),
        Rule("within", mc, metric="ood_auroc", bounds=(0.5, None), claim=OOD,
             says=f"{model}, MC: entropy's AUROC for 'Fashion-MNIST' above 0.5"))),
    figures=(
        *(Figure(f"mc_{metric}_vs_T", "mc_curve", metric, x="passes", hue="model", where={"inference": "mc"},
                 title=f"{title} of the MC average vs passes T (dashed: standard prediction)")
          for metric, title in (("accuracy", "test accuracy"), ("nll", "test NLL"),
                                ("calibration_error", "test ECE"), ("entropy", "mean predictive entropy"))),
        Figure("entropy_histograms_mc", "entropy_histogram", "entropy", x="entropy", hue="model",
               where={"inference": "mc"}, title="predictive entropy of the MC average (T = 100), all seeds"),
        Figure("entropy_histograms_standard", "entropy_histogram", "entropy", x="entropy", hue="model",
               where={"inference": "standard"}, title="predictive entropy of the standard prediction, all seeds"),
        Figure("test_nll", "metric_vs", "test_nll", x="inference", hue="model",
               title="test NLL, standard vs MC (mean, 95% CI over seeds)"),
    ),
    notes=("Quick profile for a 2-core CPU: the mlp only (profile cnn adds the small CNN: about 20 min on "
           "this CPU under load, not committed); 7,000 mnist_10k digits, 8 epochs of Adam (rate 1e-3, batch 100), "
           "dropout 0.5 after each hidden layer (the cnn: 3x3 convolutions of 8 and 16 filters with "
           "3x3/2 max-pooling, then dense 128 with dropout; no dropout on the convolutions, unlike Gal & "
           "Ghahramani's LeNet); the best-dev epoch's weights are tested. The two inference points of one "
           "seed are the same trained network (same seed, same config but for mc_passes, which acts only "
           "after training), so standard vs MC is a paired comparison that the Welch rules treat as "
           "unpaired (conservative). The MC curve is the running mean of one set of 100 passes, scored at "
           "T = 1, 2, 3, 5, 10, 20, 30, 50, 100. ECE: 15 equal-width bins of the top-class probability, "
           "bins (m/15, (m+1)/15]. Entropy in nats of the (averaged) softmax. OOD inputs: the first 2,000 "
           "Fashion-MNIST test images (Debian's dataset-fashion-mnist), as many as the test digits. "
           "No published numbers are shown: the paper's text (read in a transcription of the ICML version) has "
           "no MNIST accuracy, NLL or calibration number; its Sec. 5.2 trains LeNet on MNIST only to plot 100 "
           "stochastic passes on 12 rotated images of a 1 (Figure 4), and Table 1 is UCI regression. "
           "No deep-ensemble comparator (Lakshminarayanan et al. 2017) yet."),
)
