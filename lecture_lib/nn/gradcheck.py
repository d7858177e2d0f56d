"""Numerical gradient checking: is backpropagation implemented correctly?

Backpropagation gives every gradient from one backward pass; central
differences give each partial derivative from two extra forward passes:

    df/dx_i ~ (f(x + s e_i) - f(x - s e_i)) / (2 s)

which is slow (chapter 04 measures how slow) but independent of the
backward code. Comparing the two is the standard test of a layer.

Target: a relative error below 1e-7 in float64 (``relative_error``). Errors
around 1e-4 or more mean a bug; in between, look at kinks (ReLU at 0) or at
the step size. float32 cannot reach these levels (its rounding error is
~1e-7 on each value), so the checks here require float64.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_positive

__all__ = ["numerical_gradient", "relative_error", "check_layer_gradients", "check_model_gradients"]

#: Relative error below which a float64 gradient counts as correct.
TARGET = 1e-7


def numerical_gradient(f, x, step=1e-6):
    """Gradient of a scalar function by central differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. It may also read ``x`` through a closure (e.g. a
        layer's own weight array): the perturbation is applied to ``x`` in
        place, one entry at a time, so both ways see it.
    x : ndarray of float64, any shape
        The point. Each entry is restored exactly after its two evaluations,
        so ``x`` is unchanged on return (also if ``f`` raises).
    step : float
        The step s.

    Returns
    -------
    grad : ndarray, shape of x
        (f(x + s e_i) - f(x - s e_i)) / (2 s) for every entry i.

    Notes
    -----
    The error of central differences is O(s^2) from truncation plus
    O(machine eps * |f| / s) from rounding; s = 1e-6 balances them in float64.
    """
    step = check_positive(step, "step")
    if not callable(f):
        raise TypeError(f"f must be a function f(x) -> float (the scalar loss at x), got {type(f).__name__} {f!r:.60}.")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError("x must be a float64 ndarray (it is perturbed in place and restored).")
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ValueError("x must be contiguous so it can be perturbed in place.")
    for i in range(flat_x.size):
        old = flat_x[i]
        try:
            flat_x[i] = old + step
            f_plus = _scalar_value(f(x))
            flat_x[i] = old - step
            f_minus = _scalar_value(f(x))
        finally:
            flat_x[i] = old
        flat_grad[i] = (f_plus - f_minus) / (2 * step)
    return grad


def _scalar_value(value):
    """The one number a loss function returned, or a clear error for an array or a non-number."""
    if isinstance(value, (str, bytes)) or np.asarray(value).dtype.kind not in "biuf":
        raise TypeError(f"f must return one real number (the loss), got {type(value).__name__} {value!r:.60}.")
    if np.ndim(value) != 0:
        raise ValueError(
            f"f must return one number (a scalar loss), but it returned an array of shape {np.shape(value)}."
            " Reduce it to one number, e.g. lambda x: np.sum(...) or the mean over the batch."
        )
    return float(value)


def relative_error(a, b) -> float:
    """Relative difference of two arrays: ||a - b|| / (||a|| + ||b||).

    Parameters
    ----------
    a, b : array_like, same shape

    Returns
    -------
    float
        0 when both are all zero. Below 1e-7 (float64) the two agree.
        ``inf`` when either holds a NaN or an infinity: a gradient with a
        non-finite entry is never correct, and inf (unlike NaN) fails every
        test ``error < tolerance``, also inside ``max(errors)``, which skips
        a NaN that is not its first argument.

    Notes
    -----
    The norm-based form (rather than an entry-by-entry ratio) does not blow
    up on entries that are both nearly zero, where only rounding noise is left.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}.")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def check_layer_gradients(layer, x, seed=0, step=1e-6) -> dict:
    """Compare a layer's backward pass with central differences.

    The scalar loss is a fixed random projection of the output,
    L = sum(forward(x) * R), so dL/d(output) = R exercises every output.

    Parameters
    ----------
    layer : Layer
        In float64. Built on the first forward if needed.
    x : array_like, shape (N, ...)
        Input batch (copied; the caller's array is not changed).
    seed : int
        Seeds R.
    step : float
        Central-difference step.

    Returns
    -------
    errors : dict of str -> float
        'x' for dL/dx and one entry per parameter ('W', 'b'); each is a
        ``relative_error`` (target < 1e-7; inf where either gradient holds
        a NaN or an infinity, so the check fails).
    """
    if not all(hasattr(layer, name) for name in ("forward", "backward", "params", "grads")):
        raise TypeError(
            "layer must be a layer object with forward, backward, params and grads (e.g. Dense(3,"
            f" dtype='float64')), got {type(layer).__name__} {layer!r:.60}. For a plain function f(x) -> float"
            " use numerical_gradient(f, x)."
        )
    x = as_float_array(x, "x").copy()  # our own float64 copy, perturbed in place
    out = layer.forward(x)
    _require_float64(layer, out)
    r = np.random.default_rng(seed).standard_normal(out.shape)

    def loss(_):
        return np.sum(layer.forward(x) * r)

    dx = layer.backward(r)  # the layer still holds the forward pass of x above
    analytic = {"x": dx, **{key: g.copy() for key, g in layer.grads.items()}}
    errors = {"x": relative_error(analytic["x"], numerical_gradient(loss, x, step))}
    for key, p in layer.params.items():
        errors[key] = relative_error(analytic[key], numerical_gradient(loss, p, step))
    return errors


def check_model_gradients(model, x, y, step=1e-6) -> dict:
    """Compare a compiled Sequential model's backpropagation with central differences.

    Parameters
    ----------
    model : Sequential
        Compiled, float64.
    x : array_like, shape (N, ...)
    y : array_like, targets as for ``model.fit``
    step : float

    Returns
    -------
    errors : dict of str -> float
        One ``relative_error`` per parameter, keyed 'dense_1.W', 'dense_1.b', ...
        (target < 1e-7). The loss is the compiled loss on the whole batch, and
        the backward pass is the one ``fit`` uses (fused output error
        included).
    """
    model._require_compiled()
    x = model._prepare_x(x)
    y = model._prepare_y(y, x.shape[0])
    if model.dtype != np.float64:
        raise ValueError("Gradient checks need a float64 model (float32 rounding is ~1e-7 per value).")
    model.train()

    def loss(_):
        return model.loss.value(y, model.forward(x))

    model.backward(y, model.forward(x))
    errors = {}
    for layer in model.layers:
        for key, p in layer.params.items():
            analytic = layer.grads[key].copy()
            errors[f"{layer.name}.{key}"] = relative_error(analytic, numerical_gradient(loss, p, step))
    return errors


def _require_float64(layer, out):
    arrays = [out, *layer.params.values()]
    if any(a.dtype != np.float64 for a in arrays):
        raise ValueError(
            f"Gradient checks need float64; {layer!r} computes in {out.dtype}. Create it with dtype='float64'."
        )
