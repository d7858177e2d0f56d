"""Optimisers: how a gradient becomes a weight update.

One interface for all of them::

    opt = Adam(eta=0.001)
    opt.step(params, grads)

``params`` is a list of dicts of arrays (one dict per layer, e.g.
``[layer.params for layer in model.layers]``) or a single dict; ``grads``
has exactly the same structure (``layer.grads``). ``step`` **updates the
parameter arrays in place** (the model's layers see the new values without
re-assignment) and leaves ``grads`` unchanged.

State (Adam's moments, later momentum's velocity) is kept per parameter
array, keyed by the array's identity, so the same optimiser can be handed
the parameter list again at every step. ``reset()`` forgets it.

Speed: updates are written into the parameter arrays and into buffers kept
between steps, never into new arrays of the parameters' size; the dtype of
the parameters is kept (float32 stays float32).

Chapter 06 adds momentum, AdaGrad, RMSProp and L-BFGS: subclass
``Optimizer``, implement ``_update(p, g, state)``, and add the class to
``OPTIMIZERS`` under its Keras name.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_positive, check_probability

__all__ = ["Optimizer", "SGD", "Adam", "OPTIMIZERS", "get_optimizer"]


def _pairs(params, grads):
    """Yield (name, param, grad) triples after checking both have the same structure."""
    if isinstance(params, dict):
        params, grads = [params], [grads]
    if not isinstance(params, (list, tuple)) or not isinstance(grads, (list, tuple)):
        raise TypeError("params and grads must be dicts of arrays or lists of such dicts.")
    if len(params) != len(grads):
        raise ValueError(f"params has {len(params)} dict(s) but grads has {len(grads)}.")
    for i, (p_dict, g_dict) in enumerate(zip(params, grads)):
        if not isinstance(p_dict, dict) or not isinstance(g_dict, dict):
            raise TypeError(f"params[{i}] and grads[{i}] must be dicts of arrays.")
        if p_dict.keys() != g_dict.keys():
            raise ValueError(
                f"params[{i}] has keys {sorted(p_dict)} but grads[{i}] has keys {sorted(g_dict)}."
            )
        for key, p in p_dict.items():
            g = g_dict[key]
            if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
                raise TypeError(
                    f"params[{i}][{key!r}] must be a float ndarray (it is updated in place), got {type(p).__name__}."
                )
            if np.shape(g) != p.shape:
                raise ValueError(
                    f"grads[{i}][{key!r}] has shape {np.shape(g)}, but the parameter has shape {p.shape}."
                )
            yield f"[{i}][{key!r}]", p, g


class Optimizer:
    """Base class: walks over (param, grad) pairs and keeps per-parameter state.

    Subclasses implement ``_update(p, g, state)``: change ``p`` in place
    using the gradient ``g``; ``state`` is a dict private to that parameter
    (empty on the first call).
    """

    def __init__(self):
        self._state = {}

    def step(self, params, grads):
        """Update every parameter in place.

        Parameters
        ----------
        params : dict of str -> ndarray, or list of such dicts
            Float arrays, modified in place.
        grads : same structure as params
            dE/dparam for each array, same shapes. Not modified.

        Returns
        -------
        None
        """
        self._apply([(p, np.asarray(g, dtype=p.dtype)) for _, p, g in _pairs(params, grads)])

    def _apply(self, pairs):
        """Update each already validated (param, grad) pair in place; grad has param's shape and dtype.

        ``step`` validates and then calls this; ``Sequential.fit`` validates
        its parameter list once per fit and calls it for every batch.
        """
        for p, g in pairs:
            # id() is unique while the array lives; we keep a reference to p so
            # the id cannot be reused by a new array.
            entry = self._state.get(id(p))
            if entry is None or entry[0] is not p:
                entry = self._state[id(p)] = (p, {})
            self._update(p, g, entry[1])

    def reset(self):
        """Forget all per-parameter state (moments, step counters)."""
        self._state = {}

    def _update(self, p, g, state):
        raise NotImplementedError


class SGD(Optimizer):
    """Plain (mini-batch) gradient descent.

    Parameters
    ----------
    eta : float > 0
        Learning rate.

    Notes
    -----
    w' = w - eta dE/dw.
    """

    def __init__(self, eta=0.01):
        super().__init__()
        self.eta = check_positive(eta, "eta")
        self._scratch = {}  # dtype -> buffer of _BLOCK values for eta * g

    def __repr__(self):
        return f"SGD(eta={self.eta})"

    def _update(self, p, g, state):
        # p -= eta * g, computed block by block: the temporary eta * g of one
        # block stays in the CPU cache instead of being an array of p's size.
        if p.size <= _BLOCK or not (p.flags.c_contiguous and g.flags.c_contiguous):
            p -= self.eta * g
            return
        scratch = self._scratch.get(p.dtype)
        if scratch is None:
            scratch = self._scratch[p.dtype] = np.empty(_BLOCK, dtype=p.dtype)
        flat_p, flat_g = p.reshape(-1), g.reshape(-1)
        for start in range(0, flat_p.size, _BLOCK):
            block = slice(start, start + _BLOCK)
            step = scratch[:flat_p[block].size]
            np.multiply(flat_g[block], self.eta, out=step)  # the same values as eta * g
            flat_p[block] -= step


#: Values per block of SGD's update (256 KiB in float32: fits the L2 cache).
_BLOCK = 1 << 16


class Adam(Optimizer):
    """Adam: per-weight step sizes from running moments of the gradient.

    Parameters
    ----------
    eta : float > 0
        Learning rate (step size).
    beta1 : float in [0, 1)
        Decay of the first-moment (mean) estimate m.
    beta2 : float in [0, 1)
        Decay of the second-moment (uncentred variance) estimate v.
    eps : float > 0
        Keeps the division finite where v is ~0 (1e-7 as in Keras).

    Notes
    -----
    With gradient g at step t = 1, 2, ...:
    m = beta1 m + (1 - beta1) g,  v = beta2 v + (1 - beta2) g^2,
    mhat = m / (1 - beta1^t),  vhat = v / (1 - beta2^t)  (bias correction:
    m and v start at 0 and would be too small in the first steps),
    w' = w - eta mhat / (sqrt(vhat) + eps).
    (Kingma & Ba, 2015, Algorithm 1.)
    """

    def __init__(self, eta=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
        super().__init__()
        self.eta = check_positive(eta, "eta")
        self.beta1 = _check_decay(beta1, "beta1")
        self.beta2 = _check_decay(beta2, "beta2")
        self.eps = check_positive(eps, "eps")

    def __repr__(self):
        return f"Adam(eta={self.eta}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps})"

    def _update(self, p, g, state):
        if not state:
            state.update(t=0, m=np.zeros_like(p), v=np.zeros_like(p), tmp=np.empty_like(p))
        state["t"] += 1
        t, m, v, tmp = state["t"], state["m"], state["v"], state["tmp"]
        # In-place updates into preallocated arrays: no new arrays per step.
        m *= self.beta1
        np.multiply(g, 1 - self.beta1, out=tmp)      # (1 - beta1) g
        m += tmp
        v *= self.beta2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - self.beta2
        v += tmp
        np.divide(v, 1 - self.beta2 ** t, out=tmp)   # tmp = vhat
        np.sqrt(tmp, out=tmp)
        tmp += self.eps                              # tmp = sqrt(vhat) + eps
        np.divide(m, tmp, out=tmp)                   # tmp = m / (sqrt(vhat) + eps)
        tmp *= self.eta / (1 - self.beta1 ** t)      # mhat = m / (1 - beta1^t)
        p -= tmp


def _check_decay(value, name):
    number = check_probability(value, name)
    if number == 1.0:
        raise ValueError(f"{name} must be < 1 (the average would never move), got {number}.")
    return number


#: Optimiser classes by their Keras names; chapter 06 adds more entries.
OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def get_optimizer(optimizer) -> Optimizer:
    """Return an optimiser instance.

    Parameters
    ----------
    optimizer : str or Optimizer
        A name from ``OPTIMIZERS`` ('sgd', 'adam'; case-insensitive), which
        gives the optimiser with its default settings, or an instance
        (returned unchanged, e.g. ``Adam(eta=0.01)``).

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid names.
    """
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer()
    if not isinstance(optimizer, str):
        raise TypeError(f"optimizer must be a name (str) or an Optimizer, got {optimizer!r}.")
    key = optimizer.lower()
    if key not in OPTIMIZERS:
        check_choice(optimizer, "optimizer", OPTIMIZERS)  # raises, listing the valid names
    return OPTIMIZERS[key]()
