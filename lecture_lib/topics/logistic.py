"""Chapter 02: the sigmoid unit is logistic regression.

One sigmoid unit reads a batch ``x`` of shape (N, D) and outputs the
probability that each example belongs to class 1:

    h = x w + b,        yhat = g = sigma(h) = 1 / (1 + exp(-h))

Trained by gradient descent on the cross-entropy (negative log-likelihood)

    E(w) = -(1/N) sum_n {y_n log yhat_n + (1 - y_n) log(1 - yhat_n)}

it *is* logistic regression. The gradient is remarkably simple,

    dE/dw = (1/N) sum_n (yhat_n - y_n) x_n,     dE/db = (1/N) sum_n (yhat_n - y_n),

because the sigmoid's derivative yhat (1 - yhat) cancels against the
1 / (yhat (1 - yhat)) of the log. Squared error keeps that factor, which is
why it learns slowly when the unit is saturated (``squared_error_gradient``).

The stable sigmoid is ``lecture_lib.nn.activations.sigmoid``; the deliberately
naive versions here exist to show what goes wrong without care.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .._validate import (as_binary_labels, as_float_array, as_matrix, as_scalar, as_vector,
                        check_choice, check_positive, check_positive_int)
from ..nn.activations import sigmoid
from .units import weighted_sum

__all__ = [
    "overlapping_blobs", "naive_sigmoid", "naive_binary_cross_entropy", "catch_float_warnings",
    "predict_proba", "cross_entropy_from_h", "cross_entropy_loss", "squared_error_loss",
    "cross_entropy_gradient", "squared_error_gradient", "LogisticResult", "train_logistic_regression",
    "LOSS_NAMES", "probability_range_on_box",
]

#: The two losses a sigmoid unit can be trained with here.
LOSS_NAMES = ("cross_entropy", "squared_error")


def overlapping_blobs(n_samples=100, distance=2.5, spread=1.0, seed=0):
    """Two Gaussian clouds that overlap: data no line separates perfectly.

    Parameters
    ----------
    n_samples : int, >= 2
        Half the points in each class (one more in class 1 when odd).
    distance : float, >= 0
        Distance between the two centres, which sit at -/+ distance/2 along
        the direction (2, 1)/sqrt(5).
    spread : float, > 0
        Standard deviation of each cloud along both axes.
    seed : int
        Seed of the ``numpy.random.default_rng`` used.

    Returns
    -------
    x : ndarray, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    if n_samples < 2:
        raise ValueError(f"n_samples must be >= 2 (one point per class at least), got {n_samples}.")
    distance = check_positive(distance, "distance", allow_zero=True)
    spread = check_positive(spread, "spread")
    rng = np.random.default_rng(int(as_scalar(seed, "seed")))
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_samples // 2, n_samples - n_samples // 2])
    direction = np.array([2.0, 1.0]) / np.sqrt(5.0)
    centres = np.outer([-distance / 2, distance / 2], direction)
    x = centres[y] + spread * rng.normal(size=(n_samples, 2))
    return x, y


# --- the naive versions (teaching only) ---------------------------------------------

def naive_sigmoid(h):
    """The textbook formula 1 / (1 + exp(-h)) evaluated as written. Do not use it.

    For h < -709 (float64) exp(-h) overflows to inf: NumPy warns, and the
    result 1/inf = 0 is right only by luck. The equivalent
    exp(h) / (1 + exp(h)) gives inf/inf = NaN for large positive h.
    ``lecture_lib.nn.activations.sigmoid`` never evaluates exp of a positive number.

    Parameters
    ----------
    h : array_like, any shape

    Returns
    -------
    g : ndarray, same shape as h
    """
    h = as_float_array(h, "h", allow_nan=True)
    return 1 / (1 + np.exp(-h))


def naive_binary_cross_entropy(y, y_hat):
    """Cross-entropy evaluated as written, without clipping. Do not use it.

    A prediction of exactly 0 or 1 (a saturated sigmoid in float64 gives
    yhat = 1.0 for h > 37) makes log(0) = -inf: the loss is inf, and
    0 * log(0) = NaN even when the prediction is right.

    Parameters
    ----------
    y : array_like, shape (N,), values 0/1
    y_hat : array_like, shape (N,), values in [0, 1]

    Returns
    -------
    E : float
    """
    y = as_float_array(y, "y")
    y_hat = as_float_array(y_hat, "y_hat", allow_nan=True)
    return float(-np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))


def catch_float_warnings(function, *args, **kwargs):
    """Call ``function(*args, **kwargs)`` and collect NumPy's floating-point warnings.

    Overflow, division by zero and invalid operations (NaN) are recorded
    instead of printed, so a notebook can show them as plain text.

    Returns
    -------
    value : whatever ``function`` returned
    messages : list of str
        The warning messages, e.g. ``'overflow encountered in exp'``, in order.
    """
    if not callable(function):
        raise TypeError(f"function must be callable, got {type(function).__name__}.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            value = function(*args, **kwargs)
    return value, [str(item.message) for item in caught if issubclass(item.category, RuntimeWarning)]


# --- the unit, its losses and their gradients ---------------------------------------------

def _check_data(x, y, w, b):
    x = as_matrix(x, "x")
    y = as_binary_labels(y, "y", n_rows=x.shape[0])
    w = as_vector(w, "w", length=x.shape[1])
    return x, y, w, as_scalar(b, "b")


def predict_proba(x, w, b):
    """Output of the sigmoid unit, yhat = sigma(x w + b): the probability of class 1.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    w : ndarray, shape (D,)
    b : float

    Returns
    -------
    y_hat : ndarray, shape (N,), values in [0, 1]
    """
    return sigmoid(weighted_sum(x, w, b))  # the threshold unit's h, with sigma instead of the step


def probability_range_on_box(w, b, xlim, ylim):
    """Smallest and largest ŷ = σ(w·x + b) of a two-input sigmoid unit on the rectangle ``xlim × ylim``.

    h is linear in x, so its extremes on a rectangle lie at corners, and σ is
    increasing: the range of ŷ is the range over the four corners. A figure can
    then say, computed, whether a contour such as ŷ = 0.1 crosses its panel.

    Parameters
    ----------
    w : ndarray, shape (2,)
    b : float
    xlim, ylim : (float, float)

    Returns
    -------
    (low, high) : two floats in [0, 1]
    """
    corners = np.array([[x1, x2] for x1 in xlim for x2 in ylim], dtype=float)
    y_hat = predict_proba(corners, w, b)
    return float(y_hat.min()), float(y_hat.max())


def cross_entropy_from_h(y, h):
    """Mean cross-entropy computed from the weighted sums h: exact for every h.

    Parameters
    ----------
    y : array_like, shape (N,), values 0/1
    h : array_like, shape (N,)
        Weighted sums; yhat = sigma(h).

    Returns
    -------
    E : float

    Notes
    -----
    With log sigma(h) = -log(1 + exp(-h)) and log(1 - sigma(h)) = -log(1 + exp(h)),
    the loss of one example is log(1 + exp(h)) - y h, and
    ``np.logaddexp(0, h)`` computes log(1 + exp(h)) without overflow. Unlike
    clipping yhat (which caps the loss at -log(1e-7) = 16.1), this stays exact
    for a confidently wrong unit, e.g. 1000 at h = -1000 with y = 1.
    """
    h = as_vector(h, "h")
    y = as_binary_labels(y, "y", n_rows=h.shape[0])
    return float(np.mean(np.logaddexp(0.0, h) - y * h))


def cross_entropy_loss(x, y, w, b):
    """Mean cross-entropy E(w) of the sigmoid unit on a batch.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray, shape (N,), values 0/1
    w : ndarray, shape (D,)
    b : float

    Returns
    -------
    E : float
        -(1/N) sum_n {y_n log yhat_n + (1 - y_n) log(1 - yhat_n)}, computed
        stably from h (see ``cross_entropy_from_h``).
    """
    x, y, w, b = _check_data(x, y, w, b)
    return cross_entropy_from_h(y, x @ w + b)


def squared_error_loss(x, y, w, b):
    """Mean squared error with the slides' factor 1/2: (1/N) sum_n 1/2 (yhat_n - y_n)^2.

    Parameters and shapes as in ``cross_entropy_loss``. Returns a float.
    """
    x, y, w, b = _check_data(x, y, w, b)
    r = sigmoid(x @ w + b) - y
    return float(0.5 * np.mean(r * r))


def cross_entropy_gradient(x, y, w, b):
    """Gradient of the mean cross-entropy with respect to w and b.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray, shape (N,), values 0/1
    w : ndarray, shape (D,)
    b : float

    Returns
    -------
    dw : ndarray, shape (D,)
    db : float

    Notes
    -----
    eps_n = dE_n/dh_n = yhat_n - y_n (the sigmoid's derivative has cancelled), so
    dE/dw = (1/N) x^T eps and dE/db = mean(eps).
    """
    x, y, w, b = _check_data(x, y, w, b)
    eps = sigmoid(x @ w + b) - y
    return x.T @ eps / x.shape[0], float(np.mean(eps))


def squared_error_gradient(x, y, w, b):
    """Gradient of the mean squared error (1/N) sum_n 1/2 (yhat_n - y_n)^2 of a sigmoid unit.

    Parameters and returns as in ``cross_entropy_gradient``.

    Notes
    -----
    eps_n = (yhat_n - y_n) yhat_n (1 - yhat_n): the extra factor sigma'(h) <= 1/4
    is almost 0 when the unit is saturated (|h| large), even if it is wrong.
    """
    x, y, w, b = _check_data(x, y, w, b)
    y_hat = sigmoid(x @ w + b)
    eps = (y_hat - y) * y_hat * (1 - y_hat)
    return x.T @ eps / x.shape[0], float(np.mean(eps))


_LOSSES = {"cross_entropy": (cross_entropy_loss, cross_entropy_gradient),
           "squared_error": (squared_error_loss, squared_error_gradient)}


# --- training by gradient descent -----------------------------------------------------------

@dataclass
class LogisticResult:
    """What ``train_logistic_regression`` returns.

    Attributes
    ----------
    w : ndarray, shape (D,)
        Final weights.
    b : float
        Final bias.
    losses : ndarray, shape (n_steps + 1,)
        The training loss before the first step and after every step.
    weights : ndarray, shape (n_steps + 1, D)
        w before the first step and after every step.
    biases : ndarray, shape (n_steps + 1,)
    eta : float
    loss : str
        'cross_entropy' or 'squared_error'.
    """

    w: np.ndarray
    b: float
    losses: np.ndarray
    weights: np.ndarray
    biases: np.ndarray
    eta: float
    loss: str

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def __repr__(self):
        return (f"LogisticResult(loss={self.loss!r}, eta={self.eta:g}, steps={len(self.losses) - 1}, "
                f"final_loss={self.final_loss:.4f}, w={np.round(self.w, 3).tolist()}, b={self.b:.3f})")


def train_logistic_regression(x, y, eta=1.0, n_steps=100, loss="cross_entropy", w0=None, b0=0.0):
    """Full-batch gradient descent w' = w - eta dE/dw on a sigmoid unit.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray, shape (N,), values 0/1
    eta : float, > 0
        Learning rate.
    n_steps : int, >= 1
        Number of gradient-descent steps (each uses the whole batch).
    loss : {'cross_entropy', 'squared_error'}
    w0 : ndarray, shape (D,), optional
        Initial weights (default zeros). Not modified.
    b0 : float
        Initial bias.

    Returns
    -------
    LogisticResult
        Final weights and the history of the loss and the weights.
    """
    x = as_matrix(x, "x")
    y = as_binary_labels(y, "y", n_rows=x.shape[0])
    eta = check_positive(eta, "eta")
    n_steps = check_positive_int(n_steps, "n_steps")
    check_choice(loss, "loss", LOSS_NAMES)
    loss_value, loss_gradient = _LOSSES[loss]
    w = np.zeros(x.shape[1]) if w0 is None else as_vector(w0, "w0", length=x.shape[1]).copy()
    b = as_scalar(b0, "b0")
    weights, biases, losses = [w.copy()], [b], [loss_value(x, y, w, b)]
    for _ in range(n_steps):
        dw, db = loss_gradient(x, y, w, b)
        with np.errstate(over="ignore"):  # an infinite step is reported just below
            w, b = w - eta * dw, b - eta * db
        if not (np.all(np.isfinite(w)) and np.isfinite(b)):
            raise FloatingPointError(f"the weights became infinite after {len(losses)} steps with eta={eta:g}: "
                                     "lower the learning rate.")
        weights.append(w.copy())
        biases.append(b)
        losses.append(loss_value(x, y, w, b))
    return LogisticResult(w=w, b=float(b), losses=np.array(losses), weights=np.array(weights),
                          biases=np.array(biases), eta=eta, loss=loss)
