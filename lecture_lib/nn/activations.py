"""Activation functions g = f(h) and their derivatives.

Every activation works elementwise on an array ``h`` of any shape, e.g. the
weighted sums of a layer, shape (N, units); softmax works on the last axis.
The result keeps the dtype of ``h`` (float32 stays float32; integers become
float64).

Derivatives are written in terms of the *output* g that the forward pass
already stored, as on the slides: sigma'(h) = g (1 - g), tanh'(h) = 1 - g^2.
So backpropagation never recomputes f(h).

Lookup by name (the strings Keras uses)::

    act = get_activation('sigmoid')
    g = act(h)                      # forward
    dh = act.backward(g, dout)      # dE/dh from dE/dg

Speed: ``Sequential.fit`` calls ``act.forward_inplace(h)`` on the weighted
sums it has just computed (an array it owns), so that ReLU, sigmoid, tanh
and softmax write g over h instead of allocating a new array per batch; the
values are bit for bit those of ``act(h)``. Likewise ``Dense`` calls
``act.backward_inplace(g, dout)`` with the dE/dg buffer of the layer above,
which ReLU overwrites with dE/dh. The public functions never change their
argument.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import numpy as np

from .._validate import as_float_array, check_choice, check_positive, float_dtype_of

__all__ = [
    "identity", "identity_derivative",
    "threshold", "threshold_derivative",
    "sigmoid", "sigmoid_derivative",
    "tanh", "tanh_derivative",
    "relu", "relu_derivative",
    "leaky_relu", "leaky_relu_derivative",
    "elu", "elu_derivative",
    "softmax", "softmax_backward",
    "ActivationFunction", "ACTIVATIONS", "get_activation",
]


def _on_a_copy(inplace, h):
    """Run the in-place kernel ``inplace`` on a copy of the float array h; the public functions use this.

    A 0-d h runs as a 1-element array (NumPy's ufuncs return scalars for 0-d
    arrays, which ``out=`` cannot take) and comes back as a NumPy scalar,
    as NumPy's own functions return.
    """
    if h.ndim == 0:
        return inplace(h.reshape(1).copy())[0]
    return inplace(h.copy())


def _as_input(value, name):
    """A float array with the dtype of ``value`` kept (NaN passes through like in NumPy)."""
    return as_float_array(value, name, dtype=float_dtype_of(value), allow_nan=True)


# --- identity -----------------------------------------------------------------

def identity(h):
    """Linear (identity) activation g = h.

    Parameters
    ----------
    h : array_like, any shape
        Weighted sums.

    Returns
    -------
    g : ndarray, same shape as h
    """
    return _as_input(h, "h")


def identity_derivative(g):
    """Derivative of the identity: 1 everywhere. ``g`` : ndarray, any shape."""
    g = _as_input(g, "g")
    return np.ones_like(g)


# --- threshold (McCulloch-Pitts / perceptron, chapter 01) ------------------------

def threshold(h):
    """Step function of the McCulloch-Pitts unit.

    Parameters
    ----------
    h : array_like, any shape

    Returns
    -------
    g : ndarray, same shape as h, values 0.0 and 1.0

    Notes
    -----
    f(h) = 1 if h >= 0 else 0. The same function as
    ``lecture_lib.topics.units.threshold`` (chapter 01), but returning floats in
    h's dtype so that it can sit inside a layer.
    """
    h = _as_input(h, "h")
    return (h >= 0).astype(h.dtype)


def threshold_derivative(g):
    """Derivative of the step function: 0 everywhere (undefined at h = 0).

    This zero is why a network of threshold units cannot be trained by
    gradient descent, and why chapter 02 moves to the sigmoid.
    ``g`` : ndarray, any shape.
    """
    g = _as_input(g, "g")
    return np.zeros_like(g)


# --- sigmoid -----------------------------------------------------------------------

def sigmoid(h):
    """Logistic sigmoid, computed without overflow for large |h|.

    Parameters
    ----------
    h : array_like, any shape

    Returns
    -------
    g : ndarray, same shape as h, values in [0, 1]

    Notes
    -----
    sigma(h) = 1 / (1 + exp(-h)).
    exp(-h) overflows for h < -710 (float64). For h < 0 we multiply top and
    bottom by exp(h): sigma(h) = exp(h) / (1 + exp(h)). Both cases in one
    branch-free formula, with every exponent <= 0 (no overflow):
    sigma(h) = exp(min(h, 0)) / (1 + exp(-|h|)).
    """
    return _on_a_copy(_sigmoid_inplace, _as_input(h, "h"))


def _sigmoid_inplace(h):
    """``sigmoid(h)`` written over ``h`` (a float array the caller owns); one temporary instead of two.

    The one implementation: ``sigmoid`` calls it on a copy, ``Dense`` on its own h.
    """
    # exp(min(h, 0)) / (1 + exp(-|h|)), each step written over an array we own
    denominator = np.abs(h)
    np.negative(denominator, out=denominator)
    np.exp(denominator, out=denominator)
    denominator += 1
    np.minimum(h, 0, out=h)
    np.exp(h, out=h)
    h /= denominator
    return h


def sigmoid_derivative(g):
    """Derivative of the sigmoid from its output.

    Parameters
    ----------
    g : array_like, any shape
        The stored output sigma(h).

    Returns
    -------
    dg_dh : ndarray, same shape as g

    Notes
    -----
    sigma'(h) = sigma(h) (1 - sigma(h)) = g (1 - g)
    (proved symbolically by ``lecture_lib.topics.symbolic.prove_sigmoid_derivative``).
    g must be a sigmoid output, in [0, 1]: given the weighted sum h instead,
    g (1 - g) is a wrong number (e.g. -2 at h = 2), so values outside [0, 1]
    raise a ValueError. NaN passes through, as in NumPy.
    """
    g = _as_input(g, "g")
    if np.any(g < 0) or np.any(g > 1):
        raise ValueError(
            f"sigmoid_derivative takes the sigmoid's output g = sigma(h), in [0, 1], got values from"
            f" {np.nanmin(g):.4g} to {np.nanmax(g):.4g}. Pass g = sigmoid(h), not the weighted sum h."
        )
    return _sigmoid_derivative_from_output(g)


def _sigmoid_derivative_from_output(g):
    """g (1 - g) without the range check (the layers' backward pass: g comes from their own forward)."""
    g = _as_input(g, "g")
    dg_dh = 1 - g
    dg_dh *= g  # in place: the same values as g * (1 - g), one temporary less
    return dg_dh


# --- tanh --------------------------------------------------------------------------

def tanh(h):
    """Hyperbolic tangent g = tanh(h), values in [-1, 1]. ``h`` : any shape."""
    return _on_a_copy(_tanh_inplace, _as_input(h, "h"))


def tanh_derivative(g):
    """Derivative of tanh from its output.

    Notes
    -----
    tanh'(h) = 1 - tanh(h)^2 = 1 - g^2. ``g`` : ndarray, any shape.
    """
    g = _as_input(g, "g")
    dg_dh = g * g
    np.subtract(1, dg_dh, out=dg_dh)  # 1 - g^2, in place
    return dg_dh


def _tanh_inplace(h):
    """``tanh(h)`` written over ``h`` (a float array the caller owns)."""
    return np.tanh(h, out=h)


# --- ReLU family -----------------------------------------------------------------------

def relu(h):
    """Rectified linear unit.

    Notes
    -----
    f(h) = max(0, h). ``h`` : any shape; returns the same shape.
    """
    return _on_a_copy(_relu_inplace, _as_input(h, "h"))


def _relu_inplace(h):
    """``relu(h)`` written over ``h`` (a float array the caller owns)."""
    return np.maximum(h, 0, out=h)


def _relu_backward_inplace(g, dout):
    """``relu`` backward written over ``dout``: dout * (g > 0), the same values as ``backward``."""
    return np.multiply(dout, g > 0, out=dout)


def relu_derivative(g):
    """Derivative of ReLU from its output: 1 where g > 0, else 0.

    Notes
    -----
    g > 0 exactly when h > 0; at h = 0 we use 0 (the usual convention).
    """
    g = _as_input(g, "g")
    return (g > 0).astype(g.dtype)


def leaky_relu(h, slope=0.01):
    """Leaky ReLU: a small slope instead of 0 for negative h.

    Parameters
    ----------
    h : array_like, any shape
    slope : float >= 0
        Slope for h < 0 (Keras calls it ``negative_slope``/``alpha``).

    Notes
    -----
    f(h) = h if h > 0 else slope * h.
    """
    slope = check_positive(slope, "slope", allow_zero=True)
    h = _as_input(h, "h")
    return np.where(h > 0, h, h * slope)


def leaky_relu_derivative(g, slope=0.01):
    """Derivative of leaky ReLU from its output: 1 where g > 0, else ``slope``.

    Notes
    -----
    With slope >= 0, g > 0 exactly when h > 0, so the output is enough.
    """
    slope = check_positive(slope, "slope", allow_zero=True)
    g = _as_input(g, "g")
    return np.where(g > 0, g.dtype.type(1), g.dtype.type(slope))


def elu(h, alpha=1.0):
    """Exponential linear unit.

    Parameters
    ----------
    h : array_like, any shape
    alpha : float > 0
        The value f approaches for h -> -infinity is -alpha.

    Notes
    -----
    f(h) = h if h > 0 else alpha (exp(h) - 1).
    exp is evaluated at min(h, 0) only, so large positive h cannot overflow.
    """
    alpha = check_positive(alpha, "alpha")
    h = _as_input(h, "h")
    return np.where(h > 0, h, alpha * np.expm1(np.minimum(h, 0)))


def elu_derivative(g, alpha=1.0):
    """Derivative of ELU from its output.

    Notes
    -----
    f'(h) = 1 for h > 0, and alpha exp(h) = g + alpha for h <= 0.
    """
    alpha = check_positive(alpha, "alpha")
    g = _as_input(g, "g")
    return np.where(g > 0, g.dtype.type(1), g + alpha)


# --- softmax -----------------------------------------------------------------------------

def softmax(h):
    """Softmax over the last axis (one probability vector per example).

    Parameters
    ----------
    h : array_like, shape (N, C) (or any shape; the last axis holds the classes)

    Returns
    -------
    g : ndarray, same shape as h; each row is positive and sums to 1

    Notes
    -----
    yhat_k = exp(h_k) / sum_j exp(h_j).
    Subtracting the row maximum first changes nothing mathematically (the
    factor exp(-max) cancels) but keeps every exponent <= 0: no overflow.
    """
    h = _as_input(h, "h")
    if h.ndim == 0 or h.shape[-1] == 0:
        raise ValueError(f"softmax needs at least one class along the last axis of h, got shape {h.shape}.")
    return _on_a_copy(_softmax_inplace, h)


def _softmax_inplace(h):
    """``softmax(h)`` written over ``h`` (a float array the caller owns), no temporary of h's size.

    The one implementation: ``softmax`` calls it on a copy, ``Dense`` on its own h.
    """
    h -= np.max(h, axis=-1, keepdims=True)
    np.exp(h, out=h)
    h /= np.sum(h, axis=-1, keepdims=True)
    return h


def softmax_backward(g, dout):
    """Backpropagate through softmax: dE/dh from dE/dg.

    Softmax is not elementwise (each output depends on every h_j), so there
    is no elementwise derivative; this is the vector-Jacobian product
    dout^T (dg/dh), computed without forming the (C, C) Jacobian.

    Parameters
    ----------
    g : array_like, shape (N, C)
        Stored softmax output.
    dout : array_like, shape (N, C)
        dE/dg.

    Returns
    -------
    dh : ndarray, shape (N, C)

    Notes
    -----
    dg_k/dh_j = g_k (delta_kj - g_j), hence
    dh_j = g_j (dout_j - sum_k dout_k g_k).
    """
    g = _as_input(g, "g")
    dout = _as_input(dout, "dout")
    if dout.shape != g.shape:
        raise ValueError(f"dout must have the shape of g {g.shape}, got {dout.shape}.")
    return g * (dout - np.sum(dout * g, axis=-1, keepdims=True))


# --- lookup table --------------------------------------------------------------------------

@dataclass(frozen=True)
class ActivationFunction:
    """A named activation: ``forward(h) -> g`` and ``backward(g, dout) -> dh``.

    Attributes
    ----------
    name : str
        The name used in ``Dense(..., activation=name)``.
    forward : callable
        h -> g, any shape.
    derivative : callable or None
        g -> dg/dh elementwise; None for softmax (not elementwise).
    vjp : callable or None
        (g, dout) -> dh, used when ``derivative`` is None.
    options : dict
        Parameters such as ``slope`` or ``alpha`` (shown in the repr).
    inplace : callable or None
        h -> g written over h (same values as ``forward``), for callers that
        own h; None: ``forward_inplace`` falls back to ``forward``.
    inplace_backward : callable or None
        (g, dout) -> dh written over dout (same values as ``backward``), for
        callers that own dout; None: ``backward_inplace`` falls back to
        ``backward``.
    """

    name: str
    forward: Callable
    derivative: Callable | None = None
    vjp: Callable | None = None
    options: dict = field(default_factory=dict)
    inplace: Callable | None = field(default=None, repr=False, compare=False)
    inplace_backward: Callable | None = field(default=None, repr=False, compare=False)

    def __call__(self, h):
        return self.forward(h)

    def forward_inplace(self, h):
        """Return g = f(h), overwriting ``h`` when this activation can.

        Parameters
        ----------
        h : ndarray, float, any shape
            Weighted sums that the caller owns and no longer needs (used by
            ``Dense`` during ``fit``). Not validated.

        Returns
        -------
        g : ndarray, same shape and dtype as h; ``h`` itself when computed in
            place. Bit for bit equal to ``forward(h)``.
        """
        if self.inplace is None:
            return self.forward(h)
        return self.inplace(h)

    def backward(self, g, dout):
        """Return dE/dh, shape of g, from the stored output g and dE/dg (dout).

        For an elementwise activation dh = dout * f'(h), with f'(h) computed
        from g.
        """
        if self.derivative is None:
            return self.vjp(g, dout)
        dh = self.derivative(g)
        dh *= dout  # in place: dh is a fresh array, saves one allocation per batch
        return dh

    def backward_inplace(self, g, dout):
        """Return dE/dh like ``backward``, overwriting ``dout`` when this activation can.

        ``dout`` (shape of g) must belong to the caller and not be needed
        afterwards (``Dense`` during ``fit``: it is the buffer of the layer
        above). Bit for bit equal to ``backward(g, dout)``; it saves the
        allocation of dh (a batch-sized array) for every layer and batch.
        """
        if self.inplace_backward is None:
            return self.backward(g, dout)
        return self.inplace_backward(g, dout)

    def __repr__(self):
        opts = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return f"ActivationFunction({self.name!r}{opts})"


def _make(name, slope=0.01, alpha=1.0):
    if name == "leaky_relu":
        slope = check_positive(slope, "slope", allow_zero=True)
        return ActivationFunction(
            name, partial(leaky_relu, slope=slope), partial(leaky_relu_derivative, slope=slope),
            options={"slope": slope},
        )
    if name == "elu":
        alpha = check_positive(alpha, "alpha")
        return ActivationFunction(
            name, partial(elu, alpha=alpha), partial(elu_derivative, alpha=alpha),
            options={"alpha": alpha},
        )
    if name == "softmax":
        return ActivationFunction(name, softmax, vjp=softmax_backward, inplace=_softmax_inplace)
    forward, derivative = _ELEMENTWISE[name]
    return ActivationFunction(name, forward, derivative, inplace=_INPLACE.get(name),
                              inplace_backward=_BACKWARD_INPLACE.get(name))


_ELEMENTWISE = {
    "linear": (identity, identity_derivative),
    "threshold": (threshold, threshold_derivative),
    "sigmoid": (sigmoid, _sigmoid_derivative_from_output),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
}

# Forward passes that can write g over h (used by Dense during fit).
_INPLACE = {"linear": lambda h: h, "sigmoid": _sigmoid_inplace, "tanh": _tanh_inplace, "relu": _relu_inplace}
# Backward passes that can write dh over dout (ReLU: the hidden layers of most networks here).
_BACKWARD_INPLACE = {"relu": _relu_backward_inplace}

#: Every activation by name, with default parameters (slope=0.01, alpha=1.0).
ACTIVATIONS = {
    name: _make(name)
    for name in ["linear", "threshold", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax"]
}


def get_activation(name, slope=0.01, alpha=1.0) -> ActivationFunction:
    """Look an activation up by name.

    Parameters
    ----------
    name : str, None or ActivationFunction
        One of ``ACTIVATIONS`` ('linear', 'threshold', 'sigmoid', 'tanh',
        'relu', 'leaky_relu', 'elu', 'softmax'), case-insensitive. None
        means 'linear'. An ActivationFunction is returned unchanged.
    slope : float
        Negative-side slope, used by 'leaky_relu' only.
    alpha : float
        Saturation value, used by 'elu' only.

    Returns
    -------
    ActivationFunction

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid names.
    """
    if name is None:
        return ACTIVATIONS["linear"]
    if isinstance(name, ActivationFunction):
        return name
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name (str), None or an ActivationFunction, got {name!r}.")
    key = name.lower()
    if key not in ACTIVATIONS:
        check_choice(name, "activation", ACTIVATIONS)  # raises, listing the valid names
    if key in ("leaky_relu", "elu"):
        return _make(key, slope=slope, alpha=alpha)
    return ACTIVATIONS[key]
