"""Per-weight step sizes from the gradients' history: AdaGrad and RMSProp.

Where the stabiliser κ (code: ``eps``, PyTorch's ``eps``, Keras's
``epsilon``) sits differs between the frameworks, and the option
``eps_placement`` selects it:

* ``'outside'``: η ∇E / (√s + κ), AdaGrad's paper and PyTorch's form;
* ``'inside'``: η ∇E / √(s + κ), Keras 3's (and TensorFlow 1's RMSProp).

Outside, κ matters only where √s is about as small as κ itself, i.e.
s ≈ κ² (1e-14 for κ = 1e-7). Inside, it matters where s ≈ κ, i.e. √s ≈ √κ
(3e-4 for κ = 1e-7): κ inside the root reaches gradients some
√κ / κ = 1/√κ (about 3000) times larger than κ outside. Both matter
early on and for weights whose gradients are tiny.
"""
from __future__ import annotations

import numpy as np

from ..._validate import check_choice, check_positive
from .base import Optimizer, check_decay_rate, keras_decay

__all__ = ["AdaGrad", "RMSProp"]

_PLACEMENTS = ("outside", "inside")


def _divide_by_root(g, s, eps, placement, out):
    """out = g / (√s + κ) or g / √(s + κ) (g the gradient ∇E, κ = eps); ``out`` may not alias g or s."""
    if placement == "outside":
        np.sqrt(s, out=out)
        out += eps
    else:
        np.add(s, eps, out=out)
        np.sqrt(out, out=out)
    np.divide(g, out, out=out)
    return out


def _framework(framework):
    return check_choice(framework, "framework", ("keras", "pytorch"))


class AdaGrad(Optimizer):
    """AdaGrad: each weight's step divided by the root of its summed squared gradients.

    Parameters
    ----------
    eta : float > 0 or schedule
        Learning rate η.
    initial_accumulator : float >= 0
        s₀, the value the sum of squares starts from (Keras 0.1, PyTorch 0).
    eps : float > 0
        κ in the denominator (Keras 1e-7, PyTorch 1e-10).
    eps_placement : {'outside', 'inside'}
        √s + κ (PyTorch, the paper's spirit) or √(s + κ) (Keras).
    weight_decay, decoupled_decay, clipvalue, clipnorm, global_clipnorm
        See ``Optimizer``.

    Notes
    -----
    s <- s + ∇E²  (element-wise),  w <- w - η ∇E / (√s + κ).
    (Duchi, Hazan & Singer, 2011, the diagonal version.) s only grows, so
    every weight's step size shrinks for ever: good for sparse features,
    often too early a stop for networks. With s₀ = 0 the first step is
    η·sign(∇E) for every weight, whatever the gradient's size; s₀ = 0.1 (Keras)
    damps the first steps of weights with |∇E| below ~0.3.
    Defaults: η, s₀ and κ are Keras's (η = 0.001 is small for AdaGrad; the
    Keras documentation suggests 1.0 for the paper's form), κ outside the
    square root as in PyTorch. ``AdaGrad.like('pytorch')`` gives η = 0.01,
    s₀ = 0, κ = 1e-10 outside; ``AdaGrad.like('keras')`` κ inside.
    """

    def __init__(self, eta=0.001, initial_accumulator=0.1, eps=1e-7, eps_placement="outside", weight_decay=0.0,
                 decoupled_decay=False, clipvalue=None, clipnorm=None, global_clipnorm=None):
        super().__init__(eta, weight_decay, decoupled_decay, clipvalue, clipnorm, global_clipnorm)
        self.initial_accumulator = check_positive(initial_accumulator, "initial_accumulator", allow_zero=True)
        self.eps = check_positive(eps, "eps")
        self.eps_placement = check_choice(eps_placement, "eps_placement", _PLACEMENTS)

    def __repr__(self):
        return (f"AdaGrad(eta={self.eta}, initial_accumulator={self.initial_accumulator}, eps={self.eps},"
                f" eps_placement={self.eps_placement!r}{self._options_repr()})")

    @classmethod
    def like(cls, framework, **settings):
        """AdaGrad with ``framework``'s ('keras' or 'pytorch') defaults and conventions; ``settings`` override."""
        defaults = {"keras": dict(eta=0.001, initial_accumulator=0.1, eps=1e-7, eps_placement="inside"),
                    "pytorch": dict(eta=0.01, initial_accumulator=0.0, eps=1e-10, eps_placement="outside")}
        framework = _framework(framework)
        return cls(**{**defaults[framework], **keras_decay(framework), **settings})

    def _update(self, p, g, state):
        if not state:
            state.update(s=np.full_like(p, self.initial_accumulator), tmp=np.empty_like(p))
        s, tmp = state["s"], state["tmp"]
        np.multiply(g, g, out=tmp)
        s += tmp                                        # s = s + g²
        _divide_by_root(g, s, self.eps, self.eps_placement, out=tmp)
        tmp *= self.learning_rate
        p -= tmp


class RMSProp(Optimizer):
    """RMSProp: each weight's step divided by the root of a running average of its squared gradients.

    Parameters
    ----------
    eta : float > 0 or schedule
        Learning rate η (Keras 0.001, PyTorch 0.01).
    rho : float in [0, 1)
        ρ, decay of the running average (Keras ``rho`` 0.9, PyTorch ``alpha`` 0.99).
    eps : float > 0
        κ (Keras 1e-7, PyTorch 1e-8).
    centered : bool
        Divide by an estimate of the gradient's standard deviation instead of
        its root mean square (Graves, 2013).
    eps_placement : {'outside', 'inside'}
        √s + κ (PyTorch) or √(s + κ) (Keras 3, TensorFlow 1).
    weight_decay, decoupled_decay, clipvalue, clipnorm, global_clipnorm
        See ``Optimizer``.

    Notes
    -----
    Plain (Hinton, lecture 6e of "Neural networks for machine learning", 2012):
    s <- ρ s + (1 - ρ) ∇E²,  w <- w - η ∇E / (√s + κ).
    Centred: also m <- ρ m + (1 - ρ) ∇E, and the denominator is
    √(s - m²) + κ: s - m² estimates the variance of ∇E. (s - m² >= 0 in
    exact arithmetic; it is clipped at 0 against rounding, which would
    otherwise give the square root of a tiny negative number, NaN.)
    s and m start at 0 and are not bias-corrected (unlike Adam), so the
    first steps are larger than η: the first is η ∇E / (√(1-ρ)|∇E| + κ) ≈ 3.2 η
    for ρ = 0.9. Neither framework corrects them either.
    Defaults: Keras's numbers, κ outside as in PyTorch and Hinton's slides
    (which have no κ); ``RMSProp.like('keras')`` / ``.like('pytorch')``
    give each framework's exact defaults.
    """

    def __init__(self, eta=0.001, rho=0.9, eps=1e-7, centered=False, eps_placement="outside", weight_decay=0.0,
                 decoupled_decay=False, clipvalue=None, clipnorm=None, global_clipnorm=None):
        super().__init__(eta, weight_decay, decoupled_decay, clipvalue, clipnorm, global_clipnorm)
        self.rho = check_decay_rate(rho, "rho")
        self.eps = check_positive(eps, "eps")
        self.centered = bool(centered)
        self.eps_placement = check_choice(eps_placement, "eps_placement", _PLACEMENTS)

    def __repr__(self):
        return (f"RMSProp(eta={self.eta}, rho={self.rho}, eps={self.eps}"
                f"{', centered=True' if self.centered else ''}, eps_placement={self.eps_placement!r}"
                f"{self._options_repr()})")

    @classmethod
    def like(cls, framework, **settings):
        """RMSProp with ``framework``'s ('keras' or 'pytorch') defaults and conventions; ``settings`` override."""
        defaults = {"keras": dict(eta=0.001, rho=0.9, eps=1e-7, eps_placement="inside"),
                    "pytorch": dict(eta=0.01, rho=0.99, eps=1e-8, eps_placement="outside")}
        framework = _framework(framework)
        return cls(**{**defaults[framework], **keras_decay(framework), **settings})

    def _update(self, p, g, state):
        if not state:
            state.update(s=np.zeros_like(p), tmp=np.empty_like(p))
            if self.centered:
                state["m"] = np.zeros_like(p)
        s, tmp, rho = state["s"], state["tmp"], self.rho
        s *= rho
        np.multiply(g, g, out=tmp)
        tmp *= 1 - rho
        s += tmp                                        # s = ρ s + (1 - ρ) g²
        denominator_base = s
        if self.centered:
            m = state["m"]
            m *= rho
            np.multiply(g, 1 - rho, out=tmp)
            m += tmp                                    # m = ρ m + (1 - ρ) g
            variance = state.setdefault("var", np.empty_like(p))
            np.multiply(m, m, out=variance)
            np.subtract(s, variance, out=variance)      # s - m²
            np.maximum(variance, 0, out=variance)
            denominator_base = variance
        _divide_by_root(g, denominator_base, self.eps, self.eps_placement, out=tmp)
        tmp *= self.learning_rate
        p -= tmp
