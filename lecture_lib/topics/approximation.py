"""Approximation error rates: how fast max |f - g_theta| falls with the number of parameters W.

The slides' statement (Imaizumi & Fukumizu's framing): a method has rate
alpha if min_theta max_x |f(x) - g_theta(x)| <= C W^-alpha. The min over
theta is a statement about the *best* network, so this module builds the
networks by hand, as engine ``Sequential`` models with their weights set,
instead of hoping that training finds them:

* ``interpolating_relu_network``: one hidden ReLU layer that interpolates f
  linearly between H + 1 equally spaced knots on [0, 1] (W = 3H + 1);
* ``step_unit``: the slides' remedy for a jump, a threshold unit (chapter
  01's activation) added beside the ReLU units;
* ``sawtooth_network``: k ReLU layers of 2 units whose composition is the
  tent map applied k times, a sawtooth with 2^(k-1) teeth from 6k + 1
  parameters (Telgarsky 2016); one hidden layer needs 2^k units for it, and with fewer than
  2^k - 1 units no choice of weights gets closer than 1/2 (``shallow_sawtooth_error_bound``).

Inputs x : (N,) or (N, 1) in [0, 1]; functions f map an (N,) array to (N,).
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_int_at_least
from ..nn.layers import Activation, Dense
from ..nn.model import Sequential
from ..nn.optimizers import Adam

__all__ = ["interpolating_relu_network", "sawtooth_network", "sawtooth", "tent", "max_error", "fit_rate",
           "step_unit", "network_output", "smooth_function", "jump_function", "JUMP_AT", "trained_relu_network",
           "shallow_sawtooth_error_bound", "best_trained_error", "trained_side_by_side", "count_relu_params"]

#: Where ``jump_function`` jumps (not on any knot k/H of the interpolating networks for H < 1000 not divisible by 3).
JUMP_AT = 1 / 3


def smooth_function(x):
    """f(x) = sin(2 pi x) + x / 2, smooth on [0, 1]."""
    x = np.asarray(x, dtype=float)
    return np.sin(2 * np.pi * x) + 0.5 * x


def jump_function(x):
    """The smooth function plus a jump of height 1 at x = 1/3."""
    x = np.asarray(x, dtype=float)
    return smooth_function(x) + (x >= JUMP_AT)


def tent(x):
    """The tent map on [0, 1]: 2x for x < 1/2, 2 - 2x after (= 2 relu(x) - 4 relu(x - 1/2))."""
    x = np.asarray(x, dtype=float)
    return 2 * np.maximum(x, 0) - 4 * np.maximum(x - 0.5, 0)


def sawtooth(x, k):
    """The tent map applied k times: a sawtooth with 2^(k-1) teeth on [0, 1]."""
    k = check_int_at_least(k, "k", 1)
    x = np.asarray(x, dtype=float)
    for _ in range(k):
        x = tent(x)
    return x


def _column(x):
    x = as_float_array(x, "x")
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    if x.ndim != 2 or x.shape[1] != 1:
        raise ValueError(f"x must have shape (N,) or (N, 1), got {x.shape}.")
    return x


def _set(layer, W, b):
    layer.params["W"][...] = W
    layer.params["b"][...] = b


def interpolating_relu_network(f, n_pieces):
    """One hidden ReLU layer that interpolates f linearly between the knots t_k = k / H, k = 0..H.

    g(x) = f(0) + sum_k c_k relu(x - t_k), with c_0 the slope of the first
    piece and c_k the change of slope at knot t_k.

    Parameters
    ----------
    f : callable, (N,) -> (N,)
    n_pieces : int H >= 1

    Returns
    -------
    Sequential [Dense(H, relu), Dense(1)] with 3H + 1 parameters
    """
    H = check_int_at_least(n_pieces, "n_pieces", 1)
    knots = np.linspace(0.0, 1.0, H + 1)
    values = np.asarray(f(knots), dtype=float)
    if values.shape != knots.shape:
        raise ValueError(f"f must map an array of shape {knots.shape} to the same shape, got {values.shape}.")
    slopes = np.diff(values) * H
    model = Sequential([Dense(H, activation="relu", input_dim=1), Dense(1)])
    model.build((1,))
    _set(model.layers[0], np.ones((1, H)), -knots[:-1])
    _set(model.layers[1], np.diff(slopes, prepend=0.0).reshape(H, 1), [values[0]])
    return model


def sawtooth_network(k):
    """k hidden ReLU layers of 2 units computing ``sawtooth(x, k)`` on [0, 1] exactly.

    Layer 1 computes (relu(x), relu(x - 1/2)); every later layer takes
    tent = 2 a - 4 b of the previous pair and does the same. Parameters:
    4 + 6 (k - 1) + 3 = 6k + 1.

    Returns
    -------
    Sequential of k Dense(2, relu) and a Dense(1)
    """
    k = check_int_at_least(k, "k", 1)
    layers = [Dense(2, activation="relu", input_dim=1)] + [Dense(2, activation="relu") for _ in range(k - 1)]
    model = Sequential(layers + [Dense(1)])
    model.build((1,))
    _set(model.layers[0], [[1.0, 1.0]], [0.0, -0.5])
    for layer in model.layers[1:k]:
        _set(layer, [[2.0, 2.0], [-4.0, -4.0]], [0.0, -0.5])
    _set(model.layers[k], [[2.0], [-4.0]], [0.0])
    return model


def step_unit(x, at, height):
    """One threshold unit: height * step(x - at), step(h) = 1 for h >= 0 (3 parameters: weight, bias, output weight)."""
    return height * (_column(x)[:, 0] >= at)


def network_output(model, x):
    """g(x) of a one-input, one-output model, shape (N,)."""
    return model.predict(_column(x))[:, 0]


def max_error(f, g, x):
    """max_x |f(x) - g(x)| over the points x : (N,); f and g are callables."""
    x = as_float_array(x, "x")
    return float(np.max(np.abs(np.asarray(f(x)) - np.asarray(g(x)))))


def fit_rate(n_params, errors):
    """alpha and C of errors ~ C W^-alpha, by least squares on log error against log W.

    n_params, errors : sequences of positive numbers, same length >= 2.
    """
    W = as_float_array(n_params, "n_params")
    e = as_float_array(errors, "errors")
    if W.shape != e.shape or W.ndim != 1 or W.size < 2 or np.any(W <= 0) or np.any(e <= 0):
        raise ValueError("n_params and errors must be 1-D, of equal length >= 2, and positive.")
    slope, intercept = np.polyfit(np.log(W), np.log(e), 1)
    return float(-slope), float(np.exp(intercept))


def trained_relu_network(f, n_hidden, seed, epochs=3000, eta=0.01, n_points=256, depth=1):
    """``depth`` hidden ReLU layers of H units trained by Adam (full batch, squared error) on n_points equally
    spaced x in [0, 1].

    With zero biases every kink relu(w x) would sit at x = 0 and the network
    would start (and stay, for a long time) linear on [0, 1]; so each first-layer unit's
    kink starts at a random point u_j of [0, 1] (b_j = -w_j u_j). Deeper layers start as the engine
    initialises them (biases 0).

    Returns
    -------
    Sequential [Dense(H, relu)] * depth + [Dense(1)], trained; W = 3H + 1 for depth 1,
    3H + 1 + (depth - 1)(H^2 + H) in general
    """
    H = check_int_at_least(n_hidden, "n_hidden", 1)
    depth = check_int_at_least(depth, "depth", 1)
    x = np.linspace(0.0, 1.0, check_int_at_least(n_points, "n_points", 2)).reshape(-1, 1)
    layers = [Dense(H, activation="relu", input_dim=1)] + [Dense(H, activation="relu") for _ in range(depth - 1)]
    model = Sequential(layers + [Dense(1)], seed=seed)
    model.build((1,))
    first = model.layers[0]
    kinks = np.random.default_rng(seed).uniform(0.0, 1.0, H)
    first.params["b"][...] = -first.params["W"][0] * kinks
    model.compile(loss="mean_squared_error", optimizer=Adam(eta=eta))
    model.fit(x, np.asarray(f(x[:, 0]), dtype=float).reshape(-1, 1), batch_size=x.shape[0], epochs=epochs,
              shuffle=False)
    return model


def shallow_sawtooth_error_bound(k, n_hidden):
    """A lower bound on max_x |sawtooth(x, k) - g(x)| for EVERY network g with one hidden layer of H ReLU units.

    Telgarsky's counting argument (2016), in the max norm: on [0, 1] such a g is piecewise linear with at
    most H + 1 pieces. The sawtooth takes the values 0, 1, 0, 1, ... at the 2^k + 1 points j / 2^k. If g were
    within less than 1/2 everywhere, it would cross 1/2 between every two neighbouring points, alternately
    upwards and downwards: 2^k - 1 changes of direction, so at least 2^k pieces. Hence with H + 1 < 2^k
    pieces the error is at least 1/2 (a constant 1/2 attains it); otherwise the bound is 0 (the
    interpolating network with H = 2^k is exact).
    """
    k = check_int_at_least(k, "k", 1)
    H = check_int_at_least(n_hidden, "n_hidden", 1)
    return 0.5 if H + 1 < 2 ** k else 0.0


def best_trained_error(f, n_hidden, seeds, x, epochs=1500, eta=0.01, depth=1):
    """The smallest max_x |f - g| over networks trained from several seeds (``trained_relu_network``).

    x : (N,) points where the error is measured. Returns (best error, the errors of all seeds).
    """
    errors = [max_error(f, lambda t, m=trained_relu_network(f, n_hidden, seed, epochs=epochs, eta=eta, depth=depth):
                        network_output(m, t), x) for seed in seeds]
    if not errors:
        raise ValueError("seeds must name at least one restart.")
    return min(errors), errors


def count_relu_params(n_hidden, depth):
    """W of a 1 -> H -> ... -> H -> 1 ReLU network with ``depth`` hidden layers: 3H + 1 + (depth - 1)(H^2 + H)."""
    H, depth = check_int_at_least(n_hidden, "n_hidden", 1), check_int_at_least(depth, "depth", 1)
    return 3 * H + 1 + (depth - 1) * (H * H + H)


def trained_side_by_side(functions, n_hidden, seeds, depth, x, epochs=1500, eta=0.01, n_points=256):
    """Train a 1 -> H (-> H ...) -> 1 ReLU network for every function and seed at once; their max errors on x.

    functions : dict name -> f; seeds : restarts per function; depth : hidden layers of H units each.
    All G = len(functions) * len(seeds) networks are one engine ``Sequential``: a Dense(G H) first layer
    (each unit sees the same x), then per extra layer a ``GroupedDense`` that connects each network's units
    only to its own (from ``topics.pruning``), and a ``GroupedDense`` to one output per network. The squared
    error is summed over the outputs (the engine's convention), so each network gets exactly the gradient it
    would get alone, and Adam works weight by weight: every network trains as it would on its own (a test
    compares). Adam, full batch, on n_points equally spaced x in [0, 1].

    Initialisation per network (rng = default_rng(seed)): He-normal weights, the first layer's kinks at
    uniform points of [0, 1] (as ``trained_relu_network``, so no network starts linear on [0, 1]), other
    biases 0.

    Returns
    -------
    dict name -> ndarray (len(seeds),) of max_x |f(x) - g(x)| over x
    """
    from .pruning import GroupedDense          # the side-by-side layer of chapter 13's seed batches

    names, seeds = list(functions), tuple(seeds)
    if not names or not seeds:
        raise ValueError("functions and seeds must not be empty.")
    H, depth = check_int_at_least(n_hidden, "n_hidden", 1), check_int_at_least(depth, "depth", 1)
    G = len(names) * len(seeds)
    layers = [Dense(G * H, activation="relu", input_dim=1)]
    for _ in range(depth - 1):
        layers += [GroupedDense(G, H), Activation("relu")]
    model = Sequential(layers + [GroupedDense(G, 1)])
    model.build((1,))
    grouped = [layer for layer in model.layers if "W" in layer.params][1:]
    for g, (name, seed) in enumerate((name, seed) for name in names for seed in seeds):
        rng = np.random.default_rng(seed)
        units = slice(g * H, (g + 1) * H)
        w1 = rng.standard_normal(H) * np.sqrt(2.0)
        model.layers[0].params["W"][0, units] = w1
        model.layers[0].params["b"][units] = -w1 * rng.uniform(0.0, 1.0, H)
        for layer in grouped:
            fan_in = layer.params["W"].shape[1]
            layer.params["W"][g] = rng.standard_normal(layer.params["W"].shape[1:]) * np.sqrt(2.0 / fan_in)
    grid = np.linspace(0.0, 1.0, check_int_at_least(n_points, "n_points", 2)).reshape(-1, 1)
    targets = np.column_stack([np.asarray(functions[name](grid[:, 0]), dtype=float) for name in names
                               for _ in seeds])
    model.compile(loss="mean_squared_error", optimizer=Adam(eta=eta))
    model.fit(grid, targets, batch_size=grid.shape[0], epochs=check_int_at_least(epochs, "epochs", 0), shuffle=False)
    x = np.asarray(x, dtype=float)
    out = model.predict(_column(x))
    errors = {}
    for k, name in enumerate(names):
        cols = slice(k * len(seeds), (k + 1) * len(seeds))
        errors[name] = np.max(np.abs(np.asarray(functions[name](x), dtype=float)[:, None] - out[:, cols]), axis=0)
    return errors
