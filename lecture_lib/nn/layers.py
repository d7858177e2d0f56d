"""Layers of a feed-forward network: Dense, Flatten, Activation, PReLU.

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

One computation, two entrances. Each layer writes its formula once, in
``_forward(x, buffered)`` and ``_backward(dout, need_dx, buffered)``:

* ``forward`` / ``backward`` (the public API) check their input, then call
  them with ``buffered=False``: every returned array is new and yours.
* ``Sequential.fit`` (and ``Sequential.forward`` / ``backward``, which the
  gradient checker uses) call them directly on data checked once, with
  ``buffered=True`` in ``fit``: outputs go into arrays the layer keeps from
  batch to batch, and ``need_dx=False`` skips dE/dx of the first layer with
  parameters (nothing below it needs it).

So the code that trains is the code a learner reads and the checker checks.
``_backward`` may overwrite its ``dout`` (the engine owns it; ``backward``
passes a copy). A new layer implements ``build``/``output_shape`` as
needed, ``_forward`` and ``_backward``; the base class gives it
``forward``, ``backward`` and the buffers.

Shapes: x : (N, D) for Dense; W : (D, units); b : (units,);
h = x @ W + b : (N, units); g = f(h) : (N, units).
"""
from __future__ import annotations

import math

import numpy as np

from .._validate import (as_float_array, as_generator, check_choice, check_positive_int, check_shape,
                         float_dtype_of, resolve_dtype)
from .activations import get_activation

__all__ = ["Layer", "Dense", "Flatten", "Activation", "PReLU"]


def _as_rng(rng):
    """None stays None; an int seed >= 0 or a Generator becomes a Generator (anything else: ValueError)."""
    return None if rng is None else as_generator(rng, "rng")


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
        self._buffers = {}  # name -> array reused from batch to batch when _forward/_backward are buffered

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
        self.input_shape = check_shape(input_shape, f"input_shape of {self.describe()}", allow_empty=True)

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
        """Check the batch x : (N, ...) and return the layer's output (a new array)."""
        return self._forward(self._prepare(x), buffered=False)

    def backward(self, dout):
        """Check dout = dE/d(output) and return dE/dx (a new array); overwrites ``grads``."""
        dout = self._check_dout(dout, self._last_output())
        return self._backward(dout.copy(), need_dx=True, buffered=False)

    # --- the one computation, used by forward/backward and by Sequential ----------
    def _forward(self, x, buffered=True):
        """The output for an already checked batch x; into a reused buffer when ``buffered``."""
        raise NotImplementedError(f"{type(self).__name__} must implement _forward(x, buffered).")

    def _backward(self, dout, need_dx=True, buffered=True):
        """dE/dx from dout (which may be overwritten); None allowed when ``need_dx`` is False."""
        raise NotImplementedError(f"{type(self).__name__} must implement _backward(dout, need_dx, buffered).")

    def _last_output(self):
        """The output of the last forward pass (for backward's shape check); None before one."""
        return getattr(self, "_g", None)

    def _forward_batch_size(self):
        """Rows of the last forward pass, or None before one (``Sequential.backward`` checks it)."""
        out = self._last_output()
        return None if out is None else out.shape[0]

    def _output_array(self, key, shape, buffered, dtype=None):
        """Where a result of ``shape`` goes: the layer's reused buffer ``key``, or a new array.

        ``dtype``: default the layer's dtype (layers without parameters pass their input's).
        """
        dtype = self.dtype if dtype is None else dtype
        return self._buffer(key, shape, dtype) if buffered else np.empty(shape, dtype=dtype)

    def _buffer(self, key, shape, dtype=None):
        """An uninitialised array of ``shape`` (in ``dtype``, default the layer's), reused between batches.

        The buffer is allocated for the largest batch seen; a smaller batch
        (the last of an epoch) gets a view of its first rows, which is
        still C-contiguous.
        """
        dtype = np.dtype(self.dtype if dtype is None else dtype)
        buffer = self._buffers.get(key)
        if (buffer is None or buffer.shape[0] < shape[0] or buffer.shape[1:] != tuple(shape[1:])
                or buffer.dtype != dtype):
            buffer = self._buffers[key] = np.empty(shape, dtype=dtype)
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
        input_shape = check_shape(input_shape, f"input_shape of {self.describe()}")
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
        """Return g = f(x @ W + b) (a new array).

        Parameters
        ----------
        x : array_like, shape (N, D)

        Returns
        -------
        g : ndarray, shape (N, units)
        """
        return self._forward(self._prepare(x, default_dtype=np.float64), buffered=False)

    def _forward(self, x, buffered=True):
        """h = x @ W + b, then g = f(h) written over h; keeps x and g for the backward pass."""
        h = self._output_array("h", (x.shape[0], self.units), buffered)
        np.matmul(x, self.params["W"], out=h)
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
        dx : ndarray, shape (N, D), a new array
        """
        dout = self._check_dout(dout, self._g)
        return self._backward(dout.copy(), need_dx=True, buffered=False)

    def _backward(self, dout, need_dx=True, buffered=True):
        """eps = dE/dh = dout * f'(h) (written over dout), then ``_backward_from_eps``."""
        return self._backward_from_eps(self.activation.backward_inplace(self._g, dout), need_dx, buffered)

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
        dx : ndarray, shape (N, D), equal to eps @ W^T (a new array)
        """
        return self._backward_from_eps(self._check_dout(eps, self._g), need_dx=True, buffered=False)

    def _backward_from_eps(self, eps, need_dx=True, buffered=True):
        """dW = x^T eps, db = sum_n eps (into the gradient arrays); dx = eps W^T, or None if not needed."""
        np.matmul(self._x.T, eps, out=self.grads["W"])  # out=: no allocation per batch
        np.sum(eps, axis=0, out=self.grads["b"])
        if not need_dx:
            return None  # the first layer with parameters: nothing below it needs dE/dx
        dx = self._output_array("dx", self._x.shape, buffered)
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
        return self._forward(self._prepare(x), buffered=False)

    def _forward_batch_size(self):
        return None if self._out_shape is None else self._out_shape[0]

    def _forward(self, x, buffered=True):
        self._out_shape = (x.shape[0], math.prod(self.input_shape))
        return x.reshape(self._out_shape)

    def backward(self, dout):
        """dout : ndarray, shape (N, prod(...)) -> dx : ndarray, shape (N, ...)."""
        if self._out_shape is None:
            raise RuntimeError(f"{self.describe()}: call forward(x) before backward(dout).")
        dout = np.asarray(dout)
        if dout.shape != self._out_shape:
            raise ValueError(f"{self.describe()}: dout must have shape {self._out_shape}, got {dout.shape}.")
        return self._backward(dout, need_dx=True, buffered=False)

    def _backward(self, dout, need_dx=True, buffered=True):
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
        """x : array_like, shape (N, ...) -> g : ndarray, same shape (a new array)."""
        return self._forward(self._prepare(x), buffered=False)

    def _forward(self, x, buffered=True):
        """g = f(x) into the layer's buffer (or a new array); x itself is never changed."""
        g = self._output_array("g", x.shape, buffered, x.dtype)
        np.copyto(g, x)
        self._g = self.activation.forward_inplace(g)
        return self._g

    def backward(self, dout):
        """dout = dE/dg, shape of g -> dE/dx, same shape (a new array)."""
        dout = self._check_dout(dout, self._g)
        return self._backward(dout.copy(), need_dx=True, buffered=False)

    def _backward(self, dout, need_dx=True, buffered=True):
        return self.activation.backward_inplace(self._g, dout)

    def backward_from_eps(self, eps):
        """Fused output error: eps is already dE/dx (the input here is h)."""
        return self._backward_from_eps(self._check_dout(eps, self._g), need_dx=True, buffered=False).copy()

    def _backward_from_eps(self, eps, need_dx=True, buffered=True):
        return eps



class PReLU(Layer):
    """Parametric ReLU (He et al. 2015): g = h for h > 0, g = a h otherwise, with a slope a learned per unit.

    Put it after a linear ``Dense`` (``Dense(units)``, no activation): its input is that layer's weighted
    sum h. Leaky ReLU is the same function with a fixed slope; here the slopes are parameters that the
    optimiser updates like weights (``params['a']``), so a unit can learn how much of the negative side
    to pass.

    Parameters
    ----------
    initial_slope : float
        Every a starts here; 0.25 as in He et al. 2015 (0 would be ReLU, whose zero slope gets no gradient
        on the negative side but a still does: ∂E/∂a sums dout · h over the negative h).
    dtype, name : see ``Layer``.

    Notes
    -----
    Shapes: h : (N, units), a : (units,), g : (N, units).
    Backward: dE/dh = dout where h > 0, a · dout otherwise; dE/da_j = sum over n with h_nj <= 0 of
    dout_nj · h_nj. The layer keeps h (the slope may be negative or zero, so g alone cannot give it back).
    """

    def __init__(self, initial_slope=0.25, dtype=None, name=None):
        super().__init__(dtype=dtype, name=name)
        self.initial_slope = float(initial_slope)
        if not np.isfinite(self.initial_slope):
            raise ValueError(f"PReLU: initial_slope must be a finite number, got {initial_slope!r}.")
        self._h = self._g = None

    def __repr__(self):
        return f"PReLU(units={self.input_shape[0] if self.built else '?'})"

    def build(self, input_shape, rng=None):
        """Create a : (units,) for inputs of per-example shape (units,)."""
        input_shape = check_shape(input_shape, f"input_shape of {self.describe()}")
        if len(input_shape) != 1:
            raise ValueError(f"{self.describe()} expects 2-D input (N, units), got examples of shape {input_shape}."
                             " Add a Flatten() layer before it.")
        if self.dtype is None:
            self.dtype = np.dtype(np.float64)
        self.params = {"a": np.full(int(input_shape[0]), self.initial_slope, dtype=self.dtype)}
        self.grads = {"a": np.zeros_like(self.params["a"])}
        super().build(input_shape)

    def forward(self, x):
        """h : array_like, shape (N, units) -> g : ndarray, same shape (a new array)."""
        return self._forward(self._prepare(x, default_dtype=np.float64), buffered=False)

    def _forward(self, h, buffered=True):
        g = self._output_array("g", h.shape, buffered)
        np.multiply(h, np.where(h > 0, 1.0, self.params["a"]), out=g)
        self._h, self._g = h, g
        return g

    def _backward(self, dout, need_dx=True, buffered=True):
        negative = self._h <= 0
        np.sum(np.where(negative, dout * self._h, 0.0), axis=0, out=self.grads["a"])
        if not need_dx:
            return None
        dout *= np.where(negative, self.params["a"], 1.0)
        return dout


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
