"""Backpropagation for a two-layer sigmoid network, written the way the slides teach it.

The network (chapter 04, slides 8.2, 4/8 to 8/8) has no biases: as on the
slides, a bias is the weight of a constant input 1 (append a column of ones
to ``x`` to get one). Indices follow the slides: i input, j hidden, k output.

    h_j = sum_i w_ij x_i,   g_j = sigma(h_j)          hidden layer, W1 : (D, H)
    h_k = sum_j w_jk g_j,   yhat_k = sigma(h_k)       output layer, W2 : (H, K)
    E = 1/2 sum_k (yhat_k - y_k)^2                    squared error of one example

Backpropagation gives every partial derivative from the error terms
eps = dE/dh of the units:

    dE/dw_ij = eps_j g_i                  (g_i = x_i for the first layer)
    eps_k = (yhat_k - y_k) yhat_k (1 - yhat_k)          output layer
    eps_j = (sum_k eps_k w_jk) g_j (1 - g_j)            hidden layer
    w' = w - eta eps_j g_i                              update

For a batch of N examples the loss is the mean of the per-example losses
(as ``lecture_lib.nn.losses.mean_squared_error``), so its gradient is the mean
of the per-example gradients. Two implementations compute it:
``backprop_loop`` loops over the examples and, for each, follows steps
2.1-2.4 of slide 8/8 line by line (slow on purpose: it is meant to be read;
it makes no update), and ``backprop_batch`` does the same with one matrix
product per layer. Slide 8/8's whole procedure, with step 2.5 (the update
after every example), is ``train_per_example``.
``gradient_operation_counts`` counts the forward passes and multiply-adds of
backpropagation and of finite differences (which need one forward pass per
weight); ``measure_gradient_costs`` times them on this machine.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._validate import as_float_array, as_matrix, check_positive, check_positive_int
from ..nn.activations import sigmoid, sigmoid_derivative

__all__ = [
    "forward", "squared_error", "output_error_term", "hidden_error_term",
    "backprop_one_example", "backprop_loop", "backprop_batch", "sgd_update", "train_per_example",
    "forward_difference_gradients", "GradientCosts", "measure_gradient_costs", "OperationCounts",
    "gradient_operation_counts",
]


def _check_network(x, y, W1, W2):
    """Validate a batch and the two weight matrices; return them as float64 arrays."""
    x = as_matrix(x, "x")
    W1 = as_matrix(W1, "W1")
    W2 = as_matrix(W2, "W2")
    if W1.shape[0] != x.shape[1]:
        raise ValueError(f"W1 must have one row per input: x has shape {x.shape}, so W1 needs shape "
                         f"({x.shape[1]}, H); got {W1.shape}.")
    if W2.shape[0] != W1.shape[1]:
        raise ValueError(f"W2 must have one row per hidden unit: W1 has shape {W1.shape}, so W2 needs "
                         f"shape ({W1.shape[1]}, K); got {W2.shape}.")
    if y is not None:
        y = as_matrix(y, "y")
        if y.shape != (x.shape[0], W2.shape[1]):
            raise ValueError(f"y must have shape (N, K) = ({x.shape[0]}, {W2.shape[1]}) (one target row "
                             f"per example, one column per output unit); got {y.shape}.")
    return x, y, W1, W2


def forward(x, W1, W2):
    """Forward pass of the two-layer sigmoid network.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    W1 : ndarray, shape (D, H)
        Weights w_ij from input i to hidden unit j.
    W2 : ndarray, shape (H, K)
        Weights w_jk from hidden unit j to output unit k.

    Returns
    -------
    g : ndarray, shape (N, H)
        Hidden outputs g_j = sigma(h_j).
    y_hat : ndarray, shape (N, K)
        Network outputs yhat_k = sigma(h_k).
    """
    x, _, W1, W2 = _check_network(x, None, W1, W2)
    g = sigmoid(x @ W1)
    return g, sigmoid(g @ W2)


def squared_error(y_hat, y):
    """The slides' squared error, averaged over the batch.

    Parameters
    ----------
    y_hat, y : ndarray, shape (N, K)

    Returns
    -------
    E : float
        (1/N) sum_n 1/2 sum_k (yhat_nk - y_nk)^2, the value of
        ``lecture_lib.nn.losses.mean_squared_error(y, y_hat)`` (written out here
        because finite differences call it once per weight).
    """
    y_hat, y = as_matrix(y_hat, "y_hat"), as_matrix(y, "y")
    if y_hat.shape != y.shape:
        raise ValueError(f"y_hat and y must have the same shape, got {y_hat.shape} and {y.shape}.")
    return float(0.5 * np.sum((y_hat - y) ** 2) / y.shape[0])


def output_error_term(y_hat, y):
    """Error terms eps_k = dE/dh_k of sigmoid output units with squared error.

    Parameters
    ----------
    y_hat, y : ndarray, shape (K,) for one example or (N, K) for a batch

    Returns
    -------
    eps : ndarray, shape of y_hat

    Notes
    -----
    eps_k = (yhat_k - y_k) yhat_k (1 - yhat_k): dE/dyhat_k times the
    sigmoid's derivative written with its output, sigma'(h_k) = yhat_k (1 - yhat_k).
    """
    y_hat, y = as_float_array(y_hat, "y_hat"), as_float_array(y, "y")
    if y_hat.shape != y.shape:
        raise ValueError(f"y_hat and y must have the same shape, got {y_hat.shape} and {y.shape}.")
    return (y_hat - y) * sigmoid_derivative(y_hat)


def hidden_error_term(eps_next, W_next, g):
    """Error terms eps_j = dE/dh_j of sigmoid hidden units, from the layer above.

    Parameters
    ----------
    eps_next : ndarray, shape (K,) or (N, K)
        Error terms eps_k of the next layer.
    W_next : ndarray, shape (H, K)
        Weights w_jk from this layer's unit j to the next layer's unit k.
    g : ndarray, shape (H,) or (N, H)
        Outputs g_j of this layer (same number of dimensions as eps_next).

    Returns
    -------
    eps : ndarray, shape of g

    Notes
    -----
    eps_j = (sum_k eps_k w_jk) g_j (1 - g_j). The sum over k is the product
    eps_next @ W_next.T (a row of W_next holds the weights leaving unit j).
    """
    eps_next, g = as_float_array(eps_next, "eps_next"), as_float_array(g, "g")
    W_next = as_matrix(W_next, "W_next")
    if eps_next.ndim not in (1, 2) or eps_next.shape[-1] != W_next.shape[1]:
        raise ValueError(f"eps_next must have shape (K,) or (N, K) with K = {W_next.shape[1]} (columns of "
                         f"W_next); got {eps_next.shape}.")
    if g.shape != eps_next.shape[:-1] + (W_next.shape[0],):
        raise ValueError(f"g must have shape {eps_next.shape[:-1] + (W_next.shape[0],)} (one value per row "
                         f"of W_next); got {g.shape}.")
    return (eps_next @ W_next.T) * sigmoid_derivative(g)


def backprop_one_example(x, y, W1, W2):
    """Gradients of E = 1/2 sum_k (yhat_k - y_k)^2 for one example.

    Parameters
    ----------
    x : ndarray, shape (D,)
    y : ndarray, shape (K,)
    W1 : ndarray, shape (D, H)
    W2 : ndarray, shape (H, K)

    Returns
    -------
    dW1 : ndarray, shape (D, H)
        dE/dw_ij = eps_j x_i.
    dW2 : ndarray, shape (H, K)
        dE/dw_jk = eps_k g_j.
    """
    x, y = as_float_array(x, "x"), as_float_array(y, "y")
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError(f"x and y must be 1-D, shapes (D,) and (K,), for one example; got {x.shape} and "
                         f"{y.shape}. For a batch use backprop_batch.")
    return backprop_loop(x[None, :], y[None, :], W1, W2)


def backprop_loop(x, y, W1, W2):
    """Mean gradient of the squared error over a batch, computed one example at a time.

    For each example this is steps 2.1-2.4 of slide 8/8 (forward pass, output
    error terms, hidden error terms); it makes **no update** (step 2.5): it
    returns dE/dw averaged over the examples. ``train_per_example`` is the
    slide's whole procedure, updating after every example. Deliberately a
    plain loop: every line is one formula of the slides. ``backprop_batch``
    computes the same numbers fast.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray, shape (N, K)
    W1 : ndarray, shape (D, H)
    W2 : ndarray, shape (H, K)

    Returns
    -------
    dW1 : ndarray, shape (D, H)
    dW2 : ndarray, shape (H, K)
        Mean over the N examples of dE/dw.
    """
    x, y, W1, W2 = _check_network(x, y, W1, W2)
    dW1, dW2 = np.zeros_like(W1), np.zeros_like(W2)
    for x_n, y_n in zip(x, y):
        # Step 2.1: forward pass, keeping every unit's output.
        g = sigmoid(x_n @ W1)                   # g_j = sigma(sum_i w_ij x_i), shape (H,)
        y_hat = sigmoid(g @ W2)                 # yhat_k = sigma(sum_j w_jk g_j), shape (K,)
        # Step 2.2: error terms of the output units.
        eps_k = (y_hat - y_n) * y_hat * (1 - y_hat)
        # Step 2.3: error terms of the hidden layer, from the layer above.
        eps_j = np.zeros(W1.shape[1])
        for j in range(W1.shape[1]):
            eps_j[j] = np.sum(eps_k * W2[j, :]) * g[j] * (1 - g[j])
        # Step 2.4: with more hidden layers, repeat step 2.3 down to the input layer.
        # Not step 2.5 (the update w' = w - eta eps g): the gradient dE/dw_ij = eps_j g_i, collected here.
        dW2 += np.outer(g, eps_k)               # dW2[j, k] = g_j eps_k
        dW1 += np.outer(x_n, eps_j)             # dW1[i, j] = x_i eps_j
    return dW1 / len(x), dW2 / len(x)


def backprop_batch(x, y, W1, W2):
    """Gradients of the mean squared error for a mini-batch, vectorised.

    Same arguments and result as ``backprop_loop``; each layer is one
    matrix product over the whole batch.

    Notes
    -----
    With rows as examples: Eps_out = (Yhat - Y) * Yhat * (1 - Yhat) / N,
    dW2 = G^T Eps_out, Eps_hid = (Eps_out W2^T) * G * (1 - G), dW1 = X^T Eps_hid.
    The products G^T Eps sum eps_j g_i over the examples.
    """
    x, y, W1, W2 = _check_network(x, y, W1, W2)
    g = sigmoid(x @ W1)                                        # (N, H)
    y_hat = sigmoid(g @ W2)                                    # (N, K)
    eps_out = output_error_term(y_hat, y) / len(x)             # (N, K)
    eps_hidden = hidden_error_term(eps_out, W2, g)             # (N, H)
    return x.T @ eps_hidden, g.T @ eps_out


def sgd_update(W, dW, eta):
    """Step 2.5 of slide 8/8: w' = w - eta dE/dw (a new array; W is not changed).

    Parameters
    ----------
    W, dW : ndarray, same shape
    eta : float > 0
        Learning rate.
    """
    W, dW = as_float_array(W, "W"), as_float_array(dW, "dW")
    if W.shape != dW.shape:
        raise ValueError(f"dW must have the shape of W {W.shape}, got {dW.shape}.")
    return W - check_positive(eta, "eta") * dW


def train_per_example(x, y, W1, W2, eta=1.0, epochs=100, seed=0):
    """Stochastic gradient descent as on slide 8/8: update the weights after every example.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray, shape (N, K)
    W1 : ndarray, shape (D, H)
        Initial weights (step 1: small random values); not modified.
    W2 : ndarray, shape (H, K)
    eta : float > 0
        Learning rate.
    epochs : int
        Passes over the data; each visits the examples in a new random order.
    seed : int
        Seeds the order of the examples.

    Returns
    -------
    W1, W2 : ndarray
        The trained weights (new arrays).
    losses : ndarray, shape (epochs + 1,)
        Mean squared error on (x, y) before training and after each epoch.
    """
    x, y, W1, W2 = _check_network(x, y, W1, W2)
    eta = check_positive(eta, "eta")
    epochs = check_positive_int(epochs, "epochs")
    rng = np.random.default_rng(seed)
    losses = [squared_error(forward(x, W1, W2)[1], y)]
    for _ in range(epochs):
        for n in rng.permutation(len(x)):                          # step 2: every example in turn
            dW1, dW2 = backprop_loop(x[n:n + 1], y[n:n + 1], W1, W2)  # steps 2.1-2.4 for this example
            W1, W2 = W1 - eta * dW1, W2 - eta * dW2                # step 2.5: w' = w - eta eps g
        losses.append(squared_error(forward(x, W1, W2)[1], y))
    return W1, W2, np.array(losses)


# --- the cost of finite differences ------------------------------------------------------

@dataclass
class OperationCounts:
    """Work for the gradient of one example, counted (the same on every machine).

    Attributes
    ----------
    n_weights : ndarray of int, shape (S,)
    finite_difference_passes, backprop_passes : ndarray of int, shape (S,)
        Forward passes by forward differences (W + 1) and passes of backpropagation (2).
    finite_difference_multiply_adds, backprop_multiply_adds : ndarray of int, shape (S,)
        Multiply-adds of the weight products: a forward pass costs W (D H + H K);
        finite differences make W + 1 passes; backpropagation one forward pass
        and a backward pass of 2 W (dE/dW2 = g eps_k: H K; sum_k eps_k w_jk: H K;
        dE/dW1 = x eps_j: D H). The few elementwise products per unit are not counted.
    """

    n_weights: np.ndarray
    finite_difference_passes: np.ndarray
    backprop_passes: np.ndarray
    finite_difference_multiply_adds: np.ndarray
    backprop_multiply_adds: np.ndarray


def gradient_operation_counts(hidden_units=(1, 3, 10, 30, 100, 170), n_inputs=50, n_outputs=10):
    """Count the work of one example's gradient for networks n_inputs -> H -> n_outputs.

    Parameters
    ----------
    hidden_units : sequence of int
        The sizes H (W = H (n_inputs + n_outputs) weights each).
    n_inputs, n_outputs : int

    Returns
    -------
    OperationCounts
    """
    n_inputs, n_outputs = check_positive_int(n_inputs, "n_inputs"), check_positive_int(n_outputs, "n_outputs")
    sizes = np.array([check_positive_int(h, "hidden_units") for h in hidden_units], dtype=np.int64)
    if sizes.size == 0:
        raise ValueError("hidden_units must hold at least one size.")
    n_weights = sizes * (n_inputs + n_outputs)
    forward_cost = n_inputs * sizes + sizes * n_outputs                   # one multiply-add per weight
    backward_cost = sizes * n_outputs + sizes * n_outputs + n_inputs * sizes
    return OperationCounts(n_weights, n_weights + 1, np.full(sizes.size, 2), (n_weights + 1) * forward_cost,
                           forward_cost + backward_cost)


def forward_difference_gradients(x, y, W1, W2, step=1e-6):
    """Gradients by forward differences: one extra forward pass per weight.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray, shape (N, K)
    W1 : ndarray, shape (D, H)
    W2 : ndarray, shape (H, K)
    step : float > 0

    Returns
    -------
    dW1, dW2 : ndarray, shapes of W1 and W2
        (E(w + s e_i) - E(w)) / s for every weight.
    n_forward_passes : int
        W + 1: one pass at w, one per weight.
    """
    x, y, W1, W2 = _check_network(x, y, W1, W2)
    step = check_positive(step, "step")
    W1, W2 = W1.copy(), W2.copy()       # perturbed in place below
    passes = 0

    def loss():
        nonlocal passes
        passes += 1
        return squared_error(sigmoid(sigmoid(x @ W1) @ W2), y)

    base = loss()
    grads = []
    for W in (W1, W2):
        grad, flat_w = np.zeros_like(W), W.reshape(-1)
        for index in range(flat_w.size):
            old = flat_w[index]
            flat_w[index] = old + step
            grad.reshape(-1)[index] = (loss() - base) / step
            flat_w[index] = old
        grads.append(grad)
    return grads[0], grads[1], passes


@dataclass
class GradientCosts:
    """Measured cost of the gradient of one example, against the number of weights W.

    Attributes
    ----------
    n_weights : ndarray of int, shape (S,)
    finite_difference_seconds, backprop_seconds : ndarray, shape (S,)
        Best time of the repeats.
    finite_difference_passes : ndarray of int, shape (S,)
        Forward passes counted while computing the forward differences (W + 1).
    backprop_passes : ndarray of int, shape (S,)
        Passes of backpropagation: one forward and one backward, always 2.
    """

    n_weights: np.ndarray
    finite_difference_seconds: np.ndarray
    backprop_seconds: np.ndarray
    finite_difference_passes: np.ndarray
    backprop_passes: np.ndarray

    @property
    def ratio(self):
        """Finite-difference time / backpropagation time, for each size."""
        return self.finite_difference_seconds / self.backprop_seconds


def _best_time(function, repeats):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def measure_gradient_costs(hidden_units=(1, 3, 10, 30, 100, 170), n_inputs=50, n_outputs=10, repeats=3, seed=0):
    """Time the gradient of one example by forward differences and by backpropagation.

    A network n_inputs -> H -> n_outputs has W = H (n_inputs + n_outputs)
    weights; the defaults go from W = 60 to W = 10,200.

    Parameters
    ----------
    hidden_units : sequence of int
        The sizes H to measure.
    n_inputs, n_outputs : int
    repeats : int
        Each time is the best of this many runs (timings vary between runs).
    seed : int
        Seeds the example and the weights.

    Returns
    -------
    GradientCosts
    """
    n_inputs, n_outputs, repeats = (check_positive_int(v, name) for v, name in
                                    [(n_inputs, "n_inputs"), (n_outputs, "n_outputs"), (repeats, "repeats")])
    if isinstance(hidden_units, (str, bytes)) or not np.iterable(hidden_units):
        raise TypeError(f"hidden_units must be a sequence of hidden-layer sizes such as (1, 3, 10), got"
                        f" {hidden_units!r}; for one size write ({hidden_units!r},).")
    sizes = [check_positive_int(h, "hidden_units") for h in hidden_units]
    if not sizes:
        raise ValueError("hidden_units must hold at least one size.")
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((1, n_inputs)), rng.random((1, n_outputs))
    rows = []
    for h in sizes:
        W1 = rng.standard_normal((n_inputs, h)) / np.sqrt(n_inputs)
        W2 = rng.standard_normal((h, n_outputs)) / np.sqrt(h)
        passes = forward_difference_gradients(x, y, W1, W2)[2]
        fd = _best_time(lambda: forward_difference_gradients(x, y, W1, W2), repeats)
        bp = _best_time(lambda: backprop_batch(x, y, W1, W2), max(repeats, 20))
        rows.append((W1.size + W2.size, fd, bp, passes))
    n_weights, fd, bp, passes = (np.array(column) for column in zip(*rows))
    return GradientCosts(n_weights, fd, bp, passes, np.full(len(rows), 2))
