"""Layers of a feed-forward network: Dense, Flatten, Activation.

The layer contract (CS231n style), shared by every layer of the package:

* ``forward(x)`` takes a batch ``x`` of shape (N, ...) and returns the
  layer's output, keeping what ``backward`` needs (the input and the output
  g) in the layer.
* ``backward(dout)`` takes dE/d(output), same shape as the output, and
  returns dE/dx, same shape as x. It **overwrites** the parameter gradients
  ``grads[key]`` (same keys as ``params``: 'W', 'b'); it does not
  accumulate. The gradient arrays are reused from batch to batch (written
  in place), so copy them if you want to keep one.
* ``train()`` / ``eval()`` switch the mode explicitly (it matters for
  dropout and batch normalisation in later chapters; Dense ignores it).
* ``Sequential.fit`` calls ``_fit_forward`` / ``_fit_backward`` instead:
  the same computations without the per-call input checks (fit checks its
  data once), writing into buffers the layer keeps between batches, and
  skipping dx where nothing needs it (below the first layer with
  parameters). The base class falls back to ``forward`` / ``backward``, so a
  new layer only has to implement those. Arrays returned by the ``_fit_``
  methods are overwritten by the next batch; ``forward`` and ``backward``
  always return new arrays.

Shapes: x : (N, D) for Dense; W : (D, units); b : (units,);
h = x @ W + b : (N, units); g = f(h) : (N, units).
"""
from __future__ import annotations

import math

import numpy as np

from .._validate import as_float_array, check_choice, check_positive_int, float_dtype_of, resolve_dtype
from .activations import get_activation

__all__ = ["Layer", "Dense", "Flatten", "Activation"]


def _as_rng(rng):
    """None stays None; an int seed or a Generator becomes a Generator."""
    return None if rng is None else np.random.default_rng(rng)


class Layer:
    """Base class: parameters, gradients, mode and shape bookkeeping.

    Attributes
    ----------
    params : dict of str -> ndarray
        Trainable parameters (empty for Flatten/Activation).
    grads : dict of str -> ndarray
        dE/dparams under the same keys, overwritten by ``backward``.
    training : bool
        True in training mode (the default), False after ``eval()``.
    input_shape : tuple or None
        Shape of one example, without the batch axis; set by ``build``.
    dtype : numpy dtype or None
        None: float64 for layers with parameters, the input's float dtype
        for the others. ``Sequential`` sets it for all its layers.
    name : str or None
        Set by ``Sequential`` ('dense_1', ...) when not given; used in
        error messages.
    """

    def __init__(self, dtype=None, name=None):
        self.params = {}
        self.grads = {}
        self.training = True
        self.input_shape = None
        self.dtype = None if dtype is None else resolve_dtype(dtype)
        self.name = name
        self._buffers = {}  # name -> array reused from batch to batch by the _fit_ methods

    # --- modes ------------------------------------------------------------------
    def train(self):
        """Switch to training mode; returns the layer."""
        self.training = True
        return self

    def eval(self):
        """Switch to inference mode; returns the layer."""
        self.training = False
        return self

    # --- shapes -----------------------------------------------------------------
    @property
    def built(self) -> bool:
        return self.input_shape is not None

    def build(self, input_shape, rng=None):
        """Fix the per-example input shape (and create parameters, if any)."""
        self.input_shape = tuple(int(n) for n in input_shape)

    def output_shape(self, input_shape) -> tuple:
        """Per-example output shape for a per-example ``input_shape``."""
        return tuple(input_shape)

    @property
    def n_params(self) -> int:
        """Number of trainable numbers in the layer."""
        return int(sum(p.size for p in self.params.values()))

    def describe(self) -> str:
        """'layer 'dense_1' Dense(2 -> 3, ...)' for error messages."""
        return f"layer {self.name!r} {self!r}" if self.name else repr(self)

    def _prepare(self, x, default_dtype=None):
        """Validate a batch: numeric, batch-first, right per-example shape; build if needed."""
        # (np.dtype objects are falsy, hence the explicit None tests)
        dtype = self.dtype if self.dtype is not None else default_dtype
        if dtype is None:
            dtype = float_dtype_of(x)
        x = as_float_array(x, f"input of {self.describe()}", dtype=dtype, allow_nan=True)
        if x.ndim < 1 or x.shape[0] == 0:
            raise ValueError(f"{self.describe()} needs a batch of shape (N, ...), got shape {x.shape}.")
        if not self.built:
            self.build(x.shape[1:])
        if x.shape[1:] != self.input_shape:
            raise ValueError(
                f"{self.describe()} expects input of shape (N, {', '.join(map(str, self.input_shape))}),"
                f" got shape {x.shape}.{self._shape_hint(x)}"
            )
        return x

    def _shape_hint(self, x) -> str:
        return ""

    def _check_dout(self, dout, out):
        if out is None:
            raise RuntimeError(f"{self.describe()}: call forward(x) before backward(dout).")
        dout = as_float_array(dout, "dout", dtype=out.dtype, allow_nan=True)
        if dout.shape != out.shape:
            raise ValueError(
                f"{self.describe()}: dout must have the shape of the layer output {out.shape}, got {dout.shape}."
            )
        return dout

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    # --- the training loop's fast path (used by Sequential.fit) -------------------
    def _fit_forward(self, x):
        """Forward pass of one training batch; x is already validated. Default: ``forward(x)``."""
        return self.forward(x)

    def _fit_backward(self, dout, need_dx=True):
        """Backward pass of one training batch; ``dout`` belongs to the engine and may be overwritten.

        Returns dx, or None when ``need_dx`` is False and the layer can skip
        it. Default: ``backward(dout)``.
        """
        return self.backward(dout)

    def _buffer(self, key, shape):
        """An uninitialised array of ``shape`` in the layer's dtype, reused between batches.

        The buffer is allocated for the largest batch seen; a smaller batch
        (the last of an epoch) gets a view of its first rows, which is
        still C-contiguous.
        """
        buffer = self._buffers.get(key)
        if buffer is None or buffer.shape[0] < shape[0] or buffer.shape[1:] != tuple(shape[1:]):
            buffer = self._buffers[key] = np.empty(shape, dtype=self.dtype)
        return buffer[:shape[0]]


class Dense(Layer):
    """Fully connected layer g = f(x @ W + b).

    Parameters
    ----------
    units : int
        Number of units (output width).
    activation : str, None or ActivationFunction
        Name from ``lecture_lib.nn.activations.ACTIVATIONS``; None = linear.
    input_dim : int, optional
        D. If omitted, the weights are created on the first forward pass
        from the input's width (Keras style).
    rng : numpy.random.Generator or int, optional
        Source of the initial weights. None: the model's generator when the
        layer is inside a ``Sequential`` (seeded, reproducible), otherwise a
        fresh unseeded generator. With both ``input_dim`` and ``rng`` given
        the weights are created immediately.
    dtype : {'float64', 'float32'}, optional
        Default: the model's dtype, or float64 outside a model.
    init : {'glorot_uniform', 'he_normal'}, optional
        Default: 'he_normal' for 'relu', 'leaky_relu', 'elu'; 'glorot_uniform'
        otherwise.
    name : str, optional

    Notes
    -----
    h = x @ W + b, g = f(h), with x : (N, D), W : (D, units), b : (units,).
    Biases start at 0. Glorot/Xavier uniform draws W from U(-a, a),
    a = sqrt(6 / (D + units)), keeping the variance of h and of the
    back-propagated error about constant for sigmoid/tanh/linear units.
    He normal draws W from N(0, 2 / D): ReLU zeroes half its inputs, so it
    needs twice the variance.
    Backward: eps = dE/dh = dout * f'(h) (f' from the stored g),
    dW = x^T eps, db = sum_n eps, dx = eps W^T.
    """

    def __init__(self, units, activation=None, input_dim=None, rng=None, dtype=None, init=None, name=None):
        super().__init__(dtype=dtype, name=name)
        self.units = check_positive_int(units, "units")
        self.input_dim = None if input_dim is None else check_positive_int(input_dim, "input_dim")
        self.activation = get_activation(activation)
        self.rng = _as_rng(rng)
        if init is not None:
            check_choice(init, "init", _INITIALISERS)
        self.init = init or ("he_normal" if self.activation.name in _HE_ACTIVATIONS else "glorot_uniform")
        self._x = self._g = None
        if self.input_dim is not None and self.rng is not None:
            self.build((self.input_dim,))

    def __repr__(self):
        d = self.input_shape[0] if self.built else (self.input_dim or "?")
        return f"Dense({d} -> {self.units}, activation={self.activation.name!r})"

    def build(self, input_shape, rng=None):
        """Create W (D, units) and b (units,) for inputs of per-example shape (D,)."""
        input_shape = tuple(input_shape)
        if len(input_shape) != 1:
            raise ValueError(
                f"{self.describe()} expects 2-D input (N, D), but each example has shape {input_shape}."
                f" Add a Flatten() layer before it."
            )
        d = int(input_shape[0])
        if self.input_dim is not None and d != self.input_dim:
            raise ValueError(
                f"{self.describe()} was declared with input_dim={self.input_dim}, got inputs of width {d}."
            )
        if self.dtype is None:
            self.dtype = np.dtype(np.float64)
        rng = self.rng or _as_rng(rng) or np.random.default_rng()
        self.params = {"W": _INITIALISERS[self.init](rng, d, self.units, self.dtype),
                       "b": np.zeros(self.units, dtype=self.dtype)}
        self.grads = {key: np.zeros_like(p) for key, p in self.params.items()}
        super().build(input_shape)

    def output_shape(self, input_shape) -> tuple:
        return (self.units,)

    def _shape_hint(self, x):
        if x.ndim == 1:
            return " For a single example use x.reshape(1, -1)."
        if x.ndim > 2:
            return " Add a Flatten() layer before it."
        return ""

    def forward(self, x):
        """Return g = f(x @ W + b).

        Parameters
        ----------
        x : array_like, shape (N, D)

        Returns
        -------
        g : ndarray, shape (N, units)
        """
        x = self._prepare(x, default_dtype=np.float64)
        h = x @ self.params["W"]
        h += self.params["b"]
        self._x, self._g = x, self.activation.forward_inplace(h)  # h is ours: g may overwrite it
        return self._g

    def backward(self, dout):
        """Return dE/dx from dout = dE/dg; overwrite grads['W'], grads['b'].

        Parameters
        ----------
        dout : array_like, shape (N, units)

        Returns
        -------
        dx : ndarray, shape (N, D)
        """
        dout = self._check_dout(dout, self._g)
        return self.backward_from_eps(self.activation.backward(self._g, dout))

    def backward_from_eps(self, eps):
        """Backward pass given the error term eps = dE/dh directly.

        Used by the model when the loss and this layer's activation fuse
        into eps = (yhat - y) / N (``lecture_lib.nn.losses.output_error``).
        Overwrites grads['W'] (x^T eps) and grads['b'] (sum of eps over the
        batch).

        Parameters
        ----------
        eps : array_like, shape (N, units)

        Returns
        -------
        dx : ndarray, shape (N, D), equal to eps @ W^T
        """
        eps = self._check_dout(eps, self._g)
        self._parameter_gradients(eps)
        return eps @ self.params["W"].T

    def _parameter_gradients(self, eps):
        # out=...: write into the existing gradient arrays, no allocation per batch
        np.matmul(self._x.T, eps, out=self.grads["W"])
        np.sum(eps, axis=0, out=self.grads["b"])

    # --- fast path of Sequential.fit (same values as forward/backward) ----------------
    def _fit_forward(self, x):
        """g = f(x @ W + b) into a reused buffer: h is written in place, then overwritten by g."""
        h = self._buffer("h", (x.shape[0], self.units))
        np.matmul(x, self.params["W"], out=h)
        h += self.params["b"]
        self._x, self._g = x, self.activation.forward_inplace(h)
        return self._g

    def _fit_backward(self, dout, need_dx=True):
        return self._fit_backward_from_eps(self.activation.backward_inplace(self._g, dout), need_dx)

    def _fit_backward_from_eps(self, eps, need_dx=True):
        """grads from eps = dE/dh; dx = eps W^T into a reused buffer, or None when not needed."""
        self._parameter_gradients(eps)
        if not need_dx:
            return None  # the first layer: nothing below it needs dE/dx
        dx = self._buffer("dx", self._x.shape)
        np.matmul(eps, self.params["W"].T, out=dx)
        return dx


class Flatten(Layer):
    """Reshape each example to a vector: (N, d1, d2, ...) -> (N, d1 * d2 * ...).

    No parameters. ``forward`` returns a view when the input is contiguous
    (no copy); ``backward`` reshapes dout back to the input shape.
    """

    def __init__(self, dtype=None, name=None):
        super().__init__(dtype=dtype, name=name)
        self._out_shape = None  # (N, prod(...)) of the last forward pass

    def __repr__(self):
        return "Flatten()"

    def output_shape(self, input_shape) -> tuple:
        return (math.prod(input_shape),)

    def forward(self, x):
        """x : array_like, shape (N, ...) -> ndarray, shape (N, prod(...))."""
        x = self._prepare(x)
        return self._fit_forward(x)

    def _fit_forward(self, x):
        self._out_shape = (x.shape[0], math.prod(self.input_shape))
        return x.reshape(self._out_shape)

    def backward(self, dout):
        """dout : ndarray, shape (N, prod(...)) -> dx : ndarray, shape (N, ...)."""
        if self._out_shape is None:
            raise RuntimeError(f"{self.describe()}: call forward(x) before backward(dout).")
        dout = np.asarray(dout)
        if dout.shape != self._out_shape:
            raise ValueError(f"{self.describe()}: dout must have shape {self._out_shape}, got {dout.shape}.")
        return dout.reshape((dout.shape[0], *self.input_shape))


class Activation(Layer):
    """An activation function as a layer of its own: g = f(x), no parameters.

    Parameters
    ----------
    activation : str, None or ActivationFunction
        Name from ``lecture_lib.nn.activations.ACTIVATIONS``.
    slope, alpha : float
        Parameters of 'leaky_relu' and 'elu'.
    dtype, name : see ``Layer``.
    """

    def __init__(self, activation, slope=0.01, alpha=1.0, dtype=None, name=None):
        super().__init__(dtype=dtype, name=name)
        self.activation = get_activation(activation, slope=slope, alpha=alpha)
        self._g = None

    def __repr__(self):
        return f"Activation({self.activation.name!r})"

    def forward(self, x):
        """x : array_like, shape (N, ...) -> g : ndarray, same shape."""
        x = self._prepare(x)
        self._g = self.activation.forward(x)
        return self._g

    def backward(self, dout):
        """dout = dE/dg, shape of g -> dE/dx, same shape."""
        dout = self._check_dout(dout, self._g)
        return self.activation.backward(self._g, dout)

    def backward_from_eps(self, eps):
        """Fused output error: eps is already dE/dx (the input here is h)."""
        return self._check_dout(eps, self._g)


# --- initialisation ----------------------------------------------------------------

def _glorot_uniform(rng, fan_in, fan_out, dtype):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    w = rng.random((fan_in, fan_out), dtype=dtype)  # U[0, 1), drawn directly in dtype
    w *= 2 * limit
    w -= limit
    return w


def _he_normal(rng, fan_in, fan_out, dtype):
    w = rng.standard_normal((fan_in, fan_out), dtype=dtype)
    w *= math.sqrt(2.0 / fan_in)
    return w


_INITIALISERS = {"glorot_uniform": _glorot_uniform, "he_normal": _he_normal}
_HE_ACTIVATIONS = {"relu", "leaky_relu", "elu"}
