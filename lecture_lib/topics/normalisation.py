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
  batch norm's backward factor gamma / sigma_B; ``layer_errors``: the error
  term eps = dE/dh of every hidden layer, example by example.
* ``fold_batchnorm``, ``fold_batchnorm_model``: batch norm folded into the
  preceding Dense layer's W and b for inference.
* ``weight_scale_sweep``, ``scale_invariance``: the initial weight scale with
  and without batch norm; BN(a W x) = BN(W x), the gradient shrinking as 1/a
  and the relative step shrinking as 1/a^2 (the effective learning rate).
* ``deep_mlp(..., layer_norm=True)`` and ``small_batch_sweep``: layer
  normalisation against batch norm at small batch sizes.

Shapes: a mini-batch h : (N, D); gamma, beta, m, v : (D,).
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, as_generator, check_positive, check_positive_int
from ..datasets.digits import load_digits
from ..nn import SGD, Activation, BatchNorm, Dense, LayerNorm, Sequential
from ..nn.model import TrainingDivergedError

__all__ = ["batchnorm_forward_formula", "batchnorm_backward_formula", "symbolic_batchnorm_gradient_check",
           "running_statistics_stream", "train_eval_gap", "deep_mlp", "train_deep_mlp", "train_deep_mlp_model",
           "depth_eta_map", "hidden_activations", "saturated_fraction", "saturation_band", "layer_gradients", "layer_errors",
           "fold_batchnorm", "fold_batchnorm_model", "scale_weights_before_batchnorm", "scale_invariance",
           "weight_scale_sweep", "small_batch_sweep"]


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


def deep_mlp(depth, activation="tanh", batch_norm=False, width=64, seed=0, layer_norm=False):
    """``depth`` hidden layers of ``width`` units, then softmax over 10 classes, for 64 inputs.

    With ``batch_norm`` each hidden layer is Dense (linear) -> BatchNorm ->
    Activation (normalisation between the weighted sum h and the
    activation, as in the paper); with ``layer_norm`` the same with
    LayerNorm; with neither, Dense(activation).
    """
    if batch_norm and layer_norm:
        raise ValueError("choose batch_norm or layer_norm, not both.")
    layers = []
    for _ in range(check_positive_int(depth, "depth")):
        if batch_norm or layer_norm:
            layers += [Dense(width), BatchNorm() if batch_norm else LayerNorm(), Activation(activation)]
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


def layer_errors(model, x, y):
    """The error term eps = dE/dh at every hidden Dense layer for one training-mode pass on (x, y).

    h is the Dense layer's weighted sum (before batch norm, where there is one).
    The model must end in Dense(softmax) trained with categorical cross-entropy,
    whose output error is (y_hat - y) / N. Only public layer methods are used.

    Returns
    -------
    list of ndarray, each of shape (N, width), input side first
    """
    last = model.layers[-1]
    if not isinstance(last, Dense) or last.activation.name != "softmax":
        raise ValueError(f"layer_errors needs a model ending in Dense(softmax), got {last!r}.")
    y = as_float_array(y, "y")
    model.train()
    y_hat = model.forward(x)
    if y.shape != y_hat.shape:
        raise ValueError(f"y must be one-hot of shape {y_hat.shape}, got {y.shape}.")
    d = last.backward_from_eps((y_hat - y) / len(y_hat))
    errors = []
    for layer in reversed(model.layers[:-1]):
        if isinstance(layer, Dense):
            eps = layer.activation.backward_inplace(layer._g, d.copy())  # dE/dh = dE/dg * f'(h)
            errors.append(eps.copy())
            d = layer.backward_from_eps(eps)
        else:
            d = layer.backward(d)
    model.eval()
    return errors[::-1]


def depth_eta_map(depths, etas, batch_norm, seeds=(0, 1, 2), activation="tanh", epochs=5):
    """Test accuracy for every depth, learning rate and seed.

    Returns
    -------
    ndarray, shape (len(depths), len(etas), len(seeds)); nan where training diverged
    """
    return np.array([[[train_deep_mlp(d, eta, activation, batch_norm, seed=s, epochs=epochs) for s in seeds]
                      for eta in etas] for d in depths])


# --- folding batch norm into the weights, for inference -------------------------------------------------------

def fold_batchnorm(dense, batchnorm):
    """W', b' of one Dense layer that computes Dense (linear) -> BatchNorm in inference mode.

    In inference batch norm is an affine map of h = x W + b with the running
    statistics h_bar_run, sigma^2_run (constants), so it folds into the weights:

        W' = W * gamma / sqrt(sigma^2_run + kappa)           (each column j scaled by its factor)
        b' = gamma (b - h_bar_run) / sqrt(sigma^2_run + kappa) + beta

    Parameters
    ----------
    dense : Dense, built, linear (no activation: batch norm must act on h itself)
    batchnorm : BatchNorm, built, on the Dense layer's units

    Returns
    -------
    W_folded : ndarray, shape (D, units); b_folded : ndarray, shape (units,) (new arrays)
    """
    if not isinstance(dense, Dense) or not isinstance(batchnorm, BatchNorm):
        raise TypeError(f"need a Dense and a BatchNorm layer, got {dense!r} and {batchnorm!r}.")
    if not dense.built or not batchnorm.built:
        raise ValueError("both layers must be built (run a forward pass or build the model first).")
    if dense.activation.name != "linear":
        raise ValueError(f"{dense!r} applies {dense.activation.name!r} before the batch norm: only a linear"
                         " Dense layer (batch norm on the weighted sum h) folds into W and b.")
    if batchnorm.input_shape != (dense.units,):
        raise ValueError(f"the BatchNorm normalises shape {batchnorm.input_shape}, the Dense layer has"
                         f" {dense.units} units.")
    scale = batchnorm.params["gamma"] / np.sqrt(batchnorm.running_var + batchnorm.eps)
    W_folded = dense.params["W"] * scale
    b_folded = (dense.params["b"] - batchnorm.running_mean) * scale + batchnorm.params["beta"]
    return W_folded, b_folded


def fold_batchnorm_model(model):
    """A new Sequential in which every Dense (linear) -> BatchNorm pair is one Dense layer with W', b'.

    The other layers (Activation, Dense) are copied with their parameters.
    The result gives the inference-mode output of ``model`` (up to
    rounding) with one layer fewer per batch norm; it cannot be trained
    further as a batch-norm network (the batch statistics are gone).
    Supports the layers ``deep_mlp`` builds (Dense, BatchNorm, Activation).
    """
    layers, pending = [], list(model.layers)
    while pending:
        layer = pending.pop(0)
        if isinstance(layer, Dense) and pending and isinstance(pending[0], BatchNorm):
            W, b = fold_batchnorm(layer, pending.pop(0))
            layers.append((Dense(layer.units), W, b))
        elif isinstance(layer, Dense):
            layers.append((Dense(layer.units, activation=layer.activation.name),
                           layer.params["W"].copy(), layer.params["b"].copy()))
        elif isinstance(layer, Activation):
            layers.append((Activation(layer.activation.name), None, None))
        else:
            raise TypeError(f"fold_batchnorm_model supports Dense, BatchNorm (after a linear Dense) and"
                            f" Activation layers, got {layer!r}.")
    folded = Sequential([layer for layer, _, _ in layers], seed=0)
    folded.build(model.layers[0].input_shape)
    for layer, W, b in layers:
        if W is not None:
            layer.params["W"][...], layer.params["b"][...] = W, b
    folded.eval()
    return folded


# --- the initial weight scale, and scale invariance ------------------------------------------------------------

def _dense_before_normalisation(model):
    """The hidden Dense layers of ``model`` whose weighted sums a BatchNorm/LayerNorm normalises."""
    return [layer for layer, following in zip(model.layers[:-1], model.layers[1:])
            if isinstance(layer, Dense) and isinstance(following, (BatchNorm, LayerNorm))]


def scale_weights_before_batchnorm(model, a):
    """Multiply W and b of every Dense layer that feeds a BatchNorm by ``a`` (in place); returns the model."""
    a = check_positive(a, "a")
    layers = _dense_before_normalisation(model)
    if not layers:
        raise ValueError("the model has no Dense layer followed by a BatchNorm to scale.")
    for layer in layers:
        layer.params["W"] *= a
        layer.params["b"] *= a
    return model


def scale_invariance(depth, scales, x, y, eta=0.1, activation="tanh", seed=0):
    """What multiplying the weights before each batch norm by ``a`` changes, for each a of ``scales``.

    A batch-norm network (``deep_mlp``) is built with the same seed for each
    a; every Dense layer that feeds a BatchNorm gets a W and b (training
    mode, one batch x, y). Since BN(a h) = BN(h) (up to kappa):

    * the output does not change,
    * dE/dW of those layers shrinks as 1/a (so a ||dE/dW|| stays constant),
    * one SGD step of size eta moves W by eta ||dE/dW||, relative to ||W||
      a factor 1/a^2 smaller: the effective learning rate is eta / ||W||^2
      (up to a constant),
    * dE/dW is orthogonal to W column by column (W_j . dE/dW_j = 0), so
      plain SGD steps can only make ||W|| grow.

    Returns
    -------
    dict with arrays of shape (len(scales),), all for the first hidden layer:
        'output_change' : max |y_hat(a) - y_hat(1)|
        'weight_norm' : ||W||;  'grad_norm' : ||dE/dW||
        'relative_step' : eta ||dE/dW|| / ||W||
        'cosine' : max over the columns j of |cos(W_j, dE/dW_j)|
    """
    check_positive(eta, "eta")
    reference = None
    result = {key: [] for key in ("output_change", "weight_norm", "grad_norm", "relative_step", "cosine")}
    for a in scales:
        model = scale_weights_before_batchnorm(deep_mlp(depth, activation, batch_norm=True, seed=seed), a)
        model.compile(loss="categorical_crossentropy", optimizer=SGD(eta=eta))
        model.train()
        y_hat = model.forward(x)
        model.backward(y, y_hat)
        model.eval()
        reference = y_hat if reference is None else reference
        first = _dense_before_normalisation(model)[0]
        W, grad = first.params["W"], first.grads["W"]
        column_cos = np.abs(np.sum(W * grad, axis=0)) / (np.linalg.norm(W, axis=0) * np.linalg.norm(grad, axis=0))
        result["output_change"].append(np.max(np.abs(y_hat - reference)))
        result["weight_norm"].append(np.linalg.norm(W))
        result["grad_norm"].append(np.linalg.norm(grad))
        result["relative_step"].append(eta * np.linalg.norm(grad) / np.linalg.norm(W))
        result["cosine"].append(np.max(column_cos))
    return {key: np.array(values) for key, values in result.items()}


def _fit_and_score(model, eta, epochs, batch_size, seed):
    """Train ``model`` with SGD(eta) on the 1438 training digits; training loss, training and test accuracy.

    Training loss and accuracy are measured after training in inference mode on all training digits;
    the test set once at the end. nan for all three when training diverged.
    """
    x, y = load_digits("train", one_hot=True, flatten=True)
    x_test, y_test = load_digits("test", one_hot=True, flatten=True)
    model.compile(loss="categorical_crossentropy", optimizer=SGD(eta=eta), metrics=["acc"])
    try:
        model.fit(x, y, batch_size=batch_size, epochs=epochs, seed=seed)
    except TrainingDivergedError:
        return float("nan"), float("nan"), float("nan")
    train_loss, train_acc = model.evaluate(x, y)
    return float(train_loss), float(train_acc), float(model.evaluate(x_test, y_test)[1])


def weight_scale_sweep(scales, batch_norm, seeds=(0, 1, 2), depth=4, eta=0.1, activation="tanh", epochs=5,
                       batch_size=32):
    """Train ``deep_mlp`` with every hidden W multiplied by each scale of ``scales`` at the start.

    (Glorot's initial weights times a; with batch norm the hidden Dense layers
    are linear and feed a BatchNorm, without they apply ``activation``.)

    Returns
    -------
    dict of 'train_loss', 'train_acc', 'test_acc', 'weight_growth' -> ndarray, shape (len(scales), len(seeds));
    'weight_growth' is ||W|| of the first hidden layer after training over ||W|| at the start; nan = diverged
    """
    keys = ("train_loss", "train_acc", "test_acc", "weight_growth")
    out = {key: np.empty((len(scales), len(seeds))) for key in keys}
    for i, a in enumerate(scales):
        a = check_positive(a, "scale")
        for j, seed in enumerate(seeds):
            model = deep_mlp(depth, activation, batch_norm, seed=seed)
            for layer in model.layers[:-1]:
                if isinstance(layer, Dense):
                    layer.params["W"] *= a
            first = model.layers[0].params["W"]
            start = np.linalg.norm(first)
            scores = _fit_and_score(model, eta, epochs, batch_size, seed)
            for key, value in zip(keys, (*scores, np.linalg.norm(first) / start)):
                out[key][i, j] = value
    return out


def small_batch_sweep(batch_sizes, normalisations=("none", "batch", "layer"), seeds=(0, 1, 2), depth=2,
                      eta=0.05, activation="tanh", epochs=2):
    """Training loss, training and test accuracy for each normalisation and batch size, over seeds.

    normalisations : names from 'none', 'batch', 'layer' (``deep_mlp``'s plain, batch-norm and
        layer-norm networks, ``depth`` hidden layers of 64 units)

    Returns
    -------
    dict of normalisation -> dict of 'train_loss', 'train_acc', 'test_acc' -> ndarray,
    shape (len(batch_sizes), len(seeds))
    """
    results = {}
    for name in normalisations:
        if name not in ("none", "batch", "layer"):
            raise ValueError(f"normalisations must be 'none', 'batch' or 'layer', got {name!r}.")
        out = {key: np.empty((len(batch_sizes), len(seeds))) for key in ("train_loss", "train_acc", "test_acc")}
        for i, batch_size in enumerate(batch_sizes):
            for j, seed in enumerate(seeds):
                model = deep_mlp(depth, activation, batch_norm=name == "batch", layer_norm=name == "layer",
                                 seed=seed)
                for key, value in zip(out, _fit_and_score(model, eta, epochs, batch_size, seed)):
                    out[key][i, j] = value
        results[name] = out
    return results
