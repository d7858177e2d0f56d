"""Chapter 10's computations: deep plain MLPs against residual MLPs (skip connections).

* ``residual_block_backward``: the backward pass of one block h' = h + relu(h W1 + b1) W2 + b2, written out.
* ``deep_relu_mlp``: a plain (Dense after Dense) or residual (Residual blocks) ReLU MLP.
* ``variance_per_block``: the variance of the signal after each layer at initialisation.
* ``block_variances``: per residual block, the variance of its input (the skip path), of its branch's
  output and of its output, with batch statistics (as in the first training step): with and without
  batch norm in the branch (De & Smith 2020).
* ``staged_relu_mlp``: a network whose width changes between stages (projection shortcuts).
* ``gradient_norm_history``: ||dE/dW|| of every layer over the first training steps
  (``training_trace``: with the mini-batch loss; ``skip_traces``: for a grid of depths and branch scales).
* ``train_deep_relu_mlp`` / ``train_relu_mlp``: test accuracy and the training loss and accuracy per epoch (nan when training diverged).
* ``hidden_cosine_across_digits``: how alike the last hidden layer's vectors of different digits are.
* ``accuracy_without_block``: test accuracy with one block (or layer) removed at test time.

The block. A residual block here is the real one, two layers with the
branch ending in a linear layer: f(h) = relu(h W1 + b1) W2 + b2
(``Residual([Dense(width, 'relu'), Dense(width)])``). Its output can be
negative, so a block can lower a value as well as raise it, and its
``branch_scale`` may be 0 (the block starts as the identity and still
learns, see ``nn.residual``). Depth: ``depth`` counts hidden *stages*:
a plain network has ``depth`` hidden Dense layers; a residual one has one
Dense layer and ``depth - 1`` blocks, so 1 + 2 (depth - 1) hidden weight
layers (``weight_layers``).

Batch norm in the branch ('residual_batchnorm'): Dense (He) -> BatchNorm ->
ReLU -> Dense, unscaled (branch_scale 1): the block of 'residual_unscaled'
with a batch norm layer between the first weighted sum and its ReLU (the
place of the original ResNet's). Whatever the variance of h, the branch
then sees normalised sums, so its output's variance no longer grows with
the signal's.

Shapes: digits x : (N, 64); one-hot y : (N, 10); every hidden layer has ``width`` units.
"""
from __future__ import annotations

import numpy as np

from .._validate import (as_float_array, as_generator, as_scalar, check_choice, check_int_at_least,
                         check_positive_int)
from ..datasets.digits import load_digits
import copy

from ..nn import SGD, Activation, BatchNorm, Dense, Residual, Sequential
from ..nn.callbacks import LambdaCallback
from ..nn.model import TrainingDivergedError

__all__ = ["residual_block_backward", "deep_relu_mlp", "weight_layers", "variance_per_block",
           "gradient_norm_history", "training_trace", "skip_traces", "train_deep_relu_mlp", "train_relu_mlp",
           "hidden_cosine_across_digits", "accuracy_without_block", "block_variances", "staged_relu_mlp",
           "KINDS", "BRANCH_SCALES"]

#: 'plain': Dense(relu) layers; the residual kinds: two-layer blocks (Dense(relu) -> Dense) whose last
#: layer (a linear Dense, Glorot-initialised: variance 1/64 at 64 units) starts at ``BRANCH_SCALES[kind]`` x its
#: Glorot weights: 0.1 ('residual'), 1 ('residual_unscaled'), 0 ('residual_zero');
#: 'residual_batchnorm': Dense -> BatchNorm -> ReLU -> Dense, unscaled.
KINDS = ("plain", "residual", "residual_unscaled", "residual_zero", "residual_batchnorm")
BRANCH_SCALES = {"residual": 0.1, "residual_unscaled": 1.0, "residual_zero": 0.0, "residual_batchnorm": 1.0}


def _block(width, kind, scale, shortcut="identity"):
    if kind == "residual_batchnorm":
        branch = [Dense(width, init="he_normal"), BatchNorm(), Activation("relu"), Dense(width)]
    else:
        branch = [Dense(width, activation="relu"), Dense(width)]
    return Residual(branch, branch_scale=scale, shortcut=shortcut)


def residual_block_backward(dout, h, W1, b1, W2, b2):
    """dE/dh and the parameter gradients of the block h' = h + relu(h W1 + b1) W2 + b2.

    Parameters
    ----------
    dout : ndarray, shape (N, D), dE/dh'
    h : ndarray, shape (N, D)
    W1 : ndarray, shape (D, K);  b1 : ndarray, shape (K,)
    W2 : ndarray, shape (K, D);  b2 : ndarray, shape (D,)

    Returns
    -------
    dh : ndarray, shape (N, D): dout (identity path) + eps1 W1^T (branch), with
        eps1 = (dout W2^T) * relu'(h W1 + b1) the error term of the branch's first layer
    dW1, db1, dW2, db2 : ndarrays with the shapes of W1, b1, W2, b2
        (the second layer is linear: its error term is dout itself, dW2 = g^T dout, g = relu(h W1 + b1))
    """
    h1 = h @ W1 + b1
    g = np.maximum(h1, 0)
    eps1 = (dout @ W2.T) * (h1 > 0)
    return dout + eps1 @ W1.T, h.T @ eps1, eps1.sum(axis=0), g.T @ dout, dout.sum(axis=0)


def deep_relu_mlp(depth, kind="plain", width=64, seed=0, branch_scale=None):
    """64 -> width (relu), then ``depth - 1`` more hidden layers or blocks of ``width``, then softmax over 10.

    kind : one of ``KINDS``. A residual block is Residual([Dense(width, relu), Dense(width)]):
    h' = h + relu(h W1 + b1) W2 + b2 (with a BatchNorm before the ReLU for 'residual_batchnorm').
    branch_scale : float >= 0 or None
        For the residual kinds: the factor on the initial W2 (None: ``BRANCH_SCALES[kind]``).
    """
    depth = check_int_at_least(depth, "depth", 1)
    check_choice(kind, "kind", KINDS)
    if branch_scale is not None:
        if kind == "plain":
            raise ValueError("branch_scale is for the residual kinds; a plain network has no branches.")
        branch_scale = as_scalar(branch_scale, "branch_scale")
    scale = BRANCH_SCALES.get(kind) if branch_scale is None else branch_scale
    width = check_positive_int(width, "width")
    layers = [Dense(width, activation="relu")]
    for _ in range(depth - 1):
        if kind == "plain":
            layers.append(Dense(width, activation="relu"))
        else:
            layers.append(_block(width, kind, scale))
    return _compiled(layers, seed)


def _compiled(layers, seed):
    layers.append(Dense(10, activation="softmax"))
    model = Sequential(layers, seed=seed)
    model.build((64,))
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["acc"])
    return model


def staged_relu_mlp(widths=(64, 32, 16), stages_per_width=10, kind="residual", seed=0):
    """A ReLU MLP whose width changes between stages: ``stages_per_width`` hidden stages at each width in turn.

    kind 'plain': Dense(w, relu) layers. kind 'residual': the first stage a Dense(widths[0], relu), then
    blocks Residual([Dense(w, relu), Dense(w)]) (branch scale 0.1); the first block of every later width
    changes the width with a projection shortcut, h' = h W_s + f(h) (He et al.'s stage transition).
    Both have ``len(widths) * stages_per_width`` hidden stages, then softmax over 10.
    """
    check_choice(kind, "kind", ("plain", "residual"))
    stages_per_width = check_positive_int(stages_per_width, "stages_per_width")
    widths = [check_positive_int(w, "width") for w in widths]
    if not widths:
        raise ValueError("widths must name at least one width.")
    layers = []
    for i, width in enumerate(widths):
        for j in range(stages_per_width):
            if kind == "plain" or (i == 0 and j == 0):
                layers.append(Dense(width, activation="relu"))
            else:
                layers.append(_block(width, "residual", BRANCH_SCALES["residual"],
                                     shortcut="projection" if j == 0 else "identity"))
    return _compiled(layers, seed)


def weight_layers(model):
    """The number of weight matrices in the hidden layers and blocks (the output layer left out)."""
    return sum(key.endswith("W") for layer in model.layers[:-1] for key in layer.params)


def variance_per_block(model, x):
    """Variance (over examples and units) of the output of every hidden layer/block, in order.

    Returns
    -------
    ndarray, shape (len(model.layers) - 1,): the output layer is left out
    """
    outputs = []
    model.eval()
    with np.errstate(over="ignore", invalid="ignore"):
        model.forward(x, outputs=outputs)
        return np.array([np.var(out) for out in outputs[:-1]])


def gradient_norm_history(model, x, y, steps=50, eta=0.05, batch_size=32, seed=0):
    """Train with SGD for ``steps`` mini-batches, recording ||dE/dW|| of every layer.

    Returns
    -------
    norms : ndarray, shape (steps, n_layers): before each update, the Frobenius
        norm of the gradient of each layer's W (for a block: of its W1 and W2
        together, sqrt(||dW1||^2 + ||dW2||^2)); nan after divergence
    """
    return training_trace(model, x, y, steps, eta, batch_size, seed)[0]


def training_trace(model, x, y, steps=50, eta=0.05, batch_size=32, seed=0):
    """``gradient_norm_history`` and the mini-batch loss E before each update.

    Returns
    -------
    norms : ndarray, shape (steps, n_layers), as ``gradient_norm_history``
    losses : ndarray, shape (steps,): the loss of each step's mini-batch before its update (nan after divergence)
    """
    steps = check_positive_int(steps, "steps")
    rng = as_generator(seed, "seed")
    optimizer = SGD(eta=eta)
    keys = [[key for key in layer.params if key.endswith("W")] for layer in model.layers]
    norms = np.full((steps, len(model.layers)), np.nan)
    losses = np.full(steps, np.nan)
    model.train()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for step in range(steps):
            idx = rng.choice(len(x), batch_size, replace=False)
            y_hat = model.forward(x[idx])
            if not np.all(np.isfinite(y_hat)):
                break
            losses[step] = model.loss(y[idx], y_hat)
            model.backward(y[idx], y_hat)
            norms[step] = [np.sqrt(sum(np.sum(layer.grads[key] ** 2) for key in layer_keys))
                           for layer, layer_keys in zip(model.layers, keys)]
            optimizer.step(model.params, model.grads)
    model.eval()
    return norms, losses


def skip_traces(x, y, depths=(10, 20, 40), branch_scales=(0.0, 0.1, 0.3, 1.0), steps=60, eta=0.01, seed=0):
    """``training_trace`` of a residual network for every depth and branch scale, and of the plain one per depth.

    Precomputed for the chapter's slider (each redraw then only looks a trace up).

    Returns
    -------
    dict with keys (depth, branch_scale) and (depth, 'plain'), values (norms, losses) as ``training_trace``
    """
    traces = {}
    for depth in depths:
        traces[(depth, "plain")] = training_trace(deep_relu_mlp(depth, "plain", seed=seed), x, y, steps, eta, seed=seed)
        for scale in branch_scales:
            model = deep_relu_mlp(depth, "residual", seed=seed, branch_scale=scale)
            traces[(depth, scale)] = training_trace(model, x, y, steps, eta, seed=seed)
    return traces


def train_deep_relu_mlp(depth, kind, seed=0, eta=0.05, epochs=5, batch_size=32, branch_scale=None):
    """Train ``deep_relu_mlp(depth, kind)`` with SGD on the training digits; the test set once at the end.

    Returns
    -------
    model : Sequential (in eval mode)
    test_acc : float, nan when training diverged
    history : dict with 'loss' and 'acc', lists of one value per epoch: the
        training loss and accuracy, each the mean over the epoch's batches
        (empty lists when training diverged), and 'diverged_at': None, or
        (epoch, batch) of the batch whose loss or outputs became NaN/inf
        (both counted from 1, as fit's messages)
    """
    return train_relu_mlp(deep_relu_mlp(depth, kind, seed=seed, branch_scale=branch_scale), seed, eta, epochs,
                          batch_size)


def train_relu_mlp(model, seed=0, eta=0.05, epochs=5, batch_size=32):
    """Train a network of this module (e.g. ``staged_relu_mlp``) as ``train_deep_relu_mlp`` does; same returns."""
    x, y = load_digits("train", one_hot=True, flatten=True)
    x_test, y_test = load_digits("test", one_hot=True, flatten=True)
    model.compile(loss="categorical_crossentropy", optimizer=SGD(eta=eta), metrics=["acc"])
    where = {}
    record = LambdaCallback(on_diverged=lambda _, logs: where.update(at=(logs["epoch"], logs["batch"])))
    try:
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs, seed=seed, callbacks=[record])
    except TrainingDivergedError:
        return model, float("nan"), {"loss": [], "acc": [], "diverged_at": where.get("at")}
    return model, model.evaluate(x_test, y_test)[1], {"loss": list(history.history["loss"]),
                                                      "acc": list(history.history["acc"]), "diverged_at": None}


def hidden_cosine_across_digits(model, x, labels):
    """Mean cosine between the last hidden layer's vectors of two examples of *different* digits.

    Near 1: every digit gives nearly the same vector, so the output layer
    cannot tell them apart (the representation has collapsed). Examples
    whose vector is 0 (every ReLU off) have no direction and are left out.

    Parameters
    ----------
    model : Sequential whose last layer is the output layer
    x : array_like, shape (N, 64);  labels : array_like of int, shape (N,), or one-hot (N, 10)

    Returns
    -------
    float: the mean over all pairs (i, j) with labels[i] != labels[j]
    """
    labels = np.asarray(labels)
    if labels.ndim == 2:
        labels = labels.argmax(axis=1)
    outputs = []
    model.eval()
    model.forward(x, outputs=outputs)
    hidden = as_float_array(outputs[-2], "the last hidden layer's output").reshape(len(labels), -1)
    norms = np.linalg.norm(hidden, axis=1)
    keep = norms > 0
    if np.count_nonzero(keep) < 2 or len(np.unique(labels[keep])) < 2:
        raise ValueError("Fewer than two examples of different digits have a non-zero last hidden vector;"
                         " their cosine is undefined.")
    unit = hidden[keep] / norms[keep, None]
    cosines = unit @ unit.T
    different = labels[keep][:, None] != labels[keep][None, :]
    return float(cosines[different].mean())


def accuracy_without_block(model, index, x, y):
    """Test accuracy when layer ``index`` is replaced by the identity (its input passed on unchanged).

    For a residual block that removes f(h) and keeps the skip path; for a
    plain layer it removes the layer. Only hidden layers whose input and
    output widths agree can be removed.
    """
    index = check_int_at_least(index, "index", 1)
    if index >= len(model.layers) - 1:
        raise ValueError(f"index must name a hidden layer after the first, 1 to {len(model.layers) - 2}, got {index}.")
    model.eval()
    out = np.asarray(x, dtype=float)
    for i, layer in enumerate(model.layers):
        if i != index:
            out = layer.forward(out)
    return float(np.mean(np.argmax(out, axis=1) == np.argmax(y, axis=1)))


def block_variances(model, x):
    """Per residual block: the variance of its input h, of its branch's output f(h) and of its output h'.

    Computed with the batch statistics (training mode), as in the first
    training step, on a copy of ``model`` (its batch norm layers' running
    statistics stay as they are). Variances over examples and units.

    Returns
    -------
    dict with 'skip', 'branch', 'out': ndarrays of shape (n_blocks,), in the order of the blocks
    """
    model = copy.deepcopy(model)
    model.train()
    out = np.asarray(x, dtype=float)
    found = {"skip": [], "branch": [], "out": []}
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in model.layers:
            if isinstance(layer, Residual):
                branch = out
                for inner in layer.layers:
                    branch = inner.forward(branch)
                found["skip"].append(np.var(out))
                found["branch"].append(np.var(branch))
                out = layer.forward(out)
                found["out"].append(np.var(out))
            else:
                out = layer.forward(out)
    if not found["out"]:
        raise ValueError("The model has no residual block.")
    return {key: np.array(values) for key, values in found.items()}
