"""Where the losses come from: each one is the negative log-likelihood of a noise model (chapter 05).

Maximum likelihood chooses the weights that make the observed targets most
probable: maximise prod_n p(y_n | yhat_n), i.e. minimise the mean of
-log p(y_n | yhat_n). With the network's output yhat as the centre (or the
probability) of a noise model, that mean is a loss:

==================================  ========================================  ==============================
noise model of the target y          -log p(y | yhat)                          loss (up to a constant in yhat)
==================================  ========================================  ==============================
Gaussian N(yhat, sigma^2)            r^2 / (2 sigma^2) + log(sqrt(2 pi) sigma)  squared error 1/2 r^2 (sigma = 1)
Bernoulli, P(y = 1) = yhat           -{y log yhat + (1 - y) log(1 - yhat)}      binary cross-entropy (exactly)
categorical, P(class j) = yhat_j     -sum_j y_j log yhat_j (y one-hot)          categorical cross-entropy
Laplace, scale b                     |r| / b + log(2 b)                         delta |r| (b = 1/delta): Huber's linear side
==================================  ========================================  ==============================

with r = yhat - y. Huber's loss is Gaussian near the prediction and Laplace in
the tails: a noise model that expects occasional large errors.

* ``prove_losses_are_negative_log_likelihoods()``: SymPy shows that
  d/dyhat (-log p - loss) simplifies to 0 for each pair (the two differ by a
  constant, so they have the same minimiser); ``use_wrong_loss=True`` swaps
  in losses that do not match (squared error without its 1/2 against the
  unit Gaussian, ...), where the difference is not 0: the proof has teeth.
* ``likelihood_gaps(seed)``: the same numerically, with SciPy's log-densities
  (written independently of ours): over many random yhat, -log p - loss has
  a spread of rounding size only.
* ``huber_location(y, delta)``: the constant c that minimises
  sum_i L_delta(c - y_i), found by bisection on its derivative
  sum_i clip(c - y_i, -delta, delta), which never decreases in c. As
  delta -> infinity it is the mean (least squares); as delta -> 0 the
  derivative divided by delta tends to sum_i sign(c - y_i), whose zero is
  the median.

SymPy and SciPy are imported inside the functions that use them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_float_array, as_generator, check_positive
from ..nn.activations import softmax

__all__ = ["NOISE_MODELS", "prove_losses_are_negative_log_likelihoods", "LikelihoodGap", "likelihood_gaps",
           "huber_location"]

#: The four pairs, in the order the chapter shows them.
NOISE_MODELS = ("Gaussian -> squared error", "Bernoulli -> binary cross-entropy",
                "categorical -> cross-entropy", "Laplace -> Huber's linear side")


def prove_losses_are_negative_log_likelihoods(use_wrong_loss=False):
    """For each noise model, simplify d/dyhat (-log p(y | yhat) - loss): 0 means they differ by a constant.

    Parameters
    ----------
    use_wrong_loss : bool
        Compare with losses that do *not* match (squared error without the
        1/2, binary cross-entropy with the labels swapped, cross-entropy
        summed over the wrong class, Huber's linear side with slope 1
        instead of delta): the derivatives are then not 0.

    Returns
    -------
    dict of str -> sympy expression
        Keyed by ``NOISE_MODELS``. The Laplace entry is for r = yhat - y > 0
        and r < 0 together: the sum of the squares of both sides' derivatives.
    """
    import sympy as sp

    y_hat, y, delta = sp.symbols("yhat y delta", positive=True)
    r = sp.symbols("r", positive=True)  # |yhat - y| on one side of the kink
    out = {}

    # Gaussian with sigma = 1: the slides' squared error carries the 1/2.
    gauss_nll = -sp.log(sp.exp(-(y - y_hat) ** 2 / 2) / sp.sqrt(2 * sp.pi))
    squared_error = (y_hat - y) ** 2 * (1 if use_wrong_loss else sp.Rational(1, 2))
    out[NOISE_MODELS[0]] = sp.simplify(sp.diff(gauss_nll - squared_error, y_hat))

    # Bernoulli: p(y | yhat) = yhat^y (1 - yhat)^(1 - y), y in {0, 1}; the log of the product written out.
    bernoulli_nll = -(y * sp.log(y_hat) + (1 - y) * sp.log(1 - y_hat))
    label = (1 - y) if use_wrong_loss else y
    bce = -(label * sp.log(y_hat) + (1 - label) * sp.log(1 - y_hat))
    out[NOISE_MODELS[1]] = sp.simplify(sp.diff(bernoulli_nll - bce, y_hat))

    # Categorical, three classes, true class 1 (one-hot y = (1, 0, 0)): p = prod_j yhat_j^(y_j).
    p1, p2, p3 = sp.symbols("yhat1:4", positive=True)
    one_hot = (1, 0, 0)
    categorical_nll = -sp.log(sp.Mul(*(p ** t for p, t in zip((p1, p2, p3), one_hot))))
    picked = (0, 1, 0) if use_wrong_loss else one_hot
    cross_entropy = -sum(t * sp.log(p) for p, t in zip((p1, p2, p3), picked))
    difference = categorical_nll - cross_entropy
    out[NOISE_MODELS[2]] = sp.simplify(sum(sp.diff(difference, p) ** 2 for p in (p1, p2, p3)))

    # Laplace with scale b = 1/delta: p = (delta / 2) exp(-delta |yhat - y|). Huber's linear side
    # delta (|r| - delta/2) on each side of the kink: yhat = y + r and yhat = y - r.
    slope = 1 if use_wrong_loss else delta
    total = 0
    for side in (1, -1):
        at = y + side * r  # yhat on this side; d/dyhat = side * d/dr
        laplace_nll = -sp.log(delta / 2 * sp.exp(-delta * sp.Abs(at - y)))
        huber_linear = slope * (sp.Abs(at - y) - delta / 2)
        total += (side * sp.diff(laplace_nll - huber_linear, r)) ** 2
    out[NOISE_MODELS[3]] = sp.simplify(total)
    return out


@dataclass(frozen=True)
class LikelihoodGap:
    """-log p - loss over many random predictions: its mean (the constant) and its spread.

    Attributes
    ----------
    model : str
        One of ``NOISE_MODELS``.
    constant : float
        The mean of -log p(y | yhat) - loss.
    spread : float
        max - min of that difference over the samples (rounding size: the loss is the
        negative log-likelihood up to this constant).
    """

    model: str
    constant: float
    spread: float


def likelihood_gaps(n=1000, delta=1.0, seed=0):
    """Compare SciPy's log-densities with the losses on n random (y, yhat) per noise model.

    Parameters
    ----------
    n : int
        Samples per noise model.
    delta : float > 0
        Huber's threshold; the Laplace scale is b = 1 / delta.
    seed : int or Generator

    Returns
    -------
    list of LikelihoodGap, one per ``NOISE_MODELS`` entry.
    """
    from scipy import stats

    delta = check_positive(delta, "delta")
    rng = as_generator(seed, "seed")
    gaps = []

    y_hat, y = rng.normal(size=n) * 3, rng.normal(size=n) * 3
    gaps.append(_gap(NOISE_MODELS[0], -stats.norm.logpdf(y, loc=y_hat, scale=1.0), 0.5 * (y_hat - y) ** 2))

    y_hat, y = rng.uniform(0.01, 0.99, n), rng.integers(0, 2, n)
    bce = -(y * np.log(y_hat) + (1 - y) * np.log1p(-y_hat))
    gaps.append(_gap(NOISE_MODELS[1], -stats.bernoulli.logpmf(y, y_hat), bce))

    probabilities = softmax(rng.normal(size=(n, 4)))
    classes = rng.integers(0, 4, n)
    one_hot = np.eye(4)[classes]
    nll = -np.array([stats.multinomial.logpmf(t, 1, p) for t, p in zip(one_hot, probabilities)])
    gaps.append(_gap(NOISE_MODELS[2], nll, -np.sum(one_hot * np.log(probabilities), axis=1)))

    y = rng.normal(size=n)
    y_hat = y + rng.choice([-1, 1], n) * rng.uniform(delta, 10 * delta, n)  # |r| > delta: the linear side
    a = np.abs(y_hat - y)
    gaps.append(_gap(NOISE_MODELS[3], -stats.laplace.logpdf(y, loc=y_hat, scale=1 / delta), delta * (a - delta / 2)))
    return gaps


def _gap(model, nll, loss):
    difference = nll - loss
    return LikelihoodGap(model, float(np.mean(difference)), float(np.max(difference) - np.min(difference)))


def huber_location(y, delta, tol=1e-12):
    """The constant c minimising sum_i L_delta(c - y_i) (Huber's estimate of the centre of y).

    Parameters
    ----------
    y : array_like, shape (N,)
        The sample.
    delta : float > 0
        Huber's threshold, in the units of y.
    tol : float > 0
        Bisection stops when the bracket is this narrow (relative to the data's range).

    Returns
    -------
    float
        The zero of the derivative sum_i clip(c - y_i, -delta, delta) (non-decreasing in c,
        so bisection finds it). For large delta it is the mean; for small delta it tends to
        the median (for an even N, the middle of the median interval as delta -> 0).
    """
    y = as_float_array(y, "y").ravel()
    if y.size == 0:
        raise ValueError("y must hold at least one value.")
    delta = check_positive(delta, "delta")
    tol = check_positive(tol, "tol")
    low, high = float(y.min()), float(y.max())
    width = max(high - low, 1.0)
    # The derivative's zero set may be an interval (flat part): take its midpoint, found as the
    # meeting point of the last c with a negative derivative and the first with a positive one.
    lo_neg, hi_neg = low, high  # bracket for the last c with derivative < 0
    lo_pos, hi_pos = low, high  # bracket for the first c with derivative > 0
    while hi_neg - lo_neg > tol * width:
        mid = 0.5 * (lo_neg + hi_neg)
        lo_neg, hi_neg = (mid, hi_neg) if _huber_slope(y, mid, delta) < 0 else (lo_neg, mid)
    while hi_pos - lo_pos > tol * width:
        mid = 0.5 * (lo_pos + hi_pos)
        lo_pos, hi_pos = (lo_pos, mid) if _huber_slope(y, mid, delta) > 0 else (mid, hi_pos)
    return 0.5 * (lo_neg + hi_pos)


def _huber_slope(y, c, delta):
    return float(np.sum(np.clip(c - y, -delta, delta)))
