"""Chapter 10's computations: deep plain MLPs against residual MLPs (skip connections).

* ``residual_block_backward``: the backward pass of one block h' = h + relu(h W + b), written out.
* ``deep_relu_mlp``: a plain (Dense after Dense) or residual (Residual blocks) ReLU MLP.
* ``variance_per_block``: the variance of the signal after each layer at initialisation.
* ``gradient_norm_history``: ||dE/dW|| of every layer over the first training steps.
* ``train_deep_relu_mlp``: test accuracy and accuracy per epoch (nan when training diverged).
* ``accuracy_without_block``: test accuracy with one block (or layer) removed at test time.

Shapes: digits x : (N, 64); one-hot y : (N, 10); every hidden layer has ``width`` units.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_generator, check_choice, check_int_at_least, check_positive_int
from ..datasets.digits import load_digits
from ..nn import SGD, Dense, Residual, Sequential
from ..nn.model import TrainingDivergedError

__all__ = ["residual_block_backward", "deep_relu_mlp", "variance_per_block", "gradient_norm_history",
           "train_deep_relu_mlp", "accuracy_without_block", "KINDS"]

#: 'plain': Dense(relu) layers; 'residual': Residual([Dense(relu)]) blocks with the branch at 0.1 x He;
#: 'residual_unscaled': the same blocks with the plain He initialisation.
KINDS = ("plain", "residual", "residual_unscaled")


def residual_block_backward(dout, h, W, b):
    """dE/dh, dE/dW, dE/db of the block h' = h + relu(h W + b).

    Parameters
    ----------
    dout : ndarray, shape (N, D), dE/dh'
    h : ndarray, shape (N, D)
    W : ndarray, shape (D, D);  b : ndarray, shape (D,)

    Returns
    -------
    dh : ndarray, shape (N, D): dout (identity path) + (dout * relu'(z)) W^T (branch), z = h W + b
    dW, db : ndarray, shapes (D, D) and (D,)
    """
    z = h @ W + b
    eps = dout * (z > 0)
    return dout + eps @ W.T, h.T @ eps, eps.sum(axis=0)


def deep_relu_mlp(depth, kind="plain", width=64, seed=0):
    """64 -> width (relu), then ``depth - 1`` more hidden layers or blocks of ``width``, then softmax over 10.

    kind : one of ``KINDS``. A residual block is Residual([Dense(width, relu)]):
    h' = h + relu(h W + b).
    """
    depth = check_int_at_least(depth, "depth", 1)
    check_choice(kind, "kind", KINDS)
    layers = [Dense(check_positive_int(width, "width"), activation="relu")]
    for _ in range(depth - 1):
        if kind == "plain":
            layers.append(Dense(width, activation="relu"))
        else:
            layers.append(Residual([Dense(width, activation="relu")],
                                   branch_scale=0.1 if kind == "residual" else 1.0))
    layers.append(Dense(10, activation="softmax"))
    model = Sequential(layers, seed=seed)
    model.build((64,))
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["acc"])
    return model


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
    """Train with SGD for ``steps`` mini-batches, recording ||dE/dW|| of every layer's weight matrix.

    Returns
    -------
    norms : ndarray, shape (steps, n_layers): the Frobenius norm of the gradient of
        each layer's (or block branch's) W before each update; nan after divergence
    """
    steps = check_positive_int(steps, "steps")
    rng = as_generator(seed, "seed")
    optimizer = SGD(eta=eta)
    keys = [next(key for key in layer.params if key.endswith("W")) for layer in model.layers]
    norms = np.full((steps, len(model.layers)), np.nan)
    model.train()
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps):
            idx = rng.choice(len(x), batch_size, replace=False)
            y_hat = model.forward(x[idx])
            if not np.all(np.isfinite(y_hat)):
                break
            model.backward(y[idx], y_hat)
            norms[step] = [np.linalg.norm(layer.grads[key]) for layer, key in zip(model.layers, keys)]
            optimizer.step(model.params, model.grads)
    model.eval()
    return norms


def train_deep_relu_mlp(depth, kind, seed=0, eta=0.05, epochs=5, batch_size=32):
    """Train ``deep_relu_mlp(depth, kind)`` with SGD on the training digits.

    Returns
    -------
    model : Sequential (in eval mode)
    test_acc : float, nan when training diverged
    val_acc : list of float, test accuracy after each epoch (empty when it diverged)
    """
    x, y = load_digits("train", one_hot=True, flatten=True)
    x_test, y_test = load_digits("test", one_hot=True, flatten=True)
    model = deep_relu_mlp(depth, kind, seed=seed)
    model.compile(loss="categorical_crossentropy", optimizer=SGD(eta=eta), metrics=["acc"])
    try:
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs, seed=seed, validation_data=(x_test, y_test))
    except TrainingDivergedError:
        return model, float("nan"), []
    return model, model.evaluate(x_test, y_test)[1], history.history["val_acc"]


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
