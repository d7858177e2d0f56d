"""Backpropagation for a sigmoid network with any number of layers, with biases.

Chapter 04 derives the error terms for one hidden layer (``topics.backprop``);
slide 8/8's step 4 says to repeat the hidden-layer step "down to the input
layer". This module does exactly that for L weight layers n = 1, ..., L.
Layer n has weights W[n] of shape (I, J) (w_ij from unit i of layer n-1 to
unit j of layer n) and biases b[n] of shape (J,); layer 0 is the input,
g^(0) = x. Every unit is a sigmoid, the loss the slides' squared error

    h^(n)_j = sum_i w^(n)_ij g^(n-1)_i + b^(n)_j,     g^(n)_j = sigma(h^(n)_j)
    E = 1/2 sum_k (yhat_k - y_k)^2,                   yhat = g^(L)

and the error terms eps^(n)_j = dE/dh^(n)_j run backwards:

    eps^(L)_k = (yhat_k - y_k) yhat_k (1 - yhat_k)                     output layer
    eps^(n)_j = (sum_k eps^(n+1)_k w^(n+1)_jk) g^(n)_j (1 - g^(n)_j)   layer n from layer n+1
    dE/dw^(n)_ij = eps^(n)_j g^(n-1)_i,   dE/db^(n)_j = eps^(n)_j       (a bias is w_0j with g_0 = 1)

For a batch of N examples E is the mean of the per-example losses, so every
gradient is the mean of the per-example gradients (rows are examples).

``train`` runs gradient descent either stochastically, one example at a time
in a random order (slide 8/8's procedure, ``batch_size=1``), or on the full
batch (``batch_size=None``), so chapter 04 can compare the two.

``follow_run`` continues a run and records, at checkpoints, E, the length of the
gradient and the length of the parameter vector: chapter 04 uses it to show that
a stalled XOR run is no local minimum (its gradient is not 0, E keeps falling
while the weights grow: it creeps along a plateau towards infinity).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_matrix, check_positive, check_positive_int
from ..nn.activations import get_activation

__all__ = ["Network", "small_random_network", "forward_layers", "layered_loss", "backprop_layers",
           "TrainingRun", "train", "gradient_norm", "parameter_norm", "strictly_decreasing", "RunTrace",
           "follow_run"]


@dataclass
class Network:
    """The weights and biases of a layered sigmoid network.

    Attributes
    ----------
    weights : list of ndarray
        weights[n - 1] has shape (units of layer n-1, units of layer n).
    biases : list of ndarray
        biases[n - 1] has shape (units of layer n,).
    """

    weights: list
    biases: list

    def __post_init__(self):
        if len(self.weights) == 0 or len(self.weights) != len(self.biases):
            raise ValueError(f"a Network needs one bias vector per weight matrix (at least one layer); got "
                             f"{len(self.weights)} weight matrices and {len(self.biases)} bias vectors.")
        weights, biases = [], []
        for n, (W, b) in enumerate(zip(self.weights, self.biases), start=1):
            W = as_matrix(W, f"weights of layer {n}")
            b = np.array(b, dtype=np.float64).reshape(-1) if np.ndim(b) <= 1 else None
            if b is None or b.shape != (W.shape[1],):
                raise ValueError(f"biases of layer {n} must have shape ({W.shape[1]},), one per unit of W's "
                                 f"columns; got {np.shape(self.biases[n - 1])}.")
            if weights and weights[-1].shape[1] != W.shape[0]:
                raise ValueError(f"weights of layer {n} must have one row per unit of layer {n - 1} "
                                 f"({weights[-1].shape[1]}); got shape {W.shape}.")
            weights.append(W)
            biases.append(b)
        self.weights, self.biases = weights, biases

    @property
    def sizes(self):
        """Units per layer, input layer first."""
        return (self.weights[0].shape[0], *(W.shape[1] for W in self.weights))

    def copy(self):
        return Network([W.copy() for W in self.weights], [b.copy() for b in self.biases])

    def __repr__(self):
        return f"Network(sizes={self.sizes})"


def small_random_network(sizes, scale=0.1, seed=0, bias=True):
    """Step 1 of slide 8/8: every weight a small random number.

    Parameters
    ----------
    sizes : sequence of int
        Units per layer, input first, e.g. (2, 2, 2, 2).
    scale : float > 0
        Weights are drawn uniformly from [-scale, scale].
    seed : int
    bias : bool
        Biases drawn like the weights (True) or all 0 (False; they are still
        trained by ``train`` unless ``train_biases=False``).

    Returns
    -------
    Network
    """
    sizes = [check_positive_int(n, "units of a layer") for n in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes needs an input and an output layer, got {sizes}.")
    scale = check_positive(scale, "scale")
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(-scale, scale, size=(i, j)) for i, j in zip(sizes, sizes[1:])]
    biases = [rng.uniform(-scale, scale, size=j) if bias else np.zeros(j) for j in sizes[1:]]
    return Network(weights, biases)


def _check(x, y, net):
    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network (see small_random_network), got {type(net).__name__}.")
    x = as_matrix(x, "x")
    if x.shape[1] != net.sizes[0]:
        raise ValueError(f"x must have shape (N, {net.sizes[0]}) for a network with sizes {net.sizes}; "
                         f"got {x.shape}.")
    if y is not None:
        y = as_matrix(y, "y")
        if y.shape != (x.shape[0], net.sizes[-1]):
            raise ValueError(f"y must have shape (N, K) = ({x.shape[0]}, {net.sizes[-1]}); got {y.shape}.")
    return x, y


#: The engine's sigmoid kernel, written over an array we own: no input checks
#: (``train`` calls it thousands of times on weighted sums it has just computed).
_sigmoid = get_activation("sigmoid").forward_inplace


def _forward(x, net):
    outputs = [x]
    for W, b in zip(net.weights, net.biases):
        outputs.append(_sigmoid(outputs[-1] @ W + b))
    return outputs


def _backward(outputs, y, net):
    g_out = outputs[-1]
    eps = (g_out - y) * g_out * (1 - g_out) / len(y)                # eps^(L), (N, K), the 1/N of the mean
    d_weights, d_biases = [None] * len(net.weights), [None] * len(net.weights)
    for n in range(len(net.weights) - 1, -1, -1):                   # from the output layer down to layer 1
        d_weights[n] = outputs[n].T @ eps                           # dE/dw_ij = eps_j g_i, summed over examples
        d_biases[n] = eps.sum(axis=0)                               # dE/db_j = eps_j
        if n > 0:
            g = outputs[n]
            eps = (eps @ net.weights[n].T) * g * (1 - g)            # eps^(n) from eps^(n+1)
    return d_weights, d_biases


def forward_layers(x, net):
    """Forward pass, keeping every layer's output.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    net : Network

    Returns
    -------
    outputs : list of ndarray
        outputs[0] = x, outputs[n] = g^(n) of shape (N, units of layer n);
        outputs[-1] is the network's output yhat.
    """
    x, _ = _check(x, None, net)
    return _forward(x, net)


def layered_loss(x, y, net):
    """The squared error (1/N) sum_n 1/2 sum_k (yhat_nk - y_nk)^2 of ``net`` on a batch.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray, shape (N, K)
    net : Network
    """
    x, y = _check(x, y, net)
    return float(0.5 * np.sum((_forward(x, net)[-1] - y) ** 2) / len(x))


def backprop_layers(x, y, net):
    """Gradients of the mean squared error for every weight and bias, by backpropagation.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray, shape (N, K)
    net : Network

    Returns
    -------
    d_weights : list of ndarray
        d_weights[n - 1] = dE/dW^(n), shape of net.weights[n - 1].
    d_biases : list of ndarray
        d_biases[n - 1] = dE/db^(n), shape of net.biases[n - 1].
    """
    x, y = _check(x, y, net)
    return _backward(_forward(x, net), y, net)


@dataclass
class TrainingRun:
    """What ``train`` returns.

    Attributes
    ----------
    net : Network
        The trained network (a new one; the start is not changed).
    losses : ndarray, shape (epochs + 1,)
        E on the whole training set before training and after each epoch.
    updates : int
        Weight updates made (N per epoch stochastically, 1 per epoch full-batch).
    """

    net: Network
    losses: np.ndarray
    updates: int


def train(x, y, net, eta=1.0, epochs=100, batch_size=1, seed=0, train_biases=True):
    """Gradient descent on the squared error, stochastic or full-batch.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray, shape (N, K)
    net : Network
        The start (not modified).
    eta : float > 0
        Learning rate.
    epochs : int
        Passes over the data.
    batch_size : int or None
        1: stochastic gradient descent as on slide 8/8, one update per
        example, the examples in a new random order each epoch. None: one
        update per epoch with the gradient of the whole batch. Another
        integer: mini-batches of that size in a random order.
    seed : int
        Seeds the order of the examples.
    train_biases : bool
        False keeps every bias at its start value (for a network "without
        biases", start from ``small_random_network(..., bias=False)``).

    Returns
    -------
    TrainingRun
    """
    x, y = _check(x, y, net)
    eta = check_positive(eta, "eta")
    epochs = check_positive_int(epochs, "epochs")
    size = len(x) if batch_size is None else min(check_positive_int(batch_size, "batch_size"), len(x))
    net = net.copy()
    rng = np.random.default_rng(seed)
    losses = [float(0.5 * np.sum((_forward(x, net)[-1] - y) ** 2) / len(x))]
    updates = 0
    for _ in range(epochs):
        order = rng.permutation(len(x)) if size < len(x) else np.arange(len(x))
        for start in range(0, len(x), size):
            rows = order[start:start + size]
            d_weights, d_biases = _backward(_forward(x[rows], net), y[rows], net)
            for n in range(len(net.weights)):
                net.weights[n] -= eta * d_weights[n]                # w' = w - eta eps g
                if train_biases:
                    net.biases[n] -= eta * d_biases[n]              # b' = b - eta eps
            updates += 1
        losses.append(float(0.5 * np.sum((_forward(x, net)[-1] - y) ** 2) / len(x)))
    return TrainingRun(net, np.array(losses), updates)


def gradient_norm(x, y, net):
    """Length of the whole gradient, sqrt(sum of every dE/dw^2 and dE/db^2), of the mean squared error.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray, shape (N, K)
    net : Network
    """
    d_weights, d_biases = backprop_layers(x, y, net)
    return float(np.sqrt(sum(np.sum(d ** 2) for d in d_weights + d_biases)))


def parameter_norm(net):
    """Length |w| of the vector of every weight and bias of ``net``."""
    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network (see small_random_network), got {type(net).__name__}.")
    return float(np.sqrt(sum(np.sum(p ** 2) for p in net.weights + net.biases)))


def strictly_decreasing(values):
    """True if every value is smaller than the one before it (at least two values needed).

    Parameters
    ----------
    values : sequence of float, length >= 2
    """
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if values.size < 2:
        raise ValueError(f"strictly_decreasing needs at least two values, got {values.size}.")
    return bool(np.all(np.diff(values) < 0))


@dataclass
class RunTrace:
    """What ``follow_run`` records at each checkpoint (checkpoint 0 is the start).

    Attributes
    ----------
    steps : ndarray of int, shape (C + 1,)
        Full-batch gradient-descent steps made since the start.
    losses, gradient_norms, parameter_norms : ndarray, shape (C + 1,)
        E, the gradient's length and |w| at each checkpoint.
    fell_at_every_step : bool
        E was lower after every single step than before it (not only at the checkpoints).
    net : Network
        The network at the last checkpoint.
    """

    steps: np.ndarray
    losses: np.ndarray
    gradient_norms: np.ndarray
    parameter_norms: np.ndarray
    fell_at_every_step: bool
    net: Network


def follow_run(x, y, net, eta=1.0, steps_between=1000, checkpoints=4):
    """Continue full-batch gradient descent from ``net`` and record E, |grad| and |w| at checkpoints.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray, shape (N, K)
    net : Network
        Where to continue from (not modified).
    eta : float > 0
    steps_between : int
        Steps from one checkpoint to the next.
    checkpoints : int
        Number of checkpoints after the start.

    Returns
    -------
    RunTrace
    """
    x, y = _check(x, y, net)
    steps_between = check_positive_int(steps_between, "steps_between")
    checkpoints = check_positive_int(checkpoints, "checkpoints")
    losses, grads, norms = [layered_loss(x, y, net)], [gradient_norm(x, y, net)], [parameter_norm(net)]
    fell = True
    for _ in range(checkpoints):
        run = train(x, y, net, eta=eta, epochs=steps_between, batch_size=None)
        fell = fell and strictly_decreasing(run.losses)
        net = run.net
        losses.append(float(run.losses[-1]))
        grads.append(gradient_norm(x, y, net))
        norms.append(parameter_norm(net))
    return RunTrace(steps_between * np.arange(checkpoints + 1), np.array(losses), np.array(grads), np.array(norms),
                    fell, net)
