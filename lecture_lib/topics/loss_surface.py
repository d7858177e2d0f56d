"""The loss surface E(w1, w2) of a network with two weights, and gradient descent on it.

Chapter 04 pictures training as a walk downhill on E(w): start at a random
point A, step against the gradient, arrive at the minimum F. With two
weights the whole surface can be drawn, in 3-D and as contours.

The network: one input x, one sigmoid hidden unit, one linear output unit,

    g = sigma(w1 x),   yhat = w2 g,   E(w1, w2) = (1/N) sum_n 1/2 (yhat_n - y_n)^2.

The output unit is linear so that E grows without bound far from the
minimum: a learning rate that is too large then makes the run visibly
diverge (with a sigmoid output E stays bounded and a bad run only stalls).
The data come from the same network with w = (1, 2) plus a little noise,
so the minimum F lies close to (1, 2).

Its figures and the learning-rate explorer: ``lecture_lib.viz.loss_surface_explorer``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_vector, check_positive, check_positive_int
from ..nn.activations import sigmoid, sigmoid_derivative

__all__ = [
    "W1_RANGE", "W2_RANGE", "two_weight_data", "two_weight_loss", "two_weight_gradient", "loss_grid",
    "random_start", "DescentPath", "gradient_descent", "find_minimum",
]

#: The part of the (w1, w2) plane drawn by default.
W1_RANGE = (-3.0, 4.0)
W2_RANGE = (-2.0, 5.0)
_TRUE_WEIGHTS = (1.0, 2.0)


def two_weight_data(n=25, noise=0.05, seed=0):
    """Inputs and targets of the two-weight regression problem.

    Parameters
    ----------
    n : int
        Number of examples, x evenly spaced in [-3, 3].
    noise : float >= 0
        Standard deviation of the Gaussian noise added to the targets.
    seed : int

    Returns
    -------
    x, y : ndarray, shape (n,)
        y = 2 sigma(x) + noise.
    """
    n = check_positive_int(n, "n")
    noise = check_positive(noise, "noise", allow_zero=True)
    x = np.linspace(-3.0, 3.0, n)
    y = _TRUE_WEIGHTS[1] * sigmoid(_TRUE_WEIGHTS[0] * x) + noise * np.random.default_rng(seed).standard_normal(n)
    return x, y


def _check_data(x, y):
    x, y = as_vector(x, "x"), as_vector(y, "y")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape (N,), got {x.shape} and {y.shape}.")
    return x, y


def two_weight_loss(w1, w2, x, y):
    """E(w1, w2) for weights of any (broadcastable) shape, e.g. a whole grid.

    Parameters
    ----------
    w1, w2 : float or ndarray, broadcastable to a common shape S
    x, y : ndarray, shape (N,)

    Returns
    -------
    E : ndarray of shape S (a float when w1 and w2 are numbers)
        (1/N) sum_n 1/2 (w2 sigma(w1 x_n) - y_n)^2.
    """
    x, y = _check_data(x, y)
    w1, w2 = np.asarray(w1, dtype=float), np.asarray(w2, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        residual = w2[..., None] * sigmoid(w1[..., None] * x) - y      # shape S + (N,)
        loss = 0.5 * np.mean(residual ** 2, axis=-1)
    return float(loss) if loss.ndim == 0 else loss


def two_weight_gradient(w, x, y):
    """(dE/dw1, dE/dw2) by backpropagation through the two units.

    Parameters
    ----------
    w : ndarray, shape (2,)
        (w1, w2).
    x, y : ndarray, shape (N,)

    Returns
    -------
    grad : ndarray, shape (2,)

    Notes
    -----
    Output unit (linear): eps_out = yhat - y, so dE/dw2 = mean(eps_out g).
    Hidden unit: eps_hidden = eps_out w2 g (1 - g), so dE/dw1 = mean(eps_hidden x).
    """
    w = as_vector(w, "w", length=2)
    x, y = _check_data(x, y)
    g = sigmoid(w[0] * x)
    eps_out = w[1] * g - y
    eps_hidden = eps_out * w[1] * sigmoid_derivative(g)
    return np.array([np.mean(eps_hidden * x), np.mean(eps_out * g)])


def loss_grid(x, y, w1_range=W1_RANGE, w2_range=W2_RANGE, n=121):
    """E on an n x n grid of (w1, w2), for surface and contour plots.

    Returns
    -------
    w1_grid, w2_grid, E : ndarray, shape (n, n)
        As from ``np.meshgrid`` (rows follow w2, columns follow w1).
    """
    n = check_positive_int(n, "n")
    w1_grid, w2_grid = np.meshgrid(np.linspace(*w1_range, n), np.linspace(*w2_range, n))
    return w1_grid, w2_grid, two_weight_loss(w1_grid, w2_grid, x, y)


def random_start(seed=2, w1_range=W1_RANGE, w2_range=W2_RANGE):
    """A random starting point A, uniform in the drawn rectangle. Returns ndarray, shape (2,)."""
    rng = np.random.default_rng(seed)
    return rng.uniform([w1_range[0], w2_range[0]], [w1_range[1], w2_range[1]])


@dataclass
class DescentPath:
    """A gradient-descent run.

    Attributes
    ----------
    weights : ndarray, shape (S + 1, 2)
        The start and the weights after each step.
    losses : ndarray, shape (S + 1,)
        E at each of those points.
    eta : float
    diverged : bool
        True when E grew beyond ``max_loss`` (or overflowed); the run stopped there.
    """

    weights: np.ndarray
    losses: np.ndarray
    eta: float
    diverged: bool

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])


def gradient_descent(start, eta, steps, x, y, max_loss=1e6):
    """Run w' = w - eta dE/dw from ``start``.

    Parameters
    ----------
    start : ndarray, shape (2,)
    eta : float > 0
        Learning rate.
    steps : int
    x, y : ndarray, shape (N,)
    max_loss : float
        Stop (and report divergence) once E exceeds this.

    Returns
    -------
    DescentPath
    """
    w = as_vector(start, "start", length=2).copy()
    eta = check_positive(eta, "eta")
    steps = check_positive_int(steps, "steps")
    weights, losses = [w.copy()], [two_weight_loss(w[0], w[1], x, y)]
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            w = w - eta * two_weight_gradient(w, x, y)
            loss = two_weight_loss(w[0], w[1], x, y)
            if not np.isfinite(loss) or loss > max_loss or not np.all(np.isfinite(w)):
                diverged = True
                weights.append(w.copy())
                losses.append(loss if np.isfinite(loss) else np.inf)
                break
            weights.append(w.copy())
            losses.append(loss)
    return DescentPath(np.array(weights), np.array(losses), eta, diverged)


def find_minimum(x, y, w1_range=W1_RANGE, w2_range=W2_RANGE):
    """The minimum F: the best grid point, refined by 2000 small gradient steps. Returns ndarray (2,)."""
    w1_grid, w2_grid, loss = loss_grid(x, y, w1_range, w2_range, n=141)
    best = np.unravel_index(np.argmin(loss), loss.shape)
    path = gradient_descent([w1_grid[best], w2_grid[best]], 1.0, 2000, x, y)
    return path.weights[-1]
