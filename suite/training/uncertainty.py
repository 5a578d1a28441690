"""Predictive uncertainty of a trained classifier: MC-dropout inference, NLL, expected calibration
error, predictive entropy and its AUROC for misclassified and out-of-distribution inputs.

Pure functions of probabilities and labels (numpy / scikit-learn / scipy), plus ``evaluate``,
which runs a trained model on the test split (and OOD inputs) and returns plain values.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.stats import entropy as _entropy
from sklearn.calibration import calibration_curve
from sklearn.metrics import log_loss, roc_auc_score

from suite.errors import UserError

ECE_BINS = 15  # equal-width bins of the top-class confidence over [0, 1]
# The numbers of passes T at which the MC average is scored (the running mean of one set of
# passes, so the curve is of one network), up to the trial's mc_passes.
CURVE_PASSES = (1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 500, 1000)
HISTOGRAM_BINS = 30  # predictive entropy histogram over [0, ln K]


def predictive_entropy(probs: np.ndarray) -> np.ndarray:
    """H(p) = -sum_k p_k ln p_k per row of ``probs`` (shape (N, K), rows summing to 1), in nats
    (scipy.stats.entropy); shape (N,). On MC-averaged probabilities it is the predictive entropy
    of Gal & Ghahramani (2016)."""
    return _entropy(np.asarray(probs, dtype=np.float64), axis=1)


def negative_log_likelihood(probs: np.ndarray, labels: np.ndarray) -> float:
    """Mean -ln p(y_i | x_i) over the rows (sklearn.metrics.log_loss, which clips p at the float
    epsilon); ``probs`` (N, K), ``labels`` (N,) ints in 0..K-1."""
    probs = np.asarray(probs, dtype=np.float64)
    probs = probs / probs.sum(axis=1, keepdims=True)  # float32 softmax sums drift by ~1e-7
    return float(log_loss(labels, probs, labels=np.arange(probs.shape[1])))


def calibration_bins(probs: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS):
    """Per non-empty confidence bin: (accuracy, mean confidence, count). Confidence is the top
    class's probability; bins are [0, 1/M], (1/M, 2/M], ..., ((M-1)/M, 1] (scikit-learn's
    ``calibration_curve(strategy='uniform')`` on "is correct" vs confidence, whose binning the
    counts repeat)."""
    probs = np.asarray(probs, dtype=np.float64)
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == np.asarray(labels)).astype(int)
    accuracy, mean_confidence = calibration_curve(correct, confidence, n_bins=bins, strategy="uniform", pos_label=1)
    ids = np.searchsorted(np.linspace(0.0, 1.0, bins + 1)[1:-1], confidence)
    counts = np.bincount(ids, minlength=bins)
    return accuracy, mean_confidence, counts[counts > 0]


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE = sum_m |B_m| / N x |acc(B_m) - conf(B_m)| over ``bins`` equal-width confidence bins
    (Naeini, Cooper & Hauskrecht, AAAI 2015; Guo, Pleiss, Sun & Weinberger, ICML 2017, eq. 3);
    a fraction in [0, 1]. ``probs`` (N, K), ``labels`` (N,)."""
    accuracy, confidence, counts = calibration_bins(probs, labels, bins)
    return float(np.sum(counts / counts.sum() * np.abs(accuracy - confidence)))


def auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve of ``scores`` for the boolean ``positive`` (sklearn.metrics.
    roc_auc_score): the probability that a positive scores above a negative (ties count half);
    NaN when one class is absent (e.g. no misclassified example)."""
    positive = np.asarray(positive, dtype=bool)
    if positive.all() or not positive.any():
        return math.nan
    return float(roc_auc_score(positive, scores))


def scores(probs: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy, NLL, ECE and mean predictive entropy of ``probs`` (N, K) on ``labels`` (N,)."""
    return {"accuracy": float(np.mean(probs.argmax(axis=1) == labels)),
            "nll": negative_log_likelihood(probs, labels),
            "calibration_error": expected_calibration_error(probs, labels),
            "entropy": float(predictive_entropy(probs).mean())}


def _noise(splits, count: int, seed: int) -> np.ndarray:
    """Uniform noise images shaped like the inputs."""
    rng = np.random.default_rng([seed, 3])
    return rng.random((count, *splits.input_shape), dtype=np.float32)


def _fashion_mnist(splits, count: int, seed: int) -> np.ndarray:
    """The first ``count`` Fashion-MNIST test images (Xiao, Rasul & Vollgraf 2017)."""
    from suite.data import datasets  # deferred: loads pandas and scikit-learn

    try:
        images = datasets.load("fashion_mnist").x_test[:count]
    except UserError as exc:  # the fix for the OOD inputs is another source, not another dataset
        raise UserError(f"ood_dataset=fashion_mnist: {exc}".replace(
            "--dataset mnist_10k", "--set ood_dataset=noise")) from None
    if images.shape[1:] != splits.input_shape:
        raise UserError(f"ood_dataset=fashion_mnist has images of shape {images.shape[1:]}, the model "
                        f"takes {splits.input_shape}; use ood_dataset=noise with this dataset")
    return images


# Out-of-distribution inputs: f(splits, count, seed) -> images shaped like the inputs.
OOD_SOURCES = {"none": None, "fashion_mnist": _fashion_mnist, "noise": _noise}


def requested(config: dict) -> bool:
    """Whether a trial measures uncertainty (MC passes or OOD inputs asked for)."""
    return config["mc_passes"] > 0 or config["ood_dataset"] != "none"


def _softmax(logits) -> np.ndarray:
    import keras  # deferred: loads Keras

    return np.asarray(keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1)), dtype=np.float64)


def stochastic_passes(model, x: np.ndarray, passes: int):
    """Yield ``passes`` softmax outputs (N, K) of ``model`` on ``x`` with dropout on.

    In a ``keras.Sequential`` model the layers before the first ``Dropout`` are deterministic at
    test time: they run once in inference mode (any train-time augmentation off), and only the
    layers from the first dropout on run ``passes`` times with ``training=True`` (Keras keeps
    dropout on); the same outputs as ``model(x, training=True)`` with augmentation off, for a
    fraction of the arithmetic. Other models run whole with ``training=True``."""
    import keras  # deferred: loads Keras

    layers = model.layers if isinstance(model, keras.Sequential) else []
    first = next((i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Dropout)), None)
    if first is None:
        for _ in range(passes):
            yield _softmax(model(x, training=True))
        return
    hidden = keras.ops.convert_to_tensor(x)
    for layer in layers[:first]:
        hidden = layer(hidden, training=False)
    for _ in range(passes):
        out = hidden
        for layer in layers[first:]:
            out = layer(out, training=True)
        yield _softmax(out)


def evaluate(model, splits, config: dict) -> dict:
    """The test split (and ``ood_dataset`` images, as many as test images) under the configured
    inference: standard (dropout scaled, off) when ``mc_passes`` = 0, else the mean softmax of
    ``mc_passes`` stochastic passes (Gal & Ghahramani 2016: the MC estimate of the predictive distribution).

    Returns ``metrics`` (test_accuracy, test_nll, test_calibration_error, test_entropy,
    misclassified_auroc: entropy's AUROC for "misclassified"; with OOD inputs ood_entropy and ood_auroc:
    entropy's AUROC for "out of distribution") and ``record``: the per-T curve (MC only) and the
    entropy histograms (test correct / test wrong / OOD)."""
    x_test, y_test = splits.x_test, splits.y_test
    source = OOD_SOURCES[config["ood_dataset"]]
    x_ood = source(splits, len(y_test), config["seed"]) if source else x_test[:0]
    x_all = np.concatenate([x_test, x_ood])
    passes, curve = config["mc_passes"], []
    if passes:
        total = np.zeros((len(x_all), splits.num_classes))
        marks = {t for t in CURVE_PASSES if t <= passes} | {passes}
        for t, probs in enumerate(stochastic_passes(model, x_all, passes), start=1):
            total += probs
            if t in marks:
                curve.append({"passes": t, **scores(total[:len(y_test)] / t, y_test)})
        probs = total / passes
    else:
        probs = _softmax(model(x_all, training=False))
    test, ood = probs[:len(y_test)], probs[len(y_test):]
    measured = scores(test, y_test)
    entropy_test, entropy_ood = predictive_entropy(test), predictive_entropy(ood)
    wrong = test.argmax(axis=1) != y_test
    metrics = {"test_accuracy": measured["accuracy"], "test_nll": measured["nll"],
               "test_calibration_error": measured["calibration_error"], "test_entropy": measured["entropy"],
               "misclassified_auroc": auroc(entropy_test, wrong)}
    edges = np.linspace(0.0, math.log(splits.num_classes), HISTOGRAM_BINS + 1)
    histogram = {"edges": edges.tolist(),
                 "test_correct": np.histogram(entropy_test[~wrong], edges)[0].tolist(),
                 "test_wrong": np.histogram(entropy_test[wrong], edges)[0].tolist()}
    if len(ood):
        metrics.update(ood_entropy=float(entropy_ood.mean()),
                       ood_auroc=auroc(np.concatenate([entropy_test, entropy_ood]),
                                       np.r_[np.zeros(len(test)), np.ones(len(ood))]))
        histogram["ood"] = np.histogram(entropy_ood, edges)[0].tolist()
    return {"metrics": metrics, "record": {"curve": curve, "entropy_histogram": histogram}}
