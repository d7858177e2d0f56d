"""Batch normalisation (chapter 09; the lecture's supplement).

For a mini-batch of N examples and each feature (column) separately, in
the series' notation (code: ``batch_mean`` = h_bar, ``batch_var`` =
sigma_B^2, ``eps`` = kappa):

    h_bar     = (1/N) sum_n h_n                      mini-batch mean
    sigma_B^2 = (1/N) sum_n (h_n - h_bar)^2          mini-batch variance (biased: 1/N)
    h_hat     = (h - h_bar) / sqrt(sigma_B^2 + kappa)    normalised input
    out       = gamma * h_hat + beta                 gamma, beta learned

The computation is ``normalising.normalise_forward`` along axis 0 (layer
norm runs the same along the units). With gamma = sqrt(sigma_B^2 + kappa)
and beta = h_bar the layer gives back its input
(the network loses nothing by normalising). In inference the batch
statistics are replaced by running averages collected in training, so an
example's output no longer depends on the other examples of its batch.

Two opposite meanings of "momentum" (both here, selectable):

* ``convention='pytorch'`` (``nn.BatchNorm1d(momentum=0.1)``): momentum is
  the weight of the NEW batch, running = (1 - momentum) running + momentum * batch.
* ``convention='keras'`` (``layers.BatchNormalization(momentum=0.99)``):
  momentum is the weight of the OLD value, running = momentum running + (1 - momentum) batch.
* ``convention='average'`` (PyTorch's ``momentum=None``; the original
  paper's population estimate): the plain mean of the statistics of all
  batches seen so far.

A default copied across (Keras's 0.99 to PyTorch, or PyTorch's 0.1 to
Keras) gives the new batch a weight of 0.99 or 0.9: running statistics
that follow almost only the last batch, as noisy as the batch statistics.

Which variance is stored: the normalisation always divides by the biased
batch variance (1/N), as PyTorch, Keras and the paper do. For the running
variance PyTorch stores the UNBIASED one, sigma_B^2 * N/(N - 1); Keras stores the
biased one. ``unbiased_running_var`` follows the chosen convention by
default (True for 'pytorch' and 'average', False for 'keras') and can be set.

Placement: BatchNorm is a layer of its own, so it goes before the
activation (``Dense(64)``, ``BatchNorm()``, ``Activation('tanh')``, as in
the paper) or after it (``Dense(64, activation='tanh')``, ``BatchNorm()``).
Before it, the Dense layer's bias is redundant (beta does its job).

Shapes: x : (N, D) (or (N, ...): statistics per entry over the batch axis);
gamma, beta, running_mean, running_var : (D,).
"""
from __future__ import annotations

import numpy as np

from .._validate import as_scalar, check_choice, check_positive
from .layers import Layer
from .normalising import normalise_backward, normalise_forward, scale_and_shift

__all__ = ["BatchNorm", "MOMENTUM_CONVENTIONS", "update_running"]

#: Default momentum per convention (the frameworks' defaults).
MOMENTUM_CONVENTIONS = {"pytorch": 0.1, "keras": 0.99, "average": None}


def update_running(running, batch_value, momentum, convention, n_batches_seen):
    """The running statistic after one more batch, for each convention (a new array).

    Parameters
    ----------
    running : ndarray, shape (D,)
        The value before this batch.
    batch_value : ndarray, shape (D,)
        This batch's statistic (mean, or the variance that is stored).
    momentum : float or None
        Weight of the new batch ('pytorch') or of the old value ('keras');
        ignored for 'average'.
    convention : {'pytorch', 'keras', 'average'}
    n_batches_seen : int
        Batches before this one (for 'average').

    Returns
    -------
    ndarray, shape (D,)
    """
    if convention == "pytorch":
        return (1 - momentum) * running + momentum * batch_value
    if convention == "keras":
        return momentum * running + (1 - momentum) * batch_value
    return running + (batch_value - running) / (n_batches_seen + 1)  # the mean of all batches so far


class BatchNorm(Layer):
    """Normalise each feature over the mini-batch, then scale by gamma and shift by beta.

    Parameters
    ----------
    momentum : float in (0, 1), optional
        Its meaning depends on ``convention`` (see the module docstring).
        Default: 0.1 for 'pytorch', 0.99 for 'keras'; unused for 'average'.
    convention : {'pytorch', 'keras', 'average'}
        How the running statistics are updated.
    eps : float > 0
        Added to the variance before the square root (PyTorch's default 1e-5;
        Keras's is 1e-3).
    unbiased_running_var : bool, optional
        Store sigma_B^2 * N/(N - 1) (True) or sigma_B^2 (False) in ``running_var``. Default:
        False for 'keras', True otherwise.
    dtype, name : see ``Layer``.

    Attributes
    ----------
    params : {'gamma': (D,), 'beta': (D,)}
        Start at gamma = 1, beta = 0.
    running_mean, running_var : ndarray, shape (D,)
        Start at 0 and 1 (as in both frameworks); updated by every forward
        pass in training mode, used in inference.
    batch_mean, batch_var : ndarray or None
        h_bar and the biased sigma_B^2 of the last training batch.
    n_batches_seen : int
        Training forward passes so far.

    Notes
    -----
    Backward in training mode (the mean and the variance depend on every
    example, so each dx_n collects three paths; ``normalising.normalise_backward``),
    with dh_hat = dout * gamma and sigma = sqrt(sigma_B^2 + kappa):

        dx = (1 / (N sigma)) * (N dh_hat - sum_n dh_hat - h_hat * sum_n (dh_hat * h_hat))
        dgamma = sum_n dout * h_hat,  dbeta = sum_n dout

    In inference the statistics are constants: dx = dout * gamma / sqrt(running_var + kappa).
    Gradients are overwritten (written into the same arrays each time).
    """

    def __init__(self, momentum=None, convention="pytorch", eps=1e-5, unbiased_running_var=None,
                 dtype=None, name=None):
        super().__init__(dtype=dtype, name=name)
        self.convention = check_choice(convention, "momentum convention", MOMENTUM_CONVENTIONS)
        if convention == "average":
            if momentum is not None:
                raise ValueError("convention='average' averages all batches equally and takes no momentum;"
                                 f" got momentum={momentum!r} (use convention='pytorch' or 'keras').")
            self.momentum = None
        else:
            momentum = MOMENTUM_CONVENTIONS[convention] if momentum is None else as_scalar(momentum, "momentum")
            if not 0.0 < momentum < 1.0:
                raise ValueError(f"momentum must lie strictly between 0 and 1, got {momentum}.")
            self.momentum = momentum
        self.eps = check_positive(eps, "eps")
        if unbiased_running_var is None:
            unbiased_running_var = convention != "keras"
        if not isinstance(unbiased_running_var, (bool, np.bool_)):
            raise ValueError(f"unbiased_running_var must be True or False, got {unbiased_running_var!r}.")
        self.unbiased_running_var = bool(unbiased_running_var)
        self.running_mean = self.running_var = None
        self.batch_mean = self.batch_var = None
        self.n_batches_seen = 0
        self._u = self._sigma = self._g = None
        self._forward_was_training = True  # the mode of the last forward pass, which backward follows

    def __repr__(self):
        momentum = "" if self.momentum is None else f"momentum={self.momentum:g}, "
        return f"BatchNorm({momentum}convention={self.convention!r})"

    def build(self, input_shape, rng=None):
        """Create gamma = 1, beta = 0 and the running statistics (0 and 1), shape ``input_shape``."""
        super().build(input_shape)
        if self.dtype is None:
            self.dtype = np.dtype(np.float64)
        shape = self.input_shape
        self.params, self.grads = scale_and_shift(shape, self.dtype)
        self.running_mean = np.zeros(shape, dtype=self.dtype)
        self.running_var = np.ones(shape, dtype=self.dtype)
        self.n_batches_seen = 0

    def forward(self, x):
        """Check the batch x : (N, D) and return gamma * h_hat + beta (a new array; float64 outside a model)."""
        return self._forward(self._prepare(x, default_dtype=np.float64), buffered=False)

    def _forward(self, x, buffered=True):
        """out = gamma * h_hat + beta, h_hat from the batch's statistics (training) or the running ones (inference)."""
        n = x.shape[0]
        u = self._output_array("u", x.shape, buffered)
        out = self._output_array("out", x.shape, buffered)
        if self.training:
            if n < 2:
                raise ValueError(
                    f"{self.describe()} got a training batch of {n} example: its variance is 0, so every"
                    " normalised value would be 0 and nothing could be learned. Use batches of at least 2"
                    " examples (in fit, also the last batch: choose batch_size so that N % batch_size != 1),"
                    " or call eval() to use the running statistics."
                )
            mean, var, sigma = normalise_forward(x, 0, self.eps, self.params["gamma"], self.params["beta"], u,
                                                 out)
            mean, var, sigma = mean[0], var[0], sigma[0]  # (1, ...) -> (...): one statistic per unit
            self.batch_mean, self.batch_var = mean, var
            stored_var = var * (n / (n - 1)) if self.unbiased_running_var else var
            # the new running statistics are new arrays (a caller may keep the old ones)
            self.running_mean = update_running(self.running_mean, mean, self.momentum, self.convention,
                                               self.n_batches_seen).astype(self.dtype, copy=False)
            self.running_var = update_running(self.running_var, stored_var, self.momentum, self.convention,
                                              self.n_batches_seen).astype(self.dtype, copy=False)
            self.n_batches_seen += 1
        else:
            _, _, sigma = normalise_forward(x, 0, self.eps, self.params["gamma"], self.params["beta"], u, out,
                                            statistics=(self.running_mean, self.running_var))
        self._u, self._sigma, self._g = u, sigma, out
        self._forward_was_training = self.training
        return out

    def _backward(self, dout, need_dx=True, buffered=True):
        """dgamma, dbeta into the gradient arrays; dx through the batch statistics (training) or not."""
        return normalise_backward(dout, 0, self._u, self._sigma, self.params["gamma"], self.grads, need_dx,
                                  through_statistics=self._forward_was_training)
