"""Adam and AdamW: momentum and RMSProp-style scaling, with bias correction."""
from __future__ import annotations

import math

import numpy as np

from ..._validate import check_choice, check_positive
from .base import Optimizer, check_decay_rate, keras_decay

__all__ = ["Adam", "AdamW"]

_PLACEMENTS = ("corrected", "uncorrected")


class Adam(Optimizer):
    """Adam: per-weight step sizes from running moments of the gradient.

    Parameters
    ----------
    eta : float > 0 or schedule
        Learning rate (step size) η.
    beta1 : float in [0, 1)
        Decay of the first-moment (mean) estimate m.
    beta2 : float in [0, 1)
        Decay of the second-moment (uncentred variance) estimate s.
    eps : float > 0
        κ, keeps the division finite where s is ~0 (1e-7 as in Keras's
        ``epsilon``; PyTorch's ``eps`` 1e-8).
    eps_placement : {'corrected', 'uncorrected'}
        Where κ is added (see Notes).
    weight_decay, decoupled_decay, clipvalue, clipnorm, global_clipnorm
        See ``Optimizer``. Coupled decay (the default) is PyTorch's
        ``Adam(weight_decay=λ)``; for the decoupled form use ``AdamW``.

    Notes
    -----
    With the gradient ∇E_t at step t = 1, 2, ... (counted per parameter array):
    m = β₁ m + (1 - β₁) ∇E_t,  s = β₂ s + (1 - β₂) ∇E_t²,
    m̂ = m / (1 - β₁ᵗ),  ŝ = s / (1 - β₂ᵗ)  (bias correction:
    m and s start at 0 and would be too small in the first steps),
    w <- w - η m̂ / (√ŝ + κ). (The paper writes v for s and ε for κ.)
    (Kingma & Ba, 2015, Algorithm 1; PyTorch: ``eps_placement='corrected'``.)

    Keras (and TensorFlow) add κ to the *uncorrected* root, which is the
    paper's "ε̂" (end of its section 2): w <- w - η_t m / (√s + κ) with
    η_t = η √(1 - β₂ᵗ) / (1 - β₁ᵗ): ``eps_placement='uncorrected'``. That
    equals the corrected form with κ replaced by κ / √(1 - β₂ᵗ), i.e. κ
    ~30 times larger at t = 1 for β₂ = 0.999, the same once t >> 1/(1 - β₂).
    Defaults: Keras's numbers (η = 0.001, β₁ = 0.9, β₂ = 0.999, κ = 1e-7)
    with the paper's (PyTorch's) placement. ``Adam.like('keras')`` and
    ``Adam.like('pytorch')`` give each framework's exact defaults.
    """

    def __init__(self, eta=0.001, beta1=0.9, beta2=0.999, eps=1e-7, eps_placement="corrected", weight_decay=0.0,
                 decoupled_decay=False, clipvalue=None, clipnorm=None, global_clipnorm=None):
        super().__init__(eta, weight_decay, decoupled_decay, clipvalue, clipnorm, global_clipnorm)
        self.beta1 = check_decay_rate(beta1, "beta1")
        self.beta2 = check_decay_rate(beta2, "beta2")
        self.eps = check_positive(eps, "eps")
        self.eps_placement = check_choice(eps_placement, "eps_placement", _PLACEMENTS)

    def __repr__(self):
        placement = f", eps_placement={self.eps_placement!r}" if self.eps_placement != "corrected" else ""
        return (f"{type(self).__name__}(eta={self.eta}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps}"
                f"{placement}{self._options_repr()})")

    @classmethod
    def like(cls, framework, **settings):
        """The optimiser with ``framework``'s ('keras' or 'pytorch') defaults and conventions; ``settings`` override."""
        framework = check_choice(framework, "framework", ("keras", "pytorch"))
        defaults = {"keras": dict(eps=1e-7, eps_placement="uncorrected"),
                    "pytorch": dict(eps=1e-8, eps_placement="corrected")}[framework]
        return cls(**{**defaults, **cls._decay_defaults(framework), **settings})

    @staticmethod
    def _decay_defaults(framework):
        return keras_decay(framework)  # AdamW is always decoupled

    def _update(self, p, g, state):
        if not state:
            state.update(t=0, m=np.zeros_like(p), s=np.zeros_like(p), tmp=np.empty_like(p))
        state["t"] += 1
        t, m, v, tmp = state["t"], state["m"], state["s"], state["tmp"]  # v: the second moment s
        # In-place updates into preallocated arrays: no new arrays per step.
        m *= self.beta1
        np.multiply(g, 1 - self.beta1, out=tmp)      # (1 - beta1) g
        m += tmp
        v *= self.beta2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - self.beta2
        v += tmp
        eta = self.learning_rate
        if self.eps_placement == "corrected":
            np.divide(v, 1 - self.beta2 ** t, out=tmp)   # tmp = vhat
            np.sqrt(tmp, out=tmp)
            tmp += self.eps                              # tmp = sqrt(vhat) + eps
            np.divide(m, tmp, out=tmp)                   # tmp = m / (sqrt(vhat) + eps)
            tmp *= eta / (1 - self.beta1 ** t)           # mhat = m / (1 - beta1^t)
        else:
            np.sqrt(v, out=tmp)
            tmp += self.eps                              # sqrt(v) + eps
            np.divide(m, tmp, out=tmp)
            tmp *= eta * math.sqrt(1 - self.beta2 ** t) / (1 - self.beta1 ** t)
        p -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay: w <- w - ηλw, then the Adam step.

    Parameters
    ----------
    weight_decay : float >= 0
        λ (Keras 0.004, PyTorch 0.01).
    Others as ``Adam``.

    Notes
    -----
    Loshchilov & Hutter (2019): with L2 inside the gradient (coupled,
    ``Adam(weight_decay=λ)``), the penalty's gradient λw is divided by
    √ŝ like every gradient, so weights with large gradients are hardly
    decayed. Decoupled, every weight shrinks by the same factor 1 - ηλ
    per step. PyTorch's and Keras's AdamW both multiply λ by the current η
    (as here); the paper multiplies it by the schedule's factor only
    (its λ is η times ours for a constant schedule).
    """

    def __init__(self, eta=0.001, beta1=0.9, beta2=0.999, eps=1e-7, eps_placement="corrected", weight_decay=0.004,
                 clipvalue=None, clipnorm=None, global_clipnorm=None):
        super().__init__(eta, beta1, beta2, eps, eps_placement, weight_decay, True, clipvalue, clipnorm,
                         global_clipnorm)

    @staticmethod
    def _decay_defaults(framework):
        return {"weight_decay": {"keras": 0.004, "pytorch": 0.01}[framework]}
