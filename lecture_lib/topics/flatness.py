"""Flat and sharp minima: the loss along random directions around trained weights.

Li et al. (2018, "Visualizing the loss landscape of neural nets"): draw a
random direction d with the shape of the weights and plot E(theta + t d)
for t in [-1, 1]. Raw Gaussian directions are not comparable between
networks whose weights have different scales, so each unit's slice of d
(for a Dense layer: the column of W feeding one unit, the "filter") is
rescaled to the norm of that unit's weights, ||d_j|| = ||theta_j||
(filter normalisation). Biases get no direction (d = 0), as in the paper's
default.

Dinh et al. (2017, "Sharp minima can generalize for deep nets"): a ReLU
layer is positively homogeneous, relu(alpha h) = alpha relu(h) for
alpha > 0, so multiplying the first layer's weights and biases by alpha
and the next layer's weights by 1/alpha leaves the network's function
unchanged while making the minimum look sharper or flatter along raw
directions. Filter-normalised directions scale with the weights and are
blind to that rescaling (``rescaled_relu_layers`` shows both).

Models are engine ``Sequential`` MLPs of ``Dense`` layers; all functions
read their weights through ``layer.params`` and restore them.
"""
from __future__ import annotations

import copy

import numpy as np

from .._validate import as_generator, check_positive
from ..nn.layers import Dense
from ..nn.model import Sequential

__all__ = ["random_direction", "loss_along_direction", "sharpness", "rescaled_relu_layers",
           "accuracy_under_weight_noise", "accuracy_under_input_noise", "weights_of", "train_mlp", "initial_mlp", "loss_on_segment",
           "curvature_along"]


def _dense_layers(model):
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a Sequential, got {type(model).__name__}.")
    layers = [layer for layer in model.layers if "W" in layer.params]
    if not layers:
        raise ValueError("model has no layers with weights; build it first (call fit or forward once).")
    return layers


def weights_of(model):
    """All weights W of the model's Dense layers as one flat vector (biases left out)."""
    return np.concatenate([layer.params["W"].ravel() for layer in _dense_layers(model)])


def random_direction(model, rng, filter_normalised=True):
    """A Gaussian direction d, one array per Dense layer's W (shape of W), biases excluded.

    With ``filter_normalised`` each column d[:, j] (the weights into unit j)
    is scaled to the norm of W[:, j].

    Returns
    -------
    list of ndarray, one per Dense layer, shapes of the W's
    """
    rng = as_generator(rng, "rng")
    direction = []
    for layer in _dense_layers(model):
        W = layer.params["W"]
        d = rng.standard_normal(W.shape)
        if filter_normalised:
            d *= np.linalg.norm(W, axis=0) / np.maximum(np.linalg.norm(d, axis=0), 1e-12)
        direction.append(d)
    return direction


def loss_along_direction(model, x, y, direction, ts):
    """E(theta + t d) for each t in ``ts`` (the model's compiled loss on x, y); weights restored after.

    Returns
    -------
    ndarray, shape (len(ts),)
    """
    layers = _dense_layers(model)
    if len(direction) != len(layers):
        raise ValueError(f"direction has {len(direction)} arrays, the model has {len(layers)} Dense layers.")
    saved = [layer.params["W"].copy() for layer in layers]
    losses = []
    try:
        for t in ts:
            for layer, W0, d in zip(layers, saved, direction):
                np.add(W0, t * d, out=layer.params["W"])
            losses.append(model.evaluate(x, y)[0])
    finally:
        for layer, W0 in zip(layers, saved):
            layer.params["W"][...] = W0
    return np.array(losses)


def sharpness(model, x, y, n_directions=5, t=0.5, seed=0, filter_normalised=True):
    """Mean increase of the loss at distance t along random directions: mean_d E(theta + t d) - E(theta).

    Averaged over ``n_directions`` directions and over both signs (+t, -t).
    """
    rng = as_generator(seed, "seed")
    base = model.evaluate(x, y)[0]
    rises = []
    for _ in range(n_directions):
        d = random_direction(model, rng, filter_normalised)
        rises.extend(loss_along_direction(model, x, y, d, (-t, t)) - base)
    return float(np.mean(rises))


def rescaled_relu_layers(model, alpha, layer_index=0):
    """A copy of the model with layer ``layer_index`` (ReLU) times alpha and the next layer's W times 1/alpha.

    alpha : a number > 0 (one factor for the whole layer), or an array of shape (units,) with one factor
    > 0 per hidden unit: unit i's incoming weights and bias times alpha_i, its outgoing weights (row i of the
    next W) times 1/alpha_i.

    The copy computes the same function (up to rounding): relu(alpha h) =
    alpha relu(h) for alpha > 0, and the next layer divides by alpha again.
    """
    layers = _dense_layers(model)
    if layer_index + 1 >= len(layers):
        raise ValueError(f"layer_index must leave a next Dense layer: the model has {len(layers)}.")
    if layers[layer_index].activation.name != "relu":
        raise ValueError("only a ReLU layer can be rescaled without changing the function, "
                         f"layer {layer_index} has activation {layers[layer_index].activation.name!r}.")
    units = layers[layer_index].params["W"].shape[1]
    if np.ndim(alpha) == 0:
        alpha = check_positive(alpha, "alpha")
    else:
        alpha = np.asarray(alpha, dtype=float)
        if alpha.shape != (units,) or not np.all(np.isfinite(alpha)) or np.any(alpha <= 0):
            raise ValueError(f"alpha must be a number > 0 or an array of {units} numbers > 0 (one per unit); "
                             f"got shape {alpha.shape}.")
    twin = copy.deepcopy(model)
    first, second = _dense_layers(twin)[layer_index], _dense_layers(twin)[layer_index + 1]
    first.params["W"] *= alpha
    first.params["b"] *= alpha
    second.params["W"] /= np.reshape(alpha, (-1, 1)) if np.ndim(alpha) else alpha
    return twin


def _accuracy(model, x, labels):
    return float(np.mean(model.predict(x).argmax(axis=1) == labels))


def accuracy_under_weight_noise(model, x, labels, relative_sigma, n_draws=5, seed=0):
    """Mean accuracy when every W gets Gaussian noise of std relative_sigma * (rms of that W); weights restored."""
    rng = as_generator(seed, "seed")
    layers = _dense_layers(model)
    saved = [layer.params["W"].copy() for layer in layers]
    scores = []
    try:
        for _ in range(n_draws):
            for layer, W0 in zip(layers, saved):
                layer.params["W"][...] = W0 + relative_sigma * np.sqrt(np.mean(W0**2)) * rng.standard_normal(W0.shape)
            scores.append(_accuracy(model, x, labels))
    finally:
        for layer, W0 in zip(layers, saved):
            layer.params["W"][...] = W0
    return float(np.mean(scores))


def accuracy_under_input_noise(model, x, labels, sigma, n_draws=5, seed=0):
    """Mean accuracy on x + Gaussian noise of std sigma (in the units of x)."""
    rng = as_generator(seed, "seed")
    return float(np.mean([_accuracy(model, x + sigma * rng.standard_normal(x.shape), labels)
                          for _ in range(n_draws)]))


def initial_mlp(x, y, hidden, seed, optimizer=None, loss="categorical_crossentropy"):
    """The model ``train_mlp`` starts from: the same architecture and seed, built and compiled, not trained.

    x : (N, D); y : (N, C) one-hot (only their widths are used). Its weights are the initial weights
    theta_0 of ``train_mlp(x, y, hidden, seed, ...)``.
    """
    from ..nn.optimizers import SGD

    model = Sequential([Dense(hidden, activation="relu", input_dim=x.shape[1]),
                        Dense(y.shape[1], activation="softmax")], seed=seed)
    model.compile(loss=loss, optimizer=optimizer or SGD(eta=0.1), metrics=["acc"])
    model.build((x.shape[1],))
    return model


def train_mlp(x, y, hidden, seed, epochs, batch_size, optimizer, loss="categorical_crossentropy"):
    """A 64-hidden-10 style MLP (ReLU hidden layer, softmax output), trained by the engine's ``fit``.

    x : (N, D); y : (N, C) one-hot; hidden : int units; optimizer : an engine optimiser instance
    (a fresh one per call). Returns (model, history). It starts from ``initial_mlp(x, y, hidden, seed)``.
    """
    model = initial_mlp(x, y, hidden, seed, optimizer, loss)
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, seed=seed)
    return model, history


def loss_on_segment(model_a, model_b, x, y, ss, measure=None):
    """E((1 - s) theta_a + s theta_b) for each s in ``ss``: the loss on the straight line between two models.

    Both models must have the same architecture; every parameter (W and b) is
    interpolated. model_a's parameters are restored afterwards.

    measure : None or a callable ``measure(model_a)`` evaluated with model_a holding the interpolated
        parameters, returning a number or an array (e.g. one loss per network of several trained side
        by side); None = ``model_a.evaluate(x, y)[0]``, the compiled loss on (x, y).

    Returns
    -------
    ndarray, shape (len(ss),) or (len(ss),) + the shape of what ``measure`` returns
    """
    if measure is None:
        def measure(model):
            return model.evaluate(x, y)[0]
    layers_a, layers_b = _dense_layers(model_a), _dense_layers(model_b)
    if [la.params["W"].shape for la in layers_a] != [lb.params["W"].shape for lb in layers_b]:
        raise ValueError("model_a and model_b must have Dense layers of the same shapes.")
    saved = [{k: v.copy() for k, v in la.params.items()} for la in layers_a]
    losses = []
    try:
        for s in ss:
            for la, lb, p0 in zip(layers_a, layers_b, saved):
                for key, value in p0.items():
                    la.params[key][...] = (1 - s) * value + s * lb.params[key]
            losses.append(np.asarray(measure(model_a), dtype=float))
    finally:
        for la, p0 in zip(layers_a, saved):
            for key, value in p0.items():
                la.params[key][...] = value
    return np.array(losses)


def curvature_along(model, x, y, direction, eps=1e-3):
    """Second difference of the loss along ``direction``: (E(theta + eps d) + E(theta - eps d) - 2 E(theta)) / eps^2.

    For small eps this is d^T H d, the curvature (Hessian) along d: the
    sharpness measure that Dinh et al. show can be changed at will by
    rescaling a ReLU network without changing its function.
    """
    eps = check_positive(eps, "eps")
    plus, zero, minus = loss_along_direction(model, x, y, direction, (eps, 0.0, -eps))
    return float((plus + minus - 2 * zero) / eps**2)
