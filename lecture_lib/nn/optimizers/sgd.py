"""Gradient descent, with momentum and Nesterov momentum."""
from __future__ import annotations

import numpy as np

from ..._validate import check_choice
from .base import Optimizer, check_decay_rate, keras_decay

__all__ = ["SGD"]

#: Values per block of SGD's plain update (256 KiB in float32: fits the L2 cache).
_BLOCK = 1 << 16

_FORMS = ("step", "gradient")


class SGD(Optimizer):
    """(Mini-batch) gradient descent, optionally with momentum μ or Nesterov momentum.

    Parameters
    ----------
    eta : float > 0 or schedule
        Learning rate η.
    momentum : float in [0, 1)
        μ; 0 is plain gradient descent.
    nesterov : bool
        Nesterov's accelerated gradient (needs momentum > 0).
    momentum_form : {'step', 'gradient'}
        What the velocity v accumulates (see Notes). Equal updates for a
        constant η; they differ when η changes (a schedule).
    weight_decay, decoupled_decay, clipvalue, clipnorm, global_clipnorm
        See ``Optimizer``.

    Notes
    -----
    With ∇E the gradient at the current weights (code: ``g``):

    * plain: w <- w - η ∇E.
    * momentum, ``momentum_form='step'`` (Keras ``SGD(momentum=μ)``; Polyak's
      heavy ball as written by Sutskever et al. 2013): v <- μ v - η ∇E,
      w <- w + v. v is the step itself; a change of η affects new
      gradients only.
    * momentum, ``momentum_form='gradient'`` (PyTorch ``SGD(momentum=μ)``,
      dampening 0): v <- μ v + ∇E, w <- w - η v. v is a running sum of
      gradients; a change of η rescales the whole accumulated velocity.
      With constant η the two forms give the same weights (v_step = -η v_gradient).
    * Nesterov, step form (Keras ``nesterov=True``): v <- μ v - η ∇E,
      w <- w + μ v - η ∇E; gradient form (PyTorch): v <- μ v + ∇E,
      w <- w - η (∇E + μ v). Both are Sutskever et al.'s look-ahead
      v <- μ v - η ∇E(w + μ v) rewritten so that the gradient is taken at
      the current weights.

    v starts at 0 (PyTorch starts its buffer at the first gradient, the
    same thing when dampening is 0). The defaults follow Keras
    (η = 0.01, μ = 0); PyTorch has no default η.
    """

    def __init__(self, eta=0.01, momentum=0.0, nesterov=False, momentum_form="step", weight_decay=0.0,
                 decoupled_decay=False, clipvalue=None, clipnorm=None, global_clipnorm=None):
        super().__init__(eta, weight_decay, decoupled_decay, clipvalue, clipnorm, global_clipnorm)
        self.momentum = check_decay_rate(momentum, "momentum", "the velocity would never forget a gradient")
        self.nesterov = bool(nesterov)
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0 (in [0, 1)), got momentum=0.0.")
        self.momentum_form = check_choice(momentum_form, "momentum_form", _FORMS)
        self._scratch = {}  # dtype -> buffer of _BLOCK values for eta * g

    def __repr__(self):
        text = f"SGD(eta={self.eta}"
        if self.momentum:
            text += f", momentum={self.momentum}"
            text += ", nesterov=True" if self.nesterov else ""
            text += f", momentum_form={self.momentum_form!r}" if self.momentum_form != "step" else ""
        return text + self._options_repr() + ")"

    @classmethod
    def like(cls, framework, **settings):
        """The optimiser with ``framework``'s ('keras' or 'pytorch') defaults and conventions; ``settings`` override."""
        framework = check_choice(framework, "framework", ("keras", "pytorch"))
        form = {"keras": "step", "pytorch": "gradient"}[framework]
        return cls(**{"momentum_form": form, **keras_decay(framework), **settings})

    def _update(self, p, g, state):
        eta = self.learning_rate
        if not self.momentum:
            _descend(p, g, eta, self._scratch)
            return
        if not state:
            state.update(v=np.zeros_like(p), tmp=np.empty_like(p))
        v, tmp = state["v"], state["tmp"]
        mu = self.momentum
        v *= mu
        if self.momentum_form == "step":
            np.multiply(g, eta, out=tmp)        # η g
            v -= tmp                            # v = μ v - η g
            if self.nesterov:
                p -= tmp                        # w + μ v - η g
                np.multiply(v, mu, out=tmp)
                p += tmp
            else:
                p += v
        else:
            v += g                              # v = μ v + g
            if self.nesterov:
                np.multiply(v, mu, out=tmp)
                tmp += g                        # g + μ v
                tmp *= eta
            else:
                np.multiply(v, eta, out=tmp)
            p -= tmp


def _descend(p, g, eta, scratch):
    """p -= eta * g in place, block by block for large contiguous arrays.

    The temporary eta * g of one block stays in the CPU cache instead of
    being an array of p's size; the values are those of ``p -= eta * g``.
    """
    if p.size <= _BLOCK or not (p.flags.c_contiguous and g.flags.c_contiguous):
        p -= eta * g
        return
    buffer = scratch.get(p.dtype)
    if buffer is None:
        buffer = scratch[p.dtype] = np.empty(_BLOCK, dtype=p.dtype)
    flat_p, flat_g = p.reshape(-1), g.reshape(-1)
    for start in range(0, flat_p.size, _BLOCK):
        block = slice(start, start + _BLOCK)
        step = buffer[:flat_p[block].size]
        np.multiply(flat_g[block], eta, out=step)  # the same values as eta * g
        flat_p[block] -= step
