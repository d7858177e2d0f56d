"""A residual block h' = h + f(h) over any stack of layers (chapter 10; ResNet).

With ``shortcut='projection'`` the block is h' = h W_s + f(h): a learned
linear map W_s (no bias) on the skip path lets the branch change the width
(He et al. 2016's projection shortcut, used where a ResNet changes its
number of channels between stages).

The block adds its input to the output of its branch f (any list of
layers whose output has the input's shape), so f only has to model the
residual f(h) = h' - h. Backward, dE/dh = dE/dh' + dE/dh' (df/dh): the
first term is the identity path, which passes the error back; the
block's backward ADDS the two paths.

Initialisation: every block adds the variance of its branch's output to
the signal, Var(h') = Var(h) + Var(f(h)) for an uncorrelated branch, so
after L blocks whose branches start as Dense's defaults (He before a
ReLU, Glorot for the last, linear layer: Var f ~ Var h) the signal
grows like 2^L and overflows in a deep network. ``branch_scale`` (default
0.1) multiplies the initial weights of the branch's last layer with
weights, so each block starts close to the identity; 0 makes every block
start exactly as the identity (Fixup's zero-initialised last layer).

A zero start must still be able to learn. Decision: the branch is
expected to END IN A LINEAR LAYER, as real residual blocks do
(Dense -> ReLU -> Dense; He et al.'s pre-activation block, Fixup). With
its W = 0 and b = 0 the branch outputs 0, but that layer's gradient
dE/dW = g^T dE/dh' (g: the output of the layers before it) is not 0, so
the branch leaves zero at the first update. A branch whose last weighted
layer is followed by an activation with zero slope at 0 (a ReLU:
relu'(0) = 0 in this engine) would have weighted sum 0 for every example
and get no gradient ever; ``build`` refuses ``branch_scale=0`` for such a
branch with an error naming the fix. (The other known remedy, a learned
scalar gate h + alpha f(h) with alpha = 0 at the start (SkipInit), adds a
parameter that PyTorch's and Keras's layers do not have; a linear last
layer needs nothing new.)

Parameters are exposed as ONE dict with prefixed keys, 'dense_1.W',
'dense_1.b', 'batchnorm_1.gamma', ... holding the branch layers' own arrays
(not copies), so ``Sequential``, the optimisers and the gradient checker
see and update them like any layer's.

Projection shortcut. Decision: it is asked for explicitly
(``shortcut='projection'``), never added silently when the widths differ,
so a branch that changes the width by mistake still gets the clear error
(it names the option). W_s : (D, D') is initialised as Keras's Dense
default (Glorot uniform, Var(W_s) = 2 / (D + D'); with D = D' this keeps
the variance of a linear map's output); ``branch_scale`` does not touch
it. Backward: dE/dW_s = h^T dE/dh' and the skip path's part of dE/dh is
dE/dh' W_s^T, added to the branch's as for the identity. A projection
needs examples that are vectors, h : (N, D).

Shapes: h : (N, ...) and h' : same shape (identity shortcut; the branch maps
(N, ...) to the same shape); with the projection h : (N, D), h' : (N, D').
"""
from __future__ import annotations

import numpy as np

from .._validate import as_scalar, check_choice
from .layers import _INITIALISERS, Activation, Layer, _as_rng

__all__ = ["Residual", "SHORTCUTS"]

#: The skip path: 'identity' (h' = h + f(h)) or 'projection' (h' = h W_s + f(h), the width may change).
SHORTCUTS = ("identity", "projection")


class Residual(Layer):
    """h' = h + f(h), with f the stack ``layers`` (or h' = h W_s + f(h) with a projection shortcut).

    Parameters
    ----------
    layers : list of Layer
        The branch f, applied in order. Its output must have the shape of
        its input, unless ``shortcut='projection'``.
    branch_scale : float >= 0
        Factor applied once, when the block is built, to the initial 'W' of
        the branch's last layer that has one (default 0.1; 1 keeps the plain
        initialisation).
    shortcut : {'identity', 'projection'}
        The skip path. 'projection': h' = h W_s + f(h) with a learned W_s of
        shape (D, D'), D the input's width and D' the branch output's; the
        parameter is 'shortcut.W'.
    dtype, name : see ``Layer``.

    Attributes
    ----------
    layers : list of Layer
    params, grads : dict of str -> ndarray
        Every branch layer's parameters and gradients under
        '<layer name>.<key>' (the same arrays the branch layers use), and
        'shortcut.W' for a projection shortcut.

    Notes
    -----
    Forward: h' = h + f(h). Backward: dE/dh = dE/dh' + (backward of f)(dE/dh');
    the branch's parameter gradients are overwritten, as every layer's.
    PyTorch and Keras have no residual layer: their models write
    ``out = x + block(x)`` in ``forward`` / with ``layers.Add()``; autograd
    then adds the two paths' gradients exactly as here.
    """

    def __init__(self, layers, branch_scale=0.1, shortcut="identity", dtype=None, name=None):
        super().__init__(dtype=dtype, name=name)
        if not isinstance(layers, (list, tuple)) or not layers:
            raise TypeError(f"Residual takes a non-empty list of layers (the branch f), got {layers!r}.")
        for layer in layers:
            if not isinstance(layer, Layer):
                raise TypeError(f"Residual takes Layer objects (Dense, BatchNorm, ...), got {layer!r}.")
        self.layers = list(layers)
        self.branch_scale = as_scalar(branch_scale, "branch_scale")
        if self.branch_scale < 0:
            raise ValueError(f"branch_scale must be >= 0, got {self.branch_scale}.")
        for i, layer in enumerate(self.layers):
            if layer.name is None:
                kind = type(layer).__name__.lower()
                layer.name = f"{kind}_{1 + sum(type(other) is type(layer) for other in self.layers[:i])}"
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):
            raise ValueError(f"The branch layers need distinct names (they prefix the parameter keys), got {names}.")
        self.shortcut = check_choice(shortcut, "shortcut", SHORTCUTS)
        if self.shortcut == "projection" and "shortcut" in names:
            raise ValueError("A branch layer named 'shortcut' would clash with the projection's 'shortcut.W'.")
        self._h = self._out = None

    def __repr__(self):
        projection = ", shortcut='projection'" if self.shortcut == "projection" else ""
        return "Residual([" + ", ".join(map(repr, self.layers)) + "]" + projection + ")"

    def output_shape(self, input_shape) -> tuple:
        """The input's shape for the identity shortcut; the branch's output shape for a projection."""
        if self.shortcut == "identity":
            return tuple(input_shape)
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.output_shape(shape)
        return tuple(shape)

    # --- modes: the branch follows the block ------------------------------------------------
    def train(self):
        for layer in self.layers:
            layer.train()
        return super().train()

    def eval(self):
        for layer in self.layers:
            layer.eval()
        return super().eval()

    # --- building -------------------------------------------------------------------------------
    def build(self, input_shape, rng=None):
        """Build the branch for inputs ``input_shape``, check it keeps the shape, scale its last W."""
        super().build(input_shape)
        if self.dtype is None:
            self.dtype = np.dtype(np.float64)
        shape = self.input_shape
        for layer in self.layers:
            if layer.dtype is None:
                layer.dtype = self.dtype
            elif self.dtype is not None and layer.dtype != self.dtype:
                raise ValueError(f"{layer!r} has dtype {layer.dtype}, but the residual block's is {self.dtype}.")
            if not layer.built:
                layer.build(shape, rng=rng)
            elif layer.input_shape != shape:
                raise ValueError(f"In {self.describe()}, {layer.describe()} expects inputs of shape "
                                 f"(N, {', '.join(map(str, layer.input_shape))}), but gets (N, {', '.join(map(str, shape))}).")
            shape = layer.output_shape(shape)
        if self.shortcut == "projection":
            if len(self.input_shape) != 1 or len(shape) != 1:
                self.input_shape = None  # not built
                raise ValueError(
                    f"{self.describe()}: a projection shortcut multiplies vectors by W_s, h W_s, so it needs"
                    f" inputs (N, D) and a branch output (N, D'); got (N, {', '.join(map(str, input_shape))}) to"
                    f" (N, {', '.join(map(str, shape))}). Add a Flatten() layer before the block.")
        elif tuple(shape) != self.input_shape:
            self.input_shape = None  # not built
            raise ValueError(
                f"{self.describe()}: the branch maps inputs of shape (N, {', '.join(map(str, input_shape))}) to"
                f" (N, {', '.join(map(str, shape))}), but h + f(h) needs f(h) of the same shape as h. Make the"
                f" branch's last layer output {', '.join(map(str, input_shape))} units, or give the block a"
                " projection shortcut, h' = h W_s + f(h): Residual([...], shortcut='projection')."
            )
        with_weights = [i for i, layer in enumerate(self.layers) if "W" in layer.params]
        if with_weights:
            if self.branch_scale == 0:
                self._refuse_a_dead_zero_branch(with_weights[-1])
            self.layers[with_weights[-1]].params["W"] *= self.branch_scale  # in place: the layer keeps its array
        self.params = {f"{layer.name}.{key}": p for layer in self.layers for key, p in layer.params.items()}
        self.grads = {f"{layer.name}.{key}": g for layer in self.layers for key, g in layer.grads.items()}
        if self.shortcut == "projection":
            generator = _as_rng(rng) or np.random.default_rng()
            self.params["shortcut.W"] = _INITIALISERS["glorot_uniform"](generator, self.input_shape[0], shape[0],
                                                                         self.dtype)
            self.grads["shortcut.W"] = np.zeros_like(self.params["shortcut.W"])

    def _refuse_a_dead_zero_branch(self, last):
        """Raise if, with the W of ``self.layers[last]`` at 0, an activation after it has zero slope.

        With W = 0 (and its bias at 0, as built) that layer's weighted sum is 0
        for every example; the activations applied to it in turn (its own and
        any ``Activation`` layers right after it) see constant values. A zero
        slope there stops every gradient of the branch, for ever.
        """
        value = np.zeros(1, dtype=self.dtype)
        for layer in self.layers[last:]:
            activation = getattr(layer, "activation", None)
            if activation is None or activation.derivative is None:
                break  # a layer that is not an activation (or softmax): nothing to decide here
            if layer is self.layers[last]:
                value = value + layer.params.get("b", np.zeros(1, dtype=self.dtype))[:1]
            value = activation.forward(value)
            if np.all(activation.derivative(value) == 0):
                self.input_shape = None  # not built
                raise ValueError(
                    f"{self.describe()}: branch_scale=0 sets the W of {self.layers[last].describe()} to 0, so the"
                    f" weighted sum after it is constant and the '{activation.name}' after it has slope 0 there:"
                    " no gradient would ever reach the branch, which would stay 0. End the branch in a linear"
                    " layer, e.g. Residual([Dense(n, activation='relu'), Dense(n)], branch_scale=0), as real"
                    " residual blocks do, or use branch_scale > 0.")
            if layer is not self.layers[last] and not isinstance(layer, Activation):
                break

    def _shape_hint(self, x):
        if self.shortcut == "projection":
            return " Its input is the output of the layer before it."
        return " A residual block keeps the shape: its input is that of the layer before it."

    def forward(self, x):
        """Check the batch x : (N, ...) and return h + f(h), or h W_s + f(h) (a new array; float64 outside a model)."""
        return self._forward(self._prepare(x, default_dtype=np.float64), buffered=False)

    # --- the computation --------------------------------------------------------------------
    def _forward(self, x, buffered=True):
        """h' = h + f(h) (or h W_s + f(h)): the branch's ``_forward`` in order, then the sum into the block's output."""
        f = x
        for layer in self.layers:
            f = layer._forward(f, buffered)
        out = self._output_array("out", f.shape, buffered, f.dtype)
        if self.shortcut == "projection":
            np.matmul(x, self.params["shortcut.W"], out=out)
            out += f
        else:
            np.add(x, f, out=out)
        self._h, self._out = x, out
        return out

    def _backward(self, dout, need_dx=True, buffered=True):
        """Branch gradients from a copy of dout; dE/dh = dout (identity path) + the branch's dE/dh.

        With a projection: dE/dW_s = h^T dout and the skip path's part is dout W_s^T.
        """
        d = self._output_array("dbranch", dout.shape, buffered, dout.dtype)
        np.copyto(d, dout)  # the branch layers may overwrite their dout; the skip path needs it intact
        if self.shortcut == "projection":
            np.matmul(self._h.T, dout, out=self.grads["shortcut.W"])
        last = len(self.layers) - 1
        for i in range(last, -1, -1):
            d = self.layers[i]._backward(d, i > 0 or need_dx, buffered)
        if not need_dx:
            return None
        if self.shortcut == "projection":
            dx = self._output_array("dx", self._h.shape, buffered, dout.dtype)
            np.matmul(dout, self.params["shortcut.W"].T, out=dx)
            dx += d  # the projection path's error plus the branch's
            return dx
        dout += d  # the identity path's error plus the branch's
        return dout

    def _last_output(self):
        return self._out
