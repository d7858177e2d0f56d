"""Optimiser steps on the surviving entries of masked parameters only (pruned networks).

    pruned = optimizer.masked(model.params, [{"W": mask_1}, {"W": mask_2}])    # once, after pruning
    for each batch:
        model.backward(y, model.forward(x))
        pruned.step(model.grads)                                               # instead of optimizer.step

A mask has its parameter's shape and holds 1 (the entry is trained) or 0
(pruned: the entry is never written, it keeps its value; zero the pruned
weights once before training if they should be 0). Parameters without a
mask (the biases here) are stepped whole.

What it computes: for an optimiser whose update works entry by entry
(SGD, momentum, AdaGrad, RMSProp, Adam, AdamW; also with ``clipvalue`` and
weight decay), exactly, to the last bit, what "mask the gradient, step
every entry, mask the weights again" gives on the surviving entries. That
slower loop is not the same as stepping with the masked gradient alone:
Adam's momentum, built up before pruning, moves pruned weights whose
gradient is 0. Norm clipping (``clipnorm``, ``global_clipnorm``) sees the
surviving entries only, which is the norm of the masked gradient.

How: the surviving entries of each masked parameter and of its gradient
are copied into compact arrays, the optimiser steps those, and the
results are written back. The optimiser's state for a masked parameter
(Adam's moments from earlier full steps, if any) is carried over to its
surviving entries when ``masked(...)`` is called, and from then on belongs
to the compact copy: it flows into the masked steps, not back to the full
parameter (a later plain ``step`` of it continues from its state before
the masking).
"""
from __future__ import annotations

import copy

import numpy as np

from .base import _pairs

__all__ = ["MaskedStep"]


def _mask_dicts(params, masks):
    """masks as a list of dicts parallel to params (a list of dicts), after checking the structure."""
    if isinstance(params, dict):
        params = [params]
        masks = [masks] if isinstance(masks, dict) else masks
    if not isinstance(masks, (list, tuple)) or len(masks) != len(params):
        raise ValueError(f"masks must have the structure of params: a list of {len(params)} dict(s) (one per"
                         " parameter dict, an empty dict where nothing is masked), such as [{'W': mask}, {}];"
                         f" got {type(masks).__name__} of length {len(masks) if hasattr(masks, '__len__') else '?'}.")
    for i, (p_dict, m_dict) in enumerate(zip(params, masks)):
        if not isinstance(m_dict, dict):
            raise TypeError(f"masks[{i}] must be a dict of mask arrays (e.g. {{'W': mask}}), got"
                            f" {type(m_dict).__name__}.")
        unknown = sorted(set(m_dict) - set(p_dict))
        if unknown:
            raise ValueError(f"masks[{i}] has keys {unknown} that params[{i}] does not have (its keys:"
                             f" {sorted(p_dict)}).")
    return params, masks


def _checked_mask(mask, p, where):
    """The flat indices of the 1s of ``mask``, after checking it is a 0/1 array of p's shape."""
    mask = np.asarray(mask)
    if mask.dtype.kind not in "biuf":
        raise TypeError(f"masks{where} must be an array of booleans or of 0s and 1s (1: trained, 0: pruned),"
                        f" got dtype {mask.dtype}.")
    if mask.shape != p.shape:
        raise ValueError(f"masks{where} has shape {mask.shape}, but the parameter has shape {p.shape}: a mask"
                         " has its parameter's shape.")
    if mask.dtype.kind != "b" and not np.all((mask == 0) | (mask == 1)):
        wrong = mask[(mask != 0) & (mask != 1)].ravel()[0].item()
        raise ValueError(f"masks{where} must hold only 0 (pruned) and 1 (trained), found {wrong!r}.")
    if not p.flags.c_contiguous:
        raise ValueError(f"params{where} must be C-contiguous to be stepped through a mask (its surviving"
                         " entries are written back through a flat view).")
    return np.flatnonzero(mask)


class MaskedStep:
    """Steps of ``optimizer`` that update only the entries of ``params`` where ``masks`` hold 1.

    Made by ``Optimizer.masked(params, masks)``; see the module docstring for
    what it computes.

    Parameters
    ----------
    optimizer : Optimizer
        Its settings, learning rate schedule and step count are used (each
        ``step`` is one optimiser step).
    params : dict of str -> ndarray, or list of such dicts
        As for ``Optimizer.step`` (e.g. ``model.params``); float arrays,
        C-contiguous where masked.
    masks : dict, or list of dicts parallel to ``params``
        ``masks[i][key]``: an array of ``params[i][key]``'s shape holding 0
        and 1 (or False and True). A missing key (or an empty dict) leaves
        that parameter unmasked. The masks are read here, once: a mask
        changed afterwards takes effect with a new ``masked(...)``.

    Why a prepared object, and not ``step(params, grads, masks)`` or a public
    ``apply`` of (parameter, gradient) pairs: finding the surviving entries
    is a pass over the whole mask, work of the order of the sparse update
    itself, so it is done once here rather than at every step; and the
    optimiser keeps its state per array, so the compact arrays it steps
    must persist between steps, which this object owns. Callers see only
    parameters, masks and gradients, never the compact copies or the
    optimiser's unchecked ``_apply``.
    """

    def __init__(self, optimizer, params, masks):
        if optimizer.needs_closure:
            raise TypeError(f"{type(optimizer).__name__} needs the loss as a function and cannot take masked"
                            " steps; use an optimiser with a plain step (SGD, Adam, ...).")
        self.optimizer = optimizer
        self._params = params
        params, masks = _mask_dicts(params, masks)
        self._entries = []  # per parameter: (param, None) or (param, (flat view, alive indices, compact, compact grad))
        for _ in _pairs(params, params):  # the parameters' checks (float ndarrays), as step makes them
            pass
        for i, (p_dict, m_dict) in enumerate(zip(params, masks)):
            for key, p in p_dict.items():
                if key not in m_dict:
                    self._entries.append((p, None))
                    continue
                alive = _checked_mask(m_dict[key], p, f"[{i}][{key!r}]")
                flat = p.reshape(-1)  # a view: p is C-contiguous
                compact = flat[alive]
                self._carry_state_over(p, alive, compact)
                self._entries.append((p, (flat, alive, compact, np.empty_like(compact))))

    def _carry_state_over(self, p, alive, compact):
        """The optimiser's state of p (moments of earlier full steps), restricted to the surviving entries."""
        entry = self.optimizer._state.get(id(p))
        if entry is None or entry[0] is not p:
            return  # no step of p yet: the compact copy starts afresh, as p would
        state = {key: value.reshape(-1)[alive] if isinstance(value, np.ndarray) and value.shape == p.shape
                 else copy.deepcopy(value) for key, value in entry[1].items()}  # per-entry arrays; scalars (Adam's t)
        self.optimizer._state[id(compact)] = (compact, state)

    @property
    def n_trained(self):
        """The number of entries each step updates (the surviving entries plus every unmasked parameter)."""
        return sum(p.size if compact is None else compact[2].size for p, compact in self._entries)

    def step(self, grads):
        """One optimiser step on the surviving entries; the pruned ones are not written.

        Parameters
        ----------
        grads : the structure of ``params`` (e.g. ``model.grads``)
            dE/dparam of every parameter (full shapes). Not modified.

        Returns
        -------
        None
        """
        pairs = []
        for (name, p, g), (known, compact) in zip(_pairs(self._params, grads), self._entries):
            if p is not known:
                raise ValueError(f"params{name} is no longer the array the masks were prepared for; call"
                                 " optimizer.masked(params, masks) again after replacing parameter arrays.")
            g = np.asarray(g, dtype=p.dtype)
            if compact is None:
                pairs.append((p, g))
                continue
            flat, alive, survivors, survivor_grads = compact
            np.take(flat, alive, out=survivors, mode="clip")  # the weights now (a caller may have set them)
            np.take(g, alive, out=survivor_grads, mode="clip")  # (mode='clip': no bounds pass; alive is in range)
            pairs.append((survivors, survivor_grads))
        self.optimizer._apply(pairs)
        for _, compact in self._entries:
            if compact is not None:
                flat, alive, survivors, _ = compact
                flat[alive] = survivors  # pruned entries are never written
