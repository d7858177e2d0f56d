"""Loss functions E(w) and their gradients with respect to the prediction yhat.

Shapes and conventions (the same for every loss here)
-----------------------------------------------------
* ``y`` and ``y_hat`` have the same shape: (N, C) for N examples with C
  outputs, or (N,) for one output per example. Class targets of
  'categorical_crossentropy' are one-hot rows, shape (N, C).
* Per example the loss is **summed over the outputs** j, then **averaged over
  the batch** (divided by N). Averaging over the batch keeps the learning
  rate eta independent of the batch size.
* Squared error carries the slides' factor 1/2:
  E = (1/N) sum_n 1/2 sum_j (yhat_nj - y_nj)^2, so that its gradient is
  exactly (yhat - y)/N and the backprop formulas of chapter 04 read
  eps_k = (yhat_k - y_k) yhat_k (1 - yhat_k) with no stray factor 2.
  Keras's 'mean_squared_error' instead has no 1/2 and averages over the
  outputs: Keras MSE = (2 / C) x ours. Only the scale of E (and so the
  effective learning rate) differs; the minimiser is the same.
* Each value function returns a Python float; each gradient function
  returns dE/dyhat with the shape and dtype of ``y_hat``.
* Cross-entropies clip yhat into [kappa, 1 - kappa] (kappa = ``EPSILON``,
  Keras's ``epsilon``) before the log, so log(0) never happens (the largest
  loss per output is -log(1e-7) = 16.1).
* Cross-entropies take probabilities: y_hat outside [0, 1] (or, for the
  categorical one, rows that do not sum to 1) raise an error that says they
  look like logits, instead of a finite but meaningless number. NaN passes
  (a diverged model is reported by ``fit``). The tolerance
  ``PROBABILITY_TOLERANCE`` leaves room for rounding and for the small steps
  of a numerical gradient check; logits miss it by far.

The fused error term
--------------------
For the matching pairs softmax + categorical cross-entropy, sigmoid +
binary cross-entropy and linear + squared error, the error term of the
output layer simplifies to eps = dE/dh = (yhat - y) / N (``output_error``).
The model uses it instead of multiplying dE/dyhat (which contains 1/yhat)
by the activation's derivative (which contains yhat): no division by a
tiny number, no 0 * inf. This is the lesson of chapter 05.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .._validate import as_float_array, as_scalar, check_choice, check_positive, float_dtype_of

__all__ = [
    "EPSILON", "PROBABILITY_TOLERANCE",
    "mean_squared_error", "mean_squared_error_gradient",
    "binary_crossentropy", "binary_crossentropy_gradient",
    "categorical_crossentropy", "categorical_crossentropy_gradient",
    "huber", "huber_gradient",
    "output_error",
    "Loss", "LOSSES", "get_loss",
]

#: Clipping margin kappa for the cross-entropies (the value Keras uses for its ``epsilon``).
EPSILON = 1e-7

#: How far predictions of the cross-entropies may lie outside [0, 1], and rows of the categorical
#: one from summing to 1, before they are refused as "not probabilities". Room for rounding and
#: for the 1e-6 steps of ``numerical_gradient``; logits (any real numbers) miss it by far.
PROBABILITY_TOLERANCE = 1e-3


def _check_pair(y, y_hat, loss_name):
    """Validate targets ``y`` against predictions ``y_hat``; return both as float arrays.

    ``y_hat`` may contain NaN/inf (then the loss is NaN, as NumPy would give,
    and the model reports divergence); ``y`` must be finite.
    """
    y_hat = as_float_array(y_hat, "y_hat", dtype=float_dtype_of(y_hat), allow_nan=True)
    y = as_float_array(y, "y", dtype=y_hat.dtype)
    if y_hat.ndim not in (1, 2) or y_hat.shape[0] == 0:
        raise ValueError(
            f"{loss_name}: y_hat must have shape (N, C) or (N,) with N >= 1, got shape {y_hat.shape}."
        )
    if y.shape != y_hat.shape:
        hint = ""
        if y.ndim == 1 and y_hat.ndim == 2 and y_hat.shape[1] == 1:
            hint = " Reshape the targets with y.reshape(-1, 1)."
        elif y.ndim == 1 and y_hat.ndim == 2 and loss_name == "categorical_crossentropy":
            hint = (
                f" y looks like integer class labels; categorical_crossentropy needs one-hot rows:"
                f" y = lecture_lib.nn.one_hot.to_one_hot(y, {y_hat.shape[1]})."
            )
        raise ValueError(
            f"{loss_name}: targets y must have the shape of the predictions y_hat {y_hat.shape},"
            f" got {y.shape}.{hint}"
        )
    return y, y_hat


def _check_epsilon(epsilon, loss_name):
    """The clipping margin of the cross-entropies: a real number with 0 <= epsilon < 0.5."""
    value = as_scalar(epsilon, f"{loss_name}: epsilon")
    if not 0.0 <= value < 0.5:
        raise ValueError(f"{loss_name}: epsilon must satisfy 0 <= epsilon < 0.5 (y_hat is clipped into"
                         f" [epsilon, 1 - epsilon]; Keras uses 1e-7), got {value}.")
    return value


def _check_probabilities(y, loss_name):
    if np.any(y < 0) or np.any(y > 1):
        raise ValueError(
            f"{loss_name}: targets y must lie in [0, 1], got values from {y.min()} to {y.max()}."
        )


def _check_predictions_are_probabilities(y_hat, loss_name, rows_sum_to_one=False):
    """Refuse y_hat that are not probabilities (values outside [0, 1], rows not summing to 1).

    NaN entries are skipped: a diverged model's output is NaN, and ``fit``
    reports that itself with the epoch and the layer.
    """
    tol = PROBABILITY_TOLERANCE
    squash = "softmax" if rows_sum_to_one else "sigmoid"
    hint = (f" These look like logits (weighted sums h of the output layer): apply {squash} first"
            f" (an output layer with activation='{squash}'), or compute the loss from the logits"
            f" (Keras: from_logits=True).")
    if np.any(y_hat < -tol) or np.any(y_hat > 1 + tol):
        raise ValueError(
            f"{loss_name}: y_hat must be probabilities in [0, 1], got values from {np.nanmin(y_hat):.4g}"
            f" to {np.nanmax(y_hat):.4g}.{hint}"
        )
    if rows_sum_to_one:
        sums = np.sum(y_hat, axis=-1)
        bad = np.flatnonzero(np.abs(sums - 1) > tol)  # NaN rows compare False: skipped
        if bad.size:
            raise ValueError(
                f"{loss_name}: each row of y_hat must be a probability distribution (sum to 1); {bad.size}"
                f" row(s) do not, e.g. row {bad[0]} sums to {sums[bad[0]]:.4g}.{hint}"
            )


# --- squared error ------------------------------------------------------------------

def mean_squared_error(y, y_hat) -> float:
    """Squared-error loss with the slides' factor 1/2, averaged over the batch.

    Parameters
    ----------
    y : array_like, shape (N, C) or (N,)
        Targets.
    y_hat : array_like, same shape as y
        Predictions.

    Returns
    -------
    E : float

    Notes
    -----
    E = (1/N) sum_n 1/2 sum_j (yhat_nj - y_nj)^2.
    Keras's MSE is (2/C) times this value (no 1/2, mean over outputs); see
    the module docstring for why we keep the 1/2.
    """
    return _mse_value(*_check_pair(y, y_hat, "mean_squared_error"))


def _mse_value(y, y_hat):
    r = y_hat - y
    r *= r  # in place: r * r
    return float(0.5 * np.sum(r) / y_hat.shape[0])


def mean_squared_error_gradient(y, y_hat):
    """dE/dyhat of ``mean_squared_error``: (yhat - y) / N, shape of y_hat."""
    return _output_error(*_check_pair(y, y_hat, "mean_squared_error"))


# --- binary cross-entropy ---------------------------------------------------------------

def binary_crossentropy(y, y_hat, epsilon=EPSILON) -> float:
    """Binary cross-entropy (negative log-likelihood of Bernoulli outputs).

    Parameters
    ----------
    y : array_like, shape (N, C) or (N,)
        Targets in [0, 1] (usually 0 or 1).
    y_hat : array_like, same shape as y
        Predicted probabilities in [0, 1], usually sigmoid outputs (logits
        raise a ValueError that says so).
    epsilon : float
        The clipping constant kappa: yhat is clipped into [kappa, 1 - kappa]
        before the log.

    Returns
    -------
    E : float

    Notes
    -----
    E = -(1/N) sum_n sum_j {y log yhat + (1 - y) log(1 - yhat)}.
    For several outputs we sum over them (Keras averages): the same
    minimiser, and it keeps eps = (yhat - y)/N for every loss here.
    """
    epsilon = _check_epsilon(epsilon, "binary_crossentropy")
    y, y_hat = _check_pair(y, y_hat, "binary_crossentropy")
    _check_probabilities(y, "binary_crossentropy")
    _check_predictions_are_probabilities(y_hat, "binary_crossentropy")
    return _bce_value(y, y_hat, epsilon)


def _bce_value(y, y_hat, epsilon=EPSILON):
    p = np.clip(y_hat, epsilon, 1 - epsilon)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)) / y_hat.shape[0])


def binary_crossentropy_gradient(y, y_hat, epsilon=EPSILON):
    """dE/dyhat of ``binary_crossentropy``, shape of y_hat.

    Notes
    -----
    dE/dyhat = (yhat - y) / (yhat (1 - yhat)) / N, evaluated at the clipped
    yhat so it stays finite. Multiplied by the sigmoid's derivative
    yhat (1 - yhat) it gives the fused eps = (yhat - y)/N.
    """
    epsilon = _check_epsilon(epsilon, "binary_crossentropy")
    y, y_hat = _check_pair(y, y_hat, "binary_crossentropy")
    _check_probabilities(y, "binary_crossentropy")
    _check_predictions_are_probabilities(y_hat, "binary_crossentropy")
    return _bce_gradient(y, y_hat, epsilon)


def _bce_gradient(y, y_hat, epsilon=EPSILON):
    p = np.clip(y_hat, epsilon, 1 - epsilon)
    return (p - y) / (p * (1 - p)) / y_hat.shape[0]


# --- categorical cross-entropy ---------------------------------------------------------

def _check_one_hot(y):
    _check_probabilities(y, "categorical_crossentropy")
    if y.ndim != 2:
        raise ValueError(f"categorical_crossentropy needs targets of shape (N, C), got {y.shape}.")
    sums = np.sum(y, axis=1)
    bad = np.flatnonzero(np.abs(sums - 1) > 1e-5)
    if bad.size:
        raise ValueError(
            f"categorical_crossentropy: each target row must be one-hot (sum to 1); "
            f"{bad.size} row(s) do not, e.g. row {bad[0]} sums to {sums[bad[0]]}."
        )


def categorical_crossentropy(y, y_hat, epsilon=EPSILON) -> float:
    """Categorical cross-entropy for one-hot targets.

    Parameters
    ----------
    y : array_like, shape (N, C)
        One-hot targets (each row sums to 1). Integer labels (N,) must be
        converted with ``lecture_lib.nn.one_hot.to_one_hot`` first.
    y_hat : array_like, shape (N, C)
        Predicted class probabilities (rows summing to 1), usually softmax
        outputs (logits raise a ValueError that says so).
    epsilon : float
        The clipping constant kappa: yhat is clipped into [kappa, 1 - kappa]
        before the log.

    Returns
    -------
    E : float

    Notes
    -----
    E = -(1/N) sum_n sum_j y_nj log yhat_nj.
    """
    epsilon = _check_epsilon(epsilon, "categorical_crossentropy")
    y, y_hat = _check_pair(y, y_hat, "categorical_crossentropy")
    _check_one_hot(y)
    _check_predictions_are_probabilities(y_hat, "categorical_crossentropy", rows_sum_to_one=True)
    return _cce_value(y, y_hat, epsilon)


def _cce_value(y, y_hat, epsilon=EPSILON):
    p = np.clip(y_hat, epsilon, 1 - epsilon)
    np.log(p, out=p)
    p *= y  # in place: the same values as y * log(p)
    return float(-np.sum(p) / y_hat.shape[0])


def categorical_crossentropy_gradient(y, y_hat, epsilon=EPSILON):
    """dE/dyhat of ``categorical_crossentropy``: -y / yhat / N (yhat clipped), shape (N, C)."""
    epsilon = _check_epsilon(epsilon, "categorical_crossentropy")
    y, y_hat = _check_pair(y, y_hat, "categorical_crossentropy")
    _check_one_hot(y)
    _check_predictions_are_probabilities(y_hat, "categorical_crossentropy", rows_sum_to_one=True)
    return _cce_gradient(y, y_hat, epsilon)


def _cce_gradient(y, y_hat, epsilon=EPSILON):
    p = np.clip(y_hat, epsilon, 1 - epsilon)
    return -y / p / y_hat.shape[0]


# --- Huber ------------------------------------------------------------------------------------

def huber(y, y_hat, delta=1.0) -> float:
    """Huber loss: quadratic for small residuals, linear for large ones.

    Parameters
    ----------
    y : array_like, shape (N, C) or (N,)
    y_hat : array_like, same shape as y
    delta : float > 0
        Where the quadratic part hands over to the linear part.

    Returns
    -------
    E : float

    Notes
    -----
    With r = yhat - y, per output
    L(r) = 1/2 r^2 if |r| <= delta, else delta (|r| - delta/2);
    E = (1/N) sum_n sum_j L(r_nj). For |r| <= delta this equals our
    ``mean_squared_error``; outliers pull with force delta at most, which
    makes the fit robust to them.
    """
    delta = check_positive(delta, "delta")
    return _huber_value(*_check_pair(y, y_hat, "Huber"), delta)


def _huber_value(y, y_hat, delta):
    a = np.abs(y_hat - y)
    per_output = np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))
    return float(np.sum(per_output) / y_hat.shape[0])


def huber_gradient(y, y_hat, delta=1.0):
    """dE/dyhat of ``huber``: clip(yhat - y, -delta, delta) / N, shape of y_hat."""
    delta = check_positive(delta, "delta")
    return _huber_gradient(*_check_pair(y, y_hat, "Huber"), delta)


def _huber_gradient(y, y_hat, delta):
    return np.clip(y_hat - y, -delta, delta) / y_hat.shape[0]


# --- fused output error term --------------------------------------------------------------

def output_error(y, y_hat):
    """Fused error term of the output layer, eps = dE/dh = (yhat - y) / N.

    Valid for the matching pairs softmax + 'categorical_crossentropy',
    sigmoid + 'binary_crossentropy' and linear + 'mean_squared_error'.

    Parameters
    ----------
    y : array_like, shape (N, C) or (N,)
    y_hat : array_like, same shape as y
        The activation's output (not clipped: no log or division appears).

    Returns
    -------
    eps : ndarray, shape of y_hat

    Notes
    -----
    Softmax + cross-entropy: dE/dh_j = sum_k (-y_k / yhat_k) yhat_k
    ([k = j] - yhat_j) / N ([k = j] is 1 if k = j, else 0) = (yhat_j sum_k y_k - y_j) / N = (yhat_j - y_j) / N,
    using sum_k y_k = 1. Sigmoid + binary cross-entropy:
    (yhat - y) / (yhat (1 - yhat)) times yhat (1 - yhat).
    """
    return _output_error(*_check_pair(y, y_hat, "output_error"))


def _output_error(y, y_hat):
    """(yhat - y) / N without input checks (y, y_hat: float arrays of one dtype and shape)."""
    eps = y_hat - y
    eps /= y_hat.shape[0]  # in place; an int N keeps float32 float32
    return eps


# --- lookup table ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Loss:
    """A named loss: ``value(y, y_hat) -> float``, ``gradient(y, y_hat) -> dE/dyhat``.

    Attributes
    ----------
    name : str
    value, gradient : callable
    output_activation : str or None
        The activation whose output layer may use the fused
        ``output_error`` instead of ``gradient`` (see the module docstring).
    options : dict
        Parameters such as ``delta`` (shown in the repr).
    value_kernel, gradient_kernel : callable or None
        The same computations as ``value`` and ``gradient`` without the
        input checks, for targets the caller has validated once (float
        arrays of y_hat's dtype and shape; ``Sequential.fit`` checks them
        before the first batch). None: ``value``/``gradient`` are used.
        ``gradient_kernel`` must return a new array: the layers of ``fit``
        overwrite it (a ``gradient`` of the caller's is copied instead).
    """

    name: str
    value: Callable
    gradient: Callable
    output_activation: str | None = None
    options: dict = field(default_factory=dict)
    value_kernel: Callable | None = field(default=None, repr=False, compare=False)
    gradient_kernel: Callable | None = field(default=None, repr=False, compare=False)

    def __call__(self, y, y_hat) -> float:
        return self.value(y, y_hat)

    def __repr__(self):
        opts = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return f"Loss({self.name!r}{opts})"


def _huber_loss(delta):
    delta = check_positive(delta, "delta")
    return Loss(
        "Huber",
        lambda y, y_hat: huber(y, y_hat, delta=delta),
        lambda y, y_hat: huber_gradient(y, y_hat, delta=delta),
        options={"delta": delta},
        value_kernel=lambda y, y_hat: _huber_value(y, y_hat, delta),
        gradient_kernel=lambda y, y_hat: _huber_gradient(y, y_hat, delta),
    )


#: Every loss by the name Keras uses.
LOSSES = {
    "mean_squared_error": Loss(
        "mean_squared_error", mean_squared_error, mean_squared_error_gradient, "linear",
        value_kernel=_mse_value, gradient_kernel=_output_error,
    ),
    "binary_crossentropy": Loss(
        "binary_crossentropy", binary_crossentropy, binary_crossentropy_gradient, "sigmoid",
        value_kernel=_bce_value, gradient_kernel=_bce_gradient,
    ),
    "categorical_crossentropy": Loss(
        "categorical_crossentropy", categorical_crossentropy, categorical_crossentropy_gradient, "softmax",
        value_kernel=_cce_value, gradient_kernel=_cce_gradient,
    ),
    "Huber": _huber_loss(1.0),
}

# Other spellings Keras accepts.
_ALIASES = {"mse": "mean_squared_error", "huber": "Huber"}


def get_loss(name, delta=1.0) -> Loss:
    """Look a loss up by name.

    Parameters
    ----------
    name : str or Loss
        'mean_squared_error' (or 'mse'), 'binary_crossentropy',
        'categorical_crossentropy', 'Huber' (or 'huber'). A Loss is
        returned unchanged.
    delta : float
        Threshold of 'Huber' (ignored by the other losses).

    Returns
    -------
    Loss

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid names.
    """
    if isinstance(name, Loss):
        return name
    if not isinstance(name, str):
        raise TypeError(f"loss must be a name (str) or a Loss, got {name!r}.")
    key = _ALIASES.get(name, name)
    check_choice(key, "loss", [*LOSSES, *_ALIASES])
    if key == "Huber":
        return _huber_loss(delta)
    return LOSSES[key]
