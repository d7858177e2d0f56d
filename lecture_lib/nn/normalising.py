"""Normalise over one axis, scale and shift, and the backward pass: what batch norm and layer norm share.

Batch norm (``batchnorm.BatchNorm``) normalises each unit over the
examples of the mini-batch (axis 0); layer norm (``layernorm.LayerNorm``)
normalises each example over its units (the last axis). Everything else is
the same, so both layers call these two functions with their axis, in the
series' notation (the statistics run over the M entries along ``axis``):

    h_bar   = (1/M) sum h                        mean along the axis
    sigma^2 = (1/M) sum (h - h_bar)^2            variance along the axis (biased: 1/M, as every framework)
    h_hat   = (h - h_bar) / sqrt(sigma^2 + kappa)
    out     = gamma h_hat + beta                 gamma, beta: one per unit, whatever the axis

Backward, with dh_hat = dout * gamma and sigma = sqrt(sigma^2 + kappa):
the mean and the variance depend on every entry along the axis, so each
dx collects three paths,

    dx = (M dh_hat - sum dh_hat - h_hat sum (dh_hat h_hat)) / (M sigma)      (sums along the axis)
    dgamma = sum_n dout_n h_hat_n,   dbeta = sum_n dout_n                      (sums over the batch)

and with fixed statistics (batch norm's inference) dx = dh_hat / sigma.

Shapes: x, h_hat, out, dout, dx : (N, D) (batch norm also (N, ...));
gamma, beta : x.shape[1:] (one per unit); the input's own statistics h_bar,
sigma^2 and sigma keep the normalised axis with length 1, so they broadcast
against x: (1, D) over the batch, (N, 1) over the units.

Every sum is the same NumPy call in both layers (``np.einsum`` for sums of
products), so the results do not depend on which layer calls them.
"""
from __future__ import annotations

import numpy as np

__all__ = ["normalise_backward", "normalise_forward", "scale_and_shift"]


def _sum_of_products(a, b, axis, keepdims=False):
    """sum(a * b) along ``axis`` without the product array (``np.einsum``); a, b of one shape."""
    letters = "abcdefghijklmnopqrstuvwxyz"[:a.ndim]
    kept = letters.replace(letters[axis], "")
    result = np.einsum(f"{letters},{letters}->{kept}", a, b)
    return np.expand_dims(result, axis) if keepdims else result


def scale_and_shift(shape, dtype):
    """gamma = 1 and beta = 0 of ``shape`` (the start: out = h_hat) and their gradient arrays: (params, grads)."""
    params = {"gamma": np.ones(shape, dtype=dtype), "beta": np.zeros(shape, dtype=dtype)}
    return params, {key: np.zeros_like(p) for key, p in params.items()}


def normalise_forward(x, axis, eps, gamma, beta, h_hat, out, statistics=None):
    """h_hat = (x - h_bar) / sqrt(sigma^2 + kappa) along ``axis``, and out = gamma * h_hat + beta.

    Parameters
    ----------
    x : ndarray, shape (N, D) or (N, ...)
        The weighted sums h of a batch. Not modified.
    axis : int
        The axis the statistics run over: 0 (over the batch, batch norm) or
        -1 (over the units of each example, layer norm).
    eps : float > 0
        kappa, added to the variance before the square root.
    gamma, beta : ndarray, shape x.shape[1:]
        Scale and shift, one per unit.
    h_hat, out : ndarray, shape x.shape
        Where the normalised input and the output are written (a layer's
        buffers or new arrays).
    statistics : (mean, var) or None
        None: x's own mean and biased variance along ``axis``. Given (batch
        norm's running statistics in inference): used as they are; they must
        broadcast against x.

    Returns
    -------
    (mean, var, sigma) : ndarrays
        With x's own statistics, of x's shape with ``axis`` of length 1;
        sigma = sqrt(var + eps), which ``normalise_backward`` needs.
    """
    if statistics is None:
        m = x.shape[axis]
        mean = x.mean(axis=axis, keepdims=True)
        np.subtract(x, mean, out=h_hat)
        var = _sum_of_products(h_hat, h_hat, axis, keepdims=True) / m  # biased (1/M), as in every framework
    else:
        mean, var = statistics
        np.subtract(x, mean, out=h_hat)
    sigma = np.sqrt(var + eps)
    h_hat /= sigma
    np.multiply(h_hat, gamma, out=out)
    out += beta
    return mean, var, sigma


def normalise_backward(dout, axis, h_hat, sigma, gamma, grads, need_dx=True, through_statistics=True):
    """dgamma and dbeta into ``grads``; dx through the statistics along ``axis`` (or not).

    Parameters
    ----------
    dout : ndarray, shape x.shape
        dE/dout. Overwritten: dx is written over it (it belongs to the caller's backward pass).
    axis : int
        The axis ``normalise_forward`` ran its statistics over.
    h_hat, sigma : ndarray
        From the forward pass: h_hat of x's shape, sigma broadcasting against it.
    gamma : ndarray, shape x.shape[1:]
    grads : dict with 'gamma' and 'beta', each of shape x.shape[1:]
        Overwritten with dE/dgamma (sum over the batch of dout * h_hat) and dE/dbeta (sum of dout).
    need_dx : bool
        False: only the parameter gradients (the first layer of a model); returns None.
    through_statistics : bool
        True: the statistics were the input's own, so dx runs through them
        (the three-path formula). False: they were constants (batch norm in
        inference), dx = dout * gamma / sigma.

    Returns
    -------
    ndarray of x's shape (``dout``'s array) or None
    """
    grads["gamma"][...] = _sum_of_products(dout, h_hat, 0)
    np.sum(dout, axis=0, out=grads["beta"])
    if not need_dx:
        return None
    dh_hat = dout
    dh_hat *= gamma
    if not through_statistics:
        dh_hat /= sigma
        return dh_hat
    m = dh_hat.shape[axis]
    sum_dh_hat = dh_hat.sum(axis=axis, keepdims=True)
    sum_dh_hat_h_hat = _sum_of_products(dh_hat, h_hat, axis, keepdims=True)
    # dx = (M dh_hat - sum dh_hat - h_hat sum(dh_hat h_hat)) / (M sigma), written over dh_hat
    dh_hat *= m
    dh_hat -= sum_dh_hat
    dh_hat -= h_hat * sum_dh_hat_h_hat
    dh_hat /= m * sigma
    return dh_hat
