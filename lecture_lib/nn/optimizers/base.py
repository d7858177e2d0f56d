"""The optimiser interface shared by every optimiser, and what all of them can do to a gradient first.

One interface for all of them::

    opt = Adam(eta=0.001)
    opt.step(params, grads)

``params`` is a list of dicts of arrays (one dict per layer, e.g.
``[layer.params for layer in model.layers]``) or a single dict; ``grads``
has exactly the same structure (``layer.grads``). ``step`` **updates the
parameter arrays in place** (the model's layers see the new values without
re-assignment) and leaves ``grads`` unchanged.

State (momentum's velocity, Adam's moments) is kept per parameter array,
keyed by the array's identity, so the same optimiser can be handed the
parameter list again at every step. ``reset()`` forgets it.

What every optimiser does before its own update, in this order (each off
by default, so the plain update runs on the gradient itself):

1. clipping (``clipvalue``, ``clipnorm`` per array, ``global_clipnorm``
   over all arrays; see ``lecture_lib.nn.clipping``), as Keras does it;
2. weight decay λ (``weight_decay``): *coupled* (the default) adds the
   gradient of the L2 penalty (λ/2)·||w||² to the gradient, ∇E <- ∇E + λw, as
   PyTorch's ``weight_decay=`` does; *decoupled* (``decoupled_decay=True``,
   AdamW, and Keras 3's ``weight_decay=`` for every optimiser) shrinks the
   weights directly, w <- w - ηλw, outside the adaptive scaling.
   Decay applies to every array it is given, biases too (PyTorch's
   default). Keras's other L2, ``kernel_regularizer=l2(λ)``, is a loss
   term λ·Σw² on the weights only: its gradient is 2λw.
3. the learning rate: ``eta`` may be a number or a schedule (a callable of
   the step, ``lecture_lib.nn.schedules``), evaluated once per step at
   ``iterations`` = the number of steps done so far.

Why weight decay is an optimiser option and not a loss term: it then works
the same for ``fit``, ``train_on_batch`` and a hand-written loop, costs
one pass over the weights, and the decoupled form (which no loss term can
express for Adam) sits next to the coupled one. The loss that ``fit``
reports stays the data loss (Keras adds its regularisation terms to it),
so the loss curves of runs with and without decay measure the same thing;
``lecture_lib.nn.regularization.l2_penalty`` gives the penalty to add.

Speed: updates are written into the parameter arrays and into buffers kept
between steps, never into new arrays of the parameters' size; the dtype of
the parameters is kept (float32 stays float32). Clipping and coupled decay
work on a copy of the gradient kept per parameter (one or two more
buffers), so ``grads`` stay unchanged; with all options off there is no copy.

A new optimiser: subclass ``Optimizer``, implement ``_update(p, g, state)``
using ``self.learning_rate`` (η of the current step), and add the class to
``OPTIMIZERS`` under its Keras name.
"""
from __future__ import annotations

import numpy as np

from ..._validate import as_scalar, check_positive
from ..clipping import _norm, check_clip_threshold

__all__ = ["Optimizer", "check_decay_rate", "keras_decay"]


def _pairs(params, grads):
    """Yield (name, param, grad) triples after checking both have the same structure."""
    if isinstance(params, dict):
        params, grads = [params], [grads]
    if not isinstance(params, (list, tuple)) or not isinstance(grads, (list, tuple)):
        raise TypeError("params and grads must be dicts of arrays or lists of such dicts, such as"
                        f" step({{'W': W}}, {{'W': grad_W}}); got {type(params).__name__} and {type(grads).__name__}.")
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
            if isinstance(g, (str, bytes)) or np.asarray(g).dtype.kind not in "biuf":
                raise TypeError(
                    f"grads[{i}][{key!r}] must be an array of numbers (dE/dparam, shape {p.shape}),"
                    f" got {type(g).__name__} {g!r:.60}."
                )
            if np.shape(g) != p.shape:
                raise ValueError(
                    f"grads[{i}][{key!r}] has shape {np.shape(g)}, but the parameter has shape {p.shape}."
                )
            yield f"[{i}][{key!r}]", p, g


def check_decay_rate(value, name, meaning="the average would never move"):
    """A decay rate β of a running average: a number in [0, 1); the error names the value and the range."""
    number = as_scalar(value, name)
    if not 0.0 <= number < 1.0:
        why = f" (at 1 {meaning})" if number == 1.0 else ""
        raise ValueError(f"{name} must lie in [0, 1){why}, got {number}.")
    return number


def keras_decay(framework):
    """The weight-decay convention of ``Cls.like(framework)``: {'decoupled_decay': True} for Keras, {} for PyTorch.

    Keras 3's ``weight_decay=λ`` is decoupled for every optimiser
    (``BaseOptimizer._apply_weight_decay``: w <- w - η λ w with the current η,
    before the update, on every variable not excluded); PyTorch's
    ``weight_decay=`` is coupled (added to the gradient) except in AdamW.
    A ``decoupled_decay`` passed to ``like`` overrides it.
    """
    return {"decoupled_decay": True} if framework == "keras" else {}


def _check_eta(eta):
    if callable(eta):
        return eta
    number = as_scalar(eta, "eta")
    if number <= 0:
        raise ValueError(f"eta (the learning rate η) must be > 0, got {number}; a learning rate <= 0 does not"
                         " descend. (Or pass a schedule: a callable of the step.)")
    return number


class Optimizer:
    """Base class: walks over (param, grad) pairs, keeps per-parameter state, clips and decays.

    Parameters
    ----------
    eta : float > 0 or callable
        Learning rate η, or a schedule ``eta(step) -> float``.
    weight_decay : float >= 0
        λ of the weight decay (0: none); see the module docstring.
    decoupled_decay : bool
        False: ∇E <- ∇E + λw before the update (coupled, L2 penalty; PyTorch's
        ``weight_decay``). True: w <- w - ηλw before the update (decoupled;
        AdamW, Keras 3's ``weight_decay``).
    clipvalue : float > 0 or None
        Clip each gradient element into [-clipvalue, clipvalue].
    clipnorm : float > 0 or None
        Rescale each array's gradient to norm <= clipnorm (Keras's per-array ``clipnorm``).
    global_clipnorm : float > 0 or None
        Rescale all gradients by one factor to global norm <= global_clipnorm.

    Subclasses implement ``_update(p, g, state)``: change ``p`` in place
    using the gradient ``g`` and ``self.learning_rate``; ``state`` is a dict
    private to that parameter (empty on the first call).
    """

    #: True for optimisers that need the loss as a function (L-BFGS): ``fit`` runs them full batch.
    needs_closure = False

    def __init__(self, eta=0.01, weight_decay=0.0, decoupled_decay=False, clipvalue=None, clipnorm=None,
                 global_clipnorm=None):
        self._state = {}
        self._gradient_buffers = {}  # id(param) -> (param, buffer for its clipped/decayed gradient)
        self.iterations = 0
        self.eta = eta
        self.weight_decay = weight_decay
        self.decoupled_decay = bool(decoupled_decay)
        self.clipvalue = clipvalue
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.learning_rate = self._eta_at(0)

    # --- validated settings (assignable later, e.g. by a widget or compile) ---------
    @property
    def eta(self):
        """The learning rate as given: a number or a schedule (see ``learning_rate`` for its current value)."""
        return self._eta

    @eta.setter
    def eta(self, value):
        self._eta = _check_eta(value)
        if not callable(self._eta):
            self.learning_rate = self._eta

    @property
    def weight_decay(self):
        return self._weight_decay

    @weight_decay.setter
    def weight_decay(self, value):
        self._weight_decay = check_positive(value, "weight_decay", allow_zero=True)

    @property
    def clipvalue(self):
        return self._clipvalue

    @clipvalue.setter
    def clipvalue(self, value):
        self._clipvalue = check_clip_threshold(value, "clipvalue")

    @property
    def clipnorm(self):
        return self._clipnorm

    @clipnorm.setter
    def clipnorm(self, value):
        self._clipnorm = check_clip_threshold(value, "clipnorm")

    @property
    def global_clipnorm(self):
        return self._global_clipnorm

    @global_clipnorm.setter
    def global_clipnorm(self, value):
        self._global_clipnorm = check_clip_threshold(value, "global_clipnorm")

    def _eta_at(self, step):
        if not callable(self._eta):
            return self._eta
        value = as_scalar(self._eta(step), f"the schedule's learning rate at step {step}")
        if value < 0:
            raise ValueError(f"the schedule {self._eta!r} gave a negative learning rate {value} at step {step}.")
        return value

    def _options_repr(self):
        """', weight_decay=...' etc. for the options that are not at their defaults."""
        parts = []
        if self.weight_decay:
            parts.append(f"weight_decay={self.weight_decay}")
            if self.decoupled_decay and type(self).__name__ != "AdamW":
                parts.append("decoupled_decay=True")
        for name in ("clipvalue", "clipnorm", "global_clipnorm"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={getattr(self, name)}")
        return "".join(", " + p for p in parts)

    # --- the step -----------------------------------------------------------------------
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

    def masked(self, params, masks):
        """Steps that update only the entries where a mask holds 1 (pruned networks): a ``MaskedStep``.

        ``pruned = opt.masked(model.params, [{'W': mask}, {}])`` once, then
        ``pruned.step(model.grads)`` per batch instead of ``opt.step``. Pruned
        entries are never written, also not by Adam's momentum; the
        surviving ones get exactly the step a full update would give them.
        See ``lecture_lib.nn.optimizers.masked``.
        """
        from .masked import MaskedStep  # (masked imports this module)

        return MaskedStep(self, params, masks)

    def _apply(self, pairs):
        """Update each already validated (param, grad) pair in place; grad has param's shape and dtype.

        ``step`` validates and then calls this; ``Sequential.fit`` validates
        its parameter list once per fit and calls it for every batch; a
        ``MaskedStep`` steps its compact copies through it. The engine's own:
        code outside ``nn`` calls ``step`` or ``masked``.
        """
        self.learning_rate = self._eta_at(self.iterations)
        states = []
        for p, _ in pairs:
            # id() is unique while the array lives; we keep a reference to p so
            # the id cannot be reused by a new array.
            entry = self._state.get(id(p))
            if entry is None or entry[0] is not p:
                entry = self._state[id(p)] = (p, {})
            states.append(entry[1])
        if (self._clipvalue is not None or self._clipnorm is not None or self._global_clipnorm is not None
                or (self._weight_decay and not self.decoupled_decay)):
            pairs = self._preprocessed(pairs)
        shrink = 1.0 - self.learning_rate * self._weight_decay if self.decoupled_decay else 1.0
        for (p, g), state in zip(pairs, states):
            if shrink != 1.0:
                p *= shrink  # decoupled decay: w <- w - ηλw, before the update (as PyTorch's AdamW)
            self._update(p, g, state)
        self.iterations += 1

    def _preprocessed(self, pairs):
        """Clipped (and coupled-decay) gradients, written into per-parameter buffers: grads stay untouched."""
        out = []
        for p, g in pairs:
            entry = self._gradient_buffers.get(id(p))
            if entry is None or entry[0] is not p:
                entry = self._gradient_buffers[id(p)] = (p, np.empty_like(p), {})
            np.copyto(entry[1], g)
            out.append((p, entry[1]))
        buffers = [g for _, g in out]
        with np.errstate(over="ignore", invalid="ignore"):
            if self._clipvalue is not None:
                for g in buffers:
                    np.clip(g, -self._clipvalue, self._clipvalue, out=g)
            if self._clipnorm is not None:
                for g in buffers:
                    norm = _norm([g])
                    if norm > self._clipnorm or norm != norm:
                        g *= g.dtype.type(self._clipnorm / norm)
            if self._global_clipnorm is not None:
                norm = _norm(buffers)
                if norm > self._global_clipnorm or norm != norm:
                    factor = self._global_clipnorm / norm
                    for g in buffers:
                        g *= g.dtype.type(factor)
            if self._weight_decay and not self.decoupled_decay:
                for p, g in out:
                    scratch = self._gradient_buffers[id(p)][2]
                    if "decay" not in scratch:
                        scratch["decay"] = np.empty_like(p)
                    np.multiply(p, self._weight_decay, out=scratch["decay"])
                    g += scratch["decay"]  # g <- g + λw: the gradient of (λ/2)||w||²
        return out

    def reset(self):
        """Forget all per-parameter state (moments, step counters) and the step count."""
        self._state = {}
        self._gradient_buffers = {}
        self.iterations = 0
        self.learning_rate = self._eta_at(0)

    def _update(self, p, g, state):
        raise NotImplementedError

    def __deepcopy__(self, memo):
        """A copy whose state follows the copied parameter arrays.

        State is keyed by ``id(param)``; copying a model together with its
        optimiser (``copy.deepcopy(model)``) gives new arrays, so the copy's
        state is re-keyed by the ids of the copies. Used by the diagnostics'
        trial step.
        """
        import copy

        clone = object.__new__(type(self))
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            if key not in ("_state", "_gradient_buffers"):
                setattr(clone, key, copy.deepcopy(value, memo))
        clone._state, clone._gradient_buffers = {}, {}
        for p, state in self._state.values():
            p_copy = copy.deepcopy(p, memo)
            clone._state[id(p_copy)] = (p_copy, copy.deepcopy(state, memo))
        return clone
