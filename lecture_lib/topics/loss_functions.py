"""Loss functions seen one residual or one example at a time (chapter 05).

The engine's losses (``lecture_lib.nn.losses``) return one number for a
batch. This module takes them apart for the lecture: the loss and its
derivative per residual r = yhat - y (to plot squared error against Huber),
a straight line with outliers (to fit with both), cross-entropy computed
from probabilities against computed from logits (to see what goes wrong at
large logits), and the SymPy proof that softmax + cross-entropy gives the
error term eps = yhat - y.

Conventions: the slides' squared error carries the factor 1/2,
L(r) = r^2 / 2, so that dL/dr = r; Huber with threshold delta is
L(r) = r^2 / 2 for |r| <= delta and delta (|r| - delta / 2) beyond, so that
dL/dr = clip(r, -delta, delta). (Keras: the same per-output Huber; its
'mean_squared_error' has no 1/2 and both average over the outputs instead
of summing them.) Logits h : (N, C) are the weighted sums of the output
layer before softmax; one-hot targets y : (N, C).

SymPy is imported inside the one function that needs it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_float_array, as_generator, check_positive, check_positive_int
from ..nn.activations import softmax
from ..nn.layers import Dense
from ..nn.losses import get_loss
from ..nn.model import Sequential
from ..nn.optimizers import SGD

__all__ = [
    "squared_error_per_residual", "squared_error_derivative", "huber_per_residual", "huber_derivative",
    "LineData", "line_with_outliers", "fit_line",
    "log_softmax", "cross_entropy_from_logits", "cross_entropy_from_probabilities",
    "naive_softmax",
    "prove_softmax_cross_entropy_error", "prove_sigmoid_binary_cross_entropy_error",
]


# --- regression losses per residual -------------------------------------------------------------

def squared_error_per_residual(r):
    """L(r) = r^2 / 2 for each residual r = yhat - y (any shape)."""
    r = as_float_array(r, "r")
    return 0.5 * r * r


def squared_error_derivative(r):
    """dL/dr = r for each residual: the pull grows without bound with the residual."""
    return as_float_array(r, "r").copy()


def huber_per_residual(r, delta=1.0):
    """Huber's L(r): r^2 / 2 for |r| <= delta, delta (|r| - delta/2) beyond (any shape).

    Both pieces and their slopes meet at |r| = delta, so L is smooth there.
    """
    r = as_float_array(r, "r")
    delta = check_positive(delta, "delta")
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def huber_derivative(r, delta=1.0):
    """dL/dr = clip(r, -delta, delta): an outlier pulls with force delta at most."""
    r = as_float_array(r, "r")
    return np.clip(r, -check_positive(delta, "delta"), delta)


# --- a line with outliers -------------------------------------------------------------------------

@dataclass
class LineData:
    """Points on y = slope x + intercept with noise, some of them replaced by outliers.

    Attributes
    ----------
    x : ndarray, shape (N, 1)
    y : ndarray, shape (N, 1)
    slope, intercept : float
        The true line.
    outliers : ndarray of bool, shape (N,)
        True for the points moved off the line.
    """

    x: np.ndarray
    y: np.ndarray
    slope: float
    intercept: float
    outliers: np.ndarray


def line_with_outliers(n=40, n_outliers=6, slope=2.0, intercept=1.0, noise=0.3, shift=12.0, seed=0) -> LineData:
    """N points on a line with Gaussian noise; the ``n_outliers`` with the largest x are lifted by ``shift``.

    Lifting the points at one end (a faulty sensor at high readings, say)
    tilts a least-squares line towards them; that is where robustness shows.

    Parameters
    ----------
    n : int
        Number of points, x uniform in [-2, 2].
    n_outliers : int
        0 <= n_outliers < n.
    noise : float
        Standard deviation of the noise on the inliers.
    shift : float
        Added to y of each outlier (plus its own noise).
    seed : int

    Returns
    -------
    LineData
    """
    n = check_positive_int(n, "n")
    n_outliers = int(n_outliers)
    if not 0 <= n_outliers < n:
        raise ValueError(f"n_outliers must satisfy 0 <= n_outliers < n = {n}, got {n_outliers}.")
    rng = as_generator(seed, "seed")
    x = np.sort(rng.uniform(-2.0, 2.0, n))
    y = slope * x + intercept + rng.normal(0.0, noise, n)
    outliers = np.zeros(n, dtype=bool)
    if n_outliers:
        outliers[-n_outliers:] = True
    y[outliers] += shift
    return LineData(x.reshape(-1, 1), y.reshape(-1, 1), float(slope), float(intercept), outliers)


def fit_line(x, y, loss="mean_squared_error", delta=1.0, eta=0.1, epochs=3000):
    """Fit yhat = w x + b by full-batch gradient descent on ``loss``; return (w, b).

    Uses the engine: ``Sequential([Dense(1, input_dim=1)])`` with
    ``SGD(eta)``, one update per epoch on the whole data set, no
    shuffling, weights starting at w = b = 0. Both losses are convex in
    (w, b), so enough epochs reach the one minimum whatever the start; the
    default of 3000 epochs at eta = 0.1 converges to about 1e-9 on the data
    of ``line_with_outliers``.

    Parameters
    ----------
    x, y : ndarray, shape (N, 1)
    loss : {'mean_squared_error', 'Huber'}
    delta : float
        Huber's threshold (ignored for squared error).

    Returns
    -------
    w, b : float
    """
    x = as_float_array(x, "x")
    model = Sequential([Dense(1, input_dim=x.shape[1])], seed=0)
    layer = model.layers[0]
    layer.params["W"][...] = 0.0
    layer.params["b"][...] = 0.0
    model.compile(loss=get_loss(loss, delta=delta), optimizer=SGD(eta=eta))
    model.fit(x, y, batch_size=x.shape[0], epochs=epochs, shuffle=False)
    return float(layer.params["W"][0, 0]), float(layer.params["b"][0])


# --- cross-entropy from probabilities or from logits ----------------------------------------------

def log_softmax(h):
    """log softmax(h) along the last axis, computed stably: h - max - log sum exp(h - max).

    Parameters
    ----------
    h : array_like, shape (N, C) (or (C,))
        Logits.

    Returns
    -------
    ndarray, shape of h; every entry <= 0, finite for finite h.
    """
    h = as_float_array(h, "h")
    shifted = h - np.max(h, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def naive_softmax(h):
    """exp(h) / sum exp(h) WITHOUT subtracting the maximum: overflows to NaN for logits above ~709 (float64).

    Only here to show why the engine's ``softmax`` subtracts the row maximum.
    """
    h = as_float_array(h, "h")
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(h)
        return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy_from_logits(y, h):
    """E = -(1/N) sum_n sum_j y_nj log softmax(h_n)_j, computed from the logits with ``log_softmax``.

    Stable for any finite logits: a wrong answer by a margin z costs about
    z, however large z is. (Keras: ``from_logits=True``.)

    Parameters
    ----------
    y : array_like, shape (N, C), one-hot (or any rows of probabilities)
    h : array_like, shape (N, C), logits

    Returns
    -------
    float
    """
    y, h = _pair(y, h)
    return float(-np.sum(y * log_softmax(h)) / h.shape[0])


def cross_entropy_from_probabilities(y, h, epsilon=None, dtype="float64"):
    """The same E, computed the way of 'softmax then log': p = softmax(h), E = -mean sum y log p.

    Parameters
    ----------
    y, h : array_like, shape (N, C)
    epsilon : float or None
        None: no clipping, log(0) = -inf gives E = inf. A number: p is
        clipped into [epsilon, 1 - epsilon] first, as Keras does with
        ``from_logits=False`` (epsilon = 1e-7): E is then capped at
        -log(epsilon) = 16.1 per example, however wrong the prediction.
    dtype : {'float64', 'float32'}
        Precision of the computation (float32 underflows much sooner).

    Returns
    -------
    float (inf when an unclipped true-class probability underflowed to 0)
    """
    y, h = _pair(y, h)
    h = h.astype(dtype)
    p = softmax(h)
    if epsilon is not None:
        p = np.clip(p, epsilon, 1 - epsilon)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(y > 0, y * np.log(p), 0.0)  # 0 log 0 = 0 for the other classes
    return float(-np.sum(terms, dtype=np.float64) / h.shape[0])


def _pair(y, h):
    h = as_float_array(h, "h")
    y = as_float_array(y, "y")
    if h.ndim == 1:
        h, y = h.reshape(1, -1), y.reshape(1, -1)
    if h.ndim != 2 or y.shape != h.shape:
        raise ValueError(f"y and h must have the same shape (N, C), got y {y.shape} and h {h.shape}.")
    return y, h


# --- SymPy: the fused error term ------------------------------------------------------------------------

def prove_softmax_cross_entropy_error(n_classes=3, use_sum_to_one=True):
    """Prove dE/dh_k = yhat_k - y_k for E = -sum_j y_j log softmax(h)_j, symbolically.

    Parameters
    ----------
    n_classes : int >= 2
    use_sum_to_one : bool
        Substitute y_C = 1 - (y_1 + ... + y_{C-1}) (a one-hot or probability
        target sums to 1). Without it the difference is yhat_k (sum_j y_j - 1),
        not 0: the identity needs targets that sum to 1.

    Returns
    -------
    differences : list of sympy expressions
        simplify(dE/dh_k - (yhat_k - y_k)) for k = 1..C; all 0 proves it.
    """
    import sympy as sp

    n_classes = check_positive_int(n_classes, "n_classes")
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}.")
    h = sp.symbols(f"h1:{n_classes + 1}", real=True)
    y = list(sp.symbols(f"y1:{n_classes + 1}", real=True))
    denominator = sum(sp.exp(hj) for hj in h)
    y_hat = [sp.exp(hk) / denominator for hk in h]
    E = -sum(yj * sp.log(pj) for yj, pj in zip(y, y_hat))
    differences = []
    for k in range(n_classes):
        difference = sp.diff(E, h[k]) - (y_hat[k] - y[k])
        if use_sum_to_one:
            difference = difference.subs(y[-1], 1 - sum(y[:-1]))
        differences.append(sp.simplify(difference))
    return differences


def prove_sigmoid_binary_cross_entropy_error():
    """Prove dE/dh = yhat - y for E = -{y log yhat + (1 - y) log(1 - yhat)}, yhat = sigmoid(h).

    Returns
    -------
    sympy expression
        simplify(dE/dh - (yhat - y)); 0 proves it (for every h and y).
    """
    import sympy as sp

    h, y = sp.symbols("h y", real=True)
    y_hat = 1 / (1 + sp.exp(-h))
    E = -(y * sp.log(y_hat) + (1 - y) * sp.log(1 - y_hat))
    return sp.simplify(sp.diff(E, h) - (y_hat - y))
