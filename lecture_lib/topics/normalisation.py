"""Chapter 09's computations: batch normalisation written out, its statistics, its effect on deep networks.

* ``batchnorm_forward_formula`` / ``batchnorm_backward_formula``: the
  slides' formulas for one mini-batch, independent of the engine's layer.
* ``symbolic_batchnorm_gradient_check``: the backward formula proved by
  SymPy on a tiny batch.
* ``running_statistics_stream``: the running mean of several momentum
  conventions fed the same stream of batches.
* ``train_eval_gap``: how far batch statistics (training) and running
  statistics (inference) put the same example, by batch size and momentum.
* ``deep_mlp``, ``train_deep_mlp``, ``depth_eta_map``: deep tanh/sigmoid
  networks with and without batch normalisation, over learning rates,
  depths and seeds.
* ``hidden_activations``, ``saturated_fraction``: how many units sit in the
  flat tails of tanh/sigmoid; ``layer_gradients``: ||dE/dW|| per layer and
  batch norm's backward factor gamma / sigma_B.

Shapes: a mini-batch h : (N, D); gamma, beta, m, v : (D,).
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, as_generator, check_positive, check_positive_int
from ..datasets.digits import load_digits
from ..nn import SGD, Activation, BatchNorm, Dense, Sequential
from ..nn.model import TrainingDivergedError

__all__ = ["batchnorm_forward_formula", "batchnorm_backward_formula", "symbolic_batchnorm_gradient_check",
           "running_statistics_stream", "train_eval_gap", "deep_mlp", "train_deep_mlp", "train_deep_mlp_model",
           "depth_eta_map", "hidden_activations", "saturated_fraction", "saturation_band", "layer_gradients"]


def batchnorm_forward_formula(h, gamma, beta, eps=1e-5):
    """m, v (biased), u = (h - m)/sqrt(v + eps) and out = gamma u + beta for one mini-batch.

    Parameters
    ----------
    h : array_like, shape (N, D)
    gamma, beta : array_like, shape (D,)
    eps : float > 0

    Returns
    -------
    out, u : ndarray, shape (N, D)
    m, v : ndarray, shape (D,)
    """
    h = as_float_array(h, "h")
    if h.ndim != 2 or h.shape[0] < 2:
        raise ValueError(f"h must be a mini-batch of shape (N, D) with N >= 2, got shape {h.shape}.")
    m = h.mean(axis=0)
    v = ((h - m) ** 2).mean(axis=0)
    u = (h - m) / np.sqrt(v + check_positive(eps, "eps"))
    return gamma * u + beta, u, m, v


def batchnorm_backward_formula(dout, h, gamma, eps=1e-5):
    """dE/dh, dE/dgamma, dE/dbeta of a training-mode batch norm, from dout = dE/dout.

    With du = dout * gamma and sigma = sqrt(v + eps):
    dh = (N du - sum_n du - u sum_n (du u)) / (N sigma).

    Returns
    -------
    dh : ndarray, shape (N, D)
    dgamma, dbeta : ndarray, shape (D,)
    """
    dout = as_float_array(dout, "dout")
    _, u, _, v = batchnorm_forward_formula(h, gamma, np.zeros_like(np.asarray(gamma, dtype=float)), eps)
    n = u.shape[0]
    du = dout * gamma
    dh = (n * du - du.sum(axis=0) - u * (du * u).sum(axis=0)) / (n * np.sqrt(v + eps))
    return dh, (dout * u).sum(axis=0), dout.sum(axis=0)


def symbolic_batchnorm_gradient_check(n=3):
    """Prove the backward formula with SymPy for one feature and a batch of ``n`` symbols.

    E = sum_n r_n out_n with symbolic h_n, r_n, gamma, beta, eps; each
    dE/dh_n from ``sympy.diff`` minus the closed form must simplify to 0.

    Returns
    -------
    differences : list of sympy expressions (all 0 when the formula holds)
    """
    import sympy as sp

    n = check_positive_int(n, "n")
    if n < 2:
        raise ValueError(f"n must be at least 2 (a batch of one has variance 0), got {n}.")
    h = sp.symbols(f"h1:{n + 1}", real=True)
    r = sp.symbols(f"r1:{n + 1}", real=True)
    gamma, beta = sp.symbols("gamma beta", real=True)
    eps = sp.symbols("epsilon", positive=True)
    m = sum(h) / n
    v = sum((hi - m) ** 2 for hi in h) / n
    sigma = sp.sqrt(v + eps)
    u = [(hi - m) / sigma for hi in h]
    energy = sum(ri * (gamma * ui + beta) for ri, ui in zip(r, u))
    du = [ri * gamma for ri in r]
    sum_du, sum_du_u = sum(du), sum(d * ui for d, ui in zip(du, u))
    closed = [(n * d - sum_du - ui * sum_du_u) / (n * sigma) for d, ui in zip(du, u)]
    return [sp.simplify(sp.diff(energy, hi) - c) for hi, c in zip(h, closed)]


def running_statistics_stream(batches, layers):
    """Feed the same batches to every BatchNorm of ``layers``; record running means and variances.

    Parameters
    ----------
    batches : list of ndarray, each of shape (B, D)
    layers : dict of str -> BatchNorm
        Fresh layers (training mode), e.g. {'PyTorch 0.1': BatchNorm(0.1), ...}.

    Returns
    -------
    dict of str -> (means, variances), each ndarray of shape (len(batches), D)
    """
    traces = {}
    for name, layer in layers.items():
        if not isinstance(layer, BatchNorm):
            raise TypeError(f"layers[{name!r}] must be a BatchNorm, got {layer!r}.")
        means, variances = [], []
        for batch in batches:
            layer.forward(batch)
            means.append(layer.running_mean.copy())
            variances.append(layer.running_var.copy())
        traces[name] = (np.array(means), np.array(variances))
    return traces


def train_eval_gap(x, batch_size, momentum, n_batches=200, seed=0):
    """Mean |out_train - out_eval| of a BatchNorm (gamma = 1, beta = 0) after ``n_batches`` training batches.

    The layer (PyTorch convention, ``momentum`` = weight of the new batch)
    sees ``n_batches`` random batches of ``batch_size`` rows of x; then
    every further batch is normalised both with its own statistics
    (training mode) and with the running ones (inference), and the mean
    absolute difference of the two outputs is returned (0 = no train/eval
    gap; 1 = the size of a normalised value).

    x : ndarray, shape (N, D)
    """
    x = as_float_array(x, "x")
    rng = as_generator(seed, "seed")
    layer = BatchNorm(momentum=momentum)
    for _ in range(check_positive_int(n_batches, "n_batches")):
        layer.forward(x[rng.choice(len(x), batch_size, replace=False)])
    gaps = []
    for _ in range(20):
        batch = x[rng.choice(len(x), batch_size, replace=False)]
        layer.eval()  # first: the training pass below updates the running statistics with this batch
        with_running = layer.forward(batch)
        layer.train()
        with_batch = layer.forward(batch)
        gaps.append(np.mean(np.abs(with_batch - with_running)))
    return float(np.mean(gaps))


def deep_mlp(depth, activation="tanh", batch_norm=False, width=64, seed=0):
    """``depth`` hidden layers of ``width`` units, then softmax over 10 classes, for 64 inputs.

    With ``batch_norm`` each hidden layer is Dense (linear) -> BatchNorm ->
    Activation (normalisation between the weighted sum h and the
    activation, as in the paper); without, Dense(activation).
    """
    layers = []
    for _ in range(check_positive_int(depth, "depth")):
        if batch_norm:
            layers += [Dense(width), BatchNorm(), Activation(activation)]
        else:
            layers.append(Dense(width, activation=activation))
    layers.append(Dense(10, activation="softmax"))
    model = Sequential(layers, seed=seed)
    model.build((64,))
    return model


def train_deep_mlp_model(depth, eta, activation="tanh", batch_norm=False, seed=0, epochs=5, batch_size=32):
    """``deep_mlp`` trained with SGD(eta) on the 1438 training digits; the test set once at the end.

    Returns
    -------
    model : Sequential (eval mode; after divergence, as it was when training stopped)
    test_acc : float, nan if training diverged
    """
    x, y = load_digits("train", one_hot=True, flatten=True)
    x_test, y_test = load_digits("test", one_hot=True, flatten=True)
    model = deep_mlp(depth, activation, batch_norm, seed=seed)
    model.compile(loss="categorical_crossentropy", optimizer=SGD(eta=eta), metrics=["acc"])
    try:
        model.fit(x, y, batch_size=batch_size, epochs=epochs, seed=seed)
    except TrainingDivergedError:
        model.eval()
        return model, float("nan")
    return model, model.evaluate(x_test, y_test)[1]


def train_deep_mlp(depth, eta, activation="tanh", batch_norm=False, seed=0, epochs=5, batch_size=32):
    """Test accuracy of ``deep_mlp`` after SGD(eta) on the 1438 training digits; nan if training diverged."""
    return train_deep_mlp_model(depth, eta, activation, batch_norm, seed, epochs, batch_size)[1]


def _nonlinear_layers(model):
    """Indices of the hidden layers that apply the activation f (Dense with one, or Activation layers)."""
    found = []
    for i, layer in enumerate(model.layers[:-1]):
        activation = getattr(layer, "activation", None)
        if activation is not None and activation.name != "linear":
            found.append(i)
    return found


def hidden_activations(model, x):
    """The outputs g = f(h) of every hidden layer (inference mode), input side first.

    Returns
    -------
    list of ndarray, each of shape (N, width)
    """
    outputs = []
    model.eval()
    model.forward(x, outputs=outputs)
    return [outputs[i] for i in _nonlinear_layers(model)]


def saturated_fraction(g, activation="tanh", threshold=0.99):
    """Fraction of the values g = f(h) in the flat tails of f: where f'(h) is nearly 0.

    tanh: |g| > threshold; sigmoid: g > threshold or g < 1 - threshold.
    (tanh'(h) = 1 - g^2 < 0.02 and sigmoid'(h) = g (1 - g) < 0.0099 there for threshold 0.99.)
    """
    g = as_float_array(g, "g")
    if not 0.5 < threshold < 1:
        raise ValueError(f"threshold must lie in (0.5, 1), got {threshold}.")
    if activation == "tanh":
        return float(np.mean(np.abs(g) > threshold))
    if activation == "sigmoid":
        return float(np.mean((g > threshold) | (g < 1 - threshold)))
    raise ValueError(f"activation must be 'tanh' or 'sigmoid', got {activation!r}.")


def saturation_band(fraction):
    """A share of saturated units in words every CPU kernel agrees on: 'under 10 %', 'between 10 and 90 %', 'over 90 %'.

    (Chaotic runs move a share by a few points from one BLAS to another; the bands only change when
    the share crosses 10 % or 90 %.)
    """
    fraction = float(fraction)
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must lie in [0, 1], got {fraction}.")
    return "over 90 %" if fraction > 0.9 else "under 10 %" if fraction < 0.1 else "between 10 and 90 %"


def layer_gradients(model, x, y):
    """One training-mode forward and backward pass on the batch (x, y): what reaches each hidden layer.

    Returns
    -------
    dict with
        'weight_grad_norm' : ndarray, shape (n_hidden,): ||dE/dW|| of each hidden Dense layer, input side first
        'bn_factor' : ndarray, shape (n_batchnorm,): for each BatchNorm layer the mean over its units of
            gamma / sigma_B, sigma_B = sqrt(sigma_B^2 + kappa) of this batch: the factor by which the
            layer's backward multiplies the error on its direct path (empty without batch norm)
    """
    model.train()
    y_hat = model.forward(x)
    model.backward(y, y_hat)
    dense = [layer for layer in model.layers[:-1] if "W" in layer.params]
    norms = np.array([np.linalg.norm(layer.grads["W"]) for layer in dense])
    factors = np.array([np.mean(layer.params["gamma"] / layer._sigma) for layer in model.layers
                        if isinstance(layer, BatchNorm)])
    model.eval()
    return {"weight_grad_norm": norms, "bn_factor": factors}


def depth_eta_map(depths, etas, batch_norm, seeds=(0, 1, 2), activation="tanh", epochs=5):
    """Test accuracy for every depth, learning rate and seed.

    Returns
    -------
    ndarray, shape (len(depths), len(etas), len(seeds)); nan where training diverged
    """
    return np.array([[[train_deep_mlp(d, eta, activation, batch_norm, seed=s, epochs=epochs) for s in seeds]
                      for eta in etas] for d in depths])
