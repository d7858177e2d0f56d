"""Chapter 01: the perceptron learning rule.

For one example (x, y) with y in {0, 1} and prediction ŷ = f(w·x + b):

    w' = w + η (y − ŷ) x
    b' = b + η (y − ŷ)

A correctly classified example changes nothing (y − ŷ = 0). On linearly
separable data the rule stops making mistakes after finitely many updates
(Novikoff's theorem); on XOR it never does.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validate import as_binary_labels, as_matrix, as_scalar, as_vector, check_int_at_least, check_positive
from .units import threshold

__all__ = ["perceptron_update", "train_perceptron", "PerceptronResult", "linearly_separable"]


def perceptron_update(w, b, x, y, eta=1.0):
    """One step of the perceptron rule on a single example.

    Parameters
    ----------
    w : ndarray, shape (D,)
    b : float
    x : ndarray, shape (D,)
        One example.
    y : {0, 1}
        Its label.
    eta : float, > 0
        Learning rate η.

    Returns
    -------
    w_new : ndarray, shape (D,)  (a new array; ``w`` is not modified)
    b_new : float
    """
    w = as_vector(w, "w")
    x = as_vector(x, "x", length=w.shape[0])
    y = int(as_binary_labels(np.atleast_1d(y), "y")[0])
    eta = check_positive(eta, "eta")
    b = as_scalar(b, "b")
    error = y - int(threshold(x @ w + b))
    return w + eta * error * x, b + eta * error


@dataclass
class PerceptronResult:
    """What ``train_perceptron`` returns.

    Attributes
    ----------
    w : ndarray, shape (D,)
    b : float
    mistakes_per_epoch : list of int
        Number of misclassified examples seen in each pass over the data.
    converged : bool
        True when the last epoch made no mistake.
    history : list of (w, b)
        The weights after every update, for plotting the moving line.
    """

    w: np.ndarray
    b: float
    mistakes_per_epoch: list = field(default_factory=list)
    converged: bool = False
    history: list = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.mistakes_per_epoch)


def train_perceptron(x, y, eta=1.0, max_epochs=100, w0=None, b0=0.0, shuffle=False, seed=0):
    """Run the perceptron rule epoch by epoch until an epoch makes no mistake.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray, shape (N,), values 0 or 1
    eta : float, > 0
    max_epochs : int, >= 1
        Stop after this many epochs even without convergence (XOR never converges).
    w0 : ndarray, shape (D,), optional
        Initial weights (default zeros).
    b0 : float
    shuffle : bool
        Visit the examples in a new random order each epoch (seeded by ``seed``).

    Returns
    -------
    PerceptronResult
    """
    x = as_matrix(x, "x")
    y = as_binary_labels(y, "y", n_rows=x.shape[0])
    eta = check_positive(eta, "eta")
    max_epochs = check_int_at_least(max_epochs, "max_epochs", 1)
    w = np.zeros(x.shape[1]) if w0 is None else as_vector(w0, "w0", length=x.shape[1]).copy()
    b = as_scalar(b0, "b0")
    rng = np.random.default_rng(seed)
    result = PerceptronResult(w=w, b=b, history=[(w.copy(), b)])
    for _ in range(int(max_epochs)):
        order = rng.permutation(len(y)) if shuffle else range(len(y))
        mistakes = 0
        # One example at a time on purpose: this is the rule as the slides state it.
        for i in order:
            error = y[i] - int(x[i] @ w + b >= 0)
            if error != 0:
                w = w + eta * error * x[i]
                b = b + eta * error
                mistakes += 1
                result.history.append((w.copy(), b))
        result.mistakes_per_epoch.append(mistakes)
        if mistakes == 0:
            result.converged = True
            break
    result.w, result.b = w, b
    return result


def linearly_separable(x, y) -> bool:
    """Whether some line (hyperplane) ``w·x + b = 0`` puts every example of class 1 strictly on one side
    and every example of class 0 strictly on the other.

    Decided exactly by a linear program (SciPy's HiGHS): the data are
    separable if and only if weights exist with ``(2 y_n - 1)(w·x_n + b) >= 1``
    for every n (any strict separation can be scaled to margin 1). So a
    notebook can *state* "no line classifies every point" as a computed fact,
    not as an inference from a perceptron that did not converge.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray of 0/1, shape (N,)

    Returns
    -------
    bool
    """
    from scipy.optimize import linprog

    x = as_matrix(x, "x")
    y = as_binary_labels(y, "y", n_rows=x.shape[0])
    signs = (2.0 * y - 1.0)[:, None]
    # variables (w_1..w_D, b), no objective: feasibility of -(2y - 1)(x w + b) <= -1
    constraints = -signs * np.hstack([x, np.ones((x.shape[0], 1))])
    result = linprog(np.zeros(x.shape[1] + 1), A_ub=constraints, b_ub=-np.ones(x.shape[0]),
                     bounds=[(None, None)] * (x.shape[1] + 1), method="highs")
    if result.status not in (0, 2):   # 0 feasible, 2 infeasible; anything else is a solver failure
        raise RuntimeError(f"linear program failed: {result.message}")
    return result.status == 0
