"""Layer normalisation (Ba, Kiros and Hinton 2016): normalise each example over its units.

Batch normalisation averages each unit over the mini-batch; layer
normalisation averages each example over its D units (the features of one
row), in the series' notation for one example n with weighted sums h_n1 .. h_nD:

    h_bar_n   = (1/D) sum_j h_nj                     mean over the units
    sigma_n^2 = (1/D) sum_j (h_nj - h_bar_n)^2       variance over the units (biased: 1/D)
    h_hat_nj  = (h_nj - h_bar_n) / sqrt(sigma_n^2 + kappa)
    out_nj    = gamma_j h_hat_nj + beta_j            gamma, beta learned, one per unit

No statistic crosses examples, so the output of an example does not depend
on the other examples of its batch, training and inference compute the
same thing (no running averages, no train/eval gap), and a batch of one
example works.

The frameworks, by their formulas (no framework is imported here):

* PyTorch ``nn.LayerNorm(D, eps=1e-5, elementwise_affine=True)``: the same
  formula, biased variance, gamma (``weight``) = 1 and beta (``bias``) = 0
  at the start, kappa = ``eps`` = 1e-5 (the default here).
* Keras ``layers.LayerNormalization(axis=-1, epsilon=1e-3)``: the same
  formula with kappa = ``epsilon`` = 1e-3 (pass ``eps=1e-3`` to match).

The computation is ``normalising.normalise_forward`` / ``normalise_backward``
along the last axis (batch norm runs the same along the batch).

Backward (one row; the mean and the variance depend on every unit of the
row, so each dx_nj collects three paths, as batch norm's dx does over the
batch), with dh_hat = dout * gamma and sigma_n = sqrt(sigma_n^2 + kappa):

    dx_n = (D dh_hat_n - sum_j dh_hat_nj - h_hat_n sum_j dh_hat_nj h_hat_nj) / (D sigma_n)
    dgamma = sum_n dout_n * h_hat_n,   dbeta = sum_n dout_n

Shapes: x : (N, D); gamma, beta : (D,); the statistics : (N, 1).
"""
from __future__ import annotations

import numpy as np

from .._validate import check_positive
from .layers import Layer
from .normalising import normalise_backward, normalise_forward, scale_and_shift

__all__ = ["LayerNorm"]


class LayerNorm(Layer):
    """Normalise each example over its units, then scale by gamma and shift by beta.

    Parameters
    ----------
    eps : float > 0
        The stabiliser kappa added to the variance (PyTorch's default 1e-5;
        Keras's is 1e-3).
    dtype, name : see ``Layer``.

    Attributes
    ----------
    params : {'gamma': (D,), 'beta': (D,)}
        Start at gamma = 1, beta = 0.

    The same computation in training and inference mode (``train()`` and
    ``eval()`` change nothing). Gradients are overwritten, as every layer's.
    """

    def __init__(self, eps=1e-5, dtype=None, name=None):
        super().__init__(dtype=dtype, name=name)
        self.eps = check_positive(eps, "eps")
        self._u = self._sigma = self._g = None

    def __repr__(self):
        return f"LayerNorm(eps={self.eps:g})"

    def build(self, input_shape, rng=None):
        """Create gamma = 1 and beta = 0 for examples of shape (D,)."""
        super().build(input_shape)
        if len(self.input_shape) != 1:
            raise ValueError(f"{self.describe()} expects 2-D input (N, D), but each example has shape"
                             f" {self.input_shape}. Add a Flatten() layer before it.")
        if self.input_shape[0] < 2:
            raise ValueError(f"{self.describe()} needs at least 2 units per example: over a single unit the"
                             " variance is 0 and every normalised value 0.")
        if self.dtype is None:
            self.dtype = np.dtype(np.float64)
        self.params, self.grads = scale_and_shift(self.input_shape, self.dtype)

    def forward(self, x):
        """Check the batch x : (N, D) and return gamma * h_hat + beta (a new array; float64 outside a model)."""
        return self._forward(self._prepare(x, default_dtype=np.float64), buffered=False)

    def _forward(self, x, buffered=True):
        """out = gamma * h_hat + beta with each row's own mean and variance."""
        u = self._output_array("u", x.shape, buffered)
        out = self._output_array("out", x.shape, buffered)
        _, _, sigma = normalise_forward(x, -1, self.eps, self.params["gamma"], self.params["beta"], u, out)
        self._u, self._sigma, self._g = u, sigma, out
        return out

    def _backward(self, dout, need_dx=True, buffered=True):
        """dgamma, dbeta into the gradient arrays; dx through each row's mean and variance."""
        return normalise_backward(dout, -1, self._u, self._sigma, self.params["gamma"], self.grads, need_dx)
