"""The spectrum of a training split's inputs: what sets gradient descent's speed and stable step
on a model that is linear in its inputs (lecture deck 000 l.932, deck 003: the condition number).

For a linear model with squared loss the Hessian is the inputs' second-moment matrix E[x x^T]
(uncentered: the bias does not centre the inputs); for a softmax layer it is that matrix weighted
by the output probabilities' covariance. Its largest eigenvalue L bounds the stable step
(eta < 2 / L) and its condition number kappa = L / lambda_min sets how many steps gradient
descent needs (about kappa). Raw MNIST pixels have constant-zero features (border pixels), so
both matrices are singular and kappa is infinite; it is defined here, before any result, over
the features that vary on the training split, with a ridge of ``RIDGE`` times the mean
eigenvalue added to every eigenvalue (so kappa is finite and scale-free: the raw and [0, 1]
pixels get the same kappa and L differs by 255^2).
"""
from __future__ import annotations

import hashlib

import numpy as np

RIDGE = 1e-3  # times the mean eigenvalue (trace / features): chosen a priori, not fitted to results
STATISTICS = ("input_lambda_max", "input_condition_number", "input_lambda_max_centered",
              "input_condition_number_centered", "input_varying_features")


def varying(x: np.ndarray) -> np.ndarray:
    """(N, D) float64 rows of ``x`` (any shape (N, ...)) restricted to the features whose training
    values are not all equal."""
    flat = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    return flat[:, flat.max(axis=0) > flat.min(axis=0)]


def spectrum(matrix: np.ndarray) -> tuple[float, float]:
    """(largest eigenvalue, condition number with the ridge) of a symmetric PSD ``matrix``."""
    eigenvalues = np.clip(np.linalg.eigvalsh(matrix), 0.0, None)
    ridge = RIDGE * eigenvalues.mean()
    return float(eigenvalues[-1]), float((eigenvalues[-1] + ridge) / (eigenvalues[0] + ridge))


def statistics(x: np.ndarray) -> dict:
    """The largest eigenvalue and ridge condition number of the second-moment matrix E[x x^T] and
    of the covariance (``np.cov``) of the varying features of ``x``, and how many features vary."""
    rows = varying(x)
    second = rows.T @ rows / len(rows)
    lam, kappa = spectrum(second)
    lam_c, kappa_c = spectrum(np.cov(rows, rowvar=False))
    return {"input_lambda_max": lam, "input_condition_number": kappa, "input_lambda_max_centered": lam_c,
            "input_condition_number_centered": kappa_c, "input_varying_features": float(rows.shape[1])}


_computed: dict[str, dict] = {}  # sha1 of a training split -> its statistics (a few splits per process)


def of_training(x_train: np.ndarray) -> dict:
    """``statistics`` of a training split, computed once per distinct array in a process (trials
    of one point share their splits)."""
    x = np.ascontiguousarray(x_train, dtype=np.float32)
    digest = hashlib.sha1(x.tobytes()).hexdigest()
    if digest not in _computed:
        if len(_computed) >= 8:
            _computed.pop(next(iter(_computed)))
        _computed[digest] = statistics(x)
    return dict(_computed[digest])
