"""A designed least-squares problem whose loss has a known Hessian (lecture deck 003: step size,
condition number, momentum), and the analytic numbers of gradient descent on it.

The inputs are exactly centred and their covariance X^T X / n has eigenvalues log-spaced from 1/kappa
to 1 (random eigenvectors from the seed). A Dense(1) layer (kernel and bias) trained on Keras's MSE,
f(w, b) = (1/n) sum_i (x_i . w + b - y_i)^2 (no 1/2), has the constant Hessian
H = 2 [[X^T X / n, 0], [0, 1]]: eigenvalues 2 lambda_i and 2 (the bias), so L = 2, mu = 2 / kappa,
and gradient descent is stable for eta < 2 / L = 1 (with the 1/2 convention it would be 2).
The targets y = X w* + b* (+ noise) put an equal share of the initial loss f(0, 0) = 1 (noiseless) in
every eigendirection: w* has components +-1/sqrt((d + 1) lambda_i) along them, b* = +-1/sqrt(d + 1).
"""
from __future__ import annotations

import math

import numpy as np

from suite.data.splits import Splits

ROWS, DIMS = 100, 10  # examples and input features of the designed problem


def spectrum(kappa: float, dims: int = DIMS) -> np.ndarray:
    """The input covariance's eigenvalues: log-spaced from 1 down to 1/kappa."""
    return np.logspace(0.0, -math.log10(kappa), dims)


def hessian_eigenvalues(kappa: float, dims: int = DIMS) -> np.ndarray:
    """The Hessian of Keras's MSE for Dense(1) on the designed inputs: 2 lambda_i and 2 (bias)."""
    return np.sort(np.concatenate([2.0 * spectrum(kappa, dims), [2.0]]))[::-1]


def designed(seed: int, kappa: float, noise: float = 0.0, repeats: int = 1, rows: int = ROWS,
             dims: int = DIMS) -> Splits:
    """The problem drawn from ``seed``: training split the ``rows`` examples repeated ``repeats``
    times in a fixed order (with batch size = rows and no shuffling, each epoch is ``repeats``
    full-batch gradient steps), dev and test the ``rows`` examples themselves (their loss is the
    objective). ``noise``: std of Gaussian noise added to the targets (then f* > 0). ``facts``:
    L, mu, 2/L, the condition number, f(0) and the minimum f* (NumPy least squares)."""
    if kappa < 1 or rows <= dims + 1:
        raise ValueError(f"need kappa >= 1 and rows > dims + 1, got kappa={kappa}, rows={rows}, dims={dims}")
    rng = np.random.default_rng([seed, 34])
    basis, _ = np.linalg.qr(np.column_stack([np.ones(rows), rng.standard_normal((rows, dims))]))
    left = basis[:, 1:]  # orthonormal columns orthogonal to the ones vector: exactly centred inputs
    right, _ = np.linalg.qr(rng.standard_normal((dims, dims)))
    lam = spectrum(kappa, dims)
    x = math.sqrt(rows) * left * np.sqrt(lam) @ right.T  # X^T X / n = right diag(lam) right^T
    signs = rng.choice([-1.0, 1.0], dims + 1) / math.sqrt(dims + 1)
    w_star, b_star = right @ (signs[:dims] / np.sqrt(lam)), signs[dims]
    y = x @ w_star + b_star + noise * rng.standard_normal(rows)
    design = np.column_stack([x, np.ones(rows)])
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    eig = hessian_eigenvalues(kappa, dims)
    facts = {"hessian_max": float(eig[0]), "hessian_min": float(eig[-1]), "critical_rate": float(2 / eig[0]),
             "condition": float(eig[0] / eig[-1]), "initial_objective": float(np.mean(y ** 2)),
             "optimal_loss": float(np.mean((design @ solution - y) ** 2))}
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    return Splits("quadratic", np.tile(x32, (repeats, 1)), np.tile(y32, repeats), x32, y32, x32, y32, 1,
                  f"designed least squares: {rows} x {dims}, kappa {kappa:g}, noise {noise:g}, seed {seed}",
                  task="regression", facts=facts)


def gd_steps(learning_rate: float, momentum: float, nesterov: bool, eigenvalues: np.ndarray, shares: np.ndarray,
             epsilon: float, limit: int = 10 ** 6) -> float:
    """Exact first step t at which sum_i shares_i * e_i(t)^2 / e_i(0)^2 <= epsilon for Keras's SGD
    (v <- m v - rate g; w <- w + v, or w + m v - rate g with Nesterov) from rest, mode by mode:
    the loss's relative error on a quadratic whose initial loss is split as ``shares`` over the
    Hessian's ``eigenvalues``. NaN when not within ``limit`` steps."""
    error = np.ones_like(eigenvalues)
    velocity = np.zeros_like(eigenvalues)
    for step in range(1, limit + 1):
        gradient = eigenvalues * error
        velocity = momentum * velocity - learning_rate * gradient
        error = error + (momentum * velocity - learning_rate * gradient if nesterov else velocity)
        if float(np.sum(shares * error ** 2)) <= epsilon:
            return float(step)
    return math.nan


def tuned(method: str, kappa: float, dims: int = DIMS) -> dict:
    """The textbook parameters on the designed problem (L, mu from ``hessian_eigenvalues``):
    gradient descent eta = 1/L; heavy ball (Polyak 1964) eta = 4 / (sqrt L + sqrt mu)^2,
    m = ((sqrt kappa - 1) / (sqrt kappa + 1))^2; Nesterov eta = 1/L, m = (sqrt kappa - 1) / (sqrt kappa + 1)."""
    eig = hessian_eigenvalues(kappa, dims)
    big, small = float(eig[0]), float(eig[-1])
    root = math.sqrt(big / small)
    if method == "gd":
        return {"learning_rate": 1 / big, "momentum": 0.0, "nesterov": False}
    if method == "heavy_ball":
        return {"learning_rate": 4 / (math.sqrt(big) + math.sqrt(small)) ** 2,
                "momentum": ((root - 1) / (root + 1)) ** 2, "nesterov": False}
    if method == "nesterov":
        return {"learning_rate": 1 / big, "momentum": (root - 1) / (root + 1), "nesterov": True}
    raise KeyError(method)


def predicted_steps(method: str, kappa: float, epsilon: float, dims: int = DIMS) -> float:
    """``gd_steps`` at the ``tuned`` parameters, equal loss shares over the Hessian's eigenvalues."""
    eig = hessian_eigenvalues(kappa, dims)
    return gd_steps(**tuned(method, kappa, dims), eigenvalues=eig, shares=np.full(len(eig), 1 / len(eig)),
                    epsilon=epsilon)
